/* icmp/icmp_ext.c — RFC 4884 multi-part ICMP messages and RFC 5837 Interface Information Objects
 * (../shared/ICMP-EXT-SPEC.md X1-X4). Building is for the one error builder (icmp4_send_error);
 * reading is for the stub sockets' error queues and the ping client (which keep the bytes: the
 * objects are put in words by ctl/ext_text.c). */
#include "icmp/icmp_ext.h"

#include <string.h>

#include "icmp/icmp4.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

#define IIO_NAME_LEN 20 /* X3.3: always 20 bytes, as Linux's {u8 len; char name[16]} rounded up */

/* X3.3: the first-configured unicast address outside 127/8 and 169.254/16, or 0. */
static uint32_t iio_addr(const struct iface *ifp)
{
	for (unsigned i = 0; i < ifp->naddr; i++) {
		uint32_t a = ifp->addr[i].addr;
		if ((a >> 24) != 127 && (a >> 16) != 0xa9fe && (a >> 28) < 0xe)
			return a;
	}
	return 0;
}

/* The IP Address Sub-Object (X3.2): AFI, reserved, the address. Returns its length. */
static size_t ext_addr_sub(uint8_t *out, const uint8_t *addr, unsigned alen)
{
	be16_put(out, alen == 16 ? 2 : 1);
	be16_put(out + 2, 0);
	memcpy(out + 4, addr, alen);
	return 4 + alen;
}

/* One RFC 5837 object for an interface, its address of the family the error is in (alen 4 or 16). */
static size_t iio_build(const struct stack *st, unsigned ifindex, unsigned role, unsigned alen, uint8_t *out)
{
	const struct iface *ifp = &st->ifs[ifindex];
	uint8_t a4[4];
	const uint8_t *addr = NULL;
	size_t n = 4;

	if (alen == 16) {
		const struct ifaddr6 *a6 = ip6_global_addr(st, ifindex); /* X3.3 for ICMPv6 */
		addr = a6 ? a6->addr : NULL;
	} else if (iio_addr(ifp)) {
		be32_put(a4, iio_addr(ifp));
		addr = a4;
	}
	/* X3.2, in order: ifIndex | IP Address Sub-Object | Interface Name Sub-Object | MTU. */
	be32_put(out + n, ifindex);
	n += 4;
	if (addr)
		n += ext_addr_sub(out + n, addr, alen);
	memset(out + n, 0, IIO_NAME_LEN);
	out[n] = IIO_NAME_LEN;                   /* counts itself and the padding */
	size_t nl = strnlen(ifp->name, sizeof(ifp->name));
	memcpy(out + n + 1, ifp->name, nl < IIO_NAME_LEN - 1 ? nl : IIO_NAME_LEN - 1);
	n += IIO_NAME_LEN;
	be32_put(out + n, ifp->mtu);
	n += 4;
	be16_put(out, (uint16_t)n);
	out[2] = ICMP_EXT_CLASS_IIO;
	out[3] = (uint8_t)(role << 6 | 0x08 | (addr ? 0x04 : 0) | 0x02 | 0x01); /* X3.1 */
	return n;
}

size_t icmp_ext_iio(const struct stack *st, unsigned ifindex, unsigned role, uint8_t *out)
{
	return iio_build(st, ifindex, role, 4, out);
}

/* X3.5: the next-hop object, role 3, address sub-object only. */
static size_t icmp_ext_nh(const uint8_t *nexthop, unsigned alen, uint8_t *out)
{
	size_t n = 4 + ext_addr_sub(out + 4, nexthop, alen);
	be16_put(out, (uint16_t)n);
	out[2] = ICMP_EXT_CLASS_IIO;
	out[3] = 3u << 6 | 0x04;
	return n;
}

/* X2 for either family: the 128-byte original-datagram field (orig, olen bytes of the offender as
 * held, zero-padded) and the extension structure with the objects the mask asks for. Returns the
 * bytes written, or 0 for NONE. */
