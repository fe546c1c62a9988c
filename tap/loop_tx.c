/* tap/loop_tx.c — the event loop's transmit path (tap/loop.h, tap/loop_int.h).
 *
 * Frames are written either with write(2) each or, by default, on an io_uring ring: a drain of the
 * core's transmit queue puts up to LOOP_TX_BATCH writes on the ring, submits them with one
 * io_uring_enter and waits for their completions in the same call (a write to a TAP never waits:
 * the kernel runs it inline), so every buffer is back in the pool when the drain returns, as with
 * write(2). The TAP fds are registered with the ring (no file lookup per write). A drain of a
 * single frame (every drain at paced rates) is one write(2): one kernel entry either way, and
 * write(2) is the cheaper one (~0.5 µs per reply at 10 kpps). docs/perf.md has the numbers.
 * Nothing here allocates, logs or blocks per frame: a frame that cannot be written now is dropped
 * and counted.
 */
#include "tap/loop_int.h"

#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap/pcapw.h"

struct loop_uring {
	struct io_uring ring;
};

/* The ring: LOOP_TX_BATCH submission entries, completions reaped by the thread that submits
 * (DEFER_TASKRUN where the kernel has it, Linux >= 6.1), a sparse table of STACK_MAX_IFACES
 * registered files (slot = the interface's index in lp->ifaces). 0, or -errno. */
static int loop_uring_open(struct loop_uring *u)
{
	static const unsigned flags[] = { IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN, 0 };
	int ret = -EINVAL;

	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]) && ret < 0; i++) {
		struct io_uring_params p;

		memset(&p, 0, sizeof(p));
		p.flags = flags[i];
		ret = io_uring_queue_init_params(LOOP_TX_BATCH, &u->ring, &p);
	}
	if (ret < 0)
		return ret;
	ret = io_uring_register_files_sparse(&u->ring, STACK_MAX_IFACES);
	if (ret < 0) {
		io_uring_queue_exit(&u->ring);
		return ret;
	}
	io_uring_register_ring_fd(&u->ring); /* optional: saves a lookup per io_uring_enter */
	return 0;
}

int loop_io_setup(struct loop *lp, enum loop_io io, char *err, size_t errlen)
{
	struct loop_uring *u;
	int ret;

	if (io == LOOP_IO_SYSCALL)
		return 0;
	u = calloc(1, sizeof(*u));
	if (!u) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	ret = loop_uring_open(u);
	if (ret == 0) {
		lp->uring = u;
		return 0;
	}
	free(u);
	if (io == LOOP_IO_URING) {
		snprintf(err, errlen, "--io uring: io_uring refused by the kernel: %s", strerror(-ret));
		return -1;
	}
	fprintf(stderr, "tapstackd: io_uring refused by the kernel (%s); writing frames with write(2)\n",
		strerror(-ret));
	return 0;
}

const char *loop_io_name(const struct loop *lp)
{
	return lp->uring ? "uring" : "syscall";
}

int loop_tx_file(struct loop *lp, unsigned idx, int fd)
{
	if (!lp->uring)
		return 0;
	int ret = io_uring_register_files_update(&lp->uring->ring, idx, &fd, 1);
	return ret < 0 ? ret : 0;
}

/* What became of one frame's write: res bytes written, or -errno. Frees the frame. */
static void loop_tx_done(struct loop *lp, struct loop_iface *li, struct pkb *p, long res)
{
	stack_pkb_free(lp->st, p);
	if (res >= 0) {
		li->tx_frames++;
		li->tx_bytes += (uint64_t)res;
	} else if (res == -EAGAIN || res == -EWOULDBLOCK || res == -ENOBUFS) {
		li->tx_drop++;
	} else if (res == -EIO) {
		li->tx_link_down++;  /* the kernel side is administratively down */
	} else if (res == -EBADFD || res == -ENODEV || res == -ENXIO) {
		loop_iface_gone(lp, li, "write", (int)-res);
	} else {
		li->tx_err++;
	}
}

/* One write(2) of a frame, settled. */
static void loop_tx_write(struct loop *lp, struct loop_iface *li, struct pkb *p)
{
	ssize_t n;

	do
		n = write(li->fd, p->data, p->len);
	while (n < 0 && errno == EINTR);
	loop_tx_done(lp, li, p, n < 0 ? -(long)errno : (long)n);
}

/* Submits the writes queued in lp->tx with one io_uring_enter, which also waits for them all (a
 * TAP write completes inline), and settles each; a single frame goes by write(2). */
static void loop_tx_flush(struct loop *lp)
{
	unsigned n = lp->n_tx, seen = 0;

	if (n <= 1 || !lp->uring) { /* (frames are queued only with a ring) */
		for (unsigned i = 0; i < n; i++)
			loop_tx_write(lp, lp->tx[i].li, lp->tx[i].p);
		lp->n_tx = 0;
		return;
	}
	struct io_uring *ring = &lp->uring->ring;
	for (unsigned i = 0; i < n; i++) {
		const struct loop_txslot *t = &lp->tx[i];
		struct io_uring_sqe *sqe = io_uring_get_sqe(ring); /* n <= the ring's size */

		io_uring_prep_write(sqe, (int)(t->li - lp->ifaces), t->p->data, t->p->len, 0);
		sqe->flags |= IOSQE_FIXED_FILE;
		io_uring_sqe_set_data64(sqe, i);
	}
	lp->tx_submits++;
	lp->tx_ring_frames += n;
	int ret = io_uring_submit_and_wait(ring, n);
	while (seen < n) {
		struct io_uring_cqe *cqe;
		unsigned head, got = 0;

		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY) {
			/* The kernel holds frames it was given and will not say what became of them:
			 * their buffers cannot be reused safely. */
			fprintf(stderr, "tapstackd: io_uring: %s; exiting\n", strerror(-ret));
			exit(1);
		}
		io_uring_for_each_cqe(ring, head, cqe) {
			const struct loop_txslot *t = &lp->tx[io_uring_cqe_get_data64(cqe)];
			loop_tx_done(lp, t->li, t->p, cqe->res);
			got++;
		}
		io_uring_cq_advance(ring, got);
		seen += got;
		if (seen < n)
			ret = io_uring_submit_and_wait(ring, n - seen);
	}
	lp->n_tx = 0;
}

void loop_tx_drain(struct loop *lp)
{
	struct pkb *p;
	unsigned ifindex;

	while ((p = stack_tx_pop(lp->st, &ifindex)) != NULL) {
		struct loop_iface *li = loop_iface_by_ifindex(lp, ifindex);

		if (!li || li->fd < 0) {
			if (li)
				li->tx_err++;
			stack_pkb_free(lp->st, p);
			continue;
		}
		if (lp->pcap)
			pcapw_write(lp->pcap, p->data, p->len, lp->pcap_ts_us);
		if (lp->uring) {
			lp->tx[lp->n_tx++] = (struct loop_txslot){ .p = p, .li = li };
			if (lp->n_tx == LOOP_TX_BATCH)
				loop_tx_flush(lp);
			continue;
		}
		loop_tx_write(lp, li, p);
	}
	loop_tx_flush(lp);
}

void loop_tx_fini(struct loop *lp)
{
	if (!lp->uring)
		return;
	/* Unregistering drops the ring's references to the TAP files now; left to the ring's
	 * teardown (asynchronous, in a kernel worker) a created TAP would outlive the daemon. */
	io_uring_unregister_files(&lp->uring->ring);
	io_uring_queue_exit(&lp->uring->ring);
	free(lp->uring);
	lp->uring = NULL;
}
