/* ip/route_spec.c — what the two routing tables share (see route_spec.h). */
#include "ip/route_spec.h"

void route_mask6(uint8_t out[16], const uint8_t *a, unsigned plen)
{
	for (unsigned i = 0; i < 16; i++) {
		unsigned bits = plen >= (i + 1) * 8 ? 8 : plen > i * 8 ? plen - i * 8 : 0;
		out[i] = (uint8_t)(a[i] & (uint8_t)(0xff00u >> bits));
	}
}
