/* eth/arp.c — ARP (RFC 826): answer for our addresses, a bounded cache, next-hop resolution with a
 * bounded pending queue and three requests one second apart (RFC 1122 2.3.2.1). */
#include <string.h>

#include "eth/eth.h"
#include "stack/core.h"
#include "stack/wire.h"

#define ARP_LEN 28
enum { ARP_OP_REQUEST = 1, ARP_OP_REPLY = 2 };
/* Field offsets in an Ethernet/IPv4 ARP packet. */
enum { A_HTYPE = 0, A_PTYPE = 2, A_HLEN = 4, A_PLEN = 5, A_OP = 6, A_SHA = 8, A_SPA = 14, A_THA = 18, A_TPA = 24 };

static const uint8_t mac_bcast[ETH_ALEN] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
static const uint8_t mac_zero[ETH_ALEN];

static struct arp_entry *arp_find(struct stack *st, unsigned ifindex, uint32_t ip)
{
	struct arp_cache *c = &st->arp;
	/* Open addressing from the home slot; deletions leave holes, so a miss reads the whole table
	 * (256 compares, only for a neighbour we do not have yet). */
	for (unsigned i = 0; i < ARP_CACHE_SIZE && c->used; i++) {
		struct arp_entry *e = &c->e[(ip + i) % ARP_CACHE_SIZE];
		if (e->state != ARP_FREE && e->ip == ip && e->ifindex == ifindex)
			return e;
	}
	return NULL;
}

/* Keeps the cached deadline at or before every entry's time (never later: a stale early value
 * only costs one poll, which recomputes it). */
static void arp_note(struct stack *st, uint64_t t)
{
	if (t < st->arp.deadline)
		st->arp.deadline = t;
}

/* Sends e's queue now that the neighbour answered. e stays live and REACHABLE throughout. */
static void arp_queue_send(struct stack *st, struct arp_entry *e)
{
	struct pkb *p;
	while ((p = pkb_queue_pop(&e->q))) {
		st->arp.pending--;
		eth_output(st, p, e->mac, ETH_P_IP);
	}
}

/* The datagrams of freed entries, answered with 3/1 only once no entry is being changed: a 3/1
 * goes through arp_output, which may allocate (and evict) entries itself, so sending it from the
 * middle of an eviction would re-enter the slot being reused. The outermost caller drains. */
static void arp_fail_drain(struct stack *st)
{
	struct arp_cache *c = &st->arp;
	struct pkb *p;
	if (c->failing)
		return; /* an outer frame is draining: it will see what we added */
	c->failing = true;
	while ((p = pkb_queue_pop(&c->failq)))
		ip4_neigh_failed(st, p);
	c->failing = false;
}

/* Frees e at once (counts settled, slot reusable); its queued datagrams move to failq. */
static void arp_entry_free(struct stack *st, struct arp_entry *e)
{
	struct arp_cache *c = &st->arp;
	struct pkb *p;
	while ((p = pkb_queue_pop(&e->q))) {
		c->pending--;
		pkb_queue_push(&c->failq, p);
	}
	e->state = ARP_FREE;
	c->used--;
}

/* A slot for a new entry: the home slot or the next free one; when the table is full, the entry
 * closest to expiry is reused (a flood of new neighbours cannot grow memory). */
static struct arp_entry *arp_alloc(struct stack *st, unsigned ifindex, uint32_t ip)
{
	struct arp_cache *c = &st->arp;
	struct arp_entry *e = NULL, *oldest = NULL;

	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
		struct arp_entry *x = &c->e[(ip + i) % ARP_CACHE_SIZE];
		if (x->state == ARP_FREE) {
			e = x;
			break;
		}
		if (!oldest || x->created < oldest->created)
			oldest = x;
	}
	if (!e) {
		CNT(st, ArpCacheEvictions);
		arp_entry_free(st, oldest);
		e = oldest;
	}
	memset(e, 0, sizeof(*e));
	e->ip = ip;
	e->ifindex = (uint16_t)ifindex;
	e->created = st->now;
	c->used++;
	return e;
}

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

static void arp_request(struct stack *st, struct arp_entry *e, const uint8_t *eth_dst)
{
	arp_send(st, e->ifindex, ARP_OP_REQUEST, arp_src_for(st, e->ifindex, e->ip), mac_zero, e->ip, eth_dst);
}

