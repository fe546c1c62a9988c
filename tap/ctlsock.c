/* tap/ctlsock.c — control socket server: non-blocking clients, bounded lines, buffered replies,
 * streaming replies for long-running commands.
 *
 * A client goes READING -> WRITING -> closed, or READING -> STREAMING -> WRITING -> closed when its
 * command goes on (run returned CTLSOCK_PENDING). A streaming client is polled after every wake-up
 * and watched only for EPOLLHUP/EPOLLERR (peer closed) plus EPOLLOUT while output is queued: its
 * input side is not watched, since a half-closed socket would report EPOLLIN forever. */
#include "tap/ctlsock.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define CTLSOCK_ID_LISTEN 0xffffffffu

enum ctlsock_state { CS_FREE, CS_READING, CS_STREAMING, CS_WRITING };

struct ctlsock_client {
	int fd;
	enum ctlsock_state state;
	uint16_t gen;              /* bumps on reuse, so a stale event cannot hit a new client */
	uint64_t deadline;         /* dropped then: fixed at accept, not moved by trickled bytes */
	uint64_t accepted;
	size_t inlen;
	char in[CTLSOCK_LINE_MAX + 2];
	struct sbuf out;           /* [STX,] text, NUL, status; a streaming client's unsent tail */
	size_t sent;               /* bytes of out already sent */
	unsigned session;          /* CS_STREAMING: the interpreter's session */
	uint32_t events;           /* what epoll watches for it now */
};

struct ctlsock {
	int lfd;
	int epfd;
	uint32_t kind;
	struct ctlsock_ops ops;
	void *ctx;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev;
	ino_t ino;
	unsigned nclients;
	unsigned nstreaming;
	struct ctlsock_client c[CTLSOCK_MAX_CLIENTS];
};

static uint64_t ctlsock_tag(const struct ctlsock *cs, uint32_t id)
{
	return ((uint64_t)cs->kind << 32) | id;
}

static int ctlsock_addr(const char *path, struct sockaddr_un *sa, char *err, size_t errlen)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (path[0] == '\0' || strlen(path) >= sizeof(sa->sun_path)) {
		snprintf(err, errlen, "control socket path \"%s\" is %s", path,
			 path[0] ? "too long" : "empty");
		return -1;
	}
	memcpy(sa->sun_path, path, strlen(path) + 1);
	return 0;
}

/* 1 when something accepts connections at path, 0 when not (refused / absent), -1 on error. */
static int ctlsock_live(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	int rc, e;

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	rc = connect(fd, (const struct sockaddr *)sa, sizeof(*sa));
	e = errno;
	close(fd);
	if (rc == 0)
		return 1;
	if (e == ECONNREFUSED || e == ENOENT)
		return 0;
	/* EAGAIN: a live daemon with a full backlog. */
	if (e == EAGAIN)
		return 1;
	snprintf(err, errlen, "control socket %s: %s", sa->sun_path, strerror(e));
	return -1;
}

int ctlsock_probe(const char *path, char *err, size_t errlen)
{
	struct sockaddr_un sa;
	struct stat sb;
	int live;

	if (ctlsock_addr(path, &sa, err, errlen) < 0)
		return -1;
	if (lstat(path, &sb) < 0) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "control socket %s: %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISSOCK(sb.st_mode)) {
		snprintf(err, errlen, "control socket %s: exists and is not a socket", path);
		return -1;
	}
	live = ctlsock_live(&sa, err, errlen);
	if (live < 0)
		return -1;
	if (live) {
		snprintf(err, errlen, "control socket %s in use by another daemon", path);
		return -1;
	}
	return 0;
}

