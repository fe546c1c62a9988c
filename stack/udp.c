/* stack/udp.c — UDP over IPv4 and IPv6: input with checksum and port demultiplexing, port
 * unreachable, stub sockets with their error queues; one path for both families. */
#include "stack/udp.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "icmp/icmp_ext.h"

#include "icmp/icmp4.h"
#include "icmp/icmp6.h"
#include "ip/ip4.h"
#include "ip/ip6.h"
#include "ip/route.h"
#include "stack/core.h"
#include "stack/csum.h"
#include "stack/wire.h"

/* The stub sockets: this file's own state (udp_foreach shows them to others). */
struct udp_table {
	struct udp_sock s[UDP_MAX_SOCKS];
	uint16_t next_ephemeral;
	unsigned queued;         /* datagrams in all receive queues */
	uint64_t echo_tokens;    /* echo service bucket, in thousandths of an answer */
	uint64_t echo_last;      /* ms of its last refill */
};

static void udp_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
static void udp_err(struct stack *st, const struct ip4_err *e);
static void udp6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
static void udp6_err(struct stack *st, const struct ip6_err *e);

int udp_init(struct stack *st)
{
	st->udp = calloc(1, sizeof(*st->udp));
	if (!st->udp)
		return -ENOMEM;
	st->udp->next_ephemeral = UDP_EPHEMERAL_LO;
	st->udp->echo_tokens = (uint64_t)UDP_ECHO_BURST * 1000;
	ip4_register_proto(st, IPPROTO_UDP_, udp_input, udp_err);
	ip6_register_proto(st, IPPROTO_UDP_, udp6_input, udp6_err);
	return 0;
}

void udp_free(struct stack *st)
{
	if (!st->udp)
		return;
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++)
		pkb_queue_purge(&st->pool, &st->udp->s[i].rxq);
	st->udp->queued = 0;
}

void udp_poll(struct stack *st)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		struct udp_sock *s = &st->udp->s[i];
		if (s->used && s->ephemeral && st->now >= s->last_use + UDP_KEEP_IDLE_MS)
			udp_close(st, s);
	}
}

uint64_t udp_deadline(const struct stack *st)
{
	uint64_t d = UINT64_MAX;
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		const struct udp_sock *s = &st->udp->s[i];
		if (s->used && s->ephemeral && s->last_use + UDP_KEEP_IDLE_MS < d)
			d = s->last_use + UDP_KEEP_IDLE_MS;
	}
	return d;
}

/* A socket's address matches an address of a datagram: same family, and its own or the wildcard. */
static bool udp_addr_matches(const struct inet_addr *sock, const struct inet_addr *a)
{
	return sock->family == a->family && (inet_is_any(sock) || inet_eq(sock, a));
}

static struct inet_addr udp_any(unsigned family)
{
	struct inet_addr a = { .family = (uint8_t)family };
	return a;
}

/* Sockets of one family share ports (a :: socket is IPV6_V6ONLY): a wildcard or the same address
 * of that family takes the port. */
static bool udp_port_taken(const struct stack *st, const struct inet_addr *laddr, uint16_t lport)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		const struct udp_sock *s = &st->udp->s[i];
		if (s->used && s->lport == lport && s->laddr.family == laddr->family &&
		    (inet_is_any(&s->laddr) || inet_is_any(laddr) || inet_eq(&s->laddr, laddr)))
			return true;
	}
	return false;
}

struct udp_sock *udp_bind(struct stack *st, const struct inet_addr *laddr, uint16_t lport, enum udp_service svc,
			  int *err)
{
	struct udp_table *t = st->udp;
	struct udp_sock *free_slot = NULL, *oldest_eph = NULL;

	if (!inet_is_any(laddr) &&
	    (laddr->family == INET_V6 ? !ip6_is_local(st, laddr->u.v6) : !ip4_is_local(st, laddr->u.v4))) {
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
	free_slot->raddr = udp_any(laddr->family);
	free_slot->lport = lport;
	free_slot->service = (uint8_t)svc;
	free_slot->created = st->now;
	free_slot->last_use = st->now;
	return free_slot;
}

void udp_foreach(const struct stack *st, void (*fn)(const struct udp_sock *s, void *arg), void *arg)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++)
		if (st->udp->s[i].used)
			fn(&st->udp->s[i], arg);
}

