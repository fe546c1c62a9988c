/* stack/stack.c — the stack object: construction, interfaces, the entry points of the core. */
#include "stack/core.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eth/ndisc.h"
#include "eth/ndisc_router.h"
#include "eth/neigh.h"
#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "icmp/mld.h"
#include "icmp/ping.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "ip/route.h"
#include "ip/route6.h"
#include "stack/tcp.h"
#include "stack/udp.h"
#include "stack/wire.h"

#define STACK_DEFAULT_PKBS 1024

const char *const counter_names[C__COUNT] = {
#define X(name) #name,
	STACK_COUNTERS(X)
#undef X
};

struct stack *stack_new(const struct stack_config *cfg)
{
	struct stack *st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	if (pkb_pool_init(&st->pool, cfg && cfg->pkb_count ? cfg->pkb_count : STACK_DEFAULT_PKBS)) {
		free(st);
		return NULL;
	}
	knobs_init(&st->knobs);
	st->rng = (cfg && cfg->seed) ? cfg->seed : 0x9e3779b97f4a7c15ull;
	st->ip_id = (uint16_t)stack_random(st);
	/* Each module allocates its own state; protocols register with IP after IP is there. */
	if (neigh_init(st) || route_init(st) || route6_init(st) || ip4_init(st) || ip6_init(st) || ndisc_router_init(st) || icmp4_init(st) ||
	    udp_init(st) || ping_init(st)) {
		stack_free(st);
		return NULL;
	}
	arp_init(st);
	ndisc_init(st);
	icmp6_init(st);
	tcp_init(st);
	return st;
}

void stack_free(struct stack *st)
{
	if (!st)
		return;
	ping_free_all(st);
	if (st->neigh)
		neigh_flush(st);
	udp_free(st);
	if (st->ip4)
		ip4_reasm_flush(st);
	if (st->reasm6)
		ip6_reasm_flush(st);
	pkb_queue_purge(&st->pool, &st->txq);
	/* Every holder has let go: a buffer still counted in use was lost somewhere. */
	assert(st->pool.in_use == 0);
	/* The modules' states: only their own files know their insides, free() needs none. */
	for (unsigned i = 0; i < st->nifs; i++)
		free(st->ifs[i].in6);
	free(st->neigh);
	free(st->ip4);
	free(st->icmp_rl);
	free(st->udp);
	free(st->ip6);
	free(st->reasm6);
	free(st->ndr);
	free(st->ping);
	free(st->routes);
	free(st->rt6);
	free(st->rtcache);
	pkb_pool_destroy(&st->pool);
	free(st);
}

uint32_t stack_random(struct stack *st)
{
	uint64_t x = st->rng;
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	st->rng = x;
	return (uint32_t)((x * 0x2545f4914f6cdd1dull) >> 32);
}

int stack_iface_add(struct stack *st, const char *name, const uint8_t mac[6], unsigned mtu)
{
	struct iface *ifp;

	if (st->nifs >= STACK_MAX_IFACES)
		return -ENOSPC;
	/* RFC 791: every host must accept 68; the TAP frame buffers bound the top. */
	if (mtu < 68 || mtu > ETH_FRAME_MAX - ETH_HLEN || eth_is_mcast(mac) || !name || strlen(name) >= sizeof(ifp->name))
		return -EINVAL;
	for (unsigned i = 0; i < st->nifs; i++)
		if (strcmp(st->ifs[i].name, name) == 0)
			return -EEXIST;
	ifp = &st->ifs[st->nifs];
	memset(ifp, 0, sizeof(*ifp));
	if (ip6_iface_add(st, st->nifs))
		return -ENOMEM;
	strcpy(ifp->name, name);
	memcpy(ifp->mac, mac, ETH_ALEN);
	ifp->mtu = (uint16_t)mtu;
	return (int)st->nifs++;
}

