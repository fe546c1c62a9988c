/* ip/ip6.c — IPv6 input validation and the extension-header walk (§1), local delivery, output
 * with source selection (RFC 6724, simplified to the rules that matter on a TAP: scope, then the
 * outgoing interface, then the longest matching prefix), and the interface's addresses and groups. */
#include "ip/ip6.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "eth/eth.h"
#include "eth/ndisc.h"
#include "icmp/icmp6.h"
#include "icmp/icmp_ext.h"
#include "icmp/mld.h"
#include "ip/ip6_int.h"
#include "ip/route6.h"
#include "stack/addr.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

const uint8_t ip6_allnodes[16] = { 0xff, 0x02, [15] = 1 };
const uint8_t ip6_allrouters[16] = { 0xff, 0x02, [15] = 2 };
const uint8_t ip6_any[16];

/* --- addresses --- */

bool ip6_is_any(const uint8_t *a) { return memcmp(a, ip6_any, 16) == 0; }

bool ip6_is_loopback(const uint8_t *a)
{
	static const uint8_t lo[16] = { [15] = 1 };
	return memcmp(a, lo, 16) == 0;
}

bool ip6_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned plen)
{
	unsigned bytes = plen / 8, bits = plen % 8;
	if (memcmp(a, b, bytes) != 0)
		return false;
	return !bits || ((a[bytes] ^ b[bytes]) & (uint8_t)(0xff00u >> bits)) == 0;
}

unsigned ip6_common_prefix(const uint8_t *a, const uint8_t *b)
{
	unsigned n = 0;
	for (unsigned i = 0; i < 16; i++) {
		uint8_t x = a[i] ^ b[i];
		if (!x) {
			n += 8;
			continue;
		}
		while (!(x & 0x80)) {
			x <<= 1;
			n++;
		}
		break;
	}
	return n;
}

void ip6_solicited_node(const uint8_t *a, uint8_t out[16])
{
	static const uint8_t base[13] = { 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff };
	memcpy(out, base, 13);
	memcpy(out + 13, a + 13, 3);
}

void ip6_mcast_mac(const uint8_t *grp, uint8_t mac[6])
{
	mac[0] = 0x33;
	mac[1] = 0x33;
	memcpy(mac + 2, grp + 12, 4);
}

void ip6_eui64(const uint8_t mac[6], uint8_t out[8])
{
	out[0] = mac[0] ^ 0x02; /* the universal/local bit inverted (RFC 4291 appendix A) */
	out[1] = mac[1];
	out[2] = mac[2];
	out[3] = 0xff;
	out[4] = 0xfe;
	out[5] = mac[3];
	out[6] = mac[4];
	out[7] = mac[5];
}

void ip6_linklocal_from_mac(const uint8_t mac[6], uint8_t out[16])
{
	memset(out, 0, 16);
	out[0] = 0xfe;
	out[1] = 0x80;
	ip6_eui64(mac, out + 8);
}

char *ip6_ntoa(const uint8_t *a, char *buf)
{
	struct inet_addr x = { .family = INET_V6 };
	memcpy(x.u.v6, a, 16);
	inet_ntop_buf(&x, buf);
	return buf;
}

uint16_t ip6_csum(const uint8_t *src, const uint8_t *dst, uint8_t proto, const void *data, size_t len)
{
	uint8_t ph[8] = { (uint8_t)(len >> 24), (uint8_t)(len >> 16), (uint8_t)(len >> 8), (uint8_t)len, 0, 0, 0, proto };
	uint64_t s = csum_add(0, src, 16);
	s = csum_add(s, dst, 16);
	s = csum_add(s, ph, 8);
	return csum_fold(csum_add(s, data, len));
}

const struct ifaddr6 *ip6_addr_find(const struct stack *st, const uint8_t *a, unsigned *ifindex)
{
	for (unsigned i = 0; i < st->nifs; i++)
		for (unsigned j = 0; j < st->ifs[i].in6->naddr; j++)
			if (memcmp(st->ifs[i].in6->addr[j].addr, a, 16) == 0) {
				if (ifindex)
					*ifindex = i;
				return &st->ifs[i].in6->addr[j];
			}
	return NULL;
}

bool ip6_is_local(const struct stack *st, const uint8_t *a)
{
	const struct ifaddr6 *x = ip6_addr_find(st, a, NULL);
	return x && x->state == IFA6_VALID;
}

