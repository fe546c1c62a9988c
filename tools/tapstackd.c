/* tools/tapstackd.c — the tapstack daemon: parses its options fully, builds the core, opens and
 * configures the TAP devices, then runs the event loop (tap/loop.c) until SIGINT or SIGTERM.
 *
 * Exit status: 0 after a signal, 1 on a runtime failure (no /dev/net/tun, no permission,
 * namespace not found, control socket in use), 2 on a usage error (one line naming the bad part).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <grp.h>
#include <limits.h>
#include <net/if.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/un.h>
#include <systemd/sd-daemon.h>
#include <time.h>
#include <unistd.h>

#include "stack/knobs.h"
#include "stack/stack.h"
#include "tap/conf.h"
#include "tap/ctlsock.h"
#include "tap/loop.h"
#include "tap/metrics.h"
#include "tap/netcfg.h"
#include "tap/pcapw.h"
#include "tap/priv.h"
#include "tap/tap.h"
#include "tools/util.h"

#define TAPSTACKD_VERSION   "0.1.0"
#define DEFAULT_IFACE       "tap0,192.0.2.2/24,2001:db8:1::2/64,host=192.0.2.1/24,host=2001:db8:1::1/64"
#define DEFAULT_CONTROL     "/run/tapstack.sock"
#define DEFAULT_MTU         1500u
#define SPEC_MAX            1024
#define MAX_KNOB_SETS       64

struct iface_spec {
	const char *spec;                   /* the --iface argument as given, for messages */
	char buf[SPEC_MAX];                 /* a copy cut at the commas; the fields point into it */
	const char *name;
	unsigned naddr;
	uint32_t addr[STACK_MAX_ADDRS];     /* host order */
	unsigned plen[STACK_MAX_ADDRS];
	const char *addr_text[STACK_MAX_ADDRS];
	unsigned naddr6;                    /* IPv6 prefixes of the list (network order) */
	uint8_t addr6[STACK_MAX_ADDRS][16];
	unsigned plen6[STACK_MAX_ADDRS];
	const char *addr6_text[STACK_MAX_ADDRS];
	bool has_host;
	uint32_t host;
	unsigned host_plen;
	bool has_host6;                     /* host= once per family */
	uint8_t host6[16];
	unsigned host6_plen;
	const char *netns;                  /* NULL: kernel side stays in our namespace */
	bool has_mtu;
	unsigned mtu;
	bool has_mac;
	uint8_t mac[6];
	bool ra;                            /* send Router Advertisements (ICMP6-SPEC V6.16) */
	int netns_fd;
	unsigned ifindex;                   /* the stack's, from stack_iface_add */
	const char *origin;                 /* "FILE:LINE" of its config line; NULL: command line */
	bool is_default;                    /* DEFAULT_IFACE: its IPv6 host= is skipped, with a note,
	                                     * where the kernel has IPv6 disabled */
};

struct knob_arg {
	const char *opt;                    /* "--set" or "--forward", for messages */
	const char *arg;                    /* KEY=VALUE */
	const char *origin;
};

struct options {
	struct iface_spec ifs[STACK_MAX_IFACES];
	unsigned nifs;
	struct knob_arg knobs[MAX_KNOB_SETS];
	unsigned nknobs;
	const char *routes[64];
	const char *route_origin[64];
	unsigned nroutes;
	const char *services[4];
	const char *service_origin[4];
	unsigned nservices;
	const char *control;
	const char *pcap;
	struct pcapw_opts pcap_opts;
	struct priv_opts priv;
	const char *config;                 /* -f FILE */
	const char *metrics;                /* --metrics ADDR:PORT */
	bool verbose;
	enum loop_io io;
};

static struct options opt; /* large; only main's */

/* Errors in what a configuration file said name its line (die_origin); while a reload parses,
 * they come back to it (die_jmp) instead of ending the daemon: die() in tools/util.c. */

static void logv(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void logv(const char *fmt, ...)
{
	va_list ap;

	if (!opt.verbose)
		return;
	va_start(ap, fmt);
	vnote(fmt, ap);
	va_end(ap);
}

static void usage(FILE *f)
{
	fprintf(f,
"Usage: tapstackd [OPTION...]\n"
"A userspace dual-stack host and router (ARP, IPv4, ICMP; IPv6, ICMPv6, Neighbor Discovery,\n"
"MLD; forwarding) serving Linux TAP devices.\n"
"\n"
"  -i, --iface NAME,ADDR/LEN[,ADDR/LEN...][,host=ADDR/LEN][,netns=NS][,mtu=N][,mac=MAC][,ra]\n"
"                        a TAP interface (repeatable, at most %d). NAME is created, or an\n"
"                        existing persistent TAP is attached. ADDR/LEN are the stack's\n"
"                        addresses, IPv4 (192.0.2.2/24) or IPv6 (2001:db8:1::2/64), at least\n"
"                        one, at most %d of each family; every interface also gets an IPv6\n"
"                        link-local address from its MAC (an IPv6 address needs mtu >= 1280).\n"
"                        host= gives the kernel side an address, at most once per family\n"
"                        (IPv6 without DAD); netns= first moves the kernel side into the named\n"
"                        namespace (/run/netns/NS); mtu= sets both sides' MTU (68..65535,\n"
"                        default %u); mac= the stack's MAC (default: 02:xx:xx:xx:xx:xx derived\n"
"                        from NAME); ra: send Router Advertisements there while IPv6\n"
"                        forwarding is on (one prefix per IPv6 /64; tapstackctl ra). Without -i:\n"
"                        %s\n"
"  -s, --set KEY=VALUE   set a knob at start (repeatable; knobs listed below)\n"
"  -F, --forward         route between interfaces, both families (--set ip_forward=1\n"
"                        and --set net.ipv6.conf.all.forwarding=1)\n"
"  -r, --route SPEC      a static route (repeatable): PREFIX/LEN,via=GW | default,via=GW |\n"
"                        PREFIX/LEN,prohibit | PREFIX/LEN,blackhole, IPv4 or IPv6\n"
"                        (2001:db8:2::/64,via=2001:db8:1::1; default,via=fe80::1)\n"
"  -S, --service NAME    start a built-in UDP service: echo (port 7) or discard (port 9)\n"
"  -w, --pcap FILE       write every frame in and out to FILE (pcap, readable while running);\n"
"                        FILE must not exist (never a symbolic link); it is created mode 0600\n"
"      --pcap-overwrite  FILE may exist if it is a regular file of ours (truncated)\n"
"      --pcap-group GROUP  create FILE mode 0640, readable by GROUP\n"
"  -c, --control PATH    control socket for tapstackctl (default %s)\n"
"  -u, --user USER       after set-up, run as USER (name or number); in any case only\n"
"                        CAP_NET_ADMIN is kept, no_new_privs is set and a seccomp allowlist\n"
"                        of system calls is installed\n"
"      --no-seccomp      leave out the seccomp allowlist (debugging)\n"
"  -f, --config FILE     read options from FILE: one per line, the long option's name then\n"
"                        its argument (\"iface tap0,192.0.2.2/24\", \"forward\"); the command\n"
"                        line overrides it. SIGHUP or `tapstackctl reload` re-reads it\n"
"      --metrics ADDR:PORT  serve the counters for Prometheus at http://ADDR:PORT/metrics\n"
"      --io MODE         how frames are written: auto (io_uring, else write(2); default),\n"
"                        uring (io_uring or exit), syscall (write(2) per frame)\n"
"  -v, --verbose         log interface setup and shutdown to stderr\n"
"  -h, --help            show this help\n"
"      --version         show the version\n"
"\n"
"Knobs (--set, and `tapstackctl sysctl KEY=VALUE` while running):\n",
		STACK_MAX_IFACES, STACK_MAX_ADDRS, DEFAULT_MTU, DEFAULT_IFACE, DEFAULT_CONTROL);
	struct sbuf sb = { 0 };
	stack_knobs_describe(&sb);
	fputs(sbuf_str(&sb), f);
	if (sb.len && sb.s[sb.len - 1] != '\n')
		fputc('\n', f);
	sbuf_free(&sb);
}

/* --- parsing ------------------------------------------------------------------------------ */

/* s with control bytes shown as \xNN, cut to fit a static buffer: for messages about arguments
 * (a terminal escape in an argument must not reach the operator's terminal raw). */
static const char *shown(const char *s)
{
	static char buf[600];
	size_t n = 0;

	for (const unsigned char *c = (const unsigned char *)s; *c && n + 5 < sizeof(buf); c++) {
		if (*c < 0x20 || *c == 0x7f)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "\\x%02x", *c);
		else
			buf[n++] = (char)*c;
	}
	buf[n] = '\0';
	return buf;
}

