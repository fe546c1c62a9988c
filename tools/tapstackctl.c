/* tools/tapstackctl.c — control client for tapstackd: sends one command line over the control
 * socket and prints the reply.
 *
 * Protocol: the client sends "COMMAND ARGS...\n"; the daemon answers with the text, one NUL
 * byte, the exit status in ASCII decimal, and closes. The text goes to stdout when the status is
 * 0 and to stderr otherwise; tapstackctl exits with that status.
 *
 * A streaming command (ping) has a reply that starts with one STX byte (0x02): its text goes to
 * stdout as it arrives, whatever the status. Interrupting tapstackctl closes the socket, which
 * makes the daemon cancel the command.
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "stack/stack.h"
#include "tools/util.h"

#define DEFAULT_CONTROL "/run/tapstack.sock"
#define LINE_MAX_BYTES  STACK_CTL_LINE_MAX   /* what the daemon takes, exactly */
#define REPLY_MAX_BYTES ((size_t)16 << 20)   /* a reply longer than this is not the daemon's */
#define STX             0x02

static void usage(FILE *f)
{
	fputs(
"Usage: tapstackctl [-c PATH] COMMAND [ARGS...]\n"
"Talks to a running tapstackd over its control socket.\n"
"\n"
"Options:\n"
"  -c, --control PATH   control socket (default: $TAPSTACK_CONTROL, else " DEFAULT_CONTROL ")\n"
"  -h, --help           show this help\n"
"      --version        show the version\n"
"\n"
"Commands:\n"
"  stats [--json|--prometheus]\n"
"                             protocol counters; --prometheus: the text exposition format\n"
"                             (HELP/TYPE lines, for node_exporter's textfile collector)\n"
"  stats -w SEC [-n COUNT]    the counters that moved, as per-second rates over SEC seconds,\n"
"                             redrawn every SEC until Ctrl-C (or COUNT screens)\n"
"  drops [--json]             what became of every frame read (answered, forwarded, delivered,\n"
"                             held, dropped), each drop reason and each error not sent\n"
"  reload                     re-read the daemon's configuration file (as SIGHUP does)\n"
"  neigh                      the neighbour cache (ARP and IPv6 Neighbor Discovery)\n"
"  addr                       interfaces and their addresses\n"
"  sysctl [KEY[=VALUE]]       show all knobs, one knob, or set one\n"
"  route [add SPEC|del PREFIX/LEN|cache]\n"
"                             show the routes (IPv4, then IPv6), add or delete one of\n"
"                             either family, or show the route caches\n"
"  ping [-DnOq] [-c N] [-s SIZE] [-t TTL] [-i SEC] [-M do|dont|want] [-W SEC] [-w SEC] ADDR\n"
"                             echo requests from the stack; lines print as replies arrive,\n"
"                             then a summary (Ctrl-C stops it)\n"
"  probe {-I NAME | -i INDEX | -a ADDR} [-L] [-c N] ADDR\n"
"                             RFC 8335 PROBE: is that interface (-L: of ADDR itself) or\n"
"                             ADDR's neighbour up? Prints the reply code and state/A/4/6\n"
"  udp bind [--rfc4884] [ADDR:]PORT\n"
"                             open a UDP socket in the stack (--rfc4884: its errors\n"
"                             report RFC 4884 extensions, shown by sockets)\n"
"  udp send [--from PORT | --keep] [--ttl N] [--df] [--connect] ADDR:PORT TEXT\n"
"                             send one datagram\n"
"  udp recv PORT              datagrams received on a bound port\n"
"  udp close PORT             close a bound port\n"
"  sockets                    the stack's UDP sockets\n"
"  daemon [--json]            the daemon's TAP devices and I/O counters\n"
"  help                       the daemon's own list of commands\n"
"\n"
"Exit status: the command's (0 ok, 1 failed, 2 usage error); 1 when the daemon cannot be\n"
"reached; 130 when interrupted.\n", f);
}

