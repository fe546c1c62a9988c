/* tap/loop.c — the daemon's event loop.
 *
 * One wake-up: epoll_wait (the next deadline is a timerfd in the set), one CLOCK_MONOTONIC
 * reading (µs for the core's round-trip times, ms for everything else), then for each ready fd a bounded
 * batch (TAP: up to LOOP_RX_BATCH frames), after every batch the core's timers if due and a full
 * drain of its transmit queue; last, the streaming control commands are polled for output.
 * Nothing on the packet path allocates, logs or blocks: a frame that cannot be written now is
 * dropped and counted.
 *
 * Frames are read with read(2), one per frame straight into a packet buffer. The transmit path
 * (write(2) per frame or batches on io_uring) is tap/loop_tx.c; the daemon's own control commands
 * and status text are tap/loop_status.c; tap/loop_int.h is what the three share.
 */
#include "tap/loop_int.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "tap/ctlsock.h"
#include "tap/pcapw.h"

#define LOOP_SCRATCH     65536u   /* a TAP frame is at most 64 KiB + Ethernet header */
#define LOOP_WALL_EVERY  5000u    /* ms between wall-clock offset refreshes */
#define LOOP_MAX_EVENTS  64

uint64_t loop_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint64_t loop_now_ms(void)
{
	return loop_now_us() / 1000u;
}

void loop_wall_sync(struct loop *lp, uint64_t now_ms)
{
	struct timespec rt, mono;

	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_MONOTONIC, &mono);
	/* Rounded to the nearest ms, from the nanoseconds: truncating would lag by up to 1 ms. */
	int64_t diff_ns = ((int64_t)rt.tv_sec - (int64_t)mono.tv_sec) * 1000000000 +
			  ((int64_t)rt.tv_nsec - (int64_t)mono.tv_nsec);
	lp->wall_offset_ms = (diff_ns + 500000) / 1000000;
	lp->wall_set_at = now_ms;
	stack_set_wall_offset(lp->st, lp->wall_offset_ms);
}

