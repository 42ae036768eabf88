# Build rules shared by examples/c/Makefile and tests/c/Makefile: compile C programs against
# include/liner.h, link them with libliner_broker (shared or static), and the targets
# `all` (the default), `run` and `clean`. The including Makefile sets PROGRAMS (one program
# per <name>.c) and may add its own HEADERS.
#
# Variables (all optional):
#   CC            compiler (cross: arm-linux-gnueabihf-gcc, aarch64-linux-gnu-gcc, clang-14…)
#   LIB_DIR       directory holding libliner_broker.so / .a
#                 (default: $CARGO_TARGET_DIR/release, else <repo>/target/release;
#                 give an absolute path, e.g. LIB_DIR=$PWD/target/armv7-unknown-linux-gnueabihf/release)
#   LINK          shared (default: -lliner_broker with an rpath to LIB_DIR) or static
#                 (LIB_DIR/libliner_broker.a plus NATIVE_LIBS)
#   NATIVE_LIBS   system libraries the static library needs
#                 (`cargo rustc -p liner-p2p-c --release -- --print native-static-libs`)
#   OUT           output directory (default: build)
#   EXTRA_CFLAGS  added to the warnings below, e.g. -fsanitize=address,undefined
#   EXTRA_LDFLAGS added at link time
#   RUN_PREFIX    prefix of `make run`, e.g. "qemu-arm -L /usr/arm-linux-gnueabihf" or "valgrind …"

LINER_C_DIR := $(dir $(abspath $(lastword $(MAKEFILE_LIST))))
REPO_ROOT := $(abspath $(LINER_C_DIR)/../..)
CARGO_TARGET_DIR ?= $(REPO_ROOT)/target
LIB_DIR ?= $(CARGO_TARGET_DIR)/release
LINK ?= shared
NATIVE_LIBS ?= -lgcc_s -lutil -lrt -lpthread -lm -ldl -lc
OUT ?= build

CC ?= cc
OPT_CFLAGS ?= -O2 -g
WARNINGS := -std=c11 -Wall -Wextra -Wpedantic -Werror
CPPFLAGS += -I$(REPO_ROOT)/include -I$(LINER_C_DIR)
ALL_CFLAGS = $(OPT_CFLAGS) $(WARNINGS) $(EXTRA_CFLAGS)

ifeq ($(LINK),static)
LINER_LIBS = $(LIB_DIR)/libliner_broker.a $(NATIVE_LIBS)
LINER_LIB_FILE = $(LIB_DIR)/libliner_broker.a
else ifeq ($(LINK),shared)
LINER_LIBS = -L$(LIB_DIR) -lliner_broker -Wl,-rpath,$(LIB_DIR)
LINER_LIB_FILE = $(LIB_DIR)/libliner_broker.so
else
$(error LINK must be shared or static, not '$(LINK)')
endif

HEADERS += $(REPO_ROOT)/include/liner.h $(LINER_C_DIR)/common.h

$(OUT):
	mkdir -p $@

$(OUT)/%: %.c $(HEADERS) $(LINER_LIB_FILE) | $(OUT)
	$(CC) $(CPPFLAGS) $(ALL_CFLAGS) -o $@ $< $(LINER_LIBS) $(EXTRA_LDFLAGS)

$(LINER_LIB_FILE):
	@echo "missing $@: build it first (cargo build --release -p liner-p2p-c [--target ...]) or set LIB_DIR" >&2
	@exit 1

.DEFAULT_GOAL := all
.PHONY: all run clean
all: $(addprefix $(OUT)/,$(PROGRAMS))

# Each program takes the Redis URL and exits non-zero on failure.
run: all
	@test -n "$(LINER_REDIS_URL)" || { echo "set LINER_REDIS_URL" >&2; exit 2; }
	@for program in $(PROGRAMS); do \
		echo "== $$program"; \
		$(RUN_PREFIX) $(OUT)/$$program "$(LINER_REDIS_URL)" || exit 1; \
	done

clean:
	rm -rf $(OUT)
