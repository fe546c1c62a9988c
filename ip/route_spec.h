/* ip/route_spec.h — what the two routing tables share: the kinds of route and IPv6 prefix masking.
 * A route's text ("PREFIX/LEN,via=GW", ...) is parsed by the `route` command (ctl/route_cmd.c); the
 * tables place its gateway on one of their links (route_gw_ifindex, route6_gw_ifindex). */
#ifndef TAPSTACK_ROUTE_SPEC_H
#define TAPSTACK_ROUTE_SPEC_H

#include <stdint.h>

/* The kinds of route, the same numbers in both tables (route6.h's RT6_* are these). */
enum route_type { RT_CONNECTED = 1, RT_GATEWAY, RT_PROHIBIT, RT_BLACKHOLE };

/* out = the first plen bits of a (IPv6), the rest zero. */
void route_mask6(uint8_t out[16], const uint8_t *a, unsigned plen);

#endif