int loop_init(struct loop *lp, struct stack *st, bool verbose, char *err, size_t errlen)
{
	struct epoll_event ev;
	sigset_t set;

	memset(lp, 0, sizeof(*lp));
	lp->st = st;
	lp->verbose = verbose;
	lp->epfd = -1;
	lp->sigfd = -1;
	lp->tfd = -1;
	lp->armed_ms = UINT64_MAX;

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		snprintf(err, errlen, "sigprocmask: %s", strerror(errno));
		return -1;
	}
	lp->scratch = malloc(LOOP_SCRATCH);
	if (!lp->scratch) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	lp->sigfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	lp->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->sigfd < 0 || lp->tfd < 0 || lp->epfd < 0) {
		snprintf(err, errlen, "%s: %s", lp->sigfd < 0 ? "signalfd" : lp->tfd < 0 ?
			 "timerfd_create" : "epoll_create1", strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = loop_tag(LOOP_K_SIGNAL, 0);
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->sigfd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	ev.data.u64 = loop_tag(LOOP_K_TIMER, 0);
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->tfd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int loop_iface_add(struct loop *lp, const char *name, int fd, unsigned ifindex, bool created,
		   const char *netns, char *err, size_t errlen)
{
	struct loop_iface *li = NULL;
	struct epoll_event ev;
	unsigned idx;

	for (idx = 0; idx < lp->n_ifaces; idx++)
		if (lp->ifaces[idx].ifindex == ifindex && lp->ifaces[idx].fd < 0) {
			li = &lp->ifaces[idx]; /* a removed interface back again: its counters go on */
			break;
		}
	if (!li) {
		if (lp->n_ifaces >= STACK_MAX_IFACES) {
			close(fd);
			snprintf(err, errlen, "%s: too many interfaces", name);
			return -1;
		}
		idx = lp->n_ifaces;
		li = &lp->ifaces[idx];
		memset(li, 0, sizeof(*li));
		lp->n_ifaces++; /* owned from here on, so loop_fini closes it */
	}
	snprintf(li->name, sizeof(li->name), "%s", name);
	li->fd = fd;
	li->ifindex = ifindex;
	li->created = created;
	li->netns = NULL;
	if (netns) {
		snprintf(li->netns_name, sizeof(li->netns_name), "%s", netns);
		li->netns = li->netns_name;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = loop_tag(LOOP_K_TAP, idx);
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		snprintf(err, errlen, "%s: epoll_ctl: %s", name, strerror(errno));
		return -1;
	}
	int ret = loop_tx_file(lp, idx, fd);
	if (ret < 0) {
		snprintf(err, errlen, "%s: io_uring file registration: %s", name, strerror(-ret));
		return -1;
	}
	return 0;
}

void loop_iface_gone(struct loop *lp, struct loop_iface *li, const char *op, int e)
{
	if (li->fd < 0)
		return;
	fprintf(stderr, "tapstackd: %s: device gone (%s: %s); interface down\n", li->name, op,
		e ? strerror(e) : "end of file");
	epoll_ctl(lp->epfd, EPOLL_CTL_DEL, li->fd, NULL);
	loop_tx_file(lp, (unsigned)(li - lp->ifaces), -1);
	close(li->fd);
	li->fd = -1;
	stack_iface_down(lp->st, li->ifindex);
}

int loop_iface_remove(struct loop *lp, unsigned ifindex)
{
	struct loop_iface *li = loop_iface_by_ifindex(lp, ifindex);

	if (!li)
		return -1;
	if (li->fd >= 0) {
		/* Frames queued for it go first (the transmit path still has the fd). */
		loop_tx_drain(lp);
		epoll_ctl(lp->epfd, EPOLL_CTL_DEL, li->fd, NULL);
		loop_tx_file(lp, (unsigned)(li - lp->ifaces), -1);
		close(li->fd);
		li->fd = -1;
	}
	stack_iface_down(lp->st, li->ifindex);
	return 0;
}

int loop_ext_add(struct loop *lp, const struct loop_ext *ext, char *err, size_t errlen)
{
	struct epoll_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = loop_tag(LOOP_K_EXT, 0);
	if (lp->ext || epoll_ctl(lp->epfd, EPOLL_CTL_ADD, ext->fd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", lp->ext ? "one extra source only" : strerror(errno));
		return -1;
	}
	lp->ext = ext;
	return 0;
}

/* Core timers if due, then its output. Called after every batch. */
static void loop_after_batch(struct loop *lp, uint64_t now)
{
	if (stack_next_deadline(lp->st) <= now)
		stack_poll(lp->st, now);
	loop_tx_drain(lp);
}

/* A read that filled the whole buffer may have been cut: a TAP read(2) copies what fits, drops the
 * rest of the frame and returns the length copied (or, on some kernels, the frame's length). Such
 * a frame is whole only when it is IPv4 whose total length fits (what follows is padding) or ARP. */
static bool loop_frame_cut(const uint8_t *f, size_t n, size_t room)
{
	if (n > room)
		return true;
	if (n < room)
		return false;
	if (n >= 14 + 20 && f[12] == 0x08 && f[13] == 0x00)
		return 14u + ((size_t)f[16] << 8 | f[17]) > n;
	return !(n >= 14 + 28 && f[12] == 0x08 && f[13] == 0x06);
}

/* Reads up to LOOP_RX_BATCH frames from one TAP into the core: one read(2) per frame straight
 * into a packet buffer (readv with an overflow tail cost ~75 ns more per frame, docs/perf.md). */
static void loop_tap_rx(struct loop *lp, struct loop_iface *li, uint64_t now)
{
	for (unsigned k = 0; k < LOOP_RX_BATCH && li->fd >= 0; k++) {
		struct pkb *p = stack_rx_buf(lp->st);
		uint8_t *buf;
		size_t room;
		ssize_t n;

		if (!p) {
			loop_tx_drain(lp); /* frees the buffers queued for output */
			p = stack_rx_buf(lp->st);
		}
		/* No buffer: the frame is read into the scratch area and dropped (and captured). */
		buf = p ? p->data : lp->scratch;
		room = p ? pkb_tailroom(p) : LOOP_SCRATCH;
		do
			n = read(li->fd, buf, room);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			int e = n < 0 ? errno : 0;
			if (p)
				stack_pkb_free(lp->st, p);
			if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK))
				return;
			loop_iface_gone(lp, li, "read", e);
			return;
		}
		li->rx_frames++;
		li->rx_bytes += (uint64_t)n;
		if (!p) {
			li->rx_nobuf++;
			if (lp->pcap)
				pcapw_write(lp->pcap, lp->scratch, (size_t)n, lp->pcap_ts_us);
			continue;
		}
		/* Longer than the buffer: seen and counted as too big, never passed on truncated. */
		if (loop_frame_cut(p->data, (size_t)n, room)) {
			li->rx_toobig++;
			stack_pkb_free(lp->st, p);
			continue;
		}
		p->len = (uint32_t)n;
		if (lp->pcap)
			pcapw_write(lp->pcap, p->data, p->len, lp->pcap_ts_us);
		stack_input(lp->st, li->ifindex, p, now);
		/* The first frame's answer goes out at once: at paced rates it is the only frame, and
		 * its reply then leaves before the read that finds the queue empty, not after it. In
		 * a flood this is one write(2) per batch; the rest are written together. */
		if (k == 0)
			loop_tx_drain(lp);
	}
}

