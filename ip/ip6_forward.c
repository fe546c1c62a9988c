/* ip/ip6_forward.c — forwarding a datagram not addressed to us (ICMP6-SPEC §8, Linux ip6_forward). */
#include <string.h>

#include "eth/ndisc_router.h"
#include "icmp/icmp6.h"
#include "icmp/icmp_ext.h"
#include "ip/ip6.h"
#include "ip/route6.h"
#include "stack/core.h"
#include "stack/wire.h"

void ip6_forward(struct stack *st, struct pkb *p, const struct ip6_rx *rx, unsigned off, unsigned nhoff)
{
	struct route6_res rr;
	uint8_t *h = p->data;
	(void)off;
	(void)nhoff;

	/* V8.3/V8.4: the route, looked up on input (a link-local destination only on its own link). */
	if (route6_lookup(st, rx->dst, ip6_is_linklocal(rx->dst) ? (int)rx->ifindex : -1, &rr) != 0) {
		icmp6_send_error(st, p, ICMP6_DEST_UNREACH, 0, 0);
		stack_drop(st, p, C_Ip6InNoRoutes);
		return;
	}
	if (rr.rt && rr.rt->type == RT6_BLACKHOLE) {
		stack_drop(st, p, C_Ip6InNoRoutes);
		return;
	}
	if (rr.rt && rr.rt->type == RT6_PROHIBIT) {
		icmp6_send_error(st, p, ICMP6_DEST_UNREACH, 1, 0);
		stack_drop(st, p, C_Ip6InNoRoutes);
		return;
	}
	struct icmp_ext_fwd fwd = { rr.ifindex, 0 };                          /* X3.5: OUT and NXT */
	if (rx->hlim <= 1) {                                                  /* V8.1: 3/0 */
		icmp6_send_error_fwd(st, p, ICMP6_TIME_EXCEEDED, 0, 0, &fwd, rr.nexthop);
		stack_drop(st, p, C_Ip6InHdrErrors);
		return;
	}
	/* The source checks, on every path (POLICY: the same-interface one too, RFC 4291 2.5.2). */
	if (ip6_is_any(rx->src) || ip6_is_mcast(rx->src) || ip6_is_loopback(rx->src)) {
		stack_drop(st, p, C_Ip6InAddrErrors);
		return;
	}
	if (ip6_is_linklocal(rx->src) && rr.ifindex != rx->ifindex) {         /* 1/2 beyond scope */
		icmp6_send_error(st, p, ICMP6_DEST_UNREACH, 2, 0);
		stack_drop(st, p, C_Ip6InAddrErrors);
		return;
	}
	CNT(st, Ip6OutForwDatagrams);
	unsigned mtu = ip6_mtu(st, rr.ifindex);
	if (p->len > mtu) {                                                   /* V8.2: never fragmented */
		icmp6_send_error(st, p, ICMP6_PACKET_TOO_BIG, 0, mtu);
		CNT(st, Ip6InTooBigErrors);
		stack_drop(st, p, C_Ip6FragFails);
		return;
	}
	/* V6.14: out the way it came: tell the source of the better first hop (still forwarded). */
	if (rr.ifindex == rx->ifindex)
		ndisc_maybe_redirect(st, p, rr.ifindex, rr.nexthop, rr.rt && rr.rt->type == RT6_GATEWAY);
	h[IP6_HLIM]--;
	stack_rx_outcome(st, p, C_RxForwarded);
	ip6_output_finish(st, p, rr.ifindex, rr.nexthop);
}
