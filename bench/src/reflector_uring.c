/* bench/src/reflector_uring.c — the reflector on io_uring (issue #6): build/reflector-uring.
 *
 * The frames and the work done on each are those of bench/src/reflector.c (both take their frame
 * handling from bench/src/reflect.h, so they swap and rewrite exactly the same bytes); only the I/O
 * differs. Instead of read(2) + write(2) per frame and epoll_wait(2) per wake-up, the loop makes
 * one io_uring_enter(2) per batch: it submits the writes of every reply prepared since the last
 * call and waits for at least one completion; then it handles every completion that is there
 * (a frame read: answer it and queue its write; a write done: give its buffer back).
 *
 * Reads, two ways (--read):
 *   mshot   (the default where the kernel has it, Linux >= 6.7): one IORING_OP_READ_MULTISHOT on
 *           the TAP, its buffers taken by the kernel from a provided-buffer ring (--bufs of
 *           --buf-size bytes); every frame is one completion carrying its buffer id, and the
 *           request stays armed (re-armed when the kernel ends it, e.g. out of buffers).
 *   single  --inflight N (default 64) IORING_OP_READ requests in flight, one buffer each; a
 *           slot's read is submitted again as soon as its frame's write has completed.
 *   syscall read(2) per frame as the plain reflector does (epoll_wait, then drain until EAGAIN),
 *           only the writes go through io_uring: queued as they are produced and submitted in
 *           one io_uring_enter per 256 frames read or at EAGAIN (the half of io_uring a loop like
 *           tapstackd's could take first, docs/perf.md).
 * A reply is written from the frame's own buffer (no copy); --fixed registers the buffers
 * (IORING_OP_WRITE_FIXED, and READ_FIXED in single mode).
 *
 * The ring: SQ 512, CQ 8192, IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN (--taskrun
 * defer; 'coop' is COOP_TASKRUN, 'plain' neither), the TAP fd(s) and the ring fd registered. The
 * TAP is opened O_NONBLOCK, which makes io_uring treat it as nowait-capable: a read that finds no
 * frame arms an internal poll and is retried by task work in this thread (with DEFER_TASKRUN,
 * inside our own io_uring_enter) when a frame arrives, instead of being handed to an io-wq worker
 * thread. The bench counts every thread's CPU all the same (`make bench-uring`).
 *
 * SIGINT/SIGTERM: prints the frame counters and the batching (frames per io_uring_enter) to
 * stderr and exits 0. SIGUSR1: prints the counters since the last SIGUSR1 and starts them again.
 */
#include <errno.h>
#include <getopt.h>
#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <unistd.h>

/* the same frame handling as the plain reflector, byte for byte */
#include "bench/src/reflect.h"
#include "tools/util.h"

#define OP_READ_MULTISHOT 49 /* IORING_OP_READ_MULTISHOT (Linux 6.7); Debian 12's liburing predates it */
#define BGID              0
#define SQ_ENTRIES        512u
#define CQ_ENTRIES        8192u
#define SYS_BATCH         256u /* --read syscall: frames read per submission, as LOOP_RX_BATCH */
enum { T_READ = 1, T_WRITE = 2 };
#define UD(tag, slot) ((uint64_t)(tag) << 32 | (uint32_t)(slot))

struct uio {
	struct io_uring ring;
	struct io_uring_buf_ring *br; /* mshot: the provided-buffer ring */
	size_t br_bytes;
	uint8_t *bufs;                /* nbuf buffers of bufsz bytes */
	unsigned nbuf, bufsz;
	unsigned free;                /* mshot: buffers in the ring (the kernel's to fill) */
	unsigned br_added;            /* mshot: buffers given back, not yet published */
	unsigned reads;               /* single: reads in flight */
	unsigned *free_slots, n_free; /* syscall: buffers not holding a frame being written */
	bool sysread;
	unsigned writes;              /* writes queued or in flight */
	bool mshot, fixed, forward, armed;
};

static uint64_t n_enter, n_cqe, n_arm, n_nobufs, n_eagain, n_sq_full;
static volatile sig_atomic_t dump;

static void on_usr1(int sig)
{
	(void)sig;
	dump = 1;
}

