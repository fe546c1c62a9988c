/* stack/udp.c — UDP input with checksum and port demultiplexing, port unreachable, stub sockets. */
#include "stack/udp.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "icmp/icmp_ext.h"

#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

static void udp_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void udp_err(struct stack *st, const struct ip4_err *e);

void udp_init(struct stack *st)
{
	st->udp.next_ephemeral = UDP_EPHEMERAL_LO;
	st->udp.echo_tokens = (uint64_t)UDP_ECHO_BURST * 1000;
	ip4_register_proto(st, IPPROTO_UDP_, udp_input, udp_err);
}

void udp_free(struct stack *st)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++)
		pkb_queue_purge(&st->pool, &st->udp.s[i].rxq);
	st->udp.queued = 0;
}

void udp_poll(struct stack *st)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		struct udp_sock *s = &st->udp.s[i];
		if (s->used && s->ephemeral && st->now >= s->last_use + UDP_KEEP_IDLE_MS)
			udp_close(st, s);
	}
}

uint64_t udp_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		const struct udp_sock *s = &st->udp.s[i];
		if (s->used && s->ephemeral && s->last_use + UDP_KEEP_IDLE_MS < d)
			d = s->last_use + UDP_KEEP_IDLE_MS;
	}
	return d;
}

/* A socket's address matches an IPv4 address of a datagram: its own, or it is a wildcard. */
static bool udp_addr_matches(const struct inet_addr *sock, uint32_t a)
{
	return inet_is_any(sock) || (sock->family == INET_V4 && sock->u.v4 == a);
}

static bool udp_port_taken(const struct stack *st, const struct inet_addr *laddr, uint16_t lport)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		const struct udp_sock *s = &st->udp.s[i];
		if (s->used && s->lport == lport && (inet_is_any(&s->laddr) || inet_is_any(laddr) || inet_eq(&s->laddr, laddr)))
			return true;
	}
	return false;
}

struct udp_sock *udp_bind(struct stack *st, const struct inet_addr *laddr, uint16_t lport, enum udp_service svc,
			  int *err)
{
	struct udp_table *t = &st->udp;
	struct udp_sock *free_slot = NULL, *oldest_eph = NULL;

	if (laddr->family != INET_V4) {
		*err = -EAFNOSUPPORT;
		return NULL;
	}
	if (!inet_is_any(laddr) && !ip4_is_local(st, laddr->u.v4)) {
		*err = -EADDRNOTAVAIL;
		return NULL;
	}
	if (lport == 0) {
		/* The next free ephemeral port, round robin, as Linux's default port selection does in spirit. */
		unsigned span = UDP_EPHEMERAL_HI - UDP_EPHEMERAL_LO + 1;
		for (unsigned i = 0; i < span && !lport; i++) {
			uint16_t cand = t->next_ephemeral;
			t->next_ephemeral = cand >= UDP_EPHEMERAL_HI ? UDP_EPHEMERAL_LO : (uint16_t)(cand + 1);
			if (!udp_port_taken(st, laddr, cand))
				lport = cand;
		}
		if (!lport) {
			*err = -EADDRINUSE;
			return NULL;
		}
	} else if (udp_port_taken(st, laddr, lport)) {
		*err = -EADDRINUSE;
		return NULL;
	}
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		struct udp_sock *s = &t->s[i];
		if (!s->used && !free_slot)
			free_slot = s;
		if (s->used && s->ephemeral && (!oldest_eph || s->created < oldest_eph->created))
			oldest_eph = s;
	}
	if (!free_slot && oldest_eph) { /* the table is full: an old send-only socket makes room */
		udp_close(st, oldest_eph);
		free_slot = oldest_eph;
	}
	if (!free_slot) {
		*err = -ENOSPC;
		return NULL;
	}
	memset(free_slot, 0, sizeof(*free_slot));
	free_slot->used = true;
	free_slot->laddr = *laddr;
	free_slot->raddr = inet_v4(0);
	free_slot->lport = lport;
	free_slot->service = (uint8_t)svc;
	free_slot->created = st->now;
	free_slot->last_use = st->now;
	return free_slot;
}

void udp_foreach(const struct stack *st, void (*fn)(const struct udp_sock *s, void *arg), void *arg)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++)
		if (st->udp.s[i].used)
			fn(&st->udp.s[i], arg);
}

