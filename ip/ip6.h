/* ip/ip6.h — IPv6 (RFC 8200): addresses, input with the extension-header walk, output, and the
 * protocol registration table, the sibling of ip/ip4.h (../shared/ICMP6-SPEC.md §1, §8, §9).
 * Addresses are their 16 network-order bytes everywhere. */
#ifndef TAPSTACK_IP6_H
#define TAPSTACK_IP6_H

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include "stack/pkb.h"

struct stack;

#define IP6_HLEN       40
#define IP6_MIN_MTU    1280
#define IP6_MAX_PLEN   65535

/* Header field offsets. */
enum { IP6_VTF = 0, IP6_PLEN = 4, IP6_NXT = 6, IP6_HLIM = 7, IP6_SRC = 8, IP6_DST = 24 };

#define IPPROTO_HOPOPTS_  0
#define IPPROTO_ROUTING_  43
#define IPPROTO_FRAGMENT_ 44
#define IPPROTO_ICMPV6_   58
#define IPPROTO_NONE_     59
#define IPPROTO_DSTOPTS_  60

static inline bool ip6_is_mcast(const uint8_t *a) { return a[0] == 0xff; }
static inline unsigned ip6_mcast_scope(const uint8_t *a) { return a[1] & 0x0f; }
static inline bool ip6_is_linklocal(const uint8_t *a) { return a[0] == 0xfe && (a[1] & 0xc0) == 0x80; }
bool ip6_is_any(const uint8_t *a);
bool ip6_is_loopback(const uint8_t *a);
/* True when a and b agree in their first plen bits. */
bool ip6_prefix_eq(const uint8_t *a, const uint8_t *b, unsigned plen);
/* Bits a and b share from the start (RFC 6724 rule 8). */
unsigned ip6_common_prefix(const uint8_t *a, const uint8_t *b);
/* ff02::1:ffXX:XXXX of a (RFC 4291 2.7.1). */
void ip6_solicited_node(const uint8_t *a, uint8_t out[16]);
/* 33:33 + the group's low 32 bits (RFC 2464 7). */
void ip6_mcast_mac(const uint8_t *grp, uint8_t mac[6]);
/* fe80::/64 + modified EUI-64 of mac (V6.10; RFC 4291 2.5.1): 02:00:00:00:00:d0 -> fe80::ff:fe00:d0. */
void ip6_linklocal_from_mac(const uint8_t mac[6], uint8_t out[16]);
/* The interface identifier part (the low 64 bits) of the same. */
void ip6_eui64(const uint8_t mac[6], uint8_t out[8]);
/* RFC 5952 text of a 16-byte address into buf (at least 46 bytes); returns buf. */
char *ip6_ntoa(const uint8_t *a, char *buf);

extern const uint8_t ip6_allnodes[16];   /* ff02::1 */
extern const uint8_t ip6_allrouters[16]; /* ff02::2 */
extern const uint8_t ip6_any[16];        /* :: */

/* --- per-interface IPv6 state --- */

#define STACK_MAX_ADDRS6 24   /* per interface: link-local, configured, up to 16 from SLAAC */
#define IP6_SLAAC_MAX    16
#define IP6_GROUPS_MAX   32   /* multicast groups joined per interface (solicited-node, stubs) */

enum ifaddr6_state { IFA6_TENTATIVE = 1, IFA6_VALID, IFA6_DADFAILED };
enum { IFA6_F_LINKLOCAL = 1u, IFA6_F_SLAAC = 2u, IFA6_F_ANYCAST = 4u };

struct ifaddr6 {
	uint8_t addr[16];
	uint8_t plen;
	uint8_t state;          /* enum ifaddr6_state */
	uint8_t flags;          /* IFA6_F_* */
	uint8_t dad_left;       /* DAD solicitations still to send */
	uint8_t nonce[6];       /* of our DAD NS (RFC 7527) */
	uint64_t dad_timer;     /* when the next DAD step is due; UINT64_MAX none */
	uint64_t valid_until;   /* UINT64_MAX: forever (configured); SLAAC: from the PIO */
	uint64_t pref_until;
};

/* What a destination address is to us. */
enum ip6_dst_kind { IP6_DST_OTHER = 0, IP6_DST_LOCAL, IP6_DST_MCAST, IP6_DST_ANYCAST };

