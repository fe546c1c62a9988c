/* ctl/ext_text.h — an ICMP extension structure (RFC 4884) put in words for the control text. */
#ifndef TAPSTACK_EXT_TEXT_H
#define TAPSTACK_EXT_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "stack/sbuf.h"

/* Appends " <OBJECTS>", the objects of the structure at ext (len bytes) as newer traceroute shows
 * them, INC:2,192.0.2.2,"tap0",mtu=1500;NXT:198.51.100.9, other classes as CLASS/CTYPE:hex words,
 * cut to max characters (SIZE_MAX: all); nothing when the structure is not version 2 or has no
 * whole object. */
void ext_text(struct sbuf *out, const uint8_t *ext, size_t len, size_t max);

#endif
