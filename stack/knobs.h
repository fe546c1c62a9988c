/* stack/knobs.h — run-time knobs in one bounded table (OpenBSD sysctl_bounded_args style), used by
 * the daemon's --set, the control socket's `sysctl` and the tests alike. Names and defaults are
 * Linux's sysctl names without "net.ipv4." (../shared/ICMP-SPEC.md §0). */
#ifndef TAPSTACK_KNOBS_H
#define TAPSTACK_KNOBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

/* IPv6 knobs (../shared/ICMP6-SPEC.md §0) under their full dotted names; the field is ours.
 *  field                          name                                         default  min  max  description */
#define STACK_KNOBS6(X)                                                                             \
	X(ip6_icmp_ratelimit,          "net.ipv6.icmp.ratelimit",                   100,     0,   2147483647, "ICMPv6: per-destination token period in ms for types in the ratemask; 0 disables") \
	X(ip6_echo_ignore_all,         "net.ipv6.icmp.echo_ignore_all",             0,       0,   1,    "drop all ICMPv6 echo requests silently") \
	X(ip6_echo_ignore_multicast,   "net.ipv6.icmp.echo_ignore_multicast",       0,       0,   1,    "drop echo requests to a multicast address") \
	X(ip6_echo_ignore_anycast,     "net.ipv6.icmp.echo_ignore_anycast",         0,       0,   1,    "drop echo requests to one of our anycast addresses") \
	X(ip6_error_anycast_as_unicast, "net.ipv6.icmp.error_anycast_as_unicast",   0,       0,   1,    "send errors even to an anycast source") \
	X(ip6_errors_extension_mask,   "net.ipv6.icmp.errors_extension_mask",       0,       0,   0x07, "RFC 4884/5837 objects on ICMPv6 errors 1 and 3: 0x01 in, 0x02 out, 0x04 next hop") \
	X(ip6_anycast_src_echo_reply,  "net.ipv6.anycast_src_echo_reply",           0,       0,   1,    "answer an anycast echo from the anycast address") \
	X(ip6_flowlabel_reflect,       "net.ipv6.flowlabel_reflect",                0,       0,   7,    "bit 2 (4): echo replies copy the request's flow label") \
	X(ip6_forwarding,              "net.ipv6.conf.all.forwarding",              0,       0,   1,    "forward IPv6 between interfaces (router mode)") \
	X(ip6_hop_limit,               "net.ipv6.conf.all.hop_limit",               64,      1,   255,  "hop limit of everything we originate (ND 255, MLD 1)") \
	X(ip6_disable_ipv6,            "net.ipv6.conf.all.disable_ipv6",            0,       0,   1,    "no IPv6 on interfaces brought up while set") \
	X(ip6_accept_ra,               "net.ipv6.conf.all.accept_ra",               1,       0,   2,    "process Router Advertisements (host only)") \
	X(ip6_accept_ra_defrtr,        "net.ipv6.conf.all.accept_ra_defrtr",        1,       0,   1,    "learn default routers from RAs") \
	X(ip6_accept_ra_pinfo,         "net.ipv6.conf.all.accept_ra_pinfo",         1,       0,   1,    "learn prefixes from RAs") \
	X(ip6_accept_ra_mtu,           "net.ipv6.conf.all.accept_ra_mtu",           1,       0,   1,    "take the MTU option of RAs") \
	X(ip6_autoconf,                "net.ipv6.conf.all.autoconf",                1,       0,   1,    "SLAAC addresses from RA prefixes") \
	X(ip6_accept_redirects,        "net.ipv6.conf.all.accept_redirects",        1,       0,   1,    "follow Redirects (only while not forwarding)") \
	X(ip6_accept_dad,              "net.ipv6.conf.all.accept_dad",              1,       0,   2,    "Duplicate Address Detection for new addresses") \
	X(ip6_dad_transmits,           "net.ipv6.conf.all.dad_transmits",           1,       0,   10,   "DAD solicitations per address") \
	X(ip6_router_solicitations,    "net.ipv6.conf.all.router_solicitations",    -1,      -1,  1000, "router solicitations to send (-1 without end)") \
	X(ip6_rs_interval,             "net.ipv6.conf.all.router_solicitation_interval", 4,  1,   3600, "seconds before the second RS") \
	X(ip6_rs_max_interval,         "net.ipv6.conf.all.router_solicitation_max_interval", 3600, 1, 86400, "backoff cap between RSs, s") \
	X(ip6_rs_delay,                "net.ipv6.conf.all.router_solicitation_delay", 1,     0,   60,   "seconds before the first RS") \
	X(ip6_retrans_time_ms,         "net.ipv6.neigh.default.retrans_time_ms",    1000,    10,  3600000, "between neighbour solicitations") \
	X(ip6_base_reachable_time_ms,  "net.ipv6.neigh.default.base_reachable_time_ms", 30000, 100, 3600000, "REACHABLE lasts about this long") \
	X(ip6_delay_first_probe_time,  "net.ipv6.neigh.default.delay_first_probe_time", 5,   0,   3600, "DELAY before the first unicast probe, s") \
	X(ip6_gc_stale_time,           "net.ipv6.neigh.default.gc_stale_time",      60,      1,   86400, "an unused STALE entry goes after this, s") \
	X(ip6_max_hbh_opts_number,     "net.ipv6.max_hbh_opts_number",              8,       0,   255,  "non-padding options in a Hop-by-Hop header") \
	X(ip6_max_dst_opts_number,     "net.ipv6.max_dst_opts_number",              8,       0,   255,  "non-padding options in a Destination Options header") \
	X(ip6frag_time,                "net.ipv6.ip6frag_time",                     60,      1,   3600, "seconds an IPv6 reassembly queue lives, from creation") \
	X(ip6frag_high_thresh,         "net.ipv6.ip6frag_high_thresh",              4194304, 0,   1073741824, "IPv6 reassembly memory above which fragments are refused") \
	X(ip6frag_low_thresh,          "net.ipv6.ip6frag_low_thresh",               3145728, 0,   1073741824, "(unused, as Linux)") \
	X(ip6_mtu_expires,             "net.ipv6.route.mtu_expires",                600,     1,   86400, "seconds a learned IPv6 path MTU lasts") \
	X(ip6_force_mld_version,       "net.ipv6.conf.all.force_mld_version",       0,       0,   2,    "0 MLDv2 with v1 fallback, 1 MLDv1, 2 MLDv2") \
	X(ip6_mld_qrv,                 "net.ipv6.conf.all.mld_qrv",                 2,       1,   10,   "MLD robustness: reports sent on a join")

