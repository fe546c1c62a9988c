/* icmp/ping.c — a ping client inside the stack, over IPv4 and IPv6. Requests leave through IP like
 * any datagram of ours; replies and ICMP/ICMPv6 errors are matched on the identifier and sequence
 * number; the output follows iputils ping, line for line, so that what users know reads the same. */
#include "icmp/ping.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "icmp/icmp_ext.h"
#include "icmp/probe.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

#define PING_LINGER_MIN_MS 1000   /* after the last request: wait this long, or twice the worst RTT */

static struct ping_session *ping_by_ident(struct stack *st, uint16_t ident)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS && st->nping; i++)
		if (st->ping[i] && !st->ping[i]->done && st->ping[i]->ident == ident)
			return st->ping[i];
	return NULL;
}

/* -D: iputils' print_timestamp, "[seconds.microseconds] " of the wall clock (the caller's). */
static void ping_stamp(const struct stack *st, struct ping_session *s)
{
	if (!s->stamps)
		return;
	int64_t us = (int64_t)st->now_us + st->wall_offset * 1000;
	if (us < 0)
		us = 0;
	sbuf_printf(&s->out, "[%llu.%06llu] ", (unsigned long long)(us / 1000000), (unsigned long long)(us % 1000000));
}

/* iputils' words for each error (ping_common.c, pr_icmph). */
static void ping_describe(struct sbuf *out, uint8_t type, uint8_t code, uint32_t info)
{
	static const char *const unreach[16] = {
		"Destination Net Unreachable", "Destination Host Unreachable", "Destination Protocol Unreachable",
		"Destination Port Unreachable", "Frag needed and DF set", "Source Route Failed",
		"Destination Net Unknown", "Destination Host Unknown", "Source Host Isolated",
		"Destination Net Prohibited", "Destination Host Prohibited",
		"Destination Net Unreachable for Type of Service", "Destination Host Unreachable for Type of Service",
		"Packet filtered", "Precedence Violation", "Precedence Cutoff",
	};
	char g[16];
	switch (type) {
	case ICMP4_DEST_UNREACH:
		if (code == 4)
			sbuf_printf(out, "Frag needed and DF set (mtu = %u)", info & 0xffff);
		else
			sbuf_printf(out, "%s", code < 16 ? unreach[code] : "Dest Unreachable, Bad Code");
		break;
	case ICMP4_TIME_EXCEEDED:
		sbuf_printf(out, "%s", code == 0 ? "Time to live exceeded" : "Frag reassembly time exceeded");
		break;
	case ICMP4_PARAMETERPROB:
		sbuf_printf(out, "Parameter problem: pointer = %u", info);
		break;
	case ICMP4_REDIRECT:
		sbuf_printf(out, "Redirect Host(New nexthop: %s)", ip4_ntoa(info, g));
		break;
	default:
		sbuf_printf(out, "Bad ICMP type: %u", type);
	}
}

/* iputils' words for each ICMPv6 error (ping6_common.c, print_icmp). */
static void ping_describe6(struct sbuf *out, uint8_t type, uint8_t code, uint32_t info)
{
	static const char *const unreach[7] = {
		"No route", "Administratively prohibited", "Beyond scope of source address", "Address unreachable",
		"Port unreachable", "Source address failed ingress/egress policy", "Reject route to destination",
	};
	static const char *const param[3] = { "Wrong header field ", "Unknown header ", "Unknown option " };
	switch (type) {
	case ICMP6_DEST_UNREACH:
		if (code < 7)
			sbuf_printf(out, "Destination unreachable: %s", unreach[code]);
		else
			sbuf_printf(out, "Destination unreachable: Unknown code %d", code);
		break;
	case ICMP6_PACKET_TOO_BIG:
		sbuf_printf(out, "Packet too big: mtu=%u", info);
		if (code)
			sbuf_printf(out, ", code=%d", code);
		break;
	case ICMP6_TIME_EXCEEDED:
		if (code <= 1)
			sbuf_printf(out, "Time exceeded: %s", code ? "Defragmentation failure" : "Hop limit");
		else
			sbuf_printf(out, "Time exceeded: code %d", code);
		break;
	case ICMP6_PARAM_PROB:
		if (code < 3)
			sbuf_printf(out, "Parameter problem: %sat %u", param[code], info);
		else
			sbuf_printf(out, "Parameter problem: code %d at %u", code, info);
		break;
	default:
		sbuf_printf(out, "unknown icmp type: %u", type);
	}
}

