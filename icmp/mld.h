/* icmp/mld.h — Multicast Listener Discovery, the part a host needs (RFC 3810, RFC 2710):
 * reports for the groups we join, answers to queries, the MLDv1 fallback (§7). */
#ifndef TAPSTACK_MLD_H
#define TAPSTACK_MLD_H

#include "ip/ip6.h"

struct stack;
struct mcast6_group;

/* A group was joined on ifindex (ip6_mc_join): state-change reports (V7.3). */
void mld_group_joined(struct stack *st, unsigned ifindex, struct mcast6_group *g);
/* The last user left it: a leave report (V7.3). */
void mld_group_left(struct stack *st, unsigned ifindex, struct mcast6_group *g);
/* Reports due. */
void mld_poll(struct stack *st);
uint64_t mld_deadline(const struct stack *st);

#endif
