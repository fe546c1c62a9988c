/* icmp/probe.c — RFC 8335 PROBE for ICMPv4 (../shared/ICMP-EXT-SPEC.md X5). The responder parses as
 * leniently as Linux 6.18 (icmp_build_probe) and answers proxy queries (L=0) from the ARP table
 * (POLICY, icmp_echo_probe_proxy). The client, `tapstackctl probe`, is a ping session (icmp/ping.c)
 * whose requests and replies are PROBE's; its arguments and text are ctl/ping_cmd.c's. */
#include "icmp/probe.h"

#include <string.h>

#include "eth/neigh.h"
#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "icmp/icmp_ext.h"
#include "icmp/ping.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

#define PROBE_OBJ_OFF  12  /* X5.1: the one Interface Identification Object after the header */
#define PROBE_IDENT_MAX 20 /* Linux: sizeof(struct icmp_ext_echo_iio) - 4 */
#define PROBE_NAME_MAX 16  /* IFNAMSIZ: a name that fills it is malformed */

static int probe_find_name(const struct stack *st, const uint8_t *id, size_t len)
{
	char name[PROBE_NAME_MAX + 1] = { 0 };
	memcpy(name, id, len);                   /* matched up to the first NUL (X5.5) */
	for (unsigned i = 0; i < st->nifs; i++)
		if (strcmp(st->ifs[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int probe_find_addr(const struct stack *st, uint32_t a)
{
	for (unsigned i = 0; i < st->nifs; i++)
		for (unsigned j = 0; j < st->ifs[i].naddr; j++)
			if (st->ifs[i].addr[j].addr == a)
				return (int)i;
	return -1;
}

/* X5.8 (POLICY): the neighbour's state in the neighbour table, from all interfaces. RFC 8335 §2.2
 * numbers the states as Linux's NUD states (and enum neigh_state): 1 Incomplete, 2 Reachable,
 * 3 Stale, 4 Delay, 5 Probe, 6 Failed. */
struct probe_match { uint8_t key[16]; unsigned alen, found, state; };

static void probe_match_entry(const struct neigh_entry *e, void *arg)
{
	struct probe_match *pm = arg;
	if (e->family != (pm->alen == 16 ? NEIGH_INET6 : NEIGH_INET) || e->alen != pm->alen ||
	    memcmp(e->addr, pm->key, pm->alen) != 0)
		return;
	pm->found++;
	pm->state = e->state;
}

/* The neighbour addr (alen 4 or 16 bytes) in the ARP or ND table. */
static void probe_proxy(const struct stack *st, const uint8_t *addr, unsigned alen, uint8_t *code, uint8_t *status)
{
	struct probe_match pm = { .alen = alen };
	memcpy(pm.key, addr, alen);
	neigh_foreach(st, probe_match_entry, &pm);
	if (pm.found == 0) {
		*code = PROBE_NO_ENTRY;
	} else if (pm.found > 1) {
		*code = PROBE_MULTI_IF;
	} else {
		*code = PROBE_NO_ERROR;
		*status = (uint8_t)(pm.state << PROBE_STATE_SHIFT);
	}
}

bool probe4_answer(struct stack *st, const uint8_t *m, size_t len, uint8_t *code, uint8_t *status)
{
	bool local = m[7] & 1;                   /* L: the interface is on this node */
	*code = PROBE_MALFORMED;
	*status = 0;
	if (!local && !st->knobs.icmp_echo_probe_proxy)
		return false;                    /* X5.8: Linux drops proxy queries */
	/* X5.5: extension version and checksum and the Class-Num are not checked (Linux). */
	if (len < PROBE_OBJ_OFF + 4)
		return true;
	const uint8_t *o = m + PROBE_OBJ_OFF, *id = o + 4;
	size_t olen = be16_get(o), ilen = olen - 4;
	if (olen <= 4 || ilen > PROBE_IDENT_MAX || PROBE_OBJ_OFF + olen > len)
		return true;
	int ifx = -1;
	uint32_t a4 = 0;
	const uint8_t *a6 = NULL;
	switch (o[3]) {
	case 1: /* by name */
		if (ilen >= PROBE_NAME_MAX || !local)
			return true;
		ifx = probe_find_name(st, id, ilen);
		break;
	case 2: /* by index */
		if (ilen != 4 || !local)
			return true;
		ifx = be32_get(id) < st->nifs ? (int)be32_get(id) : -1;
		break;
	case 3: /* by address: AFI, Address Length, Reserved, address */
		if (ilen < 4 || ilen != 4u + id[2])
			return true;
		if (be16_get(id) == 1 && id[2] == 4)
			a4 = be32_get(id + 4);
		else if (be16_get(id) == 2 && id[2] == 16)
			a6 = id + 4;
		else
			return true;             /* AFI 1 needs 4 bytes, AFI 2 16, other AFIs are malformed */
		if (!local) {
			probe_proxy(st, id + 4, a6 ? 16 : 4, code, status);
			return true;
		}
		if (a6) {
			unsigned x;
			ifx = ip6_addr_find(st, a6, &x) ? (int)x : -1;
		} else {
			ifx = probe_find_addr(st, a4);
		}
		break;
	default:
		return true;
	}
	if (ifx < 0) {
		*code = PROBE_NO_IF;
		return true;
	}
	/* X5.6: A = administratively up; 4 = has an IPv4 address, 6 an IPv6 one (link-local and
	 * tentative count), whether up or not. */
	const struct iface *ifp = &st->ifs[ifx];
	*code = PROBE_NO_ERROR;                  /* X5.7 POLICY: never the request's code */
	*status = (uint8_t)((ifp->up ? PROBE_A : 0) | (ifp->naddr ? PROBE_V4 : 0) | (ip6_addr_count(st, (unsigned)ifx) ? PROBE_V6 : 0));
	return true;
}

void probe4_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	uint8_t *m = p->data, code, status;

	/* X5.3: off (or echo ignored): consumed, only InMsgs and InType42 moved. */
	if (!st->knobs.icmp_echo_enable_probe || st->knobs.icmp_echo_ignore_all) {
		stack_drop(st, p, C_IcmpInIgnored);
		return;
	}
	if (!icmp4_may_answer(st, p, rx))
		return;
	if (!probe4_answer(st, m, p->len, &code, &status)) {
		stack_drop(st, p, C_IcmpInIgnored);
		return;
	}
	/* X5.2: identifier and sequence kept, byte 7 the status, the rest echoed; new checksum. */
	m[0] = ICMP4_EXT_ECHOREPLY;
	m[1] = code;
	m[7] = status;
	be16_put(m + 2, 0);
	be16_put(m + 2, csum_buf(m, p->len));
	icmp4_reply(st, p, rx);                  /* X5.9, X5.10: counted as type 43 */
}

/* ICMPv6 160 (X5 for ICMPv6): the same answer, gated by the same knob, and each family's
 * echo_ignore_all; the reply (161) is addressed as an echo reply (V3.x). */
void probe6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	uint8_t *m = p->data, code, status;

	if (!st->knobs.icmp_echo_enable_probe || st->knobs.ip6_echo_ignore_all || ip6_is_any(rx->src)) {
		stack_drop(st, p, C_Icmp6InIgnored);
		return;
	}
	if (!probe4_answer(st, m, p->len, &code, &status)) {
		stack_drop(st, p, C_Icmp6InIgnored);
		return;
	}
	m[0] = ICMP6_EXT_ECHOREPLY;
	m[1] = code;
	m[7] = status;
	icmp6_reply(st, p, rx);                  /* checksum over the pseudo-header there */
}

/* ---- the client's requests and replies: a ping session with probe_len set ---- */

size_t probe_obj_build(const struct probe_query *q, uint8_t obj[24])
{
	size_t olen;
	switch (q->by) {
	case PROBE_BY_NAME: { /* NUL-padded to a multiple of 4 bytes */
		size_t nl = strnlen(q->name, PROBE_NAME_OBJ_MAX), pad = (4 - nl % 4) % 4;
		memset(obj + 4, 0, nl + pad);
		memcpy(obj + 4, q->name, nl);
		olen = 4 + nl + pad;
		break;
	}
	case PROBE_BY_INDEX:
		be32_put(obj + 4, q->index);
		olen = 8;
		break;
	default: { /* by address: AFI 1 with 4 bytes, AFI 2 with 16 */
		bool v6 = q->addr.family == INET_V6;
		be16_put(obj + 4, v6 ? 2 : 1);
		obj[6] = v6 ? 16 : 4;
		obj[7] = 0;
		if (v6)
			memcpy(obj + 8, q->addr.u.v6, 16);
		else
			be32_put(obj + 8, q->addr.u.v4);
		olen = v6 ? 24 : 12;
	}
	}
	be16_put(obj, (uint16_t)olen);
	obj[2] = ICMP_EXT_CLASS_IID;
	obj[3] = (uint8_t)q->by;
	return olen;
}

void probe4_send(struct stack *st, struct ping_session *s)
{
	uint8_t seq = (uint8_t)(s->sent + 1);
	size_t len = ICMP4_HDR_LEN + 4 + s->probe_len;
	struct pkb *p = stack_alloc(st, len);
	bool v6 = s->dst.family == INET_V6;

	s->sent++;
	if (!p) {
		struct ping_event ev = { .kind = PING_EV_NO_BUFFER, .seq = seq };
		s->errors++;
		ping_report(st, s, &ev);
		return;
	}
	uint8_t *m = p->data;
	p->len = (uint32_t)len;
	m[0] = v6 ? ICMP6_EXT_ECHO : ICMP4_EXT_ECHO;
	m[1] = 0;
	be16_put(m + 2, 0);
	be16_put(m + 4, s->ident);
	m[6] = seq;
	m[7] = s->probe_local ? 1 : 0;
	m[8] = 0x20;                             /* X1.4: version 2, checksum over the structure */
	m[9] = 0;
	be16_put(m + 10, 0);
	memcpy(m + 12, s->probe_obj, s->probe_len);
	be16_put(m + 10, csum_buf(m + 8, 4 + s->probe_len));
	s->sent_us[seq % PING_RING] = st->now_us;
	s->state[seq % PING_RING] = 1;
	int rc;
	if (v6) { /* icmp6_xmit sums over the pseudo-header and counts Icmp6OutType160 */
		struct ip6_tx tx6 = { .dst = s->dst.u.v6, .oif = s->oif, .hlim = s->ttl_given ? (uint8_t)s->ttl : 0 };
		rc = icmp6_xmit(st, p, &tx6);
	} else {
		be16_put(m + 2, csum_buf(m, p->len));
		st->icmp_out_type[ICMP4_EXT_ECHO]++;
		CNT(st, IcmpOutMsgs);
		struct ip4_tx tx = { .dst = s->dst.u.v4, .proto = IPPROTO_ICMP_, .ttl = (uint8_t)s->ttl, .df = s->df };
		rc = ip4_output(st, p, &tx);
		if (rc != 0)
			CNT(st, IcmpOutErrors);
	}
	if (rc != 0) {
		struct ping_event ev = { .kind = PING_EV_SEND_FAIL, .seq = seq, .err = -rc };
		s->errors++;
		ping_report(st, s, &ev);
	}
}

/* An Extended Echo reply from src with hop limit or TTL ttl: reported to our client when it is
 * the answer to one of its requests, else dropped silently (X5.11) under the family's counter. */
static void probe_reply(struct stack *st, struct pkb *p, const struct inet_addr *src, unsigned ttl, enum counter unsolicited)
{
	const uint8_t *m = p->data;
	struct ping_session *s = p->len >= 8 ? ping_find(st, be16_get(m + 4)) : NULL;

	if (!s || !s->probe_len || !inet_eq(&s->dst, src) || m[6] == 0 || s->state[m[6] % PING_RING] == 0) {
		stack_drop(st, p, unsolicited);
		return;
	}
	uint8_t *state = &s->state[m[6] % PING_RING];
	uint64_t rtt = st->now_us - s->sent_us[m[6] % PING_RING];
	struct ping_event ev = { .kind = PING_EV_REPLY, .seq = m[6], .from = *src, .bytes = p->len, .hops = ttl,
				 .rtt_us = rtt, .dup = *state == 2, .probe_code = m[1], .probe_status = m[7] };
	ping_report(st, s, &ev);
	ping_reply_done(st, s, p, state, rtt);
}

void probe4_reply_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	struct inet_addr src = inet_v4(rx->src);
	probe_reply(st, p, &src, rx->ttl, C_IcmpInUnsolicited);
}

void probe6_reply_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	struct inet_addr src = { .family = INET_V6 };
	memcpy(src.u.v6, rx->src, 16);
	probe_reply(st, p, &src, rx->hlim, C_Icmp6InUnsolicited);
}
