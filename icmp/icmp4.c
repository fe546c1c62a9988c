/* icmp/icmp4.c — ICMPv4 receive path (ICMP-SPEC §1), echo (§2), timestamp (§3), address mask (§4).
 *
 * Table-driven, like Linux's icmp_pointers[]: one row per type with its handler and whether it is an
 * error type (R1.8). Handlers consume the buffer. Replies are built in place in the request's buffer
 * and leave through icmp4_xmit, the one place that counts what ICMP sends. */
#include "icmp/icmp4.h"

#include <string.h>

#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

typedef void (*icmp4_handler)(struct stack *st, struct pkb *p, const struct ip4_rx *rx);

static void icmp4_echo(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_timestamp(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_addrmask(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_error_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void icmp4_consume(struct stack *st, struct pkb *p, const struct ip4_rx *rx);

static const struct icmp4_type_desc {
	icmp4_handler handler; /* NULL: discarded silently (R1.6) */
	bool error;            /* R1.8: an error message, never answered with an error */
} icmp4_types[ICMP4_MAX_TYPE + 1] = {
	[ICMP4_ECHOREPLY] = { icmp4_consume, false }, /* no ping client matched: dropped (R1.7) */
	[1] = { NULL, true },
	[2] = { NULL, true },
	[ICMP4_DEST_UNREACH] = { icmp4_error_input, true },
	[ICMP4_SOURCE_QUENCH] = { icmp4_consume, true }, /* R8.6: counted, ignored */
	[ICMP4_REDIRECT] = { icmp4_error_input, true },
	[6] = { NULL, true },
	[7] = { NULL, true },
	[ICMP4_ECHO] = { icmp4_echo, false },
	[9] = { NULL, true },
	[10] = { NULL, true },
	[ICMP4_TIME_EXCEEDED] = { icmp4_error_input, true },
	[ICMP4_PARAMETERPROB] = { icmp4_error_input, true },
	[ICMP4_TIMESTAMP] = { icmp4_timestamp, false },
	[ICMP4_TIMESTAMPREPLY] = { NULL, false },
	[15] = { NULL, false },
	[16] = { NULL, false },
	[ICMP4_ADDRESS] = { icmp4_addrmask, false },
	[ICMP4_ADDRESSREPLY] = { NULL, false },
};

void icmp4_init(struct stack *st)
{
	ip4_register_proto(st, IPPROTO_ICMP_, icmp4_input);
}

void icmp4_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	const uint8_t *m = p->data;

	CNT(st, IcmpInMsgs);                                 /* R1.1 */
	if (csum_buf(m, p->len) != 0) {                      /* R1.2: an empty message fails too */
		CNT(st, IcmpInCsumErrors);
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (p->len < ICMP4_HDR_LEN) {                        /* R1.3 */
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	uint8_t type = m[0];
	st->icmp_in_type[type]++;                            /* R1.4 */
	if (type > ICMP4_MAX_TYPE) {                         /* R1.6; 42/43 (RFC 8335) silently */
		if (type == 42 || type == 43)
			pkb_free(&st->pool, p);
		else
			stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (rx->dst_kind == IP4_DST_BCAST || rx->dst_kind == IP4_DST_MCAST) { /* R1.5 */
		bool query = type == ICMP4_ECHO || type == ICMP4_TIMESTAMP;
		if ((query && st->knobs.icmp_echo_ignore_broadcasts) ||
		    (!query && type != ICMP4_ADDRESS && type != ICMP4_ADDRESSREPLY)) {
			stack_drop(st, p, C_IcmpInErrors);
			return;
		}
	}
	const struct icmp4_type_desc *d = &icmp4_types[type];
	if (!d->handler) {
		pkb_free(&st->pool, p);                      /* R1.6: obsolete or unsolicited, silently */
		return;
	}
	d->handler(st, p, rx);                               /* R1.7 */
}

static void icmp4_consume(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	(void)rx;
	pkb_free(&st->pool, p);
}

/* The one exit of everything ICMP sends: counts (R5.15), hands to IP. p->data at the ICMP header,
 * checksum already set. Consumes p. */
static void icmp4_xmit(struct stack *st, struct pkb *p, const struct ip4_tx *tx)
{
	uint8_t type = p->data[0];
	CNT(st, IcmpOutMsgs);
	st->icmp_out_type[type]++;
	if (ip4_output(st, p, tx) != 0)
		CNT(st, IcmpOutErrors);
}

/* Sends the reply built in p back to the requester (R2.3, R2.4, R3.3). */
static void icmp4_reply(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	struct ip4_tx tx = {
		/* The request's destination when it is ours; for a broadcast or multicast request, the
		 * address of the interface toward the requester (src 0 lets IP choose it). */
		.src = rx->dst_kind == IP4_DST_LOCAL ? rx->dst : 0,
		.dst = rx->src,
		.proto = IPPROTO_ICMP_,
		.tos = rx->tos,                              /* R2.4: copied verbatim, ECN too */
		.ttl = (uint8_t)st->knobs.ip_default_ttl,
		.df = false,
	};
	p->flags &= PKB_HEAP;
	icmp4_xmit(st, p, &tx);
}

/* True when the requester may be answered at all (R2.7 POLICY: not an invalid source). */
static bool icmp4_may_answer(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	if (!ip4_is_valid_host_src(st, rx->src)) {
		stack_drop(st, p, C_IcmpInInvalidSrc);
		return false;
	}
	return true;
}

static void icmp4_echo(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data;

	if (st->knobs.icmp_echo_ignore_all) {                /* R2.1 */
		pkb_free(&st->pool, p);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	/* R2.2: same message with type 0; code, id, seq and data unchanged; RFC 1624 checksum update. */
	uint16_t old = be16_get(m);
	m[0] = ICMP4_ECHOREPLY;
	be16_put(m + 2, csum_update16(be16_get(m + 2), old, be16_get(m)));
	icmp4_reply(st, p, rx);
}

/* Milliseconds since midnight UT (RFC 792), from the caller-supplied wall clock. */
static uint32_t icmp4_ms_since_midnight(const struct stack *st)
{
	int64_t wall = (int64_t)st->now + st->wall_offset;
	int64_t ms = wall % 86400000;
	if (ms < 0)
		ms += 86400000;
	return (uint32_t)ms;
}

static void icmp4_timestamp(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data;

	if (p->len < ICMP4_HDR_LEN + 4) {                    /* R3.1 */
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	/* R3.2: exactly 20 bytes; originate kept; receive = transmit = one reading of the clock. */
	if (p->len < 20 && pkb_tailroom(p) < 20u - p->len) {
		stack_drop(st, p, C_PkbAllocFails);
		return;
	}
	uint32_t now = icmp4_ms_since_midnight(st);
	p->len = 20;
	m[0] = ICMP4_TIMESTAMPREPLY;
	m[1] = 0;
	be32_put(m + 12, now);
	be32_put(m + 16, now);
	be16_put(m + 2, 0);
	be16_put(m + 2, csum_buf(m, 20));
	icmp4_reply(st, p, rx);
}

static void icmp4_addrmask(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data;

	/* R4.1: silently, unless configured as an authority (R4.2, RFC 950; RFC 1122 3.2.2.9). */
	if (!st->knobs.icmp_addrmask_reply || p->len < ICMP4_HDR_LEN + 4) {
		pkb_free(&st->pool, p);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	const struct iface *ifp = &st->ifs[rx->ifindex];
	const struct ifaddr *a = iface_addr_for(ifp, rx->src);
	if (!a)
		a = &ifp->addr[0];
	p->len = ICMP4_HDR_LEN + 4;
	m[0] = ICMP4_ADDRESSREPLY;
	m[1] = 0;
	be32_put(m + 8, a->mask);
	be16_put(m + 2, 0);
	be16_put(m + 2, csum_buf(m, p->len));
	icmp4_reply(st, p, rx);
}

/* Received errors (§8). R8.1: the quoted datagram must hold an IP header and 8 bytes beyond it. */
static void icmp4_error_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	(void)rx;
	const uint8_t *in = p->data + ICMP4_HDR_LEN;
	size_t inlen = p->len - ICMP4_HDR_LEN;
	if (inlen < IP4_HDR_MIN || (in[IP4_VHL] & 0x0f) < 5 || inlen < (in[IP4_VHL] & 0x0fu) * 4 + 8u) {
		stack_drop(st, p, C_IcmpInErrors);
		return;
	}
	pkb_free(&st->pool, p); /* no upper layer takes errors yet */
}
