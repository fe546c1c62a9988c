/* eth/neigh_int.h — the neighbour cache itself: eth/neigh.c's own state, seen only by it and by
 * white-box tests (everyone else uses eth/neigh.h's functions and neigh_foreach). */
#ifndef TAPSTACK_NEIGH_INT_H
#define TAPSTACK_NEIGH_INT_H

#include "eth/neigh.h"

struct neigh_table {
	struct neigh_entry e[NEIGH_SIZE];
	const struct neigh_ops *ops[NEIGH_FAMILIES];
	unsigned used;
	unsigned pending;          /* packets queued on all entries: at most an eighth of the pool */
	uint64_t deadline;         /* no entry's timer is earlier; exact after each neigh_poll */
	struct pkb_queue failq;    /* packets of freed entries, waiting for `failed` (neigh_fail_drain) */
	bool failing;              /* failq is being drained (by an outer call) */
};

#endif
