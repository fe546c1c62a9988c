/* tap/prom.h — every counter in the Prometheus text exposition format (version 0.0.4), for
 * `tapstackctl stats --prometheus` (node_exporter's textfile collector) and the --metrics server. */
#ifndef TAPSTACK_PROM_H
#define TAPSTACK_PROM_H

#include "stack/sbuf.h"

struct loop;

/* Appends the exposition: the core's counters as tapstack_<snake_case>_total (IpInReceives is
 * tapstack_ip_in_receives_total), the per-type ICMP counters as the families
 * tapstack_icmp_msg_{in,out}_total{type="N"} and tapstack_icmp6_{in,out}_total{type="N"}, the daemon's per-interface frame and byte counters
 * with an iface label, its per-interface drops as tapstack_iface_drops_total{iface,reason}, and
 * the reload counters. HELP and TYPE precede every family. */
void prom_format(struct loop *lp, struct sbuf *out);

/* The Prometheus name for a counter's printed name: "IpInReceives" -> "ip_in_receives"
 * (an underscore before each capital that follows a small letter or a digit, then lower case;
 * a word promtool would read as a unit is spelled out: "NdInNS" -> "nd_in_neighbor_solicits").
 * Writes at most len bytes with the NUL. */
void prom_snake(const char *name, char *buf, size_t len);

#endif