struct ctlsock *ctlsock_open(const char *path, int epfd, uint32_t kind,
			     const struct ctlsock_ops *ops, void *ctx, char *err, size_t errlen)
{
	struct epoll_event ev;
	struct sockaddr_un sa;
	struct ctlsock *cs;
	struct stat sb;
	mode_t old;
	int rc, e;

	if (!ops || !ops->run) {
		snprintf(err, errlen, "control socket: no command interpreter");
		return NULL;
	}
	if (ctlsock_probe(path, err, errlen) < 0)
		return NULL;
	if (ctlsock_addr(path, &sa, err, errlen) < 0)
		return NULL;
	cs = calloc(1, sizeof(*cs));
	if (!cs) {
		snprintf(err, errlen, "control socket: out of memory");
		return NULL;
	}
	cs->epfd = epfd;
	cs->kind = kind;
	cs->ops = *ops;
	cs->ctx = ctx;
	snprintf(cs->path, sizeof(cs->path), "%s", path);
	for (unsigned i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		cs->c[i].fd = -1;

	cs->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (cs->lfd < 0) {
		snprintf(err, errlen, "control socket: %s", strerror(errno));
		free(cs);
		return NULL;
	}
	/* The probe found nothing live: whatever socket file is left is stale. */
	if (unlink(path) < 0 && errno != ENOENT) {
		snprintf(err, errlen, "control socket %s: cannot remove stale file: %s", path,
			 strerror(errno));
		goto fail;
	}
	old = umask(0177); /* the socket file is created 0600: only root talks to the daemon */
	rc = bind(cs->lfd, (const struct sockaddr *)&sa, sizeof(sa));
	e = errno;
	umask(old);
	if (rc < 0) {
		snprintf(err, errlen, "control socket %s: %s", path, strerror(e));
		goto fail;
	}
	if (lstat(path, &sb) == 0) {
		cs->dev = sb.st_dev;
		cs->ino = sb.st_ino;
	}
	if (listen(cs->lfd, CTLSOCK_MAX_CLIENTS) < 0) {
		snprintf(err, errlen, "control socket %s: listen: %s", path, strerror(errno));
		unlink(path);
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = ctlsock_tag(cs, CTLSOCK_ID_LISTEN);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, cs->lfd, &ev) < 0) {
		snprintf(err, errlen, "control socket: epoll: %s", strerror(errno));
		unlink(path);
		goto fail;
	}
	return cs;
fail:
	close(cs->lfd);
	free(cs);
	return NULL;
}

static uint64_t ctlsock_client_tag(const struct ctlsock *cs, const struct ctlsock_client *c)
{
	return ctlsock_tag(cs, (uint32_t)c->gen << 8 | (uint32_t)(c - cs->c));
}

