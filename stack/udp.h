/* stack/udp.h — UDP stub sockets (RFC 768): bind, send, a bounded receive queue, and the built-in
 * echo (RFC 862) and discard (RFC 863) services. Enough of UDP for ICMP to have someone to talk to. */
#ifndef TAPSTACK_UDP_H
#define TAPSTACK_UDP_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/addr.h"
#include "stack/pkb.h"

struct stack;

#define UDP_HDR_LEN     8
#define UDP_MAX_SOCKS   64
#define UDP_RXQ_MAX     16      /* datagrams queued per socket before UdpRcvbufErrors */
/* All receive queues together hold at most an eighth of the buffer pool (then UdpMemErrors), and
 * none of its reserve (stack_pool_low): sockets nobody reads cannot starve reception. */
#define UDP_RXQ_SHARE_DIV 8
#define UDP_KEEP_IDLE_MS 60000  /* a socket kept by `udp send --keep` closes after this idle time */
#define UDP_ECHO_PER_SEC 1000   /* echo service answers a second (a token bucket) ... */
#define UDP_ECHO_BURST   100    /* ... and its depth */
#define UDP_EPHEMERAL_LO 40000
#define UDP_EPHEMERAL_HI 60999

#define UDP_ERRQ_MAX    8       /* errors kept per socket (IP_RECVERR's queue); the oldest goes */
/* An error's extension structure kept for the control text, at most this much of it: the largest
 * RFC 5837 set (the extension header and four Interface Information Objects with every field), so
 * the objects an error can carry about interfaces are kept whole while the 512 entries of the
 * table stay at 240 KB (whole frames, 1348 bytes, would take 730 KB). Of a longer structure the
 * start is kept; its text is cut at 119 characters anyway. */
#define UDP_ERR_EXT_MAX 392

enum udp_service { UDP_SVC_NONE = 0, UDP_SVC_ECHO, UDP_SVC_DISCARD };

/* Where an error came from: sock_extended_err's ee_origin values. */
enum udp_ee_origin { UDP_EE_LOCAL = 1, UDP_EE_ICMP = 2, UDP_EE_ICMP6 = 3 };

/* One entry of a socket's error queue (R8.3, V10.3), as IP_RECVERR / IPV6_RECVERR's
 * sock_extended_err would say it. */
struct udp_err_entry {
	uint8_t origin;         /* enum udp_ee_origin */
	uint8_t type, code;     /* ICMP or ICMPv6 type/code; for a local error, 3/1 after ARP failure,
	                         * 1/3 after Neighbor Discovery failure */
	bool local;             /* SO_EE_ORIGIN_LOCAL rather than ICMP */
	int err;                /* errno */
	uint32_t info;
	struct inet_addr from;  /* the reporter; unspecified for a local error */
	struct inet_addr qsrc, qdst; /* the quoted datagram's addresses ... */
	uint16_t qdport;        /* ... and destination port */
	/* RFC 4884 (ICMP-EXT-SPEC X4.2), for a socket with the option: ee_rfc4884's len and flags */
	bool ext;               /* an extension was reported */
	uint8_t ext_flags;      /* 1: SO_EE_RFC4884_FLAG_INVALID */
	uint16_t ext_off;       /* from the start of the data after the quoted UDP header */
	uint16_t ext_len;       /* the extension structure's bytes in ext_data (up to UDP_ERR_EXT_MAX), */
	uint8_t ext_data[UDP_ERR_EXT_MAX]; /* as received, for the control text (ctl/ext_text.c) */
};

/* How a datagram leaves: TTL 0 = ip_default_ttl (IPv6: the interface's hop limit). */
struct udp_send_opts {
	uint8_t ttl;            /* IPv6: the hop limit */
	uint8_t df;             /* enum ip4_df; IPv6: IP4_DF_DO = IPV6_DONTFRAG, else fragments */
	uint16_t scope_id;      /* IPv6, as sin6_scope_id: 1 + the interface of a scoped (link-local)
	                         * destination; 0 none, by route */
	bool connected;         /* set by udp_sendto from the socket */
};

