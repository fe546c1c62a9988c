/* ctl/route_cmd.c — `route`: the tables and the route cache of both families printed as `ip route`
 * and `ip route show cache` print them, and routes added and deleted from their text. The core
 * gives the routes (route_foreach, route6_foreach) and the live exceptions with what is left of
 * their lives (rtcache_foreach), and places a gateway (route_gw_ifindex, route6_gw_ifindex); the
 * words, and the parser of a route's text with its refusals, are all here. */
#include "ctl/route_cmd.h"

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ip/ip6.h"
#include "ip/route.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/wire.h"

/* ---- the tables and the cache in words ---- */

/* Where a walk's lines go. */
struct route_text {
	const struct stack *st;
	struct sbuf *out;
};

/* "default" for a /0, else "PREFIX/LEN". */
static void route_prefix_text(struct sbuf *out, const struct inet_addr *prefix, unsigned plen)
{
	char a[INET_STRLEN];
	if (plen == 0)
		sbuf_printf(out, "default");
	else
		sbuf_printf(out, "%s/%u", inet_ntop_buf(prefix, a), plen);
}

static void route_line(const struct route *r, void *arg)
{
	const struct route_text *rt = arg;
	const struct stack *st = rt->st;
	struct sbuf *out = rt->out;
	char g[INET_STRLEN];
	struct inet_addr prefix = inet_v4(r->prefix);
	route_prefix_text(out, &prefix, r->plen);
	switch (r->type) {
	case RT_CONNECTED: {
		const struct iface *ifp = &st->ifs[r->ifindex];
		const struct ifaddr *ad = iface_addr_for(ifp, r->prefix);
		sbuf_printf(out, " dev %s scope link src %s%s\n", ifp->name, ip4_ntoa(ad ? ad->addr : 0, g),
			    ifp->up ? "" : " linkdown");
		break;
	}
	case RT_GATEWAY:
		sbuf_printf(out, " via %s dev %s%s\n", inet_ntop_buf(&r->gw, g), st->ifs[r->ifindex].name,
			    st->ifs[r->ifindex].up ? "" : " linkdown");
		break;
	case RT_PROHIBIT:
		sbuf_printf(out, " prohibit\n");
		break;
	default:
		sbuf_printf(out, " blackhole\n");
		break;
	}
}

static void route6_line(const struct route6 *r, void *arg)
{
	const struct route_text *rt = arg;
	const struct stack *st = rt->st;
	struct sbuf *out = rt->out;
	char g[INET_STRLEN];
	struct inet_addr prefix = inet_v6(r->prefix);
	sbuf_printf(out, "%s", r->type == RT6_PROHIBIT ? "prohibit " : r->type == RT6_BLACKHOLE ? "blackhole " : "");
	route_prefix_text(out, &prefix, r->plen);
	if (r->type == RT6_GATEWAY)
		sbuf_printf(out, " via %s", inet_ntop_buf(&r->gw, g));
	if (r->type == RT6_CONNECTED || r->type == RT6_GATEWAY)
		sbuf_printf(out, " dev %s", st->ifs[r->ifindex].name);
	/* As `ip -6 route`: an RA's on-link prefix is "proto kernel" too, its routers "proto ra". */
	if (r->type == RT6_CONNECTED)
		sbuf_printf(out, " proto kernel");
	else if (r->flags & RT6_F_RA)
		sbuf_printf(out, " proto ra");
	if ((r->flags & RT6_F_RA) && r->expires != UINT64_MAX)
		sbuf_printf(out, " expires %llusec",
			    (unsigned long long)(r->expires > st->now ? (r->expires - st->now) / 1000 : 0));
	sbuf_printf(out, "\n");
}

/* An IPv4 exception: lifetimes in whole seconds rounded up. */
static void rtcache_line(const struct rtcache_info *x, void *arg)
{
	const struct route_text *rt = arg;
	char a[INET_STRLEN], g[INET_STRLEN];
	sbuf_printf(rt->out, "%s", inet_ntop_buf(&x->dst, a));
	if (x->has_gw)
		sbuf_printf(rt->out, " via %s dev %s redirected expires %llus", inet_ntop_buf(&x->gw, g),
			    rt->st->ifs[x->gw_ifindex].name, (unsigned long long)((x->gw_left_ms + 999) / 1000));
	if (x->pmtu)
		sbuf_printf(rt->out, " pmtu %u%s expires %llus", x->pmtu, x->locked ? " lock" : "",
			    (unsigned long long)((x->pmtu_left_ms + 999) / 1000));
	sbuf_printf(rt->out, "\n");
}

