/* ctl/ctl.c — the control-command interpreter: text in, text out, no I/O. The daemon's control
 * socket, tapstackctl and the tests all come through here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl/ext_text.h"
#include "ctl/ping_cmd.h"
#include "ctl/route_cmd.h"
#include "eth/ndisc_router.h"
#include "eth/neigh.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "ip/route.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/udp.h"
#include "stack/wire.h"

#define CTL_MAX_ARGS 16
/* An error line says at most this much of the extension's objects (the 119 characters the error
 * queue's entry used to keep of them). */
#define UDP_ERR_EXT_TEXT_MAX 119

/* The classic Icmp columns of /proc/net/snmp are views of the per-type arrays (R1.4). */
static const struct { const char *name; uint8_t type; } icmp_classic[] = {
	{ "DestUnreachs", 3 }, { "TimeExcds", 11 }, { "ParmProbs", 12 }, { "SrcQuenchs", 4 },
	{ "Redirects", 5 }, { "Echos", 8 }, { "EchoReps", 0 }, { "Timestamps", 13 },
	{ "TimestampReps", 14 }, { "AddrMasks", 17 }, { "AddrMaskReps", 18 },
};

/* The named Icmp6 columns of /proc/net/snmp6, views of the per-type arrays as Linux's
 * icmp6type2name[] makes them (nstat prints them unchanged; Icmp6InEchos = Icmp6InType128),
 * in type order. */
static const struct { const char *name; uint8_t type; } icmp6_named[] = {
	{ "DestUnreachs", 1 }, { "PktTooBigs", 2 }, { "TimeExcds", 3 }, { "ParmProblems", 4 },
	{ "Echos", 128 }, { "EchoReplies", 129 }, { "GroupMembQueries", 130 },
	{ "GroupMembResponses", 131 }, { "GroupMembReductions", 132 }, { "RouterSolicits", 133 },
	{ "RouterAdvertisements", 134 }, { "NeighborSolicits", 135 }, { "NeighborAdvertisements", 136 },
	{ "Redirects", 137 }, { "MLDv2Reports", 143 },
};

/* The per-type counters printed only when not zero, yet existing at zero for stack_counter_get. */
static const char *const per_type_prefix[] = { "IcmpMsgInType", "IcmpMsgOutType", "Icmp6InType", "Icmp6OutType" };

typedef void (*counter_fn)(const char *name, uint64_t value, void *arg);

/* Every counter that `stats` prints, in order: the named ones, the classic ICMP columns, then the
 * per-type ICMP counters that are not zero (as /proc/net/snmp shows them). */
static void stack_counters_foreach(const struct stack *st, counter_fn fn, void *arg)
{
	char name[48];

	for (unsigned i = 0; i < C__COUNT; i++)
		fn(counter_names[i], st->ctr[i], arg);
	for (int dir = 0; dir < 2; dir++)
		for (size_t i = 0; i < sizeof(icmp_classic) / sizeof(icmp_classic[0]); i++) {
			snprintf(name, sizeof(name), "Icmp%s%s", dir ? "Out" : "In", icmp_classic[i].name);
			fn(name, (dir ? st->icmp_out_type : st->icmp_in_type)[icmp_classic[i].type], arg);
		}
	for (int dir = 0; dir < 2; dir++)
		for (unsigned t = 0; t < 256; t++) {
			uint64_t v = (dir ? st->icmp_out_type : st->icmp_in_type)[t];
			if (!v)
				continue;
			snprintf(name, sizeof(name), "IcmpMsg%sType%u", dir ? "Out" : "In", t);
			fn(name, v, arg);
		}
	/* ICMPv6 as /proc/net/snmp6 has it: every named column, then the non-zero types. */
	for (int dir = 0; dir < 2; dir++)
		for (size_t i = 0; i < sizeof(icmp6_named) / sizeof(icmp6_named[0]); i++) {
			snprintf(name, sizeof(name), "Icmp6%s%s", dir ? "Out" : "In", icmp6_named[i].name);
			fn(name, (dir ? st->icmp6_out_type : st->icmp6_in_type)[icmp6_named[i].type], arg);
		}
	for (int dir = 0; dir < 2; dir++)
		for (unsigned t = 0; t < 256; t++) {
			uint64_t v = (dir ? st->icmp6_out_type : st->icmp6_in_type)[t];
			if (!v)
				continue;
			snprintf(name, sizeof(name), "Icmp6%sType%u", dir ? "Out" : "In", t);
			fn(name, v, arg);
		}
}