static bool has_control(const char *s)
{
	for (const unsigned char *c = (const unsigned char *)s; *c; c++)
		if (*c < 0x20 || *c == 0x7f)
			return true;
	return false;
}

static bool parse_uint(const char *s, unsigned long max, unsigned long *out)
{
	unsigned long v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (unsigned long)(*s - '0');
		if (v > max)
			return false;
	}
	*out = v;
	return true;
}

/* "A.B.C.D/LEN" for an address of ours or of the kernel side; dies with a usage error. */
static void parse_prefix(const struct iface_spec *is, char *tok, uint32_t *addr, unsigned *plen)
{
	char *slash = strchr(tok, '/');
	struct in_addr in;
	unsigned long len;
	uint32_t a, mask;

	if (!slash) {
		if (inet_pton(AF_INET, tok, &in) == 1)
			die(2, "--iface: address \"%s\" needs a prefix length (ADDR/LEN) in \"%s\"", tok,
			    is->spec);
		die(2, "--iface: bad address \"%s\" in \"%s\"", tok, is->spec);
	}
	*slash = '\0';
	if (inet_pton(AF_INET, tok, &in) != 1)
		die(2, "--iface: bad address \"%s\" in \"%s\"", tok, is->spec);
	if (!parse_uint(slash + 1, 99, &len) || len < 1 || len > 32)
		die(2, "--iface: bad prefix length \"%s\" in \"%s\"", slash + 1, is->spec);
	a = ntohl(in.s_addr);
	mask = len == 32 ? 0xffffffffu : ~(0xffffffffu >> len);
	if (a == 0 || (a >> 24) == 127 || (a >> 28) >= 14)
		die(2, "--iface: bad address \"%s\" (not a unicast host address) in \"%s\"", tok,
		    is->spec);
	if (len <= 30 && ((a & ~mask) == 0 || (a & ~mask) == ~mask))
		die(2, "--iface: bad address \"%s/%lu\" (the %s address of its prefix) in \"%s\"", tok,
		    len, (a & ~mask) == 0 ? "network" : "broadcast", is->spec);
	*slash = '/';
	*addr = a;
	*plen = (unsigned)len;
}

/* "2001:db8:1::2/64" for an address of ours or of the kernel side: a unicast address (not ::,
 * ::1 or multicast) with a prefix length of 1..128; dies with a usage error. */
static void parse_prefix6(const struct iface_spec *is, char *tok, uint8_t addr[16], unsigned *plen)
{
	char *slash = strchr(tok, '/');
	unsigned long len;
	struct in6_addr in6;
	static const uint8_t loop[16] = { [15] = 1 };

	if (!slash) {
		if (inet_pton(AF_INET6, tok, &in6) == 1)
			die(2, "--iface: address \"%s\" needs a prefix length (ADDR/LEN) in \"%s\"", tok,
			    is->spec);
		die(2, "--iface: bad address \"%s\" in \"%s\"", tok, is->spec);
	}
	*slash = '\0';
	if (inet_pton(AF_INET6, tok, &in6) != 1)
		die(2, "--iface: bad address \"%s\" in \"%s\"", tok, is->spec);
	if (!parse_uint(slash + 1, 999, &len) || len < 1 || len > 128)
		die(2, "--iface: bad prefix length \"%s\" (1..128) in \"%s\"", slash + 1, is->spec);
	memcpy(addr, in6.s6_addr, 16);
	if (addr[0] == 0xff || memcmp(addr, in6addr_any.s6_addr, 16) == 0 || memcmp(addr, loop, 16) == 0)
		die(2, "--iface: bad address \"%s\" (not a unicast host address) in \"%s\"", tok,
		    is->spec);
	*slash = '/';
	*plen = (unsigned)len;
}

static void parse_mac(const struct iface_spec *is, const char *s, uint8_t mac[6])
{
	if (strlen(s) != 17)
		die(2, "--iface: bad MAC \"%s\" (want xx:xx:xx:xx:xx:xx) in \"%s\"", s, is->spec);
	for (int i = 0; i < 17; i++)
		if (i % 3 == 2 ? s[i] != ':' : !strchr("0123456789abcdefABCDEF", s[i]))
			die(2, "--iface: bad MAC \"%s\" (want xx:xx:xx:xx:xx:xx) in \"%s\"", s, is->spec);
	for (size_t i = 0; i < 6; i++)
		mac[i] = (uint8_t)strtoul((char[3]){ s[3 * i], s[3 * i + 1], '\0' }, NULL, 16);
	if (mac[0] & 1)
		die(2, "--iface: bad MAC \"%s\" (multicast) in \"%s\"", s, is->spec);
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5]))
		die(2, "--iface: bad MAC \"%s\" (all zero) in \"%s\"", s, is->spec);
}

