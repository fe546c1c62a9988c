/* icmp/icmp4_ratelimit.c — ICMP-SPEC §7, as Linux's icmp_global_allow and inet_peer_xrlim_allow:
 * a global bucket refilled at icmp_msgs_per_sec up to icmp_msgs_burst, consumed by a random 0..2 per
 * message (it may go negative), and a per-destination bucket of icmp_ratelimit-ms tokens with a burst
 * of six. The per-destination table is a fixed set-associative array: a flood of spoofed sources
 * replaces entries, never grows memory. */
#include "icmp/icmp4.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmp6.h"
#include "ip/ip6.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/wire.h"

/* The limiter's state: the global bucket and each family's table of peers. */
struct icmp_ratelimit {
	int64_t credit;          /* global; may go negative */
	uint64_t stamp;
	struct icmp_peer peers4[ICMP4_PEERS_SETS][ICMP4_PEERS_WAYS];
	struct icmp_peer peers6[ICMP6_PEERS_SETS][ICMP6_PEERS_WAYS];
};

int icmp_ratelimit_init(struct stack *st)
{
	st->icmp_rl = calloc(1, sizeof(*st->icmp_rl));
	return st->icmp_rl ? 0 : -ENOMEM;
}

#define RL_PEER_BURST   6       /* XRLIM_BURST_FACTOR */
#define RL_NEW_PEER_AGE 60000   /* a new peer starts as if last seen a minute ago: full burst */

bool icmp4_rate_exempt(const struct stack *st, uint8_t type, uint8_t code)
{
	return type > ICMP4_MAX_TYPE || (type == ICMP4_DEST_UNREACH && code == 4) ||
	       !(st->knobs.icmp_ratemask & (1L << type));
}

bool icmp_global_allow(struct stack *st)
{
	struct icmp_ratelimit *rl = st->icmp_rl;
	if (rl->credit > 0)
		return true;
	uint64_t d = st->now - rl->stamp;
	if (d > 1000)
		d = 1000;
	if (d < 20)
		return false;
	int64_t inc = (int64_t)((uint64_t)st->knobs.icmp_msgs_per_sec * d / 1000);
	if (inc == 0)
		return false;
	rl->stamp = st->now;
	rl->credit += inc;
	if (rl->credit > st->knobs.icmp_msgs_burst)
		rl->credit = st->knobs.icmp_msgs_burst;
	return true;
}

uint32_t icmp_peer_hash(const uint8_t *key, unsigned alen)
{
	uint32_t h = 0;
	for (unsigned i = 0; i < alen; i++)
		h = h * 31u + key[i];
	return h * 0x9e3779b1u;
}

struct icmp_peer *icmp_peer_get(const struct stack *st, struct icmp_peer *set, unsigned ways, const uint8_t *key,
				unsigned alen)
{
	struct icmp_peer *victim = &set[0];
	for (unsigned i = 0; i < ways; i++) {
		if (set[i].used && set[i].alen == alen && memcmp(set[i].addr, key, alen) == 0)
			return &set[i];
		if (!set[i].used || (victim->used && set[i].last < victim->last))
			victim = &set[i];
	}
	memset(victim, 0, sizeof(*victim));
	memcpy(victim->addr, key, alen);
	victim->alen = (uint8_t)alen;
	victim->used = 1;
	victim->last = st->now - RL_NEW_PEER_AGE;
	return victim;
}

static struct icmp_peer *rl_peer(struct stack *st, uint32_t addr)
{
	uint8_t key[4];
	be32_put(key, addr);
	struct icmp_peer *set = st->icmp_rl->peers4[icmp_peer_hash(key, 4) >> 22 & (ICMP4_PEERS_SETS - 1)];
	return icmp_peer_get(st, set, ICMP4_PEERS_WAYS, key, 4);
}

bool icmp_peer_take(const struct stack *st, int64_t *tokens, uint64_t *last, int64_t t)
{
	uint64_t d = st->now - *last;
	if (d) {
		*last = st->now;
		*tokens += (int64_t)d;
		if (*tokens > RL_PEER_BURST * t)
			*tokens = RL_PEER_BURST * t;
	}
	if (*tokens >= t) {
		*tokens -= t;
		return true;
	}
	return false;
}

