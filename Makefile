# make test: install what the tests need when it is missing, then run every
# test. Variables: GO, TEST_P, TEST_FLAGS (e.g. make test TEST_FLAGS=-race).

GO ?= go
# Two packages at a time: on a two-core machine the integration packages
# (proxy load tests, redis-server, nginx, Node.js peers) would otherwise
# starve each other and their timing checks.
TEST_P ?= 2
TEST_FLAGS ?= -count=1 -timeout 12m

HELM_CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/sidecast-ci/bin/helm

.PHONY: test deps apt npm helm build release image

# The longest package (the process-level tests) is named first so it starts
# first: with -p 2 the run then ends about when it does.
test: deps
	$(GO) test -p $(TEST_P) $(TEST_FLAGS) ./internal/e2e/ ./...

deps: apt npm helm

# System packages, by the binary each provides. Installed only when missing
# and only as root; otherwise the command to run is printed.
APT_NEEDS := redis-server:redis-server redis-cli:redis-tools nginx:nginx haproxy:haproxy node:nodejs npm:npm chromium:chromium

apt:
	@missing=""; \
	for pair in $(APT_NEEDS); do \
		command -v "$${pair%%:*}" >/dev/null 2>&1 || missing="$$missing $${pair#*:}"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" != 0 ]; then \
		echo "make: missing packages:$$missing — run: sudo apt-get install -y$$missing" >&2; exit 1; \
	fi; \
	echo "make: installing$$missing"; \
	policy=""; \
	if [ ! -e /usr/sbin/policy-rc.d ]; then \
		printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy=1; \
	fi; \
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; \
	status=$$?; \
	if [ -n "$$policy" ]; then rm -f /usr/sbin/policy-rc.d; fi; \
	exit $$status

# npm ci in every folder with a package-lock.json whose node_modules is
# missing or older than the lock file. examples/loadtest (the benchmark's
# native adapter and Artillery) is not part of the tests and is skipped.
npm:
	@for lock in $$(find . -name package-lock.json -not -path '*/node_modules/*' -not -path './examples/loadtest/*' | sort); do \
		dir=$$(dirname "$$lock"); \
		if [ ! -f "$$dir/node_modules/.package-lock.json" ] || [ "$$lock" -nt "$$dir/node_modules/.package-lock.json" ]; then \
			echo "make: npm ci in $$dir"; \
			(cd "$$dir" && npm ci --no-audit --no-fund) || exit 1; \
		fi; \
	done

# helm, built once into the user cache folder by .ci/helm.sh (which also
# lints and renders the chart); takes minutes the first time only.
helm:
	@if [ -z "$$SIDECAST_HELM" ] && [ ! -x "$(HELM_CACHE)" ] && ! command -v helm >/dev/null 2>&1; then \
		./.ci/helm.sh; \
	fi

# Release. One build command (the build target) makes every sidecast binary
# that leaves this repository: the release archives, and the image, whose
# Dockerfile runs the same target. Reproducible: -trimpath drops the build
# host's paths, the version control stamp records the commit and its time
# (never the build time), tar and gzip get fixed owners, order and times.
#
#   make release                 dist/sidecast_<version>_<os>_<arch>.tar.gz
#                                and dist/sidecast_<version>_checksums.txt
#   make release PLATFORMS=linux/amd64
#   make image                   the image's final stage, with podman, from
#                                dist/linux_<arch>/sidecast and this host's
#                                CA bundle
#
# Variables: VERSION (default: git describe), COMMIT, COMMIT_TIME (default:
# from git), PLATFORMS, DIST, IMAGE, CA_BUNDLE.