int stack_addr_add(struct stack *st, unsigned ifindex, uint32_t addr, unsigned plen)
{
	struct iface *ifp;
	struct ifaddr *a;
	uint32_t mask = ip4_mask(plen);

	if (ifindex >= st->nifs)
		return -EINVAL;
	ifp = &st->ifs[ifindex];
	/* A host address: unicast, not the network or broadcast address of its own subnet (/31, /32 excepted). */
	if (plen > 32 || (addr >> 24) == 0 || (addr >> 24) == 127 || addr >= 0xe0000000u ||
	    (plen <= 30 && ((addr & ~mask) == 0 || (addr & ~mask) == ~mask)))
		return -EINVAL;
	if (ip4_is_local(st, addr))
		return -EEXIST;
	if (ifp->naddr >= STACK_MAX_ADDRS)
		return -ENOSPC;
	a = &ifp->addr[ifp->naddr++];
	a->addr = addr;
	a->plen = (uint8_t)plen;
	a->mask = mask;
	a->bcast = plen <= 30 ? (addr & mask) | ~mask : IP4_BCAST_ALL;
	struct route r = { .prefix = addr & mask, .plen = (uint8_t)plen, .type = RT_CONNECTED, .ifindex = (uint16_t)ifindex };
	int rc = route_add(st, &r);
	return rc == -EEXIST ? 0 : rc;
}

int stack_addr6_add(struct stack *st, unsigned ifindex, const uint8_t addr[16], unsigned plen)
{
	if (ifindex >= st->nifs)
		return -EINVAL;
	if (ip6_is_linklocal(addr))
		return ip6_addr_add(st, ifindex, addr, plen, IFA6_F_LINKLOCAL, UINT64_MAX, UINT64_MAX);
	return ip6_addr_add(st, ifindex, addr, plen, 0, UINT64_MAX, UINT64_MAX);
}

int stack_iface_set_ra(struct stack *st, unsigned ifindex, bool on)
{
	if (ifindex >= st->nifs)
		return -EINVAL;
	ndisc_ra_set(st, ifindex, on);
	return 0;
}

void stack_shutdown(struct stack *st, uint64_t now_ms)
{
	stack_set_now(st, now_ms);
	ndisc_ra_shutdown(st);
}

void stack_set_clock_us(struct stack *st, uint64_t now_us)
{
	st->now_us = now_us;
	st->now_us_ms = now_us / 1000;
}

void stack_set_now(struct stack *st, uint64_t now_ms)
{
	st->now = now_ms;
	/* Without a fine reading for this millisecond, the coarse one serves. */
	if (st->now_us_ms != now_ms) {
		st->now_us = now_ms * 1000;
		st->now_us_ms = now_ms;
	}
}

void stack_iface_up(struct stack *st, unsigned ifindex, uint64_t now_ms)
{
	if (ifindex >= st->nifs)
		return;
	stack_set_now(st, now_ms);
	st->ifs[ifindex].up = true;
	for (unsigned i = 0; i < st->ifs[ifindex].naddr; i++)
		arp_announce(st, ifindex, st->ifs[ifindex].addr[i].addr);
	ip6_iface_up(st, ifindex);
}

void stack_iface_down(struct stack *st, unsigned ifindex)
{
	if (ifindex < st->nifs)
		st->ifs[ifindex].up = false;
}

unsigned stack_iface_count(const struct stack *st) { return st->nifs; }

const struct ifaddr *iface_addr_for(const struct iface *ifp, uint32_t peer)
{
	for (unsigned i = 0; i < ifp->naddr; i++)
		if (((peer ^ ifp->addr[i].addr) & ifp->addr[i].mask) == 0)
			return &ifp->addr[i];
	return NULL;
}

int stack_knob_set(struct stack *st, const char *name, const char *value)
{
	const struct knob_desc *d = knob_find(name);
	return d ? knob_parse_set(&st->knobs, d, value) : -ENOENT;
}

int stack_knob_get(const struct stack *st, const char *name, long *value)
{
	const struct knob_desc *d = knob_find(name);
	if (!d || d->kind != KNOB_LONG)
		return -ENOENT;
	*value = *knob_ptr((struct knobs *)&st->knobs, d);
	return 0;
}

void stack_knobs_describe(struct sbuf *out)
{
	for (unsigned i = 0; i < knob_count; i++) {
		const struct knob_desc *d = &knob_table[i];
		if (d->kind == KNOB_BITMAP256)
			sbuf_printf(out, "  %-34s %s (default %s)\n", d->name, d->desc, d->def_text);
		else
			sbuf_printf(out, "  %-34s %s (%ld..%ld, default %ld)\n", d->name, d->desc, d->min, d->max, d->def);
	}
}

