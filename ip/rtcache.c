/* ip/rtcache.c — the route cache of both families (see rtcache.h). */
#include "ip/rtcache.h"

#include <string.h>

/* What differs between the families' caches, as data. */
static const struct rtcache_family {
	unsigned base, size;    /* the family's region of the table */
	bool hashed;            /* a lookup starts at the address's low bits (IPv4), else at the region's start */
	bool lazy;              /* expired parts go when a lookup meets them (IPv4); else rtcache_expire does it (IPv6) */
	bool redirect_idle;     /* a redirect's lifetime restarts at each use (IPv6), else counts from learning */
	uint64_t redirect_ms;
} rtcache_families[2] = {
	{ 0, RTCACHE_V4_SIZE, true, true, false, RTCACHE_REDIRECT_MS },
	{ RTCACHE_V4_SIZE, RTCACHE_V6_SIZE, false, false, true, RTCACHE_REDIRECT6_IDLE_MS },
};

_Static_assert((RTCACHE_V4_SIZE & (RTCACHE_V4_SIZE - 1)) == 0 && (RTCACHE_V6_SIZE & (RTCACHE_V6_SIZE - 1)) == 0,
	       "region sizes are powers of two: a lookup wraps with a mask");

/* The slot a lookup of dst visits i-th. */
static unsigned rtcache_slot(const struct rtcache_family *f, const struct inet_addr *dst, unsigned i)
{
	unsigned start = f->hashed ? dst->u.v4 : 0;
	return f->base + ((start + i) & (f->size - 1));
}

/* dst's counter in homes[]: Fibonacci hashing of its (folded) address into the family's 4 * size
 * counters. Any hash would do: a count of 0 only proves absence. */
static unsigned rtcache_home(const struct rtcache_family *f, const struct inet_addr *dst)
{
	uint32_t h = dst->u.v4;
	if (dst->family == INET_V6) {
		uint32_t w[4];
		memcpy(w, dst->u.v6, 16);
		h = w[0] ^ (w[1] * 0x85ebca6bu) ^ (w[2] * 0xc2b2ae35u) ^ (w[3] * 0x27d4eb2fu);
	}
	return 4 * f->base + (((h * 2654435761u) >> 16) & (4 * f->size - 1));
}

static void rtcache_free(struct rtcache *c, unsigned fi, struct rtcache_entry *e)
{
	e->used = false;
	c->n[fi]--;
	c->homes[rtcache_home(&rtcache_families[fi], &e->dst)]--;
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
	rtcache_free(c, fi, e);
	return false;
}

/* dst's entry (there is one at most). A destination whose home counter is 0 has none: the
 * usual miss costs one load. Otherwise the entries are visited in placement order until dst's,
 * or until every entry in use has been met; with age, each one met is aged on the way. */
static struct rtcache_entry *rtcache_scan(struct rtcache *c, const struct inet_addr *dst, uint64_t now, bool age)
{
	unsigned fi = rtcache_fam(dst->family);
	const struct rtcache_family *f = &rtcache_families[fi];
	if (!c->homes[rtcache_home(f, dst)])
		return NULL;
	unsigned left = c->n[fi];
	for (unsigned i = 0; left && i < f->size; i++) {
		struct rtcache_entry *e = &c->e[rtcache_slot(f, dst, i)];
		if (!e->used)
			continue;
		left--;
		if (age && !rtcache_age(c, fi, e, now))
			continue;
		if (e->dst.u.v4 == dst->u.v4 && (fi == 0 || memcmp(e->dst.u.v6 + 4, dst->u.v6 + 4, 12) == 0))
			return e;
	}
	return NULL;
}

static struct rtcache_entry *rtcache_find(struct rtcache *c, const struct inet_addr *dst, uint64_t now)
{
	return rtcache_scan(c, dst, now, rtcache_families[rtcache_fam(dst->family)].lazy);
}

/* dst's exception, made if need be: in the first free slot a lookup visits (after the expired ones
 * of a lazily aged family have gone), else in place of the least recently learned one (the first
 * of equals). */
static struct rtcache_entry *rtcache_get(struct rtcache *c, const struct inet_addr *dst, uint64_t now)
{
	unsigned fi = rtcache_fam(dst->family);
	const struct rtcache_family *f = &rtcache_families[fi];
	struct rtcache_entry *e = rtcache_find(c, dst, now);
	if (e)
		return e;
	if (f->lazy)
		rtcache_expire(c, (enum inet_family)dst->family, now);
	struct rtcache_entry *victim = &c->e[rtcache_slot(f, dst, 0)];
	for (unsigned i = 0; i < f->size; i++) {
		struct rtcache_entry *x = &c->e[rtcache_slot(f, dst, i)];
		if (!x->used) {
			victim = x;
			break;
		}
		if (x->last_use < victim->last_use)
			victim = x;
	}
	if (victim->used)
		rtcache_free(c, fi, victim);
	memset(victim, 0, sizeof(*victim));
	victim->used = true;
	victim->dst = *dst;
	victim->last_use = now;
	c->n[fi]++;
	c->homes[rtcache_home(f, dst)]++;
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
	const struct rtcache_family *f = &rtcache_families[rtcache_fam(dst->family)];
	/* A scan without ageing writes nothing: the cast does not reach a write. */
	const struct rtcache_entry *e = rtcache_scan((struct rtcache *)c, dst, now, false);
	/* A lazily aged family checks the expiry here; the other one trusts its timer. */
	return e && e->has_gw && (!f->lazy || now < e->gw_expires) ? e : NULL;
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

void rtcache_foreach(struct rtcache *c, enum inet_family fam, uint64_t now,
		     void (*fn)(const struct rtcache_info *x, void *arg), void *arg)
{
	for (const struct rtcache_entry *e = NULL; (e = rtcache_next(c, fam, e, now)) != NULL;) {
		bool pmtu_live = e->pmtu && now < e->pmtu_expires;
		struct rtcache_info x = {
			.dst = e->dst, .has_gw = e->has_gw, .gw = e->gw, .gw_ifindex = e->gw_ifindex,
			.gw_left_ms = e->has_gw && e->gw_expires > now ? e->gw_expires - now : 0,
			.pmtu = pmtu_live ? e->pmtu : 0, .locked = pmtu_live && e->locked,
			.pmtu_left_ms = pmtu_live ? e->pmtu_expires - now : 0,
		};
		fn(&x, arg);
	}
}