/* A stable locally administered unicast MAC from FNV-1a of the name: restarts keep it. FNV-1a
 * alone leaves the middle bytes equal for names that differ only in the last character
 * (tap0, tap1), so a 64-bit finalizer (MurmurHash3's fmix64) spreads the difference. */
static void mac_from_name(const char *name, uint8_t mac[6])
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (const unsigned char *c = (const unsigned char *)name; *c; c++) {
		h ^= *c;
		h *= 0x100000001b3ull;
	}
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdull;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ull;
	h ^= h >> 33;
	mac[0] = 0x02;
	for (int i = 1; i < 6; i++)
		mac[i] = (uint8_t)(h >> (8 * (i - 1)));
}

static void parse_iface(const char *arg)
{
	struct iface_spec *is;
	bool seen_netns = false, seen_mtu = false, seen_mac = false, seen_host = false, seen_host6 = false;
	char *save = NULL, *tok;

	if (opt.nifs >= STACK_MAX_IFACES)
		die(2, "--iface: too many interfaces (at most %d)", STACK_MAX_IFACES);
	is = &opt.ifs[opt.nifs];
	memset(is, 0, sizeof(*is));
	is->spec = arg;
	is->origin = die_origin;
	is->netns_fd = -1;
	is->mtu = DEFAULT_MTU;
	if (strlen(arg) >= sizeof(is->buf))
		die(2, "--iface: too long: \"%.40s...\"", arg);
	if (arg[0] == '\0')
		die(2, "--iface: empty interface spec");
	if (has_control(arg))
		die(2, "--iface: control byte in \"%s\"", shown(arg));
	memcpy(is->buf, arg, strlen(arg) + 1);
	for (const char *c = arg; *c; c++)
		if (*c == ',' && (c == arg || c[1] == ',' || c[1] == '\0'))
			die(2, "--iface: empty field in \"%s\"", arg);

	tok = strtok_r(is->buf, ",", &save);
	if (!tap_name_valid(tok))
		die(2, "--iface: bad interface name \"%s\" (1..%d characters, none of / : %% , = "
		    "or space) in \"%s\"", tok, IFNAMSIZ - 1, arg);
	is->name = tok;
	for (unsigned i = 0; i < opt.nifs; i++)
		if (strcmp(opt.ifs[i].name, tok) == 0)
			die(2, "--iface: duplicate interface \"%s\"", tok);

	while ((tok = strtok_r(NULL, ",", &save)) != NULL) {
		char *eq = strchr(tok, '=');
		if (strcmp(tok, "ra") == 0) {
			if (is->ra)
				die(2, "--iface: duplicate key \"ra\" in \"%s\"", arg);
			is->ra = true;
			continue;
		}
		if (!eq && strchr(tok, ':')) {
			if (is->naddr6 >= STACK_MAX_ADDRS)
				die(2, "--iface: too many IPv6 addresses (at most %d) in \"%s\"",
				    STACK_MAX_ADDRS, arg);
			is->addr6_text[is->naddr6] = tok;
			parse_prefix6(is, tok, is->addr6[is->naddr6], &is->plen6[is->naddr6]);
			is->naddr6++;
			continue;
		}
		if (!eq) {
			if (is->naddr >= STACK_MAX_ADDRS)
				die(2, "--iface: too many addresses (at most %d) in \"%s\"",
				    STACK_MAX_ADDRS, arg);
			is->addr_text[is->naddr] = tok;
			parse_prefix(is, tok, &is->addr[is->naddr], &is->plen[is->naddr]);
			is->naddr++;
			continue;
		}
		*eq = '\0';
		const char *key = tok, *val = eq + 1;
		bool v6 = strchr(val, ':') != NULL;
		bool *seen = strcmp(key, "host") == 0 ? (v6 ? &seen_host6 : &seen_host) :
			     strcmp(key, "netns") == 0 ? &seen_netns :
			     strcmp(key, "mtu") == 0 ? &seen_mtu :
			     strcmp(key, "mac") == 0 ? &seen_mac : NULL;
		if (!seen)
			die(2, "--iface: unknown key \"%s\" (want host, netns, mtu or mac) in \"%s\"", key,
			    arg);
		if (*seen && (seen == &seen_host || seen == &seen_host6))
			die(2, "--iface: duplicate key \"host\" (at most one %s address) in \"%s\"",
			    v6 ? "IPv6" : "IPv4", arg);
		if (*seen)
			die(2, "--iface: duplicate key \"%s\" in \"%s\"", key, arg);
		*seen = true;
		if (*val == '\0')
			die(2, "--iface: empty value for \"%s\" in \"%s\"", key, arg);
		if (seen == &seen_host) {
			parse_prefix(is, eq + 1, &is->host, &is->host_plen);
			is->has_host = true;
		} else if (seen == &seen_host6) {
			parse_prefix6(is, eq + 1, is->host6, &is->host6_plen);
			is->has_host6 = true;
		} else if (seen == &seen_netns) {
			if (!netcfg_netns_name_valid(val))
				die(2, "--iface: bad netns name \"%s\" in \"%s\"", val, arg);
			is->netns = val;
		} else if (seen == &seen_mtu) {
			unsigned long m;
			if (!parse_uint(val, 999999, &m) || m < 68 || m > 65535)
				die(2, "--iface: bad MTU \"%s\" (68..65535) in \"%s\"", val, arg);
			is->mtu = (unsigned)m;
			is->has_mtu = true;
		} else {
			parse_mac(is, val, is->mac);
			is->has_mac = true;
		}
	}
	if (is->naddr == 0 && is->naddr6 == 0)
		die(2, "--iface: no stack address (want NAME,ADDR/LEN) in \"%s\"", arg);
	if (is->has_host)
		for (unsigned i = 0; i < is->naddr; i++)
			if (is->addr[i] == is->host)
				die(2, "--iface: host address \"%s\" is also a stack address in \"%s\"",
				    is->addr_text[i], arg);
	if (is->has_host6)
		for (unsigned i = 0; i < is->naddr6; i++)
			if (memcmp(is->addr6[i], is->host6, 16) == 0)
				die(2, "--iface: host address \"%s\" is also a stack address in \"%s\"",
				    is->addr6_text[i], arg);
	if ((is->naddr6 || is->has_host6) && is->mtu < 1280)
		die(2, "--iface: an IPv6 address needs mtu >= 1280 (RFC 8200), mtu is %u in \"%s\"",
		    is->mtu, arg);
	if (!is->has_mac)
		mac_from_name(is->name, is->mac);
	opt.nifs++;
}