struct counter_query { const char *name; uint64_t *value; int found; };

static void counter_match(const char *name, uint64_t value, void *arg)
{
	struct counter_query *q = arg;
	if (!q->found && strcmp(name, q->name) == 0) {
		*q->value = value;
		q->found = 1;
	}
}

int stack_counter_get(const struct stack *st, const char *name, uint64_t *value)
{
	struct counter_query q = { name, value, 0 };
	*value = 0;
	stack_counters_foreach(st, counter_match, &q);
	/* A per-type counter that is zero is not listed but exists. */
	for (size_t i = 0; !q.found && i < sizeof(per_type_prefix) / sizeof(per_type_prefix[0]); i++) {
		size_t n = strlen(per_type_prefix[i]);
		if (strncmp(name, per_type_prefix[i], n) != 0)
			continue;
		const char *num = name + n;
		char *end;
		long t = strtol(num, &end, 10);
		if (*num >= '0' && *num <= '9' && !*end && t < 256)
			return 0;
	}
	return q.found ? 0 : -ENOENT;
}

struct stats_out { struct sbuf *out; int json; int first; };

static void stats_line(const char *name, uint64_t value, void *arg)
{
	struct stats_out *o = arg;
	if (o->json)
		sbuf_printf(o->out, "%s\"%s\": %llu", o->first ? "" : ", ", name, (unsigned long long)value);
	else
		sbuf_printf(o->out, "%-28s %llu\n", name, (unsigned long long)value);
	o->first = 0;
}

static int ctl_stats(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	struct stats_out o = { out, 0, 1 };
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		sbuf_printf(out, "usage: stats [--json]\n");
		return 2;
	}
	o.json = argc == 2;
	if (o.json)
		sbuf_printf(out, "{");
	stack_counters_foreach(st, stats_line, &o);
	if (o.json)
		sbuf_printf(out, "}\n");
	return 0;
}

/* `drops`: what became of every frame read, then each drop reason and each error not sent, nstat
 * style (only what is not zero). The identity frames = answered + forwarded + delivered + held +
 * dropped holds by construction (stack_rx_outcome); "unaccounted" would name a bug. */
