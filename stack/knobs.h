/* stack/knobs.h — run-time knobs in one bounded table (OpenBSD sysctl_bounded_args style), used by
 * the daemon's --set, the control socket's `sysctl` and the tests alike. Names and defaults are
 * Linux's sysctl names without "net.ipv4." (../shared/ICMP-SPEC.md §0). */
#ifndef TAPSTACK_KNOBS_H
#define TAPSTACK_KNOBS_H

#include <stdbool.h>

/*  name                             default   min     max         description */
#define STACK_KNOBS(X)                                                                              \
	X(icmp_echo_ignore_all,          0,        0,      1,          "drop all echo requests silently") \
	X(icmp_echo_ignore_broadcasts,   1,        0,      1,          "drop echo/timestamp sent to broadcast or multicast") \
	X(icmp_errors_use_inbound_ifaddr, 0,       0,      1,          "errors about forwarded datagrams come from the inbound interface's address") \
	X(icmp_ratelimit,                1000,     0,      2147483647, "per-destination token period in ms for types in icmp_ratemask; 0 disables") \
	X(icmp_ratemask,                 0x1818,   0,      0x7ffff,    "bit N set: ICMP type N is rate limited (default 3, 4, 11, 12)") \
	X(icmp_msgs_per_sec,             1000,     0,      2147483647, "global limit on rate-limited ICMP messages per second") \
	X(icmp_msgs_burst,               50,       0,      2147483647, "global burst of rate-limited ICMP messages") \
	X(icmp_addrmask_reply,           0,        0,      1,          "answer address mask requests (RFC 950)") \
	X(ip_default_ttl,                64,       1,      255,        "TTL of everything the stack originates") \
	X(ip_forward,                    0,        0,      1,          "forward datagrams between interfaces (router mode)") \
	X(send_redirects,                1,        0,      1,          "send host redirects when a datagram leaves by the interface it came in on") \
	X(accept_source_route,           0,        0,      1,          "follow source routes (LSRR/SSRR) addressed to us; 0 drops them") \
	X(accept_redirects,              1,        0,      1,          "follow ICMP redirects (only while not forwarding)") \
	X(min_pmtu,                      552,      68,     65535,      "floor of the path MTU; a report below it locks the path MTU there, DF off") \
	X(mtu_expires,                   600,      1,      86400,      "seconds a learned path MTU lasts") \
	X(icmp_ignore_bogus_error_responses, 1,    0,      1,          "ignore received errors about datagrams sent to one of our broadcast addresses") \
	X(ipfrag_time,                   30,       1,      3600,       "seconds a reassembly queue lives, from its first fragment") \
	X(ipfrag_max_dist,               64,       0,      65535,      "fragments from one source between two of one datagram before its queue restarts; 0 off") \
	X(ipfrag_high_thresh,            4194304,  0,      1073741824, "reassembly memory above which fragments are refused ...") \
	X(ipfrag_low_thresh,             3145728,  0,      1073741824, "... until it falls back below this") \
	X(icmp_errors_extension_mask,    0,        0,      0x07,       "RFC 4884/5837 objects on errors 3, 11, 12: 0x01 incoming interface, 0x02 outgoing, 0x04 next hop; other bits refused") \
	X(icmp_echo_enable_probe,        0,        0,      1,          "answer RFC 8335 PROBE (Extended Echo, type 42)") \
	X(icmp_echo_probe_proxy,         1,        0,      1,          "answer proxy PROBEs (L=0) from the ARP table; 0 drops them as Linux")

struct knobs {
#define X(name, def, min, max, desc) long name;
	STACK_KNOBS(X)
#undef X
};

struct knob_desc {
	const char *name;
	unsigned offset; /* of the long in struct knobs */
	long def, min, max;
	const char *desc;
};

extern const struct knob_desc knob_table[];
extern const unsigned knob_count;

void knobs_init(struct knobs *k);                         /* every knob at its default */
const struct knob_desc *knob_find(const char *name);      /* NULL when unknown */
/* Parses text (decimal or 0x hex) and stores it when within bounds: 0, -EINVAL, -ERANGE. A bit-mask
 * knob (knob_is_bitmask: its max is the set of allowed bits) refuses other bits with -EINVAL, the
 * value kept, as Linux's errors_extension_mask does. */
bool knob_is_bitmask(const struct knob_desc *d);
int knob_parse_set(struct knobs *k, const struct knob_desc *d, const char *text);
static inline long *knob_ptr(struct knobs *k, const struct knob_desc *d)
{
	return (long *)((char *)k + d->offset);
}

#endif
