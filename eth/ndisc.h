/* eth/ndisc.h — Neighbor Discovery (RFC 4861, 4862, 7527): IPv6's resolver in the neighbour
 * subsystem, answers to solicitations, Duplicate Address Detection, router solicitation and the
 * processing of Router Advertisements and Redirects as a host (../shared/ICMP6-SPEC.md §6). */
#ifndef TAPSTACK_NDISC_H
#define TAPSTACK_NDISC_H

#include <stdint.h>

#include "ip/ip6.h"
#include "stack/pkb.h"

struct stack;

#define ND_RA_PREFIXES_MAX 16 /* on-link prefixes learned per interface */

/* Registers ND as IPv6's resolver. */
void ndisc_init(struct stack *st);
/* Sends an IPv6 packet (header at data, p->ifindex set) to the neighbour nh. Consumes p. */
void ndisc_output(struct stack *st, struct pkb *p, const uint8_t *nh);
/* V6.9: a new address is tentative; DAD starts (join its solicited-node group, NS after a random
 * delay). With DAD off it is valid at once. */
void ndisc_dad_start(struct stack *st, unsigned ifindex, struct ifaddr6 *a);
/* The interface came up: router solicitation is scheduled once the link-local is valid. */
void ndisc_iface_up(struct stack *st, unsigned ifindex);
/* DAD steps, router solicitations, address lifetimes. */
void ndisc_poll(struct stack *st);
uint64_t ndisc_deadline(const struct stack *st);

#endif