static void counters_print(const struct uio *u)
{
	fprintf(stderr,
		"reflector-uring: rx %llu tx %llu dropped %llu write_failed %llu | read %s%s, "
		"io_uring_enter %llu (%.1f frames each), completions %llu, read armed %llu, "
		"out of buffers %llu, eagain %llu, sq full %llu\n",
		(unsigned long long)n_rx, (unsigned long long)n_tx, (unsigned long long)n_drop,
		(unsigned long long)n_short, u->mshot ? "mshot" : u->sysread ? "syscall" : "single", u->fixed ? " fixed" : "",
		(unsigned long long)n_enter, n_enter ? (double)n_rx / (double)n_enter : 0.0,
		(unsigned long long)n_cqe, (unsigned long long)n_arm, (unsigned long long)n_nobufs,
		(unsigned long long)n_eagain, (unsigned long long)n_sq_full);
}

static struct io_uring_sqe *get_sqe(struct uio *u)
{
	struct io_uring_sqe *sqe = io_uring_get_sqe(&u->ring);

	if (!sqe) { /* SQ full: submit what is queued (an extra io_uring_enter) */
		n_sq_full++;
		n_enter++;
		io_uring_submit(&u->ring);
		sqe = io_uring_get_sqe(&u->ring);
		if (!sqe)
			die(1, "%s", "no submission queue entry");
	}
	return sqe;
}

static inline uint8_t *slot_buf(const struct uio *u, unsigned slot)
{
	return u->bufs + (size_t)slot * u->bufsz;
}

static void read_submit(struct uio *u, unsigned slot)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	if (u->fixed)
		io_uring_prep_read_fixed(sqe, 0, slot_buf(u, slot), u->bufsz, 0, 0);
	else
		io_uring_prep_read(sqe, 0, slot_buf(u, slot), u->bufsz, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(T_READ, slot));
	u->reads++;
}

static void mshot_arm(struct uio *u)
{
	struct io_uring_sqe *sqe = get_sqe(u);

	io_uring_prep_rw(OP_READ_MULTISHOT, sqe, 0, NULL, 0, 0); /* length 0: the buffer's */
	sqe->flags |= IOSQE_FIXED_FILE | IOSQE_BUFFER_SELECT;
	sqe->buf_group = BGID;
	io_uring_sqe_set_data64(sqe, UD(T_READ, 0));
	u->armed = true;
	n_arm++;
}

static void write_submit(struct uio *u, unsigned slot, size_t len)
{
	struct io_uring_sqe *sqe = get_sqe(u);
	int fidx = u->forward ? 1 : 0;

	if (u->fixed)
		io_uring_prep_write_fixed(sqe, fidx, slot_buf(u, slot), (unsigned)len, 0, 0);
	else
		io_uring_prep_write(sqe, fidx, slot_buf(u, slot), (unsigned)len, 0);
	sqe->flags |= IOSQE_FIXED_FILE;
	io_uring_sqe_set_data64(sqe, UD(T_WRITE, slot));
	u->writes++;
}

/* The frame in `slot` is finished with: its buffer goes back to the kernel. */
static void slot_done(struct uio *u, unsigned slot)
{
	if (u->mshot) {
		io_uring_buf_ring_add(u->br, slot_buf(u, slot), u->bufsz, (unsigned short)slot,
				      io_uring_buf_ring_mask(u->nbuf), (int)u->br_added++);
		u->free++;
	} else if (u->sysread) {
		u->free_slots[u->n_free++] = slot;
	} else {
		read_submit(u, slot);
	}
}

static void on_cqe(struct uio *u, const struct io_uring_cqe *cqe, const uint8_t dmac[6],
		   const uint8_t smac[6])
{
	uint64_t ud = io_uring_cqe_get_data64(cqe);
	unsigned slot = (uint32_t)ud;
	size_t len;

	if (ud >> 32 == T_WRITE) {
		u->writes--;
		if (cqe->res >= 0)
			n_tx++;
		else
			n_short++;
		slot_done(u, slot);
		return;
	}
	if (u->mshot) {
		if (!(cqe->flags & IORING_CQE_F_MORE))
			u->armed = false;
		if (cqe->flags & IORING_CQE_F_BUFFER) {
			slot = cqe->flags >> IORING_CQE_BUFFER_SHIFT;
			u->free--;
		} else if (cqe->res > 0) {
			die(1, "%s", "multishot read completed without a buffer");
		}
	} else {
		u->reads--;
	}
	if (cqe->res <= 0) {
		if (cqe->res == -ENOBUFS) {
			n_nobufs++; /* re-armed once buffers are back */
		} else if (cqe->res == -EAGAIN || cqe->res == -EINTR) {
			n_eagain++;
			if (!u->mshot)
				read_submit(u, slot);
		} else {
			die(1, "read: %s", cqe->res == 0 ? "end of file" : strerror(-cqe->res));
		}
		return;
	}
	n_rx++;
	len = u->forward ? forward(slot_buf(u, slot), (size_t)cqe->res, dmac, smac)
			 : reflect(slot_buf(u, slot), (size_t)cqe->res);
	if (len)
		write_submit(u, slot, len);
	else
		slot_done(u, slot);
}

