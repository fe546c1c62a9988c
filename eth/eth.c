/* eth/eth.c — Ethernet II framing: accept frames for our MAC, broadcast, and the all-hosts group. */
#include "eth/eth.h"

#include <string.h>

#include "ip/ip4.h"
#include "ip/ip6.h"
#include "stack/core.h"
#include "stack/wire.h"

/* 01:00:5e:00:00:01, the Ethernet group of 224.0.0.1 (RFC 1112 6.4), which every host joins. */
static const uint8_t eth_allhosts[ETH_ALEN] = { 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 };

void eth_input(struct stack *st, struct pkb *p)
{
	const struct iface *ifp = &st->ifs[p->ifindex];
	const uint8_t *h = p->data;

	if (p->len < ETH_HLEN) {
		stack_drop(st, p, C_EthInTruncated);
		return;
	}
	if (eth_is_mcast(h)) {
		if (eth_is_bcast(h))
			p->flags |= PKB_L2_BCAST;
		else if (memcmp(h, eth_allhosts, ETH_ALEN) == 0 || ip6_mac_joined(st, p->ifindex, h))
			p->flags |= PKB_L2_MCAST;
		else {
			stack_drop(st, p, C_EthInOtherHost);
			return;
		}
	} else if (memcmp(h, ifp->mac, ETH_ALEN) != 0) {
		stack_drop(st, p, C_EthInOtherHost);
		return;
	}
	uint16_t type = be16_get(h + 12);
	pkb_pull(p, ETH_HLEN);
	if (type == ETH_P_IP)
		ip4_input(st, p);
	else if (type == ETH_P_ARP)
		arp_input(st, p);
	else if (type == ETH_P_IPV6)
		ip6_input(st, p);
	else
		stack_drop(st, p, C_EthInUnknownType);
}

void eth_output(struct stack *st, struct pkb *p, const uint8_t dst[ETH_ALEN], uint16_t type)
{
	const struct iface *ifp = &st->ifs[p->ifindex];
	uint8_t *h;

	if (!ifp->up) {
		stack_drop(st, p, C_EthOutIfaceDown);
		return;
	}
	h = pkb_push(p, ETH_HLEN);
	memcpy(h, dst, ETH_ALEN);
	memcpy(h + 6, ifp->mac, ETH_ALEN);
	be16_put(h + 12, type);
	CNT(st, EthOutFrames);
	stack_tx_enqueue(st, p);
}
