/* ip/ip6_frag.c — IPv6 reassembly for local delivery (§9, RFC 8200 4.5, RFC 5722, 6946, 7112)
 * and fragmentation of our own datagrams (V9.10). Queues are a fixed array; memory is bounded by
 * ip6frag_high_thresh and by the pool's reserve. */
#include "ip/ip6_frag.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmp6.h"
#include "ip/frag_list.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "stack/core.h"
#include "stack/wire.h"

#define FRAG_HLEN 8

int ip6_reasm_init(struct stack *st)
{
	st->reasm6 = calloc(1, sizeof(*st->reasm6));
	return st->reasm6 ? 0 : -ENOMEM;
}

static void reasm6_free_frags(struct stack *st, struct reasm6_queue *q)
{
	struct pkb *f = q->frags;
	while (f) {
		struct pkb *n = f->next;
		st->reasm6->mem -= f->cap;
		pkb_free(&st->pool, f);
		f = n;
	}
	q->frags = NULL;
}

/* Drops a queue: Ip6ReasmFails; on expiry also Ip6ReasmTimeout and 3/1 when the first fragment came. */
static void reasm6_fail(struct stack *st, struct reasm6_queue *q, bool timeout)
{
	CNT(st, Ip6ReasmFails);
	if (timeout) {
		CNT(st, Ip6ReasmTimeout);
		if (q->first_in && q->frags && q->frags->frag_off == 0) /* V9.9: quoting it as received */
			icmp6_send_error(st, q->frags, ICMP6_TIME_EXCEEDED, 1, 0);
	}
	reasm6_free_frags(st, q);
	q->used = false;
	st->reasm6->nqueues--;
}

static struct reasm6_queue *reasm6_find(struct stack *st, const uint8_t *h, uint32_t id, unsigned ifindex)
{
	struct ip6_reasm_state *r = st->reasm6;
	const uint8_t *dst = h + IP6_DST;
	bool scoped = ip6_is_linklocal(dst) || ip6_is_mcast(dst);
	struct reasm6_queue *free_q = NULL, *oldest = NULL;
	for (unsigned i = 0; i < REASM6_MAX_QUEUES; i++) {
		struct reasm6_queue *q = &r->q[i];
		if (!q->used) {
			if (!free_q)
				free_q = q;
			continue;
		}
		if (q->id == id && memcmp(q->src, h + IP6_SRC, 16) == 0 && memcmp(q->dst, dst, 16) == 0 &&
		    (!scoped || q->ifindex == ifindex))
			return q;
		if (!oldest || q->expires < oldest->expires)
			oldest = q;
	}
	if (!free_q) { /* full: the oldest queue gives way */
		reasm6_fail(st, oldest, false);
		free_q = oldest;
	}
	memset(free_q, 0, sizeof(*free_q));
	free_q->used = true;
	free_q->id = id;
	memcpy(free_q->src, h + IP6_SRC, 16);
	memcpy(free_q->dst, dst, 16);
	free_q->ifindex = (uint16_t)ifindex;
	free_q->expires = st->now + (uint64_t)st->knobs.ip6frag_time * 1000;
	r->nqueues++;
	return free_q;
}

/* V9.3 (RFC 7112): does the first fragment's header chain, from the Fragment header at fhoff,
 * reach enough of the upper layer? A chain ending in 59, or cut within an extension header's
 * first two bytes, is not judged here. */
static bool reasm6_first_complete(const uint8_t *h, size_t len, unsigned fhoff)
{
	uint8_t nxt = h[fhoff];
	unsigned off = fhoff + FRAG_HLEN;
	for (;;) {
		if (nxt == IPPROTO_HOPOPTS_ || nxt == IPPROTO_ROUTING_ || nxt == IPPROTO_DSTOPTS_) {
			if (off + 2 > len)
				return true;
			unsigned hl = ((unsigned)h[off + 1] + 1) * 8;
			nxt = h[off];
			off += hl;
			continue;
		}
		if (nxt == IPPROTO_NONE_ || nxt == IPPROTO_FRAGMENT_)
			return true;
		unsigned need = nxt == IPPROTO_TCP_ ? 20 : (nxt == IPPROTO_UDP_ || nxt == IPPROTO_ICMPV6_) ? 8 : 1;
		return off + need <= len;
	}
}