static void ring_setup(struct uio *u, const char *taskrun)
{
	struct io_uring_params p;
	int ret = -EINVAL;
	const unsigned tries[] = { IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN,
				   IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG, 0 };
	unsigned first = strcmp(taskrun, "defer") == 0 ? 0 : strcmp(taskrun, "coop") == 0 ? 1 : 2;

	for (unsigned i = first; i < 3 && ret < 0; i++) {
		memset(&p, 0, sizeof(p));
		p.flags = tries[i] | IORING_SETUP_CQSIZE;
		p.cq_entries = CQ_ENTRIES;
		ret = io_uring_queue_init_params(SQ_ENTRIES, &u->ring, &p);
		if (ret == 0 && i != first)
			fprintf(stderr, "reflector-uring: --taskrun %s refused by the kernel; using %s\n",
				taskrun, i == 1 ? "coop" : "plain");
	}
	if (ret < 0)
		die(1, "io_uring_queue_init: %s", strerror(-ret));
	io_uring_register_ring_fd(&u->ring); /* optional: saves a file lookup per enter */
}

static bool mshot_supported(struct uio *u)
{
	struct io_uring_probe *pr = io_uring_get_probe_ring(&u->ring);
	bool ok = pr && io_uring_opcode_supported(pr, OP_READ_MULTISHOT);

	if (pr)
		io_uring_free_probe(pr);
	if (!ok)
		fprintf(stderr, "reflector-uring: no multishot read on this kernel; --read single\n");
	return ok;
}

static void buffers_setup(struct uio *u)
{
	struct iovec iov;
	int ret;

	u->bufs = aligned_alloc(4096, (size_t)u->nbuf * u->bufsz);
	if (!u->bufs)
		die(1, "%s", "out of memory");
	memset(u->bufs, 0, (size_t)u->nbuf * u->bufsz); /* fault the pages in now */
	if (u->fixed) {
		iov.iov_base = u->bufs;
		iov.iov_len = (size_t)u->nbuf * u->bufsz;
		ret = io_uring_register_buffers(&u->ring, &iov, 1);
		if (ret < 0)
			die(1, "io_uring_register_buffers: %s", strerror(-ret));
	}
	if (!u->mshot)
		return;
	u->br_bytes = (size_t)u->nbuf * sizeof(struct io_uring_buf);
	u->br = mmap(NULL, u->br_bytes, PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
	if (u->br == MAP_FAILED)
		die(1, "mmap: %s", strerror(errno));
	struct io_uring_buf_reg reg;
	memset(&reg, 0, sizeof(reg));
	reg.ring_addr = (uintptr_t)u->br;
	reg.ring_entries = u->nbuf;
	reg.bgid = BGID;
	ret = io_uring_register_buf_ring(&u->ring, &reg, 0);
	if (ret < 0)
		die(1, "io_uring_register_buf_ring: %s", strerror(-ret));
	io_uring_buf_ring_init(u->br);
	for (unsigned i = 0; i < u->nbuf; i++)
		io_uring_buf_ring_add(u->br, slot_buf(u, i), u->bufsz, (unsigned short)i,
				      io_uring_buf_ring_mask(u->nbuf), (int)i);
	io_uring_buf_ring_advance(u->br, (int)u->nbuf);
	u->free = u->nbuf;
}

/* Completions there now (the writes of a TAP complete inside the io_uring_enter that submits
 * them); returns how many. */
static unsigned reap(struct uio *u, const uint8_t dmac[6], const uint8_t smac[6])
{
	struct io_uring_cqe *cqe;
	unsigned head, seen = 0;

	io_uring_for_each_cqe(&u->ring, head, cqe) {
		on_cqe(u, cqe, dmac, smac);
		seen++;
	}
	io_uring_cq_advance(&u->ring, seen);
	n_cqe += seen;
	return seen;
}

static void counters_reset(void)
{
	n_rx = n_tx = n_drop = n_short = 0;
	n_enter = n_cqe = n_arm = n_nobufs = n_eagain = n_sq_full = 0;
}

/* --read syscall: the plain reflector's reads, the writes on the ring. */
static int run_sysread(struct uio *u, int fd, const uint8_t dmac[6], const uint8_t smac[6],
		       bool quiet)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
		die(1, "epoll: %s", strerror(errno));
	u->free_slots = malloc(sizeof(*u->free_slots) * u->nbuf);
	if (!u->free_slots)
		die(1, "%s", "out of memory");
	for (unsigned i = 0; i < u->nbuf; i++)
		u->free_slots[u->n_free++] = u->nbuf - 1 - i;
	while (!quit) {
		bool again = true;

		if (epoll_wait(epfd, &ev, 1, -1) < 0 && errno != EINTR)
			die(1, "epoll_wait: %s", strerror(errno));
		while (again && !quit) {
			/* a batch: read until EAGAIN or out of buffers, then one enter for the writes */
			while (u->n_free) {
				unsigned slot = u->free_slots[--u->n_free];
				ssize_t n = read(fd, slot_buf(u, slot), u->bufsz);
				size_t len;

				if (n <= 0) {
					u->free_slots[u->n_free++] = slot;
					if (n < 0 && (errno == EAGAIN || errno == EINTR)) {
						again = false;
						break;
					}
					die(1, "read: %s", n == 0 ? "end of file" : strerror(errno));
				}
				n_rx++;
				len = u->forward ? forward(slot_buf(u, slot), (size_t)n, dmac, smac)
						 : reflect(slot_buf(u, slot), (size_t)n);
				if (len)
					write_submit(u, slot, len);
				else
					u->free_slots[u->n_free++] = slot;
			}
			if (u->writes) {
				int ret = io_uring_submit_and_wait(&u->ring, u->writes);
				n_enter++;
				if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
					die(1, "io_uring_enter: %s", strerror(-ret));
				reap(u, dmac, smac);
			}
		}
		if (dump) {
			dump = 0;
			counters_print(u);
			counters_reset();
		}
	}
	while (u->writes) { /* the last writes' buffers stay ours until they complete */
		if (io_uring_submit_and_wait(&u->ring, u->writes) < 0)
			break;
		reap(u, dmac, smac);
	}
	if (!quiet)
		counters_print(u);
	io_uring_queue_exit(&u->ring);
	close(epfd);
	free(u->free_slots);
	free(u->bufs);
	return 0;
}

