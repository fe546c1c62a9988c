/* icmp/ping.c — the ping session engine, over IPv4 and IPv6. Requests leave through IP like any
 * datagram of ours; replies and ICMP/ICMPv6 errors are matched on the identifier and sequence
 * number and reported to the session's client as events (ctl/ping_cmd.c prints them as iputils
 * ping does); the statistics and iputils' rules for when a session ends are kept here. */
#include "icmp/ping.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "icmp/icmp_ext.h"
#include "icmp/probe.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "ip/route.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

/* The running sessions: this file's own state. */
struct ping_table {
	struct ping_session *s[PING_MAX_SESSIONS];
	unsigned n;             /* sessions in s[]: the timers skip the table when 0 */
	unsigned last_handle;   /* the last session handle given out */
};

int ping_init(struct stack *st)
{
	st->ping = calloc(1, sizeof(*st->ping));
	return st->ping ? 0 : -ENOMEM;
}

#define PING_LINGER_MIN_MS 1000   /* after the last request: wait this long, or twice the worst RTT */

static struct ping_session *ping_by_ident(struct stack *st, uint16_t ident)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS && st->ping->n; i++)
		if (st->ping->s[i] && !st->ping->s[i]->done && st->ping->s[i]->ident == ident)
			return st->ping->s[i];
	return NULL;
}

struct ping_session *ping_find(struct stack *st, uint16_t ident) { return ping_by_ident(st, ident); }

void ping_report(struct stack *st, struct ping_session *s, const struct ping_event *ev)
{
	if (s->report)
		s->report(st, s, ev);
}

/* A request not sent: rc from the IP layer, mtu the path's with -EMSGSIZE. */
static void ping_send_failed(struct stack *st, struct ping_session *s, int rc, unsigned mtu)
{
	struct ping_event ev = { .kind = PING_EV_SEND_FAIL, .seq = s->sent, .err = -rc, .mtu = mtu };
	s->errors++;
	ping_report(st, s, &ev);
}

/* An ICMPv6 echo request (type 128) with the session's identifier; icmp6_xmit counts it. */
static int ping6_send(struct stack *st, struct ping_session *s, struct pkb *p)
{
	struct ip6_tx tx = { .dst = s->dst.u.v6, .oif = s->oif, .hlim = s->ttl_given ? (uint8_t)s->ttl : 0,
			     .dontfrag = s->df == IP4_DF_DO };
	int rc = icmp6_xmit(st, p, &tx);
	if (rc == -EMSGSIZE) {
		struct route6_res rr;
		unsigned mtu = route6_lookup(st, s->dst.u.v6, s->oif, &rr) == 0 ? route6_pmtu(st, s->dst.u.v6, rr.ifindex) : 0;
		ping_send_failed(st, s, rc, mtu);
	} else if (rc != 0) {
		ping_send_failed(st, s, rc, 0);
	}
	return rc;
}

static void ping_send(struct stack *st, struct ping_session *s)
{
	if (s->probe_len) {
		probe4_send(st, s);
		return;
	}
	uint16_t seq = (uint16_t)(s->sent + 1);
	struct pkb *p = stack_alloc(st, ICMP4_HDR_LEN + s->size);

	s->sent++;
	if (!p) {
		struct ping_event ev = { .kind = PING_EV_NO_BUFFER, .seq = seq };
		s->errors++;
		ping_report(st, s, &ev);
		return;
	}
	uint8_t *m = p->data;
	bool v6 = s->dst.family == INET_V6;
	p->len = ICMP4_HDR_LEN + s->size;
	m[0] = v6 ? ICMP6_ECHO_REQUEST : ICMP4_ECHO;
	m[1] = 0;
	be16_put(m + 2, 0);
	be16_put(m + 4, s->ident);
	be16_put(m + 6, seq);
	for (unsigned i = 0; i < s->size; i++)
		m[ICMP4_HDR_LEN + i] = (uint8_t)i;
	s->sent_us[seq % PING_RING] = st->now_us;
	s->state[seq % PING_RING] = 1;
	if (v6) {
		ping6_send(st, s, p);
		return;
	}
	be16_put(m + 2, csum_buf(m, p->len));
	st->icmp_out_type[ICMP4_ECHO]++;
	CNT(st, IcmpOutMsgs);
	struct ip4_tx tx = { .dst = s->dst.u.v4, .proto = IPPROTO_ICMP_, .ttl = (uint8_t)s->ttl, .df = s->df };
	int rc = ip4_output(st, p, &tx);
	if (rc == -EMSGSIZE) {
		bool locked;
		ping_send_failed(st, s, rc, route_pmtu(st, s->dst.u.v4, &locked));
	} else if (rc != 0) {
		ping_send_failed(st, s, rc, 0);
	}
	if (rc != 0)
		CNT(st, IcmpOutErrors);
}

