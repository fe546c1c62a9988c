/* stack/ctl.c — the control-command interpreter: text in, text out, no I/O. The daemon's control
 * socket, tapstackctl and the tests all come through here. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "stack/core.h"
#include "stack/wire.h"

#define CTL_MAX_ARGS 16

/* The classic Icmp columns of /proc/net/snmp are views of the per-type arrays (R1.4). */
static const struct { const char *name; uint8_t type; } icmp_classic[] = {
	{ "DestUnreachs", 3 }, { "TimeExcds", 11 }, { "ParmProbs", 12 }, { "SrcQuenchs", 4 },
	{ "Redirects", 5 }, { "Echos", 8 }, { "EchoReps", 0 }, { "Timestamps", 13 },
	{ "TimestampReps", 14 }, { "AddrMasks", 17 }, { "AddrMaskReps", 18 },
};

typedef void (*counter_fn)(const char *name, uint64_t value, void *arg);

/* Every counter that `stats` prints, in order: the named ones, the classic ICMP columns, then the
 * per-type ICMP counters that are not zero (as /proc/net/snmp shows them). */
static void stack_counters_foreach(const struct stack *st, counter_fn fn, void *arg)
{
	char name[48];

	for (unsigned i = 0; i < C__COUNT; i++)
		fn(counter_names[i], st->ctr[i], arg);
	for (int dir = 0; dir < 2; dir++)
		for (size_t i = 0; i < sizeof(icmp_classic) / sizeof(icmp_classic[0]); i++) {
			snprintf(name, sizeof(name), "Icmp%s%s", dir ? "Out" : "In", icmp_classic[i].name);
			fn(name, (dir ? st->icmp_out_type : st->icmp_in_type)[icmp_classic[i].type], arg);
		}
	for (int dir = 0; dir < 2; dir++)
		for (unsigned t = 0; t < 256; t++) {
			uint64_t v = (dir ? st->icmp_out_type : st->icmp_in_type)[t];
			if (!v)
				continue;
			snprintf(name, sizeof(name), "IcmpMsg%sType%u", dir ? "Out" : "In", t);
			fn(name, v, arg);
		}
}

struct counter_query { const char *name; uint64_t *value; int found; };

static void counter_match(const char *name, uint64_t value, void *arg)
{
	struct counter_query *q = arg;
	if (!q->found && strcmp(name, q->name) == 0) {
		*q->value = value;
		q->found = 1;
	}
}

int stack_counter_get(const struct stack *st, const char *name, uint64_t *value)
{
	struct counter_query q = { name, value, 0 };
	*value = 0;
	stack_counters_foreach(st, counter_match, &q);
	/* A per-type counter that is zero is not listed but exists. */
	if (!q.found && (strncmp(name, "IcmpMsgInType", 13) == 0 || strncmp(name, "IcmpMsgOutType", 14) == 0)) {
		const char *num = name + (name[7] == 'I' ? 13 : 14);
		char *end;
		long t = strtol(num, &end, 10);
		if (*num >= '0' && *num <= '9' && !*end && t < 256)
			return 0;
	}
	return q.found ? 0 : -ENOENT;
}

struct stats_out { struct sbuf *out; int json; int first; };

static void stats_line(const char *name, uint64_t value, void *arg)
{
	struct stats_out *o = arg;
	if (o->json)
		sbuf_printf(o->out, "%s\"%s\": %llu", o->first ? "" : ", ", name, (unsigned long long)value);
	else
		sbuf_printf(o->out, "%-28s %llu\n", name, (unsigned long long)value);
	o->first = 0;
}

static int ctl_stats(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	struct stats_out o = { out, 0, 1 };
	if (argc > 2 || (argc == 2 && strcmp(argv[1], "--json") != 0)) {
		sbuf_printf(out, "usage: stats [--json]\n");
		return 2;
	}
	o.json = argc == 2;
	if (o.json)
		sbuf_printf(out, "{");
	stack_counters_foreach(st, stats_line, &o);
	if (o.json)
		sbuf_printf(out, "}\n");
	return 0;
}

static int ctl_neigh(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	(void)argv;
	if (argc != 1) {
		sbuf_printf(out, "usage: neigh\n");
		return 2;
	}
	for (unsigned i = 0; i < ARP_CACHE_SIZE; i++) {
		const struct arp_entry *e = &st->arp.e[i];
		char ip[16], mac[18];
		if (e->state == ARP_FREE)
			continue;
		sbuf_printf(out, "%s dev %s", ip4_ntoa(e->ip, ip), st->ifs[e->ifindex].name);
		if (e->state == ARP_REACHABLE)
			sbuf_printf(out, " lladdr %s REACHABLE expires %llums\n", mac_ntoa(e->mac, mac),
				    (unsigned long long)(e->expires > st->now ? e->expires - st->now : 0));
		else
			sbuf_printf(out, " INCOMPLETE tries %u queued %u\n", e->tries, e->qlen);
	}
	return 0;
}

