/* stack/core.h — the inside of struct stack, shared by the core modules (never by tap/ or tools/). */
#ifndef TAPSTACK_CORE_H
#define TAPSTACK_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "eth/eth.h"
#include "stack/counters.h"
#include "stack/knobs.h"
#include "stack/pkb.h"
#include "stack/stack.h"

struct ifaddr {
	uint32_t addr, mask, bcast;
	uint8_t plen;
};

struct iface {
	char name[16];
	uint8_t mac[ETH_ALEN];
	bool up;
	uint16_t mtu;
	unsigned naddr;
	struct ifaddr addr[STACK_MAX_ADDRS];
	struct iface6 *in6;           /* IPv6: addresses, groups, ND and RA state (ip/ip6_int.h) */
};

struct stack {
	uint64_t now;                 /* ms; the time given with the current call */
	int64_t wall_offset;
	struct knobs knobs;
	uint64_t ctr[C__COUNT];
	uint64_t rx_drop[C__COUNT];   /* received frames dropped, by reason (`tapstackctl drops`) */
	uint64_t icmp_in_type[256], icmp_out_type[256];
	uint64_t icmp6_in_type[256], icmp6_out_type[256];
	struct pkb_pool pool;
	struct pkb_queue txq;
	struct iface ifs[STACK_MAX_IFACES];
	unsigned nifs;
	/* Each module's own state, a type defined where only that module (and white-box tests) sees
	 * it; everyone else goes through the module's functions. Allocated by the module's init,
	 * freed by stack_free. (tests/layout.sh keeps this header free of module headers.) */
	struct route_table *routes;   /* IPv4 routes (ip/route.c) */
	struct route6_table *rt6;     /* IPv6 routes (ip/route6.c) */
	struct rtcache *rtcache;      /* both families' exceptions (ip/rtcache.h), kept by route.c */
	struct neigh_table *neigh;    /* ARP's and ND's entries (eth/neigh_int.h) */
	struct ip4_state *ip4;        /* protocol table, reassembly, redirect limiter (ip/ip4_int.h) */
	struct icmp_ratelimit *icmp_rl; /* both families' buckets (icmp/icmp4_ratelimit.c) */
	struct udp_table *udp;        /* stub sockets (stack/udp.c) */
	struct ip6_state *ip6;        /* IPv6's protocol table (ip/ip6.c) */
	struct ip6_reasm_state *reasm6; /* IPv6 reassembly, fragment ids (ip/ip6_frag.h) */
	struct nd_router *ndr;        /* Redirects and RAs as a router (eth/ndisc_router.c) */
	struct ping_table *ping;      /* the ping client's sessions (icmp/ping.c) */
	uint64_t now_us, now_us_ms;   /* fine clock, and the ms value it was given with */
	uint16_t ip_id;
	uint64_t rng;
};

#define CNT(st, name) ((st)->ctr[C_##name]++)

/* A received frame's fate, counted once (EthInFrames = the Rx* outcomes): a no-op for any other
 * buffer and for a frame already counted. */
static inline void stack_rx_outcome(struct stack *st, struct pkb *p, enum counter outcome)
{
	if (p->flags & PKB_RX) {
		p->flags &= (uint8_t)~PKB_RX;
		st->ctr[outcome]++;
	}
}

/* Drops p for a reason whose counter the caller has already moved: a received frame is counted
 * in RxDropped under that reason. Frees p. */
static inline void stack_drop_counted(struct stack *st, struct pkb *p, enum counter reason)
{
	if (p->flags & PKB_RX) {
		p->flags &= (uint8_t)~PKB_RX;
		st->ctr[C_RxDropped]++;
		st->rx_drop[reason]++;
	}
	pkb_free(&st->pool, p);
}

/* The one drop point: counts reason (its counter, and for a received frame its drop reason) and
 * frees p. */
static inline void stack_drop(struct stack *st, struct pkb *p, enum counter reason)
{
	st->ctr[reason]++;
	stack_drop_counted(st, p, reason);
}

/* p was taken by a local receiver (a UDP service, ARP, ping, an error delivered): freed. */
static inline void stack_consume(struct stack *st, struct pkb *p)
{
	stack_rx_outcome(st, p, C_RxDelivered);
	pkb_free(&st->pool, p);
}

/* True when the pool is down to its reserve (a quarter free): queues that hold buffers (UDP
 * receive queues, ARP's pending packets, reassembly) take no more, so that reception of new
 * frames, and with it ping and ARP, always has buffers. */
static inline bool stack_pool_low(const struct stack *st)
{
	unsigned pool_free = st->pool.count - (st->pool.in_use - st->pool.heap_in_use);
	return pool_free <= st->pool.count / 4;
}

/* A fresh buffer for an outgoing packet with payload room `size`; counts PkbAllocFails on NULL. */
struct pkb *stack_alloc(struct stack *st, size_t size);
/* Appends a finished frame to the transmit queue. Consumes p. */
void stack_tx_enqueue(struct stack *st, struct pkb *p);
/* xorshift64*: IP IDs and the rate limiter's jitter; deterministic for a given seed. */
uint32_t stack_random(struct stack *st);

/* Every entry point sets the time through this: ms for timers, and the µs reading when the caller
 * gave one for the same millisecond. */
void stack_set_now(struct stack *st, uint64_t now_ms);

/* Milliseconds since midnight UT on the caller-supplied wall clock (RFC 792 timestamps, RFC 791 TS). */
uint32_t stack_ms_since_midnight(const struct stack *st);

/* Interface owning addr on a connected subnet containing peer, or NULL. */
const struct ifaddr *iface_addr_for(const struct iface *ifp, uint32_t peer);

#endif
