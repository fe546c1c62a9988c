/* icmp/mld.c — MLD as a host needs it (§7): state-change reports when we join and leave a group,
 * answers to general and group-specific queries, MLDv1 compatibility. The point is V7.6: a
 * snooping bridge forwards our solicited-node traffic only to ports that reported it. */
#include "icmp/mld.h"

#include <string.h>

#include "icmp/icmp6.h"
#include "ip/ip6.h"
#include "ip/ip6_int.h"
#include "stack/core.h"
#include "stack/wire.h"

#define MLD2_ALL_ROUTERS_LAST 0x16
enum { MLD2_IS_EXCLUDE = 2, MLD2_TO_INCLUDE = 3, MLD2_TO_EXCLUDE = 4 };
#define MLD_V1_COMPAT_MS 260000 /* QRV x QI + QRI with the defaults (V7.5) */

static const uint8_t mld2_routers[16] = { 0xff, 0x02, [15] = MLD2_ALL_ROUTERS_LAST };

/* V7.1: never ff02::1, nor scope below 2. */
static bool mld_reportable(const uint8_t *g)
{
	return ip6_mcast_scope(g) >= 2 && memcmp(g, ip6_allnodes, 16) != 0;
}

static bool mld_v1(const struct stack *st, unsigned ifindex)
{
	return st->knobs.ip6_force_mld_version == 1 ||
	       (st->knobs.ip6_force_mld_version == 0 && st->now < st->ifs[ifindex].in6->mldv1_until);
}

/* V7.2: from our link-local (:: while none is valid), hop limit 1, Router Alert in Hop-by-Hop. */
static void mld_send(struct stack *st, unsigned ifindex, const uint8_t *dst, const uint8_t *m, size_t len)
{
	static const uint8_t hbh[8] = { 0, 0, 5, 2, 0, 0, 1, 0 };
	const struct ifaddr6 *ll = ip6_linklocal(st, ifindex);
	uint8_t src[16], to[16];
	struct pkb *p = stack_alloc(st, len);
	if (!p)
		return;
	memcpy(src, ll ? ll->addr : ip6_any, 16);
	memcpy(to, dst, 16);
	memcpy(p->data, m, len);
	p->len = (uint32_t)len;
	struct ip6_tx tx = { .src = src, .dst = to, .oif = (int)ifindex, .onlink = true, .proto = IPPROTO_ICMPV6_,
			     .hlim = 1, .hbh = hbh, .hbh_len = sizeof(hbh) };
	CNT(st, MldOutReports);
	icmp6_xmit(st, p, &tx);
}

/* One report for group g: MLDv2 with one record of rtype, or MLDv1's 131/132. */
static void mld_report(struct stack *st, unsigned ifindex, const uint8_t *g, uint8_t rtype)
{
	if (mld_v1(st, ifindex)) {
		uint8_t m[24] = { rtype == MLD2_TO_INCLUDE ? ICMP6_MLD_DONE : ICMP6_MLD_REPORT };
		memcpy(m + 8, g, 16);
		mld_send(st, ifindex, rtype == MLD2_TO_INCLUDE ? ip6_allrouters : g, m, sizeof(m));
		return;
	}
	uint8_t m[8 + 20] = { ICMP6_MLD2_REPORT };
	be16_put(m + 6, 1);
	m[8] = rtype;
	memcpy(m + 12, g, 16);
	mld_send(st, ifindex, mld2_routers, m, sizeof(m));
}

/* V7.5: one MLDv2 report listing every group (IS_EXCLUDE), or per-group v1 reports. */
static void mld_report_all(struct stack *st, unsigned ifindex)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	if (mld_v1(st, ifindex)) {
		for (unsigned i = 0; i < in6->ngroups; i++)
			if (mld_reportable(in6->groups[i].addr))
				mld_report(st, ifindex, in6->groups[i].addr, MLD2_IS_EXCLUDE);
		return;
	}
	uint8_t m[8 + 20 * IP6_GROUPS_MAX] = { ICMP6_MLD2_REPORT };
	unsigned n = 0;
	for (unsigned i = 0; i < in6->ngroups; i++) {
		if (!mld_reportable(in6->groups[i].addr))
			continue;
		uint8_t *r = m + 8 + (size_t)20 * n++;
		memset(r, 0, 4);
		r[0] = MLD2_IS_EXCLUDE;
		memcpy(r + 4, in6->groups[i].addr, 16);
	}
	if (!n)
		return;
	be16_put(m + 6, (uint16_t)n);
	mld_send(st, ifindex, mld2_routers, m, 8 + 20 * n);
}