static void ping_finish(struct stack *st, struct ping_session *s)
{
	struct ping_event ev = { .kind = PING_EV_END, .seq = s->sent };
	s->done = true;
	/* iputils: 1 when nothing came back, or when a deadline came before COUNT answers. */
	s->status = !s->received || (s->deadline && s->count_given && s->received < s->count);
	ping_report(st, s, &ev);
}

int ping_route_check(struct stack *st, const struct inet_addr *dst, int oif)
{
	if (dst->family == INET_V6) {
		struct route6_res rr6;
		if (ip6_is_linklocal(dst->u.v6) && oif < 0) /* a link-local address needs its scope */
			return -EINVAL;
		if (route6_lookup(st, dst->u.v6, oif, &rr6) != 0 ||
		    (rr6.rt && (rr6.rt->type == RT6_PROHIBIT || rr6.rt->type == RT6_BLACKHOLE)))
			return -ENETUNREACH;
		return 0;
	}
	struct route_res rr;
	if (route_lookup(st, dst->u.v4, &rr) != 0 || rr.rt->type == RT_PROHIBIT || rr.rt->type == RT_BLACKHOLE)
		return -ENETUNREACH;
	return 0;
}

int ping_dst_check(struct stack *st, const struct inet_addr *dst, int oif)
{
	int rc = ping_route_check(st, dst, oif);
	if (rc)
		return rc;
	if (dst->family == INET_V6) {
		const uint8_t *d = dst->u.v6;
		uint8_t src[16];
		if (ip6_select_src(st, d, oif, src) != 0)
			return -EADDRNOTAVAIL;
		return ip6_addr_find(st, d, NULL) || ip6_is_mcast(d) || ip6_is_any(d) ? PING_DST_LOCAL : 0;
	}
	return ip4_is_local(st, dst->u.v4) || (dst->u.v4 >> 28) >= 0xe ? PING_DST_LOCAL : 0;
}

struct ping_session *ping_session_new(struct stack *st, const struct ping_cfg *cfg, ping_report_fn report)
{
	unsigned slot = PING_MAX_SESSIONS;
	for (unsigned i = 0; i < PING_MAX_SESSIONS && slot == PING_MAX_SESSIONS; i++)
		if (!st->ping->s[i])
			slot = i;
	struct ping_session *s = slot < PING_MAX_SESSIONS ? calloc(1, sizeof(*s)) : NULL;
	if (!s)
		return NULL;
	st->ping->s[slot] = s;
	st->ping->n++;
	s->handle = ++st->ping->last_handle;
	do
		s->ident = (uint16_t)stack_random(st);
	while (ping_by_ident(st, s->ident) != s && ping_by_ident(st, s->ident));
	s->report = report;
	s->dst = cfg->dst;
	s->oif = cfg->oif;
	s->count = cfg->count;
	s->count_given = cfg->count_given;
	s->size = cfg->size;
	s->ttl = cfg->ttl;
	s->ttl_given = cfg->ttl_given;
	s->interval_ms = cfg->interval_ms;
	s->df = cfg->df;
	s->linger_ms = cfg->linger_ms;
	if (cfg->deadline_ms) {
		/* -w: requests go on until the deadline, or until COUNT answers if -c was given. */
		s->deadline = st->now + cfg->deadline_ms;
		if (!cfg->count_given)
			s->count = UINT32_MAX;
	}
	if (cfg->probe.by != PROBE_BY_NONE) {
		s->probe_len = (uint8_t)probe_obj_build(&cfg->probe, s->probe_obj);
		s->probe_local = cfg->probe.local;
	}
	s->rtt_min = UINT64_MAX;
	s->first_ms = st->now;
	s->next_send = st->now;
	return s;
}

