/* tests/fuzz/fuzz_stack.c — libFuzzer target: arbitrary frames, clock steps and control commands fed
 * to the pure core, with three interfaces, forwarding on, routes, services and neighbours known.
 *
 * Input: a sequence of records, each starting with an opcode byte:
 *   0 IFX LEN_HI LEN_LO DATA...   a frame of LEN (mod 1600) bytes on interface IFX (mod 3)
 *   1 MS_HI MS_LO                 the clock moves on by MS milliseconds; timers run each at its own
 *                                 time, as the daemon's loop runs them (stack_next_deadline): no
 *                                 deadline may lie before the clock, and a poll must move the next
 *                                 deadline past its time (else the daemon's loop would spin)
 *   2 LEN TEXT...                 a control command of LEN bytes (streaming ones are polled, then
 *                                 cancelled or collected)
 *   3 KNOB VALUE_HI VALUE_LO      a knob from the table set to VALUE (through its bounds check)
 *   4 COUNT IFX LEN_HI LEN_LO DATA...
 *                                 the frame of record 0 fed 4 x COUNT times, the k-th copy with k
 *                                 added to its IPv4 source and destination (bytes 26..33; the header
 *                                 checksum fixed), one millisecond apart (the timers due in between
 *                                 run as in record 1): floods of new neighbours reach the full tables
 *                                 (ARP eviction, route cache, reassembly) that one frame cannot;
 *                                 an IPv6 frame's copies differ in the low three bytes of its source
 *                                 instead (bytes 35..37), their ICMPv6/UDP checksum fixed when that
 *                                 header follows the fixed one or Hop-by-Hop, Destination Options
 *                                 and Routing headers: neighbour, RA and MLD-query floods
 * Unknown opcodes are taken mod 5. After each record the transmit queue is drained and every frame
 * checked for a sane Ethernet length, the tables' own counts against their contents, and the
 * conservation of frames (every frame read has exactly one counted fate), IPv4 and IPv6 alike, and
 * the bounds of the IPv6 state (addresses, RA routers and prefixes, reassembly queues and memory).
 * At the end the stack is freed: its buffer pool must be whole.
 *
 * IPv6 is on (issue 14): tap0 2001:db8:1::2/64 and tap1 2001:db8:2::1/64, each with its link-local
 * fe80::ff:fe00:N (from the MAC), DAD completed before the first record; tap2 (MTU 576, below
 * IPv6's 1280) has IPv6 disabled, so IPv6 frames there meet a link without it;
 * 2001:db8:1::1 (MAC 02:00:00:00:09:01) is a known neighbour on tap0 (its NS was answered).
 * Forwarding stays off for IPv6 so that RAs and redirects are taken (a knob record turns it on).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/ndisc.h"
#include "eth/neigh.h"
#include "eth/neigh_int.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "ip/ip6_frag.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/stack.h"

static const uint8_t mac0[6] = { 0x02, 0, 0, 0, 0, 0x02 }, mac1[6] = { 0x02, 0, 0, 0, 1, 0x01 },
		     mac2[6] = { 0x02, 0, 0, 0, 2, 0x01 };

static void feed(struct stack *st, unsigned ifx, const uint8_t *d, size_t n, uint64_t now)
{
	struct pkb *p = stack_rx_buf(st);
	if (!p)
		return;
	if (n > pkb_tailroom(p))
		n = pkb_tailroom(p);
	memcpy(p->data, d, n);
	p->len = (uint32_t)n;
	stack_input(st, ifx, p, now);
}

static void drain(struct stack *st)
{
	unsigned ifx;
	struct pkb *p;
	while ((p = stack_tx_pop(st, &ifx))) {
		if (p->len < 14 || p->len > 1514 || ifx >= 3)
			abort(); /* every frame we write must fit the wire */
		stack_pkb_free(st, p);
	}
}

/* The IPv6 state is bounded whatever arrives (issue 14 item 8): addresses within their array and at
 * most IP6_SLAAC_MAX from SLAAC, at most RT6_RA_ROUTERS_MAX default routers and ND_RA_PREFIXES_MAX
 * on-link prefixes learned from RAs per interface, groups within theirs, and the reassembly queues'
 * count and memory what they hold, the memory never past ip6frag_high_thresh by more than the one
 * buffer that crossed it. */