/* Parses the status digits after the NUL; -1 when they are not a status. */
static int parse_status(const char *s, size_t n)
{
	unsigned long v = 0;

	if (n == 0 || n > 3)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	return v > 255 ? -1 : (int)v;
}

/* SIGINT while streaming: die of it (the shell sees 130, and the daemon, seeing the socket close,
 * cancels the command). Installed explicitly because a command started in the background by a
 * script inherits SIGINT ignored; like iputils ping, we still stop on it. */
static void on_sigint(int sig)
{
	signal(sig, SIG_DFL);
	raise(sig);
}

/* A streaming reply, after its STX: `text` holds the first n bytes that came with it. Prints the
 * text before the NUL as it arrives, then returns the status (or a failure of our own). */
static int stream_reply(int fd, const char *path, const char *text, size_t n)
{
	char buf[16384], st[8];
	size_t stlen = 0;
	bool done = false; /* the NUL has arrived: only status digits follow */

	signal(SIGINT, on_sigint);
	for (;;) {
		if (!done) {
			const char *nul = memchr(text, '\0', n);
			size_t k = nul ? (size_t)(nul - text) : n;

			if (!write_all(STDOUT_FILENO, text, k))
				return fail(1, "writing output: %s", strerror(errno));
			if (nul) {
				done = true;
				text += k + 1;
				n -= k + 1;
			}
		}
		if (done) {
			if (n > sizeof(st) - stlen)
				return fail(1, "bad status in the daemon's reply");
			memcpy(st + stlen, text, n);
			stlen += n;
		}
		ssize_t r = read(fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR) {
			n = 0;
			continue;
		}
		if (r < 0) {
			if (errno == ECONNRESET && done)
				break;
			return fail(1, "reading from %s: %s", path, strerror(errno));
		}
		if (r == 0)
			break;
		text = buf;
		n = (size_t)r;
	}
	close(fd);
	if (!done)
		return fail(1, "the daemon closed the connection without a complete reply");
	int status = parse_status(st, stlen);
	if (status < 0)
		return fail(1, "bad status \"%.*s\" in the daemon's reply", (int)stlen, st);
	return status;
}

/* One non-streaming request: connects, sends line (ending in '\n'), reads the whole reply into
 * *reply (NUL-terminated text, status after it). The command's status, or -1 with a message
 * printed. */