const struct ifaddr6 *ip6_linklocal(const struct stack *st, unsigned ifindex)
{
	const struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned j = 0; j < in6->naddr; j++)
		if ((in6->addr[j].flags & IFA6_F_LINKLOCAL) && in6->addr[j].state == IFA6_VALID)
			return &in6->addr[j];
	return NULL;
}

uint8_t ip6_hop_limit(const struct stack *st, unsigned ifindex)
{
	uint8_t h = ifindex < st->nifs ? st->ifs[ifindex].in6->hop_limit : 0;
	return h ? h : (uint8_t)st->knobs.ip6_hop_limit;
}

/* V8.5: with forwarding on, the all-zero suffix of every on-link prefix is our anycast address. */
static bool ip6_is_subnet_anycast(const struct stack *st, unsigned ifindex, const uint8_t *dst)
{
	const struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned j = 0; j < in6->naddr; j++) {
		const struct ifaddr6 *a = &in6->addr[j];
		unsigned plen = a->plen;
		if (plen >= 127 || !ip6_prefix_eq(a->addr, dst, plen))
			continue;
		uint8_t zero = 0;
		for (unsigned b = plen; b < 128; b++)
			zero |= (uint8_t)(dst[b / 8] & (0x80u >> (b % 8)));
		if (!zero)
			return true;
	}
	return false;
}

enum ip6_dst_kind ip6_dst_kind(const struct stack *st, unsigned ifindex, const uint8_t *dst)
{
	if (ip6_is_mcast(dst))
		return ip6_mc_joined(st, ifindex, dst) ? IP6_DST_MCAST : IP6_DST_OTHER;
	const struct ifaddr6 *a = ip6_addr_find(st, dst, NULL);
	if (a && a->state == IFA6_VALID)
		return (a->flags & IFA6_F_ANYCAST) ? IP6_DST_ANYCAST : IP6_DST_LOCAL;
	if (st->knobs.ip6_forwarding && ifindex < st->nifs && ip6_is_subnet_anycast(st, ifindex, dst))
		return IP6_DST_ANYCAST;
	return IP6_DST_OTHER;
}

/* --- multicast groups --- */

static struct mcast6_group *ip6_mc_find(struct stack *st, unsigned ifindex, const uint8_t *grp)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned i = 0; i < in6->ngroups; i++)
		if (memcmp(in6->groups[i].addr, grp, 16) == 0)
			return &in6->groups[i];
	return NULL;
}

bool ip6_mc_joined(const struct stack *st, unsigned ifindex, const uint8_t *grp)
{
	if (ifindex >= st->nifs)
		return false;
	if (memcmp(grp, ip6_allnodes, 16) == 0)
		return !st->ifs[ifindex].in6->disabled;
	/* V8.5: a router listens to ff02::2 and ff05::2. */
	static const uint8_t site_routers[16] = { 0xff, 0x05, [15] = 2 };
	if (st->knobs.ip6_forwarding && (memcmp(grp, ip6_allrouters, 16) == 0 || memcmp(grp, site_routers, 16) == 0))
		return !st->ifs[ifindex].in6->disabled;
	return ip6_mc_find((struct stack *)st, ifindex, grp) != NULL;
}

void ip6_mc_join(struct stack *st, unsigned ifindex, const uint8_t *grp)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	struct mcast6_group *g = ip6_mc_find(st, ifindex, grp);
	if (g) {
		g->users++;
		return;
	}
	if (in6->ngroups >= IP6_GROUPS_MAX)
		return;
	g = &in6->groups[in6->ngroups++];
	memset(g, 0, sizeof(*g));
	memcpy(g->addr, grp, 16);
	g->users = 1;
	g->report_at = UINT64_MAX;
	mld_group_joined(st, ifindex, g);
}

void ip6_mc_leave(struct stack *st, unsigned ifindex, const uint8_t *grp)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	struct mcast6_group *g = ip6_mc_find(st, ifindex, grp);
	if (!g || --g->users)
		return;
	mld_group_left(st, ifindex, g);
	*g = in6->groups[--in6->ngroups];
}

/* --- the interface's addresses --- */

