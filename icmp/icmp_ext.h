/* icmp/icmp_ext.h — ICMP extensions (../shared/ICMP-EXT-SPEC.md): RFC 4884 multi-part messages and
 * RFC 5837 Interface Information Objects, built by the one error builder (X1-X3) and read back for
 * the stub sockets and the ping client (X4). */
#ifndef TAPSTACK_ICMP_EXT_H
#define TAPSTACK_ICMP_EXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/pkb.h"

struct stack;

#define ICMP_EXT_ORIG_LEN   128  /* X1.3: the original-datagram field with an extension, always */
#define ICMP_EXT_HDR_LEN    4    /* X1.4 */
#define ICMP_EXT_IIO_LEN    40   /* X3.3: ifIndex + IPv4 address + 20-byte name + MTU */
#define ICMP_EXT_IIO_NOADDR 32
#define ICMP_EXT_NH_LEN     12   /* X3.5: IP address sub-object only */
#define ICMP_EXT_MAX        (ICMP_EXT_HDR_LEN + 2 * ICMP_EXT_IIO_LEN + ICMP_EXT_NH_LEN)
#define ICMP6_EXT_IIO_LEN   52   /* X3.3 for ICMPv6: the address sub-object holds 16 bytes */
#define ICMP6_EXT_NH_LEN    24
#define ICMP6_EXT_MAX       (ICMP_EXT_HDR_LEN + 2 * ICMP6_EXT_IIO_LEN + ICMP6_EXT_NH_LEN)

#define ICMP_EXT_MASK_INC   0x01 /* incoming interface (Linux 6.19) */
#define ICMP_EXT_MASK_OUT   0x02 /* POLICY: outgoing interface */
#define ICMP_EXT_MASK_NXT   0x04 /* POLICY: next hop */
#define ICMP_EXT_MASK_ALL   0x07

#define ICMP_EXT_CLASS_IIO  2    /* RFC 5837 */
#define ICMP_EXT_CLASS_IID  3    /* RFC 8335 */

/* Where a forwarded offender was going (X3.5): the egress interface and the next hop. */
struct icmp_ext_fwd {
	unsigned oif;
	uint32_t nexthop;
};

/* X2 for ICMPv4: with the mask in force, the 128-byte original-datagram field followed by the
 * extension structure, written to out (room for ICMP_EXT_ORIG_LEN + ICMP_EXT_MAX bytes). off is the
 * offender as held, fwd its route when it was being forwarded (NULL otherwise), room R5.13's room
 * for the ICMP payload. Returns the bytes written, or 0 for NONE (a classic message). */
size_t icmp4_ext_build(const struct stack *st, uint8_t type, const struct pkb *off, const struct icmp_ext_fwd *fwd,
		       int room, uint8_t *out);

/* X2 for ICMPv6 1 and 3 (net.ipv6.icmp.errors_extension_mask): the same, the room fixed at
 * 1280 - 40 - 8 bytes (X1.6), addresses of 16 bytes; nexthop6 the forwarded offender's next hop
 * (with fwd), or NULL. out has room for ICMP_EXT_ORIG_LEN + ICMP6_EXT_MAX bytes. */
size_t icmp6_ext_build(const struct stack *st, uint8_t type, const struct pkb *off, const struct icmp_ext_fwd *fwd,
		       const uint8_t *nexthop6, uint8_t *out);

/* One RFC 5837 object for an interface (X3.3, X3.5), role 0 INC or 2 OUT; returns its length. */
size_t icmp_ext_iio(const struct stack *st, unsigned ifindex, unsigned role, uint8_t *out);

/* X4.2: where the extension of a received ICMPv4 3/11/12 starts, relative to the data a stub
 * returns. msg: the whole ICMP message (len bytes); hlen: inner IP header + transport header.
 * Returns false (report nothing) or true with *off and *flags (1 = SO_EE_RFC4884_FLAG_INVALID). */
bool icmp4_ext_rfc4884(const uint8_t *msg, size_t len, size_t hlen, uint16_t *off, uint8_t *flags);
/* The same for a received ICMPv6 1 or 3 (msg: its ICMPv6 header; hlen: inner IPv6 header with its
 * extension headers + the transport header). */
bool icmp6_ext_rfc4884(const uint8_t *msg, size_t len, size_t hlen, uint16_t *off, uint8_t *flags);

#endif