struct udp_sock *udp_find_bound(struct stack *st, uint16_t lport)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++)
		if (st->udp.s[i].used && st->udp.s[i].lport == lport)
			return &st->udp.s[i];
	return NULL;
}

void udp_close(struct stack *st, struct udp_sock *s)
{
	st->udp.queued -= s->rxq.len;
	pkb_queue_purge(&st->pool, &s->rxq);
	s->used = false;
}

struct pkb *udp_recv(struct stack *st, struct udp_sock *s)
{
	struct pkb *p = pkb_queue_pop(&s->rxq);
	if (p)
		st->udp.queued--;
	s->last_use = st->now;
	return p;
}

/* Writes the UDP header in front of the len payload bytes at p->data and sends. Consumes p. */
static int udp_output(struct stack *st, struct pkb *p, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport,
		      const struct udp_send_opts *o)
{
	struct route_res rr;
	uint8_t *u = pkb_push(p, UDP_HDR_LEN);

	if (!src) /* the checksum covers the source: settle it before IP would */
		src = route_lookup(st, dst, &rr) == 0 ? rr.src : 0;
	be16_put(u, sport);
	be16_put(u + 2, dport);
	be16_put(u + 4, (uint16_t)p->len);
	be16_put(u + 6, 0);
	uint16_t c = csum_fold(csum_pseudo(src, dst, IPPROTO_UDP_, (uint16_t)p->len) + csum_add(0, u, p->len));
	be16_put(u + 6, c ? c : 0xffff); /* RFC 768: a computed 0 is sent as all ones */
	struct ip4_tx tx = { .src = src, .dst = dst, .proto = IPPROTO_UDP_,
			     .ttl = o && o->ttl ? o->ttl : (uint8_t)st->knobs.ip_default_ttl, .df = o ? o->df : IP4_DF_DONT,
			     .connected = o && o->connected };
	int rc = ip4_output(st, p, &tx);
	if (rc == 0) /* as Linux: only what IP took */
		CNT(st, UdpOutDatagrams);
	return rc;
}

int udp_sendto(struct stack *st, struct udp_sock *s, const struct inet_addr *dst, uint16_t dport, const void *data,
	       size_t len, const struct udp_send_opts *o)
{
	if (dst->family != INET_V4)
		return -EAFNOSUPPORT;
	if (len > IP4_MAX_LEN - IP4_HDR_MIN - UDP_HDR_LEN)
		return -EMSGSIZE;
	struct pkb *p = stack_alloc(st, UDP_HDR_LEN + len);
	if (!p)
		return -ENOBUFS;
	memcpy(p->data, data, len);
	p->len = (uint32_t)len;
	s->last_use = st->now;
	struct udp_send_opts so = o ? *o : (struct udp_send_opts){ .df = IP4_DF_DONT };
	so.connected = !inet_is_any(&s->raddr);
	int rc = udp_output(st, p, s->laddr.u.v4, s->lport, dst->u.v4, dport, &so);
	if (rc == 0) /* refused (EMSGSIZE above a known path MTU, no route): not sent */
		s->tx++;
	return rc;
}

void udp_connect(struct udp_sock *s, const struct inet_addr *dst, uint16_t dport)
{
	s->raddr = *dst;
	s->rport = dport;
}

bool udp_err_pop(struct udp_sock *s, struct udp_err_entry *e)
{
	s->pending = 0;
	if (!s->errq_len)
		return false;
	*e = s->errq[s->errq_head];
	s->errq_head = (s->errq_head + 1) % UDP_ERRQ_MAX;
	s->errq_len--;
	return true;
}

/* X4.2: where the extension starts in what the socket would read, and what it holds. */
static void udp_err_rfc4884(struct udp_err_entry *q, const struct ip4_err *e)
{
	if (e->type != ICMP4_DEST_UNREACH && e->type != ICMP4_TIME_EXCEEDED && e->type != ICMP4_PARAMETERPROB)
		return;
	size_t hlen = (size_t)(e->l4 - e->inner) + UDP_HDR_LEN;
	if (!icmp4_ext_rfc4884(e->msg, e->msg_len, hlen, &q->ext_off, &q->ext_flags))
		return;
	q->ext = true;
	struct sbuf t = { 0 };
	size_t at = ICMP4_HDR_LEN + hlen + q->ext_off;
	icmp_ext_describe(&t, e->msg + at, e->msg_len - at);
	if (t.len)
		snprintf(q->ext_text, sizeof(q->ext_text), "%s", sbuf_str(&t));
	sbuf_free(&t);
}

