/* stack/wire.h — byte-order accessors for wire formats. Offsets, never packed-struct overlays:
 * no alignment, aliasing or byte-order traps. Callers check lengths before reading. */
#ifndef TAPSTACK_WIRE_H
#define TAPSTACK_WIRE_H

#include <stddef.h>
#include <stdint.h>

static inline uint16_t be16_get(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static inline uint32_t be32_get(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static inline void be16_put(uint8_t *p, uint16_t v) { p[0] = (uint8_t)(v >> 8); p[1] = (uint8_t)v; }
static inline void be32_put(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24); p[1] = (uint8_t)(v >> 16); p[2] = (uint8_t)(v >> 8); p[3] = (uint8_t)v;
}

/* Writes a.b.c.d for a host-order address into buf (at least 16 bytes); returns buf. */
char *ip4_ntoa(uint32_t addr, char *buf);
/* Parses a.b.c.d strictly (four decimal parts 0..255); 0 on success, -1 otherwise. */
int ip4_aton(const char *s, uint32_t *addr);
/* Writes aa:bb:cc:dd:ee:ff into buf (at least 18 bytes); returns buf. */
char *mac_ntoa(const uint8_t mac[6], char *buf);

static inline uint32_t ip4_mask(unsigned plen) { return plen == 0 ? 0 : plen >= 32 ? ~(uint32_t)0 : ~(uint32_t)0 << (32 - plen); }

#endif
