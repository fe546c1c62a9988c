/* ip/ip4.c — IPv4 input validation, local delivery, and output. */
#include "ip/ip4.h"

#include <errno.h>
#include <string.h>

#include "icmp/icmp4.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

#define IP4_ALLHOSTS 0xe0000001u /* 224.0.0.1, joined by every host (RFC 1112) */

void ip4_register_proto(struct stack *st, uint8_t proto, ip4_input_fn input)
{
	st->protos[proto].input = input;
}

bool ip4_is_local(const struct stack *st, uint32_t addr)
{
	for (unsigned i = 0; i < st->nifs; i++)
		for (unsigned j = 0; j < st->ifs[i].naddr; j++)
			if (st->ifs[i].addr[j].addr == addr)
				return true;
	return false;
}

static bool ip4_is_our_bcast(const struct stack *st, uint32_t addr)
{
	for (unsigned i = 0; i < st->nifs; i++)
		for (unsigned j = 0; j < st->ifs[i].naddr; j++)
			if (st->ifs[i].addr[j].plen <= 30 && st->ifs[i].addr[j].bcast == addr)
				return true;
	return false;
}

enum ip4_dst_kind ip4_dst_kind(const struct stack *st, uint32_t dst)
{
	if (dst == IP4_BCAST_ALL || ip4_is_our_bcast(st, dst))
		return IP4_DST_BCAST;
	if ((dst >> 28) == 0xe)
		return dst == IP4_ALLHOSTS ? IP4_DST_MCAST : IP4_DST_OTHER;
	return ip4_is_local(st, dst) ? IP4_DST_LOCAL : IP4_DST_OTHER;
}

bool ip4_is_valid_host_src(const struct stack *st, uint32_t a)
{
	uint8_t first = (uint8_t)(a >> 24);
	return first != 0 && first != 127 && first < 224 && !ip4_is_our_bcast(st, a);
}

/* A source no packet may carry (RFC 1812 5.3.7): 0/8, 127/8, 224/4, the limited or one of our
 * directed broadcasts, or one of our own addresses. Class E is accepted on input, as Linux does;
 * R5.6 keeps us from answering it with errors. */
static bool ip4_is_martian_src(const struct stack *st, uint32_t a)
{
	bool class_e = (a >> 28) == 0xf && a != IP4_BCAST_ALL;
	return (!class_e && !ip4_is_valid_host_src(st, a)) || ip4_is_local(st, a);
}