/* A write to the capture failed (a full disk, EFBIG): the capture stops there, said once on
 * stderr and in `daemon`; the stack goes on. */
static void loop_pcap_failed(struct loop *lp)
{
	int e = -pcapw_flush(lp->pcap);

	lp->pcap_err = e;
	lp->pcap_frames = pcapw_frames(lp->pcap);
	fprintf(stderr, "tapstackd: --pcap %s: write failed: %s; capture stopped after %llu frames\n",
		lp->pcap_path, strerror(e), (unsigned long long)lp->pcap_frames);
	pcapw_close(lp->pcap);
	lp->pcap = NULL;
}

int loop_reload(struct loop *lp, struct sbuf *out)
{
	int rc;

	if (!lp->reload) {
		sbuf_printf(out, "reload: no configuration file to read (start tapstackd with -f FILE)\n");
		lp->reload_failures++;
		return 1;
	}
	rc = lp->reload(lp->reload_ctx, out);
	lp->reloads++;
	if (rc != 0)
		lp->reload_failures++;
	return rc;
}

/* The wake-up for the next deadline (the core's timers, the control socket's) is a timerfd, armed
 * only when that deadline is earlier than what it is armed for: at paced rates the deadline
 * rarely moves, and a timeout on every epoll_wait (an hrtimer started and cancelled on each
 * sleep) cost ~0.7 µs per wake-up here (docs/perf.md). A deadline that moved later makes it fire
 * early once; the loop then finds nothing due and arms it again. Returns epoll_wait's timeout. */
static int loop_timer_arm(struct loop *lp)
{
	uint64_t d = stack_next_deadline(lp->st);
	uint64_t c = ctlsock_next_deadline(lp->ctl);

	if (c < d)
		d = c;
	if (lp->ext) {
		uint64_t e = lp->ext->deadline(lp->ext->ctx);
		if (e < d)
			d = e;
	}
	if (d >= lp->armed_ms)
		return -1;
	/* Absolute ms on CLOCK_MONOTONIC, the core's clock: firing at d reaches at least d. */
	struct itimerspec its = { .it_value = { .tv_sec = (time_t)(d / 1000u),
						.tv_nsec = (long)(d % 1000u) * 1000000L } };
	if (its.it_value.tv_sec == 0 && its.it_value.tv_nsec == 0)
		its.it_value.tv_nsec = 1; /* all zero would disarm it */
	if (timerfd_settime(lp->tfd, TFD_TIMER_ABSTIME, &its, NULL) < 0)
		return 0; /* cannot happen with a valid time; if it does, poll rather than sleep */
	lp->armed_ms = d;
	return -1;
}