VERSION_PKG := github.com/sidecast/sidecast/internal/version
VERSION ?= $(shell git describe --tags --always --dirty --match 'v*' 2>/dev/null)
COMMIT ?= $(shell git rev-parse HEAD 2>/dev/null)
COMMIT_TIME ?= $(shell TZ=UTC git log -1 --format=%cd --date=format-local:%Y-%m-%dT%H:%M:%SZ 2>/dev/null)
# The archives' file times: the commit's, so two builds of one commit match.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
DIST ?= dist
# true: a release build must carry the version control stamp (it fails
# outside a checkout). The image build, whose context has no .git, sets false
# and passes the same facts through VERSION, COMMIT and COMMIT_TIME.
BUILDVCS ?= true
GOOS ?= $(shell $(GO) env GOOS)
GOARCH ?= $(shell $(GO) env GOARCH)
OUT ?= sidecast
LDFLAGS := -s -w -X $(VERSION_PKG).version=$(VERSION) -X $(VERSION_PKG).commit=$(COMMIT) -X $(VERSION_PKG).commitTime=$(COMMIT_TIME)

# The image's name and tag: what the Helm chart's sidecast.image defaults to
# (repository sidecast, tag = the chart's appVersion, a version without "v").
IMAGE ?= sidecast
IMAGE_TAG ?= $(patsubst v%,%,$(VERSION))
IMAGE_ARCH ?= $(shell $(GO) env GOARCH)
CA_BUNDLE ?= /etc/ssl/certs/ca-certificates.crt
PODMAN ?= podman

build:
	CGO_ENABLED=0 GOOS=$(GOOS) GOARCH=$(GOARCH) $(GO) build -trimpath -buildvcs=$(BUILDVCS) -ldflags "$(LDFLAGS)" -o $(OUT) .

release:
	@if [ -z "$(VERSION)" ] || [ -z "$(COMMIT)" ]; then echo "make release: no git checkout here; set VERSION and COMMIT" >&2; exit 1; fi
	rm -rf $(DIST) && mkdir -p $(DIST)
	@set -e; for p in $(PLATFORMS); do \
		os=$${p%/*}; arch=$${p#*/}; dir=$(DIST)/$${os}_$${arch}; \
		echo "make release: $$os/$$arch"; \
		$(MAKE) --no-print-directory build GOOS=$$os GOARCH=$$arch OUT=$$dir/sidecast VERSION=$(VERSION) COMMIT=$(COMMIT) COMMIT_TIME=$(COMMIT_TIME); \
		cp LICENSE README.md $$dir/; \
		tar --sort=name --mtime=@$(SOURCE_DATE_EPOCH) --owner=0 --group=0 --numeric-owner \
			--mode=u+rw,go+r,go-w --format=gnu -C $$dir -cf - LICENSE README.md sidecast \
			| gzip -n -9 > $(DIST)/sidecast_$(VERSION)_$${os}_$${arch}.tar.gz; \
	done
	cd $(DIST) && sha256sum sidecast_$(VERSION)_*.tar.gz > sidecast_$(VERSION)_checksums.txt
	@cat $(DIST)/sidecast_$(VERSION)_checksums.txt

# The Dockerfile's final stage, with the build stage replaced by a folder
# holding the released linux binary and the host's CA bundle: the image runs
# the very binary the archive carries. No registry is needed (FROM scratch).
image:
	@test -x $(DIST)/linux_$(IMAGE_ARCH)/sidecast || $(MAKE) --no-print-directory release PLATFORMS=linux/$(IMAGE_ARCH)
	rm -rf $(DIST)/image-context && mkdir -p $(DIST)/image-context/out $(DIST)/image-context/etc/ssl/certs
	cp $(DIST)/linux_$(IMAGE_ARCH)/sidecast $(DIST)/image-context/out/sidecast
	cp $(CA_BUNDLE) $(DIST)/image-context/etc/ssl/certs/ca-certificates.crt
	$(PODMAN) build --format docker --platform linux/$(IMAGE_ARCH) --target final --build-context build=$(DIST)/image-context \
		-t $(IMAGE):$(IMAGE_TAG) -f Dockerfile $(DIST)/image-context
