/* ctl/ping_cmd.h — `ping` and `probe`, the control commands over icmp/ping.c's sessions: their
 * arguments and iputils' text. */
#ifndef TAPSTACK_PING_CMD_H
#define TAPSTACK_PING_CMD_H

#include "stack/sbuf.h"

struct stack;

/* Starts `ping [-46DnOq] [-c N] [-s SIZE] [-t TTL] [-i SEC] [-M do|dont|want] [-W SEC] [-w SEC] ADDR`
 * (ADDR an IPv4 or IPv6 address, a link-local one scoped by interface name: fe80::1%tap0) with
 * iputils' meanings (options may be grouped, values attached, as getopt takes them):
 * STACK_CTL_PENDING with *handle set, or 2 with a usage line in out, or 1 when it cannot start
 * (out says why). */
int ping_cmd_start(struct stack *st, int argc, char **argv, struct sbuf *out, unsigned *handle);
/* Starts `probe {-I NAME | -i INDEX | -a ADDR} [-L] [-c N] TARGET` as a streaming session (as ping):
 * STACK_CTL_PENDING with *handle set, 2 with a usage line, 1 when it cannot start. */
int probe_cmd_start(struct stack *st, int argc, char **argv, struct sbuf *out, unsigned *handle);
/* Moves a session's pending text to out; STACK_CTL_PENDING, or the final status (the session is
 * then gone). */
int ping_cmd_collect(struct stack *st, unsigned handle, struct sbuf *out);
void ping_cmd_cancel(struct stack *st, unsigned handle);

#endif
