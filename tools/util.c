/* tools/util.c — the programs' shared helpers (tools/util.h). */
#include "tools/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *progname = "tapstack";

const char *die_origin;
jmp_buf *die_jmp;
char die_msg[1024];

void prog_name_set(const char *name)
{
	progname = name;
}

const char *prog_name(void)
{
	return progname;
}

void vnote(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", progname);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void note(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

int fail(int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
	return status;
}

void die(int status, const char *fmt, ...)
{
	char msg[900];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(die_msg, sizeof(die_msg), "%s: %s", die_origin ? die_origin : progname, msg);
	if (die_jmp)
		longjmp(*die_jmp, 1);
	fprintf(stderr, "%s\n", die_msg);
	exit(status);
}

/* write(2) or, for a socket, send(2) without SIGPIPE, until all n bytes are out. */
static bool put_all(int fd, const char *p, size_t n, bool sock)
{
	while (n > 0) {
		ssize_t w = sock ? send(fd, p, n, MSG_NOSIGNAL) : write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return false;
		}
		p += w;
		n -= (size_t)w;
	}
	return true;
}

bool write_all(int fd, const void *p, size_t n)
{
	return put_all(fd, p, n, false);
}

bool send_all(int fd, const void *p, size_t n)
{
	return put_all(fd, p, n, true);
}
