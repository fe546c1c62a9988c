/* ip/route_spec.h — what the two routing tables share: the kinds of route, prefixes of either
 * family (masking, text), and the parser of a route's text, "PREFIX/LEN,via=GW", "default,via=GW",
 * "PREFIX/LEN,prohibit", "PREFIX/LEN,blackhole" (an IPv6 gateway may name its link: via=fe80::1%tap0).
 * The tables then place the gateway on one of their links (route.c, route6.c). */
#ifndef TAPSTACK_ROUTE_SPEC_H
#define TAPSTACK_ROUTE_SPEC_H

#include <stddef.h>
#include <stdint.h>

#include "stack/addr.h"

/* The kinds of route, the same numbers in both tables (route6.h's RT6_* are these). */
enum route_type { RT_CONNECTED = 1, RT_GATEWAY, RT_PROHIBIT, RT_BLACKHOLE };

struct route_spec {
	struct inet_addr prefix;   /* host bits zero */
	unsigned plen;
	enum route_type type;      /* RT_GATEWAY, RT_PROHIBIT or RT_BLACKHOLE */
	struct inet_addr gw;       /* RT_GATEWAY */
	char text[64];             /* RT_GATEWAY: the gateway as written, without its zone */
	const char *zone;          /* IPv6: the interface named after '%' (in text's storage), or NULL */
};

/* Parses a route's text for family fam: 0, or -1 with a one-line reason in err. */
int route_spec_parse(const char *spec, enum inet_family fam, struct route_spec *rs, char *err, size_t errlen);
/* out = the first plen bits of a (IPv6), the rest zero. */
void route_mask6(uint8_t out[16], const uint8_t *a, unsigned plen);

#endif
