/* stack/sbuf.h — a growable text buffer for control-command output (not used on the packet path). */
#ifndef TAPSTACK_SBUF_H
#define TAPSTACK_SBUF_H

#include <stdarg.h>
#include <stddef.h>

struct sbuf {
	char *s;      /* NUL-terminated text, or NULL before the first append */
	size_t len;
	size_t cap;
	int oom;      /* set when an append could not grow the buffer */
};

void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void sbuf_free(struct sbuf *b);
static inline const char *sbuf_str(const struct sbuf *b) { return b->s ? b->s : ""; }

#endif
