/* tap/loop_status.c — what the daemon itself answers on its control socket (tap/loop.h): the
 * command hook that takes "daemon [--json]", "reload" and "stats --prometheus" and hands every
 * other command to the core, and the status text of "daemon". */
#include "tap/loop_int.h"

#include <string.h>

#include "tap/ctlsock.h"
#include "tap/prom.h"

/* A JSON string (names are validated, but a netns name may still hold '"' or '\\'). */
static void loop_json_str(struct sbuf *out, const char *s)
{
	if (!s) {
		sbuf_printf(out, "null");
		return;
	}
	sbuf_printf(out, "\"");
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			sbuf_printf(out, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			sbuf_printf(out, "\\u%04x", (unsigned)(unsigned char)*s);
		else
			sbuf_printf(out, "%c", *s);
	}
	sbuf_printf(out, "\"");
}

/* The text of "daemon" (json: "daemon --json"): the TAP devices and their I/O counters, the
 * capture, control clients, reloads and the write path. */
static void loop_daemon_status(struct loop *lp, bool json, struct sbuf *out)
{
	static const char *const keys[] = { "rx_frames", "rx_bytes", "rx_nobuf", "rx_toobig",
					    "tx_frames", "tx_bytes", "tx_drop", "tx_link_down",
					    "tx_err" };
	const size_t nkeys = sizeof(keys) / sizeof(keys[0]);

	if (json) {
		sbuf_printf(out, "{\"pcap\": ");
		loop_json_str(out, lp->pcap ? lp->pcap_path : NULL);
		sbuf_printf(out, ", \"pcap_error\": ");
		loop_json_str(out, lp->pcap_err ? strerror(lp->pcap_err) : NULL);
		sbuf_printf(out, ", \"control_clients\": %u, \"control_streaming\": %u, "
			    "\"tx_io\": \"%s\", \"tx_submits\": %llu, \"tx_ring_frames\": %llu, "
			    "\"reloads\": %llu, \"reload_failures\": %llu, "
			    "\"ifaces\": [", ctlsock_client_count(lp->ctl), ctlsock_stream_count(lp->ctl),
			    loop_io_name(lp), (unsigned long long)lp->tx_submits,
			    (unsigned long long)lp->tx_ring_frames, (unsigned long long)lp->reloads,
			    (unsigned long long)lp->reload_failures);
	}
	for (unsigned i = 0; i < lp->n_ifaces; i++) {
		const struct loop_iface *li = &lp->ifaces[i];
		const uint64_t v[] = { li->rx_frames, li->rx_bytes, li->rx_nobuf, li->rx_toobig,
				       li->tx_frames, li->tx_bytes, li->tx_drop, li->tx_link_down,
				       li->tx_err };
		if (json) {
			sbuf_printf(out, "%s{\"name\": ", i ? ", " : "");
			loop_json_str(out, li->name);
			sbuf_printf(out, ", \"ifindex\": %u, \"state\": \"%s\", \"created\": %s, "
				    "\"netns\": ", li->ifindex, li->fd >= 0 ? "open" : "gone",
				    li->created ? "true" : "false");
			loop_json_str(out, li->netns);
			for (size_t k = 0; k < nkeys; k++)
				sbuf_printf(out, ", \"%s\": %llu", keys[k], (unsigned long long)v[k]);
			sbuf_printf(out, "}");
			continue;
		}
		sbuf_printf(out, "%s: ifindex %u, %s, %s, kernel side in %s%s\n", li->name,
			    li->ifindex, li->fd >= 0 ? "open" : "gone",
			    li->created ? "created" : "attached", li->netns ? "netns " : "our netns",
			    li->netns ? li->netns : "");
		for (size_t k = 0; k < nkeys; k++)
			sbuf_printf(out, "  %s %llu%s", keys[k], (unsigned long long)v[k],
				    (k == 3 || k + 1 == nkeys) ? "\n" : "");
	}
	if (json) {
		sbuf_printf(out, "]}\n");
		return;
	}
	if (lp->pcap_err)
		sbuf_printf(out, "pcap: %s (stopped after %llu frames: %s)\n", lp->pcap_path,
			    (unsigned long long)lp->pcap_frames, strerror(lp->pcap_err));
	else
		sbuf_printf(out, "pcap: %s\n", lp->pcap ? lp->pcap_path : "off");
	sbuf_printf(out, "control clients: %u\nstreaming commands: %u\nreloads: %llu (%llu refused)\n",
		    ctlsock_client_count(lp->ctl), ctlsock_stream_count(lp->ctl),
		    (unsigned long long)lp->reloads, (unsigned long long)lp->reload_failures);
	if (lp->uring)
		sbuf_printf(out, "writes: io_uring, %llu frames in %llu submissions (%.1f each); "
			    "single frames by write(2)\n", (unsigned long long)lp->tx_ring_frames,
			    (unsigned long long)lp->tx_submits,
			    lp->tx_submits ? (double)lp->tx_ring_frames / (double)lp->tx_submits : 0.0);
	else
		sbuf_printf(out, "writes: write(2) per frame\n");
}

_Static_assert(CTLSOCK_PENDING == STACK_CTL_PENDING, "the control socket passes the core's status");

/* The control-command hook: "daemon [--json]" is ours, everything else the core's (which may go
 * on as a streaming session). */
static int loop_ctl_run(void *ctx, const char *line, struct sbuf *out, uint64_t now_ms,
			unsigned *session)
{
	struct loop *lp = ctx;
	const char *s = line + strspn(line, " \t");
	size_t w = strcspn(s, " \t");

	if (w == 6 && strncmp(s, "daemon", 6) == 0) {
		const char *arg = s + w + strspn(s + w, " \t");
		size_t aw = strcspn(arg, " \t");
		bool json = aw == 6 && strncmp(arg, "--json", 6) == 0;

		if ((aw && !json) || arg[aw + strspn(arg + aw, " \t")] != '\0') {
			sbuf_printf(out, "usage: daemon [--json]\n");
			return 2;
		}
		loop_daemon_status(lp, json, out);
		return 0;
	}
	if (w == 6 && strncmp(s, "reload", 6) == 0) {
		if (s[w + strspn(s + w, " \t\r\n")] != '\0') {
			sbuf_printf(out, "usage: reload\n");
			return 2;
		}
		return loop_reload(lp, out);
	}
	if (w == 5 && strncmp(s, "stats", 5) == 0) {
		const char *arg = s + w + strspn(s + w, " \t");
		size_t aw = strcspn(arg, " \t\r\n");
		if (aw == 12 && strncmp(arg, "--prometheus", 12) == 0 &&
		    arg[aw + strspn(arg + aw, " \t\r\n")] == '\0') {
			prom_format(lp, out);
			return 0;
		}
	}
	return stack_ctl_start(lp->st, line, out, now_ms, session);
}

static int loop_ctl_poll(void *ctx, unsigned session, struct sbuf *out)
{
	struct loop *lp = ctx;

	return stack_ctl_poll(lp->st, session, out);
}

static void loop_ctl_cancel(void *ctx, unsigned session)
{
	struct loop *lp = ctx;

	stack_ctl_cancel(lp->st, session);
}

int loop_ctl_open(struct loop *lp, const char *path, char *err, size_t errlen)
{
	static const struct ctlsock_ops ops = {
		.run = loop_ctl_run,
		.poll = loop_ctl_poll,
		.cancel = loop_ctl_cancel,
	};

	lp->ctl = ctlsock_open(path, lp->epfd, LOOP_K_CTL, &ops, lp, err, errlen);
	return lp->ctl ? 0 : -1;
}