static void usage(FILE *o)
{
	fprintf(o,
		"usage: reflector-uring -i TAP [-o TAP --dst-mac MAC [--src-mac MAC]]\n"
		"                       [--read mshot|single|syscall]\n"
		"                       [--inflight N] [--bufs N] [--buf-size BYTES] [--fixed]\n"
		"                       [--taskrun defer|coop|plain] [-q]\n"
		"  -i, -o, --dst-mac, --src-mac   as reflector (echo mode by default, -o: forward mode)\n"
		"      --read mshot    one multishot read, buffers from a provided-buffer ring (default;\n"
		"                      Linux >= 6.7, else falls back to single)\n"
		"      --read single   --inflight N plain reads in flight (default 64), one buffer each\n"
		"      --read syscall  read(2) per frame (epoll), only the writes batched on the ring\n"
		"      --bufs N        mshot: buffers in the ring, a power of 2 (default 1024)\n"
		"      --buf-size B    bytes per buffer, 128..65536 (default 2048; longer frames are cut)\n"
		"      --fixed         registered buffers (WRITE_FIXED; READ_FIXED in single mode)\n"
		"      --taskrun M     ring setup: defer (SINGLE_ISSUER|DEFER_TASKRUN, default), coop\n"
		"                      (COOP_TASKRUN), plain\n"
		"  -q, --quiet         no counters on exit\n"
		"One io_uring_enter per batch submits the replies' writes and waits for completions.\n"
		"SIGINT/SIGTERM: print counters to stderr, exit 0. SIGUSR1: print and reset them.\n");
}