static bool rl_peer_allow(struct stack *st, uint32_t dst)
{
	struct icmp_peer *p = rl_peer(st, dst);
	return icmp_peer_take(st, &p->tokens, &p->last, st->knobs.icmp_ratelimit);
}

/* --- ICMPv6 (ICMP6-SPEC §5): the same global bucket, its own peer table --- */

static struct icmp_peer *rl_peer6(struct stack *st, const uint8_t *addr)
{
	struct icmp_peer *set = st->icmp_rl->peers6[icmp_peer_hash(addr, 16) >> 23 & (ICMP6_PEERS_SETS - 1)];
	return icmp_peer_get(st, set, ICMP6_PEERS_WAYS, addr, 16);
}

bool icmp6_rate_limited_type(const struct stack *st, uint8_t type)
{
	return (st->knobs.ip6_ratemask[type / 64] >> (type % 64)) & 1;
}

bool icmp6_rate_allow(struct stack *st, uint8_t type, const uint8_t *dst)
{
	if (!icmp6_rate_limited_type(st, type))
		return true;                                  /* V5.2 */
	if (!icmp_global_allow(st)) {
		CNT(st, IcmpOutRateLimitGlobal);              /* V5.1: shared with ICMPv4 */
		return false;
	}
	struct route6_res rr;
	if (route6_lookup(st, dst, -1, &rr) != 0 && !ip6_is_linklocal(dst)) {
		CNT(st, Ip6OutNoRoutes);                      /* V4.6 */
		CNT(st, Icmp6OutRateLimitHost);
		return false;
	}
	if (st->knobs.ip6_icmp_ratelimit) {
		struct icmp_peer *p = rl_peer6(st, dst);
		if (!icmp_peer_take(st, &p->tokens, &p->last, st->knobs.ip6_icmp_ratelimit)) {
			CNT(st, Icmp6OutRateLimitHost);       /* V4.7 */
			return false;
		}
	}
	st->icmp_rl->credit -= stack_random(st) % 3;
	return true;
}

unsigned icmp6_peers_in_use(const struct stack *st)
{
	unsigned n = 0;
	for (unsigned s = 0; s < ICMP6_PEERS_SETS; s++)
		for (unsigned w = 0; w < ICMP6_PEERS_WAYS; w++)
			n += st->icmp_rl->peers6[s][w].used != 0;
	return n;
}

/* Linux's route.c ip_error: 1 s of the source's tokens per error, at most 5 s saved, on the same
 * peer entry as rl_peer_allow (the per-destination limiter then takes its share too). */
#define RL_ROUTE_ERROR_COST  1000  /* ip_rt_error_cost, HZ */
#define RL_ROUTE_ERROR_BURST 5000  /* ip_rt_error_burst, 5 * HZ */

bool icmp4_route_error_allow(struct stack *st, uint32_t src)
{
	struct icmp_peer *p = rl_peer(st, src);
	p->tokens += (int64_t)(st->now - p->last);
	if (p->tokens > RL_ROUTE_ERROR_BURST)
		p->tokens = RL_ROUTE_ERROR_BURST;
	p->last = st->now;
	if (p->tokens < RL_ROUTE_ERROR_COST) {
		CNT(st, IcmpOutRateLimitRoute);
		return false;
	}
	p->tokens -= RL_ROUTE_ERROR_COST;
	return true;
}

bool icmp4_rate_allow(struct stack *st, uint8_t type, uint8_t code, uint32_t dst)
{
	if (icmp4_rate_exempt(st, type, code))
		return true;
	if (!icmp_global_allow(st)) {
		CNT(st, IcmpOutRateLimitGlobal);
		return false;
	}
	if (!rl_peer_allow(st, dst)) {
		CNT(st, IcmpOutRateLimitHost);
		return false;
	}
	st->icmp_rl->credit -= stack_random(st) % 3;
	return true;
}

unsigned icmp4_peers_in_use(const struct stack *st)
{
	unsigned n = 0;
	for (unsigned s = 0; s < ICMP4_PEERS_SETS; s++)
		for (unsigned w = 0; w < ICMP4_PEERS_WAYS; w++)
			n += st->icmp_rl->peers4[s][w].used != 0;
	return n;
}