/* The whole datagram: the first fragment's unfragmentable part, its Next Header byte taking the
 * Fragment header's, then the data. NULL when no buffer could be had. */
static struct pkb *reasm6_join(struct stack *st, struct reasm6_queue *q, unsigned fhoff, unsigned nhoff)
{
	struct pkb *first = q->frags;
	unsigned tot = fhoff + q->len;
	struct pkb *d = stack_alloc(st, tot);
	if (!d)
		return NULL;
	memcpy(d->data, first->data, fhoff);
	for (struct pkb *f = q->frags; f; f = f->next)
		memcpy(d->data + fhoff + f->frag_off, f->data + ip6cb(f)->fhoff + FRAG_HLEN, f->frag_end - f->frag_off);
	d->len = tot;
	d->data[nhoff] = first->data[fhoff];
	be16_put(d->data + IP6_PLEN, (uint16_t)(tot - IP6_HLEN));
	d->ifindex = first->ifindex;
	d->iif = first->iif;
	d->flags = (uint8_t)((d->flags & PKB_HEAP) | (first->flags & (PKB_L2_BCAST | PKB_L2_MCAST)));
	memcpy(d->cb, first->cb, sizeof(d->cb));
	ip6cb(d)->flags |= IP6CB_REASM;
	ip6cb(d)->nhoff = (uint16_t)nhoff;
	return d;
}

struct pkb *ip6_reasm(struct stack *st, struct pkb *p, unsigned fhoff)
{
	uint8_t *h = p->data;
	uint16_t fo = be16_get(h + fhoff + 2);
	unsigned off = fo & 0xfff8u, more = fo & 1u;
	uint32_t id = be32_get(h + fhoff + 4);
	unsigned dlen = p->len - fhoff - FRAG_HLEN, end = off + dlen;

	ip6cb(p)->fhoff = (uint16_t)fhoff;

	if (off == 0 && !more) { /* V9.2: an atomic fragment stands alone (RFC 6946) */
		CNT(st, Ip6ReasmOKs);
		ip6cb(p)->flags |= IP6CB_REASM | IP6CB_ATOMIC;
		return p;
	}
	if (off == 0 && !reasm6_first_complete(h, p->len, fhoff)) {                  /* V9.3 */
		icmp6_send_error(st, p, ICMP6_PARAM_PROB, 3, 0);
		stack_drop(st, p, C_Ip6InHdrErrors);
		return NULL;
	}
	if (st->reasm6->mem > (size_t)st->knobs.ip6frag_high_thresh || stack_pool_low(st)) {   /* V9.7 */
		stack_drop(st, p, C_Ip6ReasmFails);
		return NULL;
	}
	struct reasm6_queue *q = reasm6_find(st, h, id, p->ifindex);
	/* V9.5: checked once the queue exists (it then times out empty); the end first, as
	 * reassembly.c:ip6_frag_queue does. */
	if (end > IP6_MAX_PLEN) {
		icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, fhoff + 2);
		stack_drop(st, p, C_Ip6InHdrErrors);
		return NULL;
	}
	if (more && (dlen & 7)) {
		icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, IP6_PLEN);
		stack_drop(st, p, C_Ip6InHdrErrors);
		return NULL;
	}
	if (dlen == 0)
		goto corrupt;
	if (!more) {
		if (end < q->len || (q->last_in && end != q->len))
			goto corrupt;
		q->last_in = true;
		q->len = end;
	} else if (end > q->len) {
		if (q->last_in)
			goto corrupt;
		q->len = end;
	}
	/* V9.6: a fragment inside a held run is a duplicate; any other overlap discards the queue. */
	enum frag_fit fit = frag_list_fit(q->frags, off, end);
	if (fit == FRAG_DUPLICATE) {
		stack_drop(st, p, C_IpReasmDuplicates);
		return NULL;
	}
	if (fit == FRAG_OVERLAP)
		goto corrupt;
	stack_rx_outcome(st, p, C_RxHeld);
	frag_list_insert(&q->frags, p, off, end);
	st->reasm6->mem += p->cap;
	q->ecn |= (uint8_t)(1u << ((h[1] >> 4) & 3));
	if (off == 0)
		q->first_in = true;
	if (!q->first_in || !q->last_in)
		return NULL;
	if (!frag_list_whole(q->frags, q->len))
		return NULL;
	/* Complete (V9.8): the first fragment's chain up to its Fragment header leads. */
	struct pkb *first = q->frags;
	unsigned ffh = ip6cb(first)->fhoff ? ip6cb(first)->fhoff : fhoff;
	/* V9.8: not-ECT mixed with ECT or CE is dropped [inet_fragment.c:ip_frag_ecn_table]. */
	if (ffh + q->len - IP6_HLEN > IP6_MAX_PLEN || ((q->ecn & 1) && (q->ecn & ~1))) {
		reasm6_fail(st, q, false);
		return NULL;
	}
	struct pkb *d = reasm6_join(st, q, ffh, ip6cb(first)->nhoff);
	if (!d) {
		reasm6_fail(st, q, false);
		return NULL;
	}
	if (q->ecn & 8) /* a CE fragment marks the datagram CE */
		d->data[1] |= 0x30;
	CNT(st, Ip6ReasmOKs);
	reasm6_free_frags(st, q);
	q->used = false;
	st->reasm6->nqueues--;
	return d;

