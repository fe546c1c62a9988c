/* tests/fuzz/fuzz_stack.c — libFuzzer target: arbitrary frames, clock steps and control commands fed
 * to the pure core, with three interfaces, forwarding on, routes, services and neighbours known.
 *
 * Input: a sequence of records, each starting with an opcode byte:
 *   0 IFX LEN_HI LEN_LO DATA...   a frame of LEN (mod 1600) bytes on interface IFX (mod 3)
 *   1 MS_HI MS_LO                 the clock moves on by MS milliseconds; timers run
 *   2 LEN TEXT...                 a control command of LEN bytes (streaming ones are polled, then
 *                                 cancelled or collected)
 *   3 KNOB VALUE_HI VALUE_LO      a knob from the table set to VALUE (through its bounds check)
 *   4 COUNT IFX LEN_HI LEN_LO DATA...
 *                                 the frame of record 0 fed 4 x COUNT times, the k-th copy with k
 *                                 added to its IPv4 source and destination (bytes 26..33; the header
 *                                 checksum fixed), one millisecond apart: floods of new neighbours reach the full tables
 *                                 (ARP eviction, route cache, reassembly) that one frame cannot
 * Unknown opcodes are taken mod 5. After each record the transmit queue is drained and every frame
 * checked for a sane Ethernet length, the tables' own counts against their contents, and the
 * conservation of frames (every frame read has exactly one counted fate). At the end the stack is freed: its buffer pool must be whole.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* What the tables say of themselves must match what they hold: the neighbour cache's used and pending
 * counts against its entries (a drift there silently drops every first packet to a new neighbour). */
static void check_invariants(const struct stack *st)
{
	unsigned used = 0, queued = 0;
	for (unsigned i = 0; i < NEIGH_SIZE; i++) {
		const struct neigh_entry *e = &st->neigh.e[i];
		if (e->state == NEIGH_FREE && e->q.len)
			abort();
		used += e->state != NEIGH_FREE;
		queued += e->q.len;
	}
	if (used != st->neigh.used || queued != st->neigh.pending || st->neigh.failq.len)
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

static struct stack *setup(uint64_t now)
{
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
	for (unsigned i = 0; i < 3; i++)
		stack_iface_up(st, i, now);
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
	return st;
}

/* Record 4: copies of one frame from new addresses each (see the header comment). */
static void flood(struct stack *st, unsigned ifx, const uint8_t *d, size_t len, unsigned count, uint64_t *now)
{
	static uint8_t f[1600];
	memcpy(f, d, len);
	bool ip = len >= 34 && f[12] == 0x08 && f[13] == 0x00 && (f[14] >> 4) == 4 && (f[14] & 15) >= 5 &&
		  14u + (f[14] & 15u) * 4u <= len;
	for (unsigned k = 0; k < count; k++) {
		if (len >= 34) {
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
		feed(st, ifx, f, len, ++*now); /* a millisecond apart: ages differ, as in a real flood */
		drain(st);
		check_invariants(st);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	uint64_t now = 1000000;
	struct stack *st = setup(now);
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
			now += (uint64_t)d[i] << 8 | d[i + 1];
			i += 2;
			stack_poll(st, now);
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
