/* stack/tcp.h — the TCP reset stub. */
#ifndef TAPSTACK_TCP_H
#define TAPSTACK_TCP_H

struct stack;
void tcp_init(struct stack *st);

#endif
