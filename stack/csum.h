/* stack/csum.h — the Internet checksum (RFC 1071) and its incremental update (RFC 1624). */
#ifndef TAPSTACK_CSUM_H
#define TAPSTACK_CSUM_H

#include <stddef.h>
#include <stdint.h>

/* One's-complement sum of len bytes added to sum, not folded (big-endian 16-bit words). */
uint64_t csum_add(uint64_t sum, const void *data, size_t len);
/* Folds a sum to 16 bits and complements it: the value to store in a checksum field. */
static inline uint16_t csum_fold(uint64_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}
/* Checksum of a buffer: 0 when a buffer that includes its checksum field verifies. */
static inline uint16_t csum_buf(const void *data, size_t len) { return csum_fold(csum_add(0, data, len)); }
/* RFC 1624 eqn 3: checksum field after a 16-bit word changes from old to new. */
static inline uint16_t csum_update16(uint16_t check, uint16_t old, uint16_t new)
{
	uint32_t s = (uint16_t)~check + (uint32_t)(uint16_t)~old + new;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~s;
}
/* Pseudo-header sum for UDP/TCP over IPv4 (host-order addresses). */
static inline uint64_t csum_pseudo(uint32_t src, uint32_t dst, uint8_t proto, uint16_t len)
{
	return (uint64_t)(src >> 16) + (src & 0xffff) + (dst >> 16) + (dst & 0xffff) + proto + len;
}

#endif
