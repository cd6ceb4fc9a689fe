# gmsa-keytabd: build, test, package, demo, install.
#   make            release build: one self-contained binary (Swift runtime linked statically)
#   make demo       installs what it needs, builds, runs the daemon against a throwaway Samba AD DC (root)
#   make test       installs what it needs, then every test: unit, integration against a throwaway Samba AD DC,
#                   the rollover test in a lab of its own, test-host and the load test (root)
#   make deb        SUITE=bookworm|trixie (default: this machine's release): dist/gmsa-keytabd_<version>+deb<N>_amd64.deb,
#                   built with debhelper against that release's libraries (another release: in a debootstrap
#                   build root), checked by that release's lintian; prints its path (root for another release)
#   make repo       both packages in a signed apt repository, dist/apt (a throwaway key unless GMSA_REPO_KEY)
#   make test-host  for each release: a clean rootfs installs from dist/apt, boots its own systemd, runs the
#                   daemon against the lab DC, upgrades from the repository, removes and purges (root)
#   make load-test  LOAD_HOSTS (100) daemons, each a host of its own, share one gMSA through a rollover against one
#                   lab DC; prints the DC's request rate and read latency (root; about 13 min, part of make test)
#   make fuzz       every libFuzzer target for FUZZ_SECONDS (default 60) each; make fuzz-smoke: 15 s each (fuzz/)
#   make deps       only install the Debian packages (root; adds bookworm-backports for Samba)
#   make install    PREFIX=/usr/local DESTDIR= : binary, systemd unit, example config, journal catalog, man pages
PREFIX ?= /usr/local
DESTDIR ?=
SBINDIR = $(PREFIX)/sbin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /etc/systemd/system
CATALOGDIR ?= /usr/lib/systemd/catalog
SWIFT ?= swift
# Random kill -9 rounds of lab/crash-test.sh in make swift-test: 0.15-0.3 s each with its checks on 2 cores
# (1000 rounds: about 3-5 minutes), plus 45 kills at chosen system calls. CRASH_ROUNDS=300 for a quicker run.
CRASH_ROUNDS ?= 1000
VERSION := $(shell sed -n 's/^let gmsaKeytabdVersion = "\(.*\)"$$/\1/p' Sources/gmsa-keytabd/Version.swift)
# Full RELRO: the dynamic loader resolves every symbol at start and makes the GOT read-only.
# Linked by the toolchain's lld (gold cannot do the next two):
# - packed relative relocations (DT_RELR, glibc 2.36): 8 KiB instead of 1 MiB of .rela.dyn read at every start;
# - no exported symbols: the Swift runtime's link arguments export every one of ours (7,000, 0.5 MiB of symbol
#   tables that the loader searched on every lookup); nothing loads symbols from the daemon.
# Together 2.2 MiB less resident memory (bench/peer-benchmark.sh; notes of issue 10).
# Functions in sections of their own, the ones a healthy daemon runs placed together (packaging/symbol-order.txt,
# made by bench/symbol-order.sh): the kernel maps code in large chunks, and spread over 6 MiB the few hundred
# hot functions kept most of it resident. The order changes no behaviour; after editing the list, rm the binary
# to relink (SwiftPM does not track the file).
# --disable-local-rpath: no RUNPATH of $ORIGIN, which made the loader look for every library in the binary's own
# directory (/usr/sbin) first; nothing is shipped next to the binary.
RELEASE_FLAGS = -c release --static-swift-stdlib --disable-local-rpath -Xswiftc -use-ld=lld -Xswiftc -Xfrontend -Xswiftc -function-sections \
	-Xlinker -z -Xlinker relro -Xlinker -z -Xlinker now -Xlinker -z -Xlinker pack-relative-relocs \
	-Xlinker --no-export-dynamic \
	-Xlinker --symbol-ordering-file=packaging/symbol-order.txt -Xlinker --no-warn-symbol-ordering \
	-Xswiftc -L -Xswiftc $(BUILD_DIR)/static-libstdc++ --scratch-path $(BUILD_DIR)
