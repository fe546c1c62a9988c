/* stack/addr.h — an address of either family (lwIP's ip_addr_t, smoltcp's IpAddress): what UDP
 * stubs, their error queues and the control commands hold, so that IPv6 (issue 14) plugs into
 * the same sockets. IPv4 is kept in host order as everywhere in the core; IPv6 as its 16 bytes. */
#ifndef TAPSTACK_ADDR_H
#define TAPSTACK_ADDR_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

enum inet_family { INET_V4 = 4, INET_V6 = 6 };

struct inet_addr {
	uint8_t family;            /* enum inet_family */
	union {
		uint32_t v4;       /* host order */
		uint8_t v6[16];
	} u;
};

#define INET_STRLEN 46             /* the longest text of either (an IPv6 address with a dotted tail) */

static inline struct inet_addr inet_v4(uint32_t a)
{
	struct inet_addr x = { .family = INET_V4 };
	x.u.v4 = a;
	return x;
}

static inline struct inet_addr inet_v6(const uint8_t *a)
{
	struct inet_addr x = { .family = INET_V6 };
	memcpy(x.u.v6, a, 16);
	return x;
}

/* The unspecified address of its family (0.0.0.0, ::): a wildcard in a socket. */
bool inet_is_any(const struct inet_addr *a);
bool inet_eq(const struct inet_addr *a, const struct inet_addr *b);
/* Text: dotted quad, or RFC 5952's form (lower case, the longest run of zero groups as ::). */
const char *inet_ntop_buf(const struct inet_addr *a, char buf[INET_STRLEN]);
/* Parses a dotted quad or an IPv6 address (RFC 4291 2.2: eight groups, one ::). 0 or -1. */
int inet_parse(const char *s, struct inet_addr *a);

#endif
