/* tap/pcapw.c — pcap capture of the daemon's frames through libpcap's savefile writer. */
#include "tap/pcapw.h"

#include <pcap/pcap.h>
#include <stdio.h>
#include <stdlib.h>

#define PCAPW_SNAPLEN 65535

struct pcapw {
	pcap_t *dead;
	pcap_dumper_t *dump;
	int dirty;
};

struct pcapw *pcapw_open(const char *path, char *err, size_t errlen)
{
	struct pcapw *pw = calloc(1, sizeof(*pw));

	if (!pw) {
		snprintf(err, errlen, "--pcap: out of memory");
		return NULL;
	}
	pw->dead = pcap_open_dead(DLT_EN10MB, PCAPW_SNAPLEN);
	if (!pw->dead) {
		snprintf(err, errlen, "--pcap: pcap_open_dead failed");
		free(pw);
		return NULL;
	}
	pw->dump = pcap_dump_open(pw->dead, path);
	if (!pw->dump) {
		snprintf(err, errlen, "--pcap: %s", pcap_geterr(pw->dead));
		pcap_close(pw->dead);
		free(pw);
		return NULL;
	}
	pcap_dump_flush(pw->dump); /* the file header, so a reader sees a valid empty capture */
	return pw;
}

void pcapw_write(struct pcapw *pw, const uint8_t *frame, size_t len, uint64_t ts_us)
{
	struct pcap_pkthdr h;

	h.ts.tv_sec = (time_t)(ts_us / 1000000u);
	h.ts.tv_usec = (suseconds_t)(ts_us % 1000000u);
	h.len = (bpf_u_int32)len;
	h.caplen = (bpf_u_int32)(len < PCAPW_SNAPLEN ? len : PCAPW_SNAPLEN);
	pcap_dump((u_char *)pw->dump, &h, frame);
	pw->dirty = 1;
}

void pcapw_flush(struct pcapw *pw)
{
	if (pw->dirty) {
		pcap_dump_flush(pw->dump);
		pw->dirty = 0;
	}
}

void pcapw_close(struct pcapw *pw)
{
	if (!pw)
		return;
	pcap_dump_close(pw->dump);
	pcap_close(pw->dead);
	free(pw);
}
