/* stack/csum.c — one's-complement sums. RFC 1071 2(B): the sum does not depend on byte order, so
 * words are added as the machine loads them, 32 bits at a time into a 64-bit accumulator, and the
 * folded result is turned into network order once at the end. */
#include "stack/csum.h"

#include <string.h>

uint64_t csum_add(uint64_t sum, const void *data, size_t len)
{
	const uint8_t *p = data;
	uint64_t acc = 0;

	while (len >= 16) {
		uint64_t a, b;
		memcpy(&a, p, 8);
		memcpy(&b, p + 8, 8);
		acc += (a & 0xffffffffu) + (a >> 32) + (b & 0xffffffffu) + (b >> 32);
		p += 16;
		len -= 16;
	}
	if (len >= 8) {
		uint64_t a;
		memcpy(&a, p, 8);
		acc += (a & 0xffffffffu) + (a >> 32);
		p += 8;
		len -= 8;
	}
	if (len >= 4) {
		uint32_t a;
		memcpy(&a, p, 4);
		acc += a;
		p += 4;
		len -= 4;
	}
	if (len >= 2) {
		uint16_t a;
		memcpy(&a, p, 2);
		acc += a;
		p += 2;
		len -= 2;
	}
	if (len) { /* the last byte, padded with a zero after it, as the machine would load it */
		uint8_t pad[2] = { p[0], 0 };
		uint16_t a;
		memcpy(&a, pad, 2);
		acc += a;
	}
	while (acc >> 16)
		acc = (acc & 0xffff) + (acc >> 16);
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	acc = ((acc & 0xff) << 8) | (acc >> 8);
#endif
	return sum + acc;
}
