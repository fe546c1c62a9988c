/* tap/pcapw.h — writing every frame in and out to a pcap file (libpcap, DLT_EN10MB). */
#ifndef TAPSTACK_PCAPW_H
#define TAPSTACK_PCAPW_H

#include <stddef.h>
#include <stdint.h>

struct pcapw;

/* Creates (truncates) `path` as a pcap file. NULL with one line in err on failure. */
struct pcapw *pcapw_open(const char *path, char *err, size_t errlen);
/* Appends one frame stamped with ts_us (wall clock, microseconds since the epoch). */
void pcapw_write(struct pcapw *pw, const uint8_t *frame, size_t len, uint64_t ts_us);
/* Pushes buffered records to the file so readers (tcpdump -r) see them now. */
void pcapw_flush(struct pcapw *pw);
/* Flushes and closes; NULL is fine. */
void pcapw_close(struct pcapw *pw);

#endif