static size_t thresh_seen; /* the highest ip6frag_high_thresh of this run: a lowered knob frees nothing */

static void count_route6(const struct route6 *r, void *arg)
{
	(void)r;
	++*(unsigned *)arg;
}

static void check_invariants6(const struct stack *st)
{
	if ((size_t)st->knobs.ip6frag_high_thresh > thresh_seen)
		thresh_seen = (size_t)st->knobs.ip6frag_high_thresh;
	for (unsigned i = 0; i < st->nifs; i++) {
		const struct iface6 *in6 = st->ifs[i].in6;
		unsigned slaac = 0, routers = 0, prefixes = 0;
		if (in6->naddr > STACK_MAX_ADDRS6 || in6->ngroups > IP6_GROUPS_MAX)
			abort();
		for (unsigned j = 0; j < in6->naddr; j++)
			slaac += (in6->addr[j].flags & IFA6_F_SLAAC) != 0;
		bool known;
		routers = route6_ra_routers(st, i, (const uint8_t[16]){ 0 }, &known);
		prefixes = route6_ra_prefixes(st, i);
		if (slaac > IP6_SLAAC_MAX || routers > RT6_RA_ROUTERS_MAX || prefixes > ND_RA_PREFIXES_MAX)
			abort();
	}
	unsigned nroutes6 = 0;
	route6_foreach(st, count_route6, &nroutes6);
	if (nroutes6 > ROUTE6_MAX || st->rtcache->n[1] > RTCACHE_V6_SIZE || st->rtcache->n[0] > RTCACHE_V4_SIZE)
		abort();
	unsigned homes[2] = { 0, 0 }; /* the route cache's lookup filter counts each entry once */
	for (size_t j = 0; j < sizeof(st->rtcache->homes) / sizeof(st->rtcache->homes[0]); j++)
		homes[j >= 4 * RTCACHE_V4_SIZE] += st->rtcache->homes[j];
	if (homes[0] != st->rtcache->n[0] || homes[1] != st->rtcache->n[1])
		abort();
	unsigned nq = 0;
	size_t mem = 0, maxcap = 0;
	for (unsigned i = 0; i < REASM6_MAX_QUEUES; i++) {
		const struct reasm6_queue *q = &st->reasm6->q[i];
		if (!q->used) {
			if (q->frags)
				abort();
			continue;
		}
		nq++;
		for (const struct pkb *f = q->frags; f; f = f->next) {
			mem += f->cap;
			if (f->cap > maxcap)
				maxcap = f->cap;
			if (f->frag_end <= f->frag_off || f->frag_end > IP6_MAX_PLEN || (f->next && f->next->frag_off < f->frag_end))
				abort(); /* sorted, no overlap held (V9.6) */
		}
	}
	if (nq != st->reasm6->nqueues || mem != st->reasm6->mem ||
	    mem > thresh_seen + maxcap)
		abort();
}

/* What the tables say of themselves must match what they hold: the neighbour cache's used and pending
 * counts against its entries (a drift there silently drops every first packet to a new neighbour). */
static void check_invariants(const struct stack *st)
{
	unsigned used = 0, queued = 0;
	for (unsigned i = 0; i < NEIGH_SIZE; i++) {
		const struct neigh_entry *e = &st->neigh->e[i];
		if (e->state == NEIGH_FREE && e->q.len)
			abort();
		used += e->state != NEIGH_FREE;
		queued += e->q.len;
	}
	if (used != st->neigh->used || queued != st->neigh->pending || st->neigh->failq.len)
		abort();
	/* Conservation (issue 13): every frame read was answered, forwarded, delivered, held by
	 * reassembly or dropped with a reason, exactly once. */
	const uint64_t *c = st->ctr;
	if (c[C_RxUnaccounted] ||
	    c[C_EthInFrames] != c[C_RxAnswered] + c[C_RxForwarded] + c[C_RxDelivered] + c[C_RxHeld] + c[C_RxDropped])
		abort();
	uint64_t by_reason = 0;
	for (unsigned r = 0; r < C__COUNT; r++)
		by_reason += st->rx_drop[r];
	if (by_reason != c[C_RxDropped])
		abort();
	check_invariants6(st);
}

