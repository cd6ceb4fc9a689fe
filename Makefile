# gmsa-keytabd: build, test, demo, install.
#   make            release build
#   make deps       install the Debian packages it needs (root; adds bookworm-backports for Samba)
#   make test       unit tests, integration tests against a throwaway Samba AD DC, then the rollover test
#                   in a lab of its own (root)
#   make demo       the daemon against a throwaway Samba AD DC: keytabs written, kinit with one (root)
#   make install    PREFIX=/usr/local DESTDIR= : binary, systemd unit, example config, journal catalog, man pages
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
MANDIR ?= $(PREFIX)/share/man
SYSCONFDIR ?= /etc
UNITDIR ?= /etc/systemd/system
CATALOGDIR ?= /usr/lib/systemd/catalog
SWIFT ?= swift

.PHONY: all build deps test unit-test demo install uninstall clean

all: build

build:
	$(SWIFT) build -c release --product gmsa-keytabd

deps:
	lab/install-deps.sh

# Build once outside the lab, then run the tests inside the lab's private network namespace, where the
# integration tests find the DC through LAB_* variables. The rollover test moves the DC's clock, so it gets
# a lab of its own.
test:
	$(SWIFT) build --build-tests
	lab/lab.sh run -- $(SWIFT) test --skip-build
	GMSA_TEST_ROLLOVER=1 lab/lab.sh run -- $(SWIFT) test --skip-build --filter RolloverAgainstLabTests

unit-test:
	$(SWIFT) test

demo: build
	GMSA_KEYTABD="$$($(SWIFT) build -c release --show-bin-path)/gmsa-keytabd" lab/lab.sh run -- lab/demo.sh

install: build
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(MANDIR)/man8 $(DESTDIR)$(MANDIR)/man5 $(DESTDIR)$(UNITDIR) $(DESTDIR)$(CATALOGDIR)
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/gmsa-keytabd" $(DESTDIR)$(BINDIR)/gmsa-keytabd
	sed 's|/usr/local/bin/gmsa-keytabd|$(BINDIR)/gmsa-keytabd|' systemd/gmsa-keytabd.service > $(DESTDIR)$(UNITDIR)/gmsa-keytabd.service
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
	rm -f $(DESTDIR)$(BINDIR)/gmsa-keytabd $(DESTDIR)$(UNITDIR)/gmsa-keytabd.service \
		$(DESTDIR)$(CATALOGDIR)/gmsa-keytabd.catalog $(DESTDIR)$(MANDIR)/man8/gmsa-keytabd.8 \
		$(DESTDIR)$(MANDIR)/man5/gmsa-keytabd.toml.5

clean:
	rm -rf .build
