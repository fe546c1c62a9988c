/* tap/metrics.c — the --metrics endpoint on libmicrohttpd, driven by the daemon's loop (see
 * metrics.h). MHD_USE_EPOLL without MHD_USE_INTERNAL_POLLING_THREAD: MHD keeps its sockets in an
 * epoll set of its own whose fd we watch; MHD_run does the ready work without blocking and
 * MHD_get_timeout gives the next connection timeout, which joins the loop's deadline. */
#include "tap/metrics.h"

#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/sbuf.h"
#include "tap/loop.h"
#include "tap/prom.h"

#define METRICS_CONN_LIMIT   16
#define METRICS_CONN_TIMEOUT 10   /* seconds an idle connection is kept */

struct metrics {
	struct MHD_Daemon *d;
	struct loop *lp;
	struct loop_ext ext;
	unsigned long long served;
};

static int metrics_addr(const char *addrport, struct sockaddr_in *sin, char *err, size_t errlen)
{
	const char *colon = strrchr(addrport, ':');
	char host[INET_ADDRSTRLEN];
	unsigned long port;
	char *end;

	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	if (!colon || (size_t)(colon - addrport) >= sizeof(host)) {
		snprintf(err, errlen, "--metrics: want ADDR:PORT (an IPv4 address), got \"%s\"", addrport);
		return -1;
	}
	memcpy(host, addrport, (size_t)(colon - addrport));
	host[colon - addrport] = '\0';
	if (inet_pton(AF_INET, host, &sin->sin_addr) != 1) {
		snprintf(err, errlen, "--metrics: bad IPv4 address \"%s\" in \"%s\"", host, addrport);
		return -1;
	}
	errno = 0;
	port = strtoul(colon + 1, &end, 10);
	if (colon[1] < '0' || colon[1] > '9' || *end || errno || port < 1 || port > 65535) {
		snprintf(err, errlen, "--metrics: bad port \"%s\" (1..65535) in \"%s\"", colon + 1, addrport);
		return -1;
	}
	sin->sin_port = htons((uint16_t)port);
	return 0;
}

int metrics_parse(const char *addrport, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	return metrics_addr(addrport, &sin, err, errlen);
}

static enum MHD_Result metrics_answer(void *cls, struct MHD_Connection *conn, const char *url,
				      const char *method, const char *version, const char *upload,
				      size_t *upload_size, void **req_cls)
{
	struct metrics *m = cls;
	struct MHD_Response *resp;
	struct sbuf out = { 0 };
	unsigned status = MHD_HTTP_OK;
	enum MHD_Result ret;

	(void)version;
	(void)upload;
	if (!*req_cls) { /* the headers: answer once the (empty) body has been seen */
		*req_cls = m;
		return MHD_YES;
	}
	if (*upload_size) {
		*upload_size = 0; /* a body is not wanted: discarded */
		return MHD_YES;
	}
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0) {
		status = MHD_HTTP_METHOD_NOT_ALLOWED;
		sbuf_printf(&out, "only GET and HEAD\n");
	} else if (strcmp(url, "/metrics") != 0) {
		status = MHD_HTTP_NOT_FOUND;
		sbuf_printf(&out, "tapstackd serves /metrics only\n");
	} else {
		prom_format(m->lp, &out);
		m->served++;
	}
	resp = MHD_create_response_from_buffer(out.len, (void *)sbuf_str(&out), MHD_RESPMEM_MUST_COPY);
	sbuf_free(&out);
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				status == MHD_HTTP_OK ? "text/plain; version=0.0.4; charset=utf-8" :
				"text/plain; charset=utf-8");
	if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void metrics_ready(void *ctx)
{
	struct metrics *m = ctx;
	MHD_run(m->d);
}

static uint64_t metrics_deadline(void *ctx)
{
	struct metrics *m = ctx;
	MHD_UNSIGNED_LONG_LONG t;

	if (MHD_get_timeout(m->d, &t) != MHD_YES)
		return UINT64_MAX;
	return loop_now_ms() + (uint64_t)t;
}

struct metrics *metrics_open(const char *addrport, struct loop *lp, char *err, size_t errlen)
{
	struct sockaddr_in sin;
	const union MHD_DaemonInfo *info;
	struct metrics *m;

	if (metrics_addr(addrport, &sin, err, errlen) < 0)
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		snprintf(err, errlen, "--metrics: out of memory");
		return NULL;
	}
	m->lp = lp;
	/* No MHD_USE_INTERNAL_POLLING_THREAD: no thread, we call MHD_run. No Date header (it would read
	 * /etc/localtime on a scrape: one syscall set fewer under a filter). MHD_USE_ERROR_LOG stays off
	 * (MHD would log per connection); a failure to listen is reported below. */
	m->d = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_SUPPRESS_DATE_NO_CLOCK, ntohs(sin.sin_port), NULL, NULL,
				metrics_answer, m,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sin,
				MHD_OPTION_CONNECTION_LIMIT, (unsigned)METRICS_CONN_LIMIT,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)METRICS_CONN_TIMEOUT,
				MHD_OPTION_LISTENING_ADDRESS_REUSE, 1u,
				MHD_OPTION_END);
	if (!m->d) {
		int e = errno;
		snprintf(err, errlen, "--metrics: cannot listen on %s%s%s", addrport, e ? ": " : "",
			 e ? strerror(e) : "");
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->d, MHD_DAEMON_INFO_EPOLL_FD);
	m->ext = (struct loop_ext){ .fd = info ? info->epoll_fd : -1, .ready = metrics_ready,
				    .deadline = metrics_deadline, .ctx = m };
	if (m->ext.fd < 0 || loop_ext_add(lp, &m->ext, err, errlen) < 0) {
		if (m->ext.fd < 0)
			snprintf(err, errlen, "--metrics: libmicrohttpd has no epoll fd");
		MHD_stop_daemon(m->d);
		free(m);
		return NULL;
	}
	return m;
}

unsigned long long metrics_served(const struct metrics *m)
{
	return m ? m->served : 0;
}

void metrics_close(struct metrics *m)
{
	if (!m)
		return;
	if (m->lp->ext == &m->ext)
		m->lp->ext = NULL;
	MHD_stop_daemon(m->d);
	free(m);
}
