/* eth/eth.h — Ethernet framing and ARP (RFC 826). */
#ifndef TAPSTACK_ETH_H
#define TAPSTACK_ETH_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/pkb.h"

struct stack;

#define ETH_HLEN     14
#define ETH_ALEN     6
#define ETH_P_IP     0x0800
#define ETH_P_ARP    0x0806
#define ETH_P_IPV6   0x86dd
#define ETH_FRAME_MAX 1518 /* without FCS; the TAP hands frames without it */

static inline bool eth_is_mcast(const uint8_t *mac) { return mac[0] & 1; }
static inline bool eth_is_bcast(const uint8_t *mac)
{
	return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

/* Ethernet input: validates, demultiplexes to ARP or IPv4. Consumes p. */
void eth_input(struct stack *st, struct pkb *p);
/* Prepends an Ethernet header and queues the frame on p->ifindex. Consumes p. */
void eth_output(struct stack *st, struct pkb *p, const uint8_t dst[ETH_ALEN], uint16_t type);

/* Registers ARP as IPv4's resolver in the neighbour subsystem (eth/neigh.h). */
void arp_init(struct stack *st);
/* ARP input (p->data at the ARP header). Consumes p. */
void arp_input(struct stack *st, struct pkb *p);
/* Sends an IPv4 packet (p->data at its header, p->ifindex set) to next hop nh on that interface:
 * straight out when nh is known, else queued while ARP asks (bounded). Consumes p. */
void arp_output(struct stack *st, struct pkb *p, uint32_t nh);
/* Announces addr on ifindex (gratuitous ARP request, RFC 5227 2.4). */
void arp_announce(struct stack *st, unsigned ifindex, uint32_t addr);

#endif
