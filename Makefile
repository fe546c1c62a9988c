# tapstack — build, run, test.  `sudo make run` starts the daemon on its default; `sudo make check` tests all.
CC       ?= gcc
CFLAGS   ?= -O2 -g
WARN     := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes -D_GNU_SOURCE
CPPFLAGS := -I.
SAN      := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
PKGS_NL  := libnl-3.0 libnl-route-3.0
NL_CFLAGS = $(shell pkg-config --cflags $(PKGS_NL) 2>/dev/null)
NL_LIBS   = $(shell pkg-config --libs $(PKGS_NL) 2>/dev/null)
CHECK_LIBS = $(shell pkg-config --libs check 2>/dev/null || echo -lcheck)
PCAP_LIBS := -lpcap

CORE_SRCS  := $(sort $(wildcard stack/*.c eth/*.c ip/*.c icmp/*.c))
TAP_SRCS   := $(sort $(wildcard tap/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/*.c))
HDRS       := $(wildcard */*.h tests/unit/*.h)

B  := build
BA := build-asan

.PHONY: all run check unit unit-asan integration deps clean
all: $(B)/tapstackd $(B)/tapstackctl

# --- release build ---
$(B)/core/%.o: %.c $(HDRS) | $(B)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(NL_CFLAGS) -c $< -o $@
$(B)/libcore.a: $(CORE_SRCS:%.c=$(B)/core/%.o)
	$(AR) rcs $@ $^
$(B)/tapstackd: tools/tapstackd.c $(TAP_SRCS:%.c=$(B)/core/%.o) $(B)/libcore.a
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(NL_CFLAGS) $^ -o $@ $(NL_LIBS) $(PCAP_LIBS) -lm
$(B)/tapstackctl: tools/tapstackctl.c
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $^ -o $@
$(B)/check_unit: $(UNIT_SRCS) $(B)/libcore.a
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $^ -o $@ $(CHECK_LIBS)

# --- sanitizer build of the core and its unit tests ---
$(BA)/core/%.o: %.c $(HDRS) | $(BA)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) $(NL_CFLAGS) -c $< -o $@
$(BA)/libcore.a: $(CORE_SRCS:%.c=$(BA)/core/%.o)
	$(AR) rcs $@ $^
$(BA)/check_unit: $(UNIT_SRCS) $(BA)/libcore.a
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) $^ -o $@ $(CHECK_LIBS)
$(BA)/tapstackd: tools/tapstackd.c $(TAP_SRCS:%.c=$(BA)/core/%.o) $(BA)/libcore.a
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) $(NL_CFLAGS) $^ -o $@ $(NL_LIBS) $(PCAP_LIBS) -lm

$(B) $(BA):
	@mkdir -p $@

# --- commands ---
ARGS ?=
run: $(B)/tapstackd $(B)/tapstackctl
	./$(B)/tapstackd $(ARGS)

deps:
	@sh tests/deps.sh

unit: $(B)/check_unit
	CK_FORK=yes ./$(B)/check_unit
unit-asan: $(BA)/check_unit
	CK_FORK=no ASAN_OPTIONS=detect_leaks=1 ./$(BA)/check_unit

integration: all $(BA)/tapstackd
	sh tests/integration/run.sh

check: deps
	$(MAKE) all $(B)/check_unit $(BA)/check_unit
	$(MAKE) unit unit-asan
	$(MAKE) integration

clean:
	rm -rf $(B) $(BA)