enum { OPT_VERSION = 0x100, OPT_IO, OPT_METRICS, OPT_PCAP_OVERWRITE, OPT_PCAP_GROUP, OPT_NO_SECCOMP };
#define OPTSTRING ":i:s:FS:r:w:c:f:u:vh"
static const struct option longopts[] = {
		{ "iface", required_argument, NULL, 'i' },
		{ "set", required_argument, NULL, 's' },
		{ "forward", no_argument, NULL, 'F' },
		{ "service", required_argument, NULL, 'S' },
		{ "route", required_argument, NULL, 'r' },
		{ "pcap", required_argument, NULL, 'w' },
		{ "control", required_argument, NULL, 'c' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ "io", required_argument, NULL, OPT_IO },
		{ "pcap-overwrite", no_argument, NULL, OPT_PCAP_OVERWRITE },
		{ "user", required_argument, NULL, 'u' },
		{ "no-seccomp", no_argument, NULL, OPT_NO_SECCOMP },
		{ "pcap-group", required_argument, NULL, OPT_PCAP_GROUP },
		{ "config", required_argument, NULL, 'f' },
		{ "metrics", required_argument, NULL, OPT_METRICS },
		{ NULL, 0, NULL, 0 },
};
/* Long options that are not configuration-file directives. */
#define CONF_REFUSED "config,help,version"
/* Options whose file lines stay when the command line gives them too (applied first). */
#define CONF_ACCUMULATE "set,forward"

/* Parses argv into opt; args (NULL: argv is the command line alone) says which words came from
 * the configuration file, so errors about them name their line. */
