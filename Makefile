# CryptNode toolkit. `make run` is the main job, `make test` the whole test suite;
# both do all set-up on a fresh machine first.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift
PORT ?= 9000
DATA ?= cn-relay-data

.PHONY: setup build release run test test-swift test-interop fuzz bench clean

setup:
	@scripts/setup.sh

build: setup
	$(SWIFT) build --build-tests

release: setup
	$(SWIFT) build -c release --product cn-relay

# The main job: a local relay on :$(PORT) with its SQLite store in ./$(DATA), and two
# accounts (stores in ./cn-demo) admitted with `cn-relay token` that befriend each other
# and print their (equal) safety numbers.
run: setup
	$(SWIFT) build
	scripts/run-local.sh "$(PORT)" "$(DATA)"

test: build
	$(MAKE) --no-print-directory test-swift test-interop

test-swift:
	$(SWIFT) test --skip-build

test-interop:
	CN_RELAY_BIN="$$($(SWIFT) build --show-bin-path)/cn-relay" python3 -m pytest -q Tests/interop

# A short libFuzzer run over the frame decoders (scanner vs. Codable, see Fuzz/README.md).
fuzz: setup
	scripts/fuzz.sh $(or $(FUZZ_SECONDS),60)

bench: setup
	scripts/bench.sh
	scripts/bench-client.sh
	scripts/bench-messaging.sh

clean:
	rm -rf .build .build-*