static int ctl_drops(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	static const enum counter fates[] = { C_RxAnswered, C_RxForwarded, C_RxDelivered, C_RxHeld,
					      C_RxDropped, C_RxUnaccounted };
	static const enum counter not_sent[] = {
		C_IcmpErrNotSentBadHeader, C_IcmpErrNotSentL2Bcast, C_IcmpErrNotSentBcastDst,
		C_IcmpErrNotSentFragment, C_IcmpErrNotSentAboutError, C_IcmpErrNotSentInvalidSrc,
		C_IcmpErrNotSentNoRoute, C_IcmpErrNotSentOptions, C_IcmpErrNotSentNoRoom,
		C_IcmpOutRateLimitGlobal, C_IcmpOutRateLimitHost, C_IcmpOutRateLimitRoute,
		C_Icmp6ErrNotSentBadHeader, C_Icmp6ErrNotSentMcast, C_Icmp6ErrNotSentInvalidSrc,
		C_Icmp6ErrNotSentAboutError, C_Icmp6ErrNotSentAnycast, C_Icmp6ErrNotSentNoRoute,
		C_Icmp6OutRateLimitHost,
	};
	bool json = argc == 2 && strcmp(argv[1], "--json") == 0;
	int first = 1;

	if (argc > 2 || (argc == 2 && !json)) {
		sbuf_printf(out, "usage: drops [--json]\n");
		return 2;
	}
	if (json) {
		sbuf_printf(out, "{\"frames\": %llu", (unsigned long long)st->ctr[C_EthInFrames]);
		for (size_t i = 0; i < sizeof(fates) / sizeof(fates[0]); i++)
			sbuf_printf(out, ", \"%s\": %llu", counter_names[fates[i]], (unsigned long long)st->ctr[fates[i]]);
		sbuf_printf(out, ", \"dropped_by_reason\": {");
		for (unsigned r = 0; r < C__COUNT; r++)
			if (st->rx_drop[r]) {
				sbuf_printf(out, "%s\"%s\": %llu", first ? "" : ", ", counter_names[r],
					    (unsigned long long)st->rx_drop[r]);
				first = 0;
			}
		sbuf_printf(out, "}, \"errors_not_sent\": {");
		first = 1;
		for (size_t i = 0; i < sizeof(not_sent) / sizeof(not_sent[0]); i++)
			if (st->ctr[not_sent[i]]) {
				sbuf_printf(out, "%s\"%s\": %llu", first ? "" : ", ", counter_names[not_sent[i]],
					    (unsigned long long)st->ctr[not_sent[i]]);
				first = 0;
			}
		sbuf_printf(out, "}}\n");
		return 0;
	}
	sbuf_printf(out, "%-28s %llu\n", "EthInFrames", (unsigned long long)st->ctr[C_EthInFrames]);
	for (size_t i = 0; i < sizeof(fates) / sizeof(fates[0]); i++)
		if (st->ctr[fates[i]] || fates[i] != C_RxUnaccounted)
			sbuf_printf(out, "%-28s %llu\n", counter_names[fates[i]], (unsigned long long)st->ctr[fates[i]]);
	sbuf_printf(out, "dropped, by reason:\n");
	for (unsigned r = 0; r < C__COUNT; r++)
		if (st->rx_drop[r])
			sbuf_printf(out, "  %-26s %llu\n", counter_names[r], (unsigned long long)st->rx_drop[r]);
	sbuf_printf(out, "errors not sent, by reason:\n");
	for (size_t i = 0; i < sizeof(not_sent) / sizeof(not_sent[0]); i++)
		if (st->ctr[not_sent[i]])
			sbuf_printf(out, "  %-26s %llu\n", counter_names[not_sent[i]],
				    (unsigned long long)st->ctr[not_sent[i]]);
	return 0;
}

struct neigh_print { const struct stack *st; struct sbuf *out; };

/* One line per entry, as `ip neigh` prints it (IPv6 neighbours that said they are routers with
 * " router" before the state); INCOMPLETE says how far resolution got. */
static void neigh_line(const struct neigh_entry *e, void *arg)
{
	const struct neigh_print *np = arg;
	const struct stack *st = np->st;
	char ip[48], mac[18];

	if (e->family == NEIGH_INET)
		ip4_ntoa(be32_get(e->addr), ip);
	else if (e->family == NEIGH_INET6)
		ip6_ntoa(e->addr, ip);
	else
		return;
	sbuf_printf(np->out, "%s dev %s", ip, st->ifs[e->ifindex].name);
	if (e->state == NEIGH_INCOMPLETE)
		sbuf_printf(np->out, " INCOMPLETE tries %u queued %u\n", e->probes, e->q.len);
	else
		sbuf_printf(np->out, " lladdr %s%s %s expires %llums\n", mac_ntoa(e->mac, mac),
			    e->family == NEIGH_INET6 && (e->flags & NEIGH_F_ROUTER) ? " router" : "",
			    neigh_state_name((enum neigh_state)e->state),
			    (unsigned long long)(e->lapses > st->now ? e->lapses - st->now : 0));
}

static int ctl_neigh(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	struct neigh_print np = { st, out };
	(void)argv;
	if (argc != 1) {
		sbuf_printf(out, "usage: neigh\n");
		return 2;
	}
	neigh_foreach(st, neigh_line, &np);
	return 0;
}

/* "forever", or the seconds left until `until` ("86400sec"). */
static const char *lifetime_text(const struct stack *st, uint64_t until, char *buf, size_t len)
{
	if (until == UINT64_MAX)
		snprintf(buf, len, "forever");
	else
		snprintf(buf, len, "%llusec", (unsigned long long)(until > st->now ? (until - st->now) / 1000 : 0));
	return buf;
}

/* "    inet6 2001:db8:1::2/64 scope global tentative", as `ip addr` prints it; an address from
 * SLAAC is "dynamic" ("deprecated" past its preferred lifetime), with its lifetimes on a second
 * line; an anycast one says so. */