/* Notes IPv6 input keeps with a buffer (its cb). */
struct ip6_cb {
	uint16_t nhoff;         /* offset from the IPv6 header of the Next Header byte naming the
	                         * current header (6: the fixed header's) */
	uint16_t fhoff;         /* offset of the Fragment header seen, 0 none */
	uint8_t flags;          /* IP6CB_* */
};
#define IP6CB_REASM     1u  /* reassembled from fragments */
#define IP6CB_RA        2u  /* Hop-by-Hop with a Router Alert option (MLD) */
#define IP6CB_HBH       4u  /* a Hop-by-Hop header was processed */
#define IP6CB_FRAGHDR   8u  /* a Fragment header was processed (a second one is 4/0) */
#define IP6CB_ATOMIC    16u /* an atomic fragment: its Fragment header is still in place (V9.2) */
_Static_assert(sizeof(struct ip6_cb) <= PKB_CB_SIZE, "struct ip6_cb must fit a packet buffer's cb");
static inline struct ip6_cb *ip6cb(struct pkb *p) { return (struct ip6_cb *)(void *)p->cb; }
static inline const struct ip6_cb *ip6cb_c(const struct pkb *p) { return (const struct ip6_cb *)(const void *)p->cb; }

/* A received datagram as IPv6 hands it to an upper layer: the IPv6 header and the extension
 * headers are still in the buffer in front of the payload (hdr == payload - hlen). */
struct ip6_rx {
	const uint8_t *hdr;
	uint16_t hlen;          /* bytes from the IPv6 header to the upper-layer header */
	uint16_t plen;          /* upper-layer bytes */
	uint8_t src[16], dst[16];
	uint8_t proto, hlim, tclass;
	uint32_t flow;
	uint8_t dst_kind;       /* enum ip6_dst_kind */
	uint16_t ifindex;
	uint8_t l2flags;        /* PKB_L2_BCAST / PKB_L2_MCAST */
	uint8_t cbflags;        /* IP6CB_* */
};

/* How to send: the upper-layer message is at p->data. */
struct ip6_tx {
	const uint8_t *src;     /* NULL: source selection (RFC 6724) toward dst */
	const uint8_t *dst;
	int oif;                /* -1: by route; else this interface (link-local, multicast, ND) */
	bool onlink;            /* with oif: dst is a neighbour there, no route needed (ND) */
	bool csum_ready;        /* icmp6_xmit: the message's checksum is already right for src/dst */
	uint8_t proto, tclass;
	uint8_t hlim;           /* 0: the interface's hop limit */
	uint32_t flow;          /* 20 bits; 0: none */
	bool dontfrag;          /* above the path MTU: -EMSGSIZE instead of fragments */
	const uint8_t *hbh;     /* a Hop-by-Hop header to put first (MLD), hbh_len bytes */
	uint8_t hbh_len;
};

/* An ICMPv6 error (or a local one) about a datagram we sent, as IPv6 hands it to the protocol
 * that sent it (§10). */
struct ip6_err {
	uint8_t type, code;
	uint32_t info;          /* MTU (2/0), pointer (4/x), else the second word */
	uint8_t from[16];       /* the reporter; :: for a local error */
	bool local;
	int err;                /* errno per V10.3 */
	bool fatal;
	const uint8_t *inner;   /* the quoted IPv6 header */
	size_t inner_len;
	const uint8_t *isrc, *idst;
	uint8_t iproto;         /* the quoted upper layer */
	const uint8_t *l4;      /* its header, >= 8 bytes */
	const uint8_t *msg;     /* the whole ICMPv6 message for a received error, else NULL */
	size_t msg_len;
};

typedef void (*ip6_input_fn)(struct stack *st, struct pkb *p, const struct ip6_rx *rx);
typedef void (*ip6_err_fn)(struct stack *st, const struct ip6_err *e);
struct ip6_proto {
	ip6_input_fn input;     /* consumes p; p->data at the upper-layer header, p->len = rx->plen */
	ip6_err_fn err;
};

/* Allocates IPv6's own state (protocol table; reassembly, ip6_reasm_init in ip6_frag.c): 0 or
 * -ENOMEM. */
int ip6_init(struct stack *st);
int ip6_reasm_init(struct stack *st);
/* The IPv6 state of a new interface (stack_iface_add): 0 or -ENOMEM. */
int ip6_iface_add(struct stack *st, unsigned ifindex);
/* IPv6 runs on ifindex (not disable_ipv6, not a link under 1280 bytes). */
bool ip6_enabled(const struct stack *st, unsigned ifindex);
/* The interface's IPv6 MTU: the link's, lowered by an RA's MTU option. */
unsigned ip6_mtu(const struct stack *st, unsigned ifindex);
/* Calls fn for each address of ifindex, in the order they were added. */
void ip6_addr_foreach(const struct stack *st, unsigned ifindex,
		      void (*fn)(const struct stack *st, const struct ifaddr6 *a, void *arg), void *arg);
unsigned ip6_addr_count(const struct stack *st, unsigned ifindex);
/* The interface's first global unicast address, valid (not tentative), neither link-local nor
 * anycast; NULL when it has none. */
const struct ifaddr6 *ip6_global_addr(const struct stack *st, unsigned ifindex);
/* mac (a 33:33 group MAC, RFC 2464 7) is that of a group joined on ifindex, ff02::1 included. */
bool ip6_mac_joined(const struct stack *st, unsigned ifindex, const uint8_t *mac);
void ip6_register_proto(struct stack *st, uint8_t proto, ip6_input_fn input, ip6_err_fn err);
/* A received error goes to the error handler of proto, the quoted datagram's upper layer: false
 * when that protocol has none. */
