/* ctl/route_cmd.c — `route`: the tables and the route cache of both families printed as `ip route`
 * and `ip route show cache` print them, and routes added and deleted from their text. The core
 * gives the routes (route_foreach, route6_foreach) and the live exceptions with what is left of
 * their lives (rtcache_foreach); the words are all here. */
#include "ctl/route_cmd.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "ip/route.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/wire.h"

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
