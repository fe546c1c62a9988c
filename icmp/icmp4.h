/* icmp/icmp4.h — ICMPv4: receive dispatch, echo, and (later) the one error builder. */
#ifndef TAPSTACK_ICMP4_H
#define TAPSTACK_ICMP4_H

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

/* ICMP input, registered with IP for protocol 1. Consumes p. */
void icmp4_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
void icmp4_init(struct stack *st);

#endif
