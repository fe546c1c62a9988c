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
#define ETH_FRAME_MAX 1518 /* without FCS; the TAP hands frames without it */

#define ARP_CACHE_SIZE    256   /* entries; the oldest is reused when full */
#define ARP_PENDING_MAX   48    /* packets held per unresolved neighbour: a 64 KiB datagram in fragments */
#define ARP_RETRIES       3     /* requests before giving up (RFC 1122 2.3.2.1: rate-limited) */
#define ARP_RETRY_MS      1000
#define ARP_REACHABLE_MS  60000 /* an entry lives this long after the last confirmation */
#define ARP_REFRESH_MS    5000  /* in use within this of expiry: ask again (unicast) */

enum arp_state { ARP_FREE = 0, ARP_INCOMPLETE, ARP_REACHABLE };

struct arp_entry {
	uint32_t ip;
	uint8_t mac[ETH_ALEN];
	uint8_t state;         /* enum arp_state */
	uint8_t tries;         /* requests sent for this resolution */
	uint8_t refreshing;    /* a refresh request is out */
	uint16_t ifindex;
	uint64_t expires;      /* REACHABLE: when it lapses */
	uint64_t next_try;     /* INCOMPLETE: when to ask again or give up */
	uint64_t created;
	struct pkb_queue q;    /* packets waiting for the answer, IPv4 header at data */
};

struct arp_cache {
	struct arp_entry e[ARP_CACHE_SIZE];
	unsigned used;
	unsigned pending;      /* packets queued on all entries: at most an eighth of the pool */
	uint64_t deadline;     /* no entry's time is earlier; exact after each arp_poll */
	struct pkb_queue failq; /* datagrams of freed entries, waiting for their 3/1 (arp_fail_drain) */
	bool failing;          /* failq is being drained (by an outer call) */
};

static inline bool eth_is_mcast(const uint8_t *mac) { return mac[0] & 1; }
static inline bool eth_is_bcast(const uint8_t *mac)
{
	return (mac[0] & mac[1] & mac[2] & mac[3] & mac[4] & mac[5]) == 0xff;
}

/* Ethernet input: validates, demultiplexes to ARP or IPv4. Consumes p. */
void eth_input(struct stack *st, struct pkb *p);
/* Prepends an Ethernet header and queues the frame on p->ifindex. Consumes p. */
void eth_output(struct stack *st, struct pkb *p, const uint8_t dst[ETH_ALEN], uint16_t type);

/* ARP input (p->data at the ARP header). Consumes p. */
void arp_input(struct stack *st, struct pkb *p);
/* Sends an IPv4 packet (p->data at its header, p->ifindex set) to next hop nh on that interface:
 * straight out when nh is known, else queued while ARP asks (bounded). Consumes p. */
void arp_output(struct stack *st, struct pkb *p, uint32_t nh);
/* Announces addr on ifindex (gratuitous ARP request, RFC 5227 2.4). */
void arp_announce(struct stack *st, unsigned ifindex, uint32_t addr);
/* Retries, gives up, expires entries. */
void arp_poll(struct stack *st);
uint64_t arp_next_deadline(const struct stack *st);
void arp_flush(struct stack *st);  /* frees every pending packet (stack teardown) */

#endif