/* A neighbour announces itself: ARP request for our address from it. */
static void learn(struct stack *st, unsigned ifx, const uint8_t *ourmac, uint32_t ip, uint32_t ours, uint8_t id,
		  uint64_t now)
{
	uint8_t f[42] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0, 0, 0, 9, id, 0x08, 0x06,
			  0, 1, 0x08, 0, 6, 4, 0, 1, 0x02, 0, 0, 0, 9, id };
	(void)ourmac;
	f[28] = (uint8_t)(ip >> 24); f[29] = (uint8_t)(ip >> 16); f[30] = (uint8_t)(ip >> 8); f[31] = (uint8_t)ip;
	f[38] = (uint8_t)(ours >> 24); f[39] = (uint8_t)(ours >> 16); f[40] = (uint8_t)(ours >> 8); f[41] = (uint8_t)ours;
	feed(st, ifx, f, sizeof(f), now);
}

/* 2001:db8:1::1 (MAC 02:00:00:00:09:01) asks for our 2001:db8:1::2 with its link-layer address:
 * we answer and hold it STALE, so that replies to it go out without resolution. */
static const uint8_t our6_0[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };

static void learn6(struct stack *st, uint64_t now)
{
	uint8_t f[86] = { 0x33, 0x33, 0xff, 0, 0, 2, 0x02, 0, 0, 0, 9, 1, 0x86, 0xdd,
			  0x60, 0, 0, 0, 0, 32, IPPROTO_ICMPV6_, 255,
			  0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1,
			  0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 2 };
	uint8_t *m = f + 54;
	m[0] = 135;                                  /* NS */
	memcpy(m + 8, our6_0, 16);
	m[24] = 1; m[25] = 1;                        /* SLLAO */
	memcpy(m + 26, f + 6, 6);
	uint16_t c = ip6_csum(f + 22, f + 38, IPPROTO_ICMPV6_, m, 32);
	m[2] = (uint8_t)(c >> 8);
	m[3] = (uint8_t)c;
	feed(st, 0, f, sizeof(f), now);
}