int ip6_addr_add(struct stack *st, unsigned ifindex, const uint8_t *a, unsigned plen, uint8_t flags,
		 uint64_t valid_until, uint64_t pref_until)
{
	if (ifindex >= st->nifs)
		return -EINVAL;
	struct iface *ifp = &st->ifs[ifindex];
	struct iface6 *in6 = ifp->in6;
	if (plen > 128 || plen == 0 || ip6_is_any(a) || ip6_is_loopback(a) || ip6_is_mcast(a))
		return -EINVAL;
	if (ip6_addr_find(st, a, NULL))
		return -EEXIST;
	if (in6->naddr >= STACK_MAX_ADDRS6)
		return -ENOSPC;
	struct ifaddr6 *x = &in6->addr[in6->naddr++];
	memset(x, 0, sizeof(*x));
	memcpy(x->addr, a, 16);
	x->plen = (uint8_t)plen;
	x->flags = flags;
	x->valid_until = valid_until;
	x->pref_until = pref_until;
	x->state = IFA6_TENTATIVE;
	x->dad_timer = UINT64_MAX;
	/* A SLAAC address makes nothing on-link: only a PIO's L flag does (V6.12, RFC 5942 4). */
	if (!(flags & (IFA6_F_LINKLOCAL | IFA6_F_SLAAC)) && plen < 128) {
		struct route6 r = { .plen = (uint8_t)plen, .type = RT6_CONNECTED, .ifindex = (uint16_t)ifindex };
		memcpy(r.prefix, a, 16);
		route6_add(st, &r); /* -EEXIST: a second address on the prefix */
	}
	if (ifp->up && !in6->disabled)
		ndisc_dad_start(st, ifindex, x);
	return 0;
}

int ip6_addr_del(struct stack *st, unsigned ifindex, const uint8_t *a)
{
	struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned j = 0; j < in6->naddr; j++) {
		struct ifaddr6 *x = &in6->addr[j];
		if (memcmp(x->addr, a, 16) != 0)
			continue;
		uint8_t sn[16];
		ip6_solicited_node(x->addr, sn);
		bool joined = x->state != IFA6_DADFAILED;
		uint8_t plen = x->plen, prefix[16];
		bool ll = x->flags & IFA6_F_LINKLOCAL, slaac = x->flags & IFA6_F_SLAAC;
		memcpy(prefix, x->addr, 16);
		*x = in6->addr[--in6->naddr];
		if (joined && st->ifs[ifindex].up && !in6->disabled)
			ip6_mc_leave(st, ifindex, sn);
		/* The connected route goes with the last address on its prefix. */
		bool others = false;
		for (unsigned k = 0; k < in6->naddr; k++)
			others |= in6->addr[k].plen == plen && ip6_prefix_eq(in6->addr[k].addr, prefix, plen);
		if (!ll && !slaac && !others) /* a PIO's on-link route lives by its own lifetime */
			route6_del(st, prefix, plen, ifindex, RT6_CONNECTED);
		return 0;
	}
	return -EADDRNOTAVAIL;
}

void ip6_router_groups_sync(struct stack *st, unsigned ifindex)
{
	/* ff02::1:ff00:0: the solicited-node group of the subnet-router anycast address of every
	 * prefix up to /104, fe80:: included (V1.13: "of each unicast and anycast address"). */
	static const uint8_t site_routers[16] = { 0xff, 0x05, [15] = 2 };
	static const uint8_t sn_anycast[16] = { 0xff, 0x02, [11] = 1, [12] = 0xff };
	struct iface6 *in6 = st->ifs[ifindex].in6;
	bool want = st->knobs.ip6_forwarding != 0;
	if (in6->router_groups == want)
		return;
	in6->router_groups = want;
	if (want) {
		ip6_mc_join(st, ifindex, ip6_allrouters);
		ip6_mc_join(st, ifindex, site_routers);
		ip6_mc_join(st, ifindex, sn_anycast);
	} else {
		ip6_mc_leave(st, ifindex, ip6_allrouters);
		ip6_mc_leave(st, ifindex, site_routers);
		ip6_mc_leave(st, ifindex, sn_anycast);
	}
}

void ip6_iface_up(struct stack *st, unsigned ifindex)
{
	struct iface *ifp = &st->ifs[ifindex];
	struct iface6 *in6 = ifp->in6;
	if (st->knobs.ip6_disable_ipv6 || ifp->mtu < IP6_MIN_MTU) {
		in6->disabled = true; /* RFC 8200 5: IPv6 needs a 1280-byte link */
		return;
	}
	in6->disabled = false;
	in6->mld_general_at = UINT64_MAX; /* no query to answer yet */
	if (!in6->mtu || in6->mtu > ifp->mtu)
		in6->mtu = ifp->mtu;
	uint8_t ll[16];
	ip6_linklocal_from_mac(ifp->mac, ll);
	if (!ip6_addr_find(st, ll, NULL))
		ip6_addr_add(st, ifindex, ll, 64, IFA6_F_LINKLOCAL, UINT64_MAX, UINT64_MAX);
	for (unsigned j = 0; j < in6->naddr; j++)
		if (in6->addr[j].state == IFA6_TENTATIVE && in6->addr[j].dad_timer == UINT64_MAX)
			ndisc_dad_start(st, ifindex, &in6->addr[j]);
	ndisc_iface_up(st, ifindex);
	ip6_router_groups_sync(st, ifindex);
}

