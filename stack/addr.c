/* stack/addr.c — addresses of either family: comparison, text in and out. */
#include "stack/addr.h"

#include <stdio.h>
#include <string.h>

#include "stack/wire.h"

bool inet_is_any(const struct inet_addr *a)
{
	if (a->family == INET_V4)
		return a->u.v4 == 0;
	if (a->family != INET_V6)
		return true; /* never set: nothing */
	for (unsigned i = 0; i < 16; i++)
		if (a->u.v6[i])
			return false;
	return true;
}

bool inet_eq(const struct inet_addr *a, const struct inet_addr *b)
{
	if (a->family != b->family)
		return false;
	return a->family == INET_V4 ? a->u.v4 == b->u.v4 : memcmp(a->u.v6, b->u.v6, 16) == 0;
}

const char *inet_ntop_buf(const struct inet_addr *a, char buf[INET_STRLEN])
{
	if (a->family == INET_V4) {
		uint32_t v = a->u.v4;
		snprintf(buf, INET_STRLEN, "%u.%u.%u.%u", v >> 24, (v >> 16) & 255, (v >> 8) & 255, v & 255);
		return buf;
	}
	unsigned g[8], best = 8, best_len = 0;
	for (size_t i = 0; i < 8; i++)
		g[i] = (unsigned)a->u.v6[2 * i] << 8 | a->u.v6[2 * i + 1];
	/* RFC 5952 4.2: the longest run of two or more zero groups (the first of equals) becomes ::. */
	for (unsigned i = 0; i < 8;) {
		unsigned j = i;
		while (j < 8 && g[j] == 0)
			j++;
		if (j - i > best_len && j - i >= 2) {
			best = i;
			best_len = j - i;
		}
		i = j > i ? j : i + 1;
	}
	size_t n = 0;
	for (unsigned i = 0; i < 8; i++) {
		if (i == best) {
			n += (size_t)snprintf(buf + n, INET_STRLEN - n, "::");
			i += best_len - 1;
			continue;
		}
		n += (size_t)snprintf(buf + n, INET_STRLEN - n, "%s%x", n && buf[n - 1] != ':' ? ":" : "", g[i]);
	}
	return buf;
}

static int hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

static int inet_parse_v6(const char *s, uint8_t out[16])
{
	unsigned g[8], n = 0;
	int gap = -1;

	if (s[0] == ':' && s[1] == ':') {
		gap = 0;
		s += 2;
	} else if (s[0] == ':') {
		return -1;
	}
	while (*s) {
		unsigned v = 0, digits = 0;
		int h;
		while ((h = hexval(*s)) >= 0 && digits < 5) {
			v = v << 4 | (unsigned)h;
			digits++;
			s++;
		}
		if (!digits || digits > 4 || n == 8)
			return -1;
		g[n++] = v;
		if (!*s)
			break;
		if (*s++ != ':')
			return -1;
		if (*s == ':') {
			if (gap >= 0)
				return -1; /* one :: at most */
			gap = (int)n;
			s++;
		} else if (!*s) {
			return -1; /* a trailing single ':' */
		}
	}
	if (gap < 0 ? n != 8 : n > 7)
		return -1;
	unsigned k = 0;
	memset(out, 0, 16);
	for (unsigned i = 0; i < n; i++) {
		if ((int)i == gap)
			k += 8 - n;
		out[(size_t)2 * k] = (uint8_t)(g[i] >> 8);
		out[(size_t)2 * k + 1] = (uint8_t)g[i];
		k++;
	}
	return 0;
}

int inet_parse(const char *s, struct inet_addr *a)
{
	struct inet_addr x = { 0 };
	if (strchr(s, ':')) {
		if (inet_parse_v6(s, x.u.v6) < 0)
			return -1;
		x.family = INET_V6;
	} else {
		if (ip4_aton(s, &x.u.v4) != 0)
			return -1;
		x.family = INET_V4;
	}
	*a = x;
	return 0;
}
