/* ip/ip4.h — IPv4 input, output and the protocol registration table. */
#ifndef TAPSTACK_IP4_H
#define TAPSTACK_IP4_H

#include <stdbool.h>
#include <stdint.h>

#include "stack/pkb.h"

struct stack;

#define IP4_HDR_MIN   20
#define IP4_HDR_MAX   60
#define IP4_MAX_LEN   65535
#define IP4_DF        0x4000
#define IP4_MF        0x2000
#define IP4_OFFMASK   0x1fff

#define IPPROTO_ICMP_ 1
#define IPPROTO_TCP_  6
#define IPPROTO_UDP_  17

/* Header field offsets. */
enum { IP4_VHL = 0, IP4_TOS = 1, IP4_LEN = 2, IP4_ID = 4, IP4_FRAG = 6, IP4_TTL = 8, IP4_PROTO = 9,
       IP4_CSUM = 10, IP4_SRC = 12, IP4_DST = 16 };

#define IP4_BCAST_ALL 0xffffffffu

/* Where the IPv4 options of a received datagram are and what they still ask for (Linux's IPCB), kept in the buffer's cb (ip4cb):
 * offsets from the start of the IPv4 header, 0 when absent. Filled by IP input, kept with the
 * buffer so that a reply or error built later can echo the options (RFC 1122 3.2.1.8). */
struct ip4_opts {
	uint8_t rr, ts, srr, ra;
	uint8_t flags;      /* IP4_OPT_* */
	uint32_t srr_addr;  /* received: the next hop of a source route we are on (SRR_HIT);
	                     * for sending: the first hop of the reversed route */
};
#define IP4_OPT_RR_NEEDADDR 1u
#define IP4_OPT_TS_NEEDADDR 2u
#define IP4_OPT_TS_NEEDTIME 4u
#define IP4_OPT_SSRR        8u   /* the source route is strict */
#define IP4_OPT_SRR_HIT     16u  /* we are a hop of it: forward to srr_addr */
#define IP4_OPT_CHANGED     32u  /* input rewrote header bytes (RR, TS, padding after END): a
                                  * forwarded copy needs its checksum computed afresh */

_Static_assert(sizeof(struct ip4_opts) <= PKB_CB_SIZE, "struct ip4_opts must fit a packet buffer's cb");
static inline struct ip4_opts *ip4cb(struct pkb *p) { return (struct ip4_opts *)(void *)p->cb; }
static inline const struct ip4_opts *ip4cb_c(const struct pkb *p) { return (const struct ip4_opts *)(const void *)p->cb; }

/* The header length a header at h declares (IHL x 4): only for a header already checked. */
static inline unsigned ip4_hdr_len(const uint8_t *h) { return (h[IP4_VHL] & 0x0fu) * 4; }

/* The one IPv4 header check (DESIGN.md's list): the header length of the len bytes at h when
 * they hold a header — len >= 20, IHL >= 5, len >= IHL x 4 + `after` — else 0. IP4_CHK_VERSION
 * also wants version 4 (a header received or offending; a quoted one is read by IHL alone, as
 * Linux does); IP4_CHK_TOTAL also wants IHL x 4 <= total length <= len. Input, the error
 * builder, the quote of a received error, reassembly and fragmentation all come through here. */
#define IP4_CHK_VERSION 1u
#define IP4_CHK_TOTAL   2u
unsigned ip4_hdr_check(const uint8_t *h, size_t len, unsigned flags, size_t after);

/* What a destination address is to us. */
enum ip4_dst_kind { IP4_DST_OTHER = 0, IP4_DST_LOCAL, IP4_DST_BCAST, IP4_DST_MCAST };

/* A received datagram as IP hands it to a protocol: the header is still in the buffer in front of
 * the payload (hdr == payload - hlen), already validated. */
struct ip4_rx {
	const uint8_t *hdr;
	uint16_t hlen;         /* header bytes, options included */
	uint16_t tot_len;
	uint32_t src, dst;     /* host order */
	uint8_t proto, tos, ttl;
	uint8_t dst_kind;      /* enum ip4_dst_kind */
	uint16_t ifindex;
	uint8_t l2flags;       /* PKB_L2_BCAST / PKB_L2_MCAST */
};

/* Don't Fragment, as Linux's IP_PMTUDISC_*: never; always (too big for the path: -EMSGSIZE);
 * or when the datagram fits the path MTU and that MTU is not locked (else fragment). */
enum ip4_df { IP4_DF_DONT = 0, IP4_DF_DO, IP4_DF_WANT };

/* How to send: the payload (transport header onward) is at p->data. */
struct ip4_tx {
	uint32_t src;          /* 0: the egress interface's address */
	uint32_t dst;
	uint8_t proto, tos, ttl;
	uint8_t df;            /* enum ip4_df */
	bool connected;        /* from a connected socket: its IP IDs count up even with DF (Linux's
	                        * inet_id); from any other sender DF means ID 0 */
	uint8_t optlen;        /* bytes of options at opt, a multiple of 4 */
	const uint8_t *opt;
	const struct ip4_opts *optinfo; /* with opt: slots for our address and the time, or NULL */
};

