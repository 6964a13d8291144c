# walfs: `make run` starts a single node; `make test` runs every test.
# Both install what they need first (scripts/install-deps.sh, idempotent).

BUILD      ?= build
ASAN_BUILD ?= build-asan
TSAN_BUILD ?= build-tsan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS       ?= $(shell nproc)
CMAKE_FLAGS ?=
# Unity builds (a few sources per translation unit, each header parsed once
# per batch) halve a build from scratch: 4m21 against 8m32 for the Release
# build on two cores. UNITY=OFF for quicker rebuilds of one edited file.
UNITY      ?= ON

.PHONY: all deps build package run test test-unit test-asan test-tsan faults bench bench-smoke fuzz fuzz-smoke format format-check thread-safety conformance clean

all: build

deps:
	bash scripts/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_UNITY_BUILD=$(UNITY) $(CMAKE_FLAGS)
	cmake --build $(BUILD) -j$(JOBS)

# The Debian package: $(BUILD)/walfs_<version>_<arch>.deb (cmake/package.cmake).
package: build
	cd $(BUILD) && cpack -G DEB

run: build
	./$(BUILD)/walfs serve --s3-listen 127.0.0.1:9000

# Every test of the Release build (unit, simulation, integration with real
# redis-server and walfs processes), the unit tests under ASan+UBSan, the
# fuzz targets briefly, the benchmark smoke run, and the fault scenarios
# that need no root (the disk-full and partition ones, the 2 GiB and 10 GiB
# files, and the NATS servers killed, frozen and cut off, some of which
# show anomalies not explained yet (reliability.md, "Limits"), are in make
# faults).
test: format-check thread-safety build test-asan fuzz-smoke bench-smoke
	ctest --test-dir $(BUILD) --output-on-failure --timeout 600 -LE 'faults|nats_matrix' -j$(JOBS)
	./$(BUILD)/tests/faults_test --gtest_filter='-*DiskFull*:*CutOff*:LargeFiles*:NatsFaultsTest.*'


# Public conformance suites that walfs did not write, run from the shared
# folder beside the checkout (../shared/conformance; or, in a clone of a
# local checkout, beside the checkout it was cloned from; or
# CONFORMANCE_DIR=...): ceph/s3-tests against a walfs it starts, every test
# listed in tests/conformance/s3-tests-pass.txt (docs/s3.md says what the
# rest are); fsx on a walfs mount, FSX_SEEDS seeds of FSX_OPS operations;
# pjdfstest's groups on a walfs mount, every failure listed with why in
# tests/conformance/pjdfstest-expected.txt (as root: FUSE; docs/mount.md).
# make test does not need them.
CONFORMANCE_DIR ?= $(shell bash scripts/find-conformance.sh)
FSX_SEEDS ?= 10
FSX_OPS ?= 10000
conformance: build
	@test -d "$(CONFORMANCE_DIR)/s3-tests" || { echo "conformance: no suites at '$(CONFORMANCE_DIR)' (give CONFORMANCE_DIR=.../conformance)"; exit 1; }
	/usr/bin/python3 tests/conformance/run_s3_tests.py $(CONFORMANCE_DIR)/s3-tests $(BUILD)/walfs
	/usr/bin/python3 tests/conformance/run_fsx.py $(CONFORMANCE_DIR)/fsx $(BUILD)/walfs $(FSX_SEEDS) $(FSX_OPS)
	/usr/bin/python3 tests/conformance/run_pjdfstest.py $(CONFORMANCE_DIR)/pjdfstest $(BUILD)/walfs

# Every benchmark case against its baseline, measured in the same run
# (several minutes); the table goes to stdout and bench/results/latest.json.
bench: build
	/usr/bin/python3 bench/run.py

# Every case for a second or two, so that the suite keeps working; its
# figures mean nothing.
bench-smoke: build
	/usr/bin/python3 bench/run.py --smoke --out $(BUILD)/bench-smoke.json

# clang's -Wthread-safety over every source file that takes a lock (all
# that use MutexLock or a Worker: the replica's actors, the local log, the
# ops), syntax only: GUARDED_BY fields touched without their Mutex fail it.
# It first checks that clang refuses a deliberate violation, so a silently
# disabled check fails too. (http/ holds no locks; clang 14 could not parse
# its Asio coroutines with libstdc++ 12 anyway.)
TSA_FLAGS = -std=c++20 -fsyntax-only -Wall -Wextra -Werror -Wno-unused-parameter -Wthread-safety \
  -DSPDLOG_FMT_EXTERNAL -DSPDLOG_COMPILED_LIB -DSPDLOG_SHARED_LIB -DFMT_SHARED \
  -D_FILE_OFFSET_BITS=64 -Isrc -isystem /usr/include/hiredis -isystem /usr/include/fuse3