bool ip6_err_deliver(struct stack *st, uint8_t proto, const struct ip6_err *e);
/* IPv6 input (p->data at the header). Consumes p. */
void ip6_input(struct stack *st, struct pkb *p);
/* Builds the IPv6 header (and tx->hbh) in front of p->data, routes, fragments above the path MTU
 * (V9.10) and sends. Consumes p. 0, -ENETUNREACH, -EADDRNOTAVAIL (no source), -EMSGSIZE, -ENOBUFS. */
int ip6_output(struct stack *st, struct pkb *p, const struct ip6_tx *tx);
/* The source ip6_output would choose for dst (oif -1: by route): 0 or -ENETUNREACH/-EADDRNOTAVAIL. */
int ip6_select_src(struct stack *st, const uint8_t *dst, int oif, uint8_t out[16]);
/* Sends a finished datagram (IPv6 header at data, its size within mtu) out of ifindex toward the
 * neighbour nh (or the group, for a multicast destination). Consumes p. */
void ip6_output_finish(struct stack *st, struct pkb *p, unsigned ifindex, const uint8_t *nh);
/* Forwards a datagram not addressed to us (§8); off/nhoff where the walk after Hop-by-Hop stands.
 * Consumes p. */
void ip6_forward(struct stack *st, struct pkb *p, const struct ip6_rx *rx, unsigned off, unsigned nhoff);
/* Resolution of the next hop failed for p (IPv6 header at data): 1/3 (V6.8). Consumes p. */
void ip6_neigh_failed(struct stack *st, struct pkb *p);
/* Upper-layer checksum over the IPv6 pseudo-header (RFC 8200 8.1) and len bytes at data. */
uint16_t ip6_csum(const uint8_t *src, const uint8_t *dst, uint8_t proto, const void *data, size_t len);

/* What dst is to us on interface ifindex (multicast: joined there). */
enum ip6_dst_kind ip6_dst_kind(const struct stack *st, unsigned ifindex, const uint8_t *dst);
/* Our address equal to a (any state), and where; NULL if none. */
const struct ifaddr6 *ip6_addr_find(const struct stack *st, const uint8_t *a, unsigned *ifindex);
/* True when a is one of our addresses usable now (valid, not tentative). */
bool ip6_is_local(const struct stack *st, const uint8_t *a);
/* Our valid link-local address on ifindex, or NULL. */
const struct ifaddr6 *ip6_linklocal(const struct stack *st, unsigned ifindex);
/* The hop limit we originate with on ifindex (RA-learned, else net.ipv6.conf.all.hop_limit). */
uint8_t ip6_hop_limit(const struct stack *st, unsigned ifindex);

/* Addresses (stack.c calls these; ndisc.c runs DAD). */
int ip6_addr_add(struct stack *st, unsigned ifindex, const uint8_t *a, unsigned plen, uint8_t flags,
		 uint64_t valid_until, uint64_t pref_until);
int ip6_addr_del(struct stack *st, unsigned ifindex, const uint8_t *a);
/* The interface came up: link-local (V6.10), DAD for every address, RS (V6.11). */
void ip6_iface_up(struct stack *st, unsigned ifindex);

/* Multicast groups on an interface (V1.13, §7): join counts users; the first join reports. */
void ip6_mc_join(struct stack *st, unsigned ifindex, const uint8_t *grp);
void ip6_mc_leave(struct stack *st, unsigned ifindex, const uint8_t *grp);
bool ip6_mc_joined(const struct stack *st, unsigned ifindex, const uint8_t *grp);
/* V1.13, V7.1, V8.5: joins ff02::2 and ff05::2 while forwarding, leaves them when it stops. */
void ip6_router_groups_sync(struct stack *st, unsigned ifindex);

/* Reassembly (§9, ip/ip6_frag.c): p->data at the IPv6 header, fhoff the Fragment header's offset
 * from it, for local delivery. Consumes p; returns the whole datagram (header chain up to the
 * Fragment header kept, the Fragment header removed and the Next Header byte before it patched;
 * IP6CB_REASM set) when p completed one, else NULL. */
struct pkb *ip6_reasm(struct stack *st, struct pkb *p, unsigned fhoff);
void ip6_reasm_poll(struct stack *st);
uint64_t ip6_reasm_deadline(const struct stack *st);
void ip6_reasm_flush(struct stack *st);
/* Sends a datagram (IPv6 header at data, unfragmentable part = unfrag bytes) larger than mtu as
 * fragments of payloads a multiple of 8 (V9.10). Consumes p. */
void ip6_fragment(struct stack *st, struct pkb *p, unsigned unfrag, unsigned mtu, unsigned ifindex,
		  const uint8_t *nh);

#endif