# libstdc++ linked statically too: the Swift runtime uses a few KiB of it, but the shared library kept 1 MiB
# resident. The toolchain's link arguments say -lstdc++; a directory searched first that holds only the
# archive makes that the static one (GPL-3 with the GCC Runtime Library Exception: packaging/deb/copyright).
# SwiftPM's build directory of the release build (debian/rules points it elsewhere per Debian release).
BUILD_DIR ?= .build
STATIC_LIBSTDCXX = $(BUILD_DIR)/static-libstdc++/libstdc++.a
BINARY = $(BUILD_DIR)/release/gmsa-keytabd

.PHONY: all build deps test swift-test fuzz fuzz-smoke test-host deb repo unit-test demo install uninstall clean fleet-simulation load-test

all: build

build: $(STATIC_LIBSTDCXX)
	$(SWIFT) build $(RELEASE_FLAGS) --product gmsa-keytabd

$(STATIC_LIBSTDCXX):
	mkdir -p $(@D)
	archive=$$(clang -print-file-name=libstdc++.a) && test -f "$$archive" && ln -sf "$$archive" $@

deps:
	lab/install-deps.sh

# Build once outside the lab, then run the tests inside the lab's private network namespace, where the
# integration tests find the DC through LAB_* variables. The rollover test moves the DC's clock and the
# failover tests stop and freeze dc1 of a lab with two DCs (one also moves both DCs' clocks), the site test puts
# dc2 in a second AD site and stops it, the unreachable
# test and the dead-DCs test add nftables rules, the unjoined test creates a domain user and moves the lab's
# host keytab away, the run-as test binds its own /etc/passwd and /etc/group, the crash test kills sync and
# fills small tmpfs mounts, the memory-dump test dumps its daemon with gcore: each gets a lab of its own.
# Then the package on a clean host, and 100 daemons through a rollover against one DC.
test: deps
	$(MAKE) swift-test
	$(MAKE) fuzz-smoke
	$(MAKE) test-host
	$(MAKE) load-test

swift-test:
	$(SWIFT) build --build-tests
	lab/lab.sh run -- $(SWIFT) test --skip-build
	GMSA_TEST_ROLLOVER=1 lab/lab.sh run -- $(SWIFT) test --skip-build --filter RolloverAgainstLabTests
	LAB_DC2=1 lab/lab.sh run -- lab/failover-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	LAB_DC2=1 lab/lab.sh run -- lab/rollover-failover-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	lab/lab.sh run -- lab/ccache-rollover-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	LAB_DC2=1 LAB_SITES=1 lab/lab.sh run -- lab/site-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	LAB_DC2=1 LAB_SITES=1 LAB_RODC=1 lab/lab.sh run -- lab/rodc-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	lab/lab.sh run -- lab/unreachable-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	lab/lab.sh run -- lab/dead-dcs-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	lab/lab.sh run -- lab/unjoined-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	LAB_FULL_SAMBA=1 lab/lab.sh run -- lab/run-as-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	lab/lab.sh run -- lab/memdump-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	LAB_FULL_SAMBA=1 lab/lab.sh run -- lab/ticket-cache-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"
	LAB_EXTRA_GMSAS=2 CRASH_ROUNDS=$(CRASH_ROUNDS) lab/lab.sh run -- lab/crash-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"

# The load test (lab/load-test.sh): LOAD_HOSTS instances of the daemon, each with its own host account, keytab
# and machine id, stage and confirm one rollover of a shared gMSA against one DC; checks every keytab with
# kinit -k and prints the DC's request rate, the read latency and the fleet's RSS. It takes about 13 minutes
# whatever LOAD_HOSTS is (11 of them are the DC time from before the change window to after the last read after
# the change, in real time), mostly waiting: make test runs it last.
LOAD_HOSTS ?= 100
load-test:
	$(SWIFT) build --product gmsa-keytabd
	LOAD_HOSTS=$(LOAD_HOSTS) lab/lab.sh run -- lab/load-test.sh "$$($(SWIFT) build --show-bin-path)/gmsa-keytabd"