/* --- source selection --- */

int ip6_select_src(struct stack *st, const uint8_t *dst, int oif, uint8_t out[16])
{
	int ifx = oif;
	if (ifx < 0) {
		struct route6_res rr;
		if (route6_lookup(st, dst, -1, &rr) != 0)
			return -ENETUNREACH;
		ifx = (int)rr.ifindex;
	}
	bool want_ll = ip6_is_linklocal(dst) || (ip6_is_mcast(dst) && ip6_mcast_scope(dst) <= 2);
	const struct ifaddr6 *best = NULL;
	unsigned best_score = 0;
	for (unsigned i = 0; i < st->nifs; i++) {
		const struct iface6 *in6 = st->ifs[i].in6;
		for (unsigned j = 0; j < in6->naddr; j++) {
			const struct ifaddr6 *a = &in6->addr[j];
			if (a->state != IFA6_VALID || (a->flags & IFA6_F_ANYCAST))
				continue;
			bool ll = a->flags & IFA6_F_LINKLOCAL;
			if (ll && i != (unsigned)ifx)
				continue; /* a link-local address means nothing on another link */
			/* Rule 2 (scope), rule 5 (the outgoing interface), rule 3 (not deprecated), rule 8. */
			unsigned score = 1;
			score += (ll == want_ll) ? 1000 : 0;
			score += i == (unsigned)ifx ? 500 : 0;
			score += st->now < a->pref_until ? 200 : 0;
			score += ip6_common_prefix(a->addr, dst);
			if (score > best_score) {
				best = a;
				best_score = score;
			}
		}
	}
	if (!best)
		return -EADDRNOTAVAIL;
	memcpy(out, best->addr, 16);
	return 0;
}

/* --- input --- */

/* V1.9, V1.10: the options of a Hop-by-Hop or Destination Options header at off. Returns 0, or -1
 * when the datagram is dropped (an error is sent here where the rules say so). */
static int ip6_tlv_parse(struct stack *st, struct pkb *p, unsigned off, bool hbh, const uint8_t *dst)
{
	const uint8_t *h = p->data;
	unsigned len = ((unsigned)h[off + 1] + 1) * 8, i = off + 2, end = off + len, padlen = 0, nopts = 0;
	unsigned max = (unsigned)(hbh ? st->knobs.ip6_max_hbh_opts_number : st->knobs.ip6_max_dst_opts_number);

	while (i < end) {
		uint8_t t = h[i];
		if (t == 0) { /* Pad1 */
			if (++padlen > 7)
				return -1;
			i++;
			continue;
		}
		if (i + 2 > end || i + 2 + h[i + 1] > end)
			return -1; /* runs past the header */
		unsigned olen = h[i + 1];
		if (t == 1) { /* PadN: at most 7 bytes of padding in a row, all zero */
			padlen += olen + 2;
			if (padlen > 7)
				return -1;
			for (unsigned k = 0; k < olen; k++)
				if (h[i + 2 + k])
					return -1;
			i += olen + 2;
			continue;
		}
		padlen = 0;
		if (++nopts > max)
			return -1;
		if (hbh && t == 5) { /* Router Alert */
			if (olen != 2)
				return -1;
			ip6cb(p)->flags |= IP6CB_RA;
		} else if (hbh && t == 0xc2) { /* Jumbo Payload (RFC 2675) */
			if (olen != 4 || (i & 3) != 2)
				return -1;
			if (be32_get(h + i + 2) <= IP6_MAX_PLEN) {
				icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, i + 2);
				return -1;
			}
			if (be16_get(h + IP6_PLEN) != 0) {
				icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, i);
				return -1;
			}
			return -1; /* a jumbogram is longer than any frame we can take */
		} else if (hbh && t == 7) { /* CALIPSO: no DOI configured */
			return -1;
		} else if (hbh && t == 0x31) { /* IOAM: skipped */
		} else {
			switch (t >> 6) {
			case 0:
				break;
			case 1:
				return -1;
			case 3:
				if (ip6_is_mcast(dst))
					return -1;
				/* fall through */
			case 2:
				icmp6_send_error(st, p, ICMP6_PARAM_PROB, 2, i);
				return -1;
			}
		}
		i += olen + 2;
	}
	return 0;
}

