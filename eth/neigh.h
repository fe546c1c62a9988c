/* eth/neigh.h — the neighbour subsystem: one cache of link-layer addresses for every network
 * protocol, with Linux's NUD states, timers, a bounded pending queue and garbage collection
 * (Linux net/core/neighbour.c). A protocol plugs in a resolver (neigh_ops): ARP for IPv4 now,
 * Neighbor Discovery for IPv6 next; the cache itself knows only addresses of up to 16 bytes.
 *
 *   INCOMPLETE --answer--> REACHABLE --reachable_ms--> STALE --used--> DELAY --delay_ms-->
 *   PROBE --answer--> REACHABLE;  INCOMPLETE after mcast_solicit tries, and STALE/DELAY/PROBE at
 *   the end of stale_ms, --> FAILED: the entry is freed and its queued packets get the
 *   resolver's `failed` (ICMP host unreachable), once nothing in the table is being changed.
 *
 * Ownership: neigh_output consumes the packet (sent, queued or dropped with a reason). */
#ifndef TAPSTACK_NEIGH_H
#define TAPSTACK_NEIGH_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/pkb.h"

struct stack;

#define NEIGH_SIZE        256   /* entries for all protocols; the oldest is reused when full */
#define NEIGH_ADDR_MAX    16    /* an IPv6 address */
#define NEIGH_PENDING_MAX 48    /* packets held per unresolved neighbour: a 64 KiB datagram in fragments */
#define NEIGH_FAMILIES    2

enum neigh_family { NEIGH_INET = 0, NEIGH_INET6 = 1 };

enum neigh_state {
	NEIGH_FREE = 0,
	NEIGH_INCOMPLETE,   /* asked (broadcast/multicast), no answer yet: packets wait */
	NEIGH_REACHABLE,    /* confirmed within reachable_ms */
	NEIGH_STALE,        /* usable, not confirmed lately: the next use verifies it */
	NEIGH_DELAY,        /* used while STALE: a unicast probe follows after delay_ms */
	NEIGH_PROBE,        /* unicast probes out, packets still sent to the cached address */
	NEIGH_FAILED,       /* no answer: seen only while the entry is being freed */
};

struct neigh_entry {
	uint8_t family;            /* enum neigh_family */
	uint8_t state;             /* enum neigh_state */
	uint8_t probes;            /* solicitations sent in this state */
	uint8_t alen;              /* bytes of addr used */
	uint8_t flags;             /* NEIGH_F_* */
	uint16_t ifindex;
	uint8_t addr[NEIGH_ADDR_MAX];
	uint8_t mac[6];
	uint64_t timer;            /* when this state's timer fires (ms) */
	uint64_t lapses;           /* REACHABLE..PROBE: when the entry is freed unless confirmed */
	uint64_t created;
	struct pkb_queue q;        /* packets waiting for resolution, network header at data */
};

#define NEIGH_F_ROUTER 1u      /* IPv6: the neighbour said it is a router (NA R flag, RA) */

/* One protocol's timing (Linux's neigh_parms) and its hooks. */
struct neigh_ops {
	uint32_t reachable_ms;     /* REACHABLE this long after a confirmation ... */
	uint32_t stale_ms;         /* ... then STALE and still used this long: then it lapses */
	uint32_t delay_ms;         /* DELAY before the first unicast probe (0: probe at once) */
	uint32_t retrans_ms;       /* between solicitations */
	uint8_t mcast_solicit;     /* broadcast/multicast solicitations while INCOMPLETE */
	uint8_t ucast_probes;      /* unicast probes in PROBE */
	uint16_t ethertype;        /* of the packets it carries */
	uint16_t c_resolve_failed; /* counter: INCOMPLETE ran out of tries */
	uint16_t c_evictions;      /* counter: the table was full, this entry reused */
	uint16_t c_queue_drops;    /* counter: a packet dropped for want of queue room */
	/* Sends a solicitation for e: to mac (unicast) or, with mac NULL, to everyone on the link. */
	void (*solicit)(struct stack *st, const struct neigh_entry *e, const uint8_t *mac);
	/* A packet whose neighbour did not answer (ICMP host unreachable). Consumes p. */
	void (*failed)(struct stack *st, struct pkb *p);
	/* PROBE ends in FAILED one retrans time after the last unicast probe (Linux; IPv6's V6.8),
	 * instead of lasting until the entry lapses. */
	bool probe_fails;
	/* Optional: the times for an entry, when they depend on its interface and the knobs (ND:
	 * RA-learned retrans and reachable time, a reachable time drawn in [0.5, 1.5) x base). The
	 * fixed fields above are used when NULL. */
	uint32_t (*time_ms)(struct stack *st, const struct neigh_entry *e, int which);
};
enum { NEIGH_T_REACHABLE, NEIGH_T_STALE, NEIGH_T_DELAY, NEIGH_T_RETRANS };

/* Allocates the cache: 0 or -ENOMEM (stack_free frees it). */
int neigh_init(struct stack *st);
void neigh_register(struct stack *st, enum neigh_family fam, const struct neigh_ops *ops);

/* The entry for addr on ifindex, or NULL. */
const struct neigh_entry *neigh_lookup(const struct stack *st, enum neigh_family fam, unsigned ifindex,
				       const void *addr, unsigned alen);

/* Sends p (p->ifindex set) to the neighbour addr: at once when its address is known, else queued
 * (bounded) while the resolver asks. Consumes p. */
void neigh_output(struct stack *st, enum neigh_family fam, struct pkb *p, const void *addr, unsigned alen);

/* The neighbour addr has link address mac. `create`: make an entry if there is none (a request
 * addressed to us); else only an existing entry is confirmed (RFC 826's merge). */
void neigh_update(struct stack *st, enum neigh_family fam, unsigned ifindex, const void *addr, unsigned alen,
		  const uint8_t mac[6], bool create);

/* Neighbor Discovery's update (RFC 4861 7.2.3, 7.2.5, 7.3.3) of the entry for addr with lladdr
 * (NULL: none given), by these flags: */
#define NEIGH_UPD_CREATE   1u  /* no entry: make one, STALE (an NS or RA with a link-layer option) */
#define NEIGH_UPD_OVERRIDE 2u  /* a different lladdr replaces the cached one (NA O=1, NS, RA) */
#define NEIGH_UPD_CONFIRM  4u  /* reachability confirmed (NA S=1) */
#define NEIGH_UPD_ROUTER   8u  /* sets the router flag ... */
#define NEIGH_UPD_NOTROUTER 16u /* ... or clears it */
/* Returns the entry's flags before the update (NEIGH_F_ROUTER), or -1 when it did nothing. */
int neigh_update_nd(struct stack *st, enum neigh_family fam, unsigned ifindex, const void *addr, unsigned alen,
		    const uint8_t *lladdr, unsigned flags);
/* Timers: retries, STALE, probes, lapses. */
void neigh_poll(struct stack *st);
uint64_t neigh_deadline(const struct stack *st);
/* Frees every queued packet (stack teardown). */
void neigh_flush(struct stack *st);

/* Calls fn for every entry in use (the `neigh` printout), in table order. */
void neigh_foreach(const struct stack *st, void (*fn)(const struct neigh_entry *e, void *arg), void *arg);
const char *neigh_state_name(enum neigh_state s);

#endif
