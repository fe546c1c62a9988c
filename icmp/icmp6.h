/* icmp/icmp6.h — ICMPv6 (RFC 4443): receive dispatch, echo, the error builder, received errors,
 * and the hand-off to Neighbor Discovery (eth/ndisc.c) and MLD (icmp/mld.c).
 * ../shared/ICMP6-SPEC.md §2-§5, §10. */
#ifndef TAPSTACK_ICMP6_H
#define TAPSTACK_ICMP6_H

#include <stdbool.h>
#include <stdint.h>

#include "icmp/icmp4.h"
#include "ip/ip6.h"

#define ICMP6_HDR_LEN       8
#define ICMP6_DEST_UNREACH  1
#define ICMP6_PACKET_TOO_BIG 2
#define ICMP6_TIME_EXCEEDED 3
#define ICMP6_PARAM_PROB    4
#define ICMP6_ECHO_REQUEST  128
#define ICMP6_ECHO_REPLY    129
#define ICMP6_MLD_QUERY     130
#define ICMP6_MLD_REPORT    131
#define ICMP6_MLD_DONE      132
#define ND_ROUTER_SOLICIT   133
#define ND_ROUTER_ADVERT    134
#define ND_NEIGHBOR_SOLICIT 135
#define ND_NEIGHBOR_ADVERT  136
#define ND_REDIRECT         137
#define ICMP6_MLD2_REPORT   143
#define ICMP6_EXT_ECHO      160  /* RFC 8335 PROBE */
#define ICMP6_EXT_ECHOREPLY 161

#define ICMP6_ERR_MAX       1280 /* V4.13: an error is at most the minimum MTU */

#define ICMP6_PEERS_SETS    512  /* per-destination rate-limit table: sets ... */
#define ICMP6_PEERS_WAYS    4    /* ... of this many entries; the least recently used is replaced */

void icmp6_init(struct stack *st);
/* ICMPv6 input, registered with IPv6 for next header 58. Consumes p. */
void icmp6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);

/* The error builder (§4). off->data is the offender's IPv6 header as held (off->len bytes);
 * off->iif and off->flags say where and how it arrived. info is the second word (MTU for 2/0,
 * pointer for 4/x). Applies every suppression rule and the rate limits, then sends.
 * Does not consume off. */
void icmp6_send_error(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t info);

struct icmp_ext_fwd;
/* The same for an offender being forwarded: fwd names its egress interface, nexthop its next hop
 * (16 bytes, or NULL), for RFC 5837's OUT and NXT objects (ICMP-EXT-SPEC X3.5). */
void icmp6_send_error_fwd(struct stack *st, const struct pkb *off, uint8_t type, uint8_t code, uint32_t info,
			  const struct icmp_ext_fwd *fwd, const uint8_t *nexthop);

/* Sends an ICMPv6 message built at p->data (checksum is computed here) with tx's addressing; the
 * one exit that counts Icmp6OutMsgs and Icmp6OutType<t>. Consumes p. Returns ip6_output's result. */
int icmp6_xmit(struct stack *st, struct pkb *p, const struct ip6_tx *tx);

/* Sends the reply built in p (ICMPv6 header at data) back to the requester of rx, with echo's
 * addressing (V3.3-V3.6) and the rate limit when its type is in the ratemask. Consumes p. */
void icmp6_reply(struct stack *st, struct pkb *p, const struct ip6_rx *rx);

/* Hands an error about a datagram we sent (inner: its quoted IPv6 header and beyond) to the
 * protocol that sent it, with V10.3's errno. from NULL: a local error. */
void icmp6_deliver_error(struct stack *st, uint8_t type, uint8_t code, uint32_t info, const uint8_t *from,
			 const uint8_t *inner, size_t inner_len, const uint8_t *msg, size_t msg_len);

/* §5: may a message of type go to dst now (global bucket shared with ICMPv4, then the peer)?
 * Counts the limit that said no. */
bool icmp6_rate_allow(struct stack *st, uint8_t type, const uint8_t *dst);
bool icmp6_rate_limited_type(const struct stack *st, uint8_t type);
unsigned icmp6_peers_in_use(const struct stack *st);

/* Neighbor Discovery (eth/ndisc.c): 133-137 after the ICMPv6 checks. Consumes p. */
void ndisc_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
/* MLD (icmp/mld.c): 130-132, 143. Consumes p. */
void mld_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);

#endif
