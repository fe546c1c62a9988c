/* eth/ndisc_router.h — what Neighbor Discovery does as a router (ICMP6-SPEC V6.14, V6.16):
 * Redirects for packets forwarded back out their arrival link, and Router Advertisements on
 * interfaces with the `ra` option (POLICY: radvd's job built in). */
#ifndef TAPSTACK_NDISC_ROUTER_H
#define TAPSTACK_NDISC_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "icmp/icmp4.h"
#include "stack/pkb.h"

struct stack;

#define ND_REDIRECT_PEERS 64


/* V6.16: one interface's advertising. */
struct nd_ra_state {
	bool on;                /* the `ra` option */
	bool final_due;         /* turned off: one RA with Router Lifetime 0 to send */
	uint8_t initial_left;   /* of the first 3, at most 16 s apart */
	uint64_t next;          /* the next unsolicited RA; UINT64_MAX none */
	uint64_t last;          /* the last RA sent (multicast), for the 3 s spacing */
	uint64_t solicited_at;  /* an RA answering an RS is due then; UINT64_MAX none */
};

struct nd_router {
	struct icmp_peer peers[ND_REDIRECT_PEERS]; /* V6.14's buckets: per destination and per source */
	struct nd_ra_state ra[8];
};

/* V6.14: p (IPv6 header at data, about to be forwarded, hop limit not yet decremented) leaves by
 * the interface it came in on, toward nexthop: tell its source of the better first hop. Does not
 * consume p. */
void ndisc_maybe_redirect(struct stack *st, const struct pkb *p, unsigned ifindex, const uint8_t *nexthop,
			  bool gateway);
/* V6.16: turns advertising on or off for ifindex (off sends one final RA with lifetime 0). */
void ndisc_ra_set(struct stack *st, unsigned ifindex, bool on);
bool ndisc_ra_enabled(const struct stack *st, unsigned ifindex);
/* A Router Solicitation came in on ifindex (forwarding): an RA within 0.5 s, at most one per 3 s. */
void ndisc_ra_solicited(struct stack *st, unsigned ifindex);
/* Final RAs of every advertising interface (shutdown). */
void ndisc_ra_shutdown(struct stack *st);
void ndisc_router_poll(struct stack *st);
uint64_t ndisc_router_deadline(const struct stack *st);

#endif