/* Drops p as a header error (Ip6InHdrErrors). */
static void ip6_hdr_drop(struct stack *st, struct pkb *p)
{
	stack_drop(st, p, C_Ip6InHdrErrors);
}

/* The IPv6 state of the stack that is this file's own. */
struct ip6_state {
	struct ip6_proto protos[256];
};

int ip6_init(struct stack *st)
{
	st->ip6 = calloc(1, sizeof(*st->ip6));
	if (!st->ip6)
		return -ENOMEM;
	return ip6_reasm_init(st);
}

int ip6_iface_add(struct stack *st, unsigned ifindex)
{
	st->ifs[ifindex].in6 = calloc(1, sizeof(struct iface6));
	return st->ifs[ifindex].in6 ? 0 : -ENOMEM;
}

bool ip6_enabled(const struct stack *st, unsigned ifindex)
{
	return ifindex < st->nifs && !st->ifs[ifindex].in6->disabled;
}

unsigned ip6_mtu(const struct stack *st, unsigned ifindex)
{
	return st->ifs[ifindex].in6->mtu;
}

void ip6_addr_foreach(const struct stack *st, unsigned ifindex,
		      void (*fn)(const struct stack *st, const struct ifaddr6 *a, void *arg), void *arg)
{
	const struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned i = 0; i < in6->naddr; i++)
		fn(st, &in6->addr[i], arg);
}

unsigned ip6_addr_count(const struct stack *st, unsigned ifindex)
{
	return st->ifs[ifindex].in6->naddr;
}

const struct ifaddr6 *ip6_global_addr(const struct stack *st, unsigned ifindex)
{
	const struct iface6 *in6 = st->ifs[ifindex].in6;
	for (unsigned i = 0; i < in6->naddr; i++) {
		const struct ifaddr6 *a = &in6->addr[i];
		if (a->state == IFA6_VALID && !(a->flags & (IFA6_F_LINKLOCAL | IFA6_F_ANYCAST)))
			return a;
	}
	return NULL;
}

bool ip6_mac_joined(const struct stack *st, unsigned ifindex, const uint8_t *mac)
{
	const struct iface6 *in6 = st->ifs[ifindex].in6;
	if (mac[0] != 0x33 || mac[1] != 0x33 || in6->disabled)
		return false;
	uint8_t m[6];
	ip6_mcast_mac(ip6_allnodes, m);
	if (memcmp(m, mac, 6) == 0)
		return true;
	ip6_mcast_mac(ip6_allrouters, m);
	if (st->knobs.ip6_forwarding && memcmp(m, mac, 6) == 0)
		return true;
	for (unsigned i = 0; i < in6->ngroups; i++) {
		ip6_mcast_mac(in6->groups[i].addr, m);
		if (memcmp(m, mac, 6) == 0)
			return true;
	}
	return false;
}

bool ip6_err_deliver(struct stack *st, uint8_t proto, const struct ip6_err *e)
{
	const struct ip6_proto *pr = &st->ip6->protos[proto];
	if (!pr->err)
		return false;
	pr->err(st, e);
	return true;
}

void ip6_register_proto(struct stack *st, uint8_t proto, ip6_input_fn input, ip6_err_fn err)
{
	st->ip6->protos[proto].input = input;
	st->ip6->protos[proto].err = err;
}

/* V1.11: a Routing header at off during local delivery. Returns false when p was dropped. */
static bool ip6_rthdr(struct stack *st, struct pkb *p, unsigned off, const struct ip6_rx *rx)
{
	const uint8_t *h = p->data;
	if (ip6_is_mcast(rx->dst) || (p->flags & (PKB_L2_BCAST | PKB_L2_MCAST))) {
		stack_drop(st, p, C_Ip6InAddrErrors);
		return false;
	}
	if (h[off + 3] == 0)
		return true; /* Segments Left 0: ignored, whatever its type */
	/* We execute no routing header type (0 deprecated, 2 needs mobility, 3 and 4 need segment
	 * routing: POLICY, RFC 8200 4.4 for all of them). */
	icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, off + 2);
	ip6_hdr_drop(st, p);
	return false;
}

/* Local delivery: the extension-header walk from off, where the header named by the byte at
 * nhoff starts. Consumes p. */
