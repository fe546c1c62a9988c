/* tap/ctlsock.h — the daemon's control socket: AF_UNIX stream, one command line per connection.
 *
 * Protocol: the client sends one line ending in '\n' (at most CTLSOCK_LINE_MAX bytes before it);
 * the server replies with the command's text, one NUL byte, the exit status in ASCII decimal,
 * then closes. Replies are buffered per client and written as the socket drains, so a slow or
 * dead client never blocks the daemon.
 *
 * Streaming commands (`ping`): when the command goes on after its first answer, the reply starts
 * with one STX byte (0x02) and its text is sent as the command produces it, possibly over a long
 * time; NUL, status and close follow as usual. The client should print the text as it arrives.
 * While such a command runs the client is never dropped for being idle; it ends the command
 * early by closing its socket (a half-close, shutdown(SHUT_WR) after the line, is normal and
 * ends nothing). A client that stops reading is dropped, and its command cancelled, once more
 * than CTLSOCK_STREAM_MAX bytes of reply wait for it.
 */
#ifndef TAPSTACK_CTLSOCK_H
#define TAPSTACK_CTLSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "stack/sbuf.h"
#include "stack/stack.h"

#define CTLSOCK_MAX_CLIENTS 64
#define CTLSOCK_LINE_MAX    STACK_CTL_LINE_MAX   /* bytes of command before the '\n' */
#define CTLSOCK_IDLE_MS     5000   /* a client's whole command line must arrive within this of
                                    * its connection (trickling bytes does not extend it) ... */
#define CTLSOCK_CMD_MS      10000  /* ... and a reply that is not streamed be taken by then */
#define CTLSOCK_STREAM_MAX  ((size_t)256 * 1024)  /* unsent bytes a streaming client may hold */
#define CTLSOCK_STX         0x02   /* first reply byte of a streaming command */
#define CTLSOCK_PENDING     255    /* run/poll: the command goes on (STACK_CTL_PENDING) */

struct ctlsock;

/* The command interpreter behind the socket; ctx is passed back to every hook.
 * run: runs one command line, appending its text to out; returns the exit status (0, 1, 2, ...),
 *      or CTLSOCK_PENDING with *session set when the command goes on streaming.
 * poll: appends what a streaming session produced since; its final status, or CTLSOCK_PENDING.
 * cancel: ends a session whose client went away (never called after poll's final status).
 * poll and cancel may be NULL when run never returns CTLSOCK_PENDING. */
struct ctlsock_ops {
	int (*run)(void *ctx, const char *line, struct sbuf *out, uint64_t now_ms,
		   unsigned *session);
	int (*poll)(void *ctx, unsigned session, struct sbuf *out);
	void (*cancel)(void *ctx, unsigned session);
};

/* Checks `path` before anything else is set up: 0 when free or a stale socket (left in place),
 * -1 with one line in err when it is too long, not a socket, or a live daemon answers there. */
int ctlsock_probe(const char *path, char *err, size_t errlen);

/* Creates the listening socket at `path` (mode 0600; a stale socket file is replaced) and adds it
 * to epfd with data.u64 = (kind << 32) | id. NULL with one line in err on failure. */
struct ctlsock *ctlsock_open(const char *path, int epfd, uint32_t kind,
			     const struct ctlsock_ops *ops, void *ctx, char *err, size_t errlen);

/* Handles an epoll event whose data.u64 had our kind in its top half; `id` is the low half. */
void ctlsock_handle(struct ctlsock *cs, uint32_t id, uint32_t events, uint64_t now_ms);

/* Polls every streaming client's session and queues what it appended; a session that ends gets
 * its NUL and status and the client is closed once they are sent. Call after every wake-up. */
void ctlsock_pump(struct ctlsock *cs, uint64_t now_ms);

/* Earliest client timeout (ms on the caller's clock), UINT64_MAX when none is due (no client, or
 * only streaming ones: they have no timeout). */
uint64_t ctlsock_next_deadline(const struct ctlsock *cs);

/* Drops every client whose timeout is at or before now_ms. */
void ctlsock_expire(struct ctlsock *cs, uint64_t now_ms);

/* Connected clients right now (for status output), and how many of them are streaming. */
unsigned ctlsock_client_count(const struct ctlsock *cs);
unsigned ctlsock_stream_count(const struct ctlsock *cs);

/* Closes all clients (cancelling their sessions) and the listener, removes the socket file if it
 * is still ours; NULL is fine. */
void ctlsock_close(struct ctlsock *cs);

#endif
