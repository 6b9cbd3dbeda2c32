#!/usr/bin/env bash
# bench.sh — sidecast against the native Socket.IO Redis adapter, side by
# side on this machine, in one go. Not part of CI.
#
#   examples/loadtest/bench.sh                 # from the repository root
#   LEVELS="500 2000" DURATION=5s examples/loadtest/bench.sh
#
# Three setups run at once, each idle while another is measured:
#   native    two unmodified examples/socketio-chat servers with
#             @socket.io/redis-adapter preloaded (native/preload.js)
#   sidecast  two unmodified examples/socketio-chat servers, each behind a
#             sidecast binary
#   single    one examples/socketio-chat server alone (both members of a
#             pair on it: the single-node reference)
#   baseline  like sidecast, with the sidecast binary BASELINE_BIN (built
#             from an earlier commit): the change against what it changes,
#             in the same run
# native and sidecast share one Redis started here. At each offered rate
# (LEVELS, messages/s over PAIRS twin pairs) the three setups are measured
# in turn with the same load; every run also times connect+join of all
# 2*PAIRS clients. CPU (utime+stime from /proc/<pid>/stat) and peak RSS
# (VmRSS) of every process are sampled: cpu_* columns cover the whole run
# (connect, join, send, drain), send_cpu_s only the send phase of backends,
# sidecast and Redis together, and sc_send_us_per_msg is sidecast's CPU
# (both nodes) in the send phase per message sent, sc_send_sys_pct the part
# of it spent in the kernel. p50ms/p99ms are the partner's copies (across
# nodes), self_p50ms/self_p99ms the sender's own copies, which only go
# through the sender's entry node and backend: the difference is what the
# way between the nodes adds. Prints one table row per
# run, then the sidecast/native ratios. Needs: go, node, npm ci in
# examples/socketio-chat and examples/loadtest/native, redis-server.
#
# Environment: LEVELS ("500 1000 2000 4000 6000"), PAIRS (200), DURATION
# (10s), DRAIN (5s), REPEAT (1: runs per mode and level; with more, the
# modes take turns in alternating order and the summary gives medians), MODES ("native sidecast single"), BASE_PORT (21100, below the ephemeral range),
# OUT (a temp folder: logs, results.tsv, JSON lines, profiles),
# PROFILE_LEVEL (an offered rate at which sidecast node A's CPU profile is
# taken during the run, written to $OUT/sidecast-a.cpu.pprof; empty = none),
# SIDECAST_ENV (extra VAR=value words for both sidecast nodes),
# BASELINE_BIN (a sidecast binary for MODES' baseline; it may be the same
# build), BASELINE_ENV (extra VAR=value words for the baseline nodes, in
# place of SIDECAST_ENV: a setting against the default), ARTILLERY
# (set: after the levels, run artillery/artillery.yml against both sidecast
# nodes at once and print Artillery's summaries; LEVELS="" for that alone).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LEVELS=${LEVELS-"500 1000 2000 4000 6000"}
PAIRS=${PAIRS:-200}
DURATION=${DURATION:-10s}
DRAIN=${DRAIN:-5s}
MODES=${MODES:-"native sidecast single"}
BASE_PORT=${BASE_PORT:-21100}
PROFILE_LEVEL=${PROFILE_LEVEL:-}
SIDECAST_ENV=${SIDECAST_ENV:-}
ARTILLERY=${ARTILLERY:-}
BASELINE_BIN=${BASELINE_BIN:-}
BASELINE_ENV=${BASELINE_ENV-$SIDECAST_ENV}
REPEAT=${REPEAT:-1}
OUT=${OUT:-$(mktemp -d -t sidecast-bench.XXXXXX)}
mkdir -p "$OUT"
CLK_TCK=$(getconf CLK_TCK)

for need in go node redis-server; do
	command -v "$need" >/dev/null || { echo "bench: $need is not installed" >&2; exit 1; }
done
if [[ " $MODES " == *" baseline "* ]] && [ ! -x "$BASELINE_BIN" ]; then
	echo "bench: MODES has baseline: set BASELINE_BIN to a sidecast binary" >&2; exit 1
