# motcua build. `make` builds build/motcua; `make run` sets up and serves the
# demo; `make check` runs every test; `make bench` runs the benchmarks.
# SAN=1 builds with AddressSanitizer + UndefinedBehaviorSanitizer,
# WERROR=1 turns warnings into errors (CI does both).

BUILD   ?= build
CC      ?= cc
PKGS    := libevent libevent_pthreads libevent_openssl jansson sqlite3 openssl libargon2 \
           liboath cairo pangocairo libqrencode libcurl xlsxwriter zlib libjpeg libpng \
           poppler-glib libxml-2.0 xmlsec1-openssl
WARN    := -Wall -Wextra -Wshadow -Wformat=2 -Wstrict-prototypes \
           -Wmissing-prototypes -Wno-unused-parameter
CFLAGS  ?= -O2 -g
CFLAGS  += -std=c17 -D_GNU_SOURCE -pthread $(WARN) -Isrc -I$(BUILD)/gen \
           $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
# libzxcvbn (password strength) ships no pkg-config file.
LDLIBS  += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lzxcvbn -lpthread -lm
ifeq ($(WERROR),1)
CFLAGS  += -Werror
endif
ifeq ($(SAN),1)
CFLAGS  += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif

LIB_SRC  := $(shell find src -name '*.c' ! -name main.c | sort)
LIB_OBJ  := $(LIB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/assets.o
ASSETS   := $(shell find db data web -type f 2>/dev/null | sort)
UNIT_SRC := $(wildcard tests/unit/test_*.c)
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)

.PHONY: all run check bench bench-linked unit-tests clean fmt layers
all: $(BUILD)/motcua

$(BUILD)/motcua: $(BUILD)/src/main.o $(LIB_OBJ)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -MMD -MP -c -o $@ $<

# Reference data, migrations and web pages are compiled into the binary.
$(BUILD)/tools/embed: tools/embed.c
	@mkdir -p $(dir $@)
	$(CC) -O2 -Wall -o $@ $<
$(BUILD)/gen/assets.c: $(BUILD)/tools/embed $(ASSETS)
	@mkdir -p $(dir $@)
	$(BUILD)/tools/embed $(ASSETS) > $@.tmp && mv $@.tmp $@
$(BUILD)/gen/assets.o: $(BUILD)/gen/assets.c
	$(CC) -c -o $@ $<

unit-tests: $(UNIT_BIN)
$(BUILD)/tests/%: tests/unit/%.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Benchmark drivers that call motcua's code in-process (bench/sign-bench,
# bench/search-bench).
BENCH_LINKED := $(BUILD)/bench/bin/sign_bench $(BUILD)/bench/bin/search_bench \
                $(BUILD)/bench/bin/edxml_bench
bench-linked: $(BENCH_LINKED)
$(BUILD)/bench/bin/%: bench/%.c bench/bench_cert.c $(LIB_OBJ)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $^ $(LDLIBS)

run:
	@scripts/run-demo.sh

# The include graph follows the layers (scripts/check-layers.sh --print shows it).
layers:
	@scripts/check-layers.sh

check:
	@scripts/check.sh

bench:
	@bench/run

fmt:
	clang-format -i $(shell find src tests tools -name '*.[ch]')

clean:
	rm -rf $(BUILD)

-include $(shell find $(BUILD) -name '*.d' 2>/dev/null)
