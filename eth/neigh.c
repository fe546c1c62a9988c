/* eth/neigh.c — the neighbour cache and its state machine, shared by every resolver (see neigh.h). */
#include "eth/neigh.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eth/neigh_int.h"

#include "eth/eth.h"
#include "stack/core.h"

int neigh_init(struct stack *st)
{
	st->neigh = calloc(1, sizeof(*st->neigh));
	if (!st->neigh)
		return -ENOMEM;
	st->neigh->deadline = UINT64_MAX;
	return 0;
}

void neigh_register(struct stack *st, enum neigh_family fam, const struct neigh_ops *ops)
{
	st->neigh->ops[fam] = ops;
}

static const struct neigh_ops *neigh_ops_of(const struct stack *st, const struct neigh_entry *e)
{
	return st->neigh->ops[e->family];
}

/* One of e's times (enum NEIGH_T_*): the resolver's own when it has a say, else its fixed one. */
static uint32_t neigh_time(struct stack *st, const struct neigh_entry *e, int which)
{
	const struct neigh_ops *ops = st->neigh->ops[e->family];
	if (ops->time_ms)
		return ops->time_ms(st, e, which);
	switch (which) {
	case NEIGH_T_REACHABLE:
		return ops->reachable_ms;
	case NEIGH_T_STALE:
		return ops->stale_ms;
	case NEIGH_T_DELAY:
		return ops->delay_ms;
	default:
		return ops->retrans_ms;
	}
}

static uint32_t neigh_hash(const uint8_t *addr, unsigned alen)
{
	/* Word at a time (4 or 16 bytes), then the bits mixed down into the table's range. */
	uint32_t h = alen;
	unsigned i = 0;
	for (; i + 4 <= alen; i += 4)
		h = (h ^ ((uint32_t)addr[i] << 24 | (uint32_t)addr[i + 1] << 16 | (uint32_t)addr[i + 2] << 8 | addr[i + 3])) *
		    0x9e3779b1u;
	for (; i < alen; i++)
		h = (h ^ addr[i]) * 0x9e3779b1u;
	return h ^ h >> 15;
}

static struct neigh_entry *neigh_find(struct stack *st, enum neigh_family fam, unsigned ifindex, const uint8_t *addr,
				      unsigned alen)
{
	struct neigh_table *t = st->neigh;
	uint32_t home = neigh_hash(addr, alen);
	/* Open addressing from the home slot; deletions leave holes, so a miss reads the whole table
	 * (256 compares, only for a neighbour we do not have yet). */
	for (unsigned i = 0; i < NEIGH_SIZE && t->used; i++) {
		struct neigh_entry *e = &t->e[(home + i) % NEIGH_SIZE];
		if (e->state != NEIGH_FREE && e->family == fam && e->ifindex == ifindex && e->alen == alen &&
		    memcmp(e->addr, addr, alen) == 0)
			return e;
	}
	return NULL;
}

const struct neigh_entry *neigh_lookup(const struct stack *st, enum neigh_family fam, unsigned ifindex,
				       const void *addr, unsigned alen)
{
	return neigh_find((struct stack *)st, fam, ifindex, addr, alen);
}

/* Keeps the cached deadline at or before every entry's timer (never later: a stale early value
 * only costs one poll, which recomputes it). */
static void neigh_set_timer(struct stack *st, struct neigh_entry *e, uint64_t t)
{
	e->timer = t;
	if (t < st->neigh->deadline)
		st->neigh->deadline = t;
}

/* Sends e's queue now that the neighbour answered. e stays live throughout. */
static void neigh_queue_send(struct stack *st, struct neigh_entry *e)
{
	const struct neigh_ops *ops = neigh_ops_of(st, e);
	struct pkb *p;
	while ((p = pkb_queue_pop(&e->q))) {
		st->neigh->pending--;
		eth_output(st, p, e->mac, ops->ethertype);
	}
}

/* The packets of freed entries get the resolver's `failed` (3/1) only once no entry is being
 * changed: it sends through neigh_output, which may allocate (and evict) entries itself, so
 * calling it from the middle of an eviction would re-enter the slot being reused (issue 11). The
 * outermost caller drains. */