static int ctl_addr(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	(void)argv;
	if (argc != 1) {
		sbuf_printf(out, "usage: addr\n");
		return 2;
	}
	for (unsigned i = 0; i < st->nifs; i++) {
		const struct iface *ifp = &st->ifs[i];
		char mac[18], ip[16], bc[16];
		sbuf_printf(out, "%u: %s <%s> mtu %u lladdr %s\n", i, ifp->name, ifp->up ? "UP" : "DOWN", ifp->mtu,
			    mac_ntoa(ifp->mac, mac));
		for (unsigned j = 0; j < ifp->naddr; j++)
			sbuf_printf(out, "    inet %s/%u brd %s\n", ip4_ntoa(ifp->addr[j].addr, ip), ifp->addr[j].plen,
				    ip4_ntoa(ifp->addr[j].bcast, bc));
	}
	return 0;
}

static int ctl_sysctl(struct stack *st, int argc, char **argv, struct sbuf *out)
{
	if (argc == 1) {
		for (unsigned i = 0; i < knob_count; i++)
			sbuf_printf(out, "%s = %ld\n", knob_table[i].name, *knob_ptr(&st->knobs, &knob_table[i]));
		return 0;
	}
	for (int i = 1; i < argc; i++) {
		char *eq = strchr(argv[i], '=');
		if (eq)
			*eq = '\0';
		const struct knob_desc *d = knob_find(argv[i]);
		if (!d) {
			sbuf_printf(out, "sysctl: unknown knob \"%s\"\n", argv[i]);
			return 2;
		}
		if (eq) {
			int rc = knob_parse_set(&st->knobs, d, eq + 1);
			if (rc == -EINVAL) {
				sbuf_printf(out, "sysctl: %s: \"%s\" is not a number\n", d->name, eq + 1);
				return 2;
			}
			if (rc == -ERANGE) {
				sbuf_printf(out, "sysctl: %s: %s is out of range %ld..%ld\n", d->name, eq + 1, d->min, d->max);
				return 2;
			}
		}
		sbuf_printf(out, "%s = %ld\n", d->name, *knob_ptr(&st->knobs, d));
	}
	return 0;
}

static const struct ctl_cmd {
	const char *name;
	int (*fn)(struct stack *st, int argc, char **argv, struct sbuf *out);
	const char *help;
} ctl_cmds[] = {
	{ "stats", ctl_stats, "stats [--json]          every counter, nstat-style NAME VALUE lines" },
	{ "neigh", ctl_neigh, "neigh                   the ARP cache" },
	{ "addr", ctl_addr, "addr                    interfaces and their addresses" },
	{ "sysctl", ctl_sysctl, "sysctl [KEY[=VALUE]...] show or set knobs" },
};

int stack_ctl(struct stack *st, const char *line, struct sbuf *out, uint64_t now_ms)
{
	char buf[1024], *argv[CTL_MAX_ARGS], *save = NULL;
	int argc = 0;

	st->now = now_ms;
	if (strlen(line) >= sizeof(buf)) {
		sbuf_printf(out, "command too long\n");
		return 2;
	}
	strcpy(buf, line);
	for (char *tok = strtok_r(buf, " \t\r\n", &save); tok; tok = strtok_r(NULL, " \t\r\n", &save)) {
		if (argc == CTL_MAX_ARGS) {
			sbuf_printf(out, "too many arguments\n");
			return 2;
		}
		argv[argc++] = tok;
	}
	if (argc == 0 || strcmp(argv[0], "help") == 0) {
		sbuf_printf(out, "commands:\n");
		for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
			sbuf_printf(out, "  %s\n", ctl_cmds[i].help);
		return argc == 0 ? 2 : 0;
	}
	for (size_t i = 0; i < sizeof(ctl_cmds) / sizeof(ctl_cmds[0]); i++)
		if (strcmp(argv[0], ctl_cmds[i].name) == 0)
			return ctl_cmds[i].fn(st, argc, argv, out);
	/* Echo back only printable bytes of what we were sent. */
	char shown[64];
	size_t n = 0;
	for (const char *c = argv[0]; *c && n < sizeof(shown) - 1; c++)
		shown[n++] = (*c >= 0x20 && *c < 0x7f) ? *c : '?';
	shown[n] = '\0';
	sbuf_printf(out, "unknown command \"%s\" (try: help)\n", shown);
	return 2;
}