int loop_run(struct loop *lp)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int quit = 0;

	while (!quit) {
		bool ext_ready = false, hup = false;
		int n = epoll_wait(lp->epfd, evs, LOOP_MAX_EVENTS, loop_timer_arm(lp));
		uint64_t now, now_us;

		if (n < 0) {
			if (errno == EINTR)
				continue;
			fprintf(stderr, "tapstackd: epoll_wait: %s\n", strerror(errno));
			return -1;
		}
		now_us = loop_now_us(); /* the wake-up's one reading */
		stack_set_clock_us(lp->st, now_us);
		now = now_us / 1000u;
		if (now - lp->wall_set_at >= LOOP_WALL_EVERY)
			loop_wall_sync(lp, now);
		if (lp->pcap) {
			struct timespec rt;
			clock_gettime(CLOCK_REALTIME, &rt); /* once per wake-up, only when capturing */
			lp->pcap_ts_us = (uint64_t)rt.tv_sec * 1000000u + (uint64_t)rt.tv_nsec / 1000u;
		}

		for (int i = 0; i < n; i++) {
			uint64_t tag = evs[i].data.u64;
			uint32_t id = (uint32_t)tag;

			switch ((enum loop_kind)(tag >> 32)) {
			case LOOP_K_TAP:
				if (id < lp->n_ifaces && lp->ifaces[id].fd >= 0) {
					loop_tap_rx(lp, &lp->ifaces[id], now);
					loop_after_batch(lp, now);
				}
				break;
			case LOOP_K_SIGNAL: {
				struct signalfd_siginfo si;
				while (read(lp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
					if (si.ssi_signo == SIGHUP)
						hup = true;
					else
						quit = (int)si.ssi_signo;
				}
				break;
			}
			case LOOP_K_CTL:
				ctlsock_handle(lp->ctl, id, evs[i].events, now);
				break;
			case LOOP_K_EXT:
				ext_ready = true;
				break;
			case LOOP_K_TIMER: {
				uint64_t expirations;
				if (read(lp->tfd, &expirations, sizeof(expirations)) > 0)
					lp->armed_ms = UINT64_MAX; /* fired: armed for nothing now */
				break;
			}
			}
		}
		if (hup && !quit) {
			/* A reload's outcome goes to stderr: one line per refusal or note. */
			struct sbuf rs = { 0 };
			loop_reload(lp, &rs);
			if (rs.len)
				fputs(sbuf_str(&rs), stderr);
			sbuf_free(&rs);
		}
		if (lp->ext && (ext_ready || lp->ext->deadline(lp->ext->ctx) <= now))
			lp->ext->ready(lp->ext->ctx);
		ctlsock_expire(lp->ctl, now);
		/* Timers, and whatever a control command queued. */
		loop_after_batch(lp, now);
		/* Streaming commands: what the batches and timers produced for them (replies that
		 * arrived, timeouts), and anything polling queued to send. */
		if (ctlsock_stream_count(lp->ctl)) {
			ctlsock_pump(lp->ctl, now);
			loop_tx_drain(lp);
		}
		if (lp->pcap && pcapw_flush(lp->pcap) < 0)
			loop_pcap_failed(lp);
	}
	/* Last words before the TAPs close: a Router Advertisement with lifetime 0 from every
	 * advertising interface (ICMP6-SPEC V6.16), so hosts drop us as their default router. */
	stack_shutdown(lp->st, loop_now_us() / 1000u);
	loop_tx_drain(lp);
	if (lp->pcap)
		pcapw_flush(lp->pcap);
	return quit;
}

void loop_fini(struct loop *lp)
{
	ctlsock_close(lp->ctl);
	lp->ctl = NULL;
	loop_tx_fini(lp);
	for (unsigned i = 0; i < lp->n_ifaces; i++) {
		if (lp->ifaces[i].fd >= 0)
			close(lp->ifaces[i].fd);
		lp->ifaces[i].fd = -1;
	}
	pcapw_close(lp->pcap);
	lp->pcap = NULL;
	if (lp->sigfd >= 0)
		close(lp->sigfd);
	if (lp->tfd >= 0)
		close(lp->tfd);
	lp->tfd = -1;
	if (lp->epfd >= 0)
		close(lp->epfd);
	lp->sigfd = lp->epfd = -1;
	free(lp->scratch);
	lp->scratch = NULL;
}
