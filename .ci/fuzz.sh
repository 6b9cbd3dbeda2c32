#!/usr/bin/env bash
# Fuzz every fuzz target of the module briefly (FUZZ_TIME each, default 5s:
# about two minutes in all) and fail on the first crasher. The seed corpora
# under testdata/fuzz/ already run as ordinary tests in `go test ./...`;
# this adds coverage-guided mutation on top.
#
# A crasher is written by `go test` to <pkg>/testdata/fuzz/<Target>/ and
# printed; commit it with the fix so it stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZ_TIME:-5s}"

# The input formats that must each have a target: a renamed or deleted
# target fails this script rather than silently dropping out.
required=(
	"proxy/wsframe FuzzDecoder"         # WebSocket frames
	"proxy/engineio FuzzPayloadDecoder" # Engine.IO polling payloads
	"proxy FuzzEIOPollingPost"          # Engine.IO polling POST bodies
	"proxy/socketio FuzzHeader"         # Socket.IO packets
	"fanout FuzzDecodeEnvelope"         # bus messages
	"fanout FuzzDecodeUnit"             # relayed frame units
	"sticky FuzzParseSID"               # session tags
)

# Every "func FuzzX(" in a _test.go file, as "pkgdir FuzzX".
mapfile -t targets < <(
	grep -rE --include='*_test.go' --exclude-dir=node_modules --exclude-dir=.git \
		'^func Fuzz[A-Za-z0-9_]+\(' . |
		sed -E 's#^\./(.*)/[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\(.*#\1 \2#; s#^\./[^/]+_test\.go:func (Fuzz[A-Za-z0-9_]+)\(.*#. \1#' |
		sort -u
)

missing=0
for want in "${required[@]}"; do
	found=0
	for have in "${targets[@]}"; do
		if [ "$have" = "$want" ]; then found=1; fi
	done
	if [ "$found" -eq 0 ]; then
		echo "fuzz: required target missing: $want" >&2
		missing=1
	fi
done
if [ "$missing" -ne 0 ]; then exit 1; fi

echo "fuzz: ${#targets[@]} targets, $fuzztime each"
start=$SECONDS
for entry in "${targets[@]}"; do
	pkg="${entry% *}"
	name="${entry#* }"
	echo "fuzz: ./$pkg $name"
	if ! go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$pkg"; then
		echo "fuzz: $name in ./$pkg found a failing input (see testdata/fuzz/$name/ in that package)" >&2
		exit 1
	fi
done
echo "fuzz: done in $((SECONDS - start))s"
