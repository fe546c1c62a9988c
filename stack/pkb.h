/* stack/pkb.h — packet buffers: one contiguous buffer with headroom, from a pool.
 *
 * Ownership rule: whoever holds a struct pkb * owns it. Every *_input function consumes
 * the buffer it is given (sends it on, queues it, or frees it); *_output functions too.
 */
#ifndef TAPSTACK_PKB_H
#define TAPSTACK_PKB_H

#include <stddef.h>
#include <stdint.h>

#define PKB_HEADROOM 128u   /* room for Ethernet + IPv4 with options + ICMP in front of data */
#define PKB_SIZE     2048u  /* bytes per pool buffer: headroom + a 1518-byte frame + slack */
#define PKB_IIF_NONE 0xffffu /* iif of a buffer the stack made itself: it arrived nowhere */

enum {
	PKB_L2_BCAST = 1u << 0, /* arrived in an Ethernet broadcast frame */
	PKB_L2_MCAST = 1u << 1, /* arrived in an Ethernet multicast frame */
	PKB_HEAP     = 1u << 2, /* large buffer from the heap, not the pool */
	PKB_RX       = 1u << 3, /* a received frame whose fate is not yet counted (stack_rx_outcome) */
};

/* Bytes of per-packet notes the network layer keeps with a buffer (Linux's skb->cb): IPv4 its
 * options' offsets (ip/ip4.h, ip4cb), IPv6 the state of its extension-header walk. */
#define PKB_CB_SIZE 16

struct pkb {
	struct pkb *next;   /* queue link; owner's use */
	uint8_t *data;      /* first valid byte */
	uint32_t len;       /* valid bytes from data */
	uint32_t cap;       /* size of buf[] */
	uint16_t ifindex;   /* interface it arrived on / leaves by */
	uint16_t iif;       /* interface it arrived on, kept when forwarded (R5.8) */
	uint32_t frag_off;  /* reassembly: first data byte ... */
	uint32_t frag_end;  /* ... and one past the last, in the original datagram (may pass 65535) */
	uint8_t flags;      /* PKB_* */
	uint8_t family;     /* the network protocol at the network header: 0 IPv4 (enum neigh_family) */
	_Alignas(8) uint8_t cb[PKB_CB_SIZE]; /* the network layer's notes; zero from pkb_alloc */
	uint8_t buf[];
};

struct pkb_pool {
	struct pkb *free;
	void *mem;
	unsigned count;     /* pool buffers */
	unsigned in_use;    /* pool + heap buffers currently held */
	unsigned heap_in_use;
};

/* A FIFO of buffers linked through pkb->next: the transmit queue, ARP's pending packets, a UDP
 * socket's receive queue. */
struct pkb_queue {
	struct pkb *head, *tail;
	unsigned len;
};

static inline void pkb_queue_push(struct pkb_queue *q, struct pkb *p)
{
	p->next = NULL;
	if (q->tail)
		q->tail->next = p;
	else
		q->head = p;
	q->tail = p;
	q->len++;
}

static inline struct pkb *pkb_queue_pop(struct pkb_queue *q)
{
	struct pkb *p = q->head;
	if (!p)
		return NULL;
	q->head = p->next;
	if (!q->head)
		q->tail = NULL;
	q->len--;
	p->next = NULL;
	return p;
}

int pkb_pool_init(struct pkb_pool *pool, unsigned count);   /* 0 or -ENOMEM */
void pkb_pool_destroy(struct pkb_pool *pool);               /* all buffers must be back */
/* A buffer with data at buf + PKB_HEADROOM, len 0, room for at least `size` bytes after data.
 * Sizes over the pool size come from the heap. NULL when none is left. */
struct pkb *pkb_alloc(struct pkb_pool *pool, size_t size);
void pkb_free(struct pkb_pool *pool, struct pkb *p);
/* Frees every buffer in q. */
void pkb_queue_purge(struct pkb_pool *pool, struct pkb_queue *q);

static inline size_t pkb_headroom(const struct pkb *p) { return (size_t)(p->data - p->buf); }
static inline size_t pkb_tailroom(const struct pkb *p) { return p->cap - pkb_headroom(p) - p->len; }
/* Grow at the front by n bytes (caller checked headroom); returns the new data pointer. */
static inline uint8_t *pkb_push(struct pkb *p, size_t n) { p->data -= n; p->len += (uint32_t)n; return p->data; }
/* Drop n bytes from the front (caller checked len). */
static inline uint8_t *pkb_pull(struct pkb *p, size_t n) { p->data += n; p->len -= (uint32_t)n; return p->data; }
static inline void pkb_trim(struct pkb *p, size_t len) { if (len < p->len) p->len = (uint32_t)len; }

#endif
