/* eth/ndisc_router.h — what Neighbor Discovery does as a router (ICMP6-SPEC V6.14, V6.16):
 * Redirects for packets forwarded back out their arrival link, and Router Advertisements on
 * interfaces with the `ra` option (POLICY: radvd's job built in). */
#ifndef TAPSTACK_NDISC_ROUTER_H
#define TAPSTACK_NDISC_ROUTER_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/pkb.h"

struct stack;

/* Allocates the router state (Redirect buckets, RA schedules): 0 or -ENOMEM. */
int ndisc_router_init(struct stack *st);
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
