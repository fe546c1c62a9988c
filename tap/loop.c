/* tap/loop.c — the daemon's event loop.
 *
 * One wake-up: epoll_wait with the core's next deadline as timeout, one CLOCK_MONOTONIC reading
 * (µs for the core's round-trip times, ms for everything else), then for each ready fd a bounded
 * batch (TAP: up to LOOP_RX_BATCH frames), after every batch the core's timers if due and a full
 * drain of its transmit queue; last, the streaming control commands are polled for output.
 * Nothing on the packet path allocates, logs or blocks: a frame that cannot be written now is
 * dropped and counted.
 */
#include "tap/loop.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <time.h>
#include <unistd.h>

#include "tap/ctlsock.h"
#include "tap/pcapw.h"

#define LOOP_SCRATCH     65536u   /* a TAP frame is at most 64 KiB + Ethernet header */
#define LOOP_WALL_EVERY  5000u    /* ms between wall-clock offset refreshes */
#define LOOP_MAX_EVENTS  64

enum loop_kind { LOOP_K_TAP = 1, LOOP_K_SIGNAL = 2, LOOP_K_CTL = 3 };

static uint64_t loop_tag(enum loop_kind kind, uint32_t id)
{
	return ((uint64_t)kind << 32) | id;
}

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

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
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
	lp->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (lp->sigfd < 0 || lp->epfd < 0) {
		snprintf(err, errlen, "%s: %s", lp->sigfd < 0 ? "signalfd" : "epoll_create1",
			 strerror(errno));
		return -1;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = loop_tag(LOOP_K_SIGNAL, 0);
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, lp->sigfd, &ev) < 0) {
		snprintf(err, errlen, "epoll_ctl: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int loop_iface_add(struct loop *lp, const char *name, int fd, unsigned ifindex, bool created,
		   const char *netns, char *err, size_t errlen)
{
	struct loop_iface *li;
	struct epoll_event ev;

	if (lp->n_ifaces >= STACK_MAX_IFACES) {
		close(fd);
		snprintf(err, errlen, "%s: too many interfaces", name);
		return -1;
	}
	li = &lp->ifaces[lp->n_ifaces];
	memset(li, 0, sizeof(*li));
	snprintf(li->name, sizeof(li->name), "%s", name);
	li->fd = fd;
	li->ifindex = ifindex;
	li->created = created;
	li->netns = netns;
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = loop_tag(LOOP_K_TAP, lp->n_ifaces);
	lp->n_ifaces++; /* owned from here on, so loop_fini closes it */
	if (epoll_ctl(lp->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
		snprintf(err, errlen, "%s: epoll_ctl: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static struct loop_iface *loop_iface_by_ifindex(struct loop *lp, unsigned ifindex)
{
	/* Interfaces are added in stack order, so this is almost always the first probe. */
	if (ifindex < lp->n_ifaces && lp->ifaces[ifindex].ifindex == ifindex)
		return &lp->ifaces[ifindex];
	for (unsigned i = 0; i < lp->n_ifaces; i++)
		if (lp->ifaces[i].ifindex == ifindex)
			return &lp->ifaces[i];
	return NULL;
}

/* The TAP is unusable (deleted, or its namespace went away): stop using it, keep the rest. */
static void loop_iface_gone(struct loop *lp, struct loop_iface *li, const char *op, int e)
{
	if (li->fd < 0)
		return;
	fprintf(stderr, "tapstackd: %s: device gone (%s: %s); interface down\n", li->name, op,
		e ? strerror(e) : "end of file");
	epoll_ctl(lp->epfd, EPOLL_CTL_DEL, li->fd, NULL);
	close(li->fd);
	li->fd = -1;
	stack_iface_down(lp->st, li->ifindex);
}

/* Writes every frame the core has queued. */
static void loop_tx_drain(struct loop *lp)
{
	struct pkb *p;
	unsigned ifindex;

	while ((p = stack_tx_pop(lp->st, &ifindex)) != NULL) {
		struct loop_iface *li = loop_iface_by_ifindex(lp, ifindex);
		ssize_t n;

		if (!li || li->fd < 0) {
			if (li)
				li->tx_err++;
			stack_pkb_free(lp->st, p);
			continue;
		}
		if (lp->pcap)
			pcapw_write(lp->pcap, p->data, p->len, lp->pcap_ts_us);
		do
			n = write(li->fd, p->data, p->len);
		while (n < 0 && errno == EINTR);
		if (n >= 0) {
			li->tx_frames++;
			li->tx_bytes += (uint64_t)n;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS) {
			li->tx_drop++;
		} else if (errno == EIO) {
			li->tx_link_down++;  /* the kernel side is administratively down */
		} else if (errno == EBADFD || errno == ENODEV || errno == ENXIO) {
			int e = errno;
			stack_pkb_free(lp->st, p);
			loop_iface_gone(lp, li, "write", e);
			continue;
		} else {
			li->tx_err++;
		}
		stack_pkb_free(lp->st, p);
	}
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
	}
}

/* A JSON string (names are validated, but a netns name may still hold '"' or '\\'). */
static void loop_json_str(struct sbuf *out, const char *s)
{
	if (!s) {
		sbuf_printf(out, "null");
		return;
	}
	sbuf_printf(out, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_printf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sbuf_printf(out, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			sbuf_printf(out, "%c", *s);
	}
	sbuf_printf(out, "\"");
}

static void loop_daemon_status(struct loop *lp, bool json, struct sbuf *out)
{
	static const char *const keys[] = { "rx_frames", "rx_bytes", "rx_nobuf", "rx_toobig",
					    "tx_frames", "tx_bytes", "tx_drop", "tx_link_down",
					    "tx_err" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);

	if (json) {
		sbuf_printf(out, "{\"pcap\": ");
		loop_json_str(out, lp->pcap ? lp->pcap_path : NULL);
		sbuf_printf(out, ", \"control_clients\": %u, \"control_streaming\": %u, \"ifaces\": [",
			    ctlsock_client_count(lp->ctl), ctlsock_stream_count(lp->ctl));
	}
	for (unsigned i = 0; i < lp->n_ifaces; i++) {
		const struct loop_iface *li = &lp->ifaces[i];
		const uint64_t v[] = { li->rx_frames, li->rx_bytes, li->rx_nobuf, li->rx_toobig,
				       li->tx_frames, li->tx_bytes, li->tx_drop, li->tx_link_down,
				       li->tx_err };
		if (json) {
			sbuf_printf(out, "%s{\"name\": ", i ? ", " : "");
			loop_json_str(out, li->name);
			sbuf_printf(out, ", \"ifindex\": %u, \"state\": \"%s\", \"created\": %s, "
				    "\"netns\": ", li->ifindex, li->fd >= 0 ? "open" : "gone",
				    li->created ? "true" : "false");
			loop_json_str(out, li->netns);
			for (size_t k = 0; k < nkeys; k++)
				sbuf_printf(out, ", \"%s\": %llu", keys[k], (unsigned long long)v[k]);
			sbuf_printf(out, "}");
			continue;
		}
		sbuf_printf(out, "%s: ifindex %u, %s, %s, kernel side in %s%s\n", li->name,
			    li->ifindex, li->fd >= 0 ? "open" : "gone",
			    li->created ? "created" : "attached", li->netns ? "netns " : "our netns",
			    li->netns ? li->netns : "");
		for (size_t k = 0; k < nkeys; k++)
			sbuf_printf(out, "  %s %llu%s", keys[k], (unsigned long long)v[k],
				    (k == 3 || k + 1 == nkeys) ? "\n" : "");
	}
	if (json)
		sbuf_printf(out, "]}\n");
	else
		sbuf_printf(out, "pcap: %s\ncontrol clients: %u\nstreaming commands: %u\n",
			    lp->pcap ? lp->pcap_path : "off", ctlsock_client_count(lp->ctl),
			    ctlsock_stream_count(lp->ctl));
}

_Static_assert(CTLSOCK_PENDING == STACK_CTL_PENDING, "the control socket passes the core's status");

/* The control-command hook: "daemon [--json]" is ours, everything else the core's (which may go
 * on as a streaming session). */
static int loop_ctl_run(void *ctx, const char *line, struct sbuf *out, uint64_t now_ms,
			unsigned *session)
{
	struct loop *lp = ctx;
	const char *s = line + strspn(line, " \t");
	size_t w = strcspn(s, " \t");

	if (w == 6 && strncmp(s, "daemon", 6) == 0) {
		const char *arg = s + w + strspn(s + w, " \t");
		size_t aw = strcspn(arg, " \t");
		bool json = aw == 6 && strncmp(arg, "--json", 6) == 0;

		if ((aw && !json) || arg[aw + strspn(arg + aw, " \t")] != '\0') {
			sbuf_printf(out, "usage: daemon [--json]\n");
			return 2;
		}
		loop_daemon_status(lp, json, out);
		return 0;
	}
	return stack_ctl_start(lp->st, line, out, now_ms, session);
}

static int loop_ctl_poll(void *ctx, unsigned session, struct sbuf *out)
{
	struct loop *lp = ctx;

	return stack_ctl_poll(lp->st, session, out);
}

static void loop_ctl_cancel(void *ctx, unsigned session)
{
	struct loop *lp = ctx;

	stack_ctl_cancel(lp->st, session);
}

int loop_ctl_open(struct loop *lp, const char *path, char *err, size_t errlen)
{
	static const struct ctlsock_ops ops = {
		.run = loop_ctl_run,
		.poll = loop_ctl_poll,
		.cancel = loop_ctl_cancel,
	};

	lp->ctl = ctlsock_open(path, lp->epfd, LOOP_K_CTL, &ops, lp, err, errlen);
	return lp->ctl ? 0 : -1;
}

static int loop_timeout_ms(struct loop *lp)
{
	uint64_t d = stack_next_deadline(lp->st);
	uint64_t c = ctlsock_next_deadline(lp->ctl);
	uint64_t now;

	if (c < d)
		d = c;
	if (d == UINT64_MAX)
		return -1;
	now = loop_now_ms();
	if (d <= now)
		return 0;
	/* Whole ms, and our reading is truncated: waiting d - now reaches at least d. */
	return d - now > (uint64_t)INT_MAX ? INT_MAX : (int)(d - now);
}

int loop_run(struct loop *lp)
{
	struct epoll_event evs[LOOP_MAX_EVENTS];
	int quit = 0;

	while (!quit) {
		int n = epoll_wait(lp->epfd, evs, LOOP_MAX_EVENTS, loop_timeout_ms(lp));
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
				while (read(lp->sigfd, &si, sizeof(si)) == (ssize_t)sizeof(si))
					quit = (int)si.ssi_signo;
				break;
			}
			case LOOP_K_CTL:
				ctlsock_handle(lp->ctl, id, evs[i].events, now);
				break;
			}
		}
		ctlsock_expire(lp->ctl, now);
		/* Timers, and whatever a control command queued. */
		loop_after_batch(lp, now);
		/* Streaming commands: what the batches and timers produced for them (replies that
		 * arrived, timeouts), and anything polling queued to send. */
		if (ctlsock_stream_count(lp->ctl)) {
			ctlsock_pump(lp->ctl, now);
			loop_tx_drain(lp);
		}
		if (lp->pcap)
			pcapw_flush(lp->pcap);
	}
	return quit;
}

void loop_fini(struct loop *lp)
{
	ctlsock_close(lp->ctl);
	lp->ctl = NULL;
	for (unsigned i = 0; i < lp->n_ifaces; i++) {
		if (lp->ifaces[i].fd >= 0)
			close(lp->ifaces[i].fd);
		lp->ifaces[i].fd = -1;
	}
	pcapw_close(lp->pcap);
	lp->pcap = NULL;
	if (lp->sigfd >= 0)
		close(lp->sigfd);
	if (lp->epfd >= 0)
		close(lp->epfd);
	lp->sigfd = lp->epfd = -1;
	free(lp->scratch);
	lp->scratch = NULL;
}