static void ip6_deliver(struct stack *st, struct pkb *p, struct ip6_rx *rx, unsigned off, unsigned nhoff)
{
	for (;;) {
		const uint8_t *h = p->data;
		uint8_t nxt = h[nhoff];
		unsigned avail = p->len;

		if (nxt == IPPROTO_DSTOPTS_ || nxt == IPPROTO_ROUTING_) {
			if (off + 8 > avail || off + ((unsigned)h[off + 1] + 1) * 8 > avail) {
				ip6_hdr_drop(st, p); /* truncated */
				return;
			}
			if (nxt == IPPROTO_DSTOPTS_) {
				if (ip6_tlv_parse(st, p, off, false, rx->dst) != 0) {
					CNT(st, Ip6InBadOptions);
					ip6_hdr_drop(st, p);
					return;
				}
			} else if (!ip6_rthdr(st, p, off, rx)) {
				return;
			}
			nhoff = off;
			off += ((unsigned)h[off + 1] + 1) * 8;
			continue;
		}
		if (nxt == IPPROTO_FRAGMENT_) {
			CNT(st, Ip6ReasmReqds);
			if (ip6cb(p)->flags & IP6CB_FRAGHDR) { /* V9.1: a second Fragment header */
				icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, off);
				ip6_hdr_drop(st, p);
				return;
			}
			/* V9.1: a jumbogram cannot be a fragment. Judged before the header is read: with
			 * payload length 0 the datagram was cut to its fixed header (V1.5). A Fragment
			 * header cut short earns the same 4/0 [reassembly.c:ipv6_frag_rcv, fail_hdr]. */
			if (be16_get(h + IP6_PLEN) == 0 || off + 8 > avail) {
				icmp6_send_error(st, p, ICMP6_PARAM_PROB, 0, off);
				ip6_hdr_drop(st, p);
				return;
			}
			ip6cb(p)->nhoff = (uint16_t)nhoff;
			p = ip6_reasm(st, p, off);
			if (!p)
				return;
			ip6cb(p)->flags |= IP6CB_FRAGHDR;
			rx->hdr = p->data;
			rx->cbflags = ip6cb(p)->flags;
			rx->l2flags = p->flags & (PKB_L2_BCAST | PKB_L2_MCAST);
			if (ip6cb(p)->flags & IP6CB_ATOMIC) { /* its header stays: walk past it */
				nhoff = off;
				off += 8;
			} else { /* the Fragment header is gone; what followed it starts there now */
				off = ip6cb(p)->fhoff;
				nhoff = ip6cb(p)->nhoff;
			}
			continue;
		}
		if (nxt == IPPROTO_NONE_) { /* V1.12 */
			CNT(st, Ip6InDelivers);
			stack_consume(st, p);
			return;
		}
		const struct ip6_proto *pr = &st->ip6->protos[nxt];
		if (!pr->input || nxt == IPPROTO_HOPOPTS_) {
			/* V1.12: 4/1 at the byte that names it; HBH not first is such a header too. */
			icmp6_send_error(st, p, ICMP6_PARAM_PROB, 1, nhoff);
			stack_drop(st, p, C_Ip6InUnknownProtos);
			return;
		}
		rx->proto = nxt;
		rx->hlen = (uint16_t)off;
		rx->plen = (uint16_t)(p->len - off);
		rx->hdr = p->data;
		ip6cb(p)->nhoff = (uint16_t)nhoff;
		pkb_pull(p, off);
		CNT(st, Ip6InDelivers);
		pr->input(st, p, rx);
		return;
	}
}

/* V1.14: a unicast destination that is not ours, and we are not forwarding. */
static void ip6_not_ours(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	struct route6_res rr;
	/* A matching route (:: matches a default route too) means silence; only no route at all
	 * earns 1/0 [route.c:ip6_pkt_drop]. */
	if (route6_lookup(st, rx->dst, ip6_is_linklocal(rx->dst) ? (int)rx->ifindex : -1, &rr) == 0) {
		stack_drop(st, p, C_Ip6InAddrErrors);
		return;
	}
	icmp6_send_error(st, p, ICMP6_DEST_UNREACH, 0, 0);
	if (ip6_is_any(rx->dst))
		stack_drop(st, p, C_Ip6InAddrErrors);
	else
		stack_drop(st, p, C_Ip6InNoRoutes);
}