void ip4_input(struct stack *st, struct pkb *p)
{
	const uint8_t *h = p->data;
	unsigned hlen, tot;

	CNT(st, IpInReceives);
	/* Every length check of DESIGN.md: buffer >= 20, IHL >= 5, buffer >= IHL*4, IHL*4 <= total,
	 * buffer >= total. */
	if (p->len < IP4_HDR_MIN || (h[IP4_VHL] >> 4) != 4) {
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	hlen = (h[IP4_VHL] & 0x0fu) * 4;
	if (hlen < IP4_HDR_MIN || p->len < hlen) {
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	if (csum_buf(h, hlen) != 0) {
		CNT(st, IpInCsumErrors);
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	tot = be16_get(h + IP4_LEN);
	if (tot < hlen) {
		stack_drop(st, p, C_IpInHdrErrors);
		return;
	}
	if (p->len < tot) {
		stack_drop(st, p, C_IpInTruncatedPkts);
		return;
	}
	pkb_trim(p, tot); /* Ethernet pads short frames to 60 bytes */

	struct ip4_rx rx = {
		.hdr = h, .hlen = (uint16_t)hlen, .tot_len = (uint16_t)tot,
		.src = be32_get(h + IP4_SRC), .dst = be32_get(h + IP4_DST),
		.proto = h[IP4_PROTO], .tos = h[IP4_TOS], .ttl = h[IP4_TTL],
		.ifindex = p->ifindex, .l2flags = p->flags & (PKB_L2_BCAST | PKB_L2_MCAST),
	};
	if (ip4_is_martian_src(st, rx.src)) {
		stack_drop(st, p, C_IpInMartianSrc);
		return;
	}
	rx.dst_kind = (uint8_t)ip4_dst_kind(st, rx.dst);
	if (rx.dst_kind == IP4_DST_OTHER) {
		stack_drop(st, p, C_IpInAddrErrors); /* not ours, and we do not forward */
		return;
	}
	if (rx.dst_kind == IP4_DST_BCAST)
		CNT(st, IpInBcastPkts);
	else if (rx.dst_kind == IP4_DST_MCAST)
		CNT(st, IpInMcastPkts);
	if (hlen > IP4_HDR_MIN) {
		/* RR records the address the datagram reached us at (RFC 1122 3.2.1.8: the specific
		 * destination); for a broadcast, our address toward the sender. */
		uint32_t spec = rx.dst;
		if (rx.dst_kind != IP4_DST_LOCAL) {
			const struct iface *ifp = &st->ifs[p->ifindex];
			const struct ifaddr *a = iface_addr_for(ifp, rx.src);
			spec = a ? a->addr : ifp->addr[0].addr;
		}
		int ptr = ip4_opts_compile(st, p->data, &p->opt, spec);
		if (ptr) {
			p->opt = (struct ip4_opts){ 0 };
			icmp4_send_error(st, p, ICMP4_PARAMETERPROB, 0, (uint32_t)ptr << 24);
			stack_drop(st, p, C_IpInHdrErrors);
			return;
		}
		if (p->opt.srr) { /* accept_source_route=0 (RFC 1122 3.3.5 allows refusing) */
			stack_drop(st, p, C_IpInSrcRouteDrops);
			return;
		}
	}
	if (be16_get(h + IP4_FRAG) & (IP4_MF | IP4_OFFMASK)) {
		CNT(st, IpReasmReqds);
		stack_drop(st, p, C_IpReasmFails);
		return;
	}
	const struct ip4_proto *pr = &st->protos[rx.proto];
	if (!pr->input) {
		if (rx.dst_kind == IP4_DST_LOCAL)
			icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 2, 0);
		stack_drop(st, p, C_IpInUnknownProtos);
		return;
	}
	pkb_pull(p, hlen);
	CNT(st, IpInDelivers);
	pr->input(st, p, &rx);
}

void ip4_neigh_failed(struct stack *st, struct pkb *p)
{
	stack_drop(st, p, C_IpOutDiscards);
}

int ip4_output(struct stack *st, struct pkb *p, const struct ip4_tx *tx)
{
	struct route_res rr;
	unsigned hlen = IP4_HDR_MIN + tx->optlen, tot = hlen + p->len;
	uint8_t *h;

	if (route_lookup(st, tx->dst, &rr) != 0 || rr.rt->type == RT_PROHIBIT || rr.rt->type == RT_BLACKHOLE) {
		stack_drop(st, p, C_IpOutNoRoutes);
		return -ENETUNREACH;
	}
	if (tot > st->ifs[rr.ifindex].mtu) {
		stack_drop(st, p, C_IpFragFails);
		return -EMSGSIZE;
	}
	if (pkb_headroom(p) < hlen + ETH_HLEN) {
		stack_drop(st, p, C_IpOutDiscards);
		return -ENOBUFS;
	}
	h = pkb_push(p, hlen);
	h[IP4_VHL] = (uint8_t)(0x40 | hlen / 4);
	h[IP4_TOS] = tx->tos;
	be16_put(h + IP4_LEN, (uint16_t)tot);
	be16_put(h + IP4_ID, st->ip_id++);
	be16_put(h + IP4_FRAG, tx->df ? IP4_DF : 0);
	h[IP4_TTL] = tx->ttl ? tx->ttl : (uint8_t)st->knobs.ip_default_ttl;
	h[IP4_PROTO] = tx->proto;
	be16_put(h + IP4_CSUM, 0);
	be32_put(h + IP4_SRC, tx->src ? tx->src : rr.src);
	be32_put(h + IP4_DST, tx->dst);
	if (tx->optlen) {
		memcpy(h + IP4_HDR_MIN, tx->opt, tx->optlen);
		if (tx->optinfo)
			ip4_opts_fill(st, h, tx->optinfo, be32_get(h + IP4_SRC));
	}
	be16_put(h + IP4_CSUM, csum_buf(h, hlen));
	CNT(st, IpOutRequests);
	p->ifindex = (uint16_t)rr.ifindex;
	arp_output(st, p, rr.nexthop);
	return 0;
}