static int request(const char *path, const char *line, char **reply)
{
	struct sockaddr_un sa;
	size_t cap = 0, used = 0;
	char *buf = NULL, *nul;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(-1, "control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(-1, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || !send_all(fd, line, strlen(line))) {
		int e = errno;
		close(fd);
		return fail(-1, "cannot talk to %s: %s", path, strerror(e));
	}
	shutdown(fd, SHUT_WR);
	for (;;) {
		if (cap - used < 4096) {
			char *r = realloc(buf, cap ? cap * 2 : 16384);
			if (!r) {
				close(fd);
				free(buf);
				return fail(-1, "out of memory");
			}
			buf = r;
			cap = cap ? cap * 2 : 16384;
		}
		ssize_t n = read(fd, buf + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	buf[used] = '\0';
	nul = used ? memrchr(buf, '\0', used) : NULL;
	if (!nul) {
		free(buf);
		return fail(-1, "the daemon closed the connection without a complete reply");
	}
	*reply = buf;
	return parse_status(nul + 1, strlen(nul + 1));
}

struct ctr { char name[48]; unsigned long long v; };

/* Parses `stats` text (NAME VALUE lines) into a new array; its length, or -1. */
static int parse_counters(const char *text, struct ctr **out)
{
	int n = 0, cap = 0;
	struct ctr *a = NULL;

	for (const char *l = text; *l; l += strcspn(l, "\n") + (l[strcspn(l, "\n")] == '\n')) {
		struct ctr c;
		if (sscanf(l, "%47s %llu", c.name, &c.v) != 2)
			continue;
		if (n == cap) {
			struct ctr *r = realloc(a, (size_t)(cap = cap ? cap * 2 : 128) * sizeof(*a));
			if (!r) {
				free(a);
				return -1;
			}
			a = r;
		}
		a[n++] = c;
	}
	*out = a;
	return n;
}

static int fetch_counters(const char *path, struct ctr **out)
{
	char *reply = NULL;
	int st = request(path, "stats\n", &reply), n;

	if (st != 0 || !reply) {
		if (st > 0 && reply)
			fprintf(stderr, "%s", reply);
		free(reply);
		return -1;
	}
	n = parse_counters(reply, out);
	free(reply);
	if (n < 0)
		fail(1, "out of memory");
	return n;
}

static double mono_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* stats -w SEC [-n COUNT]: like `nstat -d SEC`, the counters that moved as per-second rates over
 * each interval (measured, not assumed), redrawn in place on a terminal. */
static int stats_watch(const char *path, int argc, char **argv)
{
	double sec = 0, t0, t1;
	long count = -1;
	struct ctr *prev = NULL, *cur = NULL;
	int np, nc;
	bool tty = isatty(STDOUT_FILENO);

	for (int i = 1; i < argc; i++) {
		char *end;
		if (strcmp(argv[i], "-w") == 0 && i + 1 < argc) {
			sec = strtod(argv[++i], &end);
			if (*end || !(sec >= 0.1 && sec <= 3600))
				return fail(2, "stats -w: SEC must be a number of seconds, 0.1..3600 (got \"%s\")", argv[i]);
		} else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
			count = strtol(argv[++i], &end, 10);
			if (*end || count < 1)
				return fail(2, "stats -n: COUNT must be a positive integer (got \"%s\")", argv[i]);
		} else {
			return fail(2, "usage: stats -w SEC [-n COUNT]");
		}
	}
	if (sec == 0)
		return fail(2, "usage: stats -w SEC [-n COUNT]");
	np = fetch_counters(path, &prev);
	if (np < 0)
		return 1;
	t0 = mono_s();
	if (tty)
		printf("\033[H\033[2J");
	printf("tapstackctl stats -w %g: measuring the first %g s... (Ctrl-C stops)\n", sec, sec);
	fflush(stdout);
	for (long screen = 0; count < 0 || screen < count; screen++) {
		struct timespec d = { (time_t)sec, (long)((sec - (double)(time_t)sec) * 1e9) };
		while (nanosleep(&d, &d) < 0 && errno == EINTR)
			;
		nc = fetch_counters(path, &cur);
		t1 = mono_s();
		if (nc < 0) {
			free(prev);
			return 1;
		}
		time_t now = time(NULL);
		char hms[16];
		strftime(hms, sizeof(hms), "%H:%M:%S", localtime(&now));
		if (tty)
			printf("\033[H\033[2J");
		printf("tapstackctl stats -w %g   %s   rates per second over %.2f s (Ctrl-C stops)\n",
		       sec, hms, t1 - t0);
		printf("%-28s %14s %14s\n", "#counter", "rate/s", "total");
		int moved = 0;
		for (int i = 0; i < nc; i++) {
			unsigned long long before = 0;
			for (int j = 0; j < np; j++)
				if (strcmp(prev[(i + j) % np].name, cur[i].name) == 0) {
					before = prev[(i + j) % np].v;
					break;
				}
			if (cur[i].v == before)
				continue;
			printf("%-28s %14.1f %14llu\n", cur[i].name,
			       (double)(cur[i].v - before) / (t1 - t0), cur[i].v);
			moved++;
		}
		if (!moved)
			printf("(no counter moved)\n");
		fflush(stdout);
		free(prev);
		prev = cur;
		np = nc;
		cur = NULL;
		t0 = t1;
	}
	free(prev);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "control", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("TAPSTACK_CONTROL");
	char line[LINE_MAX_BYTES + 2];
	size_t len = 0, cap = 0, used = 0;
	char *reply = NULL, *nul;
	struct sockaddr_un sa;
	unsigned long status;
	int c, fd, send_errno;

	prog_name_set("tapstackctl");

	if (!path || !*path)
		path = DEFAULT_CONTROL;
	opterr = 0;
	/* '+': stop at the command, so its own options (stats --json) reach the daemon. */
	while ((c = getopt_long(argc, argv, "+:c:h", longopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			path = optarg;
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			puts("tapstackctl 0.1.0");
			return 0;
		case ':':
			return fail(2, "option \"%s\" needs an argument (see --help)", argv[optind - 1]);
		default:
			if (optopt && optopt < 0x100)
				return fail(2, "unknown option \"-%c\" (see --help)", optopt);
			return fail(2, "unknown option \"%s\" (see --help)", argv[optind - 1]);
		}
	}
	if (optind >= argc)
		return fail(2, "no command (see --help)");
	if (strcmp(argv[optind], "stats") == 0 && optind + 1 < argc &&
	    (strcmp(argv[optind + 1], "-w") == 0 || strcmp(argv[optind + 1], "-n") == 0))
		return stats_watch(path, argc - optind, argv + optind);

	for (int i = optind; i < argc; i++) {
		size_t n = strlen(argv[i]);
		if (strpbrk(argv[i], "\n\r"))
			return fail(2, "argument %d contains a line break", i - optind + 1);
		if (len + n + 1 > LINE_MAX_BYTES)
			return fail(2, "command line too long (at most %d bytes)", LINE_MAX_BYTES);
		if (len)
			line[len++] = ' ';
		memcpy(line + len, argv[i], n);
		len += n;
	}
	line[len++] = '\n';

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return fail(1, "control socket path too long: %s", path);
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return fail(1, "socket: %s", strerror(errno));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		int e = errno;
		return fail(1, "cannot connect to %s: %s%s", path, strerror(e),
			    (e == ENOENT || e == ECONNREFUSED) ? " (is tapstackd running?)" :
			    (e == EACCES || e == EPERM) ? " (run as root?)" : "");
	}
	/* A daemon that refuses us (too many clients) answers and closes before reading: a failed
	 * send is only an error when no complete reply follows. */
	send_errno = send_all(fd, line, len) ? 0 : errno;
	shutdown(fd, SHUT_WR);

	for (;;) {
		ssize_t n;
		if (cap - used < 4096) {
			size_t ncap = cap ? cap * 2 : 16384;
			if (ncap > REPLY_MAX_BYTES + 4096)
				return fail(1, "the reply from %s is longer than %zu bytes: not a daemon's",
					    path, REPLY_MAX_BYTES);
			char *r = realloc(reply, ncap);
			if (!r)
				return fail(1, "out of memory");
			reply = r;
			cap = ncap;
		}
		n = read(fd, reply + used, cap - used - 1);
		if (n < 0 && errno == EINTR)
			continue;
		if (n > 0 && used == 0 && reply[0] == STX) {
			/* Streaming: print as it comes, whatever the status. */
			int rc = stream_reply(fd, path, reply + 1, (size_t)n - 1);
			free(reply);
			return rc;
		}
		if (n < 0) {
			/* A reset after the complete reply is the daemon closing with our input unread. */
			if (errno == ECONNRESET && memchr(reply, '\0', used))
				break;
			if (send_errno)
				return fail(1, "sending to %s: %s", path, strerror(send_errno));
			return fail(1, "reading from %s: %s", path, strerror(errno));
		}
		if (n == 0)
			break;
		used += (size_t)n;
	}
	close(fd);
	reply[used] = '\0';
	nul = used ? memrchr(reply, '\0', used) : NULL;
	if (!nul && send_errno)
		return fail(1, "sending to %s: %s", path, strerror(send_errno));
	if (!nul)
		return fail(1, "the daemon closed the connection without a complete reply");
	{
		char *end;
		errno = 0;
		status = strtoul(nul + 1, &end, 10);
		if (end == nul + 1 || *end != '\0' || errno || status > 255)
			return fail(1, "bad status \"%s\" in the daemon's reply", nul + 1);
	}
	fwrite(reply, 1, (size_t)(nul - reply), status == 0 ? stdout : stderr);
	if (fflush(stdout) != 0)
		return fail(1, "writing output: %s", strerror(errno));
	free(reply);
	return (int)status;
}