# The parsers under libFuzzer and AddressSanitizer, one target at a time (fuzz/README.md). A crash, a leak or a
# broken property fails the target; its input is kept under .build-fuzz/artifacts/.
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?= blob attribute config toml json state keytab ldapping
fuzz:
	SWIFT=$(SWIFT) fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke:
	SWIFT=$(SWIFT) fuzz/run.sh 15 $(FUZZ_TARGETS)

# The Debian releases the project ships for (packaging/build-root.sh knows how to make a build root of each).
SUITES = bookworm trixie
SUITE ?= $(shell . /etc/os-release && echo $$VERSION_CODENAME)
deb:
	@packaging/build-deb.sh $(SUITE) dist

repo:
	@for suite in $(SUITES); do packaging/build-deb.sh $$suite dist >/dev/null || exit 1; done
	@packaging/build-repo.sh dist/apt dist/gmsa-keytabd_$(VERSION)+deb1[23]_amd64.deb

# Each release's host test: installs from the repository, upgrades to a rebuilt newer version from it.
test-host: repo
	@rc=0; for suite in $(SUITES); do lab/host-test.sh $$suite dist/apt || rc=1; done; exit $$rc

unit-test:
	$(SWIFT) test

demo: deps
	$(MAKE) build
	GMSA_KEYTABD="$(CURDIR)/$(BINARY)" lab/lab.sh run -- lab/demo.sh

install: build
	install -d $(DESTDIR)$(SBINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR)
	install -m 0755 $(BINARY) $(DESTDIR)$(SBINDIR)/gmsa-keytabd
	sed 's|/usr/sbin/gmsa-keytabd|$(SBINDIR)/gmsa-keytabd|' systemd/gmsa-keytabd.service > $(DESTDIR)$(UNITDIR)/gmsa-keytabd.service
	chmod 0644 $(DESTDIR)$(UNITDIR)/gmsa-keytabd.service
	install -m 0644 systemd/gmsa-keytabd.catalog $(DESTDIR)$(CATALOGDIR)/gmsa-keytabd.catalog
	install -m 0644 man/gmsa-keytabd.8 $(DESTDIR)$(MANDIR)/man8/gmsa-keytabd.8
	install -m 0644 man/gmsa-keytabd.toml.5 $(DESTDIR)$(MANDIR)/man5/gmsa-keytabd.toml.5
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/gmsa-keytabd
	test -e $(DESTDIR)$(SYSCONFDIR)/gmsa-keytabd/gmsa-keytabd.toml || \
		install -m 0644 config/gmsa-keytabd.toml $(DESTDIR)$(SYSCONFDIR)/gmsa-keytabd/gmsa-keytabd.toml
	if [ -z "$(DESTDIR)" ]; then \
		command -v journalctl >/dev/null && journalctl --update-catalog || true; \
		[ -d /run/systemd/system ] && systemctl daemon-reload || true; \
	fi

uninstall:
	rm -f $(DESTDIR)$(SBINDIR)/gmsa-keytabd $(DESTDIR)$(UNITDIR)/gmsa-keytabd.service \
		$(DESTDIR)$(CATALOGDIR)/gmsa-keytabd.catalog $(DESTDIR)$(MANDIR)/man8/gmsa-keytabd.8 \
		$(DESTDIR)$(MANDIR)/man5/gmsa-keytabd.toml.5

clean:
	rm -rf .build .build-fuzz dist

# The fleet simulation: 10,000 hosts x 20 gMSAs through two rollovers on the daemon's own schedule (no network):
# password reads per second, and the KDC's AS and TGS requests of every host's ticket caches. About 25 s.
# FLEET_ARGS="--same-expiry" for gMSAs that all expire together; --hosts/--accounts/--skew to vary it.
fleet-simulation:
	$(SWIFT) build --product gmsa-fleet-simulation
	"$$($(SWIFT) build --show-bin-path)/gmsa-fleet-simulation" $(FLEET_ARGS)
