# itrace-tui build.  `make` builds build/libitrace.a and build/bin/*;
# `make check` installs missing packages, starts a throwaway PostgreSQL and
# runs every test, then the same suite under ASan+UBSan.
# BUILD selects the output directory (helpers and the sanitizer pass use
# their own); SANITIZE=1 adds -fsanitize=address,undefined.

BUILD    ?= build
PREFIX   ?= /usr/local
DESTDIR  ?=
CC       ?= cc
PKG      ?= pkg-config
PKGS      = ncursesw libcurl jansson libpq libpcre2-8 libmicrohttpd
PKG_CFLAGS := $(shell $(PKG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell $(PKG) --libs $(PKGS) 2>/dev/null)
CMOCKA_CFLAGS := $(shell $(PKG) --cflags cmocka 2>/dev/null)
CMOCKA_LIBS   := $(shell $(PKG) --libs cmocka 2>/dev/null)

WARN     = -Wall -Wextra -Werror -Wshadow -Wconversion -Wno-sign-conversion \
           -Wstrict-prototypes -Wmissing-prototypes -Wformat=2
OPT     ?= -O2 -g
CPPFLAGS += -D_GNU_SOURCE -DITRACE_DATADIR='"$(PREFIX)/share/itrace-tui"' -Isrc
CFLAGS  ?=
ALL_CFLAGS = -std=c17 $(OPT) $(WARN) $(CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS)
ifeq ($(SANITIZE),1)
ALL_CFLAGS += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDSAN = -fsanitize=address,undefined
endif
LDLIBS  = $(PKG_LIBS) -lm -lpthread

LIB_SRC  = $(wildcard src/core/*.c src/db/*.c src/api/*.c)
LIB_OBJ  = $(LIB_SRC:%.c=$(BUILD)/obj/%.o) $(BUILD)/obj/gen/migrations.o
SQL_SRC  = $(sort $(wildcard src/db/sql/*.sql))
PROGS    = itrace-ingest itrace-tui itrace-cmdd itrace-endpoint-sim itrace-demo-gen
prog_dir = $(patsubst itrace-%,%,$(subst itrace-demo-gen,demo,$(subst itrace-endpoint-sim,sim,$(subst itrace-tui,tui,$(1)))))
PROG_BIN = $(foreach p,$(PROGS),$(if $(wildcard src/$(call prog_dir,$(p))/*.c),$(BUILD)/bin/$(p)))

UNIT_SRC  = $(wildcard tests/unit/test_*.c)
UNIT_BIN  = $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/unit/%)
INTEG_SRC = $(wildcard tests/integ/test_*.c)
INTEG_BIN = $(INTEG_SRC:tests/integ/%.c=$(BUILD)/tests/integ/%)
TLIB_SRC  = $(wildcard tests/lib/*.c)
TLIB_OBJ  = $(TLIB_SRC:%.c=$(BUILD)/obj/%.o)
BENCH_SRC = $(wildcard tests/bench/*.c)
BENCH_BIN = $(BENCH_SRC:tests/bench/%.c=$(BUILD)/bench/%)

.PHONY: all tests check check-build bench install clean demo demo-reset fuzz deps
all: $(BUILD)/libitrace.a $(PROG_BIN)

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/gen/migrations.c: $(SQL_SRC) src/db/gen-migrations.sh
	@mkdir -p $(@D)
	src/db/gen-migrations.sh $(SQL_SRC) > $@

$(BUILD)/obj/gen/migrations.o: $(BUILD)/gen/migrations.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/libitrace.a: $(LIB_OBJ)
	@mkdir -p $(@D)
	rm -f $@ && ar rcs $@ $^

define prog_rule
$(BUILD)/bin/$(1): $$(patsubst %.c,$(BUILD)/obj/%.o,$$(wildcard src/$(call prog_dir,$(1))/*.c)) $(BUILD)/libitrace.a
	@mkdir -p $$(@D)
	$$(CC) $(LDSAN) -o $$@ $$^ $$(LDLIBS)
endef
$(foreach p,$(PROGS),$(eval $(call prog_rule,$(p))))

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libitrace.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Wno-missing-prototypes -MMD -MP -MF $@.d -o $@ $< $(BUILD)/libitrace.a $(CMOCKA_LIBS) $(LDSAN) $(LDLIBS)

$(BUILD)/tests/integ/%: tests/integ/%.c $(TLIB_OBJ) $(BUILD)/libitrace.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) $(CMOCKA_CFLAGS) -Wno-missing-prototypes -MMD -MP -MF $@.d -Itests/lib -o $@ $< $(TLIB_OBJ) $(BUILD)/libitrace.a $(CMOCKA_LIBS) $(LDSAN) $(LDLIBS)

$(BUILD)/bench/%: tests/bench/%.c $(TLIB_OBJ) $(BUILD)/libitrace.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CFLAGS) -Wno-missing-prototypes -MMD -MP -MF $@.d -Itests/lib -o $@ $< $(TLIB_OBJ) $(BUILD)/libitrace.a $(LDSAN) $(LDLIBS)

tests: all $(UNIT_BIN) $(INTEG_BIN)

# The whole suite: packages, a throwaway PostgreSQL, plain and sanitizer passes.
check:
	@tests/lib/deps.sh
	@tests/run-checks.sh

deps:
	@tests/lib/deps.sh

# libFuzzer targets built with clang, each run FUZZ_SECONDS (default 60);
# prints executions and crashes per target (tests/fuzz/run.sh).
fuzz:
	@FUZZ_BUILD=$(BUILD)/fuzz tests/fuzz/run.sh

# cppcheck and clang-tidy over src/ with the checked-in configuration.
.PHONY: lint
lint:
	@tests/lib/lint.sh

bench:
	@tests/lib/deps.sh
	@$(MAKE) --no-print-directory all $(BENCH_BIN)
	@BUILD=$(BUILD) tests/bench/run.sh

# The living demo (src/demo/demo.sh): private cluster in the state directory,
# itrace-cmdd, itrace-endpoint-sim, the console; ITRACE_DEMO_SMOKE=1 runs it
# in tmux and checks that quitting leaves nothing running.
demo:
	@tests/lib/deps.sh
	@$(MAKE) --no-print-directory all
	@ITRACE_BIN=$(abspath $(BUILD))/bin src/demo/demo.sh run

demo-reset:
	@ITRACE_BIN=$(abspath $(BUILD))/bin src/demo/demo.sh reset

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	  $(DESTDIR)$(PREFIX)/share/itrace-tui/themes $(DESTDIR)$(PREFIX)/share/itrace-tui/keymaps
	install -m 755 $(PROG_BIN) $(DESTDIR)$(PREFIX)/bin/
	install -m 644 $(wildcard *.1 src/*/*.1) $(DESTDIR)$(PREFIX)/share/man/man1/
	install -m 644 src/db/citus.sql $(DESTDIR)$(PREFIX)/share/itrace-tui/
	$(if $(wildcard themes/*.theme),install -m 644 $(wildcard themes/*.theme) $(DESTDIR)$(PREFIX)/share/itrace-tui/themes/)
	$(if $(wildcard keymaps/*.keys),install -m 644 $(wildcard keymaps/*.keys) $(DESTDIR)$(PREFIX)/share/itrace-tui/keymaps/)

clean:
	rm -rf build

# Dependency files of objects and of the one-step test and bench programs
# (a test that #includes a source file is rebuilt when that file changes).
-include $(shell find $(BUILD)/obj $(BUILD)/tests $(BUILD)/bench -name '*.d' 2>/dev/null)
