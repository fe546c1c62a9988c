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
URING_LIBS := -luring
PRIV_LIBS  := -lseccomp -lcap-ng
SVC_LIBS   := -lsystemd -lmicrohttpd

# The packet core (stack/ eth/ ip/ icmp/) and the control commands over it (ctl/: text in, text
# out); neither makes a system call or reads a clock, and libcore.a holds both.
CORE_SRCS  := $(sort $(wildcard stack/*.c eth/*.c ip/*.c icmp/*.c ctl/*.c))
TAP_SRCS   := $(sort $(wildcard tap/*.c))
UNIT_SRCS  := $(sort $(wildcard tests/unit/*.c))
# What the tools share (die/fail with the program's name, write_all): tools/util.h.
UTIL_SRCS  := tools/util.c
# tapstackd's own objects beside the core: the TAP side, the daemon's main, the shared helpers.
D_SRCS     := $(TAP_SRCS) tools/tapstackd.c $(UTIL_SRCS)
CTL_SRCS   := tools/tapstackctl.c $(UTIL_SRCS)
# The unit tests link the core and tap/conf.c.
U_SRCS     := $(UNIT_SRCS) tap/conf.c

B  := build
BA := build-asan

# Every object is compiled with -MMD -MP: it writes FILE.d beside FILE.o naming the headers
# that FILE.c included, and the .d files are included below, so a changed header rebuilds only
# the objects that include it (-MP: a deleted header does not stop the build).
DEPFLAGS := -MMD -MP

.PHONY: all run check unit unit-asan integration diff deps clean
all: $(B)/tapstackd $(B)/tapstackctl

# --- release build ---
$(B)/obj/%.o: %.c | $(B)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(NL_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(B)/libcore.a: $(CORE_SRCS:%.c=$(B)/obj/%.o)
	$(AR) rcs $@ $^
$(B)/tapstackd: $(D_SRCS:%.c=$(B)/obj/%.o) $(B)/libcore.a
	$(CC) $(CFLAGS) $^ -o $@ $(NL_LIBS) $(PCAP_LIBS) $(URING_LIBS) $(PRIV_LIBS) $(SVC_LIBS) -lm
$(B)/tapstackctl: $(CTL_SRCS:%.c=$(B)/obj/%.o)
	$(CC) $(CFLAGS) $^ -o $@
$(B)/check_unit: $(U_SRCS:%.c=$(B)/obj/%.o) $(B)/libcore.a
	$(CC) $(CFLAGS) $^ -o $@ $(CHECK_LIBS)

# --- sanitizer build of the core and its unit tests ---
$(BA)/obj/%.o: %.c | $(BA)
	@mkdir -p $(dir $@)
	$(CC) $(CPPFLAGS) $(WARN) -O1 -g $(SAN) $(NL_CFLAGS) $(DEPFLAGS) -c $< -o $@
$(BA)/libcore.a: $(CORE_SRCS:%.c=$(BA)/obj/%.o)
	$(AR) rcs $@ $^
$(BA)/check_unit: $(U_SRCS:%.c=$(BA)/obj/%.o) $(BA)/libcore.a
	$(CC) -O1 -g $(SAN) $^ -o $@ $(CHECK_LIBS)
$(BA)/tapstackd: $(D_SRCS:%.c=$(BA)/obj/%.o) $(BA)/libcore.a
	$(CC) -O1 -g $(SAN) $^ -o $@ $(NL_LIBS) $(PCAP_LIBS) $(URING_LIBS) $(PRIV_LIBS) $(SVC_LIBS) -lm

$(B) $(BA):
	@mkdir -p $@

# --- commands ---
ARGS ?=
# deps first: on a fresh machine the build needs libnl, libpcap and liburing headers.
run: deps
	$(MAKE) all
	./$(B)/tapstackd $(ARGS)

deps:
	@sh tests/deps.sh

unit: $(B)/check_unit
	CK_FORK=yes ./$(B)/check_unit
unit-asan: $(BA)/check_unit
	CK_FORK=no ASAN_OPTIONS=detect_leaks=1 ./$(BA)/check_unit

integration: all $(BA)/tapstackd
	sh tests/integration/run.sh

# Differential test (issue #12): the probe corpus sent to tapstackd and to a Linux router in twin
# namespace worlds, compared field by field. FULL=1 adds the longer corpus.
FULL ?= 0
diff: all
	FULL=$(FULL) bash tests/diff/diff.sh

check: deps
	$(MAKE) layout
	$(MAKE) all $(B)/check_unit $(BA)/check_unit
	$(MAKE) pure
	$(MAKE) unit unit-asan
	$(MAKE) fuzz FUZZ_SECONDS=60
	$(MAKE) integration
	$(MAKE) diff

clean:
	rm -rf $(B) $(BA) $(BF)

# --- fuzzing (clang, libFuzzer) ---
FUZZ_SECONDS ?= 60
FUZZ_CC      ?= clang
FUZZ_FLAGS   := -std=c11 -D_GNU_SOURCE -I. -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
BF := build-fuzz
FUZZ_SRCS := tests/fuzz/fuzz_stack.c $(CORE_SRCS)
$(BF)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) $(DEPFLAGS) -c $< -o $@
$(BF)/fuzz_stack: $(FUZZ_SRCS:%.c=$(BF)/obj/%.o)
	$(FUZZ_CC) $(FUZZ_FLAGS) $^ -o $@ -lm
# Seeds: every frame the unit tests feed, written as fuzz records (TAPSTACK_CORPUS_DIR), and the
# hand-made inputs in tests/fuzz/seeds/ (floods that reach full tables; see fuzz_stack.c record 4).
$(BF)/seed.stamp: $(B)/check_unit $(wildcard tests/fuzz/seeds/*.bin)
	@rm -rf $(BF)/seed && mkdir -p $(BF)/seed $(BF)/corpus
	TAPSTACK_CORPUS_DIR=$(BF)/seed CK_FORK=no ./$(B)/check_unit >/dev/null
	cp tests/fuzz/seeds/*.bin $(BF)/seed/
	@touch $@
# The seeds are merged (coverage-minimized) into the corpus, then the fuzzer runs on it.
fuzz: $(BF)/fuzz_stack $(BF)/seed.stamp
	./$(BF)/fuzz_stack -merge=1 $(BF)/corpus $(BF)/seed 2>&1 | tail -n 2
	@./$(BF)/fuzz_stack -max_total_time=$(FUZZ_SECONDS) -max_len=4096 -timeout=10 -rss_limit_mb=1024 \
		-artifact_prefix=$(BF)/ -print_final_stats=1 $(BF)/corpus >$(BF)/fuzz.log 2>&1; rc=$$?; \
	grep -E "^#[0-9]+[[:space:]]+(INITED|DONE)|^stat::" $(BF)/fuzz.log; \
	if [ $$rc -ne 0 ]; then tail -n 60 $(BF)/fuzz.log; echo "fuzz: a finding (see $(BF)/)"; exit 1; fi
.PHONY: fuzz
# The IPv6 seeds in tests/fuzz/seeds/ipv6_*.bin are made by a scapy script (committed with them):
# run this after changing it.
fuzz-seeds6:
	/usr/bin/python3 tests/fuzz/mkseeds6.py
.PHONY: fuzz-seeds6

# --- static analysis ---
LINT_SRCS = $(CORE_SRCS) $(TAP_SRCS) $(wildcard tools/*.c bench/src/*.c)
# The core's layout rules (issue 13): no catch-all header, module state private (tests/layout.sh).
layout:
	sh tests/layout.sh
# The core takes no system call, clock or I/O from outside: checked on the built library.
pure: $(B)/libcore.a
	sh tests/core_pure.sh $(B)/libcore.a
.PHONY: layout pure

lint: layout
	cppcheck --enable=warning,performance,portability --std=c11 --error-exitcode=1 --inline-suppr -q \
		-D_GNU_SOURCE -I. $(LINT_SRCS)
	clang-tidy -quiet $(LINT_SRCS) -- -std=c11 -D_GNU_SOURCE -I. $(NL_CFLAGS)
.PHONY: lint

# --- benchmark (issue #6): load generator, bare reflector baseline, allocation counter ------
# Not part of `make check`. `sudo make bench` runs bench/run.sh (namespaces, pinned cores).
.PHONY: bench
# Their sources are in bench/src/ (bench/src/reflect.h: the frame handling both reflectors share).
$(B)/tapbench: $(addprefix $(B)/obj/,bench/src/tapbench.o $(UTIL_SRCS:.c=.o))
	$(CC) $(CFLAGS) $^ -o $@ -lm
$(B)/reflector: $(addprefix $(B)/obj/,bench/src/reflector.o bench/src/reflect.o $(UTIL_SRCS:.c=.o))
	$(CC) $(CFLAGS) $^ -o $@
# The LD_PRELOAD shim: position-independent, nothing but its own file.
$(B)/alloccount.so: bench/src/alloccount.c | $(B)
	$(CC) $(CPPFLAGS) $(WARN) $(CFLAGS) $(DEPFLAGS) -shared -fPIC $< -o $@
# The reflector on io_uring.
$(B)/reflector-uring: $(addprefix $(B)/obj/,bench/src/reflector_uring.o bench/src/reflect.o $(UTIL_SRCS:.c=.o))
	$(CC) $(CFLAGS) $^ -o $@ $(URING_LIBS)
bench: deps
	$(MAKE) all $(B)/tapbench $(B)/reflector $(B)/alloccount.so
	bash bench/run.sh
# reflector against reflector-uring (read per frame vs io_uring batches), all threads' CPU counted.
.PHONY: bench-uring
bench-uring: deps
	$(MAKE) $(B)/tapbench $(B)/reflector
	BENCH_SUITE=uring bash bench/run.sh

# --- soak (issue #7): mixed traffic against the release daemon, then the ASan one ----------
# Not part of `make check`. `sudo make soak` (10 + 2 minutes); a quick run:
# `sudo make soak SOAK_SECONDS=60 SOAK_ASAN_SECONDS=30`. Last line: `N passed, M failed`.
SOAK_SECONDS      ?= 600
SOAK_ASAN_SECONDS ?= 120
.PHONY: soak
soak: all $(BA)/tapstackd
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_ASAN_SECONDS=$(SOAK_ASAN_SECONDS) bash tests/soak/soak.sh

# --- install (issue #17): `make install [PREFIX=/usr/local] [DESTDIR=...]`; nothing outside
# DESTDIR is touched. The unit's paths and the completion's knob names are filled in here.
PREFIX     ?= /usr/local
SYSCONFDIR ?= /etc
SBINDIR    := $(PREFIX)/sbin
BINDIR     := $(PREFIX)/bin
MANDIR     := $(PREFIX)/share/man
DOCDIR     := $(PREFIX)/share/doc/tapstack
UNITDIR    ?= $(PREFIX)/lib/systemd/system
COMPLDIR   ?= $(PREFIX)/share/bash-completion/completions
KNOB_NAMES  = $(shell sed -n 's/^\tX.\([a-z_0-9]*\),.*/\1/p' stack/knobs.h)
INSTALLED  := $(SBINDIR)/tapstackd $(BINDIR)/tapstackctl $(MANDIR)/man8/tapstackd.8 \
	$(MANDIR)/man8/tapstackctl.8 $(MANDIR)/man5/tapstackd.conf.5 $(UNITDIR)/tapstackd.service \
	$(DOCDIR)/tapstackd.conf.example $(COMPLDIR)/tapstackctl
.PHONY: install uninstall
install: all
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 \
		$(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(DOCDIR) $(DESTDIR)$(COMPLDIR)
	install -m 0755 $(B)/tapstackd $(DESTDIR)$(SBINDIR)/tapstackd
	install -m 0755 $(B)/tapstackctl $(DESTDIR)$(BINDIR)/tapstackctl
	install -m 0644 docs/man/tapstackd.8 docs/man/tapstackctl.8 $(DESTDIR)$(MANDIR)/man8/
	install -m 0644 docs/man/tapstackd.conf.5 $(DESTDIR)$(MANDIR)/man5/
	sed -e 's|@SBINDIR@|$(SBINDIR)|g' -e 's|@SYSCONFDIR@|$(SYSCONFDIR)|g' \
		dist/tapstackd.service.in >$(DESTDIR)$(UNITDIR)/tapstackd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/tapstackd.service
	install -m 0644 dist/tapstackd.conf.example $(DESTDIR)$(DOCDIR)/tapstackd.conf.example
	sed -e 's|@KNOBS@|$(KNOB_NAMES)|' dist/tapstackctl.bash-completion.in >$(DESTDIR)$(COMPLDIR)/tapstackctl
	chmod 0644 $(DESTDIR)$(COMPLDIR)/tapstackctl
uninstall:
	rm -f $(addprefix $(DESTDIR),$(INSTALLED))
	-rmdir $(DESTDIR)$(DOCDIR) 2>/dev/null

# --- dependency files written by -MMD (absent before the first build: -include) ---
BENCH_SRCS := $(filter-out bench/src/alloccount.c,$(wildcard bench/src/*.c))
ALL_OBJS := $(foreach d,$(B) $(BA),$(addprefix $(d)/obj/,$(sort $(D_SRCS:.c=.o) $(CTL_SRCS:.c=.o) \
	$(U_SRCS:.c=.o) $(CORE_SRCS:.c=.o)))) $(FUZZ_SRCS:%.c=$(BF)/obj/%.o) $(BENCH_SRCS:%.c=$(B)/obj/%.o)
-include $(ALL_OBJS:.o=.d) $(B)/alloccount.d