/* Still sending? Without a deadline, COUNT requests; with one (-w), on until the session ends. */
static bool ping_sending(const struct ping_session *s)
{
	return s->deadline ? true : s->sent < s->count;
}

/* Done (iputils main_loop): COUNT answers or errors; without a deadline also when every request
 * went and the linger time is over; with one, at the first error. The deadline itself: ping_poll. */
void ping_check_done(struct stack *st, struct ping_session *s)
{
	if (s->done)
		return;
	if (s->deadline) {
		if ((s->count_given && s->received + s->errors >= s->count) || s->errors)
			ping_finish(st, s);
	} else if (s->sent == s->count && (s->received + s->errors >= s->sent || st->now >= s->linger_until)) {
		ping_finish(st, s);
	}
}

void ping_poll(struct stack *st)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS && st->ping->n; i++) {
		struct ping_session *s = st->ping->s[i];
		if (!s || s->done)
			continue;
		if (s->deadline && st->now >= s->deadline) {
			ping_finish(st, s);
			continue;
		}
		if (ping_sending(s) && st->now >= s->next_send) {
			/* The previous request is still unanswered as the next one goes (ping -O says so). */
			if (s->sent && s->state[s->sent % PING_RING] != 2) {
				struct ping_event ev = { .kind = PING_EV_UNANSWERED, .seq = s->sent & 0xffff };
				ping_report(st, s, &ev);
			}
			ping_send(st, s);
			s->next_send += s->interval_ms;
			if (!s->deadline && s->sent == s->count) {
				/* iputils: twice the worst RTT once something answered, else -W. */
				uint64_t linger = s->received ? 2 * s->rtt_max / 1000 : s->linger_ms;
				if (s->received && linger < PING_LINGER_MIN_MS)
					linger = PING_LINGER_MIN_MS;
				s->linger_until = st->now + linger;
			}
		}
		ping_check_done(st, s);
	}
}

uint64_t ping_deadline(const struct stack *st)
{
	uint64_t next = UINT64_MAX;
	for (unsigned i = 0; i < PING_MAX_SESSIONS && st->ping->n; i++) {
		const struct ping_session *s = st->ping->s[i];
		if (!s || s->done)
			continue;
		uint64_t t = ping_sending(s) ? s->next_send : s->linger_until;
		if (s->deadline && s->deadline < t)
			t = s->deadline;
		if (t < next)
			next = t;
	}
	return next;
}

struct ping_session *ping_session_get(struct stack *st, unsigned handle)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++)
		if (st->ping->s[i] && st->ping->s[i]->handle == handle)
			return st->ping->s[i];
	return NULL;
}

void ping_session_free(struct stack *st, struct ping_session *s)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++)
		if (st->ping->s[i] == s) {
			sbuf_free(&s->out);
			free(s);
			st->ping->s[i] = NULL;
			st->ping->n--;
			return;
		}
}

void ping_free_all(struct stack *st)
{
	if (!st->ping)
		return;
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++)
		if (st->ping->s[i])
			ping_session_free(st, st->ping->s[i]);
}

void ping_reply_done(struct stack *st, struct ping_session *s, struct pkb *p, uint8_t *state, uint64_t rtt)
{
	if (*state == 2) {
		s->dups++;
	} else {
		*state = 2;
		s->received++;
		s->rtt_sum += rtt;
		s->rtt_sum2 += rtt * rtt;
		if (rtt < s->rtt_min)
			s->rtt_min = rtt;
		if (rtt > s->rtt_max)
			s->rtt_max = rtt;
	}
	stack_consume(st, p);
	ping_check_done(st, s);
}

/* An echo reply (either family) from src, hops its TTL or hop limit: reported, then the
 * bookkeeping. Consumes p; unknown sequence numbers are dropped as unsolicited (drop: the
 * family's counter). */
