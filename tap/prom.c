/* tap/prom.c — the Prometheus exposition (see prom.h). The core's counters are read through its
 * control interpreter's `stats` (NAME VALUE lines), the one list of every counter there is, so a
 * counter added to the core appears here with no change. */
#include "tap/prom.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap/ctlsock.h"
#include "tap/loop.h"

/* Acronyms whose lower-case word promtool's lint reads as an abbreviated unit ("ns" is
 * nanoseconds): spelled out in the metric name (NdInNS -> nd_in_neighbor_solicits). */
static const struct { const char *word, *spelled; } prom_spelled[] = {
	{ "ns", "neighbor_solicits" },
};

void prom_snake(const char *name, char *buf, size_t len)
{
	size_t n = 0, word = 0;

	if (!len)
		return;
	for (const char *c = name;; c++) {
		bool upper = *c >= 'A' && *c <= 'Z';
		bool cut = !*c || (upper && c != name && ((c[-1] >= 'a' && c[-1] <= 'z') || (c[-1] >= '0' && c[-1] <= '9')));
		if (cut) { /* the word buf[word..n) is complete */
			for (size_t i = 0; i < sizeof(prom_spelled) / sizeof(prom_spelled[0]); i++)
				if (n - word == strlen(prom_spelled[i].word) &&
				    strncmp(buf + word, prom_spelled[i].word, n - word) == 0 &&
				    word + strlen(prom_spelled[i].spelled) + 2 < len) {
					strcpy(buf + word, prom_spelled[i].spelled);
					n = word + strlen(prom_spelled[i].spelled);
				}
		}
		if (!*c || n + 2 >= len)
			break;
		if (cut) {
			buf[n++] = '_';
			word = n;
		}
		buf[n++] = upper ? (char)(*c - 'A' + 'a') : *c;
	}
	buf[n] = '\0';
}

static void prom_family(struct sbuf *out, const char *name, const char *type, const char *help)
{
	sbuf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A per-type family for one direction: every <prefix>N line of the stats text as
 * fam{type="N"} (IcmpMsgInType8, Icmp6InType128, ...). */
static void prom_icmp_types(struct sbuf *out, const char *stats, const char *prefix, const char *fam,
			    const char *help)
{
	size_t plen = strlen(prefix);

	prom_family(out, fam, "counter", help);
	for (const char *l = stats; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		unsigned t;
		unsigned long long v;
		if (strncmp(l, prefix, plen) == 0 && sscanf(l + plen, "%u %llu", &t, &v) == 2)
			sbuf_printf(out, "%s{type=\"%u\"} %llu\n", fam, t, v);
	}
}

/* The stack's drop reasons and the errors it did not send, from `drops` (only the reasons that
 * occurred, so a series appears with its first count): tapstack_drops_total{reason=...} and
 * tapstack_icmp_errors_suppressed_total{reason=...}. */
static void prom_drop_reasons(struct sbuf *out, struct loop *lp)
{
	struct sbuf d = { 0 };
	int section = 0;

	stack_ctl(lp->st, "drops", &d, loop_now_ms());
	prom_family(out, "tapstack_drops_total", "counter",
		    "Frames read that the stack dropped, by reason (tapstackctl drops).");
	for (int pass = 1; pass <= 2; pass++) {
		if (pass == 2)
			prom_family(out, "tapstack_icmp_errors_suppressed_total", "counter",
				    "ICMP errors the error builder did not send, by the rule or limit that stopped it.");
		section = 0;
		for (const char *l = sbuf_str(&d); *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
			char name[64];
			unsigned long long v;
			if (strncmp(l, "dropped, by reason:", 19) == 0)
				section = 1;
			else if (strncmp(l, "errors not sent, by reason:", 27) == 0)
				section = 2;
			else if (section == pass && l[0] == ' ' && sscanf(l, " %63s %llu", name, &v) == 2)
				sbuf_printf(out, "%s{reason=\"%s\"} %llu\n",
					    pass == 1 ? "tapstack_drops_total" : "tapstack_icmp_errors_suppressed_total",
					    name, v);
		}
	}
	sbuf_free(&d);
}

/* A label value: backslash, double quote and line feed escaped. */
static void prom_label(struct sbuf *out, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\' || *s == '"')
			sbuf_printf(out, "\\%c", *s);
		else if (*s == '\n')
			sbuf_printf(out, "\\n");
		else
			sbuf_printf(out, "%c", *s);
	}
}