/* R8.2: the socket that sent the quoted datagram: local = its source, remote = its destination. */
static void udp_err(struct stack *st, const struct ip4_err *e)
{
	uint16_t sport = be16_get(e->l4), dport = be16_get(e->l4 + 2);
	struct udp_sock *s = NULL;
	for (unsigned i = 0; i < UDP_MAX_SOCKS && !s; i++) {
		struct udp_sock *c = &st->udp.s[i];
		if (c->used && c->lport == sport && udp_addr_matches(&c->laddr, e->isrc) &&
		    (inet_is_any(&c->raddr) || (udp_addr_matches(&c->raddr, e->idst) && c->rport == dport)))
			s = c;
	}
	if (!s) {
		if (e->from)
			CNT(st, IcmpInErrors);
		return;
	}
	if (s->errq_len == UDP_ERRQ_MAX) { /* bounded: the oldest gives way */
		s->errq_head = (s->errq_head + 1) % UDP_ERRQ_MAX;
		s->errq_len--;
	}
	struct udp_err_entry *q = &s->errq[(s->errq_head + s->errq_len++) % UDP_ERRQ_MAX];
	*q = (struct udp_err_entry){ .type = e->type, .code = e->code, .local = e->from == 0, .err = e->err,
				     .info = e->info, .from = inet_v4(e->from), .qsrc = inet_v4(e->isrc),
				     .qdst = inet_v4(e->idst), .qdport = dport };
	if (s->rfc4884 && e->msg)
		udp_err_rfc4884(q, e);
	if (!inet_is_any(&s->raddr) && e->fatal)
		s->pending = e->err;
	s->last_use = st->now;
}

/* The best socket for a unicast datagram: a connected match beats a bound one, a specific local
 * address beats the wildcard. */
static struct udp_sock *udp_lookup(struct stack *st, uint32_t src, uint16_t sport, uint32_t dst, uint16_t dport)
{
	struct udp_sock *best = NULL;
	int best_score = -1;
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		struct udp_sock *s = &st->udp.s[i];
		if (!s->used || s->lport != dport || !udp_addr_matches(&s->laddr, dst))
			continue;
		if (!inet_is_any(&s->raddr) && (!udp_addr_matches(&s->raddr, src) || s->rport != sport))
			continue;
		int score = !inet_is_any(&s->laddr) + 2 * !inet_is_any(&s->raddr);
		if (score > best_score) {
			best = s;
			best_score = score;
		}
	}
	return best;
}

/* The echo service's bucket: UDP_ECHO_PER_SEC answers a second, UDP_ECHO_BURST at once. */
static bool udp_echo_allow(struct stack *st)
{
	struct udp_table *t = &st->udp;
	if (st->now > t->echo_last) {
		t->echo_tokens += (st->now - t->echo_last) * UDP_ECHO_PER_SEC;
		if (t->echo_tokens > (uint64_t)UDP_ECHO_BURST * 1000)
			t->echo_tokens = (uint64_t)UDP_ECHO_BURST * 1000;
		t->echo_last = st->now;
	}
	if (t->echo_tokens < 1000)
		return false;
	t->echo_tokens -= 1000;
	return true;
}

