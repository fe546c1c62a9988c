/* stack/csum.c — one's-complement sums, 32 bits at a time into a 64-bit accumulator. */
#include "stack/csum.h"

#include <string.h>

uint64_t csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;

	/* Big-endian 32-bit words: their one's-complement sum folds to the same 16-bit result. */
	while (len >= 4) {
		sum += (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		sum += (uint32_t)p[0] << 8 | p[1];
		p += 2;
		len -= 2;
	}
	if (len)
		sum += (uint32_t)p[0] << 8;
	/* Fold the 32-bit halves so the caller's 16-bit fold sees the right carries. */
	sum = (sum & 0xffffffffu) + (sum >> 32);
	sum = (sum & 0xffff) + (sum >> 16);
	return sum;
}
