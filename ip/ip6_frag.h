/* ip/ip6_frag.h — IPv6 fragmentation and reassembly state (§9; ip/ip6_frag.c's own, seen only by it
 * and white-box tests; the functions are in ip/ip6.h). */
#ifndef TAPSTACK_IP6_FRAG_H
#define TAPSTACK_IP6_FRAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/pkb.h"

#define REASM6_MAX_QUEUES 64

struct reasm6_queue {
	bool used, first_in, last_in, failed;
	uint32_t id;
	uint8_t src[16], dst[16];
	uint16_t ifindex;       /* part of the key for link-local and multicast destinations (V9.4) */
	uint32_t len;           /* end of the fragmentable part, as far as known */
	uint8_t ecn;            /* ECN codepoints seen: bit 1 << (traffic class & 3) (V9.8) */
	uint64_t expires;       /* creation + ip6frag_time; never extended */
	struct pkb *frags;      /* sorted by frag_off; IPv6 header at data */
};

struct ip6_reasm_state {
	struct reasm6_queue q[REASM6_MAX_QUEUES];
	unsigned nqueues;
	size_t mem;             /* bytes of buffers held by queues */
	uint32_t frag_id;       /* identification of our next fragmented datagram */
};

#endif
