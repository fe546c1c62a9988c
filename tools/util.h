/* tools/util.h — what the programs (tools/ and bench/) share: messages that start with the
 * program's name, die() and fail(), and writes that finish. Not for the core or tap/. */
#ifndef TAPSTACK_TOOLS_UTIL_H
#define TAPSTACK_TOOLS_UTIL_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

/* The name every message starts with ("NAME: ..."); set once, first thing in main. */
void prog_name_set(const char *name);
const char *prog_name(void);

/* One line "NAME: TEXT" on stderr. */
void note(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void vnote(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

/* note(), then returns status: `return fail(2, "...")`. */
int fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* "PREFIX: TEXT" on stderr and exit(status); PREFIX is die_origin when set (tapstackd: the
 * "FILE:LINE" of the configuration directive at hand), else the program's name. While die_jmp is
 * set, nothing is printed and the program does not end: the line is left in die_msg and die()
 * longjmps to *die_jmp (tapstackd's reload, which refuses a broken file and keeps running). */
extern const char *die_origin;
extern jmp_buf *die_jmp;
extern char die_msg[1024];
void die(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* The n bytes at p written in full with write(2) (send_all: send(2) with MSG_NOSIGNAL, so a peer
 * gone is an error, not SIGPIPE), retried on EINTR; false on any other error. */
bool write_all(int fd, const void *p, size_t n);
bool send_all(int fd, const void *p, size_t n);

#endif