void mld_group_joined(struct stack *st, unsigned ifindex, struct mcast6_group *g)
{
	if (!mld_reportable(g->addr) || !st->ifs[ifindex].up)
		return;
	/* V7.3: a report at once, then qrv-1 more at random within 1 s (v1: one more within 10 s). */
	mld_report(st, ifindex, g->addr, MLD2_TO_EXCLUDE);
	g->reports_left = mld_v1(st, ifindex) ? 1 : (uint8_t)(st->knobs.ip6_mld_qrv - 1);
	g->report_at = g->reports_left ? st->now + 1 + stack_random(st) % (mld_v1(st, ifindex) ? 10000 : 1000) : UINT64_MAX;
}

void mld_group_left(struct stack *st, unsigned ifindex, struct mcast6_group *g)
{
	if (!mld_reportable(g->addr) || !st->ifs[ifindex].up)
		return;
	/* V7.3: TO_INCLUDE{} twice (v1: one Done). */
	mld_report(st, ifindex, g->addr, MLD2_TO_INCLUDE);
	if (!mld_v1(st, ifindex))
		mld_report(st, ifindex, g->addr, MLD2_TO_INCLUDE);
}

void mld_poll(struct stack *st)
{
	for (unsigned i = 0; i < st->nifs; i++) {
		struct iface6 *in6 = st->ifs[i].in6;
		if (!st->ifs[i].up || in6->disabled)
			continue;
		if (st->now >= in6->mld_general_at) {
			in6->mld_general_at = UINT64_MAX;
			mld_report_all(st, i);
		}
		for (unsigned j = 0; j < in6->ngroups; j++) {
			struct mcast6_group *g = &in6->groups[j];
			if (st->now < g->report_at)
				continue;
			g->report_at = UINT64_MAX;
			if (g->reports_left) {
				g->reports_left--;
				mld_report(st, i, g->addr, MLD2_TO_EXCLUDE);
				if (g->reports_left)
					g->report_at = st->now + 1 + stack_random(st) % 1000;
			} else {
				mld_report(st, i, g->addr, MLD2_IS_EXCLUDE); /* a group-specific query's answer */
			}
		}
	}
}

uint64_t mld_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < st->nifs; i++) {
		const struct iface6 *in6 = st->ifs[i].in6;
		if (!st->ifs[i].up || in6->disabled)
			continue;
		if (in6->mld_general_at < d)
			d = in6->mld_general_at;
		for (unsigned j = 0; j < in6->ngroups; j++)
			if (in6->groups[j].report_at < d)
				d = in6->groups[j].report_at;
	}
	return d;
}

/* V7.4, V7.5 (queries); a v1 report from another listener is only counted. */
void mld_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	const uint8_t *m = p->data;
	struct iface6 *in6 = st->ifs[rx->ifindex].in6;

	if (m[0] != ICMP6_MLD_QUERY) {
		stack_consume(st, p);
		return;
	}
	CNT(st, MldInQueries);
	size_t len = p->len;
	const uint8_t *grp = m + 8;
	if (!ip6_is_linklocal(rx->src) || rx->hlim != 1 || !(rx->cbflags & IP6CB_RA) || len < 24 ||
	    (len > 24 && len < 28) || !(ip6_is_any(grp) || ip6_is_mcast(grp)) ||
	    (len >= 28 && ip6_is_any(grp) && be16_get(m + 26) != 0)) {
		stack_drop(st, p, C_MldInInvalid);
		return;
	}
	uint32_t mrd = be16_get(m + 4);
	if (len == 24) { /* MLDv1: compatibility mode */
		in6->mldv1_until = st->now + MLD_V1_COMPAT_MS;
	} else if (mrd >= 32768) { /* MLDv2's floating-point Maximum Response Code (RFC 3810 5.1.3) */
		mrd = ((mrd & 0x0fff) | 0x1000) << (((mrd >> 12) & 7) + 3);
	}
	uint64_t at = st->now + (mrd ? stack_random(st) % mrd : 0);
	if (ip6_is_any(grp)) {
		if (in6->mld_general_at == UINT64_MAX || at < in6->mld_general_at)
			in6->mld_general_at = at;
	} else {
		for (unsigned j = 0; j < in6->ngroups; j++)
			if (memcmp(in6->groups[j].addr, grp, 16) == 0 && mld_reportable(grp) &&
			    (in6->groups[j].report_at == UINT64_MAX || at < in6->groups[j].report_at))
				in6->groups[j].report_at = at;
	}
	stack_consume(st, p);
}