int udp_service_bind(struct stack *st, uint16_t port, enum udp_service svc)
{
	int err = 0;
	const struct inet_addr any4 = udp_any(INET_V4), any6 = udp_any(INET_V6);
	struct udp_sock *s4 = udp_bind(st, &any4, port, svc, &err);
	if (!s4)
		return err;
	if (!udp_bind(st, &any6, port, svc, &err)) {
		udp_close(st, s4);
		return err;
	}
	return 0;
}

struct udp_sock *udp_find_bound(struct stack *st, uint16_t lport, unsigned family)
{
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		struct udp_sock *s = &st->udp->s[i];
		if (s->used && s->lport == lport && (!family || s->laddr.family == family))
			return s;
	}
	return NULL;
}

void udp_close(struct stack *st, struct udp_sock *s)
{
	st->udp->queued -= s->rxq.len;
	pkb_queue_purge(&st->pool, &s->rxq);
	s->used = false;
}

/* What UDP keeps with a queued datagram (its cb, once IP is done with it). */
struct udp_cb {
	uint16_t hlen;          /* bytes of IP header (and IPv6 extension headers) before the UDP header */
};
_Static_assert(sizeof(struct udp_cb) <= PKB_CB_SIZE, "struct udp_cb must fit a packet buffer's cb");

struct pkb *udp_recv(struct stack *st, struct udp_sock *s)
{
	struct pkb *p = pkb_queue_pop(&s->rxq);
	if (p)
		st->udp->queued--;
	s->last_use = st->now;
	return p;
}

void udp_dgram_info(const struct pkb *p, struct udp_dgram *d)
{
	const struct udp_cb *cb = (const struct udp_cb *)(const void *)p->cb;
	const uint8_t *h = p->data, *u = h + cb->hlen;
	d->src = (h[0] >> 4) == 6 ? inet_v6(h + IP6_SRC) : inet_v4(be32_get(h + 12));
	d->sport = be16_get(u);
	d->data = u + UDP_HDR_LEN;
	d->len = be16_get(u + 4) - UDP_HDR_LEN;
}

const char *udp_endpoint_text(const struct inet_addr *a, uint16_t port, char buf[UDP_EP_STRLEN])
{
	char t[INET_STRLEN];
	inet_ntop_buf(a, t);
	snprintf(buf, UDP_EP_STRLEN, a->family == INET_V6 ? "[%s]:%u" : "%s:%u", t, port);
	return buf;
}

/* The per-family counters (nstat's Udp* and Udp6* names). */
struct udp_mib {
	enum counter in_dgrams, no_ports, in_errors, csum_errors, out_dgrams, rcvbuf, mem, ignored_multi,
		icmp_in_errors;
};
static const struct udp_mib udp_mib4 = {
	C_UdpInDatagrams, C_UdpNoPorts, C_UdpInErrors, C_UdpInCsumErrors, C_UdpOutDatagrams, C_UdpRcvbufErrors,
	C_UdpMemErrors, C_UdpIgnoredMulti, C_IcmpInErrors,
};
static const struct udp_mib udp_mib6 = {
	C_Udp6InDatagrams, C_Udp6NoPorts, C_Udp6InErrors, C_Udp6InCsumErrors, C_Udp6OutDatagrams,
	C_Udp6RcvbufErrors, C_Udp6MemErrors, C_Udp6IgnoredMulti, C_Icmp6InErrors,
};
static const struct udp_mib *udp_mib(unsigned family) { return family == INET_V6 ? &udp_mib6 : &udp_mib4; }

