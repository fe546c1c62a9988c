/* tests/unit/harness.c — fixture and frame builders shared by the unit suites. */
#include "tests/unit/harness.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const uint8_t US0[6] = { 0x02, 0, 0, 0, 0, 0x02 };
const uint8_t US1[6] = { 0x02, 0, 0, 0, 1, 0x01 };
const uint8_t PEERMAC[6] = { 0x02, 0, 0, 0, 0, 0x01 };
const uint8_t BCASTMAC[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

struct stack *T;
uint64_t NOW;

uint16_t cksum(const uint8_t *p, size_t len)
{
	uint32_t s = 0;
	for (size_t i = 0; i + 1 < len; i += 2)
		s += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (len & 1)
		s += (uint32_t)p[len - 1] << 8;
	while (s >> 16)
		s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

unsigned FX_PKBS = 256;
bool FX_IPV6 = false;

void fx_setup(void)
{
	struct stack_config cfg = { .pkb_count = FX_PKBS, .seed = 42 };
	struct frame f;

	NOW = T0;
	T = stack_new(&cfg);
	ck_assert_ptr_nonnull(T);
	ck_assert_int_eq(stack_iface_add(T, "tap0", US0, 1500), 0);
	ck_assert_int_eq(stack_addr_add(T, 0, US_IP, 24), 0);
	ck_assert_int_eq(stack_iface_add(T, "tap1", US1, 1500), 1);
	ck_assert_int_eq(stack_addr_add(T, 1, US1_IP, 24), 0);
	/* The IPv4 suites run without IPv6 (its DAD, MLD and RS frames would be in their way);
	 * the IPv6 suites set FX_IPV6 (tests/unit/harness6.c). */
	if (!FX_IPV6)
		ck_assert_int_eq(stack_knob_set(T, "net.ipv6.conf.all.disable_ipv6", "1"), 0);
	stack_iface_up(T, 0, NOW);
	stack_iface_up(T, 1, NOW);
	/* The peer asks for us, as a real host would before its first ping: we learn it. */
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, PEERMAC, PEER_IP, (const uint8_t[6]){ 0 }, US_IP));
	tx_clear();
}

const uint8_t BMAC[6] = { 0x02, 0, 0, 0, 0xb, 0xb };
const uint8_t GW0MAC[6] = { 0x02, 0, 0, 0, 0x9, 0x9 };

void set_knob(const char *k, const char *v)
{
	ck_assert_int_eq(stack_knob_set(T, k, v), 0);
}

unsigned start_ping(const char *cmd, struct sbuf *out)
{
	unsigned h = 0;
	sbuf_free(out);
	ck_assert_int_eq(stack_ctl_start(T, cmd, out, NOW, &h), STACK_CTL_PENDING);
	return h;
}

void fx_router_setup(void)
{
	static const uint8_t zero[6];
	struct frame f;
	fx_setup();
	set_knob("ip_forward", "1");
	feed(1, f.b, build_arp(&f, BCASTMAC, 1, BMAC, B_IP, zero, US1_IP));
	feed(0, f.b, build_arp(&f, BCASTMAC, 1, GW0MAC, GW0, zero, US_IP));
	tx_clear();
}

void fx_teardown(void)
{
	/* Let ARP give up on whatever still waits for a neighbour, so only a real leak remains. */
	tx_clear();
	advance(10000);
	tx_clear();
	/* Every buffer handed to or made by the stack is back in the pool (lwIP's no-alloc check). */
	ck_assert_uint_eq(stack_pkb_in_use(T), 0);
	stack_free(T);
	T = NULL;
}

size_t build_ip(struct frame *f, const struct ip_spec *s, const uint8_t *payload, size_t len)
{
	uint8_t *e = f->b, *h = f->b + 14;
	size_t hlen = 20 + s->optlen;

	memcpy(e, s->dstmac ? s->dstmac : US0, 6);
	memcpy(e + 6, s->srcmac ? s->srcmac : PEERMAC, 6);
	put16(e + 12, 0x0800);
	h[0] = (uint8_t)(0x40 | hlen / 4);
	h[1] = s->tos;
	put16(h + 2, (uint16_t)(hlen + len));
	put16(h + 4, s->id);
	put16(h + 6, s->frag);
	h[8] = s->ttl0 ? 0 : s->ttl ? s->ttl : 64;
	h[9] = s->proto;
	put16(h + 10, 0);
	put32(h + 12, s->src);
	put32(h + 16, s->dst);
	if (s->optlen)
		memcpy(h + 20, s->opt, s->optlen);
	put16(h + 10, cksum(h, hlen));
	if (len)
		memcpy(h + hlen, payload, len);
	f->len = 14 + hlen + len;
	return f->len;
}