static void neigh_fail_drain(struct stack *st)
{
	struct neigh_table *t = st->neigh;
	struct pkb *p;
	if (t->failing)
		return; /* an outer frame is draining: it will see what we added */
	t->failing = true;
	while ((p = pkb_queue_pop(&t->failq))) {
		t->ops[p->family]->failed(st, p);
	}
	t->failing = false;
}

/* Frees e at once (counts settled, slot reusable); its queued packets move to failq. */
static void neigh_entry_free(struct stack *st, struct neigh_entry *e)
{
	struct neigh_table *t = st->neigh;
	struct pkb *p;
	while ((p = pkb_queue_pop(&e->q))) {
		t->pending--;
		p->family = e->family; /* which resolver reports it */
		pkb_queue_push(&t->failq, p);
	}
	e->state = NEIGH_FREE;
	t->used--;
}

/* A slot for a new entry: the home slot or the next free one; when the table is full, the oldest
 * entry is reused (a flood of new neighbours cannot grow memory). */
static struct neigh_entry *neigh_alloc(struct stack *st, enum neigh_family fam, unsigned ifindex, const uint8_t *addr,
				       unsigned alen)
{
	struct neigh_table *t = st->neigh;
	struct neigh_entry *e = NULL, *oldest = NULL;
	uint32_t home = neigh_hash(addr, alen);

	for (unsigned i = 0; i < NEIGH_SIZE; i++) {
		struct neigh_entry *x = &t->e[(home + i) % NEIGH_SIZE];
		if (x->state == NEIGH_FREE) {
			e = x;
			break;
		}
		if (!oldest || x->created < oldest->created)
			oldest = x;
	}
	if (!e) {
		st->ctr[neigh_ops_of(st, oldest)->c_evictions]++;
		neigh_entry_free(st, oldest);
		e = oldest;
	}
	memset(e, 0, sizeof(*e));
	e->family = (uint8_t)fam;
	e->alen = (uint8_t)alen;
	memcpy(e->addr, addr, alen);
	e->ifindex = (uint16_t)ifindex;
	e->created = st->now;
	e->timer = UINT64_MAX;
	t->used++;
	return e;
}

/* A confirmation: REACHABLE for reachable_ms, then STALE until the entry lapses. */
static void neigh_confirm(struct stack *st, struct neigh_entry *e, const uint8_t *mac)
{
	bool was_incomplete = e->state == NEIGH_INCOMPLETE;

	memcpy(e->mac, mac, 6);
	e->state = NEIGH_REACHABLE;
	e->probes = 0;
	uint32_t reach = neigh_time(st, e, NEIGH_T_REACHABLE);
	e->lapses = st->now + reach + neigh_time(st, e, NEIGH_T_STALE);
	neigh_set_timer(st, e, st->now + reach);
	if (was_incomplete)
		neigh_queue_send(st, e);
}

/* The entry is used to send: a STALE one is verified (DELAY, then a unicast probe). */
static void neigh_used(struct stack *st, struct neigh_entry *e)
{
	const struct neigh_ops *ops = neigh_ops_of(st, e);

	if (e->state == NEIGH_REACHABLE && st->now >= e->timer)
		e->state = NEIGH_STALE; /* its timer is due and not yet polled */
	if (e->state != NEIGH_STALE || st->now >= e->lapses)
		return; /* past its life, the next poll collects it: no probe for it now */
	e->probes = 0;
	uint32_t delay = neigh_time(st, e, NEIGH_T_DELAY);
	if (delay) {
		e->state = NEIGH_DELAY;
		neigh_set_timer(st, e, st->now + delay);
		return;
	}
	e->state = NEIGH_PROBE;
	e->probes = 1;
	ops->solicit(st, e, e->mac);
	neigh_set_timer(st, e, ops->ucast_probes > 1 || ops->probe_fails ? st->now + neigh_time(st, e, NEIGH_T_RETRANS) : e->lapses);
}