static struct stack *setup(uint64_t *nowp)
{
	uint64_t now = *nowp;
	struct stack_config cfg = { .pkb_count = 128, .seed = 1 };
	struct stack *st = stack_new(&cfg);
	struct sbuf out = { 0 };
	if (!st)
		abort();
	stack_iface_add(st, "tap0", mac0, 1500);
	stack_addr_add(st, 0, 0xc0000202, 24);          /* 192.0.2.2/24 */
	stack_iface_add(st, "tap1", mac1, 1400);
	stack_addr_add(st, 1, 0xc6336401, 24);          /* 198.51.100.1/24 */
	stack_addr_add(st, 1, 0xc6336481, 25);          /* 198.51.100.129/25 */
	stack_iface_add(st, "tap2", mac2, 576);
	stack_addr_add(st, 2, 0xcb007101, 25);          /* 203.0.113.1/25 */
	for (unsigned i = 0; i < 3; i++) {
		uint8_t a6[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, (uint8_t)(i + 1), [15] = i ? 1 : 2 };
		if (i < 2 && stack_addr6_add(st, i, a6, 64) != 0)
			abort();
		stack_iface_up(st, i, now);
	}
	stack_knob_set(st, "ip_forward", "1");
	/* ICMP extensions: every error carries RFC 5837 objects, PROBE is answered (ICMP-EXT-SPEC). */
	stack_knob_set(st, "icmp_errors_extension_mask", "7");
	stack_knob_set(st, "icmp_echo_enable_probe", "1");
	stack_service_enable(st, "echo");
	stack_service_enable(st, "discard");
	stack_ctl(st, "route add 203.0.113.128/26,via=198.51.100.2", &out, now);
	stack_ctl(st, "route add 203.0.113.192/27,prohibit", &out, now);
	stack_ctl(st, "route add 203.0.113.224/27,blackhole", &out, now);
	stack_ctl(st, "udp bind 5000", &out, now);
	/* received extensions parsed (X4): the port the unit tests' crafted errors quote */
	stack_ctl(st, "udp bind --rfc4884 40000", &out, now);
	sbuf_free(&out);
	learn(st, 0, mac0, 0xc0000201, 0xc0000202, 1, now);   /* 192.0.2.1 */
	learn(st, 1, mac1, 0xc6336402, 0xc6336401, 2, now);   /* 198.51.100.2 */
	learn(st, 2, mac2, 0xcb007102, 0xcb007101, 3, now);   /* 203.0.113.2 */
	drain(st);
	/* DAD (a random delay under a second, then one solicitation and its second of silence) makes
	 * every address ours; then the IPv6 neighbour is learned. */
	for (unsigned k = 0; k < 30; k++) {
		now += 100;
		stack_poll(st, now);
		drain(st);
	}
	for (unsigned i = 0; i < 2; i++)
		for (unsigned j = 0; j < st->ifs[i].in6->naddr; j++)
			if (st->ifs[i].in6->addr[j].state != IFA6_VALID)
				abort(); /* the fuzzer would reach nothing of IPv6 */
	if (!st->ifs[2].in6->disabled)
		abort();
	learn6(st, now);
	uint64_t na = 0;
	if (stack_counter_get(st, "NdOutNA", &na) != 0 || na != 1)
		abort(); /* the neighbour's NS went unanswered */
	drain(st);
	thresh_seen = 0;
	check_invariants(st);
	*nowp = now;
	return st;
}

/* Record 1: the clock from now to target, stopping at each deadline on the way (at most 2000, then
 * straight to target). Returns target. */
static uint64_t run_timers(struct stack *st, uint64_t now, uint64_t target)
{
	for (unsigned k = 0; k < 2000; k++) {
		uint64_t dl = stack_next_deadline(st);
		if (dl > target)
			break;
		if (dl < now)
			abort(); /* a timer the last poll should have run */
		now = dl;
		stack_poll(st, now);
		drain(st);
		check_invariants(st);
		if (stack_next_deadline(st) <= now)
			abort(); /* work still due at the time just polled: the loop would spin */
	}
	stack_poll(st, target);
	return target;
}

