/* ctl/ping_cmd.c — `ping` and `probe`: their command lines parsed into a session configuration
 * for the engine (icmp/ping.c), and what the engine reports printed as iputils ping prints it,
 * line for line, so that what users know reads the same. Text in, text out, no I/O. */
#include "ctl/ping_cmd.h"

#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ext_text.h"
#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "icmp/ping.h"
#include "icmp/probe.h"
#include "stack/core.h"
#include "stack/wire.h"

/* ---- the words ---- */

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

/* A PROBE reply: its code, and for "No Error" the interface's (or neighbour's) state. */
static void probe_reply_text(struct sbuf *out, const struct ping_event *ev)
{
	static const char *const codes[5] = {
		"No Error", "Malformed Query", "No Such Interface", "No Such Table Entry", "Multiple Interfaces Satisfy Query",
	};
	static const char *const states[8] = {
		"Reserved", "Incomplete", "Reachable", "Stale", "Delay", "Probe", "Failed", "Reserved",
	};
	char a[INET_STRLEN];
	uint8_t f = ev->probe_status;
	sbuf_printf(out, "%u bytes from %s: icmp_seq=%u code=%u (%s)", ev->bytes, inet_ntop_buf(&ev->from, a), ev->seq,
		    ev->probe_code, ev->probe_code < 5 ? codes[ev->probe_code] : "Unknown");
	if (ev->probe_code == PROBE_NO_ERROR)
		sbuf_printf(out, " state=%u (%s) A=%u 4=%u 6=%u", f >> PROBE_STATE_SHIFT, states[f >> PROBE_STATE_SHIFT],
			    !!(f & PROBE_A), !!(f & PROBE_V4), !!(f & PROBE_V6));
	sbuf_printf(out, " ttl=%u time=%llu.%03llu ms%s\n", ev->hops, (unsigned long long)(ev->rtt_us / 1000),
		    (unsigned long long)(ev->rtt_us % 1000), ev->dup ? " (DUP!)" : "");
}

/* "From ADDR icmp_seq=N " and iputils' words for the error; for IPv4 its RFC 4884/5837 objects
 * as newer traceroute prints them: " <INC:...;OUT:...>". */
static void ping_error_text(const struct stack *st, struct ping_session *s, const struct ping_event *ev)
{
	char a[PING_ADDR_STRLEN];
	ping_stamp(st, s);
	sbuf_printf(&s->out, "From %s icmp_seq=%u ", ping_addr_text(st, s, &ev->from, a), ev->seq);
	if (ev->from.family == INET_V6) {
		ping_describe6(&s->out, ev->type, ev->code, ev->info);
	} else {
		ping_describe(&s->out, ev->type, ev->code, ev->info);
		if (ev->ext)
			ext_text(&s->out, ev->ext, ev->ext_len, SIZE_MAX);
	}
	sbuf_printf(&s->out, "\n");
}

/* The summary iputils prints at the end. */
static void ping_summary_text(const struct stack *st, struct ping_session *s)
{
	char a[PING_ADDR_STRLEN];
	sbuf_printf(&s->out, "\n--- %s %s statistics ---\n", ping_addr_text(st, s, &s->dst, a), s->probe_len ? "probe" : "ping");
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
}

/* The session's report function: every event as its line(s) in s->out. -q keeps the replies,
 * errors and send failures (not a missing buffer) quiet; PROBE has no -q. */
static void ping_text_report(struct stack *st, struct ping_session *s, const struct ping_event *ev)
{
	char a[PING_ADDR_STRLEN];
	const char *prog = s->probe_len ? "probe" : "ping";
	switch (ev->kind) {
	case PING_EV_REPLY:
		if (s->probe_len) {
			probe_reply_text(&s->out, ev);
		} else if (!s->quiet) {
			ping_stamp(st, s);
			sbuf_printf(&s->out, "%u bytes from %s: icmp_seq=%u ttl=%u ", ev->bytes, ping_addr_text(st, s, &ev->from, a),
				    ev->seq, ev->hops);
			ping_rtt_text(&s->out, ev->rtt_us);
			sbuf_printf(&s->out, ev->dup ? " (DUP!)\n" : "\n");
		}
		break;
	case PING_EV_ERROR:
		if (!s->quiet)
			ping_error_text(st, s, ev);
		break;
	case PING_EV_SEND_FAIL:
		if (s->probe_len)
			sbuf_printf(&s->out, "probe: sendmsg to %s: %s\n", inet_ntop_buf(&s->dst, a), strerror(ev->err));
		else if (s->quiet)
			break;
		else if (ev->err == EMSGSIZE)
			sbuf_printf(&s->out, s->dst.family == INET_V6 ? "ping: local error: message too long, mtu: %u\n"
								      : "ping: local error: message too long, mtu=%u\n", ev->mtu);
		else
			sbuf_printf(&s->out, "ping: sendmsg to %s: %s\n", ping_addr_text(st, s, &s->dst, a), strerror(ev->err));
		break;
	case PING_EV_NO_BUFFER:
		sbuf_printf(&s->out, "%s: sendmsg: No buffer space available\n", prog);
		break;
	case PING_EV_UNANSWERED: /* -O */
		if (s->outstanding) {
			ping_stamp(st, s);
			sbuf_printf(&s->out, "no answer yet for icmp_seq=%u\n", ev->seq);
		}
		break;
	case PING_EV_END:
		ping_summary_text(st, s);
		break;
	}
}

