/* eth/arp.c — ARP (RFC 826): answers for our addresses, and IPv4's resolver in the neighbour
 * subsystem (eth/neigh.c holds the cache, the states and the pending queue). */
#include <string.h>

#include "eth/eth.h"
#include "eth/neigh.h"
#include "ip/ip4.h"
#include "stack/core.h"
#include "stack/wire.h"

#define ARP_LEN 28
enum { ARP_OP_REQUEST = 1, ARP_OP_REPLY = 2 };
/* Field offsets in an Ethernet/IPv4 ARP packet. */
enum { A_HTYPE = 0, A_PTYPE = 2, A_HLEN = 4, A_PLEN = 5, A_OP = 6, A_SHA = 8, A_SPA = 14, A_THA = 18, A_TPA = 24 };

static const uint8_t mac_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[ETH_ALEN];

static void arp_send(struct stack *st, unsigned ifindex, uint16_t op, uint32_t spa, const uint8_t *tha,
		     uint32_t tpa, const uint8_t *eth_dst)
{
	struct pkb *p = stack_alloc(st, ARP_LEN);
	uint8_t *a;

	if (!p)
		return;
	p->ifindex = (uint16_t)ifindex;
	a = p->data;
	p->len = ARP_LEN;
	be16_put(a + A_HTYPE, 1);
	be16_put(a + A_PTYPE, ETH_P_IP);
	a[A_HLEN] = ETH_ALEN;
	a[A_PLEN] = 4;
	be16_put(a + A_OP, op);
	memcpy(a + A_SHA, st->ifs[ifindex].mac, ETH_ALEN);
	be32_put(a + A_SPA, spa);
	memcpy(a + A_THA, tha, ETH_ALEN);
	be32_put(a + A_TPA, tpa);
	if (op == ARP_OP_REQUEST)
		CNT(st, ArpOutRequests);
	else
		CNT(st, ArpOutReplies);
	eth_output(st, p, eth_dst, ETH_P_ARP);
}

/* Our source for a request to tpa: the interface's address on tpa's subnet, else its first. */
static uint32_t arp_src_for(const struct stack *st, unsigned ifindex, uint32_t tpa)
{
	const struct iface *ifp = &st->ifs[ifindex];
	const struct ifaddr *a = iface_addr_for(ifp, tpa);
	return a ? a->addr : ifp->naddr ? ifp->addr[0].addr : 0;
}

/* neigh_ops.solicit: who-has e's address, to mac or (NULL) to everyone. */
static void arp_solicit(struct stack *st, const struct neigh_entry *e, const uint8_t *mac)
{
	uint32_t ip = be32_get(e->addr);
	arp_send(st, e->ifindex, ARP_OP_REQUEST, arp_src_for(st, e->ifindex, ip), mac_zero, ip, mac ? mac : mac_bcast);
}

/* IPv4's timing, as tapstack has always had it: three requests a second apart (RFC 1122
 * 2.3.2.1), an answer good for 60 s of which the last 5 are STALE: used then, the neighbour is
 * asked once more, directly (Linux: base_reachable_time 30 s randomized, delay 5 s, 3 probes). */
static const struct neigh_ops arp_ops = {
	.reachable_ms = 55000,
	.stale_ms = 5000,
	.delay_ms = 0,
	.retrans_ms = 1000,
	.mcast_solicit = 3,
	.ucast_probes = 1,
	.ethertype = ETH_P_IP,
	.c_resolve_failed = C_ArpResolveFailed,
	.c_evictions = C_ArpCacheEvictions,
	.c_queue_drops = C_ArpQueueDrops,
	.solicit = arp_solicit,
	.failed = ip4_neigh_failed,
};

void arp_init(struct stack *st)
{
	neigh_register(st, NEIGH_INET, &arp_ops);
}

void arp_announce(struct stack *st, unsigned ifindex, uint32_t addr)
{
	arp_send(st, ifindex, ARP_OP_REQUEST, addr, mac_zero, addr, mac_bcast);
}