int stack_service_enable(struct stack *st, const char *name)
{
	static const struct { const char *name; uint16_t port; enum udp_service svc; } svcs[] = {
		{ "echo", 7, UDP_SVC_ECHO },
		{ "discard", 9, UDP_SVC_DISCARD },
	};
	for (size_t i = 0; i < sizeof(svcs) / sizeof(svcs[0]); i++)
		if (strcmp(svcs[i].name, name) == 0)
			return udp_service_bind(st, svcs[i].port, svcs[i].svc); /* both families */
	return -ENOENT;
}

void stack_set_wall_offset(struct stack *st, int64_t offset_ms) { st->wall_offset = offset_ms; }

uint32_t stack_ms_since_midnight(const struct stack *st)
{
	/* From the finest reading we have: a coarse one would lag the sender's clock by up to 1 ms. */
	int64_t ms = ((int64_t)(st->now_us / 1000) + st->wall_offset) % 86400000;
	return (uint32_t)(ms < 0 ? ms + 86400000 : ms);
}

struct pkb *stack_rx_buf(struct stack *st) { return pkb_alloc(&st->pool, ETH_FRAME_MAX); }

struct pkb *stack_alloc(struct stack *st, size_t size)
{
	struct pkb *p = pkb_alloc(&st->pool, size);
	if (!p)
		CNT(st, PkbAllocFails);
	return p;
}

/* Frames whose fate has been counted. */
static uint64_t stack_rx_settled(const struct stack *st)
{
	return st->ctr[C_RxAnswered] + st->ctr[C_RxForwarded] + st->ctr[C_RxDelivered] + st->ctr[C_RxHeld] +
	       st->ctr[C_RxDropped];
}

void stack_input(struct stack *st, unsigned ifindex, struct pkb *p, uint64_t now_ms)
{
	stack_set_now(st, now_ms);
	CNT(st, EthInFrames);
	p->flags = (uint8_t)((p->flags & PKB_HEAP) | PKB_RX);
	if (ifindex >= st->nifs || !st->ifs[ifindex].up) {
		stack_drop(st, p, C_EthInIfaceDown);
		return;
	}
	p->ifindex = (uint16_t)ifindex;
	p->iif = (uint16_t)ifindex;
	uint64_t before = stack_rx_settled(st);
	eth_input(st, p);
	if (stack_rx_settled(st) == before)
		CNT(st, RxUnaccounted); /* freed without a fate: a path that needs a name */
}

void stack_poll(struct stack *st, uint64_t now_ms)
{
	stack_set_now(st, now_ms);
	neigh_poll(st);
	ip4_reasm_poll(st);
	ip6_reasm_poll(st);
	ndisc_poll(st);
	mld_poll(st);
	ndisc_router_poll(st);
	route6_poll(st);
	ping_poll(st);
	udp_poll(st);
}

uint64_t stack_next_deadline(const struct stack *st)
{
	uint64_t d = neigh_deadline(st), r = ip4_reasm_deadline(st), p = ping_deadline(st), u = udp_deadline(st);
	uint64_t six[] = { ip6_reasm_deadline(st), ndisc_deadline(st), mld_deadline(st), route6_deadline(st),
			   ndisc_router_deadline(st) };
	for (size_t i = 0; i < sizeof(six) / sizeof(six[0]); i++)
		d = six[i] < d ? six[i] : d;
	d = r < d ? r : d;
	d = p < d ? p : d;
	return u < d ? u : d;
}

void stack_tx_enqueue(struct stack *st, struct pkb *p)
{
	stack_rx_outcome(st, p, C_RxAnswered); /* a reply built in the frame's own buffer */
	pkb_queue_push(&st->txq, p);
}

struct pkb *stack_tx_pop(struct stack *st, unsigned *ifindex)
{
	struct pkb *p = pkb_queue_pop(&st->txq);
	if (p)
		*ifindex = p->ifindex;
	return p;
}

void stack_pkb_free(struct stack *st, struct pkb *p) { pkb_free(&st->pool, p); }

unsigned stack_tx_pending(const struct stack *st) { return st->txq.len; }

unsigned stack_pkb_in_use(const struct stack *st) { return st->pool.in_use; }
