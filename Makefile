# Aviary — top-level entry points. `make test` works on a fresh Debian 12 machine.
#   make demo      install deps, build, and run `aviary demo` (the seed's rollout on this machine)
#   make test      install deps, configure, build (release), run every CTest test
#   make build     configure + build only (build/)
#   make asan      ASan+UBSan build in build-asan/ and run the tests there
#   make fuzz      clang libFuzzer targets in build-fuzz/ (run them with FUZZ_SECONDS=N make fuzz-run)
#   make bench     build the benchmark binaries (scripts live in bench/)
JOBS ?= $(shell nproc)
BUILD ?= build
CMAKE_FLAGS ?=
CTEST_FLAGS ?= --output-on-failure
LAUNCHER := $(shell command -v ccache >/dev/null 2>&1 && echo -DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
# Paths under the checkout are hashed relative to it, so a fresh clone reuses an earlier build's cache.
export CCACHE_BASEDIR := $(CURDIR)

DEMO_FLAGS ?=

.PHONY: deps build demo test asan fuzz fuzz-run bench clean format

deps:
	@./scripts/install-deps.sh

$(BUILD)/build.ninja:
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release $(LAUNCHER) $(CMAKE_FLAGS)

build: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	$(BUILD)/src/cli/aviary demo $(DEMO_FLAGS)

# After the tests, every skipped test is listed with its reason, then a one-line total, read from
# CTest's JUnit report (--test-output-size-passed keeps a passed binary's whole output there;
# CTest would cut it at 1 KiB).
test: build
	cd $(BUILD) && status=0; ctest -j $(JOBS) $(CTEST_FLAGS) --output-junit ctest-junit.xml --test-output-size-passed 8388608 || status=$$?; \
	  $(CURDIR)/scripts/skipped-tests.sh ctest-junit.xml; exit $$status

asan: deps
	cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAVIARY_SANITIZE=ON $(LAUNCHER) $(CMAKE_FLAGS)
	cmake --build build-asan -j $(JOBS)
	cd build-asan && status=0; ctest -j $(JOBS) $(CTEST_FLAGS) -LE slow --output-junit ctest-junit.xml --test-output-size-passed 8388608 || status=$$?; \
	  $(CURDIR)/scripts/skipped-tests.sh ctest-junit.xml; exit $$status

fuzz: deps
	CC=clang CXX=clang++ cmake -S . -B build-fuzz -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAVIARY_FUZZ=ON $(LAUNCHER)
	cmake --build build-fuzz -j $(JOBS) --target aviary_fuzzers

FUZZ_SECONDS ?= 60
fuzz-run: fuzz
	./scripts/run-fuzzers.sh build-fuzz $(FUZZ_SECONDS)

bench: deps $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

format:
	find src tests bench fuzz -name '*.h' -o -name '*.cpp' | xargs clang-format -i

clean:
	rm -rf build build-asan build-fuzz
