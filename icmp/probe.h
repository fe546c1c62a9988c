/* icmp/probe.h — RFC 8335 PROBE for ICMPv4 (../shared/ICMP-EXT-SPEC.md X5): the responder and the
 * `tapstackctl probe` client's side of a ping session (icmp/ping.c; its words: ctl/ping_cmd.c). */
#ifndef TAPSTACK_PROBE_H
#define TAPSTACK_PROBE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/ip4.h"

struct stack;

/* X5.2 reply codes. */
enum probe_code {
	PROBE_NO_ERROR = 0, PROBE_MALFORMED = 1, PROBE_NO_IF = 2, PROBE_NO_ENTRY = 3, PROBE_MULTI_IF = 4,
};
/* X5.2 byte 7 of a reply. */
#define PROBE_STATE_SHIFT 5
#define PROBE_A  0x04
#define PROBE_V4 0x02
#define PROBE_V6 0x01

/* A received Extended Echo request (type 42, ICMP header at p->data, checksum verified). Answers
 * it per X5 or drops it silently. Consumes p. */
void probe4_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
struct ip6_rx;
/* The same for ICMPv6 160 (checksum verified): answered with 161. Consumes p. */
void probe6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
/* ICMPv6 161: the same for the client's IPv6 sessions. Consumes p. */
void probe6_reply_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
/* A received Extended Echo reply (43): to our client when its identifier matches, else dropped
 * silently (X5.11). Consumes p. */
void probe4_reply_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
/* X5.5-X5.8 on a request message (len bytes from its ICMP header): the reply's code and byte 7.
 * Returns false when the request is to be dropped silently (L=0 without the proxy knob). */
bool probe4_answer(struct stack *st, const uint8_t *m, size_t len, uint8_t *code, uint8_t *status);

struct ping_session;
struct probe_query;
/* X5.1: the Interface Identification Object asking q into obj (24 bytes); its length. */
size_t probe_obj_build(const struct probe_query *q, uint8_t obj[24]);
/* Sends the next request of a PROBE session (from ping_poll). */
void probe4_send(struct stack *st, struct ping_session *s);

#endif