static void ctlsock_client_drop(struct ctlsock *cs, struct ctlsock_client *c)
{
	char sink[512];

	if (c->state == CS_FREE)
		return;
	if (c->state == CS_STREAMING) {
		/* The client left (or is being thrown out) while its command runs: end it. */
		if (cs->ops.cancel)
			cs->ops.cancel(cs->ctx, c->session);
		cs->nstreaming--;
	}
	epoll_ctl(cs->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	/* Unread input makes the peer see ECONNRESET instead of EOF; take a little of it first. */
	for (int i = 0; i < 8 && recv(c->fd, sink, sizeof(sink), MSG_DONTWAIT) > 0; i++)
		;
	close(c->fd);
	sbuf_free(&c->out);
	c->fd = -1;
	c->state = CS_FREE;
	c->inlen = 0;
	c->sent = 0;
	c->session = 0;
	c->events = 0;
	c->gen++;
	cs->nclients--;
}

/* Sets what epoll watches for c; false (after dropping c) when that fails. */
static bool ctlsock_client_watch(struct ctlsock *cs, struct ctlsock_client *c, uint32_t events)
{
	struct epoll_event ev;

	if (c->events == events)
		return true;
	memset(&ev, 0, sizeof(ev));
	ev.events = events;
	ev.data.u64 = ctlsock_client_tag(cs, c);
	if (epoll_ctl(cs->epfd, EPOLL_CTL_MOD, c->fd, &ev) < 0) {
		ctlsock_client_drop(cs, c);
		return false;
	}
	c->events = events;
	return true;
}

/* Sends what it can of out. 1: all sent, 0: the socket is full, -1: the peer is gone. */
static int ctlsock_client_flush(struct ctlsock_client *c)
{
	while (c->sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.s + c->sent, c->out.len - c->sent,
				 MSG_DONTWAIT | MSG_NOSIGNAL);
		if (n > 0) {
			c->sent += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return 0; /* EPOLLOUT tells us when to go on */
		return -1;
	}
	return 1;
}

/* WRITING: sends what is left of the reply; drops the client when done or on error. */
static void ctlsock_client_send(struct ctlsock *cs, struct ctlsock_client *c)
{
	if (ctlsock_client_flush(c) == 0)
		return;
	ctlsock_client_drop(cs, c);
}

/* STREAMING: sends what the session has appended, keeps only the unsent tail, watches for room
 * only while something waits. Cancels and drops a client that is gone, cannot be given the text
 * (out of memory), or lets more than CTLSOCK_STREAM_MAX bytes pile up. */
static void ctlsock_stream_send(struct ctlsock *cs, struct ctlsock_client *c)
{
	int rc;

	if (c->out.oom) {
		ctlsock_client_drop(cs, c);
		return;
	}
	rc = ctlsock_client_flush(c);
	if (rc < 0) {
		ctlsock_client_drop(cs, c);
		return;
	}
	if (c->sent == c->out.len) {
		c->out.len = 0;         /* keep the allocation for the next lines */
		c->sent = 0;
		if (c->out.s)
			c->out.s[0] = '\0';
	} else if (c->sent >= c->out.len / 2) {
		memmove(c->out.s, c->out.s + c->sent, c->out.len - c->sent + 1);
		c->out.len -= c->sent;
		c->sent = 0;
	}
	if (c->out.len - c->sent > CTLSOCK_STREAM_MAX) {
		ctlsock_client_drop(cs, c);
		return;
	}
	c->deadline = UINT64_MAX; /* a streaming command may legitimately wait */
	ctlsock_client_watch(cs, c, rc ? 0u : EPOLLOUT);
}

/* Appends NUL and status to the reply and starts (or goes on) sending it. */
static void ctlsock_client_finish(struct ctlsock *cs, struct ctlsock_client *c, int status,
				  uint64_t now_ms)
{
	bool was_streaming = c->state == CS_STREAMING;

	if (was_streaming) {
		c->state = CS_WRITING; /* the session is over: nothing to cancel from here on */
		cs->nstreaming--;
	}
	if (c->out.oom) {
		bool stx = c->out.len > 0 && c->out.s[0] == CTLSOCK_STX;

		if (was_streaming) {
			/* Part of the text may be sent already: a client seeing no status says so. */
			ctlsock_client_drop(cs, c);
			return;
		}
		sbuf_free(&c->out);
		if (stx)
			sbuf_printf(&c->out, "%c", CTLSOCK_STX);
		sbuf_printf(&c->out, "tapstackd: out of memory\n");
		status = 1;
	}
	sbuf_printf(&c->out, "%c%d", '\0', status);
	if (c->out.oom) {
		ctlsock_client_drop(cs, c);
		return;
	}
	c->state = CS_WRITING;
	/* The reply must be taken within CTLSOCK_CMD_MS of the connection; after a stream (which
	 * may have run for minutes), within CTLSOCK_IDLE_MS of its end. */
	c->deadline = was_streaming ? now_ms + CTLSOCK_IDLE_MS : c->accepted + CTLSOCK_CMD_MS;
	if (!ctlsock_client_watch(cs, c, EPOLLOUT))
		return;
	ctlsock_client_send(cs, c);
}

/* Runs the command in c->in (NUL-terminated) or sends a fixed usage error, then starts the reply:
 * the whole of it, or for a command that goes on, the beginning of a stream. */
static void ctlsock_client_reply(struct ctlsock *cs, struct ctlsock_client *c, const char *usage,
				 uint64_t now_ms)
{
	unsigned session = 0;
	int status;

	c->sent = 0;
	if (usage) {
		sbuf_printf(&c->out, "%s\n", usage);
		status = 2;
	} else {
		status = cs->ops.run(cs->ctx, c->in, &c->out, now_ms, &session);
		/* Only a command that goes on streams: its reply starts with STX. One refused at once
		 * (usage, no route) is an ordinary reply, so the client prints it on stderr. */
		if (status == CTLSOCK_PENDING) {
			struct sbuf marked = { 0 };
			sbuf_printf(&marked, "%c%s", CTLSOCK_STX, sbuf_str(&c->out));
			sbuf_free(&c->out);
			c->out = marked;
		}
	}
	if (status == CTLSOCK_PENDING) {
		if (!cs->ops.poll) {
			/* An interpreter that cannot be polled must not start sessions. */
			if (cs->ops.cancel)
				cs->ops.cancel(cs->ctx, session);
			status = 1;
		} else {
			c->state = CS_STREAMING;
			c->session = session;
			cs->nstreaming++;
			ctlsock_stream_send(cs, c);
			return;
		}
	}
	ctlsock_client_finish(cs, c, status, now_ms);
}

static void ctlsock_client_read(struct ctlsock *cs, struct ctlsock_client *c, uint64_t now_ms)
{
	/* in[] holds up to LINE_MAX + 1 bytes (the line and its '\n') plus our terminator. */
	size_t room = CTLSOCK_LINE_MAX + 1 - c->inlen;
	ssize_t n;
	char *nl;

	do
		n = recv(c->fd, c->in + c->inlen, room, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK)
			ctlsock_client_drop(cs, c);
		return;
	}
	if (n == 0) {
		/* EOF: a final line without '\n' still counts; an empty one is a client that left. */
		if (c->inlen == 0) {
			ctlsock_client_drop(cs, c);
			return;
		}
		c->in[c->inlen] = '\0';
	} else {
		size_t old = c->inlen;
		c->inlen += (size_t)n;
		nl = memchr(c->in + old, '\n', (size_t)n);
		if (!nl) {
			if (c->inlen > CTLSOCK_LINE_MAX) {
				char msg[96];
				snprintf(msg, sizeof(msg),
					 "tapstackd: command line too long (at most %d bytes)",
					 CTLSOCK_LINE_MAX);
				ctlsock_client_reply(cs, c, msg, now_ms);
			}
			return;
		}
		*nl = '\0';
		c->inlen = (size_t)(nl - c->in);
	}
	if (c->inlen > 0 && c->in[c->inlen - 1] == '\r')
		c->in[--c->inlen] = '\0';
	if (memchr(c->in, '\0', c->inlen)) {
		ctlsock_client_reply(cs, c, "tapstackd: NUL byte in command line", now_ms);
		return;
	}
	ctlsock_client_reply(cs, c, NULL, now_ms);
}