thread-safety: deps
	@if clang++ $(TSA_FLAGS) tests/thread_safety/unguarded_access.cc 2>/dev/null; then \
	  echo "thread-safety: clang accepted tests/thread_safety/unguarded_access.cc"; exit 1; fi
	grep -l -E 'MutexLock|worker_\.' src/*/*.cc | xargs -P$(JOBS) -n1 clang++ $(TSA_FLAGS)

test-unit: build
	ctest --test-dir $(BUILD) --output-on-failure -L unit

# -O1 with line tables only (-g1): stack traces keep their lines, and the
# build takes far less than at -O2 -g. The simulations run ASAN_SIM_SEEDS
# seeds here (the Release run in make test covers 500 of each).
ASAN_SIM_SEEDS ?= 100
test-asan: deps
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG="-O1 -g1" \
	  -DWALFS_SANITIZE=ON -DWALFS_UNIT_ONLY=ON -DCMAKE_UNITY_BUILD=$(UNITY)
	cmake --build $(ASAN_BUILD) -j$(JOBS)
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 WALFS_SIM_SEEDS=$(ASAN_SIM_SEEDS) \
	  ctest --test-dir $(ASAN_BUILD) --output-on-failure -L unit --timeout 600 -j$(JOBS)

# The unit tests and the simulation (2000 seeds) under ThreadSanitizer. The
# server binary itself is not built with TSan: Boost.Asio's fences are not
# modelled by it (g++ refuses them under -fsanitize=thread).
test-tsan: deps
	cmake -S . -B $(TSAN_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALFS_TSAN=ON -DWALFS_UNIT_ONLY=ON \
	  -DCMAKE_UNITY_BUILD=$(UNITY)
	cmake --build $(TSAN_BUILD) -j$(JOBS)
	TSAN_OPTIONS=halt_on_error=1 WALFS_SIM_SEEDS=2000 \
	  ctest --test-dir $(TSAN_BUILD) --output-on-failure -L unit --timeout 900

# Fault scenarios with real processes (replicas and Redis killed, the log
# lost, answers lost, a full disk, a network partition; the last two need
# root for tmpfs and network namespaces; NATS servers killed, frozen and cut
# off, and the replica kills and lost answers again on NATS), the simulations with a faulty log
# and store (SIM_FAULT_SEEDS seeds each: the state machine's, and the real
# applier, proposer and waiters'), and the unit tests and the simulation
# under TSan. docs/reliability.md says what each shows.
SIM_FAULT_SEEDS ?= 5000
faults: build test-tsan
	WALFS_SIM_SEEDS=$(SIM_FAULT_SEEDS) ./$(BUILD)/tests/sim_test --gtest_filter='*Faulty*'
	WALFS_SIM_SEEDS=$(SIM_FAULT_SEEDS) ./$(BUILD)/tests/actor_sim_test
	./$(BUILD)/tests/faults_test
	ctest --test-dir $(BUILD) --output-on-failure -L nats_matrix
	WALFS_TEST_LOG=nats ./$(BUILD)/tests/faults_test \
	  --gtest_filter='FaultsTest.ReplicasKilledUnderLoad*:FaultsTest.RetriesWithIdempotencyKeys*'

# libFuzzer (clang 14) on the entry decoder, paths, Range, transaction JSON,
# the request parser and the state machine, FUZZ_SECONDS each, from the
# seed corpora in tests/fuzz/corpus. A crash fails the run and leaves its
# input in $(FUZZ_BUILD)/crashes.
fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWALFS_FUZZ=ON -DWALFS_UNIT_ONLY=ON
	cmake --build $(FUZZ_BUILD) -j$(JOBS) --target fuzz_targets
	bash tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

fuzz-smoke:
	$(MAKE) --no-print-directory fuzz FUZZ_SECONDS=5

# clang-format (.clang-format: Google style, 100 columns) over every C++
# source: format rewrites them, format-check (in make test) fails on any
# file that format would change.
FORMAT_FILES = $(shell git ls-files 'src/*.cc' 'src/*.h' 'tests/*.cc' 'tests/*.h' 'bench/*.cc' 2>/dev/null)
format: deps
	clang-format -i $(FORMAT_FILES)

format-check: deps
	@clang-format --dry-run -Werror $(FORMAT_FILES) && echo "format-check: $(words $(FORMAT_FILES)) files formatted"

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(TSAN_BUILD) $(FUZZ_BUILD)
