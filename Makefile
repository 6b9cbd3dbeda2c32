# make test: install what the tests need when it is missing, then run every
# test. Variables: GO, TEST_P, TEST_FLAGS (e.g. make test TEST_FLAGS=-race).

GO ?= go
# Two packages at a time: on a two-core machine the integration packages
# (proxy load tests, redis-server, nginx, Node.js peers) would otherwise
# starve each other and their timing checks.
TEST_P ?= 2
TEST_FLAGS ?= -count=1 -timeout 12m

HELM_CACHE := $(or $(XDG_CACHE_HOME),$(HOME)/.cache)/sidecast-ci/bin/helm

.PHONY: test deps apt npm helm

test: deps
	$(GO) test -p $(TEST_P) $(TEST_FLAGS) ./...

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