corrupt:
	stack_drop(st, p, C_Ip6ReasmFails);
	reasm6_free_frags(st, q);
	q->used = false;
	st->reasm6->nqueues--;
	return NULL;
}

void ip6_reasm_poll(struct stack *st)
{
	for (unsigned i = 0; i < REASM6_MAX_QUEUES && st->reasm6->nqueues; i++) {
		struct reasm6_queue *q = &st->reasm6->q[i];
		if (q->used && st->now >= q->expires)
			reasm6_fail(st, q, true);
	}
}

uint64_t ip6_reasm_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < REASM6_MAX_QUEUES && st->reasm6->nqueues; i++)
		if (st->reasm6->q[i].used && st->reasm6->q[i].expires < d)
			d = st->reasm6->q[i].expires;
	return d;
}

void ip6_reasm_flush(struct stack *st)
{
	for (unsigned i = 0; i < REASM6_MAX_QUEUES; i++)
		if (st->reasm6->q[i].used) {
			reasm6_free_frags(st, &st->reasm6->q[i]);
			st->reasm6->q[i].used = false;
		}
	st->reasm6->nqueues = 0;
}

void ip6_fragment(struct stack *st, struct pkb *p, unsigned unfrag, unsigned mtu, unsigned ifindex, const uint8_t *nh)
{
	const uint8_t *h = p->data;
	unsigned total = p->len - unfrag;
	unsigned chunk = (mtu - unfrag - FRAG_HLEN) & ~7u;
	/* The Next Header byte that names what follows the unfragmentable part. */
	unsigned nhoff = unfrag > IP6_HLEN ? IP6_HLEN : IP6_NXT;
	uint8_t nxt = h[nhoff];
	uint32_t id = ++st->reasm6->frag_id;

	if (mtu < unfrag + FRAG_HLEN + 8) {
		stack_drop(st, p, C_Ip6FragFails);
		return;
	}
	for (unsigned off = 0; off < total; off += chunk) {
		unsigned n = total - off > chunk ? chunk : total - off;
		struct pkb *f = stack_alloc(st, unfrag + FRAG_HLEN + n);
		if (!f) {
			CNT(st, Ip6FragFails);
			break;
		}
		uint8_t *x = f->data;
		memcpy(x, h, unfrag);
		x[nhoff] = IPPROTO_FRAGMENT_;
		x[unfrag] = nxt;
		x[unfrag + 1] = 0;
		be16_put(x + unfrag + 2, (uint16_t)(off | (off + n < total ? 1u : 0u)));
		be32_put(x + unfrag + 4, id);
		memcpy(x + unfrag + FRAG_HLEN, h + unfrag + off, n);
		f->len = unfrag + FRAG_HLEN + n;
		be16_put(x + IP6_PLEN, (uint16_t)(f->len - IP6_HLEN));
		f->ifindex = (uint16_t)ifindex;
		CNT(st, Ip6FragCreates);
		ip6_output_finish(st, f, ifindex, nh);
	}
	CNT(st, Ip6FragOKs);
	stack_rx_outcome(st, p, C_RxAnswered); /* an echo reply sent as fragments */
	pkb_free(&st->pool, p);
}
