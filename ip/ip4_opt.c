/* ip/ip4_opt.c — IPv4 options (RFC 791): validation with the parameter-problem pointer, Record
 * Route and Timestamp updated on receive, and options echoed into replies and errors
 * (RFC 1122 3.2.1.8, 3.2.2.6). The rules and pointers follow Linux's __ip_options_compile and
 * __ip_options_echo; ICMP-SPEC §6 lists the pointer for each fault. */
#include <string.h>

#include "ip/ip4.h"
#include "stack/core.h"
#include "stack/wire.h"

enum {
	OPT_EOL = 0, OPT_NOP = 1, OPT_RR = 7, OPT_TS = 68, OPT_LSRR = 131, OPT_SSRR = 137, OPT_RA = 148,
};
enum { TS_TSONLY = 0, TS_TSANDADDR = 1, TS_PRESPEC = 3 };

/* RFC 791: the Internet Timestamp is milliseconds since midnight UT; the same clock as ICMP's. */
static void opt_put_time(const struct stack *st, uint8_t *at)
{
	be32_put(at, stack_ms_since_midnight(st));
}

int ip4_opts_compile(struct stack *st, uint8_t *iph, struct ip4_opts *o, uint32_t spec_dst)
{
	unsigned hlen = ip4_hdr_len(iph);
	uint8_t *p = iph + IP4_HDR_MIN;
	int l = (int)hlen - IP4_HDR_MIN;

	memset(o, 0, sizeof(*o));
	while (l > 0) {
		if (p[0] == OPT_EOL) {
			/* The rest is padding: whatever it held becomes zeros, in the header itself, so a
			 * quote or a forwarded copy shows them (R5.16; Linux rewrites them as END). */
			for (int i = 1; i < l; i++) {
				if (p[i] != OPT_EOL) {
					p[i] = OPT_EOL;
					o->flags |= IP4_OPT_CHANGED;
				}
			}
			break;
		}
		if (p[0] == OPT_NOP) {
			p++;
			l--;
			continue;
		}
		if (l < 2)
			return (int)(p - iph);
		int optlen = p[1];
		if (optlen < 2 || optlen > l)
			return (int)(p - iph);
		switch (p[0]) {
		case OPT_LSRR:
		case OPT_SSRR:
			if (optlen < 3)
				return (int)(p + 1 - iph);
			if (p[2] < 4)
				return (int)(p + 2 - iph);
			if (o->srr) /* RFC 1812 5.2.4.1: at most one source route */
				return (int)(p - iph);
			o->srr = (uint8_t)(p - iph);
			if (p[0] == OPT_SSRR)
				o->flags |= IP4_OPT_SSRR;
			break;
		case OPT_RR:
			if (o->rr)
				return (int)(p - iph);
			if (optlen < 3)
				return (int)(p + 1 - iph);
			if (p[2] < 4)
				return (int)(p + 2 - iph);
			if (p[2] <= optlen) {
				if (p[2] + 3 > optlen)
					return (int)(p + 2 - iph);
				be32_put(p + p[2] - 1, spec_dst);
				p[2] += 4;
				o->flags |= IP4_OPT_RR_NEEDADDR | IP4_OPT_CHANGED;
			}
			o->rr = (uint8_t)(p - iph);
			break;
		case OPT_TS:
			if (o->ts)
				return (int)(p - iph);
			if (optlen < 4)
				return (int)(p + 1 - iph);
			if (p[2] < 5)
				return (int)(p + 2 - iph);
			if (p[2] <= optlen) {
				uint8_t *timeptr = NULL;
				if (p[2] + 3 > optlen)
					return (int)(p + 2 - iph);
				switch (p[3] & 0x0f) {
				case TS_TSONLY:
					timeptr = p + p[2] - 1;
					o->flags |= IP4_OPT_TS_NEEDTIME;
					p[2] += 4;
					break;
				case TS_TSANDADDR:
					if (p[2] + 7 > optlen)
						return (int)(p + 2 - iph);
					be32_put(p + p[2] - 1, spec_dst);
					timeptr = p + p[2] + 3;
					o->flags |= IP4_OPT_TS_NEEDADDR | IP4_OPT_TS_NEEDTIME;
					p[2] += 8;
					break;
				case TS_PRESPEC:
					if (p[2] + 7 > optlen)
						return (int)(p + 2 - iph);
					/* Stamp only when the next prespecified address is ours. */
					if (!ip4_is_local(st, be32_get(p + p[2] - 1)))
						break;
					timeptr = p + p[2] + 3;
					o->flags |= IP4_OPT_TS_NEEDTIME;
					p[2] += 8;
					break;
				default:
					break; /* unknown flags on receive: carried, not processed (Linux) */
				}
				if (timeptr) {
					opt_put_time(st, timeptr);
					o->flags |= IP4_OPT_CHANGED;
				}
			} else if ((p[3] & 0x0f) != TS_PRESPEC) {
				/* Full: count the hop in the overflow nibble; one past 15 is an error. */
				unsigned overflow = p[3] >> 4;
				if (overflow == 15)
					return (int)(p + 3 - iph);
				p[3] = (uint8_t)((p[3] & 0x0f) | (overflow + 1) << 4);
				o->flags |= IP4_OPT_CHANGED;
			}
			o->ts = (uint8_t)(p - iph);
			break;
		case OPT_RA:
			if (optlen < 4)
				return (int)(p + 1 - iph);
			if (p[2] == 0 && p[3] == 0)
				o->ra = (uint8_t)(p - iph);
			break;
		default:
			break; /* security, stream id, unknown: carried untouched (RFC 1122 3.2.1.8) */
		}
		l -= optlen;
		p += optlen;
	}
	return 0;
}

