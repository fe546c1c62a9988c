/* tests/unit/harness6.c — the IPv6 fixture, builders and parser (see harness6.h). */
#include "tests/unit/harness6.h"

#include <arpa/inet.h>
#include <string.h>

#include "ip/ip6.h"
#include "stack/core.h"

/* US0 02:00:00:00:00:02 -> fe80::ff:fe00:2; US1 02:00:00:00:01:01 -> fe80::ff:fe00:101. */
const uint8_t LL_US0[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x02 };
const uint8_t LL_US1[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [14] = 0x01, [15] = 0x01 };
const uint8_t LL_PEER[16] = { 0xfe, 0x80, [11] = 0xff, [12] = 0xfe, [15] = 0x01 };
const uint8_t G_US0[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 2 };
const uint8_t G_US1[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 1 };
const uint8_t G_PEER[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1 };
const uint8_t G_FAR[16] = { 0x20, 0x01, 0x0d, 0xb8, 0, 9, [15] = 9 };   /* on no link of ours */
const uint8_t ALLNODES[16] = { 0xff, 0x02, [15] = 1 };
const uint8_t ALLROUTERS[16] = { 0xff, 0x02, [15] = 2 };

void a6(const char *text, uint8_t out[16])
{
	ck_assert_int_eq(inet_pton(AF_INET6, text, out), 1);
}

static void put16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static void put32(uint8_t *p, uint32_t v) { put16(p, (uint16_t)(v >> 16)); put16(p + 2, (uint16_t)v); }

uint16_t csum6(const uint8_t *src, const uint8_t *dst, uint8_t proto, const uint8_t *msg, size_t len)
{
	static uint8_t buf[40 + 70000];
	memcpy(buf, src, 16);
	memcpy(buf + 16, dst, 16);
	put32(buf + 32, (uint32_t)len);
	buf[36] = buf[37] = buf[38] = 0;
	buf[39] = proto;
	memcpy(buf + 40, msg, len);
	return cksum(buf, 40 + len);
}

size_t build_ip6(struct frame *f, const struct ip6_spec *s, const uint8_t *payload, size_t len)
{
	const uint8_t *src = s->src ? s->src : G_PEER, *dst = s->dst ? s->dst : G_US0;
	/* cppcheck-suppress ctuuninitvar ; f is written here, not read */
	uint8_t *e = f->b, *h = f->b + 14;
	uint8_t mmac[6] = { 0x33, 0x33, dst[12], dst[13], dst[14], dst[15] };

	memcpy(e, s->dstmac ? s->dstmac : dst[0] == 0xff ? mmac : US0, 6);
	memcpy(e + 6, s->srcmac ? s->srcmac : PEERMAC, 6);
	put16(e + 12, 0x86dd);
	put32(h, 6u << 28 | (uint32_t)s->tclass << 20 | (s->flow & 0xfffff));
	put16(h + 4, s->plen_set ? s->plen : (uint16_t)(s->ext_len + len));
	h[6] = s->nxt;
	h[7] = s->hlim0 ? 0 : s->hlim ? s->hlim : 64;
	memcpy(h + 8, src, 16);
	memcpy(h + 24, dst, 16);
	if (s->ext_len)
		memcpy(h + 40, s->ext, s->ext_len);
	if (len)
		memcpy(h + 40 + s->ext_len, payload, len);
	f->len = 14 + 40 + s->ext_len + len;
	return f->len;
}

size_t build_icmp6(struct frame *f, const struct ip6_spec *s, uint8_t type, uint8_t code, uint32_t word2,
		   const uint8_t *data, size_t dlen)
{
	static uint8_t m[70000];
	const uint8_t *src = s->src ? s->src : G_PEER, *dst = s->dst ? s->dst : G_US0;
	m[0] = type;
	m[1] = code;
	put16(m + 2, 0);
	put32(m + 4, word2);
	if (dlen)
		memcpy(m + 8, data, dlen);
	put16(m + 2, csum6(src, dst, 58, m, 8 + dlen));
	return build_ip6(f, s, m, 8 + dlen);
}

size_t build_echo6(struct frame *f, uint16_t id, uint16_t seq, size_t datalen)
{
	static uint8_t data[70000];
	for (size_t i = 0; i < datalen; i++)
		data[i] = (uint8_t)(i * 7 + 3);
	struct ip6_spec s = { .nxt = 58 };
	return build_icmp6(f, &s, 128, 0, (uint32_t)id << 16 | seq, data, datalen);
}

size_t build_ns(struct frame *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, const uint8_t *sllao,
		const uint8_t *nonce)
{
	uint8_t d[16 + 16];
	size_t n = 16;
	memcpy(d, target, 16);
	if (sllao) {
		d[n] = 1;
		d[n + 1] = 1;
		memcpy(d + n + 2, sllao, 6);
		n += 8;
	}
	if (nonce) {
		d[n] = 14;
		d[n + 1] = 1;
		memcpy(d + n + 2, nonce, 6);
		n += 8;
	}
	struct ip6_spec s = { .src = src, .dst = dst, .nxt = 58, .hlim = 255 };
	return build_icmp6(f, &s, 135, 0, 0, d, n);
}

size_t build_na(struct frame *f, const uint8_t *src, const uint8_t *dst, const uint8_t *target, uint8_t flags,
		const uint8_t *tllao, const uint8_t *srcmac)
{
	uint8_t d[24];
	size_t n = 16;
	memcpy(d, target, 16);
	if (tllao) {
		d[16] = 2;
		d[17] = 1;
		memcpy(d + 18, tllao, 6);
		n += 8;
	}
	struct ip6_spec s = { .src = src, .dst = dst, .nxt = 58, .hlim = 255, .srcmac = srcmac };
	return build_icmp6(f, &s, 136, 0, (uint32_t)flags << 24, d, n);
}