/* Hands one datagram (UDP header at data) to s. Consumes p. */
static void udp_deliver(struct stack *st, struct udp_sock *s, struct pkb *p, const struct ip4_rx *rx)
{
	/* A datagram is counted in UdpInDatagrams once a socket took it; one refused for a full
	 * queue counts as an error instead (Linux counts it at recvmsg, never for a drop): this
	 * socket's queue (UdpRcvbufErrors), or the share of the pool all queues may hold together
	 * (UdpMemErrors, as Linux's udp_mem). */
	if (s->service == UDP_SVC_NONE &&
	    (s->rxq.len >= UDP_RXQ_MAX || st->udp.queued >= st->pool.count / UDP_RXQ_SHARE_DIV ||
	     stack_pool_low(st))) {
		s->rx_dropped++;
		CNT(st, UdpInErrors);
		stack_drop(st, p, s->rxq.len >= UDP_RXQ_MAX ? C_UdpRcvbufErrors : C_UdpMemErrors);
		return;
	}
	CNT(st, UdpInDatagrams);
	s->rx++;
	if (s->service == UDP_SVC_DISCARD) {
		stack_consume(st, p);
		return;
	}
	if (s->service == UDP_SVC_ECHO) {
		/* RFC 862: send back what came, in place. Never to a broadcast: no amplification. */
		if (rx->dst_kind != IP4_DST_LOCAL) {
			stack_drop(st, p, C_UdpEchoToBcast);
			return;
		}
		uint16_t sport = be16_get(p->data);
		/* Never to another service's port (7 echo, 13 daytime, 19 chargen, ... and any below
		 * 1024, as FreeBSD inetd's check_loop): two such services would answer each other
		 * forever, from one datagram with a spoofed source. */
		if (sport < 1024) {
			stack_drop(st, p, C_UdpEchoLoopDrops);
			return;
		}
		if (!udp_echo_allow(st)) {
			stack_drop(st, p, C_UdpEchoRateLimited);
			return;
		}
		pkb_pull(p, UDP_HDR_LEN);
		p->flags &= PKB_HEAP | PKB_RX;
		if (udp_output(st, p, rx->dst, s->lport, rx->src, sport, NULL) == 0)
			s->tx++;
		return;
	}
	pkb_push(p, rx->hlen); /* keep the IPv4 header: it says who sent it */
	stack_rx_outcome(st, p, C_RxDelivered);
	pkb_queue_push(&s->rxq, p);
	st->udp.queued++;
	s->last_use = st->now;
}

static void udp_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	const uint8_t *u = p->data;

	if (p->len < UDP_HDR_LEN) {
		stack_drop(st, p, C_UdpInErrors);
		return;
	}
	uint16_t ulen = be16_get(u + 4);
	if (ulen < UDP_HDR_LEN || ulen > p->len) {
		stack_drop(st, p, C_UdpInErrors);
		return;
	}
	pkb_trim(p, ulen);
	/* RFC 768: checksum 0 means none was computed; anything else must verify. */
	if (be16_get(u + 6) != 0 &&
	    csum_fold(csum_pseudo(rx->src, rx->dst, IPPROTO_UDP_, ulen) + csum_add(0, u, ulen)) != 0) {
		CNT(st, UdpInCsumErrors);
		stack_drop(st, p, C_UdpInErrors);
		return;
	}
	uint16_t sport = be16_get(u), dport = be16_get(u + 2);
	if (rx->dst_kind != IP4_DST_LOCAL) {
		/* Broadcast and multicast reach every socket bound to the port; never an error. */
		struct udp_sock *match[UDP_MAX_SOCKS];
		unsigned n = 0;
		for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
			struct udp_sock *s = &st->udp.s[i];
			if (s->used && s->lport == dport && inet_is_any(&s->laddr) &&
			    (inet_is_any(&s->raddr) || (udp_addr_matches(&s->raddr, rx->src) && s->rport == sport)))
				match[n++] = s;
		}
		if (n == 0) {
			stack_drop(st, p, C_UdpIgnoredMulti);
			return;
		}
		for (unsigned i = 0; i + 1 < n; i++) {
			struct pkb *c = stack_alloc(st, p->len + rx->hlen);
			if (!c)
				break;
			memcpy(c->data, rx->hdr, rx->hlen + p->len);
			c->len = rx->hlen + p->len;
			pkb_pull(c, rx->hlen);
			udp_deliver(st, match[i], c, rx);
		}
		udp_deliver(st, match[n - 1], p, rx);
		return;
	}
	struct udp_sock *s = udp_lookup(st, rx->src, sport, rx->dst, dport);
	if (!s) {
		/* 3/3, only now that the checksum has verified (ICMP-SPEC §6). */
		pkb_push(p, rx->hlen);
		icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 3, 0);
		stack_drop(st, p, C_UdpNoPorts);
		return;
	}
	udp_deliver(st, s, p, rx);
}
