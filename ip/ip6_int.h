/* ip/ip6_int.h — an interface's IPv6 state (Linux's inet6_dev): addresses, groups, ND and RA
 * state. Shared by the IPv6 module's files (ip/ip6*.c, eth/ndisc*.c, icmp/icmp6.c, icmp/mld.c) and
 * white-box tests; everyone else uses ip/ip6.h's functions. */
#ifndef TAPSTACK_IP6_INT_H
#define TAPSTACK_IP6_INT_H

#include <stdbool.h>
#include <stdint.h>

#include "ip/ip6.h"

/* One multicast group joined on an interface, with its MLD state (icmp/mld.c). */
struct mcast6_group {
	uint8_t addr[16];
	uint16_t users;         /* addresses and stubs that need it */
	uint8_t reports_left;   /* unsolicited reports still to send */
	uint64_t report_at;     /* when the next report is due; UINT64_MAX none */
};

struct iface6 {
	bool disabled;          /* net.ipv6.conf.all.disable_ipv6 at iface up */
	uint16_t mtu;           /* IPv6 MTU: the link MTU, lowered by an RA's MTU option (>= 1280) */
	uint8_t hop_limit;      /* 0: the knob; an RA's Cur Hop Limit sets it */
	uint32_t retrans_ms;    /* 0: the knob; RA Retrans Timer */
	uint32_t base_reachable_ms; /* 0: the knob; RA Reachable Time */
	unsigned naddr;
	struct ifaddr6 addr[STACK_MAX_ADDRS6];
	unsigned ngroups;
	struct mcast6_group groups[IP6_GROUPS_MAX];
	uint64_t mldv1_until;   /* MLDv1 compatibility mode lasts until then (V7.5) */
	uint64_t mld_general_at; /* a general query's answer is due then; UINT64_MAX none */
	/* Router solicitation as a host (V6.11). */
	uint8_t rs_sent;
	bool ra_seen;
	uint32_t rs_wait_ms;
	uint64_t rs_next;       /* UINT64_MAX: none due */
	bool router_groups;     /* ff02::2, ff05::2 and ff02::1:ff00:0 joined (forwarding, V1.13) */
	/* NAs for our anycast addresses waiting out their random delay (V6.3). */
	unsigned ndelayed;
	struct nd_delayed_na {
		uint8_t target[16], dst[16];
		uint64_t at;
	} delayed[4];
};

#endif
