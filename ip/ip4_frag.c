/* ip/ip4_frag.c — fragmentation on output (RFC 791, RFC 1812 5.2.6) and reassembly for local
 * delivery (ICMP-SPEC §10, Linux's ip_fragment.c rules: RFC 5722-style overlap policy). */
#include <string.h>

#include "icmp/icmp4.h"
#include "ip/frag_list.h"
#include "ip/ip4.h"
#include "ip/ip4_int.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

/* ---- output ---- */

/* RFC 791: options without the copy bit travel only in the first fragment; Linux keeps the header
 * length and writes NOPs over them. */
static void ip4_opts_fragment(uint8_t *h, unsigned hlen)
{
	uint8_t *p = h + IP4_HDR_MIN, *end = h + hlen;
	while (p < end && *p != 0) {
		if (*p == 1) {
			p++;
			continue;
		}
		if (end - p < 2 || p[1] < 2 || p[1] > end - p)
			return;
		unsigned len = p[1];
		if (!(*p & 0x80))
			memset(p, 1, len);
		p += len;
	}
}

void ip4_output_finish(struct stack *st, struct pkb *p, unsigned ifindex, uint32_t nh)
{
	ip4_output_finish_mtu(st, p, ifindex, nh, st->ifs[ifindex].mtu);
}

void ip4_output_finish_mtu(struct stack *st, struct pkb *p, unsigned ifindex, uint32_t nh, unsigned mtu)
{
	p->ifindex = (uint16_t)ifindex;
	if (p->len <= mtu) {
		arp_output(st, p, nh);
		return;
	}
	uint8_t *h = p->data;
	unsigned hlen = ip4_hdr_check(h, p->len, IP4_CHK_VERSION | IP4_CHK_TOTAL, 0), payload = p->len - hlen;
	uint16_t frag = be16_get(h + IP4_FRAG);
	unsigned chunk = (mtu - hlen) & ~7u;
	if (!hlen || (frag & IP4_DF) || chunk == 0) {
		stack_drop(st, p, C_IpFragFails);
		return;
	}
	for (unsigned off = 0; off < payload; off += chunk) {
		unsigned n = payload - off < chunk ? payload - off : chunk;
		struct pkb *f = stack_alloc(st, hlen + n);
		if (!f) {
			stack_drop(st, p, C_IpFragFails);
			return;
		}
		uint8_t *fh = f->data;
		memcpy(fh, h, hlen);
		memcpy(fh + hlen, h + hlen + off, n);
		f->len = hlen + n;
		bool more = off + n < payload || (frag & IP4_MF);
		be16_put(fh + IP4_LEN, (uint16_t)(hlen + n));
		be16_put(fh + IP4_FRAG, (uint16_t)(((frag & IP4_OFFMASK) + off / 8) | (more ? IP4_MF : 0)));
		be16_put(fh + IP4_CSUM, 0);
		be16_put(fh + IP4_CSUM, csum_buf(fh, hlen));
		f->ifindex = (uint16_t)ifindex;
		f->iif = p->iif;
		if (off == 0 && hlen > IP4_HDR_MIN)
			ip4_opts_fragment(h, hlen); /* for every fragment after the first */
		CNT(st, IpFragCreates);
		arp_output(st, f, nh);
	}
	CNT(st, IpFragOKs);
	pkb_free(&st->pool, p);
}

/* ---- reassembly ---- */

static void reasm_free_queue(struct stack *st, struct reasm_queue *q)
{
	struct pkb *p;
	while ((p = q->frags)) {
		q->frags = p->next;
		st->ip4->reasm.mem -= p->cap;
		pkb_free(&st->pool, p);
	}
	q->used = false;
	st->ip4->reasm.nqueues--;
}

static void reasm_fail(struct stack *st, struct reasm_queue *q, bool overlap)
{
	if (overlap)
		CNT(st, IpReasmOverlaps);
	CNT(st, IpReasmFails);
	reasm_free_queue(st, q);
}

