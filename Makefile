# gmsa-keytabd: build, test, install.
#   make            release build
#   make deps       install the Debian packages it needs (root; adds bookworm-backports for Samba)
#   make test       unit tests, then integration tests against a throwaway Samba AD DC (root)
#   make install    PREFIX=/usr/local DESTDIR= : binary, example config
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR = $(PREFIX)/bin
SYSCONFDIR ?= /etc
SWIFT ?= swift

.PHONY: all build deps test unit-test integration-test install clean

all: build

build:
	$(SWIFT) build -c release --product gmsa-keytabd

deps:
	lab/install-deps.sh

# Build once outside the lab, then run every test inside the lab's private network namespace,
# where the integration tests find the DC through LAB_* variables.
test:
	$(SWIFT) build --build-tests
	lab/lab.sh run -- $(SWIFT) test --skip-build

unit-test:
	$(SWIFT) test

install: build
	install -d $(DESTDIR)$(BINDIR)
	install -m 0755 "$$($(SWIFT) build -c release --show-bin-path)/gmsa-keytabd" $(DESTDIR)$(BINDIR)/gmsa-keytabd
	install -d -m 0755 $(DESTDIR)$(SYSCONFDIR)/gmsa-keytabd
	test -e $(DESTDIR)$(SYSCONFDIR)/gmsa-keytabd/gmsa-keytabd.toml || \
		install -m 0644 config/gmsa-keytabd.toml $(DESTDIR)$(SYSCONFDIR)/gmsa-keytabd/gmsa-keytabd.toml

clean:
	rm -rf .build
