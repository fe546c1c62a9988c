/* ip/frag_list.h — the fragment list both reassemblies keep (ip/ip4_frag.c, ip/ip6_frag.c): held
 * fragments sorted by where their data starts (pkb frag_off/frag_end), how a new one fits, and
 * whether the list is whole. One place for the overlap rules of RFC 5722 and RFC 815's idea. */
#ifndef TAPSTACK_FRAG_LIST_H
#define TAPSTACK_FRAG_LIST_H

#include <stdbool.h>

#include "stack/pkb.h"

enum frag_fit {
	FRAG_FITS,      /* new data: insert it */
	FRAG_DUPLICATE, /* wholly inside a run of held data: drop it, keep the queue */
	FRAG_OVERLAP,   /* touches held data otherwise: the whole queue goes (RFC 5722) */
};

/* How [off, end) fits the runs of contiguous data held in the list at head. */
enum frag_fit frag_list_fit(const struct pkb *head, unsigned off, unsigned end);
/* Inserts p, holding [off, end), in order. */
void frag_list_insert(struct pkb **head, struct pkb *p, unsigned off, unsigned end);
/* True when the list holds [0, len) without a hole. */
bool frag_list_whole(const struct pkb *head, unsigned len);

#endif