size_t build_icmp(uint8_t *out, uint8_t type, uint8_t code, uint32_t word2, const uint8_t *data, size_t dlen)
{
	out[0] = type;
	out[1] = code;
	put16(out + 2, 0);
	put32(out + 4, word2);
	if (dlen)
		memcpy(out + 8, data, dlen);
	put16(out + 2, cksum(out, 8 + dlen));
	return 8 + dlen;
}

size_t build_echo(struct frame *f, uint16_t id, uint16_t seq, size_t datalen)
{
	static uint8_t icmp[65536], data[65536];
	for (size_t i = 0; i < datalen; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	size_t n = build_icmp(icmp, 8, 0, (uint32_t)id << 16 | seq, data, datalen);
	struct ip_spec s = { .src = PEER_IP, .dst = US_IP, .proto = 1 };
	return build_ip(f, &s, icmp, n);
}

size_t build_arp(struct frame *f, const uint8_t *ethdst, uint16_t op, const uint8_t *sha, uint32_t spa,
		 const uint8_t *tha, uint32_t tpa)
{
	uint8_t *a = f->b + 14;
	memcpy(f->b, ethdst, 6);
	memcpy(f->b + 6, sha, 6);
	put16(f->b + 12, 0x0806);
	put16(a, 1);
	put16(a + 2, 0x0800);
	a[4] = 6;
	a[5] = 4;
	put16(a + 6, op);
	memcpy(a + 8, sha, 6);
	put32(a + 14, spa);
	memcpy(a + 18, tha, 6);
	put32(a + 24, tpa);
	f->len = 42;
	return f->len;
}

/* With TAPSTACK_CORPUS_DIR set, every frame fed is also written there as a fuzz seed
 * (tests/fuzz/fuzz_stack.c record 0: opcode, interface, length, bytes). */
static void corpus_write(unsigned ifindex, const uint8_t *frame, size_t len)
{
	static unsigned n;
	const char *dir = getenv("TAPSTACK_CORPUS_DIR");
	if (!dir || len > 4000)
		return;
	char path[512];
	snprintf(path, sizeof(path), "%s/unit-%05u", dir, n++);
	FILE *f = fopen(path, "wb");
	if (!f)
		return;
	uint8_t hdr[4] = { 0, (uint8_t)ifindex, (uint8_t)(len >> 8), (uint8_t)len };
	fwrite(hdr, 1, 4, f);
	fwrite(frame, 1, len, f);
	fclose(f);
}

void feed(unsigned ifindex, const uint8_t *frame, size_t len)
{
	corpus_write(ifindex, frame, len);
	struct pkb *p = stack_rx_buf(T);
	ck_assert_ptr_nonnull(p);
	ck_assert_uint_ge(pkb_tailroom(p), len);
	memcpy(p->data, frame, len);
	p->len = (uint32_t)len;
	stack_input(T, ifindex, p, NOW);
}

unsigned tx_count(void)
{
	return stack_tx_pending(T);
}

unsigned tx_take(struct frame *f)
{
	unsigned ifx;
	struct pkb *p = stack_tx_pop(T, &ifx);
	ck_assert_msg(p != NULL, "expected a frame in the transmit queue");
	ck_assert_uint_le(p->len, sizeof(f->b));
	memcpy(f->b, p->data, p->len);
	f->len = p->len;
	stack_pkb_free(T, p);
	return ifx;
}

void tx_clear(void)
{
	unsigned ifx;
	struct pkb *p;
	while ((p = stack_tx_pop(T, &ifx)))
		stack_pkb_free(T, p);
}

uint64_t ctr(const char *name)
{
	uint64_t v = 0;
	ck_assert_msg(stack_counter_get(T, name, &v) == 0, "no counter named %s", name);
	return v;
}

void advance(uint64_t ms)
{
	uint64_t end = NOW + ms;
	/* Run every timer at its own time, as the daemon's loop would. */
	for (int guard = 0; guard < 100000; guard++) {
		uint64_t d = stack_next_deadline(T);
		if (d > end)
			break;
		if (d > NOW)
			NOW = d;
		stack_poll(T, NOW);
	}
	NOW = end;
	stack_poll(T, NOW);
}
