#!/usr/bin/env bash
# Fuzz every fuzz target of the module briefly (FUZZ_TIME each, default 3s:
# about two minutes in all with the builds) and fail on the first crasher. The seed corpora
# under testdata/fuzz/ already run as ordinary tests in `go test ./...`;
# this adds coverage-guided mutation on top.
#
# A crasher is written by `go test` to <pkg>/testdata/fuzz/<Target>/ and
# printed; commit it with the fix so it stays a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."

fuzztime="${FUZZ_TIME:-3s}"

# The input formats that must each have a target: a renamed or deleted
# target fails this script rather than silently dropping out.
required=(
	"proxy/wsframe FuzzDecoder"         # WebSocket frames
	"proxy/engineio FuzzPayloadDecoder" # Engine.IO polling payloads
	"proxy FuzzEIOPollingPost"          # Engine.IO polling POST bodies
	"proxy/socketio FuzzHeader"         # Socket.IO packets
	"fanout FuzzDecodeEnvelope"         # bus messages
	"fanout FuzzDecodeUnit"             # relayed frame units
	"fanout FuzzParseRecordPayload"     # registry records (address, settings)
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

# fuzz_one fails on a crasher or a build error. On a loaded machine the
# fuzzing engine may report "context deadline exceeded" when -fuzztime ends
# before its workers started: that is retried once, then only warned about.
fuzz_one() {
	local pkg="$1" name="$2" out
	for attempt in 1 2; do
		if out="$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "$fuzztime" "./$pkg" 2>&1)"; then
			echo "$out" | tail -n 1
			return 0
		fi
		echo "$out"
		if ! grep -q 'context deadline exceeded' <<<"$out" || grep -q 'Failing input written to' <<<"$out"; then
			echo "fuzz: $name in ./$pkg failed (a crasher is kept in ./$pkg/testdata/fuzz/$name/)" >&2
			exit 1
		fi
		echo "fuzz: $name in ./$pkg: the engine timed out starting (attempt $attempt)" >&2
	done
	echo "fuzz: WARNING: $name in ./$pkg was not fuzzed (engine start-up timed out twice)" >&2
}

echo "fuzz: ${#targets[@]} targets, $fuzztime each"
start=$SECONDS
for entry in "${targets[@]}"; do
	pkg="${entry% *}"
	name="${entry#* }"
	echo "fuzz: ./$pkg $name"
	fuzz_one "$pkg" "$name"
done
echo "fuzz: done in $((SECONDS - start))s"
