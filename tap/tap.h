/* tap/tap.h — opening Linux TAP devices (/dev/net/tun, IFF_TAP | IFF_NO_PI). */
#ifndef TAPSTACK_TAP_H
#define TAPSTACK_TAP_H

#include <stdbool.h>
#include <stddef.h>

/* True when `name` is acceptable as a Linux interface name (1..15 bytes, no '/', ':' or space,
 * not "." or "..", no "%" pattern). */
bool tap_name_valid(const char *name);

/* Opens (creating, or attaching to an existing persistent) TAP `name`, non-blocking and
 * close-on-exec. Returns the fd and sets *created when the device did not exist in this network
 * namespace before; on failure returns -errno and writes one line (no prefix, no newline) into
 * err. Closing the fd of a device we created deletes it. */
int tap_open(const char *name, bool *created, char *err, size_t errlen);

#endif