#define PING_ADDR_STRLEN (INET_STRLEN + 17)

/* An address as iputils prints it (getnameinfo): a link-local one, or a destination given with a
 * scope, with the session's interface (fe80::1%tap0). */
static const char *ping_addr_text(const struct stack *st, const struct ping_session *s, const struct inet_addr *a,
				  char buf[PING_ADDR_STRLEN])
{
	inet_ntop_buf(a, buf);
	if (a->family == INET_V6 && s->oif >= 0 && (ip6_is_linklocal(a->u.v6) || inet_eq(a, &s->dst)))
		snprintf(buf + strlen(buf), 17, "%%%s", st->ifs[s->oif].name);
	return buf;
}

static const char *ping_dst_text(const struct stack *st, const struct ping_session *s, char buf[PING_ADDR_STRLEN])
{
	return ping_addr_text(st, s, &s->dst, buf);
}

struct ping_session *ping_find(struct stack *st, uint16_t ident) { return ping_by_ident(st, ident); }

/* An ICMPv6 echo request (type 128) with the session's identifier; icmp6_xmit counts it. */
static int ping6_send(struct stack *st, struct ping_session *s, struct pkb *p)
{
	struct ip6_tx tx = { .dst = s->dst.u.v6, .oif = s->oif, .hlim = s->ttl_given ? (uint8_t)s->ttl : 0,
			     .dontfrag = s->df == IP4_DF_DO };
	int rc = icmp6_xmit(st, p, &tx);
	char a[PING_ADDR_STRLEN];
	if (rc == -EMSGSIZE) {
		struct route6_res rr;
		unsigned mtu = route6_lookup(st, s->dst.u.v6, s->oif, &rr) == 0 ? route6_pmtu(st, s->dst.u.v6, rr.ifindex) : 0;
		s->errors++;
		if (!s->quiet)
			sbuf_printf(&s->out, "ping: local error: message too long, mtu: %u\n", mtu);
	} else if (rc != 0) {
		s->errors++;
		if (!s->quiet)
			sbuf_printf(&s->out, "ping: sendmsg to %s: %s\n", ping_dst_text(st, s, a), strerror(-rc));
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
	char a[16];

	s->sent++;
	if (!p) {
		s->errors++;
		sbuf_printf(&s->out, "ping: sendmsg: No buffer space available\n");
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
		s->errors++;
		if (!s->quiet)
			sbuf_printf(&s->out, "ping: local error: message too long, mtu=%u\n", route_pmtu(st, s->dst.u.v4, &locked));
	} else if (rc != 0) {
		s->errors++;
		if (!s->quiet)
			sbuf_printf(&s->out, "ping: sendmsg to %s: %s\n", ip4_ntoa(s->dst.u.v4, a), strerror(-rc));
	}
	if (rc != 0)
		CNT(st, IcmpOutErrors);
}

static void ping_finish(struct stack *st, struct ping_session *s)
{
	char a[PING_ADDR_STRLEN];
	sbuf_printf(&s->out, "\n--- %s %s statistics ---\n", ping_dst_text(st, s, a), s->probe_len ? "probe" : "ping");
	sbuf_printf(&s->out, "%u packets transmitted, %u received", s->sent, s->received);
	if (s->dups)
		sbuf_printf(&s->out, ", +%u duplicates", s->dups);
	if (s->errors)
		sbuf_printf(&s->out, ", +%u errors", s->errors);
	/* iputils prints the loss as a float with %g (66.6667%, 0%, 100%). */
	float loss = s->sent ? (float)((double)(s->sent - s->received) * 100.0 / (double)s->sent) : 0.0f;
	uint64_t span = s->sent > 1 ? (uint64_t)(s->sent - 1) * s->interval_ms : 0;
	sbuf_printf(&s->out, ", %g%% packet loss, time %llums\n", (double)loss, (unsigned long long)span);
	if (s->received) {
		double n = s->received, avg = (double)s->rtt_sum / n;
		double var = (double)s->rtt_sum2 / n - avg * avg;
		sbuf_printf(&s->out, "rtt min/avg/max/mdev = %.3f/%.3f/%.3f/%.3f ms\n", (double)s->rtt_min / 1000.0,
			    avg / 1000.0, (double)s->rtt_max / 1000.0, (var > 0 ? sqrt(var) : 0) / 1000.0);
	}
	s->done = true;
	/* iputils: 1 when nothing came back, or when a deadline came before COUNT answers. */
	s->status = !s->received || (s->deadline && s->count_given && s->received < s->count);
}

static const char ping_usage[] =
	"usage: ping [-46DnOq] [-c COUNT] [-s SIZE] [-t TTL] [-i SECONDS] [-M do|dont|want]\n"
	"            [-W TIMEOUT] [-w DEADLINE] ADDR\n";

/* One option's value (iputils' meanings and words). Returns 0, or 2 with the complaint in out. */
static int ping_opt_value(struct ping_session *cfg, char opt, const char *v, struct sbuf *out)
{
	char *end;
	switch (opt) {
	case 'M':
		if (strcmp(v, "do") == 0)
			cfg->df = IP4_DF_DO;
		else if (strcmp(v, "dont") == 0)
			cfg->df = IP4_DF_DONT;
		else if (strcmp(v, "want") == 0)
			cfg->df = IP4_DF_WANT;
		else {
			sbuf_printf(out, "ping: -M: want do, dont or want, not \"%s\"\n", v);
			return 2;
		}
		return 0;
	case 'i': {
		double sec = strtod(v, &end);
		if (*end || end == v || !(sec >= 0.01 && sec <= 3600)) {
			sbuf_printf(out, "ping: -i: bad interval \"%s\" (0.01 to 3600 seconds)\n", v);
			return 2;
		}
		cfg->interval_ms = (unsigned)(sec * 1000 + 0.5);
		return 0;
	}
	case 'W': { /* seconds, fractions allowed: the wait for an answer when none ever came */
		double sec = strtod(v, &end);
		if (*end || end == v || !(sec >= 0.001 && sec <= 2147483.647)) {
			sbuf_printf(out, "ping: bad linger time: %s\n", v);
			return 2;
		}
		cfg->linger_ms = (unsigned)(sec * 1000 + 0.5);
		return 0;
	}
	default:
		break;
	}
	long n = strtol(v, &end, 10);
	if (opt == 'w') { /* whole seconds, 0 = none (iputils strtol_or_err) */
		if (*end || !*v || n < 0 || n > 2147483647L) {
			sbuf_printf(out, "ping: invalid argument: '%s'\n", v);
			return 2;
		}
		cfg->deadline = (uint64_t)n * 1000;
		return 0;
	}
	if (*end || !*v || n < 0) {
		sbuf_printf(out, "ping: -%c: bad number \"%s\"\n", opt, v);
		return 2;
	}
	if (opt == 'c' && n >= 1 && n <= 1000000) {
		cfg->count = (unsigned)n;
		cfg->count_given = true;
	} else if (opt == 's' && n <= IP4_MAX_LEN - IP4_HDR_MIN - ICMP4_HDR_LEN) {
		cfg->size = (unsigned)n;
	} else if (opt == 't' && n >= 1 && n <= 255) {
		cfg->ttl = (unsigned)n;
		cfg->ttl_given = true;
	} else {
		sbuf_printf(out, "ping: -%c %s: out of range\n", opt, v);
		return 2;
	}
	return 0;
}

int ping_target_parse(const struct stack *st, const char *prog, const char *o, struct inet_addr *dst, int *oif,
		      struct sbuf *out)
{
	char buf[INET_STRLEN];
	const char *pct = strchr(o, '%');
	size_t alen = pct ? (size_t)(pct - o) : strlen(o);
	*oif = -1;
	if (alen >= sizeof(buf) || (pct && !strchr(o, ':'))) {
		sbuf_printf(out, "%s: bad address \"%s\" (want A.B.C.D or an IPv6 address)\n", prog, o);
		return 2;
	}
	memcpy(buf, o, alen);
	buf[alen] = '\0';
	if (inet_parse(buf, dst) != 0) {
		sbuf_printf(out, "%s: bad address \"%s\" (want A.B.C.D or an IPv6 address)\n", prog, o);
		return 2;
	}
	if (pct) {
		for (unsigned i = 0; i < st->nifs && *oif < 0; i++)
			if (strcmp(st->ifs[i].name, pct + 1) == 0)
				*oif = (int)i;
		if (*oif < 0) { /* getaddrinfo's answer for an unknown scope */
			sbuf_printf(out, "%s: %s: Name or service not known\n", prog, o);
			return 2;
		}
	}
	return 0;
}

/* The target: a dotted quad, or an IPv6 address with an optional %IFNAME scope (into cfg->dst
 * and cfg->oif). 0, or 2 with the complaint in out. */
static int ping_parse_dst(const struct stack *st, const char *o, struct ping_session *cfg, struct sbuf *out)
{
	return ping_target_parse(st, "ping", o, &cfg->dst, &cfg->oif, out);
}

/* May the session's destination be pinged (what connect() would say)? 0, or 1 with the reason. */
static int ping_dst_check(struct stack *st, const struct ping_session *cfg, const char *target, struct sbuf *out)
{
	bool unreachable, ours;
	if (cfg->dst.family == INET_V6) {
		const uint8_t *d = cfg->dst.u.v6;
		struct route6_res rr6;
		uint8_t src[16];
		if (ip6_is_linklocal(d) && cfg->oif < 0) { /* a link-local address needs its scope */
			sbuf_printf(out, "ping: connect: Invalid argument\n");
			return 1;
		}
		unreachable = route6_lookup(st, d, cfg->oif, &rr6) != 0 ||
			      (rr6.rt && (rr6.rt->type == RT6_PROHIBIT || rr6.rt->type == RT6_BLACKHOLE));
		if (!unreachable && ip6_select_src(st, d, cfg->oif, src) != 0) {
			sbuf_printf(out, "ping: connect: Cannot assign requested address\n");
			return 1;
		}
		ours = ip6_addr_find(st, d, NULL) || ip6_is_mcast(d) || ip6_is_any(d);
	} else {
		struct route_res rr;
		uint32_t d = cfg->dst.u.v4;
		unreachable = route_lookup(st, d, &rr) != 0 || rr.rt->type == RT_PROHIBIT || rr.rt->type == RT_BLACKHOLE;
		ours = ip4_is_local(st, d) || (d >> 28) >= 0xe;
	}
	if (unreachable) {
		sbuf_printf(out, "ping: connect: Network is unreachable\n");
		return 1;
	}
	if (ours) {
		sbuf_printf(out, "ping: %s: only unicast addresses of other hosts can be pinged\n", target);
		return 1;
	}
	return 0;
}

int ping_start(struct stack *st, int argc, char **argv, struct sbuf *out, unsigned *handle)
{
	struct ping_session cfg = { .count = 4, .size = 56, .ttl = (unsigned)st->knobs.ip_default_ttl,
				    .interval_ms = 1000, .df = IP4_DF_WANT, .linger_ms = PING_LINGER_NOREPLY_MS };
	bool have_dst = false;
	unsigned family = 0; /* -4 / -6 */
	const char *target = NULL;

	/* As getopt reads iputils' "c:DnOqs:t:i:M:W:w:": flags may be grouped (-qn), a value may be
	 * attached (-c3) or the next word. */
	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (o[0] != '-' || o[1] == '\0') {
			if (have_dst) {
				sbuf_printf(out, "ping: bad address \"%s\" (want one)\n", o);
				return 2;
			}
			int rc = ping_parse_dst(st, o, &cfg, out);
			if (rc)
				return rc;
			have_dst = true;
			target = o;
			continue;
		}
		for (const char *c = o + 1; *c; c++) {
			if (*c == '4' || *c == '6') {
				family = *c == '4' ? INET_V4 : INET_V6;
				continue;
			}
			if (*c == 'q' || *c == 'D' || *c == 'O' || *c == 'n') {
				cfg.quiet |= *c == 'q';
				cfg.stamps |= *c == 'D';
				cfg.outstanding |= *c == 'O';
				continue; /* -n: numeric output, which is all we ever print */
			}
			if (!strchr("cstiMWw", *c)) {
				if (*c > 0x20 && *c < 0x7f)
					sbuf_printf(out, "ping: invalid option -- '%c'\n%s", *c, ping_usage);
				else
					sbuf_printf(out, "ping: invalid option -- '\\x%02x'\n%s", (unsigned char)*c, ping_usage);
				return 2;
			}
			const char *v = c[1] ? c + 1 : i + 1 < argc ? argv[++i] : NULL;
			if (!v) {
				sbuf_printf(out, "ping: option requires an argument -- '%c'\n%s", *c, ping_usage);
				return 2;
			}
			int rc = ping_opt_value(&cfg, *c, v, out);
			if (rc)
				return rc;
			break; /* the value was the rest of this word */
		}
	}
	if (!have_dst) {
		sbuf_printf(out, "%s", ping_usage);
		return 2;
	}
	if (family && family != cfg.dst.family) { /* getaddrinfo's answer to -4 with an IPv6 address */
		sbuf_printf(out, "ping: %s: Address family for hostname not supported\n", target);
		return 2;
	}
	int rc = ping_dst_check(st, &cfg, target, out);
	if (rc)
		return rc;
	unsigned slot = PING_MAX_SESSIONS;
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++)
		if (!st->ping[i]) {
			slot = i;
			break;
		}
	struct ping_session *s = slot < PING_MAX_SESSIONS ? calloc(1, sizeof(*s)) : NULL;
	if (!s) {
		sbuf_printf(out, "ping: too many pings running (at most %u)\n", PING_MAX_SESSIONS);
		return 1;
	}
	st->ping[slot] = s;
	st->nping++;
	s->handle = ++st->ctl_sessions;
	do
		s->ident = (uint16_t)stack_random(st);
	while (ping_by_ident(st, s->ident) != s && ping_by_ident(st, s->ident));
	s->dst = cfg.dst;
	s->oif = cfg.oif;
	s->ttl_given = cfg.ttl_given;
	s->count = cfg.count;
	s->count_given = cfg.count_given;
	s->size = cfg.size;
	s->ttl = cfg.ttl;
	s->interval_ms = cfg.interval_ms;
	s->df = cfg.df;
	s->quiet = cfg.quiet;
	s->stamps = cfg.stamps;
	s->outstanding = cfg.outstanding;
	s->linger_ms = cfg.linger_ms;
	if (cfg.deadline) {
		/* -w: requests go on until the deadline, or until COUNT answers if -c was given. */
		s->deadline = st->now + cfg.deadline;
		if (!cfg.count_given)
			s->count = UINT32_MAX;
	}
	s->rtt_min = UINT64_MAX;
	s->first_ms = st->now;
	s->next_send = st->now;
	char a[PING_ADDR_STRLEN];
	ping_dst_text(st, s, a);
	if (s->dst.family == INET_V6) /* iputils' ping6_print_data_bytes */
		sbuf_printf(out, "PING %s (%s) %u data bytes\n", target, a, cfg.size);
	else
		sbuf_printf(out, "PING %s (%s) %u(%u) bytes of data.\n", a, a, cfg.size, cfg.size + 28);
	*handle = s->handle;
	ping_poll(st);
	return STACK_CTL_PENDING;
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
	for (unsigned i = 0; i < PING_MAX_SESSIONS && st->nping; i++) {
		struct ping_session *s = st->ping[i];
		if (!s || s->done)
			continue;
		if (s->deadline && st->now >= s->deadline) {
			ping_finish(st, s);
			continue;
		}
		if (ping_sending(s) && st->now >= s->next_send) {
			/* -O: the previous request is still unanswered as the next one goes. */
			if (s->outstanding && s->sent && s->state[s->sent % PING_RING] != 2) {
				ping_stamp(st, s);
				sbuf_printf(&s->out, "no answer yet for icmp_seq=%u\n", s->sent & 0xffff);
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
	for (unsigned i = 0; i < PING_MAX_SESSIONS && st->nping; i++) {
		const struct ping_session *s = st->ping[i];
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

int ping_collect(struct stack *st, unsigned handle, struct sbuf *out)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++) {
		struct ping_session *s = st->ping[i];
		if (!s || s->handle != handle)
			continue;
		if (s->out.len)
			sbuf_printf(out, "%s", sbuf_str(&s->out));
		sbuf_free(&s->out);
		if (!s->done)
			return STACK_CTL_PENDING;
		int status = s->status;
		free(s);
		st->ping[i] = NULL;
		st->nping--;
		return status;
	}
	sbuf_printf(out, "no such session\n");
	return 1;
}

void ping_cancel(struct stack *st, unsigned handle)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++)
		if (st->ping[i] && st->ping[i]->handle == handle) {
			sbuf_free(&st->ping[i]->out);
			free(st->ping[i]);
			st->ping[i] = NULL;
			st->nping--;
		}
}