void ip6_input(struct stack *st, struct pkb *p)
{
	const uint8_t *h = p->data;
	struct iface6 *in6 = st->ifs[p->ifindex].in6;

	if (in6->disabled) {
		CNT(st, Ip6InDiscards);
		stack_drop(st, p, C_Ip6InDisabled);
		return;
	}
	CNT(st, Ip6InReceives);                                           /* V1.2 */
	if (p->len < IP6_HLEN || (h[0] >> 4) != 6) {                      /* V1.3 */
		ip6_hdr_drop(st, p);
		return;
	}
	const uint8_t *src = h + IP6_SRC, *dst = h + IP6_DST;
	/* V1.4: loopback either way, multicast source, interface-local or reserved-scope destination. */
	if (ip6_is_loopback(src) || ip6_is_loopback(dst) || ip6_is_mcast(src) ||
	    (ip6_is_mcast(dst) && ip6_mcast_scope(dst) <= 1)) {
		ip6_hdr_drop(st, p);
		return;
	}
	unsigned plen = be16_get(h + IP6_PLEN);
	if (plen || h[IP6_NXT] != IPPROTO_HOPOPTS_) {                     /* V1.5 */
		if (IP6_HLEN + plen > p->len) {
			stack_drop(st, p, C_Ip6InTruncatedPkts);
			return;
		}
		pkb_trim(p, IP6_HLEN + plen);
	}
	memset(p->cb, 0, sizeof(p->cb));
	struct ip6_rx rx = {
		.hdr = h,
		.hlim = h[IP6_HLIM],
		.tclass = (uint8_t)(be16_get(h) >> 4),
		.flow = be32_get(h) & 0xfffff,
		.ifindex = p->ifindex,
		.l2flags = p->flags & (PKB_L2_BCAST | PKB_L2_MCAST),
	};
	memcpy(rx.src, src, 16);
	memcpy(rx.dst, dst, 16);
	if (ip6_is_mcast(dst)) {
		CNT(st, Ip6InMcastPkts);
		if (!ip6_mc_joined(st, p->ifindex, dst)) {                /* V1.13 */
			stack_drop(st, p, C_Ip6InMcastNotJoined);
			return;
		}
	}
	unsigned off = IP6_HLEN, nhoff = IP6_NXT;
	if (h[IP6_NXT] == IPPROTO_HOPOPTS_) {                             /* V1.8 */
		if (p->len < IP6_HLEN + 8 || p->len < IP6_HLEN + ((unsigned)h[IP6_HLEN + 1] + 1) * 8) {
			ip6_hdr_drop(st, p);
			return;
		}
		ip6cb(p)->flags |= IP6CB_HBH;
		if (ip6_tlv_parse(st, p, IP6_HLEN, true, dst) != 0) {
			CNT(st, Ip6InBadOptions);
			ip6_hdr_drop(st, p);
			return;
		}
		nhoff = IP6_HLEN;
		off = IP6_HLEN + ((unsigned)h[IP6_HLEN + 1] + 1) * 8;
	}
	rx.cbflags = ip6cb(p)->flags;
	rx.dst_kind = (uint8_t)ip6_dst_kind(st, p->ifindex, dst);
	if (rx.dst_kind == IP6_DST_OTHER) {
		if (p->flags & (PKB_L2_BCAST | PKB_L2_MCAST)) {
			stack_drop(st, p, C_Ip6InAddrErrors);
			return;
		}
		if (st->knobs.ip6_forwarding) {
			ip6_forward(st, p, &rx, off, nhoff);
			return;
		}
		ip6_not_ours(st, p, &rx);
		return;
	}
	ip6_deliver(st, p, &rx, off, nhoff);
}

/* --- output --- */

void ip6_output_finish(struct stack *st, struct pkb *p, unsigned ifindex, const uint8_t *nh)
{
	p->ifindex = (uint16_t)ifindex;
	if (ip6_is_mcast(p->data + IP6_DST)) {
		uint8_t mac[6];
		ip6_mcast_mac(p->data + IP6_DST, mac);
		CNT(st, Ip6OutMcastPkts);
		eth_output(st, p, mac, ETH_P_IPV6);
		return;
	}
	ndisc_output(st, p, nh);
}

/* V3.6, V4.11: a per-flow label as Linux's auto_flowlabels gives (RFC 6437): stable for a pair of
 * addresses and a protocol, never 0. Neighbor Discovery and MLD carry none. */