static struct reasm_queue *reasm_find(struct stack *st, uint32_t src, uint32_t dst, uint16_t id, uint8_t proto)
{
	struct reasm_queue *free_q = NULL, *oldest = NULL;
	for (unsigned i = 0; i < REASM_MAX_QUEUES; i++) {
		struct reasm_queue *q = &st->ip4->reasm.q[i];
		if (!q->used) {
			if (!free_q)
				free_q = q;
			continue;
		}
		if (q->src == src && q->dst == dst && q->id == id && q->proto == proto)
			return q;
		if (!oldest || q->expires < oldest->expires)
			oldest = q;
	}
	if (!free_q) { /* every queue busy: the oldest gives way */
		reasm_fail(st, oldest, false);
		free_q = oldest;
	}
	memset(free_q, 0, sizeof(*free_q));
	free_q->used = true;
	free_q->src = src;
	free_q->dst = dst;
	free_q->id = id;
	free_q->proto = proto;
	free_q->expires = st->now + (uint64_t)st->knobs.ipfrag_time * 1000;
	st->ip4->reasm.nqueues++;
	return free_q;
}

/* Refuses new fragments while reassembly holds more than ipfrag_high_thresh bytes, until it is
 * back under ipfrag_low_thresh; and always while the buffer pool runs low, so that reassembly can
 * never starve reception. */
static bool reasm_memory_ok(struct stack *st)
{
	struct reasm_state *r = &st->ip4->reasm;
	if (r->over && r->mem < (size_t)st->knobs.ipfrag_low_thresh)
		r->over = false;
	if (!r->over && r->mem > (size_t)st->knobs.ipfrag_high_thresh)
		r->over = true;
	return !r->over && !stack_pool_low(st);
}

/* Builds the whole datagram from a complete queue. NULL if no buffer could be had. */
static struct pkb *reasm_join(struct stack *st, struct reasm_queue *q)
{
	struct pkb *first = q->frags;
	unsigned hlen = ip4_hdr_len(first->data), tot = hlen + q->len;
	struct pkb *d = stack_alloc(st, tot);
	if (!d)
		return NULL;
	memcpy(d->data, first->data, hlen);
	for (struct pkb *f = q->frags; f; f = f->next) {
		unsigned fh = ip4_hdr_len(f->data);
		memcpy(d->data + hlen + f->frag_off, f->data + fh, f->frag_end - f->frag_off);
	}
	d->len = tot;
	uint8_t *h = d->data;
	be16_put(h + IP4_LEN, (uint16_t)tot);
	be16_put(h + IP4_FRAG, be16_get(h + IP4_FRAG) & IP4_DF);
	be16_put(h + IP4_CSUM, 0);
	be16_put(h + IP4_CSUM, csum_buf(h, hlen));
	d->ifindex = first->ifindex;
	d->iif = first->iif;
	d->flags = (uint8_t)((d->flags & PKB_HEAP) | (first->flags & (PKB_L2_BCAST | PKB_L2_MCAST)));
	*ip4cb(d) = *ip4cb(first);
	return d;
}

struct pkb *ip4_reasm(struct stack *st, struct pkb *p)
{
	uint8_t *h = p->data;
	unsigned hlen = ip4_hdr_check(h, p->len, IP4_CHK_VERSION | IP4_CHK_TOTAL, 0);
	uint16_t frag = be16_get(h + IP4_FRAG);
	unsigned off = (frag & IP4_OFFMASK) * 8u, end = off + (p->len - hlen);