void prom_format(struct loop *lp, struct sbuf *out)
{
	static const struct { const char *name, *help; size_t off; } ifc[] = {
		{ "rx_frames", "Frames read from the interface's TAP.", offsetof(struct loop_iface, rx_frames) },
		{ "rx_bytes", "Bytes read from the interface's TAP.", offsetof(struct loop_iface, rx_bytes) },
		{ "tx_frames", "Frames written to the interface's TAP.", offsetof(struct loop_iface, tx_frames) },
		{ "tx_bytes", "Bytes written to the interface's TAP.", offsetof(struct loop_iface, tx_bytes) },
	};
	static const struct { const char *reason; size_t off; } drops[] = {
		{ "rx_nobuf", offsetof(struct loop_iface, rx_nobuf) },
		{ "rx_toobig", offsetof(struct loop_iface, rx_toobig) },
		{ "tx_full", offsetof(struct loop_iface, tx_drop) },
		{ "tx_link_down", offsetof(struct loop_iface, tx_link_down) },
		{ "tx_error", offsetof(struct loop_iface, tx_err) },
	};
	struct sbuf st = { 0 };
	const char *stats;

	stack_ctl(lp->st, "stats", &st, loop_now_ms());
	stats = sbuf_str(&st);
	for (const char *l = stats; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		char name[64], snake[96], fam[128], help[160];
		unsigned long long v;

		if (sscanf(l, "%63s %llu", name, &v) != 2 || strncmp(name, "IcmpMsg", 7) == 0 ||
		    strncmp(name, "Icmp6InType", 11) == 0 || strncmp(name, "Icmp6OutType", 12) == 0)
			continue;
		prom_snake(name, snake, sizeof(snake));
		snprintf(fam, sizeof(fam), "tapstack_%s_total", snake);
		snprintf(help, sizeof(help), "The stack's counter %s (tapstackctl stats).", name);
		prom_family(out, fam, "counter", help);
		sbuf_printf(out, "%s %llu\n", fam, v);
	}
	prom_icmp_types(out, stats, "IcmpMsgInType", "tapstack_icmp_msg_in_total",
			"ICMP messages received, by type (IcmpMsgInType<N>).");
	prom_icmp_types(out, stats, "IcmpMsgOutType", "tapstack_icmp_msg_out_total",
			"ICMP messages sent, by type (IcmpMsgOutType<N>).");
	prom_icmp_types(out, stats, "Icmp6InType", "tapstack_icmp6_in_total",
			"ICMPv6 messages received, by type (Icmp6InType<N>).");
	prom_icmp_types(out, stats, "Icmp6OutType", "tapstack_icmp6_out_total",
			"ICMPv6 messages sent, by type (Icmp6OutType<N>).");
	sbuf_free(&st);
	prom_drop_reasons(out, lp);

	for (size_t k = 0; k < sizeof(ifc) / sizeof(ifc[0]); k++) {
		char fam[64];
		snprintf(fam, sizeof(fam), "tapstack_iface_%s_total", ifc[k].name);
		prom_family(out, fam, "counter", ifc[k].help);
		for (unsigned i = 0; i < lp->n_ifaces; i++) {
			const struct loop_iface *li = &lp->ifaces[i];
			sbuf_printf(out, "%s{iface=\"", fam);
			prom_label(out, li->name);
			sbuf_printf(out, "\"} %llu\n",
				    (unsigned long long)*(const uint64_t *)((const char *)li + ifc[k].off));
		}
	}
	prom_family(out, "tapstack_iface_drops_total", "counter",
		    "Frames the daemon dropped at an interface, by reason (rx_nobuf: no packet buffer; "
		    "rx_toobig: longer than a buffer; tx_full: TAP queue full; tx_link_down: kernel side "
		    "down; tx_error: other write errors).");
	for (unsigned i = 0; i < lp->n_ifaces; i++)
		for (size_t k = 0; k < sizeof(drops) / sizeof(drops[0]); k++) {
			const struct loop_iface *li = &lp->ifaces[i];
			sbuf_printf(out, "tapstack_iface_drops_total{iface=\"");
			prom_label(out, li->name);
			sbuf_printf(out, "\",reason=\"%s\"} %llu\n", drops[k].reason,
				    (unsigned long long)*(const uint64_t *)((const char *)li + drops[k].off));
		}
	prom_family(out, "tapstack_iface_up", "gauge", "1 while the interface's TAP is open, 0 once it is gone or removed.");
	for (unsigned i = 0; i < lp->n_ifaces; i++) {
		sbuf_printf(out, "tapstack_iface_up{iface=\"");
		prom_label(out, lp->ifaces[i].name);
		sbuf_printf(out, "\"} %d\n", lp->ifaces[i].fd >= 0);
	}
	prom_family(out, "tapstack_reloads_total", "counter", "Configuration reloads asked for (SIGHUP or tapstackctl reload).");
	sbuf_printf(out, "tapstack_reloads_total %llu\n", (unsigned long long)lp->reloads);
	prom_family(out, "tapstack_reload_failures_total", "counter", "Reloads refused (the running configuration was kept).");
	sbuf_printf(out, "tapstack_reload_failures_total %llu\n", (unsigned long long)lp->reload_failures);
}
