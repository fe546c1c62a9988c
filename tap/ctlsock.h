/* tap/ctlsock.h — the daemon's control socket: AF_UNIX stream, one command line per connection.
 *
 * Protocol: the client sends one line ending in '\n' (at most CTLSOCK_LINE_MAX bytes before it);
 * the server replies with the command's text, one NUL byte, the exit status in ASCII decimal,
 * then closes. Replies are buffered per client and written as the socket drains, so a slow or
 * dead client never blocks the daemon.
 */
#ifndef TAPSTACK_CTLSOCK_H
#define TAPSTACK_CTLSOCK_H

#include <stddef.h>
#include <stdint.h>

#include "stack/sbuf.h"

#define CTLSOCK_MAX_CLIENTS 64
#define CTLSOCK_LINE_MAX    4096   /* bytes of command before the '\n' */
#define CTLSOCK_IDLE_MS     5000   /* a client silent this long (either way) is dropped */

struct ctlsock;

/* Runs one command line, appending its text to out; returns the exit status (0, 1, 2, ...). */
typedef int (*ctlsock_run_fn)(void *ctx, const char *line, struct sbuf *out, uint64_t now_ms);

/* Checks `path` before anything else is set up: 0 when free or a stale socket (left in place),
 * -1 with one line in err when it is too long, not a socket, or a live daemon answers there. */
int ctlsock_probe(const char *path, char *err, size_t errlen);

/* Creates the listening socket at `path` (mode 0600; a stale socket file is replaced) and adds it
 * to epfd with data.u64 = (kind << 32) | id. NULL with one line in err on failure. */
struct ctlsock *ctlsock_open(const char *path, int epfd, uint32_t kind, ctlsock_run_fn run,
			     void *ctx, char *err, size_t errlen);

/* Handles an epoll event whose data.u64 had our kind in its top half; `id` is the low half. */
void ctlsock_handle(struct ctlsock *cs, uint32_t id, uint32_t events, uint64_t now_ms);

/* Earliest client timeout (ms on the caller's clock), UINT64_MAX when no client is connected. */
uint64_t ctlsock_next_deadline(const struct ctlsock *cs);

/* Drops every client whose timeout is at or before now_ms. */
void ctlsock_expire(struct ctlsock *cs, uint64_t now_ms);

/* Connected clients right now (for status output). */
unsigned ctlsock_client_count(const struct ctlsock *cs);

/* Closes all clients and the listener, removes the socket file if it is still ours; NULL is fine. */
void ctlsock_close(struct ctlsock *cs);

#endif