/* An IPv6 exception, as `ip -6 route show cache`: the path MTU's life in whole seconds left. */
static void rt6cache_line(const struct rtcache_info *x, void *arg)
{
	const struct route_text *rt = arg;
	char a[INET_STRLEN], g[INET_STRLEN];
	sbuf_printf(rt->out, "%s", inet_ntop_buf(&x->dst, a));
	if (x->has_gw)
		sbuf_printf(rt->out, " via %s dev %s", inet_ntop_buf(&x->gw, g), rt->st->ifs[x->gw_ifindex].name);
	if (x->pmtu)
		sbuf_printf(rt->out, " mtu %u expires %llusec", x->pmtu, (unsigned long long)(x->pmtu_left_ms / 1000));
	sbuf_printf(rt->out, "\n");
}

/* ---- a route's text ---- */

/* A route's text parsed: "PREFIX/LEN,via=GW", "default,via=GW", "PREFIX/LEN,prohibit",
 * "PREFIX/LEN,blackhole" (an IPv6 gateway may name its link: via=fe80::1%tap0). */
struct route_spec {
	struct inet_addr prefix;   /* host bits zero */
	unsigned plen;
	enum route_type type;      /* RT_GATEWAY, RT_PROHIBIT or RT_BLACKHOLE */
	struct inet_addr gw;       /* RT_GATEWAY */
	char text[64];             /* RT_GATEWAY: the gateway as written, without its zone */
	const char *zone;          /* IPv6: the interface named after '%' (in text's storage), or NULL */
};

#define RT6_BAD_OPTION_TAIL "\" (want via=IPV6[%IFACE], prohibit or blackhole)"

/* What differs between the families' route text, as data. A bad gateway and an unknown route kind
 * are told as head "quoted" tail, the quoted part being the option from skip on. */
struct route_spec_msg {
	const char *head, *tail;
	unsigned skip;
};

static const struct route_spec_family {
	size_t prefix_max;      /* a prefix's text is shorter than this */
	unsigned max_plen;
	const char *want;       /* what a bad prefix should have looked like */
	bool zones;             /* a gateway may name its link after '%' */
	struct route_spec_msg bad_gw, bad_kind;
} route_spec_families[2] = {
	{ 32, 32, "A.B.C.D/LEN or default", false, { "bad gateway \"", "\"", 4 },
	  { "unknown route kind \"", "\" (via=GW, prohibit, blackhole)", 0 } },
	{ 64, 128, "IPV6/LEN", true, { "bad route option \"", RT6_BAD_OPTION_TAIL, 0 },
	  { "bad route option \"", RT6_BAD_OPTION_TAIL, 0 } },
};

static struct inet_addr route_masked(const struct inet_addr *a, unsigned plen)
{
	struct inet_addr m = *a;
	if (a->family == INET_V4)
		m.u.v4 &= ip4_mask(plen);
	else
		route_mask6(m.u.v6, a->u.v6, plen);
	return m;
}

/* "ADDR/LEN" or "default" (the n bytes at s): 0, -1 (not a prefix) or -2 (host bits set). */
static int route_spec_prefix(const char *s, size_t n, enum inet_family fam, struct inet_addr *prefix, unsigned *plen)
{
	const struct route_spec_family *f = &route_spec_families[fam == INET_V6];
	char buf[64];
	if (n >= f->prefix_max)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	if (strcmp(buf, "default") == 0) {
		memset(prefix, 0, sizeof(*prefix));
		prefix->family = (uint8_t)fam;
		*plen = 0;
		return 0;
	}
	char *slash = strchr(buf, '/'), *end;
	if (!slash)
		return -1;
	*slash = '\0';
	long l = strtol(slash + 1, &end, 10);
	if (!slash[1] || *end || l < 0 || l > (long)f->max_plen || inet_parse(buf, prefix) != 0 || prefix->family != fam)
		return -1;
	*plen = (unsigned)l;
	struct inet_addr m = route_masked(prefix, *plen);
	return inet_eq(&m, prefix) ? 0 : -2;
}