static void parse_args(int argc, char **argv, const struct conf_argv *args)
{
	int c, before = 0;

	opt.control = DEFAULT_CONTROL;
	opt.priv.seccomp = true;
	opterr = 0;
	optind = 0;
	while ((c = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1) {
		/* A file's directive is one whole word; a word ended by this option was argv[optind-1]. */
		die_origin = args && optind != before ? conf_origin(args, optind - 1) : NULL;
		before = optind;
		switch (c) {
		case 'u': {
			char e[160];
			if (priv_user_lookup(optarg, &opt.priv, e, sizeof(e)) < 0)
				die(2, "%s", shown(e));
			break;
		}
		case OPT_NO_SECCOMP:
			opt.priv.seccomp = false;
			break;
		case 'i':
			parse_iface(optarg);
			break;
		case 's':
		case 'F':
			if (opt.nknobs + (c == 'F') >= MAX_KNOB_SETS)
				die(2, "--set: too many (at most %d)", MAX_KNOB_SETS);
			if (c == 's' && has_control(optarg))
				die(2, "--set: control byte in \"%s\"", shown(optarg));
			if (c == 's' && (!strchr(optarg, '=') || optarg[0] == '='))
				die(2, "--set: want KEY=VALUE, got \"%s\"", shown(optarg));
			opt.knobs[opt.nknobs].opt = c == 's' ? "--set" : "--forward";
			opt.knobs[opt.nknobs].arg = c == 's' ? optarg : "ip_forward=1";
			opt.knobs[opt.nknobs].origin = die_origin;
			opt.nknobs++;
			if (c == 'F') { /* both families (issue 15) */
				if (opt.nknobs >= MAX_KNOB_SETS)
					die(2, "--forward: too many knob settings (at most %d)", MAX_KNOB_SETS);
				opt.knobs[opt.nknobs].opt = "--forward";
				opt.knobs[opt.nknobs].arg = "net.ipv6.conf.all.forwarding=1";
				opt.knobs[opt.nknobs].origin = die_origin;
				opt.nknobs++;
			}
			break;
		case 'r':
			if (opt.nroutes >= sizeof(opt.routes) / sizeof(opt.routes[0]))
				die(2, "--route: too many");
			if (has_control(optarg))
				die(2, "--route: control byte in \"%s\"", shown(optarg));
			opt.route_origin[opt.nroutes] = die_origin;
			opt.routes[opt.nroutes++] = optarg;
			break;
		case 'S':
			if (strcmp(optarg, "echo") != 0 && strcmp(optarg, "discard") != 0)
				die(2, "--service: unknown service \"%s\" (echo, discard)", shown(optarg));
			if (opt.nservices >= sizeof(opt.services) / sizeof(opt.services[0]))
				die(2, "--service: too many");
			opt.service_origin[opt.nservices] = die_origin;
			opt.services[opt.nservices++] = optarg;
			break;
		case 'w':
			if (!*optarg)
				die(2, "--pcap: empty file name");
			if (has_control(optarg))
				die(2, "--pcap: control byte in \"%s\"", shown(optarg));
			opt.pcap = optarg;
			break;
		case OPT_PCAP_OVERWRITE:
			opt.pcap_opts.overwrite = true;
			break;
		case OPT_PCAP_GROUP: {
			struct group *gr = *optarg ? getgrnam(optarg) : NULL;
			unsigned long gid;
			if (!gr && !parse_uint(optarg, 0x7fffffff, &gid))
				die(2, "--pcap-group: no group \"%s\"", shown(optarg));
			opt.pcap_opts.has_group = true;
			opt.pcap_opts.gid = gr ? gr->gr_gid : (gid_t)gid;
			break;
		}
		case 'c':
			if (!*optarg)
				die(2, "--control: empty path");
			if (has_control(optarg))
				die(2, "--control: control byte in \"%s\"", shown(optarg));
			opt.control = optarg;
			break;
		case 'f':
			opt.config = optarg; /* read before this parse (main) */
			break;
		case OPT_METRICS: {
			char err[256];
			if (metrics_parse(optarg, err, sizeof(err)) < 0)
				die(2, "%s", err);
			opt.metrics = optarg;
			break;
		}
		case 'v':
			opt.verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case OPT_VERSION:
			printf("tapstackd %s\n", TAPSTACKD_VERSION);
			exit(0);
		case OPT_IO:
			if (strcmp(optarg, "auto") == 0)
				opt.io = LOOP_IO_AUTO;
			else if (strcmp(optarg, "uring") == 0)
				opt.io = LOOP_IO_URING;
			else if (strcmp(optarg, "syscall") == 0)
				opt.io = LOOP_IO_SYSCALL;
			else
				die(2, "--io: bad mode \"%s\" (auto, uring or syscall)", shown(optarg));
			break;
		case ':':
			die(2, "option \"%s\" needs an argument (see --help)", shown(argv[optind - 1]));
		default:
			if (optopt && optopt < 0x100)
				die(2, "unknown option \"-%c\" (see --help)", optopt);
			die(2, "unknown option \"%s\" (see --help)", shown(argv[optind - 1]));
		}
	}
	die_origin = NULL;
	if (optind < argc)
		die(2, "unexpected argument \"%s\" (see --help)", shown(argv[optind]));
	if (!opt.pcap && (opt.pcap_opts.overwrite || opt.pcap_opts.has_group))
		die(2, "--pcap-overwrite and --pcap-group go with --pcap FILE");
	if (opt.nifs == 0) {
		parse_iface(DEFAULT_IFACE);
		opt.ifs[0].is_default = true;
	}
	if (strlen(opt.control) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		die(2, "--control: path too long (at most %zu bytes): \"%s\"",
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1, opt.control);
}

/* --- setup -------------------------------------------------------------------------------- */

static void apply_knobs(struct stack *st)
{
	for (unsigned i = 0; i < opt.nknobs; i++) {
		char key[128];
		const char *arg = opt.knobs[i].arg, *eq = strchr(arg, '=');
		size_t klen = (size_t)(eq - arg);
		int rc;

		die_origin = opt.knobs[i].origin;
		if (klen >= sizeof(key))
			die(2, "%s: unknown knob \"%.*s\"", opt.knobs[i].opt, (int)klen, arg);
		memcpy(key, arg, klen);
		key[klen] = '\0';
		rc = stack_knob_set(st, key, eq + 1);
		if (rc == -ENOENT)
			die(2, "%s: unknown knob \"%s\"", opt.knobs[i].opt, key);
		if (rc == -EINVAL)
			die(2, "%s: %s: \"%s\" is not a number", opt.knobs[i].opt, key, eq + 1);
		if (rc == -ERANGE)
			die(2, "%s: %s: \"%s\" out of range", opt.knobs[i].opt, key, eq + 1);
		if (rc < 0)
			die(2, "%s: %s: %s", opt.knobs[i].opt, key, strerror(-rc));
	}
	die_origin = NULL;
}

/* Adds one interface and its addresses to the stack; dies on a refusal. */
static void add_iface(struct stack *st, struct iface_spec *is)
{
	{
		int ifx = stack_iface_add(st, is->name, is->mac, is->mtu);

		die_origin = is->origin;
		if (ifx == -EINVAL && is->has_mtu)
			die(2, "--iface: the stack refused interface \"%s\" with mtu %u (too large for "
			    "it?) in \"%s\"", is->name, is->mtu, is->spec);
		if (ifx < 0)
			die(ifx == -ENOMEM ? 1 : 2, "--iface: cannot add interface \"%s\": %s", is->name,
			    strerror(-ifx));
		is->ifindex = (unsigned)ifx;
		for (unsigned a = 0; a < is->naddr; a++) {
			int rc = stack_addr_add(st, (unsigned)ifx, is->addr[a], is->plen[a]);
			if (rc == -EEXIST)
				die(2, "--iface: duplicate address \"%s\" in \"%s\"", is->addr_text[a],
				    is->spec);
			if (rc == -ENOSPC)
				die(2, "--iface: too many addresses in \"%s\"", is->spec);
			if (rc < 0)
				die(2, "--iface: bad address \"%s\" in \"%s\"", is->addr_text[a], is->spec);
		}
		for (unsigned a = 0; a < is->naddr6; a++) {
			int rc = stack_addr6_add(st, (unsigned)ifx, is->addr6[a], is->plen6[a]);
			if (rc == -EEXIST)
				die(2, "--iface: duplicate address \"%s\" in \"%s\"", is->addr6_text[a],
				    is->spec);
			if (rc == -ENOSPC)
				die(2, "--iface: too many IPv6 addresses in \"%s\"", is->spec);
			if (rc < 0)
				die(2, "--iface: bad address \"%s\" in \"%s\"", is->addr6_text[a], is->spec);
		}
		if (is->ra)
			stack_iface_set_ra(st, (unsigned)ifx, true);
	}
	die_origin = NULL;
}

static void add_ifaces(struct stack *st)
{
	for (unsigned i = 0; i < opt.nifs; i++)
		add_iface(st, &opt.ifs[i]);
}

/* Routes after addresses: a gateway must be on a connected subnet. The control interpreter
 * parses them, so --route and `tapstackctl route add` accept exactly the same text. Dies on a
 * refusal; with only_new, skips the routes in old[0..nold) (a reload: those are in place). */
static void add_route(struct stack *st, unsigned i)
{
	char cmd[600];
	struct sbuf out = { 0 };

	die_origin = opt.route_origin[i];
	snprintf(cmd, sizeof(cmd), "route add %s", opt.routes[i]);
	if (strchr(opt.routes[i], ' ') || stack_ctl(st, cmd, &out, 0) != 0) {
		char msg[300];
		const char *m = sbuf_str(&out);
		if (strncmp(m, "route add: ", 11) == 0)
			m += 11;
		snprintf(msg, sizeof(msg), "%.*s", (int)strcspn(m, "\n"), m);
		sbuf_free(&out);
		die(2, "--route: %s", *msg ? msg : "spaces are not allowed");
	}
	sbuf_free(&out);
	die_origin = NULL;
}

static void enable_services(struct stack *st, bool reload)
{
	for (unsigned i = 0; i < opt.nservices; i++) {
		int rc = stack_service_enable(st, opt.services[i]);
		die_origin = opt.service_origin[i];
		if (rc == -EADDRINUSE && reload)
			continue; /* already on */
		if (rc < 0)
			die(2, "--service: %s: %s", opt.services[i], rc == -EADDRINUSE ? "given twice" : strerror(-rc));
	}
	die_origin = NULL;
}

static void fmt_prefix(char *buf, size_t len, uint32_t a, unsigned plen)
{
	snprintf(buf, len, "%u.%u.%u.%u/%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255, plen);
}

static void fmt_prefix6(char *buf, size_t len, const uint8_t a[16], unsigned plen)
{
	char t[INET6_ADDRSTRLEN];
	snprintf(buf, len, "%s/%u", inet_ntop(AF_INET6, a, t, sizeof(t)) ? t : "?", plen);
}

/* Creates (or attaches to) the TAP of `is`, hands it to the loop and configures its kernel side.
 * 0, -1 with one line in err, or -2 when the thread is stuck in another namespace (exit). */
static int iface_bring_up(struct loop *lp, struct iface_spec *is, char *err, size_t errlen)
{
	bool created;
	char addrs[STACK_MAX_ADDRS * (20 + INET6_ADDRSTRLEN + 5)] = "", hosts[INET6_ADDRSTRLEN + 30] = "";
	bool skipped6 = false;
	int fd, rc;

	if (is->netns && is->netns_fd < 0) {
		char e[400];
		is->netns_fd = netcfg_netns_open(is->netns, e, sizeof(e));
		if (is->netns_fd < 0) {
			snprintf(err, errlen, "--iface: %s", e);
			return -1;
		}
	}
	fd = tap_open(is->name, &created, err, errlen);
	if (fd < 0)
		return -1;
	if (loop_iface_add(lp, is->name, fd, is->ifindex, created, is->netns, err, errlen) < 0)
		return -1;
	for (unsigned a = 0; a < is->naddr; a++) {
		char one[24];
		fmt_prefix(one, sizeof(one), is->addr[a], is->plen[a]);
		snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs), "%s%s", a ? " " : "", one);
	}
	for (unsigned a = 0; a < is->naddr6; a++) {
		char one[INET6_ADDRSTRLEN + 5];
		fmt_prefix6(one, sizeof(one), is->addr6[a], is->plen6[a]);
		snprintf(addrs + strlen(addrs), sizeof(addrs) - strlen(addrs), "%s%s", *addrs ? " " : "", one);
	}
	logv("%s: %s TAP; stack %s, mac %02x:%02x:%02x:%02x:%02x:%02x, mtu %u", is->name,
	     created ? "created" : "attached to existing", addrs, is->mac[0], is->mac[1],
	     is->mac[2], is->mac[3], is->mac[4], is->mac[5], is->mtu);

	struct netcfg_link nl = {
		.name = is->name, .netns_fd = is->netns_fd, .netns = is->netns, .mtu = is->mtu,
		.has_addr = is->has_host, .addr = is->host, .plen = is->host_plen,
		.has_addr6 = is->has_host6, .plen6 = is->host6_plen,
		.addr6_optional = is->is_default, .addr6_skipped = &skipped6,
	};
	memcpy(nl.addr6, is->host6, 16);
	rc = netcfg_link_setup(&nl, err, errlen);
	/* Holding the namespace open would keep it (and the device) alive after
	 * `ip netns del`; the daemon should see the device go instead. */
	if (is->netns_fd >= 0) {
		close(is->netns_fd);
		is->netns_fd = -1;
	}
	if (rc < 0)
		return rc == -2 ? -2 : -1;
	if (is->has_host)
		fmt_prefix(hosts, sizeof(hosts), is->host, is->host_plen);
	if (skipped6) {
		char one[INET6_ADDRSTRLEN + 5];
		fmt_prefix6(one, sizeof(one), is->host6, is->host6_plen);
		note("%s: IPv6 is disabled on the kernel side: its address %s is not set", is->name, one);
	}
	if (is->has_host6 && !skipped6) {
		char one[INET6_ADDRSTRLEN + 5];
		fmt_prefix6(one, sizeof(one), is->host6, is->host6_plen);
		snprintf(hosts + strlen(hosts), sizeof(hosts) - strlen(hosts), "%s%s", *hosts ? " " : "", one);
	}
	logv("%s: kernel side%s%s: mtu %u%s%s%s, up", is->name, is->netns ? " in netns " : "",
	     is->netns ? is->netns : "", is->mtu, *hosts ? ", address" : "",
	     is->has_host && is->has_host6 && !skipped6 ? "es " : *hosts ? " " : "", hosts);
	return 0;
}

/* --- configuration file and reload ------------------------------------------------------- */

/* What the running daemon was built from: the command line, the file's current words, and per
 * stack interface the spec it was made with (the core cannot remove an interface, so one that a
 * reload removed keeps its slot, down, and may come back only as it was). */
static struct {
	int argc;
	char **argv;
	struct conf_argv file, args;       /* the file's words; them merged with the command line */
	char control[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char pcap[PATH_MAX];
	char metrics[64];
	char spec[STACK_MAX_IFACES][SPEC_MAX];
	bool present[STACK_MAX_IFACES];    /* in the configuration now */
	char *routes[64];                  /* the routes the configuration added (copies) */
	unsigned nroutes;
	struct loop *lp;
} live;

/* Copies what must outlive a reload's freeing of the file's words into live. */
static void live_keep_paths(void)
{
	snprintf(live.control, sizeof(live.control), "%s", opt.control);
	opt.control = live.control;
	if (opt.pcap) {
		if (strlen(opt.pcap) >= sizeof(live.pcap))
			die(2, "--pcap: path too long");
		snprintf(live.pcap, sizeof(live.pcap), "%s", opt.pcap);
		opt.pcap = live.pcap;
	}
	if (opt.metrics) {
		snprintf(live.metrics, sizeof(live.metrics), "%s", opt.metrics);
		opt.metrics = live.metrics;
	}
}

static void live_free_routes(void)
{
	for (unsigned i = 0; i < live.nroutes; i++)
		free(live.routes[i]);
	live.nroutes = 0;
}

/* Records the interfaces and routes the stack was just given from opt. */
static void live_record(struct stack *st)
{
	(void)st;
	for (unsigned i = 0; i < opt.nifs; i++) {
		snprintf(live.spec[opt.ifs[i].ifindex], SPEC_MAX, "%s", opt.ifs[i].spec);
		live.present[opt.ifs[i].ifindex] = true;
	}
	live_free_routes();
	for (unsigned i = 0; i < opt.nroutes; i++)
		if ((live.routes[live.nroutes] = strdup(opt.routes[i])) != NULL)
			live.nroutes++;
}

/* Reads the file named by -f (if any) and merges it with the command line into live.args;
 * 0, or -1 with the message in err. */
static int conf_read(const char *path, struct conf_argv *file, struct conf_argv *args, char *err,
		     size_t errlen)
{
	memset(file, 0, sizeof(*file));
	if (path && conf_load(path, longopts, CONF_REFUSED, file, err, errlen) < 0)
		return -1;
	if (conf_merge(path ? file : NULL, live.argc, live.argv, OPTSTRING, longopts, CONF_ACCUMULATE,
		       args) < 0) {
		conf_free(file);
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

/* The stack ifindex of the interface called name, or -1. */
static int live_find(struct stack *st, const char *name)
{
	for (unsigned i = 0; i < live.lp->n_ifaces; i++)
		if (strcmp(live.lp->ifaces[i].name, name) == 0)
			return (int)live.lp->ifaces[i].ifindex;
	(void)st;
	return -1;
}

static bool opt_has_route(const char *spec)
{
	for (unsigned i = 0; i < opt.nroutes; i++)
		if (strcmp(opt.routes[i], spec) == 0)
			return true;
	return false;
}

/* SIGHUP / `tapstackctl reload`: re-reads the file. Everything is checked first, on a scratch
 * stack built from the new options alone; a file that does not parse or does not apply is
 * refused whole (one line) and nothing changes. Then the live stack is changed in place: knobs
 * back to their defaults and set as the file says, routes the file no longer has deleted and new
 * ones added, interfaces removed and added. The ARP cache, the route cache, queued frames and
 * UDP sockets are not touched. --control, --pcap, --io and --metrics keep their running values
 * (they need a restart; a note says so when they changed). */
/* Equal strings, or both absent. */
static bool same_str(const char *a, const char *b)
{
	return a && b ? strcmp(a, b) == 0 : a == b;
}

/* The checking half of a reload: parses nargs into opt and builds a scratch stack from it. 0, or
 * -1 with opt restored from old and the reason in die_msg. */
static int reload_check(struct stack *st, const struct options *old, const struct conf_argv *nargs)
{
	static struct stack *scratch;
	jmp_buf jb;

	die_jmp = &jb;
	if (setjmp(jb)) {
		die_jmp = NULL;
		die_origin = NULL;
		if (scratch)
			stack_free(scratch);
		scratch = NULL;
		opt = *old;
		return -1;
	}
	memset(&opt, 0, sizeof(opt));
	parse_args(nargs->argc, nargs->argv, nargs);
	/* The whole new configuration must build a stack of its own. */
	scratch = stack_new(&(struct stack_config){ .pkb_count = 16 });
	if (!scratch)
		die(1, "out of memory");
	apply_knobs(scratch);
	add_ifaces(scratch);
	for (unsigned i = 0; i < opt.nroutes; i++)
		add_route(scratch, i);
	enable_services(scratch, false);
	stack_free(scratch);
	scratch = NULL;
	/* Interfaces: new names need a free slot; a known name must come back as it was made. */
	unsigned slots = stack_iface_count(st);
	for (unsigned i = 0; i < opt.nifs; i++) {
		struct iface_spec *is = &opt.ifs[i];
		int ifx = live_find(st, is->name);
		die_origin = is->origin;
		if (ifx < 0 && ++slots > STACK_MAX_IFACES)
			die(2, "--iface: \"%s\": no free interface slot (at most %d, removed ones count "
			    "until a restart)", is->name, STACK_MAX_IFACES);
		if (ifx >= 0 && strcmp(live.spec[ifx], is->spec) != 0)
			die(2, "--iface: \"%s\" changed (was \"%s\"): a reload adds and removes interfaces "
			    "but changes one only by a restart", is->name, live.spec[ifx]);
		is->ifindex = ifx >= 0 ? (unsigned)ifx : UINT_MAX;
	}
	die_origin = NULL;
	die_jmp = NULL;
	return 0;
}

static int daemon_reload(void *ctx, struct sbuf *out)
{
	struct loop *lp = ctx;
	struct stack *st = lp->st;
	static struct options old;
	struct conf_argv nfile, nargs;
	char err[1024];
	unsigned added = 0, removed = 0, radd = 0, rdel = 0;
	int status = 0;

	sd_notify(0, "RELOADING=1");
	if (conf_read(opt.config, &nfile, &nargs, err, sizeof(err)) < 0) {
		sbuf_printf(out, "tapstackd: reload refused: %s; running configuration kept\n", err);
		sd_notify(0, "READY=1");
		return 1;
	}
	old = opt;
	if (reload_check(st, &old, &nargs) < 0) {
		conf_free(&nargs);
		conf_free(&nfile);
		sbuf_printf(out, "tapstackd: reload refused: %s; running configuration kept\n", die_msg);
		sd_notify(0, "READY=1");
		return 1;
	}

	/* Applying: nothing below refuses the file. */
	if (strcmp(opt.control, old.control) != 0 || !same_str(opt.pcap, old.pcap) || opt.io != old.io ||
	    !same_str(opt.metrics, old.metrics))
		sbuf_printf(out, "tapstackd: reload: control, pcap, io and metrics changes take effect "
			    "at the next start\n");
	opt.control = old.control;
	opt.pcap = old.pcap;
	opt.io = old.io;
	opt.metrics = old.metrics;
	opt.config = old.config;
	opt.verbose = old.verbose;
	for (unsigned k = 0; k < knob_count; k++) {
		char def[32];
		snprintf(def, sizeof(def), "%ld", knob_table[k].def);
		stack_knob_set(st, knob_table[k].name, knob_table[k].def_text ? knob_table[k].def_text : def);
	}
	apply_knobs(st);
	for (unsigned x = 0; x < stack_iface_count(st); x++) {
		bool keep = false;
		if (!live.present[x])
			continue;
		for (unsigned i = 0; i < opt.nifs; i++)
			keep |= opt.ifs[i].ifindex == x;
		if (!keep) {
			loop_iface_remove(lp, x);
			live.present[x] = false;
			removed++;
		}
	}
	for (unsigned r = 0; r < live.nroutes; r++) {
		if (opt_has_route(live.routes[r]))
			continue;
		char cmd[600];
		struct sbuf o = { 0 };
		/* "default,via=IPV6" is ::/0: "route del default" would name the IPv4 one. */
		if (strncmp(live.routes[r], "default,", 8) == 0 && strchr(live.routes[r], ':'))
			snprintf(cmd, sizeof(cmd), "route del ::/0");
		else
			snprintf(cmd, sizeof(cmd), "route del %.*s", (int)strcspn(live.routes[r], ","),
				 live.routes[r]);
		if (stack_ctl(st, cmd, &o, loop_now_ms()) == 0)
			rdel++;
		sbuf_free(&o);
	}
	uint64_t now = loop_now_ms();
	for (unsigned i = 0; i < opt.nifs; i++) {
		struct iface_spec *is = &opt.ifs[i];
		int rc;
		if (is->ifindex != UINT_MAX && live.present[is->ifindex])
			continue;
		if (is->ifindex == UINT_MAX) {
			add_iface(st, is); /* checked on the scratch stack: cannot refuse */
			snprintf(live.spec[is->ifindex], SPEC_MAX, "%s", is->spec);
		}
		rc = iface_bring_up(lp, is, err, sizeof(err));
		if (rc == -2) {
			fprintf(stderr, "tapstackd: %s\n", err);
			_exit(1);
		}
		if (rc < 0) {
			sbuf_printf(out, "tapstackd: reload: %s\n", err);
			loop_iface_remove(lp, is->ifindex);
			status = 1;
			continue;
		}
		live.present[is->ifindex] = true;
		stack_iface_up(st, is->ifindex, now);
		added++;
	}
	for (unsigned i = 0; i < opt.nroutes; i++) {
		bool had = false;
		for (unsigned r = 0; r < live.nroutes; r++)
			had |= strcmp(live.routes[r], opt.routes[i]) == 0;
		if (had)
			continue;
		char cmd[600];
		struct sbuf o = { 0 };
		snprintf(cmd, sizeof(cmd), "route add %s", opt.routes[i]);
		if (stack_ctl(st, cmd, &o, now) == 0) {
			radd++;
		} else {
			sbuf_printf(out, "tapstackd: reload: route %s: %.*s\n", opt.routes[i],
				    (int)strcspn(sbuf_str(&o), "\n"), sbuf_str(&o));
			status = 1;
		}
		sbuf_free(&o);
	}
	enable_services(st, true);
	live_free_routes();
	for (unsigned i = 0; i < opt.nroutes; i++)
		if ((live.routes[live.nroutes] = strdup(opt.routes[i])) != NULL)
			live.nroutes++;
	conf_free(&live.args);
	conf_free(&live.file);
	live.file = nfile;
	live.args = nargs;
	sbuf_printf(out, "tapstackd: reloaded %s: %u knob settings, routes +%u -%u, interfaces +%u -%u\n",
		    opt.config, opt.nknobs, radd, rdel, added, removed);
	sd_notify(0, "READY=1");
	return status;
}

static const char *signame(int sig)
{
	return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "a signal";
}

int main(int argc, char **argv)
{
	static struct loop lp; /* scratch buffers and counters; one per process */
	struct metrics *metrics = NULL;
	struct stack_config cfg = { 0 };
	struct stack *st;
	char err[512];
	int status = 1, sig;

	prog_name_set("tapstackd");
	live.argc = argc;
	live.argv = argv;
	{
		/* -f FILE first (its words go before the command line's), then everything at once. */
		const char *config = NULL;
		int c;
		opterr = 0;
		optind = 0;
		while ((c = getopt_long(argc, argv, OPTSTRING, longopts, NULL)) != -1)
			if (c == 'f')
				config = optarg;
		if (conf_read(config, &live.file, &live.args, err, sizeof(err)) < 0) {
			fprintf(stderr, "%s%s\n", config && strncmp(err, config, strlen(config)) == 0 ?
				"" : "tapstackd: ", err);
			return 2;
		}
		parse_args(live.args.argc, live.args.argv, &live.args);
		live_keep_paths();
	}

	if (getrandom(&cfg.seed, sizeof(cfg.seed), GRND_NONBLOCK) != (ssize_t)sizeof(cfg.seed))
		cfg.seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	st = stack_new(&cfg);
	if (!st)
		die(1, "out of memory creating the stack");
	apply_knobs(st);
	add_ifaces(st);
	for (unsigned i = 0; i < opt.nroutes; i++)
		add_route(st, i);
	enable_services(st, false);
	live_record(st);

	/* Signals now arrive through the loop's signalfd: from here a SIGTERM exits cleanly. */
	if (loop_init(&lp, st, opt.verbose, err, sizeof(err)) < 0 ||
	    loop_io_setup(&lp, opt.io, err, sizeof(err)) < 0) {
		fprintf(stderr, "tapstackd: %s\n", err);
		goto out;
	}
	logv("writing frames with %s", lp.uring ? "io_uring" : "write(2)");
	/* Everything that can fail without touching devices, before any device exists. */
	for (unsigned i = 0; i < opt.nifs; i++) {
		struct iface_spec *is = &opt.ifs[i];
		if (!is->netns)
			continue;
		is->netns_fd = netcfg_netns_open(is->netns, err, sizeof(err));
		if (is->netns_fd < 0) {
			fprintf(stderr, "tapstackd: --iface: %s\n", err);
			goto out;
		}
	}
	if (ctlsock_probe(opt.control, err, sizeof(err)) < 0) {
		fprintf(stderr, "tapstackd: %s\n", err);
		goto out;
	}
	if (opt.pcap) {
		bool refused;
		lp.pcap = pcapw_open(opt.pcap, &opt.pcap_opts, &refused, err, sizeof(err));
		if (!lp.pcap) {
			fprintf(stderr, "tapstackd: %s\n", err);
			if (refused)
				status = 2;
			goto out;
		}
		lp.pcap_path = opt.pcap;
		logv("capturing to %s", opt.pcap);
	}

	{
		struct pkb *p = stack_rx_buf(st);
		size_t room = p ? pkb_tailroom(p) : 0;
		if (p)
			stack_pkb_free(st, p);
		for (unsigned i = 0; i < opt.nifs; i++)
			if (room && opt.ifs[i].mtu + 18u > room)
				fprintf(stderr, "tapstackd: %s: warning: mtu %u is more than a receive "
					"buffer holds (%zu-byte frames); longer frames are dropped\n",
					opt.ifs[i].name, opt.ifs[i].mtu, room);
	}

	for (unsigned i = 0; i < opt.nifs; i++) {
		int rc = iface_bring_up(&lp, &opt.ifs[i], err, sizeof(err));
		if (rc < 0) {
			fprintf(stderr, "tapstackd: %s\n", err);
			if (rc == -2)
				_exit(1); /* stuck in another namespace: touch nothing more */
			goto out;
		}
	}

	if (loop_ctl_open(&lp, opt.control, err, sizeof(err)) < 0) {
		fprintf(stderr, "tapstackd: %s\n", err);
		goto out;
	}
	logv("control socket %s", opt.control);
	if (opt.metrics) {
		metrics = metrics_open(opt.metrics, &lp, err, sizeof(err));
		if (!metrics) {
			fprintf(stderr, "tapstackd: %s\n", err);
			goto out;
		}
		logv("metrics at http://%s/metrics", opt.metrics);
	}
	live.lp = &lp;
	if (opt.config) {
		lp.reload = daemon_reload;
		lp.reload_ctx = &lp;
	}

	uint64_t now_us = loop_now_us(), now = now_us / 1000u;
	stack_set_clock_us(st, now_us);
	loop_wall_sync(&lp, now);
	for (unsigned i = 0; i < lp.n_ifaces; i++)
		stack_iface_up(st, lp.ifaces[i].ifindex, now);

	/* Every device, the control socket and the capture exist: keep only CAP_NET_ADMIN, and from
	 * here on make only the system calls the loop needs. */
	if (priv_drop(&opt.priv, err, sizeof(err)) < 0) {
		fprintf(stderr, "tapstackd: %s\n", err);
		goto out;
	}
	logv("privileges: uid %u, CAP_NET_ADMIN only, no_new_privs%s", (unsigned)getuid(),
	     opt.priv.seccomp ? ", seccomp allowlist" : "");

	/* Under systemd (Type=notify): the interfaces are up and the control socket listens. */
	sd_notifyf(0, "READY=1\nMAINPID=%lu", (unsigned long)getpid());
	sig = loop_run(&lp);
	sd_notify(0, "STOPPING=1");
	if (sig > 0) {
		logv("exiting on %s", signame(sig));
		status = 0;
	}
out:
	metrics_close(metrics);
	loop_fini(&lp);
	for (unsigned i = 0; i < opt.nifs; i++)
		if (opt.ifs[i].netns_fd >= 0)
			close(opt.ifs[i].netns_fd);
	stack_free(st);
	live_free_routes();
	conf_free(&live.args);
	conf_free(&live.file);
	return status;
}
