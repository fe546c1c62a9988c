/* tests/unit/check_conf.c — the configuration file as long options (tap/conf.c): line syntax,
 * errors with FILE:LINE, and how the command line overrides the file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap/conf.h"
#include "tests/unit/harness.h"

static const struct option opts[] = {
	{ "iface", required_argument, NULL, 'i' },
	{ "set", required_argument, NULL, 's' },
	{ "forward", no_argument, NULL, 'F' },
	{ "pcap", required_argument, NULL, 'w' },
	{ "config", required_argument, NULL, 'f' },
	{ "metrics", required_argument, NULL, 0x102 },
	{ NULL, 0, NULL, 0 },
};

static char path[64];

/* Writes text to a fresh temporary file (its name in path). */
static void put(const char *text)
{
	snprintf(path, sizeof(path), "/tmp/check_conf.XXXXXX");
	int fd = mkstemp(path);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static int load(const char *text, struct conf_argv *ca, char *err, size_t errlen)
{
	put(text);
	int rc = conf_load(path, opts, "config", ca, err, errlen);
	unlink(path);
	return rc;
}

START_TEST(conf_lines)
{
	struct conf_argv ca;
	char err[256], where[80];

	ck_assert_int_eq(load("# comment\n\n  iface tap0,192.0.2.2/24   # why\n\tforward\r\n"
			      "pcap /tmp/a#b c\nmetrics 127.0.0.1:9412", &ca, err, sizeof(err)), 0);
	ck_assert_int_eq(ca.nfile, 4);
	ck_assert_int_eq(ca.argc, 5);
	ck_assert_str_eq(ca.argv[1], "--iface=tap0,192.0.2.2/24");
	ck_assert_str_eq(ca.argv[2], "--forward");
	ck_assert_str_eq(ca.argv[3], "--pcap=/tmp/a#b c"); /* '#' inside a word is not a comment */
	ck_assert_str_eq(ca.argv[4], "--metrics=127.0.0.1:9412"); /* no final newline */
	ck_assert_ptr_null(ca.argv[5]);
	snprintf(where, sizeof(where), "%s:3", path);
	ck_assert_str_eq(conf_origin(&ca, 1), where);
	snprintf(where, sizeof(where), "%s:6", path);
	ck_assert_str_eq(conf_origin(&ca, 4), where);
	ck_assert_ptr_null(conf_origin(&ca, 0));
	conf_free(&ca);
}
END_TEST

static const struct { const char *text; unsigned line; const char *msg; } bad[] = {
	{ "iface tap0,192.0.2.2/24\nifface x\n", 2, "unknown directive \"ifface\"" },
	{ "forward now\n", 1, "\"forward\" takes no argument (got \"now\")" },
	{ "\n\npcap   # nothing\n", 3, "\"pcap\" needs an argument" },
	{ "config /etc/x.conf\n", 1, "unknown directive \"config\"" },
	{ "iface\x01x\n", 1, "control character in the line" },
	{ "--iface tap0\n", 1, "unknown directive \"--iface\"" },
};

START_TEST(conf_bad_line)
{
	struct conf_argv ca;
	char err[256], want[400];

	ck_assert_int_eq(load(bad[_i].text, &ca, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "%s:%u: %s", path, bad[_i].line, bad[_i].msg);
	ck_assert_str_eq(err, want);
	ck_assert_int_eq(ca.argc, 0);
}
END_TEST

START_TEST(conf_too_long)
{
	struct conf_argv ca;
	char err[256], *text = malloc(CONF_LINE_MAX + 64);

	memcpy(text, "pcap ", 5);
	memset(text + 5, 'a', CONF_LINE_MAX + 10);
	strcpy(text + 5 + CONF_LINE_MAX + 10, "\n");
	ck_assert_int_eq(load(text, &ca, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, ":1: line too long"));
	free(text);
}
END_TEST

START_TEST(conf_missing_file)
{
	struct conf_argv ca;
	char err[256];

	ck_assert_int_eq(conf_load("/nonexistent/tapstackd.conf", opts, "", &ca, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "/nonexistent/tapstackd.conf: No such file or directory");
}
END_TEST

/* The command line's -i replaces every iface line; set lines stay (before the command line's);
 * the other lines pass through. */
START_TEST(conf_merge_override)
{
	struct conf_argv file, m;
	char err[256];
	char *argv[] = { "tapstackd", "-i", "tap9,198.51.100.2/24", "--set=ip_default_ttl=9", "-v", NULL };

	ck_assert_int_eq(load("iface tap0,192.0.2.2/24\nset icmp_ratelimit=5\niface tap1,203.0.113.2/24\n"
			      "set ip_default_ttl=7\nforward\npcap /tmp/x.pcap\n", &file, err, sizeof(err)), 0);
	ck_assert_int_eq(conf_merge(&file, 5, argv, "+i:s:Fw:f:v", opts, "set,forward", &m), 0);
	ck_assert_int_eq(m.nfile, 4);
	ck_assert_str_eq(m.argv[1], "--set=icmp_ratelimit=5");
	ck_assert_str_eq(m.argv[2], "--set=ip_default_ttl=7");
	ck_assert_str_eq(m.argv[3], "--forward");
	ck_assert_str_eq(m.argv[4], "--pcap=/tmp/x.pcap");
	ck_assert_str_eq(m.argv[5], "-i");
	ck_assert_str_eq(m.argv[6], "tap9,198.51.100.2/24");
	ck_assert_str_eq(m.argv[7], "--set=ip_default_ttl=9");
	ck_assert_str_eq(m.argv[8], "-v");
	ck_assert_int_eq(m.argc, 9);
	ck_assert_ptr_nonnull(strstr(conf_origin(&m, 1), ":2"));
	ck_assert_ptr_nonnull(strstr(conf_origin(&m, 4), ":6"));
	ck_assert_ptr_null(conf_origin(&m, 5));
	conf_free(&m);
	conf_free(&file);
}
END_TEST

/* Without a file, the merged vector is the command line. */
START_TEST(conf_merge_no_file)
{
	struct conf_argv m;
	char *argv[] = { "tapstackd", "-F", NULL };

	ck_assert_int_eq(conf_merge(NULL, 2, argv, "+i:s:Fw:f:v", opts, "set", &m), 0);
	ck_assert_int_eq(m.argc, 2);
	ck_assert_int_eq(m.nfile, 0);
	ck_assert_str_eq(m.argv[1], "-F");
	conf_free(&m);
}
END_TEST

Suite *conf_suite(void)
{
	Suite *s = suite_create("conf");
	TCase *tc = tcase_create("conf");

	tcase_add_test(tc, conf_lines);
	tcase_add_loop_test(tc, conf_bad_line, 0, (int)(sizeof(bad) / sizeof(bad[0])));
	tcase_add_test(tc, conf_too_long);
	tcase_add_test(tc, conf_missing_file);
	tcase_add_test(tc, conf_merge_override);
	tcase_add_test(tc, conf_merge_no_file);
	suite_add_tcase(s, tc);
	return s;
}
