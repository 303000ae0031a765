# SPDX-License-Identifier: MIT
# Cairn's front door. A thin wrapper over meson (as QEMU's Makefile is):
# every target first runs scripts/setup.sh, which installs the Debian
# packages in scripts/packages.txt that are missing, then builds with ninja.
#
#   make run     build, format $(VOLUME) if it does not exist, boot it
#   make test    build and run every test (host cmocka + QEMU integration)
#   make bench   the benchmarks, under qemu -icount shift=0
#   make mutants plant each bug of test/mutants/ in a scratch tree and check
#                its test catches it (MUTANTS=names to run only some)
#   make gdb     boot halted with QEMU's gdbstub and attach gdb
#   make fmt     clang-format every tracked C file (.clang-format); fmt-check
#                only lists the files it would change (scripts/format.sh)
#   make clean   remove the build directory (never the volume)

BUILD   ?= build
VOLUME  ?= cairn.img
SIZE    ?= 256M
MEM     ?= 256M
QEMU_ARGS ?=
SOAK_OUTCOMMIT_KILLS ?= 2000
SOAK_CONSOLE_KILLS ?= 2000
# make run's NIC: QEMU user networking with the demo services forwarded
# from 127.0.0.1 only: http on HTTP_PORT, the UDP echo on ECHO_PORT (scripts/cairn-qemu
# --services; docs/network.md). RUN_NET= boots without a NIC.
HTTP_PORT ?= 8080
ECHO_PORT ?= 7007
RUN_NET ?= --http-port $(HTTP_PORT) --echo-port $(ECHO_PORT)

MESON_SETUP = meson setup --cross-file cross/riscv64-unknown-elf.txt $(BUILD)
FORMAT = $(BUILD)/disk-format/cairn-format --size $(SIZE) --image $(BUILD)/apps/default.image

.PHONY: all setup build run test bench soak mutants gdb clean format fmt fmt-check

all: build

setup:
	@./scripts/setup.sh

$(BUILD)/build.ninja:
	@./scripts/setup.sh
	$(MESON_SETUP)

build: setup $(BUILD)/build.ninja
	ninja -C $(BUILD)

# `make format` makes a fresh volume (replacing $(VOLUME)); `make run` only
# creates one when it does not exist, so a second `make run` boots (and
# resumes) the same system.
format: build
	$(FORMAT) --force $(VOLUME)

run: build
	@[ -e $(VOLUME) ] || $(FORMAT) $(VOLUME)
	./scripts/cairn-qemu --build $(BUILD) --mem $(MEM) $(RUN_NET) $(QEMU_ARGS) $(VOLUME)

test: build
	meson test -C $(BUILD) --print-errorlogs --num-processes 2

bench: build
	python3 test/qemu/bench.py --build $(BUILD)
	python3 test/qemu/bench_ckpt.py --build $(BUILD) --check
	python3 test/qemu/bench_scale.py --build $(BUILD) --check
	python3 test/qemu/bench_stacks.py --build $(BUILD)
	python3 test/qemu/bench_outcommit.py --build $(BUILD) --check
	python3 test/qemu/bench_exchange.py --build $(BUILD) --check

soak: build
	python3 test/qemu/soak.py --build $(BUILD) $(SOAK_ARGS)
	CAIRN_OUTCOMMIT_KILLS=$(SOAK_OUTCOMMIT_KILLS) python3 test/qemu/test_outcommit.py --build $(BUILD)
	CAIRN_CONSOLE_KILLS=$(SOAK_CONSOLE_KILLS) python3 test/qemu/test_console.py --build $(BUILD) -k across

# Not part of `make test`: each mutant is one incremental build and one
# test run in BUILD/mutants (docs/testing.md "Mutants").
mutants: setup
	python3 test/mutants/run.py --build $(BUILD) $(MUTANTS)

gdb: build
	@[ -e $(VOLUME) ] || $(FORMAT) $(VOLUME)
	./scripts/gdb.sh $(BUILD) $(VOLUME) $(MEM)

# Not `make format`, which makes a volume. `make test` checks the format
# too (meson test `format`), so a change that is not formatted fails there.
fmt:
	@./scripts/setup.sh fmt
	./scripts/format.sh

fmt-check:
	@./scripts/setup.sh fmt
	./scripts/format.sh --check

clean:
	rm -rf $(BUILD)