struct udp_sock {
	bool used;
	bool ephemeral;          /* bound by `udp send --keep` without --from: recycled oldest first,
	                          * closed after UDP_KEEP_IDLE_MS without use */
	uint8_t service;         /* enum udp_service */
	struct inet_addr laddr;  /* unspecified (0.0.0.0, ::): any of ours of that family; a socket
	                          * serves one family (a :: socket is IPV6_V6ONLY, as the built-in
	                          * services bind one socket per family) */
	uint16_t lport;
	struct inet_addr raddr;  /* connected peer; unspecified when not connected */
	uint16_t rport;
	struct pkb_queue rxq;    /* queued datagrams, IP header at data (udp_dgram_info reads them) */
	uint64_t created;
	uint64_t last_use;       /* ms of the last send, delivery or error (ephemeral ageing) */
	uint64_t rx, tx, rx_dropped;
	struct udp_err_entry errq[UDP_ERRQ_MAX];
	unsigned errq_head, errq_len;
	int pending;            /* connected sockets: the last fatal errno, until read */
	bool rfc4884;           /* IP_RECVERR_RFC4884: errors report their extension */
};

/* Allocates the socket table and registers with both families: 0 or -ENOMEM. udp_free
 * empties its queues. */
int udp_init(struct stack *st);
void udp_free(struct stack *st);
/* Closes kept ephemeral sockets idle for UDP_KEEP_IDLE_MS; the next time one would be due. */
void udp_poll(struct stack *st);
uint64_t udp_deadline(const struct stack *st);
/* Binds laddr:lport (lport 0: an ephemeral port; laddr 0.0.0.0 or ::: any of ours of that
 * family). Sockets of different families never share a port's conflict. Returns the socket or
 * NULL with *err set to -EADDRINUSE, -ENOSPC or -EADDRNOTAVAIL (laddr not ours, or tentative). */
struct udp_sock *udp_bind(struct stack *st, const struct inet_addr *laddr, uint16_t lport, enum udp_service svc,
			  int *err);
/* A built-in service on port: one wildcard socket per family (0.0.0.0 and ::). 0 or *err. */
int udp_service_bind(struct stack *st, uint16_t port, enum udp_service svc);
/* The first socket bound to lport, of that family (0: either). */
struct udp_sock *udp_find_bound(struct stack *st, uint16_t lport, unsigned family);
void udp_close(struct stack *st, struct udp_sock *s);
/* Sends len bytes from s to dst:dport (IPv6: fragmented above the path MTU unless o->df asks
 * for IPV6_DONTFRAG; leaving by the interface o->scope_id names). 0, or a negative errno from IP (-ENETUNREACH, -EMSGSIZE,
 * -EADDRNOTAVAIL, ...), -EAFNOSUPPORT when dst is not of the socket's family, -EINVAL for a link-local
 * IPv6 destination without its scope (as Linux's sendto). */
int udp_sendto(struct stack *st, struct udp_sock *s, const struct inet_addr *dst, uint16_t dport, const void *data, size_t len,
	       const struct udp_send_opts *o);
/* Connects s to dst:dport (errors then also set its pending error). */
void udp_connect(struct udp_sock *s, const struct inet_addr *dst, uint16_t dport);
/* Takes the oldest queued error of s; false when none. Reading clears the pending error. */
bool udp_err_pop(struct udp_sock *s, struct udp_err_entry *e);
/* Calls fn for every open socket, in table order (the `sockets` printout; no one else reads the
 * table). */
void udp_foreach(const struct stack *st, void (*fn)(const struct udp_sock *s, void *arg), void *arg);
/* Takes the oldest queued datagram of s (IP header at data) or NULL; the caller frees it. */
struct pkb *udp_recv(struct stack *st, struct udp_sock *s);
/* What recvfrom would say of a datagram udp_recv returned: its sender and payload. */
struct udp_dgram {
	struct inet_addr src;
	uint16_t sport;
	const uint8_t *data;
	size_t len;
};
void udp_dgram_info(const struct pkb *p, struct udp_dgram *d);
/* "192.0.2.1:9" or "[2001:db8::1]:9" (RFC 3986's form for IPv6) into buf; returns buf. */
#define UDP_EP_STRLEN (INET_STRLEN + 8)
const char *udp_endpoint_text(const struct inet_addr *a, uint16_t port, char buf[UDP_EP_STRLEN]);

#endif