static void ctlsock_accept(struct ctlsock *cs, uint64_t now_ms)
{
	static const char busy[] = "tapstackd: too many control clients, try again\n\0" "1";

	for (;;) {
		struct epoll_event ev;
		struct ctlsock_client *c = NULL;
		int fd = accept4(cs->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			return; /* EAGAIN, or EMFILE etc.: the backlog keeps them; retry on next event */
		}
		for (unsigned i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
			if (cs->c[i].state == CS_FREE) {
				c = &cs->c[i];
				break;
			}
		}
		if (!c) {
			/* Best effort, never blocks: the reply is far smaller than a socket buffer. */
			if (send(fd, busy, sizeof(busy) - 1, MSG_DONTWAIT | MSG_NOSIGNAL) < 0) {
				/* nothing more to do for it */
			}
			close(fd);
			continue;
		}
		c->fd = fd;
		c->state = CS_READING;
		c->inlen = 0;
		c->sent = 0;
		c->deadline = now_ms + CTLSOCK_IDLE_MS;
		c->accepted = now_ms;
		c->session = 0;
		c->events = EPOLLIN;
		memset(&c->out, 0, sizeof(c->out));
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = ctlsock_client_tag(cs, c);
		if (epoll_ctl(cs->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->fd = -1;
			c->state = CS_FREE;
			continue;
		}
		cs->nclients++;
	}
}

void ctlsock_handle(struct ctlsock *cs, uint32_t id, uint32_t events, uint64_t now_ms)
{
	struct ctlsock_client *c;
	unsigned slot = id & 0xffu;

	if (id == CTLSOCK_ID_LISTEN) {
		ctlsock_accept(cs, now_ms);
		return;
	}
	if (slot >= CTLSOCK_MAX_CLIENTS)
		return;
	c = &cs->c[slot];
	if (c->state == CS_FREE || (uint16_t)(id >> 8) != c->gen)
		return; /* an event for a client dropped earlier in this batch */
	if (c->state == CS_READING && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
		ctlsock_client_read(cs, c, now_ms);
	else if ((c->state == CS_STREAMING && (events & (EPOLLHUP | EPOLLERR))) ||
		 (c->state == CS_WRITING && (events & EPOLLERR)))
		ctlsock_client_drop(cs, c); /* the peer closed (a stream's session is cancelled) */
	else if (c->state == CS_STREAMING && (events & EPOLLOUT))
		ctlsock_stream_send(cs, c);
	else if (c->state == CS_WRITING && (events & (EPOLLOUT | EPOLLHUP)))
		ctlsock_client_send(cs, c);
}

void ctlsock_pump(struct ctlsock *cs, uint64_t now_ms)
{
	if (!cs || cs->nstreaming == 0)
		return;
	for (unsigned i = 0; i < CTLSOCK_MAX_CLIENTS; i++) {
		struct ctlsock_client *c = &cs->c[i];
		int status;

		if (c->state != CS_STREAMING)
			continue;
		status = cs->ops.poll(cs->ctx, c->session, &c->out);
		if (status == CTLSOCK_PENDING)
			ctlsock_stream_send(cs, c);
		else
			ctlsock_client_finish(cs, c, status, now_ms);
	}
}

uint64_t ctlsock_next_deadline(const struct ctlsock *cs)
{
	uint64_t d = UINT64_MAX;

	if (!cs || cs->nclients == 0)
		return d;
	for (unsigned i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		if (cs->c[i].state != CS_FREE && cs->c[i].deadline < d)
			d = cs->c[i].deadline;
	return d;
}

void ctlsock_expire(struct ctlsock *cs, uint64_t now_ms)
{
	if (!cs || cs->nclients == 0)
		return;
	for (unsigned i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		if (cs->c[i].state != CS_FREE && cs->c[i].deadline <= now_ms)
			ctlsock_client_drop(cs, &cs->c[i]);
}

unsigned ctlsock_client_count(const struct ctlsock *cs)
{
	return cs ? cs->nclients : 0;
}

unsigned ctlsock_stream_count(const struct ctlsock *cs)
{
	return cs ? cs->nstreaming : 0;
}

void ctlsock_close(struct ctlsock *cs)
{
	struct stat sb;

	if (!cs)
		return;
	for (unsigned i = 0; i < CTLSOCK_MAX_CLIENTS; i++)
		ctlsock_client_drop(cs, &cs->c[i]);
	epoll_ctl(cs->epfd, EPOLL_CTL_DEL, cs->lfd, NULL);
	close(cs->lfd);
	/* Only our own file: a newer daemon may have replaced it. */
	if (lstat(cs->path, &sb) == 0 && sb.st_dev == cs->dev && sb.st_ino == cs->ino)
		unlink(cs->path);
	free(cs);
}