/* Record 4: copies of one frame from new addresses each (see the header comment). */
static void flood(struct stack *st, unsigned ifx, const uint8_t *d, size_t len, unsigned count, uint64_t *now)
{
	static uint8_t f[1600];
	memcpy(f, d, len);
	bool ip = len >= 34 && f[12] == 0x08 && f[13] == 0x00 && (f[14] >> 4) == 4 && (f[14] & 15) >= 5 &&
		  14u + (f[14] & 15u) * 4u <= len;
	bool ip6 = len >= 54 && f[12] == 0x86 && f[13] == 0xdd;
	size_t end6 = ip6 ? 54 + (size_t)(f[18] << 8 | f[19]) : 0, l4 = 54, ckoff = 0;
	uint8_t nxt = ip6 ? f[20] : 0;
	/* The upper layer behind Hop-by-Hop, Destination Options and Routing headers (MLD has a
	 * Hop-by-Hop header): its checksum's offset, 0 when none is found within the frame. */
	while (ip6 && end6 <= len && (nxt == IPPROTO_HOPOPTS_ || nxt == IPPROTO_DSTOPTS_ || nxt == IPPROTO_ROUTING_) &&
	       l4 + 2 <= end6) {
		nxt = f[l4];
		l4 += ((size_t)f[l4 + 1] + 1) * 8;
	}
	if (ip6 && end6 <= len && l4 <= end6)
		ckoff = nxt == IPPROTO_ICMPV6_ && end6 - l4 >= 4 ? l4 + 2 : nxt == IPPROTO_UDP_ && end6 - l4 >= 8 ? l4 + 6 : 0;
	for (unsigned k = 0; k < count; k++) {
		if (ip6) {
			f[37] = (uint8_t)(d[37] + k);
			f[36] = (uint8_t)(d[36] + (k >> 8));
			f[35] = (uint8_t)(d[35] + k * 7);
			if (ckoff) {
				f[ckoff] = f[ckoff + 1] = 0;
				uint16_t c = ip6_csum(f + 22, f + 38, nxt, f + l4, end6 - l4);
				if (c == 0 && nxt == IPPROTO_UDP_)
					c = 0xffff;
				f[ckoff] = (uint8_t)(c >> 8);
				f[ckoff + 1] = (uint8_t)c;
			}
		} else if (len >= 34) {
			f[33] = (uint8_t)(d[33] + k);
			f[32] = (uint8_t)(d[32] + (k >> 8));
			f[29] = (uint8_t)(d[29] + k * 7);
		}
		if (ip) {
			size_t hl = (f[14] & 15u) * 4u;
			f[24] = f[25] = 0;
			uint16_t c = csum_fold(csum_add(0, f + 14, hl));
			f[24] = (uint8_t)(c >> 8);
			f[25] = (uint8_t)c;
		}
		/* a millisecond apart: ages differ, as in a real flood; timers due meanwhile run first */
		*now = run_timers(st, *now, *now + 1);
		feed(st, ifx, f, len, *now);
		drain(st);
		check_invariants(st);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint64_t now = 1000000;
	struct stack *st = setup(&now);
	unsigned sessions[8], nsess = 0;
	size_t i = 0;

	while (i < n) {
		uint8_t op = d[i++] % 5;
		if (op == 4 && i + 4 <= n) {
			unsigned count = 4u * d[i], ifx = d[i + 1] % 3;
			size_t len = ((size_t)d[i + 2] << 8 | d[i + 3]) % 1600;
			i += 4;
			if (len > n - i)
				len = n - i;
			flood(st, ifx, d + i, len, count, &now);
			i += len;
		} else if (op == 0 && i + 3 <= n) {
			unsigned ifx = d[i] % 3;
			size_t len = ((size_t)d[i + 1] << 8 | d[i + 2]) % 1600;
			i += 3;
			if (len > n - i)
				len = n - i;
			feed(st, ifx, d + i, len, now);
			i += len;
		} else if (op == 1 && i + 2 <= n) {
			now = run_timers(st, now, now + ((uint64_t)d[i] << 8 | d[i + 1]));
			i += 2;
		} else if (op == 2 && i + 1 <= n) {
			size_t len = d[i++];
			if (len > n - i)
				len = n - i;
			char line[256];
			memcpy(line, d + i, len);
			line[len] = '\0';
			i += len;
			struct sbuf out = { 0 };
			unsigned h;
			if (stack_ctl_start(st, line, &out, now, &h) == STACK_CTL_PENDING) {
				if (nsess < 8)
					sessions[nsess++] = h;
				else
					stack_ctl_cancel(st, h);
			}
			sbuf_free(&out);
		} else if (op == 3 && i + 3 <= n) {
			const struct knob_desc *k = &knob_table[d[i] % knob_count];
			char v[16];
			snprintf(v, sizeof(v), "%u", (unsigned)(d[i + 1] << 8 | d[i + 2]));
			i += 3;
			/* Keep the clock and memory knobs from stalling the run: bounded like the CLI is. */
			stack_knob_set(st, k->name, v);
		} else {
			break;
		}
		drain(st);
		check_invariants(st);
	}
	/* Collect or cancel what is still streaming. */
	for (unsigned k = 0; k < nsess; k++) {
		struct sbuf out = { 0 };
		if (k % 2)
			stack_ctl_cancel(st, sessions[k]);
		else if (stack_ctl_poll(st, sessions[k], &out) == STACK_CTL_PENDING)
			stack_ctl_cancel(st, sessions[k]);
		sbuf_free(&out);
	}
	stack_poll(st, now + 3600000);
	drain(st);
	stack_free(st); /* asserts the pool is whole */
	return 0;
}