static void addr6_line(const struct stack *st, const struct ifaddr6 *a, void *arg)
{
	struct sbuf *out = arg;
	char ip[48];

	sbuf_printf(out, "    inet6 %s/%u scope %s%s%s%s%s%s\n", ip6_ntoa(a->addr, ip), a->plen,
		    a->flags & IFA6_F_LINKLOCAL ? "link" : "global", a->flags & IFA6_F_ANYCAST ? " anycast" : "",
		    a->flags & IFA6_F_SLAAC ? " dynamic" : "",
		    a->pref_until != UINT64_MAX && st->now >= a->pref_until ? " deprecated" : "",
		    a->state == IFA6_TENTATIVE ? " tentative" : "", a->state == IFA6_DADFAILED ? " dadfailed" : "");
	if (a->flags & IFA6_F_SLAAC) {
		char v[24], p[24];
		sbuf_printf(out, "       valid_lft %s preferred_lft %s\n", lifetime_text(st, a->valid_until, v, sizeof(v)),
			    lifetime_text(st, a->pref_until, p, sizeof(p)));
	}
}

static int ctl_addr(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	(void)argv;
	if (argc != 1) {
		sbuf_printf(out, "usage: addr\n");
		return 2;
	}
	for (unsigned i = 0; i < st->nifs; i++) {
		const struct iface *ifp = &st->ifs[i];
		char mac[18], ip[16], bc[16];
		sbuf_printf(out, "%u: %s <%s> mtu %u lladdr %s\n", i, ifp->name, ifp->up ? "UP" : "DOWN", ifp->mtu,
			    mac_ntoa(ifp->mac, mac));
		for (unsigned j = 0; j < ifp->naddr; j++)
			sbuf_printf(out, "    inet %s/%u brd %s\n", ip4_ntoa(ifp->addr[j].addr, ip), ifp->addr[j].plen,
				    ip4_ntoa(ifp->addr[j].bcast, bc));
		if (ip6_enabled(st, i)) /* not disable_ipv6, nor a link under 1280 bytes */
			ip6_addr_foreach(st, i, addr6_line, out);
	}
	return 0;
}

static int ctl_sysctl(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	char val[1024];
	if (argc == 1) {
		for (unsigned i = 0; i < knob_count; i++)
			sbuf_printf(out, "%s = %s\n", knob_table[i].name,
				    knob_format(&st->knobs, &knob_table[i], val, sizeof(val)));
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq)
			*eq = '\0';
		const struct knob_desc *d = knob_find(argv[i]);
		if (!d) {
			sbuf_printf(out, "sysctl: unknown knob \"%s\"\n", argv[i]);
			return 2;
		}
		if (eq) {
			int rc = knob_parse_set(&st->knobs, d, eq + 1);
			char *end;
			if (rc == -EINVAL && knob_is_bitmask(d) && eq[1] && (strtol(eq + 1, &end, 0), !*end)) {
				sbuf_printf(out, "sysctl: %s: \"%s\": only bits 0x%lx may be set\n", d->name, eq + 1, d->max);
				return 2;
			}
			if (rc == -EINVAL) {
				sbuf_printf(out, "sysctl: %s: \"%s\" is not %s\n", d->name, eq + 1,
					    d->kind == KNOB_BITMAP256 ? "a list of types (e.g. 0-1,3-127)" : "a number");
				return 2;
			}
			if (rc == -ERANGE) {
				sbuf_printf(out, "sysctl: %s: %s is out of range %ld..%ld\n", d->name, eq + 1, d->min, d->max);
				return 2;
			}
		}
		sbuf_printf(out, "%s = %s\n", d->name, knob_format(&st->knobs, d, val, sizeof(val)));
	}
	return 0;
}

/* "A.B.C.D:PORT" or "[IPv6]:PORT" with a port of 1..65535, the IPv6 address optionally scoped by
 * an interface name ("[fe80::1%tap0]:9", RFC 6874's zone; *oif gets its index, else -1, and NULL
 * refuses a zone); 0 or -1. */
