/* ip/frag_list.c — see frag_list.h. */
#include "ip/frag_list.h"

#include <stddef.h>

enum frag_fit frag_list_fit(const struct pkb *head, unsigned off, unsigned end)
{
	for (const struct pkb *f = head; f;) {
		unsigned rs = f->frag_off, re = f->frag_end;
		const struct pkb *g = f->next;
		while (g && g->frag_off == re) { /* a run: fragments that follow each other */
			re = g->frag_end;
			g = g->next;
		}
		if (off >= rs && end <= re)
			return FRAG_DUPLICATE;
		if (off < re && end > rs)
			return FRAG_OVERLAP;
		f = g;
	}
	return FRAG_FITS;
}

void frag_list_insert(struct pkb **head, struct pkb *p, unsigned off, unsigned end)
{
	struct pkb **link;
	for (link = head; *link && (*link)->frag_off < off; link = &(*link)->next)
		;
	p->frag_off = off;
	p->frag_end = end;
	p->next = *link;
	*link = p;
}

bool frag_list_whole(const struct pkb *head, unsigned len)
{
	unsigned have = 0;
	for (const struct pkb *f = head; f; f = f->next) {
		if (f->frag_off != have)
			return false;
		have = f->frag_end;
	}
	return have == len;
}