/* The UDP checksum of len bytes at u over the pseudo-header of either family (0: it verifies). */
static uint16_t udp_csum(const struct inet_addr *src, const struct inet_addr *dst, const uint8_t *u, size_t len)
{
	if (src->family == INET_V6)
		return ip6_csum(src->u.v6, dst->u.v6, IPPROTO_UDP_, u, len);
	return csum_fold(csum_pseudo(src->u.v4, dst->u.v4, IPPROTO_UDP_, (uint16_t)len) + csum_add(0, u, len));
}

/* Writes the UDP header in front of the len payload bytes at p->data and sends by the family of
 * dst (oif: an IPv6 interface to leave by, for a link-local peer; -1 by route). Consumes p. */
static int udp_output(struct stack *st, struct pkb *p, const struct inet_addr *src_in, uint16_t sport,
		      const struct inet_addr *dst, uint16_t dport, const struct udp_send_opts *o, int oif)
{
	struct inet_addr src = *src_in;
	uint8_t *u = pkb_push(p, UDP_HDR_LEN);

	/* The checksum covers the source: settle it before IP would. */
	if (inet_is_any(&src) && dst->family == INET_V6) {
		int rc = ip6_select_src(st, dst->u.v6, oif, src.u.v6);
		if (rc != 0) {
			stack_drop(st, p, C_Ip6OutNoRoutes);
			return rc;
		}
	} else if (inet_is_any(&src)) {
		struct route_res rr;
		src.u.v4 = route_lookup(st, dst->u.v4, &rr) == 0 ? rr.src : 0;
	}
	be16_put(u, sport);
	be16_put(u + 2, dport);
	be16_put(u + 4, (uint16_t)p->len);
	be16_put(u + 6, 0);
	uint16_t c = udp_csum(&src, dst, u, p->len);
	be16_put(u + 6, c ? c : 0xffff); /* RFC 768: a computed 0 is sent as all ones (RFC 8200 8.1 too) */
	int rc;
	if (dst->family == INET_V6) {
		struct ip6_tx tx = { .src = src.u.v6, .dst = dst->u.v6, .oif = oif, .proto = IPPROTO_UDP_,
				     .hlim = o ? o->ttl : 0, .dontfrag = o && o->df == IP4_DF_DO };
		rc = ip6_output(st, p, &tx);
	} else {
		struct ip4_tx tx = { .src = src.u.v4, .dst = dst->u.v4, .proto = IPPROTO_UDP_,
				     .ttl = o && o->ttl ? o->ttl : (uint8_t)st->knobs.ip_default_ttl,
				     .df = o ? o->df : IP4_DF_DONT, .connected = o && o->connected };
		rc = ip4_output(st, p, &tx);
	}
	if (rc == 0) /* as Linux: only what IP took */
		st->ctr[udp_mib(dst->family)->out_dgrams]++;
	return rc;
}

