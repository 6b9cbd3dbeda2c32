#!/usr/bin/env bash
# mirrors.sh — what an idle session costs with mirror sessions on: two
# sidecast binaries (PROTOCOL=websocket) over one Redis, each in front of
# its own idlebench backend; N idle clients, half through each node. Each
# node then holds N/2 local sessions (two descriptors each: client and
# backend legs) and N/2 mirrors (one descriptor each). Prints, per node,
# goroutines and RSS before any session and with every session and mirror
# open, and RSS per cluster session (local + mirror) on that node.
#
#   examples/idlebench/mirrors.sh            # N=12000: about 18,000 fds per node
#   N=2000 examples/idlebench/mirrors.sh
#
# With 20,000 open files per process a node holds 1.5 descriptors per
# cluster session (plus its listeners, Redis and epoll), so N is at most
# about 13,000. Not part of CI. Needs: go, redis-server, curl.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
N=${N:-12000}
BASE_PORT=${BASE_PORT:-23100}
OUT=${OUT:-$(mktemp -d -t sidecast-idle-mirrors.XXXXXX)}
mkdir -p "$OUT"
half=$((N / 2))

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

next_port=$BASE_PORT
port() {
	while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
	port=$next_port
	next_port=$((next_port + 1))
}

# wait_for DESC CMD...: polls CMD every 0.2 s for up to 5 minutes.
wait_for() {
	local desc=$1; shift
	for _ in $(seq 1500); do "$@" && return 0; sleep 0.2; done
	echo "idle-mirrors: timed out waiting for $desc" >&2
	exit 1
}

echo "idle-mirrors: building into $OUT (ulimit -n $(ulimit -n))" >&2
(cd "$root" && go build -o "$OUT/sidecast" . && go build -o "$OUT/idlebench" ./examples/idlebench)

port; redis_port=$port
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no --maxclients 1000 >"$OUT/redis.log" 2>&1 &
pids+=($!)

declare -a node_port node_pid ops_port
for i in 0 1; do
	"$OUT/idlebench" -role backend >"$OUT/backend-$i.out" 2>&1 &
	pids+=($!)
	wait_for "backend $i" grep -q '^listen ' "$OUT/backend-$i.out"
	backend=$(sed -n 's/^listen //p' "$OUT/backend-$i.out")
	port; node_port[i]=$port
	port; ops_port[i]=$port
	env SERVER_ID="node-$i" SERVER_PORT="${node_port[i]}" BACKEND_URL="http://$backend" PROTOCOL=websocket \
		REDIS_URL="redis://127.0.0.1:$redis_port" METRICS_PORT="${ops_port[i]}" LOG_LEVEL=warn \
		"$OUT/sidecast" >"$OUT/node-$i.log" 2>&1 &
	node_pid[i]=$!; pids+=($!)
	wait_for "node $i health" curl -sf -o /dev/null "http://127.0.0.1:${node_port[i]}/health"
done
sleep 3 # heartbeats: each node registers the other before sessions open

rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }
goroutines() { curl -s "http://127.0.0.1:$1/metrics" | awk '$1 == "go_goroutines" {print $2}'; }
health_field() { curl -s "http://127.0.0.1:$1/health" | sed -n "s/.*\"$2\":\([0-9]*\).*/\1/p"; }
fds() { ls "/proc/$1/fd" | wc -l; }
settled() { # node port, want: local sessions and mirrors both at the target
	[ "$(health_field "$1" connections)" = "$half" ] && [ "$(health_field "$1" mirrors)" = "$half" ]
}

declare -a g0 r0
for i in 0 1; do g0[i]=$(goroutines "${ops_port[i]}"); r0[i]=$(rss_kb "${node_pid[i]}"); done

# Clients hold their sessions until their standard input closes.
for i in 0 1; do
	mkfifo "$OUT/hold-$i"
	"$OUT/idlebench" -role clients -target "127.0.0.1:${node_port[i]}" -n "$half" <"$OUT/hold-$i" >"$OUT/clients-$i.out" 2>&1 &
	pids+=($!)
	exec {fd}>"$OUT/hold-$i" # keeps the fifo open; closed when the script exits
done
for i in 0 1; do wait_for "clients $i" grep -q '^ready ' "$OUT/clients-$i.out"; done
for i in 0 1; do wait_for "node $i sessions and mirrors" settled "${node_port[i]}"; done
sleep 5 # let allocation settle after the burst of set-ups

printf '%-7s %8s %8s %16s %12s %12s %10s %18s\n' node local mirrors "goroutines 0→N" "RSS 0 (KiB)" "RSS N (KiB)" fds "KiB/cluster-session"
for i in 0 1; do
	g=$(goroutines "${ops_port[i]}"); r=$(rss_kb "${node_pid[i]}")
	awk -v n="node-$i" -v l="$(health_field "${node_port[i]}" connections)" -v m="$(health_field "${node_port[i]}" mirrors)" \
		-v g0="${g0[i]}" -v g="$g" -v r0="${r0[i]}" -v r="$r" -v f="$(fds "${node_pid[i]}")" \
		'BEGIN { printf "%-7s %8d %8d %7d → %-6d %12d %12d %10d %18.2f\n", n, l, m, g0, g, r0, r, f, (r - r0) / (l + m) }'
done
echo "idle-mirrors: logs in $OUT" >&2