void view6(const struct frame *f, unsigned ifindex, struct ip6_view *v)
{
	memset(v, 0, sizeof(*v));
	v->ifindex = ifindex;
	v->eth = f->b;
	v->ip = f->b + 14;
	ck_assert_uint_ge(f->len, 14 + 40);
	ck_assert_uint_eq(rd16(f->b + 12), 0x86dd);
	ck_assert_uint_eq(v->ip[0] >> 4, 6);
	v->iplen = 40 + rd16(v->ip + 4);
	ck_assert_uint_eq(v->iplen, f->len - 14); /* we never pad an IPv6 frame: it is over 60 bytes */
	uint8_t nxt = v->ip[6];
	unsigned off = 40;
	while (nxt == 0 || nxt == 43 || nxt == 60 || nxt == 44) {
		ck_assert_uint_le(off + 8, v->iplen);
		uint8_t n2 = v->ip[off];
		if (nxt == 44) {
			v->proto = 44; /* a fragment: the upper layer is not all here */
			v->l4off = off;
			v->l4 = v->ip + off;
			v->l4len = v->iplen - off;
			return;
		}
		off += (v->ip[off + 1] + 1u) * 8;
		nxt = n2;
	}
	v->proto = nxt;
	v->l4off = off;
	v->l4 = v->ip + off;
	v->l4len = v->iplen - off;
	if (nxt == 58) {
		ck_assert_uint_ge(v->l4len, 4);
		ck_assert_msg(csum6(v->ip + 8, v->ip + 24, 58, v->l4, v->l4len) == 0, "bad ICMPv6 checksum");
	}
	/* The Ethernet destination of a multicast IPv6 destination is 33:33 + its low 32 bits. */
	if (v->ip[24] == 0xff) {
		const uint8_t mm[6] = { 0x33, 0x33, v->ip[36], v->ip[37], v->ip[38], v->ip[39] };
		ck_assert_mem_eq(f->b, mm, 6);
	}
}

void take6(struct frame *f, struct ip6_view *v)
{
	unsigned ifx = tx_take(f);
	view6(f, ifx, v);
}

static bool timer_frame(const struct ip6_view *v)
{
	return v->proto == 58 && (v->l4[0] == 143 || v->l4[0] == 131 || v->l4[0] == 133 || v->l4[0] == 135);
}

void take_icmp6(struct frame *f, struct ip6_view *v, uint8_t type)
{
	for (;;) {
		ck_assert_msg(tx_count() > 0, "expected an ICMPv6 type %u frame", type);
		take6(f, v);
		if (v->proto == 58 && v->l4[0] == type)
			return;
		ck_assert_msg(timer_frame(v), "unexpected frame (proto %u type %u) before type %u", v->proto,
			      v->proto == 58 ? v->l4[0] : 0, type);
	}
}

unsigned drain_icmp6(uint8_t type)
{
	unsigned n = 0;
	static struct frame f;
	struct ip6_view v;
	while (tx_count()) {
		unsigned ifx = tx_take(&f);
		if (f.len < 14 + 40 || rd16(f.b + 12) != 0x86dd)
			continue;
		view6(&f, ifx, &v);
		n += v.proto == 58 && v.l4[0] == type;
	}
	return n;
}


/* The peer announces itself as a neighbour (an NS with its SLLAO), as a real host would before
 * talking to us: our entry for it is STALE with PEERMAC. */
static void peer_known(const uint8_t *peer, const uint8_t *us)
{
	struct frame f;
	uint8_t sn[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff, [13] = us[13], [14] = us[14], [15] = us[15] };
	feed(0, f.b, build_ns(&f, peer, sn, us, PEERMAC, NULL));
}

void peer6_refresh(void)
{
	peer_known(G_PEER, G_US0);
	peer_known(LL_PEER, LL_US0);
}

static uint64_t ctr_base[C__COUNT], in_base[256], out_base[256];

static void snapshot(void)
{
	memcpy(ctr_base, T->ctr, sizeof(ctr_base));
	memcpy(in_base, T->icmp6_in_type, sizeof(in_base));
	memcpy(out_base, T->icmp6_out_type, sizeof(out_base));
}

void fx6_setup_raw(void)
{
	FX_IPV6 = true;
	fx_setup();
	snapshot();
}

static void fx6_common(bool rs)
{
	fx6_setup_raw();
	if (!rs)
		set_knob("net.ipv6.conf.all.router_solicitations", "0");
	ck_assert_int_eq(stack_addr6_add(T, 0, G_US0, 64), 0);
	ck_assert_int_eq(stack_addr6_add(T, 1, G_US1, 64), 0);
	advance(2000);
	ck_assert(ip6_is_local(T, G_US0) && ip6_is_local(T, LL_US0) && ip6_is_local(T, G_US1));
	peer6_refresh();
	tx_clear();
	snapshot();
}

uint64_t icmp6_in(uint8_t t) { return T->icmp6_in_type[t] - in_base[t]; }
uint64_t icmp6_out(uint8_t t) { return T->icmp6_out_type[t] - out_base[t]; }

uint64_t dctr(const char *name)
{
	for (unsigned i = 0; i < C__COUNT; i++)
		if (strcmp(counter_names[i], name) == 0)
			return T->ctr[i] - ctr_base[i];
	ck_abort_msg("no counter named %s", name);
	return 0;
}

void fx6_setup(void) { fx6_common(false); }
void fx6_setup_rs(void) { fx6_common(true); }

void fx6_teardown(void)
{
	/* Reassembly queues live 60 s: let them go before the no-leak check. */
	tx_clear();
	advance(61000);
	fx_teardown();
	FX_IPV6 = false;
}
