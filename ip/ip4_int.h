/* ip/ip4_int.h — IPv4's own state, shared by ip/ip4.c, ip4_frag.c and ip4_opt.c (and white-box
 * tests); other modules use ip/ip4.h's functions. */
#ifndef TAPSTACK_IP4_INT_H
#define TAPSTACK_IP4_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ip/ip4.h"

#define REASM_MAX_QUEUES 64

struct reasm_queue {
	bool used, first_in, last_in;
	uint8_t proto;
	uint16_t id;
	uint32_t src, dst;
	uint32_t len;           /* end of the data, as far as known */
	uint64_t expires;       /* creation + ipfrag_time; never extended */
	uint32_t peer_seq;      /* the source's fragment count at this queue's last fragment */
	struct pkb *frags;      /* sorted by frag_off; IPv4 header at data */
};

/* Fragments counted per source, for ipfrag_max_dist (Linux's inet_peer rid); fixed size. */
struct reasm_peer {
	uint32_t addr;
	uint32_t seq;
};

struct reasm_state {
	struct reasm_queue q[REASM_MAX_QUEUES];
	struct reasm_peer peers[256];
	unsigned nqueues;
	size_t mem;             /* bytes of buffers held by queues */
	bool over;              /* above ipfrag_high_thresh, not yet back under ipfrag_low_thresh */
};

struct redirect_peer {
	uint32_t addr;
	bool used;
	uint8_t n;              /* redirects sent since the last silence */
	uint64_t last;
};

struct ip4_state {
	struct ip4_proto protos[256];
	struct reasm_state reasm;
	struct redirect_peer redirects[256];
};

#endif