static void neigh_output_one(struct stack *st, enum neigh_family fam, struct pkb *p, const uint8_t *addr, unsigned alen)
{
	const struct neigh_ops *ops = st->neigh->ops[fam];
	struct neigh_entry *e = neigh_find(st, fam, p->ifindex, addr, alen);

	if (e && e->state != NEIGH_INCOMPLETE) {
		neigh_used(st, e);
		eth_output(st, p, e->mac, ops->ethertype);
		return;
	}
	bool fresh = !e;
	if (fresh) {
		e = neigh_alloc(st, fam, p->ifindex, addr, alen);
		e->state = NEIGH_INCOMPLETE;
		e->probes = 1;
		neigh_set_timer(st, e, st->now + neigh_time(st, e, NEIGH_T_RETRANS));
	}
	/* Bounded per neighbour, and in all: packets waiting for answers that may never come must
	 * not take the buffers reception needs (an eighth of the pool at most, none of its reserve). */
	if (e->q.len >= NEIGH_PENDING_MAX) {
		stack_drop(st, pkb_queue_pop(&e->q), ops->c_queue_drops);
		st->neigh->pending--;
	}
	if (st->neigh->pending >= st->pool.count / 8 || stack_pool_low(st)) {
		stack_drop(st, p, ops->c_queue_drops);
	} else {
		stack_rx_outcome(st, p, C_RxAnswered); /* a reply in the frame's buffer, waiting (forwarded: counted) */
		pkb_queue_push(&e->q, p);
		st->neigh->pending++;
	}
	/* The first solicitation goes once the packet waits, as Linux's timer-driven one does: ND
	 * takes its source from the waiting packet (V6.8, ndisc.c:ndisc_solicit). */
	if (fresh)
		ops->solicit(st, e, NULL);
}

void neigh_output(struct stack *st, enum neigh_family fam, struct pkb *p, const void *addr, unsigned alen)
{
	neigh_output_one(st, fam, p, addr, alen);
	neigh_fail_drain(st);
}

void neigh_update(struct stack *st, enum neigh_family fam, unsigned ifindex, const void *addr, unsigned alen,
		  const uint8_t mac[6], bool create)
{
	struct neigh_entry *e = neigh_find(st, fam, ifindex, addr, alen);
	if (!e && create)
		e = neigh_alloc(st, fam, ifindex, addr, alen);
	if (e)
		neigh_confirm(st, e, mac);
	neigh_fail_drain(st);
}

/* STALE with lladdr until the entry lapses unused. */
static void neigh_set_stale(struct stack *st, struct neigh_entry *e)
{
	e->state = NEIGH_STALE;
	e->probes = 0;
	e->lapses = st->now + neigh_time(st, e, NEIGH_T_STALE);
	neigh_set_timer(st, e, e->lapses);
}

int neigh_update_nd(struct stack *st, enum neigh_family fam, unsigned ifindex, const void *addr, unsigned alen,
		    const uint8_t *lladdr, unsigned flags)
{
	struct neigh_entry *e = neigh_find(st, fam, ifindex, addr, alen);
	int old = -1;

	if (!e) {
		if ((flags & NEIGH_UPD_CREATE) && lladdr) {
			e = neigh_alloc(st, fam, ifindex, addr, alen);
			memcpy(e->mac, lladdr, 6);
			neigh_set_stale(st, e);
			if (flags & NEIGH_UPD_ROUTER)
				e->flags |= NEIGH_F_ROUTER;
			old = 0;
		}
		neigh_fail_drain(st);
		return old;
	}
	old = e->flags;
	if (e->state == NEIGH_INCOMPLETE) {
		if (!lladdr) {
			neigh_fail_drain(st);
			return -1;
		}
		if (flags & NEIGH_UPD_CONFIRM) {
			neigh_confirm(st, e, lladdr);
		} else {
			memcpy(e->mac, lladdr, 6);
			neigh_set_stale(st, e);
			neigh_queue_send(st, e);
		}
	} else {
		bool differs = lladdr && memcmp(lladdr, e->mac, 6) != 0;
		if (differs && !(flags & NEIGH_UPD_OVERRIDE)) {
			/* O=0 with another address: a REACHABLE entry becomes STALE, the address kept. */
			if (e->state == NEIGH_REACHABLE)
				neigh_set_stale(st, e);
			neigh_fail_drain(st);
			return old;
		}
		if (flags & NEIGH_UPD_CONFIRM)
			neigh_confirm(st, e, lladdr ? lladdr : e->mac);
		else if (differs) {
			memcpy(e->mac, lladdr, 6);
			neigh_set_stale(st, e);
		}
	}
	if (flags & NEIGH_UPD_ROUTER)
		e->flags |= NEIGH_F_ROUTER;
	if (flags & NEIGH_UPD_NOTROUTER)
		e->flags &= (uint8_t)~NEIGH_F_ROUTER;
	neigh_fail_drain(st);
	return old;
}