int ip4_opts_echo(const struct stack *st, const uint8_t *iph, const struct ip4_opts *in, uint8_t out[40],
		  struct ip4_opts *o)
{
	unsigned n = 0;

	memset(o, 0, sizeof(*o));
	if (in->rr) {
		const uint8_t *s = iph + in->rr;
		unsigned optlen = s[1], off = s[2];
		o->rr = (uint8_t)(IP4_HDR_MIN + n);
		memcpy(out + n, s, optlen);
		/* Our receive address is in; record the reply's source too if a slot is left. */
		if ((in->flags & IP4_OPT_RR_NEEDADDR) && off <= optlen) {
			if (off + 3 > optlen)
				return -1;
			out[n + 2] = (uint8_t)(off + 4);
			o->flags |= IP4_OPT_RR_NEEDADDR;
		}
		n += optlen;
	}
	if (in->ts) {
		const uint8_t *s = iph + in->ts;
		unsigned optlen = s[1], off = s[2];
		o->ts = (uint8_t)(IP4_HDR_MIN + n);
		memcpy(out + n, s, optlen);
		if (off <= optlen) {
			if (in->flags & IP4_OPT_TS_NEEDADDR) {
				if (off + 3 > optlen)
					return -1;
				o->flags |= IP4_OPT_TS_NEEDADDR;
				off += 4;
			}
			if (in->flags & IP4_OPT_TS_NEEDTIME) {
				if (off + 3 > optlen)
					return -1;
				if ((out[n + 3] & 0x0f) != TS_PRESPEC) {
					o->flags |= IP4_OPT_TS_NEEDTIME;
					off += 4;
				} else if (off + 7 <= optlen && ip4_is_local(st, be32_get(out + n + off - 1))) {
					o->flags |= IP4_OPT_TS_NEEDTIME;
					off += 8;
				}
			}
			out[n + 2] = (uint8_t)off;
		}
		n += optlen;
	}
	/* A source route comes back reversed (RFC 1122 3.2.1.8c, Linux __ip_options_echo): the reply
	 * goes to the last hop recorded, through the others in reverse order, to the sender, which
	 * ip4_opts_fill writes into the last slot. */
	if (in->srr) {
		const uint8_t *s = iph + in->srr;
		unsigned optlen = s[1], soff = s[2], doff = 0;
		uint32_t faddr = 0;
		if (soff > optlen)
			soff = optlen + 1;
		soff -= 4;
		if (soff > 3) {
			faddr = be32_get(s + soff - 1);
			for (soff -= 4, doff = 4; soff > 3; soff -= 4, doff += 4)
				memcpy(out + n + doff - 1, s + soff - 1, 4);
			/* RFC 1812 5.2.4.3: a route naming the sender itself is fixed by dropping it. */
			if (be32_get(iph + IP4_SRC) == be32_get(s + soff + 3))
				doff -= 4;
		}
		if (doff > 3) {
			out[n] = s[0];
			out[n + 1] = (uint8_t)(doff + 3);
			out[n + 2] = 4;
			o->srr = (uint8_t)(IP4_HDR_MIN + n);
			o->srr_addr = faddr;
			o->flags |= in->flags & IP4_OPT_SSRR;
			n += doff + 3;
		}
	}
	while (n % 4)
		out[n++] = OPT_EOL;
	return (int)n;
}

void ip4_opts_fill(const struct stack *st, uint8_t *iph, const struct ip4_opts *o, uint32_t src)
{
	/* A reversed source route ends with the final destination; the header carries the first hop. */
	if (o->srr) {
		be32_put(iph + o->srr + iph[o->srr + 1] - 4, be32_get(iph + IP4_DST));
		be32_put(iph + IP4_DST, o->srr_addr);
	}
	if (o->flags & IP4_OPT_RR_NEEDADDR)
		be32_put(iph + o->rr + iph[o->rr + 2] - 5, src);
	if (o->flags & IP4_OPT_TS_NEEDADDR)
		be32_put(iph + o->ts + iph[o->ts + 2] - 9, src);
	if (o->flags & IP4_OPT_TS_NEEDTIME)
		opt_put_time(st, iph + o->ts + iph[o->ts + 2] - 5);
}