/* An ICMP error (or a local one) about a datagram we sent, as IP hands it to the protocol that sent
 * it (ICMP-SPEC §8). The quote holds the inner header and at least 8 bytes beyond it. */
struct ip4_err {
	uint8_t type, code;
	uint32_t info;          /* next-hop MTU (3/4), pointer (12), gateway (5), else 0 */
	uint32_t from;          /* who reported it: the ICMP sender; 0 for a local error */
	int err;                /* errno per the R8.3 table */
	bool fatal;
	const uint8_t *inner;   /* the quoted IPv4 header */
	size_t inner_len;
	uint32_t isrc, idst;    /* its addresses (host order) */
	const uint8_t *l4;      /* its transport header, >= 8 bytes */
	const uint8_t *msg;     /* the whole ICMP message (msg_len bytes) for a received error, else NULL */
	size_t msg_len;         /* (RFC 4884 extensions, ICMP-EXT-SPEC X4) */
};

typedef void (*ip4_input_fn)(struct stack *st, struct pkb *p, const struct ip4_rx *rx);
typedef void (*ip4_err_fn)(struct stack *st, const struct ip4_err *e);
struct ip4_proto {
	ip4_input_fn input;    /* consumes p; p->data at the payload, p->len = payload bytes */
	ip4_err_fn err;        /* errors about datagrams this protocol sent; may be NULL */
};

/* Allocates IPv4's own state (protocol table, reassembly, redirect limiter): 0 or -ENOMEM. */
int ip4_init(struct stack *st);
/* Registers a protocol's input and error handlers for local delivery. */
void ip4_register_proto(struct stack *st, uint8_t proto, ip4_input_fn input, ip4_err_fn err);
/* A received error goes to the error handler of the protocol that sent the quoted datagram
 * (Linux's icmp_socket_deliver); nothing when that protocol has none. */
void ip4_err_deliver(struct stack *st, const struct ip4_err *e);

/* IPv4 input (p->data at the header, p->ifindex and p->flags set by Ethernet). Consumes p. */
void ip4_input(struct stack *st, struct pkb *p);
/* Builds the header in front of p->data and sends toward tx->dst. Consumes p.
 * Returns 0, or -ENETUNREACH / -EMSGSIZE / -ENOBUFS (p freed and counted either way). */
int ip4_output(struct stack *st, struct pkb *p, const struct ip4_tx *tx);

/* Validates the options of the header at iph (already length-checked) and records spec_dst and the
 * time where RR and TS ask for them, filling o. Returns 0, or the parameter-problem pointer (offset
 * from the start of the header) of the first fault. */
int ip4_opts_compile(struct stack *st, uint8_t *iph, struct ip4_opts *o, uint32_t spec_dst);
/* Builds the options of a reply to a datagram whose header is iph and whose compiled options are in:
 * RR and TS copied with a slot reserved for our source and time. Returns the padded length (0..40),
 * or -1 when a slot cannot be reserved (then no reply is sent, as in Linux). o gets the slots. */
int ip4_opts_echo(const struct stack *st, const uint8_t *iph, const struct ip4_opts *in, uint8_t out[40],
		  struct ip4_opts *o);
/* Fills the slots o reserves in a header being sent from src; with a reversed source route, moves
 * the destination into its last slot and puts the route's first hop in the header. */
void ip4_opts_fill(const struct stack *st, uint8_t *iph, const struct ip4_opts *o, uint32_t src);

/* Takes a fragment (header at data, validated, for local delivery). Consumes p; returns the whole
 * datagram when p completed it, else NULL. */
struct pkb *ip4_reasm(struct stack *st, struct pkb *p);
/* Expires queues at ipfrag_time (11/1 when the first fragment had come). */
void ip4_reasm_poll(struct stack *st);
uint64_t ip4_reasm_deadline(const struct stack *st);
void ip4_reasm_flush(struct stack *st);
/* Sends a finished datagram (header at data) out of ifindex toward nh, fragmenting it to the
 * interface's MTU unless DF is set (then IpFragFails). Consumes p. */
void ip4_output_finish(struct stack *st, struct pkb *p, unsigned ifindex, uint32_t nh);
/* The same with a path MTU below the interface's (our own datagrams, R8.4). */
void ip4_output_finish_mtu(struct stack *st, struct pkb *p, unsigned ifindex, uint32_t nh, unsigned mtu);

/* Forwards a datagram not addressed to us (ICMP-SPEC §9). Consumes p. */
void ip4_forward(struct stack *st, struct pkb *p, const struct ip4_rx *rx);

/* ARP gave up on the next hop of p (IPv4 header at p->data). Consumes p. */
void ip4_neigh_failed(struct stack *st, struct pkb *p);

/* What dst is to us, as seen on any interface. */
enum ip4_dst_kind ip4_dst_kind(const struct stack *st, uint32_t dst);
/* True when addr is one of our interface addresses. */
bool ip4_is_local(const struct stack *st, uint32_t addr);
/* True when addr can be a unicast host's source (RFC 1122 3.2.1.3, RFC 1812 4.2.2.11): not 0/8,
 * 127/8, 224/4, 240/4, 255.255.255.255, nor the directed broadcast of one of our subnets. */
bool ip4_is_valid_host_src(const struct stack *st, uint32_t addr);

#endif