static int parse_addr_port(const struct stack *st, const char *s, struct inet_addr *addr, uint16_t *port, int *oif)
{
	char buf[INET_STRLEN + 2];
	const char *colon = strrchr(s, ':'), *start = s, *stop = colon;
	if (!colon)
		return -1;
	if (oif)
		*oif = -1;
	if (s[0] == '[') { /* the IPv6 form (RFC 3986 3.2.2) */
		stop = strchr(s, ']');
		if (!stop || stop + 1 != colon)
			return -1;
		start = s + 1;
		const char *pct = memchr(start, '%', (size_t)(stop - start));
		if (pct) {
			if (!oif)
				return -1;
			for (unsigned i = 0; i < st->nifs && *oif < 0; i++)
				if (strlen(st->ifs[i].name) == (size_t)(stop - pct - 1) &&
				    strncmp(st->ifs[i].name, pct + 1, (size_t)(stop - pct - 1)) == 0)
					*oif = (int)i;
			if (*oif < 0)
				return -1;
			stop = pct;
		}
	}
	if (stop <= start || (size_t)(stop - start) >= sizeof(buf))
		return -1;
	memcpy(buf, start, (size_t)(stop - start));
	buf[stop - start] = '\0';
	char *end;
	long v = strtol(colon + 1, &end, 10);
	if (inet_parse(buf, addr) != 0 || (s[0] == '[') != (addr->family == INET_V6) || !colon[1] || *end || v < 1 ||
	    v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v = strtol(s, &end, 10);
	if (!*s || *end || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "ECONNREFUSED (3/3) from 192.0.2.1 about 192.0.2.1:9" */
static void udp_err_text(struct sbuf *out, const struct udp_err_entry *e)
{
	char a[INET_STRLEN];
	sbuf_printf(out, "%s (%u/%u)", strerrorname_np(e->err) ? strerrorname_np(e->err) : "?", e->type, e->code);
	if (e->local)
		sbuf_printf(out, " local");
	else
		sbuf_printf(out, " from %s", inet_ntop_buf(&e->from, a));
	bool v6 = e->origin == UDP_EE_ICMP6;
	if (v6 ? e->type == 2 : e->type == 3 && e->code == 4)
		sbuf_printf(out, " mtu %u", e->info);
	else if (v6 ? e->type == 4 : e->type == 12)
		sbuf_printf(out, " pointer %u", e->info);
	if (e->ext) { /* ICMP-EXT-SPEC X4.2: what IP_RECVERR_RFC4884 would report, and the objects */
		sbuf_printf(out, " rfc4884 off %u%s", e->ext_off, e->ext_flags & 1 ? " INVALID" : "");
		ext_text(out, e->ext_data, e->ext_len, UDP_ERR_EXT_TEXT_MAX);
	}
}

static const char *const udp_usage =
	"usage: udp bind [--rfc4884] [ADDR:]PORT | udp send [--from PORT | --keep] [--ttl N] [--df] [--connect] ADDR:PORT TEXT...\n"
	"       | udp recv PORT | udp close PORT\n";

static int ctl_udp(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	char a[UDP_EP_STRLEN], b[UDP_EP_STRLEN];
	uint16_t port;
	struct inet_addr addr = inet_v4(0);
	int err = 0;

	bool rfc4884 = argc == 4 && strcmp(argv[1], "bind") == 0 && strcmp(argv[2], "--rfc4884") == 0;
	if (rfc4884) {                  /* ICMP-EXT-SPEC X4.2: IP_RECVERR_RFC4884 on this stub */
		argv[2] = argv[3];
		argc = 3;
	}
	if (argc >= 3 && strcmp(argv[1], "bind") == 0 && argc == 3) {
		if (parse_port(argv[2], &port) != 0 && parse_addr_port(st, argv[2], &addr, &port, NULL) != 0) {
			sbuf_printf(out, "udp bind: bad port \"%s\"\n", argv[2]);
			return 2;
		}
		struct udp_sock *s = udp_bind(st, &addr, port, UDP_SVC_NONE, &err);
		if (!s) {
			sbuf_printf(out, "udp bind: %s: %s\n", udp_endpoint_text(&addr, port, a),
				    err == -EADDRINUSE ? "port in use" : err == -EADDRNOTAVAIL ? "not our address" :
				    "no free socket");
			return 1;
		}
		s->rfc4884 = rfc4884;
		sbuf_printf(out, "bound udp %s%s\n", udp_endpoint_text(&s->laddr, s->lport, a), rfc4884 ? " rfc4884" : "");
		return 0;
	}
	if (argc >= 4 && strcmp(argv[1], "send") == 0) {
		int i = 2;
		struct udp_sock *s = NULL;
		struct udp_send_opts o = { 0 };
		bool connect = false, keep = false;
		uint16_t from = 0;
		for (; i < argc && argv[i][0] == '-'; i++) {
			if (strcmp(argv[i], "--df") == 0) {
				o.df = IP4_DF_DO;
			} else if (strcmp(argv[i], "--connect") == 0) {
				connect = true;
			} else if (strcmp(argv[i], "--keep") == 0) {
				keep = true;
			} else if (strcmp(argv[i], "--from") == 0 && i + 1 < argc && parse_port(argv[i + 1], &from) == 0) {
				i++;
			} else if (strcmp(argv[i], "--ttl") == 0 && i + 1 < argc && parse_port(argv[i + 1], &port) == 0 &&
				   port <= 255) {
				o.ttl = (uint8_t)port;
				i++;
			} else {
				sbuf_printf(out, "udp send: bad option \"%s\"\n%s", argv[i], udp_usage);
				return 2;
			}
		}
		uint16_t dport;
		int oif;
		if (i >= argc || parse_addr_port(st, argv[i], &addr, &dport, &oif) != 0) {
			sbuf_printf(out, "udp send: bad destination \"%s\" (want ADDR:PORT)\n", i < argc ? argv[i] : "");
			return 2;
		}
		if (i + 1 >= argc) {
			sbuf_printf(out, "%s", udp_usage);
			return 2;
		}
		/* The socket is of the destination's family (a wildcard of it). */
		const struct inet_addr any = { .family = addr.family };
		if (from) {
			s = udp_find_bound(st, from, addr.family);
			if (!s && !(s = udp_bind(st, &any, from, UDP_SVC_NONE, &err))) {
				sbuf_printf(out, "udp send: cannot bind port %u\n", from);
				return 1;
			}
		} else {
			/* An ephemeral port lives for this send only, unless --keep asks for its errors
			 * and replies: then it closes after UDP_KEEP_IDLE_MS unused. */
			s = udp_bind(st, &any, 0, UDP_SVC_NONE, &err);
			if (!s) {
				sbuf_printf(out, "udp send: no free socket\n");
				return 1;
			}
			s->ephemeral = true;
		}
		bool close_after = !from && !keep;
		if (connect)
			udp_connect(s, &addr, dport);
		/* The text is the rest of the line, words joined by single spaces. */
		char text[2048];
		size_t n = 0;
		for (int j = i + 1; j < argc; j++) {
			size_t l = strlen(argv[j]);
			if (n + l + 1 > sizeof(text))
				break;
			if (j > i + 1)
				text[n++] = ' ';
			memcpy(text + n, argv[j], l);
			n += l;
		}
		o.scope_id = (uint16_t)(oif + 1);
		int rc = udp_sendto(st, s, &addr, dport, text, n, &o);
		struct inet_addr laddr = s->laddr;
		uint16_t lport = s->lport;
		if (close_after)
			udp_close(st, s);
		if (rc != 0) {
			sbuf_printf(out, "udp send: %s\n", strerror(-rc));
			return 1;
		}
		sbuf_printf(out, "sent %zu bytes from udp %s to %s\n", n, udp_endpoint_text(&laddr, lport, a),
			    udp_endpoint_text(&addr, dport, b));
		return 0;
	}
	if (argc == 3 && (strcmp(argv[1], "recv") == 0 || strcmp(argv[1], "close") == 0)) {
		struct udp_sock *s;
		if (parse_port(argv[2], &port) != 0 || !(s = udp_find_bound(st, port, 0))) {
			sbuf_printf(out, "udp %s: no socket on port %s\n", argv[1], argv[2]);
			return 1;
		}
		if (argv[1][0] == 'c') {
			udp_close(st, s);
			return 0;
		}
		struct pkb *p;
		while ((p = udp_recv(st, s))) {
			struct udp_dgram d;
			udp_dgram_info(p, &d);
			sbuf_printf(out, "from %s %zu bytes: ", udp_endpoint_text(&d.src, d.sport, a), d.len);
			for (size_t k = 0; k < d.len; k++) {
				uint8_t c = d.data[k];
				if (c >= 0x20 && c < 0x7f && c != '\\')
					sbuf_printf(out, "%c", c);
				else
					sbuf_printf(out, "\\x%02x", c);
			}
			sbuf_printf(out, "\n");
			pkb_free(&st->pool, p);
		}
		struct udp_err_entry e;
		while (udp_err_pop(s, &e)) {
			sbuf_printf(out, "error ");
			udp_err_text(out, &e);
			sbuf_printf(out, "\n");
		}
		return 0;
	}
	sbuf_printf(out, "%s", udp_usage);
	return 2;
}

/* One socket's line, then its error queue, oldest first, one line each (IP_RECVERR's view). */
static void socket_lines(const struct udp_sock *s, void *arg)
{
	struct sbuf *out = arg;
	char a[UDP_EP_STRLEN], b[UDP_EP_STRLEN];

	sbuf_printf(out, "udp %s", udp_endpoint_text(&s->laddr, s->lport, a));
	if (!inet_is_any(&s->raddr))
		sbuf_printf(out, " -> %s", udp_endpoint_text(&s->raddr, s->rport, b));
	if (s->service)
		sbuf_printf(out, " service %s", s->service == UDP_SVC_ECHO ? "echo" : "discard");
	sbuf_printf(out, " rx %llu tx %llu queued %u dropped %llu", (unsigned long long)s->rx,
		    (unsigned long long)s->tx, s->rxq.len, (unsigned long long)s->rx_dropped);
	if (s->pending)
		sbuf_printf(out, " pending %s", strerrorname_np(s->pending));
	if (s->rfc4884)
		sbuf_printf(out, " rfc4884");
	sbuf_printf(out, "\n");
	for (unsigned k = 0; k < s->errq_len; k++) {
		const struct udp_err_entry *e = &s->errq[(s->errq_head + k) % UDP_ERRQ_MAX];
		sbuf_printf(out, "udp %s -> %s  ", udp_endpoint_text(&e->qsrc, s->lport, a),
			    udp_endpoint_text(&e->qdst, e->qdport, b));
		udp_err_text(out, e);
		sbuf_printf(out, "\n");
	}
}

static int ctl_sockets(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	(void)argv;
	if (argc != 1) {
		sbuf_printf(out, "usage: sockets\n");
		return 2;
	}
	udp_foreach(st, socket_lines, out);
	return 0;
}

/* `ra`: which interfaces advertise (ICMP6-SPEC V6.16); `ra IFACE on|off` turns it on or off
 * (off sends one final RA with lifetime 0). */
static int ctl_ra(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	if (argc == 1) {
		for (unsigned i = 0; i < st->nifs; i++)
			sbuf_printf(out, "%s ra %s%s\n", st->ifs[i].name, ndisc_ra_enabled(st, i) ? "on" : "off",
				    ndisc_ra_enabled(st, i) && !st->knobs.ip6_forwarding ?
					    " (silent: net.ipv6.conf.all.forwarding is 0)" : "");
		return 0;
	}
	if (argc > 3 || (argc == 3 && strcmp(argv[2], "on") != 0 && strcmp(argv[2], "off") != 0)) {
		sbuf_printf(out, "usage: ra [IFACE [on|off]]\n");
		return 2;
	}
	unsigned ifx = st->nifs;
	for (unsigned i = 0; i < st->nifs; i++)
		if (strcmp(st->ifs[i].name, argv[1]) == 0)
			ifx = i;
	if (ifx == st->nifs) {
		sbuf_printf(out, "ra: no interface \"%s\"\n", argv[1]);
		return 1;
	}
	if (argc == 3)
		stack_iface_set_ra(st, ifx, strcmp(argv[2], "on") == 0);
	sbuf_printf(out, "%s ra %s\n", st->ifs[ifx].name, ndisc_ra_enabled(st, ifx) ? "on" : "off");
	return 0;
}

static const struct ctl_cmd {
	const char *name;
	int (*fn)(struct stack *st, int argc, char **argv, struct sbuf *out);
	const char *help;
} ctl_cmds[] = {
	{ "stats", ctl_stats, "stats [--json]          every counter, nstat-style NAME VALUE lines" },
	{ "drops", ctl_drops, "drops [--json]          what became of every frame read: drop reasons, errors not sent" },
	{ "neigh", ctl_neigh, "neigh                   the neighbour cache (ARP and IPv6 Neighbor Discovery)" },
	{ "addr", ctl_addr, "addr                    interfaces and their addresses" },
	{ "sysctl", ctl_sysctl, "sysctl [KEY[=VALUE]...] show or set knobs" },
	{ "route", route_cmd, "route [add SPEC | del PREFIX/LEN | cache]  the routing table, PMTU and redirect exceptions" },
	{ "udp", ctl_udp, "udp bind [--rfc4884] [ADDR:]PORT | send [--from PORT | --keep] [--ttl N] [--df] [--connect] ADDR:PORT TEXT | recv PORT | close PORT" },
	{ "sockets", ctl_sockets, "sockets                 UDP stub sockets" },
	{ "ra", ctl_ra, "ra [IFACE [on|off]]     Router Advertisements per interface (while IPv6 forwarding is on)" },
};

int stack_ctl(struct stack *st, const char *line, struct sbuf *out, uint64_t now_ms)
{
	return stack_ctl_start(st, line, out, now_ms, NULL);
}

int stack_ctl_poll(struct stack *st, unsigned session, struct sbuf *out)
{
	return ping_cmd_collect(st, session, out);
}

void stack_ctl_cancel(struct stack *st, unsigned session)
{
	ping_cmd_cancel(st, session);
}

int stack_ctl_start(struct stack *st, const char *line, struct sbuf *out, uint64_t now_ms, unsigned *session)
{
	char buf[STACK_CTL_LINE_MAX + 1], *argv[CTL_MAX_ARGS], *save = NULL;
	int argc = 0;

	stack_set_now(st, now_ms);
	if (strlen(line) >= sizeof(buf)) {
		sbuf_printf(out, "command too long (at most %d bytes)\n", STACK_CTL_LINE_MAX);
		return 2;
	}
	/* No command takes a control byte, and echoing one back (in "bad port \"...\"" and the
	 * like) would write terminal escapes to the operator's screen: the line is refused whole. */
	for (const unsigned char *c = (const unsigned char *)line; *c; c++) {
		if ((*c < 0x20 && *c != '\t') || *c == 0x7f) {
			sbuf_printf(out, "control byte \\x%02x in the command line (at byte %zu): refused\n", *c,
				    (size_t)(c - (const unsigned char *)line) + 1);
			return 2;
		}
	}
	strcpy(buf, line);
	for (char *tok = strtok_r(buf, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == CTL_MAX_ARGS) {
			sbuf_printf(out, "too many arguments\n");
			return 2;
		}
		argv[argc++] = tok;
	}
	if (argc == 0 || strcmp(argv[0], "help") == 0) {
		sbuf_printf(out, "commands:\n");
		for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
			sbuf_printf(out, "  %s\n", ctl_cmds[i].help);
		sbuf_printf(out, "  ping [-46DnOq] [-c N] [-s SIZE] [-t TTL] [-i SEC] [-M do|dont|want] [-W SEC] [-w SEC] ADDR   iputils-style ping\n");
		sbuf_printf(out, "  probe {-I NAME | -i INDEX | -a ADDR} [-L] [-c N] ADDR   RFC 8335 PROBE (-L: the interface is on ADDR)\n");
		return argc == 0 ? 2 : 0;
	}
	if (strcmp(argv[0], "ping") == 0) {
		if (!session) {
			sbuf_printf(out, "ping: streams its output: use tapstackctl\n");
			return 2;
		}
		return ping_cmd_start(st, argc, argv, out, session);
	}
	if (strcmp(argv[0], "probe") == 0) {
		if (!session) {
			sbuf_printf(out, "probe: streams its output: use tapstackctl\n");
			return 2;
		}
		return probe_cmd_start(st, argc, argv, out, session);
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[0], ctl_cmds[i].name) == 0)
			return ctl_cmds[i].fn(st, argc, argv, out);
	/* Echo back only printable bytes of what we were sent. */
	char shown[64];
	size_t n = 0;
	for (const char *c = argv[0]; *c && n < sizeof(shown) - 1; c++)
		shown[n++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
	shown[n] = '\0';
	sbuf_printf(out, "unknown command \"%s\" (try: help)\n", shown);
	return 2;
}