void arp_input(struct stack *st, struct pkb *p)
{
	uint8_t *a = p->data;
	unsigned ifindex = p->ifindex;

	if (p->len < ARP_LEN || be16_get(a + A_HTYPE) != 1 || be16_get(a + A_PTYPE) != ETH_P_IP ||
	    a[A_HLEN] != ETH_ALEN || a[A_PLEN] != 4) {
		stack_drop(st, p, C_ArpInErrors);
		return;
	}
	uint16_t op = be16_get(a + A_OP);
	if (op != ARP_OP_REQUEST && op != ARP_OP_REPLY) {
		stack_drop(st, p, C_ArpInErrors);
		return;
	}
	st->ctr[op == ARP_OP_REQUEST ? C_ArpInRequests : C_ArpInReplies]++;
	uint32_t spa = be32_get(a + A_SPA), tpa = be32_get(a + A_TPA);
	const uint8_t *sha = a + A_SHA;
	/* A sender hardware address of broadcast, zero or ours is refused. A multicast one is answered
	 * but never learned: RFC 1812 3.3.2 forbids the learning, not the answer. POLICY: Linux 6.18
	 * (measured) answers both and keeps a STALE entry for either. */
	if (memcmp(sha, mac_bcast, ETH_ALEN) == 0 || memcmp(sha, mac_zero, ETH_ALEN) == 0 ||
	    memcmp(sha, st->ifs[ifindex].mac, ETH_ALEN) == 0) {
		stack_drop(st, p, C_ArpInBadSender);
		return;
	}
	bool learn = !eth_is_mcast(sha);
	/* spa 0 is an RFC 5227 probe: answered, never learned. */
	if (spa != 0 && !ip4_is_valid_host_src(st, spa)) {
		stack_drop(st, p, C_ArpInBadSender);
		return;
	}
	if (spa != 0 && ip4_is_local(st, spa)) {
		stack_drop(st, p, C_ArpInConflicts);
		return;
	}
	bool for_us = ip4_is_local(st, tpa);
	/* RFC 826 "merge": refresh an entry we have; create one only for a request to us. A reply
	 * nobody asked for creates nothing (Linux with arp_accept=0: it asks the sender itself when
	 * it has something to send there). */
	if (spa != 0 && learn) {
		uint8_t key[4];
		be32_put(key, spa);
		neigh_update(st, NEIGH_INET, ifindex, key, 4, sha, for_us && op == ARP_OP_REQUEST);
	}
	if (op != ARP_OP_REQUEST) {
		stack_consume(st, p); /* a reply: learned above */
		return;
	}
	if (!for_us || spa == tpa) { /* a gratuitous announcement is not a question */
		stack_drop(st, p, C_ArpInOtherTarget);
		return;
	}
	/* Answer in place: the asker becomes the target, we become the sender. */
	uint8_t asker[ETH_ALEN];
	memcpy(asker, sha, ETH_ALEN);
	be16_put(a + A_OP, ARP_OP_REPLY);
	memcpy(a + A_THA, asker, ETH_ALEN);
	be32_put(a + A_TPA, spa);
	memcpy(a + A_SHA, st->ifs[ifindex].mac, ETH_ALEN);
	be32_put(a + A_SPA, tpa);
	p->len = ARP_LEN;
	p->flags &= PKB_HEAP | PKB_RX;
	CNT(st, ArpOutReplies);
	eth_output(st, p, asker, ETH_P_ARP);
}

void arp_output(struct stack *st, struct pkb *p, uint32_t nh)
{
	unsigned ifindex = p->ifindex;
	const struct iface *ifp = &st->ifs[ifindex];

	if (nh == IP4_BCAST_ALL || (iface_addr_for(ifp, nh) && iface_addr_for(ifp, nh)->bcast == nh)) {
		eth_output(st, p, mac_bcast, ETH_P_IP);
		return;
	}
	if ((nh >> 28) == 0xe) { /* RFC 1112 6.4: 01:00:5e + the group's low 23 bits */
		uint8_t m[ETH_ALEN] = { 0x01, 0x00, 0x5e, (uint8_t)((nh >> 16) & 0x7f), (uint8_t)(nh >> 8), (uint8_t)nh };
		eth_output(st, p, m, ETH_P_IP);
		return;
	}
	uint8_t key[4];
	be32_put(key, nh);
	neigh_output(st, NEIGH_INET, p, key, 4);
}