int udp_sendto(struct stack *st, struct udp_sock *s, const struct inet_addr *dst, uint16_t dport, const void *data,
	       size_t len, const struct udp_send_opts *o)
{
	if (dst->family != s->laddr.family)
		return -EAFNOSUPPORT;
	size_t max = dst->family == INET_V6 ? IP6_MAX_PLEN - UDP_HDR_LEN : IP4_MAX_LEN - IP4_HDR_MIN - UDP_HDR_LEN;
	if (len > max)
		return -EMSGSIZE;
	int oif = o && o->scope_id ? o->scope_id - 1 : -1;
	if (dst->family == INET_V6 && (oif >= (int)st->nifs || (ip6_is_linklocal(dst->u.v6) && oif < 0)))
		return -EINVAL; /* a link-local destination needs its scope */
	struct pkb *p = stack_alloc(st, UDP_HDR_LEN + len);
	if (!p)
		return -ENOBUFS;
	memcpy(p->data, data, len);
	p->len = (uint32_t)len;
	s->last_use = st->now;
	struct udp_send_opts so = o ? *o : (struct udp_send_opts){ .df = IP4_DF_DONT };
	so.connected = !inet_is_any(&s->raddr);
	int rc = udp_output(st, p, &s->laddr, s->lport, dst, dport, &so, oif);
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

/* X4.2: where the extension starts in what the socket would read, and what it holds. msg is the
 * ICMP or ICMPv6 message, hlen the quoted headers (network + UDP). */
static void udp_err_rfc4884(struct udp_err_entry *q, const uint8_t *msg, size_t msg_len, size_t hlen, bool v6)
{
	if (!(v6 ? icmp6_ext_rfc4884 : icmp4_ext_rfc4884)(msg, msg_len, hlen, &q->ext_off, &q->ext_flags))
		return;
	q->ext = true;
	size_t at = 8 + hlen + q->ext_off, n = msg_len - at;
	q->ext_len = (uint16_t)(n < UDP_ERR_EXT_MAX ? n : UDP_ERR_EXT_MAX);
	memcpy(q->ext_data, msg + at, q->ext_len);
}

/* R8.2, V10.2: the socket that sent the quoted datagram (local = its source and sport, remote =
 * its destination and q->qdport) gets the error q on its queue; a fatal one also becomes the
 * pending error of a connected socket (R8.3, V10.3). None: counted as IcmpInErrors or
 * Icmp6InErrors when a real sender reported it. Returns the socket (*q its new entry) or NULL. */
static struct udp_sock *udp_err_queue(struct stack *st, const struct udp_err_entry *in, uint16_t sport, bool fatal,
				      struct udp_err_entry **qp)
{
	struct udp_sock *s = NULL;
	for (unsigned i = 0; i < UDP_MAX_SOCKS && !s; i++) {
		struct udp_sock *c = &st->udp->s[i];
		if (c->used && c->lport == sport && udp_addr_matches(&c->laddr, &in->qsrc) &&
		    (inet_is_any(&c->raddr) || (udp_addr_matches(&c->raddr, &in->qdst) && c->rport == in->qdport)))
			s = c;
	}
	if (!s) {
		if (!in->local)
			st->ctr[udp_mib(in->qsrc.family)->icmp_in_errors]++;
		return NULL;
	}
	if (s->errq_len == UDP_ERRQ_MAX) { /* bounded: the oldest gives way */
		s->errq_head = (s->errq_head + 1) % UDP_ERRQ_MAX;
		s->errq_len--;
	}
	struct udp_err_entry *q = &s->errq[(s->errq_head + s->errq_len++) % UDP_ERRQ_MAX];
	*q = *in;
	if (!inet_is_any(&s->raddr) && fatal)
		s->pending = in->err;
	s->last_use = st->now;
	*qp = q;
	return s;
}

static void udp_err(struct stack *st, const struct ip4_err *e)
{
	struct udp_err_entry in = {
		.origin = e->from ? UDP_EE_ICMP : UDP_EE_LOCAL, .type = e->type, .code = e->code, .local = e->from == 0,
		.err = e->err, .info = e->info, .from = inet_v4(e->from), .qsrc = inet_v4(e->isrc),
		.qdst = inet_v4(e->idst), .qdport = be16_get(e->l4 + 2),
	};
	struct udp_err_entry *q;
	const struct udp_sock *s = udp_err_queue(st, &in, be16_get(e->l4), e->fatal, &q);
	/* X4.2: ICMPv4 3, 11 and 12 only. */
	if (s && s->rfc4884 && e->msg &&
	    (e->type == ICMP4_DEST_UNREACH || e->type == ICMP4_TIME_EXCEEDED || e->type == ICMP4_PARAMETERPROB))
		udp_err_rfc4884(q, e->msg, e->msg_len, (size_t)(e->l4 - e->inner) + UDP_HDR_LEN, false);
}

/* §10: an ICMPv6 error (or the local 1/3 after Neighbor Discovery failed) about a datagram we sent. */
static void udp6_err(struct stack *st, const struct ip6_err *e)
{
	struct udp_err_entry in = {
		.origin = e->local ? UDP_EE_LOCAL : UDP_EE_ICMP6, .type = e->type, .code = e->code, .local = e->local,
		.err = e->err, .info = e->info, .from = inet_v6(e->from), .qsrc = inet_v6(e->isrc),
		.qdst = inet_v6(e->idst), .qdport = be16_get(e->l4 + 2),
	};
	struct udp_err_entry *q;
	const struct udp_sock *s = udp_err_queue(st, &in, be16_get(e->l4), e->fatal, &q);
	/* X4.2: ICMPv6 1 and 3 only (X4.5: info stays the raw second word). */
	if (s && s->rfc4884 && e->msg && (e->type == 1 || e->type == 3))
		udp_err_rfc4884(q, e->msg, e->msg_len, (size_t)(e->l4 - e->inner) + UDP_HDR_LEN, true);
}

/* A received datagram as either IP hands it over, in UDP's terms. */
enum udp_to { UDP_TO_UNICAST, UDP_TO_GROUP, UDP_TO_ANYCAST };
struct udp_rx {
	struct inet_addr src, dst;
	uint8_t to;             /* enum udp_to: our unicast address, a broadcast or group, our anycast */
	const uint8_t *hdr;     /* the IP header */
	uint16_t hlen;          /* and its length (IPv6: with the extension headers) */
	int oif;                /* IPv6: the arrival interface for answers to a link-local peer, else -1 */
	const struct udp_mib *mib;
};

/* The best socket for a unicast datagram: a connected match beats a bound one, a specific local
 * address beats the wildcard. */
static struct udp_sock *udp_lookup(struct stack *st, const struct udp_rx *rx, uint16_t sport, uint16_t dport)
{
	struct udp_sock *best = NULL;
	int best_score = -1;
	for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
		struct udp_sock *s = &st->udp->s[i];
		if (!s->used || s->lport != dport || !udp_addr_matches(&s->laddr, &rx->dst))
			continue;
		if (!inet_is_any(&s->raddr) && (!udp_addr_matches(&s->raddr, &rx->src) || s->rport != sport))
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
	struct udp_table *t = st->udp;
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
static void udp_deliver(struct stack *st, struct udp_sock *s, struct pkb *p, const struct udp_rx *rx)
{
	/* A datagram is counted in UdpInDatagrams once a socket took it; one refused for a full
	 * queue counts as an error instead (Linux counts it at recvmsg, never for a drop): this
	 * socket's queue (UdpRcvbufErrors), or the share of the pool all queues may hold together
	 * (UdpMemErrors, as Linux's udp_mem). The Udp6 counters for IPv6. */
	if (s->service == UDP_SVC_NONE &&
	    (s->rxq.len >= UDP_RXQ_MAX || st->udp->queued >= st->pool.count / UDP_RXQ_SHARE_DIV ||
	     stack_pool_low(st))) {
		s->rx_dropped++;
		st->ctr[rx->mib->in_errors]++;
		stack_drop(st, p, s->rxq.len >= UDP_RXQ_MAX ? rx->mib->rcvbuf : rx->mib->mem);
		return;
	}
	st->ctr[rx->mib->in_dgrams]++;
	s->rx++;
	if (s->service == UDP_SVC_DISCARD) {
		stack_consume(st, p);
		return;
	}
	if (s->service == UDP_SVC_ECHO) {
		/* RFC 862: send back what came, in place. Never to a broadcast, a group or from an
		 * anycast address: no amplification. */
		if (rx->to != UDP_TO_UNICAST) {
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
		if (udp_output(st, p, &rx->dst, s->lport, &rx->src, sport, NULL, rx->oif) == 0)
			s->tx++;
		return;
	}
	pkb_push(p, rx->hlen); /* keep the IP header: it says who sent it */
	((struct udp_cb *)(void *)p->cb)->hlen = rx->hlen;
	stack_rx_outcome(st, p, C_RxDelivered);
	pkb_queue_push(&s->rxq, p);
	st->udp->queued++;
	s->last_use = st->now;
}

/* UDP input of either family once IP has said who sent it to what (RFC 768; ICMP-SPEC §6,
 * ICMP6-SPEC §4's 1/4 row). Consumes p. */
static void udp_rcv(struct stack *st, struct pkb *p, const struct udp_rx *rx)
{
	const uint8_t *u = p->data;
	bool v6 = rx->src.family == INET_V6;

	if (p->len < UDP_HDR_LEN) {
		stack_drop(st, p, rx->mib->in_errors);
		return;
	}
	uint16_t ulen = be16_get(u + 4);
	if (ulen < UDP_HDR_LEN || ulen > p->len) {
		stack_drop(st, p, rx->mib->in_errors);
		return;
	}
	pkb_trim(p, ulen);
	/* RFC 768: checksum 0 means none was computed, anything else must verify; RFC 8200 8.1:
	 * over IPv6 a zero checksum is never valid. */
	if ((v6 || be16_get(u + 6) != 0) && (be16_get(u + 6) == 0 || udp_csum(&rx->src, &rx->dst, u, ulen) != 0)) {
		st->ctr[rx->mib->csum_errors]++;
		stack_drop(st, p, rx->mib->in_errors);
		return;
	}
	uint16_t sport = be16_get(u), dport = be16_get(u + 2);
	if (rx->to == UDP_TO_GROUP) {
		/* Broadcast and multicast reach every socket bound to the port; never an error. */
		struct udp_sock *match[UDP_MAX_SOCKS];
		unsigned n = 0;
		for (unsigned i = 0; i < UDP_MAX_SOCKS; i++) {
			struct udp_sock *s = &st->udp->s[i];
			if (s->used && s->lport == dport && s->laddr.family == rx->dst.family && inet_is_any(&s->laddr) &&
			    (inet_is_any(&s->raddr) || (udp_addr_matches(&s->raddr, &rx->src) && s->rport == sport)))
				match[n++] = s;
		}
		if (n == 0) {
			stack_drop(st, p, rx->mib->ignored_multi);
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
	struct udp_sock *s = udp_lookup(st, rx, sport, dport);
	if (!s) {
		/* 3/3 or 1/4, only now that the checksum has verified (ICMP-SPEC §6, ICMP6-SPEC §4);
		 * the builders hold it back for L2 broadcast and multicast frames. */
		pkb_push(p, rx->hlen);
		if (v6)
			icmp6_send_error(st, p, ICMP6_DEST_UNREACH, 4, 0);
		else
			icmp4_send_error(st, p, ICMP4_DEST_UNREACH, 3, 0);
		stack_drop(st, p, rx->mib->no_ports);
		return;
	}
	udp_deliver(st, s, p, rx);
}

static void udp_input(struct stack *st, struct pkb *p, const struct ip4_rx *rx)
{
	struct udp_rx r = {
		.src = inet_v4(rx->src), .dst = inet_v4(rx->dst),
		.to = rx->dst_kind == IP4_DST_LOCAL ? UDP_TO_UNICAST : UDP_TO_GROUP,
		.hdr = rx->hdr, .hlen = rx->hlen, .oif = -1, .mib = &udp_mib4,
	};
	udp_rcv(st, p, &r);
}

static void udp6_input(struct stack *st, struct pkb *p, const struct ip6_rx *rx)
{
	struct udp_rx r = {
		.src = inet_v6(rx->src), .dst = inet_v6(rx->dst),
		.to = rx->dst_kind == IP6_DST_MCAST ? UDP_TO_GROUP :
		      rx->dst_kind == IP6_DST_ANYCAST ? UDP_TO_ANYCAST : UDP_TO_UNICAST,
		.hdr = rx->hdr, .hlen = rx->hlen, .oif = ip6_is_linklocal(rx->src) ? (int)rx->ifindex : -1,
		.mib = &udp_mib6,
	};
	udp_rcv(st, p, &r);
}