/* One entry's timer fired. */
static void neigh_timer(struct stack *st, struct neigh_entry *e)
{
	const struct neigh_ops *ops = neigh_ops_of(st, e);

	switch (e->state) {
	case NEIGH_INCOMPLETE:
		if (e->probes < ops->mcast_solicit) {
			e->probes++;
			neigh_set_timer(st, e, st->now + neigh_time(st, e, NEIGH_T_RETRANS));
			ops->solicit(st, e, NULL);
		} else {
			st->ctr[ops->c_resolve_failed]++;
			e->state = NEIGH_FAILED;
			neigh_entry_free(st, e);
		}
		return;
	case NEIGH_REACHABLE:
		e->state = NEIGH_STALE;
		neigh_set_timer(st, e, e->lapses);
		return;
	case NEIGH_DELAY:
		e->state = NEIGH_PROBE;
		e->probes = 1;
		ops->solicit(st, e, e->mac);
		neigh_set_timer(st, e, ops->ucast_probes > 1 || ops->probe_fails ? st->now + neigh_time(st, e, NEIGH_T_RETRANS) : e->lapses);
		return;
	case NEIGH_PROBE:
		if (st->now < e->lapses && e->probes < ops->ucast_probes) {
			e->probes++;
			ops->solicit(st, e, e->mac);
			uint64_t next = st->now + neigh_time(st, e, NEIGH_T_RETRANS);
			neigh_set_timer(st, e, ops->probe_fails || (e->probes < ops->ucast_probes && next < e->lapses) ? next : e->lapses);
			return;
		}
		if (ops->probe_fails) { /* the last probe went unanswered */
			st->ctr[ops->c_resolve_failed]++;
			e->state = NEIGH_FAILED;
			neigh_entry_free(st, e);
			return;
		}
		break;
	default:
		break;
	}
	/* STALE, DELAY or PROBE at the end of its life: no confirmation came (garbage collection). */
	if (st->now >= e->lapses)
		neigh_entry_free(st, e);
	else
		neigh_set_timer(st, e, e->lapses);
}

void neigh_poll(struct stack *st)
{
	struct neigh_table *t = st->neigh;
	uint64_t next = UINT64_MAX;
	if (st->now < t->deadline)
		return;
	t->deadline = UINT64_MAX; /* entries made while we walk (a 3/1 needing ARP) note themselves */
	for (unsigned i = 0; i < NEIGH_SIZE && t->used; i++) {
		struct neigh_entry *e = &t->e[i];
		if (e->state != NEIGH_FREE && st->now >= e->timer)
			neigh_timer(st, e);
		if (e->state != NEIGH_FREE && e->timer < next)
			next = e->timer;
	}
	if (next < t->deadline)
		t->deadline = next;
	neigh_fail_drain(st);
}

uint64_t neigh_deadline(const struct stack *st)
{
	return st->neigh->deadline;
}

void neigh_flush(struct stack *st)
{
	for (unsigned i = 0; i < NEIGH_SIZE; i++)
		pkb_queue_purge(&st->pool, &st->neigh->e[i].q);
	pkb_queue_purge(&st->pool, &st->neigh->failq);
	st->neigh->pending = 0;
}

void neigh_foreach(const struct stack *st, void (*fn)(const struct neigh_entry *e, void *arg), void *arg)
{
	for (unsigned i = 0; i < NEIGH_SIZE; i++)
		if (st->neigh->e[i].state != NEIGH_FREE)
			fn(&st->neigh->e[i], arg);
}

const char *neigh_state_name(enum neigh_state s)
{
	static const char *const names[] = { "FREE", "INCOMPLETE", "REACHABLE", "STALE", "DELAY", "PROBE", "FAILED" };
	return (unsigned)s < sizeof(names) / sizeof(names[0]) ? names[s] : "?";
}