static int route_spec_bad(const struct route_spec_msg *m, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "%s%s%s", m->head, what + m->skip, m->tail);
	return -1;
}

/* Parses a route's text for family fam: 0, or -1 with a one-line reason in err. */
static int route_spec_parse(const char *spec, enum inet_family fam, struct route_spec *rs, char *err, size_t errlen)
{
	const struct route_spec_family *f = &route_spec_families[fam == INET_V6];
	const char *comma = strchr(spec, ',');
	int n = (int)(comma ? comma - spec : (long)strlen(spec));

	memset(rs, 0, sizeof(*rs));
	int rc = route_spec_prefix(spec, (size_t)n, fam, &rs->prefix, &rs->plen);
	if (rc == -2) {
		snprintf(err, errlen, "host bits set in \"%.*s\"", n, spec);
		return -1;
	}
	if (rc != 0) {
		snprintf(err, errlen, "bad prefix \"%.*s\" (want %s)", n, spec, f->want);
		return -1;
	}
	if (!comma) {
		snprintf(err, errlen, "\"%s\" needs via=GW, prohibit or blackhole", spec);
		return -1;
	}
	const char *what = comma + 1;
	if (strcmp(what, "prohibit") == 0 || strcmp(what, "blackhole") == 0) {
		rs->type = what[0] == 'p' ? RT_PROHIBIT : RT_BLACKHOLE;
		return 0;
	}
	if (strncmp(what, "via=", 4) != 0)
		return route_spec_bad(&f->bad_kind, what, err, errlen);
	if (strlen(what + 4) >= sizeof(rs->text))
		return route_spec_bad(&f->bad_gw, what, err, errlen);
	strcpy(rs->text, what + 4);
	char *pct = f->zones ? strchr(rs->text, '%') : NULL;
	if (pct) {
		*pct = '\0';
		rs->zone = pct + 1;
	}
	if (inet_parse(rs->text, &rs->gw) != 0 || rs->gw.family != fam)
		return route_spec_bad(&f->bad_gw, what, err, errlen);
	rs->type = RT_GATEWAY;
	return 0;
}