void ping_free_all(struct stack *st)
{
	for (unsigned i = 0; i < PING_MAX_SESSIONS; i++)
		if (st->ping[i])
			ping_cancel(st, st->ping[i]->handle);
}

static void ping_rtt_text(struct sbuf *out, uint64_t us)
{
	/* iputils: three decimals under 1 ms, two under 10, one under 100, none above. */
	if (us >= 100000)
		sbuf_printf(out, "time=%llu ms", (unsigned long long)((us + 500) / 1000));
	else if (us >= 10000)
		sbuf_printf(out, "time=%llu.%01llu ms", (unsigned long long)(us / 1000), (unsigned long long)(us % 1000 / 100));
	else if (us >= 1000)
		sbuf_printf(out, "time=%llu.%02llu ms", (unsigned long long)(us / 1000), (unsigned long long)(us % 1000 / 10));
	else
		sbuf_printf(out, "time=0.%03llu ms", (unsigned long long)us);
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

/* An echo reply (either family) from the session's destination, hops its TTL or hop limit: the
 * line iputils prints, then the bookkeeping. Consumes p; unknown sequence numbers are dropped as
 * unsolicited (drop: the family's counter). */
static void ping_echo_reply(struct stack *st, struct ping_session *s, struct pkb *p, unsigned hops,
			    enum counter drop)
{
	uint16_t seq = be16_get(p->data + 6);
	uint8_t *state = &s->state[seq % PING_RING];
	char a[PING_ADDR_STRLEN];
	if (*state == 0 || seq == 0 || seq > s->sent) {
		stack_drop(st, p, drop);
		return;
	}
	uint64_t rtt = st->now_us - s->sent_us[seq % PING_RING];
	if (!s->quiet) {
		ping_stamp(st, s);
		sbuf_printf(&s->out, "%u bytes from %s: icmp_seq=%u ttl=%u ", p->len, ping_dst_text(st, s, a), seq, hops);
		ping_rtt_text(&s->out, rtt);
		sbuf_printf(&s->out, *state == 2 ? " (DUP!)\n" : "\n");
	}
	ping_reply_done(st, s, p, state, rtt);
}

void ping_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	struct ping_session *s = ping_by_ident(st, be16_get(p->data + 4));

	if (!s || s->dst.family != INET_V4 || rx->src != s->dst.u.v4) {
		stack_drop(st, p, C_IcmpInUnsolicited); /* R1.7: no client of ours asked */
		return;
	}
	ping_echo_reply(st, s, p, rx->ttl, C_IcmpInUnsolicited);
}

