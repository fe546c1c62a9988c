/* ctl/ext_text.c — RFC 4884 extension structures and their RFC 5837 objects in the words of newer
 * traceroute, for ping's error lines and the stub sockets' error queues (the core hands over the
 * bytes: ICMP-EXT-SPEC X4). */
#include "ctl/ext_text.h"

#include <stdbool.h>

#include "icmp/icmp_ext.h"
#include "stack/wire.h"

/* One class-2 object in newer traceroute's words. */
static void iio_describe(struct sbuf *out, const uint8_t *p, size_t len, uint8_t ctype)
{
	static const char *const roles[4] = { "INC", "SUB", "OUT", "NXT" };
	const char *sep = ":";
	size_t i = 0;
	char a[16];

	sbuf_printf(out, "%s", roles[ctype >> 6]);
	if ((ctype & 0x08) && i + 4 <= len) {
		sbuf_printf(out, "%s%u", sep, be32_get(p + i));
		i += 4;
		sep = ",";
	}
	if ((ctype & 0x04) && i + 4 <= len) {
		unsigned afi = be16_get(p + i), alen = afi == 1 ? 4 : 16;
		if (i + 4 + alen > len)
			return;
		if (afi == 1) {
			sbuf_printf(out, "%s%s", sep, ip4_ntoa(be32_get(p + i + 4), a));
		} else {
			sbuf_printf(out, "%s", sep);
			for (unsigned k = 0; k < 16; k += 2)
				sbuf_printf(out, "%s%x", k ? ":" : "", be16_get(p + i + 4 + k));
		}
		i += 4 + alen;
		sep = ",";
	}
	if ((ctype & 0x02) && i < len) {
		size_t nl = p[i];
		if (nl < 1 || i + nl > len)
			return;
		sbuf_printf(out, "%s\"", sep);
		for (size_t k = 1; k < nl && p[i + k]; k++) {
			uint8_t c = p[i + k];
			if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\')
				sbuf_printf(out, "%c", c);
			else
				sbuf_printf(out, "\\x%02x", c);
		}
		sbuf_printf(out, "\"");
		i += nl;
		sep = ",";
	}
	if ((ctype & 0x01) && i + 4 <= len)
		sbuf_printf(out, "%smtu=%u", sep, be32_get(p + i));
}

static void ext_objects_text(struct sbuf *out, const uint8_t *ext, size_t len)
{
	if (len < ICMP_EXT_HDR_LEN + 4 || ext[0] >> 4 != 2)
		return;
	bool first = true;
	for (size_t o = ICMP_EXT_HDR_LEN; o + 4 <= len;) {
		size_t l = be16_get(ext + o);
		if (l < 4 || o + l > len)
			break;
		const uint8_t *p = ext + o + 4;
		sbuf_printf(out, "%s", first ? "" : ";");
		first = false;
		if (ext[o + 2] == ICMP_EXT_CLASS_IIO) {
			iio_describe(out, p, l - 4, ext[o + 3]);
		} else {
			sbuf_printf(out, "%u/%u:", ext[o + 2], ext[o + 3]);
			for (size_t k = 0; k + 4 <= l - 4; k += 4)
				sbuf_printf(out, "%s%08x", k ? "," : "", be32_get(p + k));
		}
		o += l;
	}
}

void ext_text(struct sbuf *out, const uint8_t *ext, size_t len, size_t max)
{
	struct sbuf t = { 0 };
	ext_objects_text(&t, ext, len);
	if (t.len)
		sbuf_printf(out, " <%.*s>", (int)(t.len < max ? t.len : max), sbuf_str(&t));
	sbuf_free(&t);
}