/* A gateway refused: the reason in err (cut to errlen, as any reason), -EINVAL. */
static __attribute__((format(printf, 3, 4))) int route_refused(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

/* An IPv4 route from its text; the gateway must be a neighbour: on one of our connected subnets
 * (up or not yet), and not one of us. 0, or -EINVAL with a one-line reason in err. */
static int route_parse(const struct stack *st, const char *spec, struct route *r, char *err, size_t errlen)
{
	struct route_spec rs;
	if (route_spec_parse(spec, INET_V4, &rs, err, errlen) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->prefix = rs.prefix.u.v4;
	r->plen = (uint8_t)rs.plen;
	r->type = (uint8_t)rs.type;
	if (rs.type != RT_GATEWAY)
		return 0;
	int on = route_gw_ifindex(st, rs.gw.u.v4);
	if (on < 0)
		return route_refused(err, errlen, "gateway %s is not on a connected subnet", rs.text);
	r->gw = rs.gw;
	r->ifindex = (uint16_t)on;
	return 0;
}

/* An IPv6 route from its text; the gateway must be on a connected prefix, or link-local on the
 * interface its zone names (or on the only interface). */
static int route6_parse(const struct stack *st, const char *spec, struct route6 *r, char *err, size_t errlen)
{
	struct route_spec rs;
	if (route_spec_parse(spec, INET_V6, &rs, err, errlen) != 0)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	memcpy(r->prefix, rs.prefix.u.v6, 16);
	r->plen = (uint8_t)rs.plen;
	r->type = (uint8_t)rs.type;
	if (rs.type != RT_GATEWAY)
		return 0;
	int found = -1;
	if (ip6_is_linklocal(rs.gw.u.v6)) {
		for (unsigned i = 0; rs.zone && i < st->nifs; i++)
			if (strcmp(st->ifs[i].name, rs.zone) == 0)
				found = (int)i;
		if (!rs.zone && st->nifs == 1)
			found = 0;
		if (found < 0)
			return route_refused(err, errlen, "link-local gateway %s needs its interface: via=%s%%IFACE", rs.text,
					     rs.text);
	} else {
		found = route6_gw_ifindex(st, rs.gw.u.v6);
	}
	if (found < 0)
		return route_refused(err, errlen, "gateway %s is not on a connected prefix", rs.text);
	r->ifindex = (uint16_t)found;
	r->gw = rs.gw;
	return 0;
}

/* ---- the command ---- */

/* An IPv6 route spec: its prefix has a ':', or it is "default" toward an IPv6 gateway. */
static bool route_spec_is_v6(const char *spec)
{
	size_t n = strcspn(spec, ",");
	if (memchr(spec, ':', n))
		return true;
	return n == 7 && strncmp(spec, "default", 7) == 0 && strchr(spec + n, ':');
}

static int route_add_result(int rc, struct sbuf *out)
{
	if (rc == -EEXIST || rc == -ENOSPC) {
		sbuf_printf(out, "route add: %s\n", rc == -EEXIST ? "a route for that prefix exists" : "table full");
		return 1;
	}
	return 0;
}

int route_cmd(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	char err[160];
	if (argc == 1 || (argc == 2 && strcmp(argv[1], "show") == 0)) {
		route_foreach(st, route_line, &(struct route_text){ st, out });
		route6_foreach(st, route6_line, &(struct route_text){ st, out });
		return 0;
	}
	if (argc == 2 && strcmp(argv[1], "cache") == 0) {
		rtcache_foreach(st->rtcache, INET_V4, st->now, rtcache_line, &(struct route_text){ st, out });
		rtcache_foreach(st->rtcache, INET_V6, st->now, rt6cache_line, &(struct route_text){ st, out });
		return 0;
	}
	if (argc == 3 && strcmp(argv[1], "add") == 0) {
		if (route_spec_is_v6(argv[2])) {
			struct route6 r6;
			if (route6_parse(st, argv[2], &r6, err, sizeof(err)) != 0) {
				sbuf_printf(out, "route add: %s\n", err);
				return 2;
			}
			return route_add_result(route6_add(st, &r6), out);
		}
		struct route r;
		if (route_parse(st, argv[2], &r, err, sizeof(err)) != 0) {
			sbuf_printf(out, "route add: %s\n", err);
			return 2;
		}
		return route_add_result(route_add(st, &r), out);
	}
	if (argc == 3 && strcmp(argv[1], "del") == 0) {
		/* Reuse the prefix parser: "PREFIX/LEN" alone is a complete spec for deletion. */
		char spec[80];
		int rc;
		snprintf(spec, sizeof(spec), "%s,blackhole", argv[2]);
		if (strchr(argv[2], ',') || strlen(argv[2]) >= sizeof(spec) - 10) {
			rc = -EINVAL;
		} else if (route_spec_is_v6(argv[2])) {
			struct route6 r6;
			rc = route6_parse(st, spec, &r6, err, sizeof(err));
			if (rc == 0)
				rc = route6_del(st, r6.prefix, r6.plen, 0, 0);
		} else {
			struct route r;
			rc = route_parse(st, spec, &r, err, sizeof(err));
			if (rc == 0)
				rc = route_del(st, r.prefix, r.plen);
		}
		if (rc == -EINVAL) {
			sbuf_printf(out, "route del: bad prefix \"%s\"\n", argv[2]);
			return 2;
		}
		if (rc) {
			sbuf_printf(out, "route del: %s\n", rc == -EPERM ? "a connected route goes with its address" : "no such route");
			return 1;
		}
		return 0;
	}
	sbuf_printf(out, "usage: route [show] | route cache | route add PREFIX/LEN,via=GW|prohibit|blackhole | route del PREFIX/LEN\n"
		    "       (PREFIX/LEN and GW of either family; default for 0.0.0.0/0 or ::/0)\n");
	return 2;
}
