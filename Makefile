# The README's commands. meson and ninja do the building; these targets wrap them.
#   make          build/solidarity (debug-optimised)
#   make test     install what is missing, build under ASan+UBSan, run every test
#   make run      install, build, start a demo node on 127.0.0.1:8400
#   make bench    benchmarks, each with its baseline measured in the same run
#   make fuzz     libFuzzer on every target for FUZZ_SECONDS each (clang)
#   make release  hardened optimised build in build-release/
#   make lint     clang-tidy and cppcheck on the project's own code; clang-format check
#   make format   clang-format every C file

MESON ?= meson
NINJA ?= ninja
WERROR := $(if $(CI),-Dwerror=true,)
FUZZ_SECONDS ?= 60
T ?=

.PHONY: all deps build test run bench fuzz release lint format clean

all: build

deps:
	@scripts/install-deps

build: deps
	@test -f build/build.ninja || $(MESON) setup build $(WERROR) >/dev/null
	@$(NINJA) -C build

build-test/build.ninja:
	$(MESON) setup build-test -Db_sanitize=address,undefined -Db_lundef=false \
	    -Dbuildtype=debug -Doptimization=1 $(WERROR) >/dev/null

test:
	@scripts/install-deps --test
	@$(MAKE) --no-print-directory build-test/build.ninja
	@$(NINJA) -C build-test
	@ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    tests/run build-test $(T)

release: deps
	@test -f build-release/build.ninja || $(MESON) setup build-release -Dbuildtype=release \
	    -Dhardening=true -Db_pie=true $(WERROR) >/dev/null
	@$(NINJA) -C build-release

run: release
	@scripts/run-demo build-release/solidarity

bench:
	@scripts/install-deps --bench
	@$(MAKE) --no-print-directory release
	@bench/run build-release

fuzz:
	@scripts/install-deps --fuzz
	@test -f build-fuzz/build.ninja || CC=clang CXX=clang++ $(MESON) setup build-fuzz \
	    -Dfuzzer=true -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug \
	    -Doptimization=1 >/dev/null
	@$(NINJA) -C build-fuzz
	@scripts/fuzz build-fuzz $(FUZZ_SECONDS)

lint:
	@scripts/install-deps --lint
	@scripts/lint

format:
	@find src include tests fuzz bench -name '*.[ch]' | xargs clang-format -i

clean:
	rm -rf build build-test build-release build-fuzz