static uint32_t ip6_flow_hash(const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	/* Eight 32-bit words mixed (murmur3's round and finalizer): it runs for every datagram. */
	uint32_t h = 0x9e3779b1u ^ proto;
	for (unsigned i = 0; i < 16; i += 4) {
		uint32_t w[2] = { be32_get(src + i), be32_get(dst + i) };
		for (unsigned k = 0; k < 2; k++) {
			uint32_t x = w[k] * 0xcc9e2d51u;
			h ^= (x << 15 | x >> 17) * 0x1b873593u;
			h = (h << 13 | h >> 19) * 5 + 0xe6546b64u;
		}
	}
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	return (h & 0xfffff) ? h & 0xfffff : 1;
}

int ip6_output(struct stack *st, struct pkb *p, const struct ip6_tx *tx)
{
	struct route6_res rr;
	uint8_t src[16];
	int oif = tx->oif;

	if (tx->onlink && oif >= 0 && (unsigned)oif < st->nifs) {
		memset(&rr, 0, sizeof(rr));
		rr.ifindex = (unsigned)oif;
		memcpy(rr.nexthop, tx->dst, 16);
	} else if (route6_lookup(st, tx->dst, oif, &rr) != 0 ||
		   (rr.rt && (rr.rt->type == RT6_PROHIBIT || rr.rt->type == RT6_BLACKHOLE))) {
		stack_drop(st, p, C_Ip6OutNoRoutes);
		return -ENETUNREACH;
	}
	if (tx->src)
		memcpy(src, tx->src, 16);
	else if (ip6_select_src(st, tx->dst, (int)rr.ifindex, src) != 0) {
		stack_drop(st, p, C_Ip6OutNoRoutes);
		return -EADDRNOTAVAIL;
	}
	unsigned hlen = IP6_HLEN + tx->hbh_len, tot = hlen + p->len;
	if (pkb_headroom(p) < hlen + ETH_HLEN || tot - IP6_HLEN > IP6_MAX_PLEN) {
		stack_drop(st, p, C_Ip6OutDiscards);
		return -ENOBUFS;
	}
	unsigned mtu = route6_pmtu(st, tx->dst, rr.ifindex);
	if (tot > mtu && tx->dontfrag) {
		stack_drop(st, p, C_Ip6FragFails);
		return -EMSGSIZE;
	}
	if (tx->hbh_len) {
		uint8_t *x = pkb_push(p, tx->hbh_len);
		memcpy(x, tx->hbh, tx->hbh_len);
		x[0] = tx->proto;
	}
	uint8_t *h = pkb_push(p, IP6_HLEN);
	uint32_t flow = tx->flow & 0xfffff;
	if (!flow && !tx->onlink)
		flow = ip6_flow_hash(src, tx->dst, tx->proto);
	be32_put(h, 6u << 28 | (uint32_t)tx->tclass << 20 | flow);
	be16_put(h + IP6_PLEN, (uint16_t)(tot - IP6_HLEN));
	h[IP6_NXT] = tx->hbh_len ? IPPROTO_HOPOPTS_ : tx->proto;
	h[IP6_HLIM] = tx->hlim ? tx->hlim : ip6_hop_limit(st, rr.ifindex);
	memcpy(h + IP6_SRC, src, 16);
	memcpy(h + IP6_DST, tx->dst, 16);
	CNT(st, Ip6OutRequests);
	if (tot > mtu) {
		ip6_fragment(st, p, hlen, mtu, rr.ifindex, rr.nexthop);
		return 0;
	}
	ip6_output_finish(st, p, rr.ifindex, rr.nexthop);
	return 0;
}

void ip6_neigh_failed(struct stack *st, struct pkb *p)
{
	if (p->len >= IP6_HLEN && ip6_addr_find(st, p->data + IP6_SRC, NULL)) {
		/* One of ours: its sender hears EHOSTUNREACH as a local error (§4 table, 1/3). */
		icmp6_deliver_error(st, ICMP6_DEST_UNREACH, 3, 0, NULL, p->data, p->len, NULL, 0);
	} else if (p->len >= IP6_HLEN) {
		/* V8.4: forwarded, one per packet; X3.5: the interface it was to leave by and the next
		 * hop that did not answer. */
		struct icmp_ext_fwd fwd = { p->ifindex, 0 };
		struct route6_res rr;
		const uint8_t *nh = NULL;
		if (route6_lookup(st, p->data + IP6_DST, ip6_is_linklocal(p->data + IP6_DST) ? p->ifindex : -1, &rr) == 0 &&
		    rr.ifindex == p->ifindex)
			nh = rr.nexthop;
		icmp6_send_error_fwd(st, p, ICMP6_DEST_UNREACH, 3, 0, &fwd, nh);
	}
	stack_drop(st, p, C_Ip6OutDiscards);
}
