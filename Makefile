# SPDX-License-Identifier: GPL-2.0
#
# krtp top-level Makefile.
#
#   make               krtp.ko for KVER, krtpd and krtpctl
#   make run           build, load krtp.ko where the kernel allows it, start krtpd
#   make test          everything: install deps, unit tests, fuzzers, VM suites on 6.1 and 6.12
#   make bench         kernel media-plane benchmark (VM, instruction counting)
#   make bench-sip     krtpd vs Kamailio signalling benchmark
#   make bench-ng      Kamailio+krtpd vs Kamailio+rtpengine over ng (calls/s, ng RTT, media)
#   make demo          a call through krtp.ko in the VM, with the call table and counters
#   make module-debug  krtp.ko with DEBUG and the self-tests
#   make check         sparse and W=1 for both kernels
#   make style         checkpatch
#   make install       krtp.ko (current kernel), krtpd, krtpctl, man pages, systemd unit
#   make dkms-install  register, build and install the module with DKMS

VERSION := $(shell cat VERSION)
KVER ?= $(shell uname -r)
KDIR ?= /lib/modules/$(KVER)/build
PREFIX ?= /usr/local
DESTDIR ?=
# every kernel the project is tested against; make check builds for each
KVERS ?= $(notdir $(wildcard /lib/modules/6.1.*-amd64 /lib/modules/6.12.*-amd64))

all: module userspace

module:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

module-debug:
	$(MAKE) -C $(KDIR) M=$(CURDIR) KRTP_DEBUG=1 modules

userspace:
	$(MAKE) -C daemon
	$(MAKE) -C tools/krtpctl

check:
	@set -e; for k in $(KVERS); do \
		echo "== $$k: W=1 C=2 (sparse)"; \
		$(MAKE) -C /lib/modules/$$k/build M=$(CURDIR) clean >/dev/null; \
		$(MAKE) -C /lib/modules/$$k/build M=$(CURDIR) W=1 C=2 modules; \
	done

style:
	tools/checkpatch.sh

test:
	tools/run-tests.sh

bench:
	tools/bench/run.sh

bench-sip:
	tools/bench/sip.sh

bench-ng:
	tools/bench/ng.sh

demo:
	tools/demo.sh

run:
	tools/run.sh

install: module userspace
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install
	$(MAKE) -C daemon install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)
	$(MAKE) -C tools/krtpctl install PREFIX=$(PREFIX) DESTDIR=$(DESTDIR)

dkms-install:
	rm -rf /usr/src/krtp-$(VERSION)
	mkdir -p /usr/src/krtp-$(VERSION)
	cp -r Kbuild dkms.conf VERSION kmod include /usr/src/krtp-$(VERSION)/
	dkms add krtp/$(VERSION) || true
	dkms build krtp/$(VERSION) -k $(KVER)
	dkms install krtp/$(VERSION) -k $(KVER)

clean:
	$(MAKE) -C $(KDIR) M=$(CURDIR) clean 2>/dev/null || true
	$(MAKE) -C daemon clean
	$(MAKE) -C tools/krtpctl clean
	$(MAKE) -C tests clean

.PHONY: all module module-debug userspace check style test bench bench-sip bench-ng demo run \
	install dkms-install clean
