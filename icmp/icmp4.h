/* icmp/icmp4.h — ICMPv4: receive dispatch, echo, and (later) the one error builder. */
#ifndef TAPSTACK_ICMP4_H
#define TAPSTACK_ICMP4_H

#include <stdbool.h>
#include <stdint.h>

#include "ip/ip4.h"

#define ICMP4_HDR_LEN       8
#define ICMP4_ECHOREPLY     0
#define ICMP4_DEST_UNREACH  3
#define ICMP4_SOURCE_QUENCH 4
#define ICMP4_REDIRECT      5
#define ICMP4_ECHO          8
#define ICMP4_TIME_EXCEEDED 11
#define ICMP4_PARAMETERPROB 12
#define ICMP4_TIMESTAMP     13
#define ICMP4_TIMESTAMPREPLY 14
#define ICMP4_ADDRESS       17
#define ICMP4_ADDRESSREPLY  18
#define ICMP4_MAX_TYPE      18
#define ICMP4_EXT_ECHO      42   /* RFC 8335 PROBE */
#define ICMP4_EXT_ECHOREPLY 43

#define ICMP4_QUOTE_MAX     576  /* RFC 1812 4.3.2.3: an error fills at most 576 bytes */
#define ICMP4_PEERS_SETS    1024 /* per-destination rate-limit table: sets ... */
#define ICMP4_PEERS_WAYS    4    /* ... of this many entries; the least recently used is replaced */

/* ICMP-SPEC §7: one token bucket for everything, one per destination. A peer is an address of
 * either family (alen 4 or 16 bytes) with its bucket: the ICMPv4 and ICMPv6 tables (§7, ICMP6-SPEC
 * V5.1) and the Redirect limiter of IPv6 (V6.14) are arrays of them. */
struct icmp_peer {
	uint8_t addr[16];
	uint8_t alen;
	uint8_t used;            /* 0: free slot */
	int64_t tokens;          /* ms of credit */
	uint64_t last;
};
/* The entry for key (alen bytes) among the `ways` entries at set: the one holding it, else the
 * free or least recently used one, made new with a whole burst (a new peer is as if last seen a
 * minute ago). */
struct icmp_peer *icmp_peer_get(const struct stack *st, struct icmp_peer *set, unsigned ways, const uint8_t *key,
				unsigned alen);
/* A hash of key for picking a set. */
uint32_t icmp_peer_hash(const uint8_t *key, unsigned alen);

/* The one error builder (ICMP-SPEC §5). off->data is the offender's IPv4 header as currently held
 * (off->len bytes), off->iif and off->flags say where and how it arrived, ip4cb_c(off) its compiled
 * options. word2 is the second 32-bit word: the next-hop MTU for 3/4, pointer << 24 for 12, the
 * gateway for 5, else 0. Applies every suppression rule and the rate limits, then sends.
 * Does not consume off. */
void icmp4_send_error(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t word2);
struct icmp_ext_fwd;
/* The same for an offender being forwarded: fwd names its egress interface and next hop, for the
 * OUT and NXT objects of RFC 5837 (ICMP-EXT-SPEC X3.5). */
void icmp4_send_error_fwd(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t word2,
			  const struct icmp_ext_fwd *fwd);
/* §7: exempt(type, code) — above 18, frag-needed, or not in icmp_ratemask. */
bool icmp4_rate_exempt(const struct stack *st, uint8_t type, uint8_t code);
/* §7: may a message of type/code go to dst now? Counts IcmpOutRateLimit* when not. */
bool icmp4_rate_allow(struct stack *st, uint8_t type, uint8_t code, uint32_t dst);
/* The routing error path's own limiter (3/0 no route, 3/13 prohibit; Linux route.c ip_error): a
 * token bucket of 1 s per error and 5 s of burst on the source's peer entry, the one §7 uses.
 * Counts IcmpOutRateLimitRoute when it says no. */
bool icmp4_route_error_allow(struct stack *st, uint32_t src);
/* The global bucket (§7), shared by ICMPv4 and ICMPv6 errors (ICMP6-SPEC V5.1). */
bool icmp_global_allow(struct stack *st);
/* A per-destination bucket of t ms tokens with a burst of six (XRLIM): takes t when there. */
bool icmp_peer_take(const struct stack *st, int64_t *tokens, uint64_t *last, int64_t t);
/* Entries in use in the per-destination table (tests check it stays bounded). */
unsigned icmp4_peers_in_use(const struct stack *st);

/* Hands an error about a datagram we sent (inner: its quoted header + at least 8 bytes) to the
 * protocol that sent it, with the errno of R8.3. from = the reporter, 0 for a local error. */
void icmp4_deliver_error(struct stack *st, uint8_t type, uint8_t code, uint32_t info, uint32_t from,
			 const uint8_t *inner, size_t inner_len);

/* Sends the reply built in p (ICMP header at data, checksum set) back to the requester of rx, with
 * echo's addressing, TOS, TTL and options (R2.3-R2.6). Consumes p. */
void icmp4_reply(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
/* False (p dropped, counted) when the requester is not a valid unicast host (R2.7). */
bool icmp4_may_answer(struct stack *st, struct pkb *p, const struct ip4_rx *rx);

/* The same for a received error message (msg: its ICMP header, msg_len bytes), so that the
 * protocol can read an RFC 4884 extension (ICMP-EXT-SPEC X4). */
void icmp4_deliver_error_msg(struct stack *st, uint8_t type, uint8_t code, uint32_t info, uint32_t from,
			     const uint8_t *inner, size_t inner_len, const uint8_t *msg, size_t msg_len);

/* ICMP input, registered with IP for protocol 1. Consumes p. */
void icmp4_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
/* Registers ICMP with IPv4 and allocates both families' rate-limit state (icmp4_ratelimit.c):
 * 0 or -ENOMEM. */
int icmp4_init(struct stack *st);
int icmp_ratelimit_init(struct stack *st);

#endif
