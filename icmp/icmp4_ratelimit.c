/* icmp/icmp4_ratelimit.c — ICMP-SPEC §7, as Linux's icmp_global_allow and inet_peer_xrlim_allow:
 * a global bucket refilled at icmp_msgs_per_sec up to icmp_msgs_burst, consumed by a random 0..2 per
 * message (it may go negative), and a per-destination bucket of icmp_ratelimit-ms tokens with a burst
 * of six. The per-destination table is a fixed set-associative array: a flood of spoofed sources
 * replaces entries, never grows memory. */
#include "icmp/icmp4.h"

#include "stack/core.h"

#define RL_PEER_BURST   6       /* XRLIM_BURST_FACTOR */
#define RL_NEW_PEER_AGE 60000   /* a new peer starts as if last seen a minute ago: full burst */

bool icmp4_rate_exempt(const struct stack *st, uint8_t type, uint8_t code)
{
	return type > ICMP4_MAX_TYPE || (type == ICMP4_DEST_UNREACH && code == 4) ||
	       !(st->knobs.icmp_ratemask & (1L << type));
}

static bool rl_global_allow(struct stack *st)
{
	struct icmp4_ratelimit *rl = &st->icmp_rl;
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

static struct icmp4_peer *rl_peer(struct stack *st, uint32_t addr)
{
	struct icmp4_peer *set = st->icmp_rl.peers[(addr * 0x9e3779b1u) >> 22 & (ICMP4_PEERS_SETS - 1)];
	struct icmp4_peer *victim = &set[0];
	for (unsigned i = 0; i < ICMP4_PEERS_WAYS; i++) {
		if (set[i].used && set[i].addr == addr)
			return &set[i];
		if (!set[i].used || (victim->used && set[i].last < victim->last))
			victim = &set[i];
	}
	victim->addr = addr;
	victim->used = 1;
	victim->tokens = 0;
	victim->last = st->now - RL_NEW_PEER_AGE;
	return victim;
}

static bool rl_peer_allow(struct stack *st, uint32_t dst)
{
	int64_t t = st->knobs.icmp_ratelimit;
	struct icmp4_peer *p = rl_peer(st, dst);
	uint64_t d = st->now - p->last;
	if (d) {
		p->last = st->now;
		p->tokens += (int64_t)d;
		if (p->tokens > RL_PEER_BURST * t)
			p->tokens = RL_PEER_BURST * t;
	}
	if (p->tokens >= t) {
		p->tokens -= t;
		return true;
	}
	return false;
}

/* Linux's route.c ip_error: 1 s of the source's tokens per error, at most 5 s saved, on the same
 * peer entry as rl_peer_allow (the per-destination limiter then takes its share too). */
#define RL_ROUTE_ERROR_COST  1000  /* ip_rt_error_cost, HZ */
#define RL_ROUTE_ERROR_BURST 5000  /* ip_rt_error_burst, 5 * HZ */

bool icmp4_route_error_allow(struct stack *st, uint32_t src)
{
	struct icmp4_peer *p = rl_peer(st, src);
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
	if (!rl_global_allow(st)) {
		CNT(st, IcmpOutRateLimitGlobal);
		return false;
	}
	if (!rl_peer_allow(st, dst)) {
		CNT(st, IcmpOutRateLimitHost);
		return false;
	}
	st->icmp_rl.credit -= stack_random(st) % 3;
	return true;
}

unsigned icmp4_peers_in_use(const struct stack *st)
{
	unsigned n = 0;
	for (unsigned s = 0; s < ICMP4_PEERS_SETS; s++)
		for (unsigned w = 0; w < ICMP4_PEERS_WAYS; w++)
			n += st->icmp_rl.peers[s][w].used != 0;
	return n;
}
