/* ctl/route_cmd.h — the `route` control command: the routing tables and the route cache in words
 * (`ip route` and `ip route show cache` style), routes added and deleted from their text. */
#ifndef TAPSTACK_ROUTE_CMD_H
#define TAPSTACK_ROUTE_CMD_H

#include "stack/sbuf.h"

struct stack;

/* `route [show] | route cache | route add SPEC | route del PREFIX/LEN`: 0, 1 (refused) or 2 (usage),
 * text in out. */
int route_cmd(struct stack *st, int argc, char **argv, struct sbuf *out);

#endif