/* ---- the command lines ---- */

/* A target of `ping` or `probe` (prog names it in complaints): a dotted quad, or an IPv6 address
 * with an optional %IFNAME scope (fe80::1%tap0) into *dst and *oif (-1: none). 0, or 2 with one
 * line in out. */
static int ping_target_parse(const struct stack *st, const char *prog, const char *o, struct inet_addr *dst, int *oif,
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

/* A new session for cfg, reporting in text, once check (ping_dst_check's or ping_route_check's
 * answer: what connect() would say; target as given) allows it. NULL with the line in out when
 * it does not or when too many run (busy says so). */
static struct ping_session *ping_cmd_session(struct stack *st, const struct ping_cfg *cfg, int check, const char *prog,
					     const char *target, const char *busy, struct sbuf *out)
{
	if (check == PING_DST_LOCAL) {
		sbuf_printf(out, "%s: %s: only unicast addresses of other hosts can be pinged\n", prog, target);
		return NULL;
	}
	if (check) {
		sbuf_printf(out, "%s: connect: %s\n", prog, strerror(-check));
		return NULL;
	}
	struct ping_session *s = ping_session_new(st, cfg, ping_text_report);
	if (!s)
		sbuf_printf(out, "%s: %s (at most %u)\n", prog, busy, PING_MAX_SESSIONS);
	return s;
}

static const char ping_usage[] =
	"usage: ping [-46DnOq] [-c COUNT] [-s SIZE] [-t TTL] [-i SECONDS] [-M do|dont|want]\n"
	"            [-W TIMEOUT] [-w DEADLINE] ADDR\n";

/* Seconds, fractions allowed, from min to max (strtod's syntax) into *ms, rounded; false if not. */
static bool ping_seconds(const char *v, double min, double max, unsigned *ms)
{
	char *end;
	double sec = strtod(v, &end);
	if (*end || end == v || !(sec >= min && sec <= max))
		return false;
	*ms = (unsigned)(sec * 1000 + 0.5);
	return true;
}

/* One option's value (iputils' meanings and words). Returns 0, or 2 with the complaint in out. */
static int ping_opt_value(struct ping_cfg *cfg, char opt, const char *v, struct sbuf *out)
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
	case 'i':
		if (ping_seconds(v, 0.01, 3600, &cfg->interval_ms))
			return 0;
		sbuf_printf(out, "ping: -i: bad interval \"%s\" (0.01 to 3600 seconds)\n", v);
		return 2;
	case 'W': /* the wait for an answer when none ever came */
		if (ping_seconds(v, 0.001, 2147483.647, &cfg->linger_ms))
			return 0;
		sbuf_printf(out, "ping: bad linger time: %s\n", v);
		return 2;
	default:
		break;
	}
	long n = strtol(v, &end, 10);
	if (opt == 'w') { /* whole seconds, 0 = none (iputils strtol_or_err) */
		if (*end || !*v || n < 0 || n > 2147483647L) {
			sbuf_printf(out, "ping: invalid argument: '%s'\n", v);
			return 2;
		}
		cfg->deadline_ms = (uint64_t)n * 1000;
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

int ping_cmd_start(struct stack *st, int argc, char **argv, struct sbuf *out, unsigned *handle)
{
	struct ping_cfg cfg = { .count = 4, .size = 56, .ttl = (unsigned)st->knobs.ip_default_ttl, .interval_ms = 1000,
				.df = IP4_DF_WANT, .linger_ms = PING_LINGER_NOREPLY_MS, .oif = -1 };
	bool have_dst = false, quiet = false, stamps = false, outstanding = false;
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
			int rc = ping_target_parse(st, "ping", o, &cfg.dst, &cfg.oif, out);
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
				quiet |= *c == 'q';
				stamps |= *c == 'D';
				outstanding |= *c == 'O';
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
	struct ping_session *s = ping_cmd_session(st, &cfg, ping_dst_check(st, &cfg.dst, cfg.oif), "ping", target,
						  "too many pings running", out);
	if (!s)
		return 1;
	s->quiet = quiet;
	s->stamps = stamps;
	s->outstanding = outstanding;
	char a[PING_ADDR_STRLEN];
	ping_addr_text(st, s, &s->dst, a);
	if (s->dst.family == INET_V6) /* iputils' ping6_print_data_bytes */
		sbuf_printf(out, "PING %s (%s) %u data bytes\n", target, a, cfg.size);
	else
		sbuf_printf(out, "PING %s (%s) %u(%u) bytes of data.\n", a, a, cfg.size, cfg.size + 28);
	*handle = s->handle;
	ping_poll(st);
	return STACK_CTL_PENDING;
}

int probe_cmd_start(struct stack *st, int argc, char **argv, struct sbuf *out, unsigned *handle)
{
	static const char usage[] = "usage: probe {-I NAME | -i INDEX | -a ADDR} [-L] [-c COUNT] TARGET\n";
	struct ping_cfg cfg = { .count = 1, .ttl = (unsigned)st->knobs.ip_default_ttl, .interval_ms = 1000,
				.df = IP4_DF_WANT, .linger_ms = PING_LINGER_NOREPLY_MS, /* as ping without -W */ .oif = -1 };
	struct probe_query *q = &cfg.probe;
	const char *target = "";
	bool have_dst = false;
	char *end;

	for (int i = 1; i < argc; i++) {
		const char *o = argv[i];
		if (o[0] != '-') {
			if (have_dst) {
				sbuf_printf(out, "probe: bad address \"%s\" (one target only)\n", o);
				return 2;
			}
			int rc = ping_target_parse(st, "probe", o, &cfg.dst, &cfg.oif, out); /* fe80::1%tap0 too */
			if (rc)
				return rc;
			have_dst = true;
			target = o;
			continue;
		}
		if (strcmp(o, "-L") == 0) {      /* L=1: the probed interface is on the target itself */
			q->local = true;
			continue;
		}
		if (o[2] || i + 1 >= argc || !strchr("Iiac", o[1]) || (q->by && o[1] != 'c')) {
			sbuf_printf(out, "%s", usage);
			return 2;
		}
		const char *v = argv[++i];
		long n = strtol(v, &end, 0);
		switch (o[1]) {
		case 'I': {
			size_t nl = strlen(v), pad = (4 - nl % 4) % 4;
			if (nl == 0 || nl + pad > PROBE_NAME_OBJ_MAX) {
				sbuf_printf(out, "probe: -I: name \"%s\" too long\n", v);
				return 2;
			}
			memcpy(q->name, v, nl + 1);
			q->by = PROBE_BY_NAME;
			break;
		}
		case 'i':
			if (*end || !*v || n < 0 || n > 0x7fffffffL) {
				sbuf_printf(out, "probe: -i: bad index \"%s\"\n", v);
				return 2;
			}
			q->index = (uint32_t)n;
			q->by = PROBE_BY_INDEX;
			break;
		case 'a':
			if (inet_parse(v, &q->addr) != 0) {
				sbuf_printf(out, "probe: -a: bad address \"%s\" (want A.B.C.D or an IPv6 address)\n", v);
				return 2;
			}
			q->by = PROBE_BY_ADDR;
			break;
		default:
			if (*end || n < 1 || n > 255) {
				sbuf_printf(out, "probe: -c: bad count \"%s\" (1 to 255)\n", v);
				return 2;
			}
			cfg.count = (unsigned)n;
		}
	}
	if (!have_dst || !q->by) {
		sbuf_printf(out, "%s", usage);
		return 2;
	}
	struct ping_session *s = ping_cmd_session(st, &cfg, ping_route_check(st, &cfg.dst, cfg.oif), "probe", target,
						  "too many sessions running", out);
	if (!s)
		return 1;
	char t[INET_STRLEN];
	inet_ntop_buf(&cfg.dst, t);
	sbuf_printf(out, "PROBE %s (%s): %s ", t, t, q->local ? "L=1 interface" : "L=0 neighbour");
	if (q->by == PROBE_BY_NAME)
		sbuf_printf(out, "name %s\n", q->name);
	else if (q->by == PROBE_BY_INDEX)
		sbuf_printf(out, "index %u\n", q->index);
	else
		sbuf_printf(out, "address %s\n", inet_ntop_buf(&q->addr, t));
	*handle = s->handle;
	ping_poll(st);
	return STACK_CTL_PENDING;
}

/* ---- the sessions' text, as stack_ctl_poll takes it ---- */

int ping_cmd_collect(struct stack *st, unsigned handle, struct sbuf *out)
{
	struct ping_session *s = ping_session_get(st, handle);
	if (!s) {
		sbuf_printf(out, "no such session\n");
		return 1;
	}
	if (s->out.len)
		sbuf_printf(out, "%s", sbuf_str(&s->out));
	sbuf_free(&s->out);
	if (!s->done)
		return STACK_CTL_PENDING;
	int status = s->status;
	ping_session_free(st, s);
	return status;
}

void ping_cmd_cancel(struct stack *st, unsigned handle)
{
	struct ping_session *s = ping_session_get(st, handle);
	if (s)
		ping_session_free(st, s);
}