fi
for dir in examples/socketio-chat examples/loadtest/native; do
	[ -d "$root/$dir/node_modules" ] || { echo "bench: run npm ci in $dir first" >&2; exit 1; }
done

pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

next_port=$BASE_PORT
# port sets $port to the next port nothing listens on.
port() {
	while (exec 3<>"/dev/tcp/127.0.0.1/$next_port") 2>/dev/null; do next_port=$((next_port + 1)); done
	port=$next_port
	next_port=$((next_port + 1))
}

# wait_http waits until GET url answers (any status), up to 30 s.
wait_http() {
	for _ in $(seq 300); do
		curl -s -o /dev/null "$1" && return 0
		sleep 0.1
	done
	echo "bench: $1 did not answer" >&2
	exit 1
}

echo "bench: building into $OUT" >&2
(cd "$root" && go build -o "$OUT/sidecast" . && go build -o "$OUT/loadtest" ./examples/loadtest)

port; redis_port=$port
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
redis_pid=$!; pids+=("$redis_pid")
redis_url="redis://127.0.0.1:$redis_port"

# backend NAME [PRELOAD]: starts an example server, sets $port and $pid.
backend() {
	local name=$1 preload=${2:-}
	port; local p=$port
	if [ -n "$preload" ]; then
		(cd "$root/examples/socketio-chat" && REDIS_URL=$redis_url PORT=$p exec node --require "$preload" server.js) >"$OUT/$name.log" 2>&1 &
	else
		(cd "$root/examples/socketio-chat" && PORT=$p exec node server.js) >"$OUT/$name.log" 2>&1 &
	fi
	pid=$!; pids+=("$pid")
	wait_http "http://127.0.0.1:$p/health"
	port=$p
}

# sidecast NAME BACKEND_PORT KEY [BINARY [EXTRA_ENV]]: starts a sidecast node
# of the cluster named by KEY (its REDIS_ADAPTER_KEY: the pairs share one
# Redis and must not see each other), sets $port, $pid, $ops.
sidecast() {
	local name=$1 bport=$2 key=$3 bin=${4:-$OUT/sidecast} extra=${5-$SIDECAST_ENV}
	port; local p=$port
	port; ops=$port
	# shellcheck disable=SC2086
	env SERVER_ID="$name" SERVER_PORT="$p" BACKEND_URL="http://127.0.0.1:$bport" PROTOCOL=socketio \
		REDIS_URL="$redis_url" REDIS_ADAPTER_KEY="$key" METRICS_PORT="$ops" ADMIN_TOKEN=bench-admin-token-0 PPROF=on LOG_LEVEL=warn \
		MIRROR_EVENTS=join_twin_room,leave_twin_room \
		LOCAL_EVENTS=welcome,room_joined,twin_online,twin_offline $extra \
		"$bin" >"$OUT/$name.log" 2>&1 &
	pid=$!; pids+=("$pid")
	wait_http "http://127.0.0.1:$p/health"
	port=$p
}

declare -A entry_a entry_b procs
health=()
for mode in $MODES; do
	case $mode in
	native)
		backend native-1 "$here/native/preload.js"; n1=$port; p1=$pid
		backend native-2 "$here/native/preload.js"; n2=$port; p2=$pid
		entry_a[native]="http://127.0.0.1:$n1"; entry_b[native]="http://127.0.0.1:$n2"
		procs[native]="backend:$p1 backend:$p2 redis:$redis_pid" ;;
	sidecast)
		backend sc-backend-1; b1=$port; p1=$pid
		backend sc-backend-2; b2=$port; p2=$pid
		sidecast sc-a "$b1" bench-sidecast; s1=$port; q1=$pid; ops_a=$ops
		sidecast sc-b "$b2" bench-sidecast; s2=$port; q2=$pid
		entry_a[sidecast]="http://127.0.0.1:$s1"; entry_b[sidecast]="http://127.0.0.1:$s2"
		procs[sidecast]="backend:$p1 backend:$p2 sidecast:$q1 sidecast:$q2 redis:$redis_pid"
		health+=("http://127.0.0.1:$s1/health" "http://127.0.0.1:$s2/health") ;;
	baseline)
		backend base-backend-1; b1=$port; p1=$pid
		backend base-backend-2; b2=$port; p2=$pid
		sidecast base-a "$b1" bench-baseline "$BASELINE_BIN" "$BASELINE_ENV"; s1=$port; q1=$pid
		sidecast base-b "$b2" bench-baseline "$BASELINE_BIN" "$BASELINE_ENV"; s2=$port; q2=$pid
		entry_a[baseline]="http://127.0.0.1:$s1"; entry_b[baseline]="http://127.0.0.1:$s2"
		procs[baseline]="backend:$p1 backend:$p2 sidecast:$q1 sidecast:$q2 redis:$redis_pid"
		health+=("http://127.0.0.1:$s1/health" "http://127.0.0.1:$s2/health") ;;
	single)
		backend single; b=$port; p1=$pid
		entry_a[single]="http://127.0.0.1:$b"; entry_b[single]="http://127.0.0.1:$b"
		procs[single]="backend:$p1" ;;
	*) echo "bench: unknown mode $mode" >&2; exit 1 ;;
	esac
