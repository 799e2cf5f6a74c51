# fcc — one plain Makefile (STYLE.md §7).
#
#   make              build ./fcc
#   make check        install missing Debian packages, build, run every test
#   make check-asan   the same under AddressSanitizer + UndefinedBehaviorSanitizer
#   make fuzz         libFuzzer harnesses (clang), 60 s each from the seed corpus
#   make deps         install the Debian packages fcc and its tests need
#   make bench-build  time fcc build against cdk synth (bench/build.sh)
#   make bench-plan   time a no-op fcc plan against the AWS CLI (bench/plan.sh)
#   make bench-apply  time a cold fcc apply against the AWS CLI (bench/apply.sh)
#
# Each variant builds in its own directory under out/ so objects never mix.

PKG_CONFIG ?= pkg-config
CC ?= cc
PKGS := yaml-0.1 libcyaml jansson libxml-2.0 libcurl libcrypto libpcre2-8 libzip

OUT ?= out/default
SAN ?=
CFLAGS ?= -O2 -g
WARN := -std=c11 -Wall -Wextra -Werror -Wstrict-prototypes -Wmissing-prototypes
FCC_CPPFLAGS := -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE -I.
ifeq ($(SAN),1)
SANFLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all
endif

PKG_CFLAGS = $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
PKG_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null)
CHECK_CFLAGS = $(shell $(PKG_CONFIG) --cflags check 2>/dev/null)
CHECK_LIBS = $(shell $(PKG_CONFIG) --libs check 2>/dev/null)

ALL_CFLAGS = $(WARN) $(FCC_CPPFLAGS) $(PKG_CFLAGS) $(CFLAGS) $(SANFLAGS) -MMD -MP
TEST_CFLAGS = $(filter-out -Wmissing-prototypes,$(ALL_CFLAGS)) $(CHECK_CFLAGS)
LDLIBS_ALL = $(PKG_LIBS) -lm

