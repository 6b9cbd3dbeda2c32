#!/bin/sh
# Lints and renders charts/sidecast; the Go tests that check the rendered
# manifests run in `make test`. helm is built from source once and cached outside the
# repository, because building it takes minutes.
#
# Environment:
#   HELM_VERSION      helm release to build (default v3.22.0)
#   SIDECAST_CI_BIN   cache folder for the binary
#                     (default ${XDG_CACHE_HOME:-$HOME/.cache}/sidecast-ci/bin)
set -eu

cd "$(dirname "$0")/.."

HELM_VERSION="${HELM_VERSION:-v3.22.0}"
BIN="${SIDECAST_CI_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/sidecast-ci/bin}"
HELM="$BIN/helm"
CHART=charts/sidecast

# The module version recorded in the binary tells whether the cached build is
# the one asked for; a stale or half-written binary is rebuilt.
cached_version() {
	go version -m "$HELM" 2>/dev/null | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" { print $3 }'
}

if [ "$(cached_version)" != "$HELM_VERSION" ]; then
	echo "helm.sh: building helm $HELM_VERSION into $BIN (once; takes minutes)"
	mkdir -p "$BIN"
	GOBIN="$BIN" GOFLAGS=-buildvcs=false go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
fi
"$HELM" version --short

# Value sets the chart must accept: the defaults, a Redis URL, an existing
# password secret, mutual TLS from a secret with a ServiceMonitor, and the
# alert rules without the dashboard.
set -- \
	"" \
	"--set redis.url=redis://redis.default.svc:6379" \
	"--set redis.host=redis --set redis.existingSecret=redis-secret --set redis.existingSecretPasswordKey=password" \
	"--set redis.host=redis --set redis.tls.enabled=true --set redis.tls.existingSecret=redis-tls --set serviceMonitor.enabled=true --set admin.existingSecret=sidecast-admin" \
	"--set prometheusRule.enabled=true --set grafanaDashboard.enabled=false"

n=0
for values in "$@"; do
	n=$((n + 1))
	echo "helm.sh: lint and template, value set $n: ${values:-defaults}"
	# shellcheck disable=SC2086 # word splitting of the value flags is wanted
	"$HELM" lint --strict "$CHART" $values
	# shellcheck disable=SC2086
	"$HELM" template demo "$CHART" --namespace chat $values >/dev/null
done

# The Go tests that render their own value sets with this binary (sidecar
# container, env names, probes, ports, preStop, PDB, strict Kubernetes types,
# NOTES.txt, the dashboard ConfigMap and the PrometheusRule, whose metric
# names are checked against running nodes) run once, in `make test`, which
# finds the cached helm.