static unsigned parse_uint(const char *s, unsigned lo, unsigned hi, const char *what)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		die(2, "bad %s", what);
	return (unsigned)v;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' }, { "out", required_argument, NULL, 'o' },
		{ "dst-mac", required_argument, NULL, 'D' }, { "src-mac", required_argument, NULL, 'S' },
		{ "read", required_argument, NULL, 'R' }, { "inflight", required_argument, NULL, 'n' },
		{ "bufs", required_argument, NULL, 'N' }, { "buf-size", required_argument, NULL, 'z' },
		{ "fixed", no_argument, NULL, 'F' }, { "taskrun", required_argument, NULL, 'T' },
		{ "quiet", no_argument, NULL, 'q' }, { "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *taskrun = "defer";
	struct reflect_opts ro = REFLECT_OPTS_INIT;
	bool quiet = false, want_mshot = true;
	unsigned inflight = 64, nbuf_mshot = 1024;
	struct sigaction sa;
	struct uio u;
	int c, fds[2];

	prog_name_set("reflector"); /* its messages have always said "reflector: " */
	memset(&u, 0, sizeof(u));
	u.bufsz = 2048;
	while ((c = getopt_long(argc, argv, "i:o:n:qh", longopts, NULL)) != -1) {
		if (reflect_opt(&ro, c, optarg))
			continue;
		switch (c) {
		case 'R':
			if (strcmp(optarg, "mshot") == 0)
				want_mshot = true;
			else if (strcmp(optarg, "single") == 0)
				want_mshot = false;
			else if (strcmp(optarg, "syscall") == 0) {
				want_mshot = false;
				u.sysread = true;
			} else
				die(2, "bad --read \"%s\" (mshot, single or syscall)", optarg);
			break;
		case 'n': inflight = parse_uint(optarg, 1, 4096, "--inflight (1..4096)"); break;
		case 'N':
			nbuf_mshot = parse_uint(optarg, 2, 32768, "--bufs (2..32768)");
			if (nbuf_mshot & (nbuf_mshot - 1))
				die(2, "%s", "--bufs must be a power of 2");
			break;
		case 'z': u.bufsz = parse_uint(optarg, 128, 65536, "--buf-size (128..65536)"); break;
		case 'F': u.fixed = true; break;
		case 'T':
			if (strcmp(optarg, "defer") != 0 && strcmp(optarg, "coop") != 0 &&
			    strcmp(optarg, "plain") != 0)
				die(2, "bad --taskrun \"%s\" (defer, coop or plain)", optarg);
			taskrun = optarg;
			break;
		case 'q': quiet = true; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	reflect_opts_check(&ro, optind, argc, argv);

	memset(&sa, 0, sizeof(sa));
	reflect_signals(); /* no SA_RESTART: io_uring_enter returns -EINTR */
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);

	fds[0] = tap_attach(ro.in_name, true);
	fds[1] = ro.out_name ? tap_attach(ro.out_name, true) : -1;
	u.forward = ro.out_name != NULL;
	ring_setup(&u, taskrun);
	c = io_uring_register_files(&u.ring, fds, ro.out_name ? 2 : 1);
	if (c < 0)
		die(1, "io_uring_register_files: %s", strerror(-c));
	/* mshot: a buffer per frame from the ring; single: one per read in flight */
	u.mshot = want_mshot && mshot_supported(&u);
	u.nbuf = u.mshot ? nbuf_mshot : u.sysread ? SYS_BATCH : inflight;
	buffers_setup(&u);
	if (u.sysread)
		return run_sysread(&u, fds[0], ro.dmac, ro.smac, quiet);
	if (u.mshot)
		mshot_arm(&u);
	else
		for (unsigned i = 0; i < u.nbuf; i++)
			read_submit(&u, i);

	while (!quit) {
		/* Wait for the completions of the writes being submitted (inline on a TAP: they are
		 * there when the call returns) and one more, a frame: one call per batch, and at low
		 * rates one per frame, not one for the writes and another to sleep. */
		unsigned nr = u.writes + ((u.mshot ? u.armed : u.reads > 0) ? 1 : 0);
		int ret = io_uring_submit_and_wait(&u.ring, nr ? nr : 1);

		n_enter++;
		if (ret < 0 && ret != -EINTR && ret != -EAGAIN && ret != -EBUSY)
			die(1, "io_uring_enter: %s", strerror(-ret));
		reap(&u, ro.dmac, ro.smac);
		if (u.mshot) {
			if (u.br_added) {
				io_uring_buf_ring_advance(u.br, (int)u.br_added);
				u.br_added = 0;
			}
			/* ended (out of buffers, or by the kernel): again once there are buffers; the
			 * ones held by writes come back with those writes' completions */
			if (!u.armed && u.free > 0)
				mshot_arm(&u);
		}
		if (dump) { /* SIGUSR1: the counters since the last one, then from zero */
			dump = 0;
			counters_print(&u);
			counters_reset();
		}
	}
	if (!quiet)
		counters_print(&u);
	io_uring_queue_exit(&u.ring);
	if (u.br)
		munmap(u.br, u.br_bytes);
	free(u.bufs);
	return 0;
}
