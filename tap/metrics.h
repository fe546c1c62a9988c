/* tap/metrics.h — the --metrics HTTP endpoint: GET /metrics answers the Prometheus exposition
 * (tap/prom.h). libmicrohttpd runs without a thread of its own: its epoll fd sits in the daemon's
 * loop (struct loop_ext) and MHD_run is called from there, so requests are served between frame
 * batches on the one thread that owns the stack, with no lock. */
#ifndef TAPSTACK_METRICS_H
#define TAPSTACK_METRICS_H

#include <stddef.h>

struct loop;
struct metrics;

/* Checks "ADDR:PORT" (an IPv4 address, port 1..65535) without opening anything: 0, or -1 with one
 * line in err. */
int metrics_parse(const char *addrport, char *err, size_t errlen);

/* Listens on ADDR:PORT (that address only) and joins lp's loop. NULL with one line in err. */
struct metrics *metrics_open(const char *addrport, struct loop *lp, char *err, size_t errlen);

/* Requests served so far (for tests and status). */
unsigned long long metrics_served(const struct metrics *m);

/* Stops the server and closes its sockets; NULL is fine. */
void metrics_close(struct metrics *m);

#endif