	CNT(st, IpReasmReqds);
	if (!hlen || !reasm_memory_ok(st)) {
		stack_drop(st, p, C_IpReasmFails);
		return NULL;
	}
	uint32_t src = be32_get(h + IP4_SRC);
	struct reasm_queue *q = reasm_find(st, src, be32_get(h + IP4_DST), be16_get(h + IP4_ID), h[IP4_PROTO]);
	/* ipfrag_max_dist: when more fragments of other datagrams from this source came since this
	 * queue's last one, the queue is likely stale (a wrapped IP ID): start it again. */
	struct reasm_peer *peer = &st->ip4->reasm.peers[(src * 0x9e3779b1u) >> 24];
	if (peer->addr != src) {
		peer->addr = src;
		peer->seq = 0;
	}
	uint32_t seq = ++peer->seq;
	/* (A counter that restarted because another source took its slot says nothing.) */
	if (q->frags && st->knobs.ipfrag_max_dist && seq > q->peer_seq &&
	    seq - q->peer_seq > (uint32_t)st->knobs.ipfrag_max_dist) {
		uint32_t dst = q->dst;
		uint16_t id = q->id;
		uint8_t proto = q->proto;
		reasm_fail(st, q, false);
		q = reasm_find(st, src, dst, id, proto);
	}
	q->peer_seq = seq;
	if (!(frag & IP4_MF)) {
		/* The last fragment: nothing may lie past its end, nor may it disagree with an earlier end. */
		if (end < q->len || (q->last_in && end != q->len))
			goto corrupt;
		q->last_in = true;
		q->len = end;
	} else {
		end &= ~7u; /* a middle fragment carries a multiple of 8; trim the rest */
		if (end > q->len) {
			if (q->last_in)
				goto corrupt;
			q->len = end;
		}
	}
	if (end <= off)
		goto corrupt; /* nothing in it */
	/* Against each run of contiguous held data: wholly inside one is a duplicate (dropped, queue
	 * kept); touching one otherwise is an overlap (RFC 5722: the whole queue goes). */
	enum frag_fit fit = frag_list_fit(q->frags, off, end);
	if (fit == FRAG_DUPLICATE) {
		stack_drop(st, p, C_IpReasmDuplicates);
		return NULL;
	}
	if (fit == FRAG_OVERLAP)
		goto overlap;
	p->len = hlen + (end - off);
	stack_rx_outcome(st, p, C_RxHeld);
	frag_list_insert(&q->frags, p, off, end);
	st->ip4->reasm.mem += p->cap;
	if (off == 0)
		q->first_in = true;
	if (!q->first_in || !q->last_in)
		return NULL;
	if (!frag_list_whole(q->frags, q->len))
		return NULL;
	/* Complete. Past 65535 (ping of death) it is discarded whole, once, as Linux does. */
	unsigned first_hlen = ip4_hdr_len(q->frags->data);
	if (first_hlen + q->len > IP4_MAX_LEN) {
		reasm_fail(st, q, false);
		return NULL;
	}
	struct pkb *d = reasm_join(st, q);
	if (!d) {
		reasm_fail(st, q, false);
		return NULL;
	}
	CNT(st, IpReasmOKs);
	reasm_free_queue(st, q);
	return d;

overlap:
	reasm_fail(st, q, true);
	stack_drop_counted(st, p, C_IpReasmOverlaps);
	return NULL;
corrupt:
	reasm_fail(st, q, false);
	stack_drop_counted(st, p, C_IpReasmFails);
	return NULL;
}

void ip4_reasm_poll(struct stack *st)
{
	for (unsigned i = 0; i < REASM_MAX_QUEUES && st->ip4->reasm.nqueues; i++) {
		struct reasm_queue *q = &st->ip4->reasm.q[i];
		if (!q->used || st->now < q->expires)
			continue;
		CNT(st, IpReasmTimeout);
		/* R10.4: time exceeded, only if the first fragment came, quoting it (R5 applies). */
		if (q->first_in) /* sorted: the offset-0 fragment is the head */
			icmp4_send_error(st, q->frags, ICMP4_TIME_EXCEEDED, 1, 0);
		reasm_fail(st, q, false);
	}
}

uint64_t ip4_reasm_deadline(const struct stack *st)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < REASM_MAX_QUEUES && st->ip4->reasm.nqueues; i++)
		if (st->ip4->reasm.q[i].used && st->ip4->reasm.q[i].expires < next)
			next = st->ip4->reasm.q[i].expires;
	return next;
}

void ip4_reasm_flush(struct stack *st)
{
	for (unsigned i = 0; i < REASM_MAX_QUEUES; i++)
		if (st->ip4->reasm.q[i].used)
			reasm_free_queue(st, &st->ip4->reasm.q[i]);
}
