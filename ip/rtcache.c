/* ip/rtcache.c — the route cache of both families (see rtcache.h). */
#include "ip/rtcache.h"

#include <string.h>

/* What differs between the families' caches, as data. */
static const struct rtcache_family {
	unsigned base, size;    /* the family's region of the table */
	bool hashed;            /* a lookup starts at the address's low bits (IPv4), else at the region's start */
	bool lazy;              /* expired parts go as lookups pass them (IPv4); else rtcache_expire does it (IPv6) */
	bool redirect_idle;     /* a redirect's lifetime restarts at each use (IPv6), else counts from learning */
	uint64_t redirect_ms;
} rtcache_families[2] = {
	{ 0, RTCACHE_V4_SIZE, true, true, false, RTCACHE_REDIRECT_MS },
	{ RTCACHE_V4_SIZE, RTCACHE_V6_SIZE, false, false, true, RTCACHE_REDIRECT6_IDLE_MS },
};

/* Keys of one region are all of its family. */
static bool rtcache_key_eq(const struct inet_addr *a, const struct inet_addr *b)
{
	return a->family == INET_V4 ? a->u.v4 == b->u.v4 : memcmp(a->u.v6, b->u.v6, 16) == 0;
}

/* The slot a lookup of dst visits i-th. */
static unsigned rtcache_slot(const struct rtcache_family *f, const struct inet_addr *dst, unsigned i)
{
	unsigned start = f->hashed ? dst->u.v4 % f->size : 0;
	return f->base + (start + i) % f->size;
}

/* Drops e's expired parts, and e itself once nothing is left: whether e still lives. */
static bool rtcache_age(struct rtcache *c, unsigned fi, struct rtcache_entry *e, uint64_t now)
{
	if (e->pmtu && now >= e->pmtu_expires) {
		e->pmtu = 0;
		e->locked = false;
	}
	if (e->has_gw && now >= e->gw_expires)
		e->has_gw = false;
	if (e->pmtu || e->has_gw)
		return true;
	e->used = false;
	c->n[fi]--;
	return false;
}

static struct rtcache_entry *rtcache_find(struct rtcache *c, const struct inet_addr *dst, uint64_t now)
{
	unsigned fi = rtcache_fam(dst->family);
	const struct rtcache_family *f = &rtcache_families[fi];
	if (!c->n[fi])
		return NULL;
	for (unsigned i = 0; i < f->size; i++) {
		struct rtcache_entry *e = &c->e[rtcache_slot(f, dst, i)];
		if (!e->used || (f->lazy && !rtcache_age(c, fi, e, now)))
			continue;
		if (rtcache_key_eq(&e->dst, dst))
			return e;
	}
	return NULL;
}

/* dst's exception, made if need be: in the first free slot a lookup visits, else in place of the
 * least recently learned one (the first of equals). */
static struct rtcache_entry *rtcache_get(struct rtcache *c, const struct inet_addr *dst, uint64_t now)
{
	unsigned fi = rtcache_fam(dst->family);
	const struct rtcache_family *f = &rtcache_families[fi];
	struct rtcache_entry *e = rtcache_find(c, dst, now), *victim = NULL;
	if (e)
		return e;
	for (unsigned i = 0; i < f->size; i++) {
		struct rtcache_entry *x = &c->e[rtcache_slot(f, dst, i)];
		if (!x->used) {
			victim = x;
			break;
		}
		if (!victim || x->last_use < victim->last_use)
			victim = x;
	}
	if (!victim->used)
		c->n[fi]++;
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->dst = *dst;
	victim->last_use = now;
	return victim;
}

unsigned rtcache_pmtu(struct rtcache *c, const struct inet_addr *dst, uint64_t now, bool *locked)
{
	const struct rtcache_entry *e = rtcache_find(c, dst, now);
	if (locked)
		*locked = false;
	if (!e || !e->pmtu || now >= e->pmtu_expires)
		return 0;
	if (locked)
		*locked = e->locked;
	return e->pmtu;
}

void rtcache_set_pmtu(struct rtcache *c, const struct inet_addr *dst, unsigned mtu, bool locked, uint64_t expires,
		      uint64_t now)
{
	struct rtcache_entry *e = rtcache_get(c, dst, now);
	e->pmtu = (uint16_t)mtu;
	e->locked = locked;
	e->pmtu_expires = expires;
	e->last_use = now;
}

void rtcache_set_redirect(struct rtcache *c, const struct inet_addr *dst, const struct inet_addr *gw,
			  unsigned ifindex, uint64_t now)
{
	struct rtcache_entry *e = rtcache_get(c, dst, now);
	e->has_gw = true;
	e->gw = *gw;
	e->gw_ifindex = (uint16_t)ifindex;
	e->gw_expires = now + rtcache_families[rtcache_fam(dst->family)].redirect_ms;
	e->last_use = now;
}

const struct rtcache_entry *rtcache_redirect(const struct rtcache *c, const struct inet_addr *dst, uint64_t now)
{
	unsigned fi = rtcache_fam(dst->family);
	const struct rtcache_family *f = &rtcache_families[fi];
	if (!c->n[fi])
		return NULL;
	for (unsigned i = 0; i < f->size; i++) {
		const struct rtcache_entry *e = &c->e[rtcache_slot(f, dst, i)];
		if (e->used && rtcache_key_eq(&e->dst, dst))
			/* A lazily aged family checks the expiry here; the other one trusts its timer. */
			return e->has_gw && (!f->lazy || now < e->gw_expires) ? e : NULL;
	}
	return NULL;
}

void rtcache_redirect_used(struct rtcache *c, const struct rtcache_entry *e, uint64_t now)
{
	const struct rtcache_family *f = &rtcache_families[rtcache_fam(e->dst.family)];
	if (f->redirect_idle)
		c->e[e - c->e].gw_expires = now + f->redirect_ms;
}

void rtcache_expire(struct rtcache *c, enum inet_family fam, uint64_t now)
{
	unsigned fi = rtcache_fam(fam);
	const struct rtcache_family *f = &rtcache_families[fi];
	for (unsigned i = f->base; i < f->base + f->size && c->n[fi]; i++)
		if (c->e[i].used)
			rtcache_age(c, fi, &c->e[i], now);
}

uint64_t rtcache_deadline(const struct rtcache *c, enum inet_family fam)
{
	unsigned fi = rtcache_fam(fam);
	const struct rtcache_family *f = &rtcache_families[fi];
	uint64_t d = UINT64_MAX;
	for (unsigned i = f->base; i < f->base + f->size && c->n[fi]; i++) {
		const struct rtcache_entry *e = &c->e[i];
		if (e->used && e->pmtu && e->pmtu_expires < d)
			d = e->pmtu_expires;
		if (e->used && e->has_gw && e->gw_expires < d)
			d = e->gw_expires;
	}
	return d;
}

const struct rtcache_entry *rtcache_next(struct rtcache *c, enum inet_family fam, const struct rtcache_entry *prev,
					 uint64_t now)
{
	unsigned fi = rtcache_fam(fam);
	const struct rtcache_family *f = &rtcache_families[fi];
	for (unsigned i = prev ? (unsigned)(prev - c->e) + 1 : f->base; i < f->base + f->size; i++) {
		struct rtcache_entry *e = &c->e[i];
		if (e->used && (!f->lazy || rtcache_age(c, fi, e, now)))
			return e;
	}
	return NULL;
}