struct knobs {
#define X(name, def, min, max, desc) long name;
	STACK_KNOBS(X)
#undef X
#define X(field, name, def, min, max, desc) long field;
	STACK_KNOBS6(X)
#undef X
	uint64_t ip6_ratemask[4]; /* net.ipv6.icmp.ratemask: bit t set = ICMPv6 type t limited */
};

enum knob_kind { KNOB_LONG = 0, KNOB_BITMAP256 };

struct knob_desc {
	const char *name;
	long def, min, max;
	const char *desc;
	const char *def_text; /* a bitmap's default, as text */
	unsigned offset;      /* of the long (or the uint64_t[4] of a bitmap) in struct knobs */
	uint8_t kind;         /* enum knob_kind */
};

extern const struct knob_desc knob_table[];
extern const unsigned knob_count;

void knobs_init(struct knobs *k);                         /* every knob at its default */
/* NULL when unknown. An IPv4 knob also answers to "net.ipv4." + its name, an IPv6 conf knob
 * "net.ipv6.conf.default.X" to its "all" name. */
const struct knob_desc *knob_find(const char *name);
/* The value as `sysctl` prints it: a number, or a bitmap's list ("0-1,3-127"). */
const char *knob_format(const struct knobs *k, const struct knob_desc *d, char *buf, size_t len);
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