LIB_SRC := $(sort $(wildcard compiler/base/*.c compiler/*.c runtime/*.c runtime/aws/*.c))
# runtime/cli/*.c: the compiler commands, in both binaries; runtime/cli/aws/*.c:
# the AWS commands, in fcc-runtime only (see runtime/cli/main.c).
CLI_SRC := $(sort $(wildcard runtime/cli/*.c))
AWS_CLI_SRC := $(sort $(wildcard runtime/cli/aws/*.c))
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
UNIT_TESTS := $(sort $(wildcard tests/unit/test_*.c))

# clang-format's output differs between versions: pin the one tools/deps.sh installs
CLANG_FORMAT ?= clang-format-14
LINT_SRC := $(sort $(wildcard compiler/base/*.[ch] compiler/*.[ch] runtime/*.[ch] runtime/aws/*.[ch] \
	runtime/cli/*.[ch] runtime/cli/aws/*.[ch] tests/unit/*.[ch] tests/fuzz/*.c bench/*.c))
LIB_OBJ := $(LIB_SRC:%.c=$(OUT)/%.o)
CLI_OBJ := $(CLI_SRC:%.c=$(OUT)/%.o)
AWS_CLI_OBJ := $(AWS_CLI_SRC:%.c=$(OUT)/%.o)
FRONT_OBJ := $(filter-out $(OUT)/runtime/cli/main.o,$(CLI_OBJ)) $(OUT)/runtime/cli/main-front.o
UNIT_OBJ := $(UNIT_SRC:%.c=$(OUT)/%.o)

LIBFCC := $(OUT)/libfcc.a
FCC_BIN := $(OUT)/fcc
RT_BIN := $(OUT)/fcc-runtime
UNIT_BIN := $(OUT)/unit-tests

.PHONY: all check check-asan test deps fuzz bench bench-calls bench-build bench-plan bench-apply clean lint format \
	golden-update

all: fcc

# ./fcc is the default build; variants keep their binary in $(OUT).
fcc: $(FCC_BIN) $(RT_BIN)
	@if [ "$(OUT)" = "out/default" ]; then \
		cp $(RT_BIN) fcc-runtime.tmp && mv fcc-runtime.tmp fcc-runtime && \
		cp $(FCC_BIN) fcc.tmp && mv fcc.tmp fcc; fi

$(OUT)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -c $< -o $@

$(LIBFCC): $(LIB_OBJ)
	@rm -f $@
	ar rcs $@ $^

$(OUT)/runtime/cli/main-front.o: runtime/cli/main.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -DFCC_FRONT -c $< -o $@

# --as-needed keeps libcurl and libxml2 out of fcc, which never calls them.
$(FCC_BIN): $(FRONT_OBJ) $(LIBFCC)
	$(CC) $(CFLAGS) $(SANFLAGS) -Wl,--as-needed -o $@ $(FRONT_OBJ) $(LIBFCC) $(LDLIBS_ALL)

$(RT_BIN): $(CLI_OBJ) $(AWS_CLI_OBJ) $(LIBFCC)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(CLI_OBJ) $(AWS_CLI_OBJ) $(LIBFCC) $(LDLIBS_ALL)

# The unit runner collects one suite per tests/unit/test_<module>.c, each
# defining `Suite *suite_<module>(void)`.
$(OUT)/tests/unit/suites.inc: $(UNIT_TESTS) Makefile
	@mkdir -p $(dir $@)
	@for f in $(UNIT_TESTS); do n=$$(basename $$f .c); echo "FCC_SUITE(suite_$${n#test_})"; done > $@.tmp && mv $@.tmp $@

$(OUT)/tests/unit/main.o: tests/unit/main.c $(OUT)/tests/unit/suites.inc
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -I$(OUT)/tests/unit -c $< -o $@

$(OUT)/tests/unit/test_%.o: tests/unit/test_%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(OUT)/tests/unit/%.o: tests/unit/%.c
	@mkdir -p $(dir $@)
	$(CC) $(TEST_CFLAGS) -c $< -o $@

$(UNIT_BIN): $(UNIT_OBJ) $(LIBFCC)
	$(CC) $(CFLAGS) $(SANFLAGS) -o $@ $(UNIT_OBJ) $(LIBFCC) $(CHECK_LIBS) $(LDLIBS_ALL)

# Corpus replay: each harness linked with a plain main(), run by tests/run.sh.
FUZZ_HARNESS := $(sort $(wildcard tests/fuzz/fuzz_*.c))
REPLAY_BINS := $(FUZZ_HARNESS:tests/fuzz/%.c=$(OUT)/replay/%)

$(OUT)/replay/%: tests/fuzz/%.c tests/fuzz/replay_main.c $(LIBFCC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ $< tests/fuzz/replay_main.c $(LIBFCC) $(LDLIBS_ALL)

deps:
	@sh tools/deps.sh

check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory all $(UNIT_BIN) $(REPLAY_BINS)
	@sh tests/run.sh $(OUT)

check-asan: deps
	@$(MAKE) --no-print-directory OUT=out/asan SAN=1 CFLAGS="-O1 -g" out/asan/fcc out/asan/fcc-runtime \
		out/asan/unit-tests \
		$(FUZZ_HARNESS:tests/fuzz/%.c=out/asan/replay/%)
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		sh tests/run.sh out/asan

test: all $(UNIT_BIN) $(REPLAY_BINS)
	@sh tests/run.sh $(OUT)

FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_TIME ?= 60
fuzz: deps
	@$(MAKE) --no-print-directory OUT=out/fuzz CC=clang \
		SANFLAGS="-fsanitize=fuzzer-no-link,address,undefined" CFLAGS="-O1 -g" out/fuzz/libfcc.a
	@mkdir -p out/fuzz/bin
	@for f in $(FUZZ_SRC); do n=$$(basename $$f .c); \
		clang $(WARN) $(FCC_CPPFLAGS) $(PKG_CFLAGS) -O1 -g -fsanitize=fuzzer,address,undefined \
		-o out/fuzz/bin/$$n $$f out/fuzz/libfcc.a $(LDLIBS_ALL) || exit 1; \
		mkdir -p out/fuzz/corpus/$$n; \
		echo "fuzz: $$n for $(FUZZ_TIME)s"; \
		out/fuzz/bin/$$n -max_total_time=$(FUZZ_TIME) -max_len=65536 \
			out/fuzz/corpus/$$n tests/fuzz/corpus/$$n || exit 1; done

# Rewrite the expected diagnostics of tests/specs/bad and tests/specs/template, and the plan
# scenarios' expected renderings under tests/plan/fixtures, for review (git diff).
golden-update: all $(UNIT_BIN)
	FCC_SRCDIR=$(CURDIR) FCC_GOLDEN_UPDATE=1 CK_RUN_SUITE=spec $(UNIT_BIN)
	FCC_SRCDIR=$(CURDIR) FCC_GOLDEN_UPDATE=1 CK_RUN_SUITE=emit_cfn CK_RUN_CASE=cases $(UNIT_BIN)
	FCC_SRCDIR=$(CURDIR) FCC_GOLDEN_UPDATE=1 CK_RUN_SUITE=progress $(UNIT_BIN)
	FCC_SRCDIR=$(CURDIR) FCC_GOLDEN_UPDATE=1 CK_RUN_SUITE=plan CK_RUN_CASE=scenarios $(UNIT_BIN)
	FCC_SRCDIR=$(CURDIR) FCC_BIN=$(CURDIR)/$(FCC_BIN) FCC_GOLDEN_UPDATE=1 python3 tests/build/run_build.py
	@echo "tests/plan/golden: FCC_TEST_ENDPOINT=URL FCC_BIN=$(CURDIR)/$(FCC_BIN) FCC_GOLDEN_UPDATE=1 python3 tests/plan/run_plan.py"

bench: all
	@sh bench/check.sh

# The AWS calls benchmark (bench/calls.sh): fcc's runtime vs the AWS CLI
# against a local moto, and parallel calls under latency. Not part of check.
$(OUT)/bench/calls: bench/calls.c $(LIBFCC)
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -o $@ bench/calls.c $(LIBFCC) $(LDLIBS_ALL)

bench-calls: all $(OUT)/bench/calls
	@sh bench/calls.sh

# fcc build against cdk synth of the same template (needs node and npm; not part of check).
bench-build: all
	@sh bench/build.sh

# fcc plan against the AWS CLI on a local endpoint, and under 50 ms latency (not part of check).
bench-plan: all
	@sh bench/plan.sh

# fcc apply against the AWS CLI doing the same writes, 50 ms per request (not part of check).
bench-apply: all
	@sh bench/apply.sh

# Mechanical style (.clang-format), checked by make check; `make format` rewrites.
lint:
	@$(CLANG_FORMAT) --dry-run --Werror $(LINT_SRC)
	@echo "lint: $(words $(LINT_SRC)) files match .clang-format"

format:
	@$(CLANG_FORMAT) -i $(LINT_SRC)

clean:
	rm -rf out fcc fcc-runtime

-include $(LIB_OBJ:.o=.d) $(CLI_OBJ:.o=.d) $(AWS_CLI_OBJ:.o=.d) $(UNIT_OBJ:.o=.d) \
	$(OUT)/runtime/cli/main-front.d