void arp_announce(struct stack *st, unsigned ifindex, uint32_t addr)
{
	arp_send(st, ifindex, ARP_OP_REQUEST, addr, mac_zero, addr, mac_bcast);
}

static void arp_confirm(struct stack *st, struct arp_entry *e, const uint8_t *mac)
{
	memcpy(e->mac, mac, ETH_ALEN);
	e->expires = st->now + ARP_REACHABLE_MS;
	arp_note(st, e->expires);
	e->refreshing = 0;
	if (e->state != ARP_REACHABLE) {
		e->state = ARP_REACHABLE;
		arp_queue_send(st, e);
	}
}

static void arp_input_one(struct stack *st, struct pkb *p)
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
		struct arp_entry *e = arp_find(st, ifindex, spa);
		if (!e && for_us && op == ARP_OP_REQUEST)
			e = arp_alloc(st, ifindex, spa);
		if (e)
			arp_confirm(st, e, sha);
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

static void arp_output_one(struct stack *st, struct pkb *p, uint32_t nh)
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
	struct arp_entry *e = arp_find(st, ifindex, nh);
	if (e && e->state == ARP_REACHABLE) {
		if (!e->refreshing && e->expires - st->now < ARP_REFRESH_MS) {
			e->refreshing = 1; /* ask the neighbour directly before the entry lapses */
			arp_request(st, e, e->mac);
		}
		eth_output(st, p, e->mac, ETH_P_IP);
		return;
	}
	if (!e) {
		e = arp_alloc(st, ifindex, nh);
		e->state = ARP_INCOMPLETE;
		e->tries = 1;
		e->next_try = st->now + ARP_RETRY_MS;
		arp_note(st, e->next_try);
		arp_request(st, e, mac_bcast);
	}
	/* Bounded per neighbour, and in all: packets waiting for answers that may never come must
	 * not take the buffers reception needs (an eighth of the pool at most, none of its reserve). */
	if (e->q.len >= ARP_PENDING_MAX) {
		stack_drop(st, pkb_queue_pop(&e->q), C_ArpQueueDrops);
		st->arp.pending--;
	}
	if (st->arp.pending >= st->pool.count / 8 || stack_pool_low(st)) {
		stack_drop(st, p, C_ArpQueueDrops);
		return;
	}
	stack_rx_outcome(st, p, C_RxAnswered); /* a reply in the frame's buffer, waiting (forwarded: counted) */
	pkb_queue_push(&e->q, p);
	st->arp.pending++;
}

void arp_input(struct stack *st, struct pkb *p)
{
	arp_input_one(st, p);
	arp_fail_drain(st);
}

void arp_output(struct stack *st, struct pkb *p, uint32_t nh)
{
	arp_output_one(st, p, nh);
	arp_fail_drain(st);
}

void arp_poll(struct stack *st)
{
	struct arp_cache *c = &st->arp;
	uint64_t next = UINT64_MAX;
	if (st->now < c->deadline)
		return;
	c->deadline = UINT64_MAX; /* entries made while we walk (a 3/1 needing ARP) note themselves */
	for (unsigned i = 0; i < ARP_CACHE_SIZE && c->used; i++) {
		struct arp_entry *e = &c->e[i];
		if (e->state == ARP_INCOMPLETE && st->now >= e->next_try) {
			if (e->tries < ARP_RETRIES) {
				e->tries++;
				e->next_try = st->now + ARP_RETRY_MS;
				arp_request(st, e, mac_bcast);
			} else {
				CNT(st, ArpResolveFailed);
				arp_entry_free(st, e);
			}
		} else if (e->state == ARP_REACHABLE && st->now >= e->expires) {
			arp_entry_free(st, e);
		}
		uint64_t t = e->state == ARP_INCOMPLETE ? e->next_try : e->state == ARP_REACHABLE ? e->expires : UINT64_MAX;
		if (t < next)
			next = t;
	}
	if (next < c->deadline)
		c->deadline = next;
	arp_fail_drain(st);
}

uint64_t arp_next_deadline(const struct stack *st)
{
	return st->arp.deadline;
}

void arp_flush(struct stack *st)
{
	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++)
		pkb_queue_purge(&st->pool, &st->arp.e[i].q);
	pkb_queue_purge(&st->pool, &st->arp.failq);
	st->arp.pending = 0;
}