done
if [ ${#health[@]} -gt 0 ]; then
	# Mirrors need each node to know the other before clients connect.
	for url in "${health[@]}"; do
		for _ in $(seq 300); do
			curl -s "$url" | grep -q '"redis":true' && break
			sleep 0.1
		done
	done
	sleep 3 # a few heartbeats, so each node has registered the other
fi

# cpu_ticks PID: utime+stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# send_mark TOTAL SYS: for every process of measure's list, utime+stime
# and stime alone (the kernel's part) into the arrays named TOTAL and SYS,
# from one look at its stat file.
send_mark() {
	local -n total=$1 sys=$2
	local i v
	for i in "${!list[@]}"; do
		v=$(awk '{print $14 + $15, $15}' "/proc/${list[i]}/stat")
		total[i]=${v% *} sys[i]=${v#* }
	done
}
rss_kb() { awk '/^VmRSS/{print $2}' "/proc/$1/status"; }

# field NAME: a number from the loadtest JSON line on stdin.
field() { sed -n "s/.*\"$1\":\([-0-9.e+]*\).*/\1/p"; }
# lat OBJECT NAME: a number inside one of its latency objects (latencyMs,
# the partner's copies; selfLatencyMs, the sender's own), whose keys repeat.
lat() { sed -n "s/.*\"$1\":{[^}]*\"$2\":\([-0-9.e+]*\).*/\1/p"; }

results="$OUT/results.tsv"
printf 'mode\toffered\tsent/s\tdeliv/s\tp50ms\tp99ms\tp999ms\tmaxms\tlost\tdup\tsetupms\tcpu_backend_s\tcpu_sidecast_s\tcpu_redis_s\tcpu_total_s\tsend_cpu_s\tcpu_loadgen_s\trss_backend_mb\trss_sidecast_mb\tsc_send_us_per_msg\trun\tself_p50ms\tself_p99ms\tsc_send_sys_pct\n' >"$results"

# measure MODE LEVEL: one loadtest run with CPU and RSS sampling.
measure() {
	local mode=$1 level=$2 spec list=() kinds=() before=() peak=() i
	for spec in ${procs[$mode]}; do kinds+=("${spec%%:*}"); list+=("${spec#*:}"); done
	for i in "${!list[@]}"; do before[i]=$(cpu_ticks "${list[i]}"); peak[i]=0; done
	"$OUT/loadtest" -quiet -a "${entry_a[$mode]}" -b "${entry_b[$mode]}" -pairs "$PAIRS" -rate "$level" \
		-duration "$DURATION" -drain "$DRAIN" >"$OUT/$mode-$level-$run.json" 2>"$OUT/$mode-$level-$run.err" &
	local lt=$!
	if [ "$mode" = sidecast ] && [ "$level" = "$PROFILE_LEVEL" ]; then
		(sleep 4; curl -s -H 'Authorization: Bearer bench-admin-token-0' -o "$OUT/sidecast-a.cpu.pprof" \
			"http://127.0.0.1:$ops_a/debug/pprof/profile?seconds=5") &
	fi
	# CPU is also read as the send phase starts and ends (the generator
	# prints a line at each), so the send-phase columns leave out connect,
	# join and drain.
	local s0=() s1=() y0=() y1=() tick=0
	while kill -0 "$lt" 2>/dev/null; do
		if [ ${#s0[@]} -eq 0 ] && grep -q 'phase send' "$OUT/$mode-$level-$run.err"; then
			send_mark s0 y0
		fi
		if [ ${#s1[@]} -eq 0 ] && grep -q 'phase drain' "$OUT/$mode-$level-$run.err"; then
			send_mark s1 y1
		fi
		if [ $((tick % 5)) -eq 0 ]; then
			for i in "${!list[@]}"; do
				local r; r=$(rss_kb "${list[i]}"); [ "$r" -gt "${peak[i]}" ] && peak[i]=$r
			done
		fi
		tick=$((tick + 1))
		sleep 0.1
	done
	# A drain that ends at once (every copy already in) ends the generator
	# before the loop sees its line: the send phase ends now, then.
	if [ ${#s1[@]} -eq 0 ]; then
		send_mark s1 y1
	fi
	wait "$lt" || { echo "bench: loadtest failed for $mode at $level:" >&2; cat "$OUT/$mode-$level-$run.err" >&2; return 0; }
	local json; json=$(cat "$OUT/$mode-$level-$run.json")
	declare -A cpu=([backend]=0 [sidecast]=0 [redis]=0) rss=([backend]=0 [sidecast]=0 [redis]=0)
	local send_all=0 send_sc=0 send_sc_sys=0
	for i in "${!list[@]}"; do
		cpu[${kinds[i]}]=$(( ${cpu[${kinds[i]}]} + $(cpu_ticks "${list[i]}") - before[i] ))
		rss[${kinds[i]}]=$(( ${rss[${kinds[i]}]} + peak[i] ))
		if [ ${#s0[@]} -gt 0 ]; then
			send_all=$(( send_all + s1[i] - s0[i] ))
			if [ "${kinds[i]}" = sidecast ]; then
				send_sc=$(( send_sc + s1[i] - s0[i] ))
				send_sc_sys=$(( send_sc_sys + y1[i] - y0[i] ))
			fi
		fi
	done
	local sent; sent=$(field sent <<<"$json")
	awk -v m="$mode" -v l="$level" -v sr="$(field sentRate <<<"$json")" -v dr="$(field deliveredRate <<<"$json")" \
		-v p50="$(lat latencyMs p50 <<<"$json")" -v p99="$(lat latencyMs p99 <<<"$json")" -v p999="$(lat latencyMs p999 <<<"$json")" \
		-v mx="$(lat latencyMs max <<<"$json")" -v lost="$(field lost <<<"$json")" -v dup="$(field duplicated <<<"$json")" \
		-v s50="$(lat selfLatencyMs p50 <<<"$json")" -v s99="$(lat selfLatencyMs p99 <<<"$json")" -v sys="$send_sc_sys" \
		-v setup="$(field connectJoinMs <<<"$json")" -v hz="$CLK_TCK" -v sent="$sent" \
		-v cb="${cpu[backend]}" -v cs="${cpu[sidecast]}" -v cr="${cpu[redis]}" -v cl="$(field cpuS <<<"$json")" \
		-v rb="${rss[backend]}" -v rs="${rss[sidecast]}" -v sa="$send_all" -v ss="$send_sc" -v run="$run" 'BEGIN {
		us = (sent > 0 && ss > 0) ? ss / hz / sent * 1e6 : 0
		syspct = ss > 0 ? 100 * sys / ss : 0
		printf "%s\t%d\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%.1f\t%.1f\t%d\t%.2f\t%.2f\t%.0f\n",
			m, l, sr, dr, p50, p99, p999, mx, lost, dup, setup, cb/hz, cs/hz, cr/hz, (cb+cs+cr)/hz, sa/hz, cl, rb/1024, rs/1024, us, run, s50, s99, syspct
	}' >>"$results"
	tail -n 1 "$results" >&2
}

echo "bench: $PAIRS pairs, $DURATION per run, levels $LEVELS, modes $MODES; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
reversed=$(printf '%s\n' $MODES | tac | tr '\n' ' ')
for level in $LEVELS; do
	for run in $(seq "$REPEAT"); do
		order=$MODES
		[ $((run % 2)) -eq 0 ] && order=$reversed
		for mode in $order; do measure "$mode" "$level"; done
	done
done

# artillery NODE URL: the reference guide's scenario against one sidecast node.
artillery() {
	(cd "$here/artillery" && ARTILLERY_DISABLE_TELEMETRY=true exec ./node_modules/.bin/artillery run -t "$2" artillery.yml) \
		>"$OUT/artillery-$1.txt" 2>&1
}
if [ -n "$ARTILLERY" ] && [[ " $MODES " == *" sidecast "* ]]; then
	[ -x "$here/artillery/node_modules/.bin/artillery" ] ||
		{ echo "bench: run PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci in examples/loadtest/artillery" >&2; exit 1; }
	echo "bench: artillery against both sidecast nodes at once" >&2
	artillery a "${entry_a[sidecast]}" & art_a=$!
	artillery b "${entry_b[sidecast]}" & art_b=$!
	wait "$art_a" "$art_b" || echo "bench: artillery failed, see $OUT/artillery-*.txt" >&2
	for n in a b; do
		echo "artillery, sidecast node $n:"
		sed -n '/Summary report/,$p' "$OUT/artillery-$n.txt"
	done
fi

echo
column -t -s $'\t' "$results"
echo
# Medians over the runs of each mode and level, then the ratios
# sidecast/native per level (deliv/s, p99, total CPU), the saturation
# throughput (best median deliv/s over the levels) and the median
# connect+join time; the same against the baseline when it ran.
awk -F'\t' -v levels="$LEVELS" -v modes="$MODES" 'NR > 1 { k = $1 SUBSEP $2
		d[k] = d[k] " " $4; p5[k] = p5[k] " " $5; p[k] = p[k] " " $6; c[k] = c[k] " " $15; sc[k] = sc[k] " " $16
		us[k] = us[k] " " $20; s[$1] = s[$1] " " $11; ran[$1] = 1
		q5[k] = q5[k] " " $22; q9[k] = q9[k] " " $23 }
	function med(str,   a, n, i, j, t) { n = split(str, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 0 }
	function r(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
	function ratios(x, y,   i, l, a, b) {
		print "ratios " x "/" y " of the medians (deliv/s higher is better; p99 and CPU lower is better)"
		printf "%-8s %8s %8s %8s %9s\n", "offered", "deliv/s", "p99", "cpu", "send_cpu"
		for (i = 1; i <= nl; i++) { l = ls[i]; a = x SUBSEP l; b = y SUBSEP l
			printf "%-8s %8s %8s %8s %9s\n", l, r(med(d[a]), med(d[b])), r(med(p[a]), med(p[b])), r(med(c[a]), med(c[b])), r(med(sc[a]), med(sc[b])) }
		printf "connect+join of all clients, median ms: %s %s %s %s  ratio %s\n", y, med(s[y]), x, med(s[x]), r(med(s[x]), med(s[y]))
	}
	END {
		nl = split(levels, ls, " "); nm = split(modes, ms, " ")
		print "medians per mode and level"
		printf "%-9s %8s %8s %7s %7s %7s %7s %8s %9s %10s\n", "mode", "offered", "deliv/s", "p50ms", "p99ms", "self50", "self99", "cpu_s", "send_cpu", "sc_us/msg"
		for (i = 1; i <= nl; i++) for (j = 1; j <= nm; j++) { k = ms[j] SUBSEP ls[i]; if (!(k in d)) continue
			printf "%-9s %8s %8.0f %7.2f %7.2f %7.2f %7.2f %8.2f %9.2f %10.1f\n", ms[j], ls[i], med(d[k]), med(p5[k]), med(p[k]), med(q5[k]), med(q9[k]), med(c[k]), med(sc[k]), med(us[k])
			if (med(d[k]) > best[ms[j]]) best[ms[j]] = med(d[k]) }
		if ("native" in ran && "sidecast" in ran) {
			ratios("sidecast", "native")
			printf "saturation deliv/s: native %.0f sidecast %.0f single %.0f  ratio %s\n", best["native"], best["sidecast"], best["single"], r(best["sidecast"], best["native"])
		}
		if ("baseline" in ran && "sidecast" in ran) ratios("sidecast", "baseline")
	}' "$results"
echo "bench: results and logs in $OUT" >&2