/* RFC 4884/5837 objects of the error, as newer traceroute prints them: " <INC:...;OUT:...>". */
static void ping_describe_ext(struct sbuf *out, const struct ip4_err *e)
{
	uint16_t off;
	uint8_t flags;
	size_t hlen = (size_t)(e->l4 - e->inner) + ICMP4_HDR_LEN;
	if (!e->msg || e->type == ICMP4_REDIRECT || !icmp4_ext_rfc4884(e->msg, e->msg_len, hlen, &off, &flags))
		return;
	struct sbuf t = { 0 };
	size_t at = ICMP4_HDR_LEN + hlen + off;
	icmp_ext_describe(&t, e->msg + at, e->msg_len - at);
	if (t.len)
		sbuf_printf(out, " <%s>", sbuf_str(&t));
	sbuf_free(&t);
}

void ping_err(struct stack *st, const struct ip4_err *e)
{
	if (e->l4[0] != ICMP4_ECHO)
		return;
	struct ping_session *s = ping_by_ident(st, be16_get(e->l4 + 4));
	if (!s || s->dst.family != INET_V4 || e->idst != s->dst.u.v4)
		return;
	uint16_t seq = be16_get(e->l4 + 6);
	char a[16];
	if (e->type != ICMP4_REDIRECT) /* a redirect is news, not a lost request */
		s->errors++;
	/* A local error (ARP gave up) is reported from our own address, as Linux does. */
	if (!s->quiet) {
		ping_stamp(st, s);
		sbuf_printf(&s->out, "From %s icmp_seq=%u ", ip4_ntoa(e->from ? e->from : e->isrc, a), seq);
		ping_describe(&s->out, e->type, e->code, e->info);
		ping_describe_ext(&s->out, e);
		sbuf_printf(&s->out, "\n");
	}
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
	ping_echo_reply(st, s, p, rx->hlim, C_Icmp6InUnsolicited);
}

/* V10.2: an ICMPv6 error quoting one of our echo requests, printed as iputils ping6 does
 * (ping6_receive_error_msg). A local one (1/3 after Neighbor Discovery failed) is reported from
 * our own address, as Linux loops the error back. */
void ping6_err(struct stack *st, const struct ip6_err *e)
{
	if (e->l4[0] != ICMP6_ECHO_REQUEST)
		return;
	struct ping_session *s = ping_by_ident(st, be16_get(e->l4 + 4));
	if (!s || s->dst.family != INET_V6 || memcmp(e->idst, s->dst.u.v6, 16) != 0)
		return; /* as Linux's ping_err without a socket: not counted */
	s->errors++;
	if (!s->quiet) {
		struct inet_addr from = { .family = INET_V6 };
		char a[PING_ADDR_STRLEN];
		memcpy(from.u.v6, e->local ? e->isrc : e->from, 16);
		ping_stamp(st, s);
		sbuf_printf(&s->out, "From %s icmp_seq=%u ", ping_addr_text(st, s, &from, a), be16_get(e->l4 + 6));
		ping_describe6(&s->out, e->type, e->code, e->info);
		sbuf_printf(&s->out, "\n");
	}
	ping_check_done(st, s);
}