static void ping_echo_reply(struct stack *st, struct ping_session *s, struct pkb *p, const struct inet_addr *src,
			    unsigned hops, enum counter drop)
{
	uint16_t seq = be16_get(p->data + 6);
	uint8_t *state = &s->state[seq % PING_RING];
	if (*state == 0 || seq == 0 || seq > s->sent) {
		stack_drop(st, p, drop);
		return;
	}
	uint64_t rtt = st->now_us - s->sent_us[seq % PING_RING];
	struct ping_event ev = { .kind = PING_EV_REPLY, .seq = seq, .from = *src, .bytes = p->len, .hops = hops,
				 .rtt_us = rtt, .dup = *state == 2 };
	ping_report(st, s, &ev);
	ping_reply_done(st, s, p, state, rtt);
}

void ping_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	struct ping_session *s = ping_by_ident(st, be16_get(p->data + 4));

	if (!s || s->dst.family != INET_V4 || rx->src != s->dst.u.v4) {
		stack_drop(st, p, C_IcmpInUnsolicited); /* R1.7: no client of ours asked */
		return;
	}
	struct inet_addr src = inet_v4(rx->src);
	ping_echo_reply(st, s, p, &src, rx->ttl, C_IcmpInUnsolicited);
}

void ping_err(struct stack *st, const struct ip4_err *e)
{
	if (e->l4[0] != ICMP4_ECHO)
		return;
	struct ping_session *s = ping_by_ident(st, be16_get(e->l4 + 4));
	if (!s || s->dst.family != INET_V4 || e->idst != s->dst.u.v4)
		return;
	/* A local error (ARP gave up) is reported from our own address, as Linux does. */
	struct ping_event ev = { .kind = PING_EV_ERROR, .seq = be16_get(e->l4 + 6), .from = inet_v4(e->from ? e->from : e->isrc),
				 .type = e->type, .code = e->code, .info = e->info,
				 .counted = e->type != ICMP4_REDIRECT }; /* a redirect is news, not a lost request */
	/* RFC 4884/5837 objects of the error (not of a redirect, which has no length field). */
	uint16_t off;
	uint8_t flags;
	size_t hlen = (size_t)(e->l4 - e->inner) + ICMP4_HDR_LEN;
	if (e->msg && e->type != ICMP4_REDIRECT && icmp4_ext_rfc4884(e->msg, e->msg_len, hlen, &off, &flags)) {
		size_t at = ICMP4_HDR_LEN + hlen + off;
		ev.ext = e->msg + at;
		ev.ext_len = e->msg_len - at;
	}
	if (ev.counted)
		s->errors++;
	ping_report(st, s, &ev);
	ping_check_done(st, s);
}

void ping6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	struct ping_session *s = ping_by_ident(st, be16_get(p->data + 4));

	if (!s || s->dst.family != INET_V6 || memcmp(rx->src, s->dst.u.v6, 16) != 0 ||
	    (s->oif >= 0 && rx->ifindex != (unsigned)s->oif)) {
		stack_drop(st, p, C_Icmp6InUnsolicited); /* V2.5: no client of ours asked */
		return;
	}
	ping_echo_reply(st, s, p, &s->dst, rx->hlim, C_Icmp6InUnsolicited);
}

/* V10.2: an ICMPv6 error quoting one of our echo requests (iputils ping6_receive_error_msg). A
 * local one (1/3 after Neighbor Discovery failed) is reported from our own address, as Linux
 * loops the error back. */
void ping6_err(struct stack *st, const struct ip6_err *e)
{
	if (e->l4[0] != ICMP6_ECHO_REQUEST)
		return;
	struct ping_session *s = ping_by_ident(st, be16_get(e->l4 + 4));
	if (!s || s->dst.family != INET_V6 || memcmp(e->idst, s->dst.u.v6, 16) != 0)
		return; /* as Linux's ping_err without a socket: not counted */
	struct ping_event ev = { .kind = PING_EV_ERROR, .seq = be16_get(e->l4 + 6), .from = { .family = INET_V6 },
				 .type = e->type, .code = e->code, .info = e->info, .counted = true };
	memcpy(ev.from.u.v6, e->local ? e->isrc : e->from, 16);
	s->errors++;
	ping_report(st, s, &ev);
	ping_check_done(st, s);
}
