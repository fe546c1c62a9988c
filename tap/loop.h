/* tap/loop.h — the daemon's event loop: epoll over TAP fds, the control socket, signals and a timer,
 * feeding frames to the pure core with one monotonic clock reading per wake-up. */
#ifndef TAPSTACK_LOOP_H
#define TAPSTACK_LOOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stack/stack.h"

struct pcapw;
struct ctlsock;

#define LOOP_RX_BATCH 256   /* frames read from one TAP per wake-up, for fairness */
#define LOOP_TX_BATCH 256   /* at most this many frames per io_uring submission */

/* How frames are written: one write(2) each, or batched on an io_uring ring (one io_uring_enter
 * per drain of the core's transmit queue when it holds more than one frame; needs io_uring
 * enabled and a kernel with sparse registered files). Reads are read(2). */
enum loop_io { LOOP_IO_AUTO, LOOP_IO_URING, LOOP_IO_SYSCALL };

struct loop_iface {
	char name[16];
	int fd;                  /* TAP fd; -1 once the device is gone */
	unsigned ifindex;        /* the stack's ifindex */
	bool created;            /* we created it: it disappears when fd is closed */
	const char *netns;       /* namespace of the kernel side (netns_name); NULL = ours */
	char netns_name[208];
	uint64_t rx_frames, rx_bytes, rx_nobuf, rx_toobig;
	uint64_t tx_frames, tx_bytes, tx_drop, tx_link_down, tx_err;
};

struct loop_uring;

/* One more event source in the loop's epoll set (the metrics server): `ready` runs when fd is
 * readable or when `deadline` (ms on the loop's clock, UINT64_MAX: none) has come. */
struct loop_ext {
	int fd;
	void (*ready)(void *ctx);
	uint64_t (*deadline)(void *ctx);
	void *ctx;
};

/* A frame handed to the ring, kept until its write completes. */
struct loop_txslot {
	struct pkb *p;
	struct loop_iface *li;
};

struct loop {
	struct stack *st;
	struct loop_iface ifaces[STACK_MAX_IFACES];
	unsigned n_ifaces;
	struct pcapw *pcap;      /* NULL: no capture, no per-packet pcap work */
	const char *pcap_path;
	int pcap_err;            /* the capture was cut by this write error (then pcap is NULL) */
	uint64_t pcap_frames;    /* frames it holds, when it was cut */
	struct ctlsock *ctl;
	int epfd;
	int sigfd;
	int tfd;                 /* timerfd for the next deadline */
	uint64_t armed_ms;       /* what tfd is armed for (monotonic ms); UINT64_MAX: nothing */
	bool verbose;
	int64_t wall_offset_ms;
	uint64_t wall_set_at;
	uint64_t pcap_ts_us;     /* wall clock of the current batch, for pcap records */
	uint8_t *scratch;        /* LOOP_SCRATCH bytes: a frame read while no packet buffer is free */
	struct loop_uring *uring;           /* NULL: write(2) per frame */
	struct loop_txslot tx[LOOP_TX_BATCH];  /* frames queued on the ring, not yet submitted */
	unsigned n_tx;
	uint64_t tx_submits;     /* io_uring_enter calls that wrote frames */
	uint64_t tx_ring_frames; /* frames written through them (the rest: write(2) one by one) */
	const struct loop_ext *ext;  /* NULL: none */
	/* SIGHUP and the control command "reload": re-reads the configuration, appending what it
	 * did (one line per refusal or note) to out; returns 0 applied, 1 refused. NULL: no reload. */
	int (*reload)(void *ctx, struct sbuf *out);
	void *reload_ctx;
	uint64_t reloads, reload_failures;
};

/* Monotonic microseconds and milliseconds (CLOCK_MONOTONIC), the clock the core runs on. To
 * hand the core both, read loop_now_us once and derive ms as us / 1000. */
uint64_t loop_now_us(void);
uint64_t loop_now_ms(void);

/* Blocks SIGINT/SIGTERM/SIGHUP (they arrive through a signalfd instead), ignores SIGPIPE, and creates
 * the epoll set. Call before creating any device so a signal during setup exits cleanly.
 * 0, or -1 with one line in err. */
int loop_init(struct loop *lp, struct stack *st, bool verbose, char *err, size_t errlen);

/* Chooses how frames are written. AUTO: io_uring when the kernel allows it, else write(2)
 * (saying so once on stderr); URING: the ring or an error. Call after loop_init, before any
 * interface is added. 0, or -1 with one line in err. */
int loop_io_setup(struct loop *lp, enum loop_io io, char *err, size_t errlen);

/* "uring" or "syscall": the write path in use. */
const char *loop_io_name(const struct loop *lp);

/* Adds an opened TAP fd for stack interface ifindex (reusing its slot when the interface was
 * removed before); lp takes ownership of fd (also on failure). 0, or -1 with one line in err. */
int loop_iface_add(struct loop *lp, const char *name, int fd, unsigned ifindex, bool created,
		   const char *netns, char *err, size_t errlen);

/* Stops using interface ifindex (a reload removed it): its TAP is closed (a device we created
 * disappears) and the stack's interface goes down. Its slot stays, so loop_iface_add with the same
 * ifindex brings it back. 0, or -1 when unknown. */
int loop_iface_remove(struct loop *lp, unsigned ifindex);

/* Adds ext to the epoll set (one at most); 0, or -1 with one line in err. */
int loop_ext_add(struct loop *lp, const struct loop_ext *ext, char *err, size_t errlen);

/* Opens the control socket at path; its commands run through stack_ctl_start (streaming ones are
 * polled after every wake-up and cancelled when their client leaves), plus the daemon's own
 * "daemon [--json]". 0, or -1 with one line in err. */
int loop_ctl_open(struct loop *lp, const char *path, char *err, size_t errlen);

/* Sets the core's wall-clock offset from CLOCK_REALTIME - CLOCK_MONOTONIC. */
void loop_wall_sync(struct loop *lp, uint64_t now_ms);

/* Runs lp->reload as SIGHUP or the control command "reload" does (counting it); its status. */
int loop_reload(struct loop *lp, struct sbuf *out);

/* Runs until SIGINT or SIGTERM (SIGHUP runs lp->reload); returns the signal number (or -1 on a fatal epoll error). */
int loop_run(struct loop *lp);

/* Closes the control socket (removing its file), TAP fds (devices we created vanish), the
 * capture, epoll and the signalfd. Does not free the stack. */
void loop_fini(struct loop *lp);

#endif
