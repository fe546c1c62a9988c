/* tap/loop_int.h — inside the event loop (tap/loop.h), shared by its three parts only:
 *   tap/loop.c         the loop: epoll, signals, the timer, TAP reads into the core, interfaces
 *   tap/loop_tx.c      the transmit path: the core's queue drained by write(2) or on io_uring
 *   tap/loop_status.c  the daemon's control commands (daemon [--json], reload, stats --prometheus)
 *                      and its status text */
#ifndef TAPSTACK_LOOP_INT_H
#define TAPSTACK_LOOP_INT_H

#include "tap/loop.h"

/* What an epoll event is: the kind in the high 32 bits of its data, an index in the low ones. */
enum loop_kind { LOOP_K_TAP = 1, LOOP_K_SIGNAL = 2, LOOP_K_CTL = 3, LOOP_K_TIMER = 4, LOOP_K_EXT = 5 };

static inline uint64_t loop_tag(enum loop_kind kind, uint32_t id)
{
	return ((uint64_t)kind << 32) | id;
}

/* The loop's interface for stack interface ifindex, NULL when none. */
static inline struct loop_iface *loop_iface_by_ifindex(struct loop *lp, unsigned ifindex)
{
	/* Interfaces are added in stack order, so this is almost always the first probe. */
	if (ifindex < lp->n_ifaces && lp->ifaces[ifindex].ifindex == ifindex)
		return &lp->ifaces[ifindex];
	for (unsigned i = 0; i < lp->n_ifaces; i++)
		if (lp->ifaces[i].ifindex == ifindex)
			return &lp->ifaces[i];
	return NULL;
}

/* The TAP is unusable (deleted, or its namespace went away): stop using it, keep the rest. op
 * and e (0: end of file) say what found out, on stderr. (loop.c) */
void loop_iface_gone(struct loop *lp, struct loop_iface *li, const char *op, int e);

/* Writes every frame the core has queued (captured first when capturing). (loop_tx.c) */
void loop_tx_drain(struct loop *lp);

/* Points the ring's registered-file slot of interface idx at fd (-1: empties it, so a closed
 * TAP is not held open by the ring); 0 without a ring. 0, or -errno. (loop_tx.c) */
int loop_tx_file(struct loop *lp, unsigned idx, int fd);

/* Releases the ring, if any, and its hold on the TAP files. (loop_tx.c) */
void loop_tx_fini(struct loop *lp);

#endif