static size_t ext_build(const struct stack *st, unsigned mask, const uint8_t *orig, size_t olen, unsigned iif,
			const struct icmp_ext_fwd *fwd, const uint8_t *nh, unsigned alen, int room, uint8_t *out)
{
	if (!mask)
		return 0;
	/* X2.1: all or nothing on the largest structure the mask could give. */
	int iio = alen == 16 ? ICMP6_EXT_IIO_LEN : ICMP_EXT_IIO_LEN, nhl = alen == 16 ? ICMP6_EXT_NH_LEN : ICMP_EXT_NH_LEN;
	int max = ICMP_EXT_HDR_LEN + ((mask & ICMP_EXT_MASK_INC) ? iio : 0) + ((mask & ICMP_EXT_MASK_OUT) ? iio : 0) +
		  ((mask & ICMP_EXT_MASK_NXT) ? nhl : 0);
	if (ICMP_EXT_ORIG_LEN + max > room)
		return 0;
	uint8_t *e = out + ICMP_EXT_ORIG_LEN;
	size_t n = ICMP_EXT_HDR_LEN;
	/* X3.4: an offender with no input interface (one we made) has no INC object. */
	if ((mask & ICMP_EXT_MASK_INC) && iif < st->nifs)
		n += iio_build(st, iif, 0, alen, e + n);
	if (fwd && (mask & ICMP_EXT_MASK_OUT) && fwd->oif < st->nifs)
		n += iio_build(st, fwd->oif, 2, alen, e + n);
	if (fwd && (mask & ICMP_EXT_MASK_NXT) && nh)
		n += icmp_ext_nh(nh, alen, e + n);
	if (n == ICMP_EXT_HDR_LEN)
		return 0;                        /* never an empty structure */
	/* X1.3: exactly 128 bytes of the offender as held (R5.14), zero-padded. */
	if (olen > ICMP_EXT_ORIG_LEN)
		olen = ICMP_EXT_ORIG_LEN;
	memcpy(out, orig, olen);
	memset(out + olen, 0, ICMP_EXT_ORIG_LEN - olen);
	/* X1.4: version 2, then the checksum over the whole structure. */
	e[0] = 0x20;
	e[1] = 0;
	be16_put(e + 2, 0);
	be16_put(e + 2, csum_buf(e, n));
	return ICMP_EXT_ORIG_LEN + n;
}

size_t icmp4_ext_build(const struct stack *st, uint8_t type, const struct pkb *off, const struct icmp_ext_fwd *fwd,
		       int room, uint8_t *out)
{
	/* X1.1: 3, 11 and 12 only. */
	if (type != ICMP4_DEST_UNREACH && type != ICMP4_TIME_EXCEEDED && type != ICMP4_PARAMETERPROB)
		return 0;
	size_t q = be16_get(off->data + IP4_LEN);
	if (q > off->len)
		q = off->len;
	uint8_t nh[4];
	if (fwd)
		be32_put(nh, fwd->nexthop);
	return ext_build(st, (unsigned)st->knobs.icmp_errors_extension_mask, off->data, q, off->iif, fwd,
			 fwd && fwd->nexthop ? nh : NULL, 4, room, out);
}

size_t icmp6_ext_build(const struct stack *st, uint8_t type, const struct pkb *off, const struct icmp_ext_fwd *fwd,
		       const uint8_t *nexthop6, uint8_t *out)
{
	/* X1.1: ICMPv6 1 and 3 only; X1.6: within 1280 bytes. */
	if (type != 1 && type != 3)
		return 0;
	return ext_build(st, (unsigned)st->knobs.ip6_errors_extension_mask, off->data, off->len, off->iif, fwd, nexthop6,
			 16, 1280 - 40 - 8, out);
}

/* Linux ip_icmp_error_rfc4884_validate: only a version 2 structure is checked. */
static bool icmp_ext_valid(const uint8_t *e, size_t len)
{
	if (e[0] >> 4 != 2)
		return true;
	if (be16_get(e + 2) != 0 && csum_buf(e, len) != 0)
		return false;
	for (size_t o = ICMP_EXT_HDR_LEN; o < len;) {
		if (o + 4 > len)
			return false;
		size_t l = be16_get(e + o);
		if (l < 4 || o + l > len)
			return false;
		o += l;
	}
	return true;
}

/* X4.2 for either family: the length attribute is byte attr of the message, in units of unit bytes. */
static bool ext_rfc4884(const uint8_t *msg, size_t len, size_t hlen, unsigned attr, unsigned unit, uint16_t *off,
			uint8_t *flags)
{
	if (len < 8 + hlen)
		return false;
	size_t o = (size_t)msg[attr] * unit;
	size_t data_len = len - 8 - hlen;
	if (o < ICMP_EXT_ORIG_LEN || o < hlen)
		return false;                    /* X4.3: no compliant extension */
	o -= hlen;
	if (o + ICMP_EXT_HDR_LEN > data_len)
		return false;
	*off = (uint16_t)o;
	*flags = icmp_ext_valid(msg + 8 + hlen + o, data_len - o) ? 0 : 1;
	return true;
}

bool icmp4_ext_rfc4884(const uint8_t *msg, size_t len, size_t hlen, uint16_t *off, uint8_t *flags)
{
	return ext_rfc4884(msg, len, hlen, 5, 4, off, flags);        /* X1.2: 32-bit words */
}

bool icmp6_ext_rfc4884(const uint8_t *msg, size_t len, size_t hlen, uint16_t *off, uint8_t *flags)
{
	return ext_rfc4884(msg, len, hlen, 4, 8, off, flags);        /* ICMPv6: 64-bit words */
}
