#!/usr/bin/env bash
# bench.sh — sidecast against the native Socket.IO Redis adapter, side by
# side on this machine, in one go. Not part of CI.
#
#   examples/loadtest/bench.sh                 # from the repository root
#   LEVELS="500 2000" DURATION=5s examples/loadtest/bench.sh
#   MODES="native nginx sidecast" NODES=4 examples/loadtest/bench.sh
#
# The setups run at once, each idle while another is measured; every one
# but single has NODES nodes:
#   native    unmodified examples/socketio-chat servers with
#             @socket.io/redis-adapter preloaded (native/preload.js)
#   nginx     the same, each server behind an nginx of its own (one worker):
#             the hop a sticky balancer adds once it has pinned a client
#   sidecast  unmodified examples/socketio-chat servers, each behind a
#             sidecast binary
#   single    one examples/socketio-chat server alone (both members of a
#             pair on it: the single-node reference)
#   baseline  like sidecast, with the sidecast binary BASELINE_BIN (built
#             from an earlier commit): the change against what it changes,
#             in the same run
# All share one Redis started here, each cluster under a key of its own.
# At each offered rate (LEVELS, messages/s over PAIRS twin pairs) the
# setups are measured in turn with the same load. Pair p's members connect
# to nodes p and p+1 (mod NODES): every pair crosses nodes, every node gets
# 2*PAIRS/NODES clients. Every run times connect+join of all 2*PAIRS
# clients (a storm), then, after the drain, STEADY_CONNECTS more clients
# one at a time at STEADY_RATE per second (steady_p50ms, steady_p99ms).
# CPU (utime+stime from /proc/<pid>/stat) and peak RSS (VmRSS) of every
# process are sampled: cpu_* columns cover the whole run (connect, join,
# send, drain, steady connects), cpu_total_s every process but the
# generator's (backends, sidecasts, nginx, Redis), send_cpu_s only the send
# phase of those (send_wall_s long), and sc_send_us_per_msg is sidecast's
# CPU (all nodes) in the send phase per message sent, sc_send_sys_pct the
# part of it spent in the kernel. connect_cpu_ms_per_client_per_node is
# the CPU of backends, sidecasts and nginx from the generator's start to
# the last join, over the nodes and the 2*PAIRS clients. p50ms/p99ms are
# the partner's copies (across nodes), self_p50ms/self_p99ms the sender's
# own copies, which only go through the sender's entry node and backend: the
# difference is what the way between the nodes adds. $OUT/procs.tsv has
# every process's CPU and peak RSS per run. Prints one table row per run,
# then medians (with min-max with REPEAT > 1), the ratios sidecast/native,
# sidecast/nginx and sidecast/baseline, and draws $OUT/bench.png (p99 and
# CPU against the offered load, see plot/). Needs: go, node, npm ci in
# examples/socketio-chat and examples/loadtest/native, redis-server, and
# nginx for MODES' nginx.
#
# Environment: LEVELS ("500 1000 2000 4000 6000"), PAIRS (200), DURATION
# (10s), DRAIN (5s), NODES (2: nodes per setup, 2 or 4), REPEAT (1: runs
# per mode and level; with more, the modes take turns in alternating order
# and the summary gives medians and spreads), MODES ("native sidecast
# single"), BASE_PORT (21100, below the ephemeral range), OUT (a temp
# folder: logs, results.tsv, procs.tsv, JSON lines, profiles, the plot),
# SETTLE (500ms: the pause between the last join and the first send, so
# the connect phase's CPU reading takes no send in), STEADY_CONNECTS (100;
# 0 for none), STEADY_RATE (50 per second), NGINX (the nginx binary: nginx
# on PATH, else /usr/sbin/nginx), PLOT_COPY (a path the plot is also
# copied to), PROFILE_LEVEL (an offered rate at which sidecast node 1's CPU
# profile is taken during the run, written to $OUT/sidecast-a.cpu.pprof;
# empty = none), SIDECAST_ENV (extra VAR=value words for every sidecast
# node), BASELINE_BIN (a sidecast binary for MODES' baseline; it may be the
# same build), BASELINE_ENV (extra VAR=value words for the baseline nodes,
# in place of SIDECAST_ENV: a setting against the default), ARTILLERY (set:
# after the levels, run artillery/artillery.yml against sidecast nodes 1
# and 2 at once and print Artillery's summaries; LEVELS="" for that alone).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
LEVELS=${LEVELS-"500 1000 2000 4000 6000"}
PAIRS=${PAIRS:-200}
DURATION=${DURATION:-10s}
DRAIN=${DRAIN:-5s}
NODES=${NODES:-2}
MODES=${MODES:-"native sidecast single"}
BASE_PORT=${BASE_PORT:-21100}
SETTLE=${SETTLE:-500ms}
STEADY_CONNECTS=${STEADY_CONNECTS:-100}
STEADY_RATE=${STEADY_RATE:-50}
NGINX=${NGINX:-$(command -v nginx || echo /usr/sbin/nginx)}
PLOT_COPY=${PLOT_COPY:-}
PROFILE_LEVEL=${PROFILE_LEVEL:-}
SIDECAST_ENV=${SIDECAST_ENV:-}
ARTILLERY=${ARTILLERY:-}
BASELINE_BIN=${BASELINE_BIN:-}
BASELINE_ENV=${BASELINE_ENV-$SIDECAST_ENV}
REPEAT=${REPEAT:-1}
CLK_TCK=$(getconf CLK_TCK)

for need in go node redis-server curl pgrep; do
	command -v "$need" >/dev/null || { echo "bench: $need is not installed" >&2; exit 1; }
done
if ! [[ $NODES =~ ^[0-9]+$ ]] || [ "$NODES" -lt 2 ] || [ "$NODES" -gt 16 ]; then
	echo "bench: NODES=$NODES: want 2 to 16 (2 and 4 are the ones described)" >&2; exit 1
fi
if [[ " $MODES " == *" baseline "* ]] && [ ! -x "$BASELINE_BIN" ]; then
	echo "bench: MODES has baseline: set BASELINE_BIN to a sidecast binary" >&2; exit 1
fi
if [[ " $MODES " == *" nginx "* ]] && [ ! -x "$NGINX" ]; then
	echo "bench: MODES has nginx: install it (apt-get install -y nginx) or set NGINX to its binary" >&2; exit 1
fi
for dir in examples/socketio-chat examples/loadtest/native; do
	[ -d "$root/$dir/node_modules" ] || { echo "bench: run npm ci in $dir first" >&2; exit 1; }
done
OUT=${OUT:-$(mktemp -d -t sidecast-bench.XXXXXX)}
mkdir -p "$OUT"

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
(cd "$root" && go build -o "$OUT/sidecast" . && go build -o "$OUT/loadtest" ./examples/loadtest &&
	go build -o "$OUT/plot" ./examples/loadtest/plot)

port; redis_port=$port
redis-server --port "$redis_port" --bind 127.0.0.1 --save "" --appendonly no >"$OUT/redis.log" 2>&1 &
redis_pid=$!; pids+=("$redis_pid")
redis_url="redis://127.0.0.1:$redis_port"

# backend NAME [PRELOAD KEY]: starts an example server, sets $port and $pid;
# with PRELOAD, the native adapter's cluster under REDIS_ADAPTER_KEY KEY.
backend() {
	local name=$1 preload=${2:-} key=${3:-}
	port; local p=$port
	if [ -n "$preload" ]; then
		(cd "$root/examples/socketio-chat" && REDIS_URL=$redis_url REDIS_ADAPTER_KEY=$key PORT=$p exec node --require "$preload" server.js) >"$OUT/$name.log" 2>&1 &
	else
		(cd "$root/examples/socketio-chat" && PORT=$p exec node server.js) >"$OUT/$name.log" 2>&1 &
	fi
	pid=$!; pids+=("$pid")
	wait_http "http://127.0.0.1:$p/health"
	port=$p
}

# nginx_node NAME BACKEND_PORT: starts an nginx (one worker) in front of
# the example server on BACKEND_PORT, with its configuration, pid file and
# logs in $OUT/NAME; sets $port, $pid (the master) and $workers.
nginx_node() {
	local name=$1 bport=$2 dir=$OUT/$1
	port; local p=$port
	mkdir -p "$dir/logs" "$dir/tmp"
	# Two connections per client (in and out), for every client of the run
	# at most; the rlimit leaves room for the rest.
	cat >"$dir/nginx.conf" <<-EOF
	worker_processes 1;
	daemon off;
	master_process on;
	pid $dir/nginx.pid;
	error_log $dir/logs/error.log warn;
	worker_rlimit_nofile $((8 * PAIRS + 4096));
	events { worker_connections $((4 * PAIRS + 1024)); }
	http {
	    access_log off;
	    client_body_temp_path $dir/tmp/body;
	    proxy_temp_path $dir/tmp/proxy;
	    fastcgi_temp_path $dir/tmp/fastcgi;
	    uwsgi_temp_path $dir/tmp/uwsgi;
	    scgi_temp_path $dir/tmp/scgi;
	    map \$http_upgrade \$connection_upgrade { default upgrade; '' close; }
	    server {
	        listen 127.0.0.1:$p;
	        location / {
	            proxy_pass http://127.0.0.1:$bport;
	            proxy_http_version 1.1;
	            proxy_set_header Upgrade \$http_upgrade;
	            proxy_set_header Connection \$connection_upgrade;
	            proxy_set_header Host \$host;
	            proxy_buffering off;
	            proxy_read_timeout 1h;
	            proxy_send_timeout 1h;
	        }
	    }
	}
	EOF
	"$NGINX" -p "$dir" -e "$dir/logs/error.log" -c "$dir/nginx.conf" >"$OUT/$name.log" 2>&1 &
	pid=$!; pids+=("$pid")
	wait_http "http://127.0.0.1:$p/health"
	workers=$(pgrep -P "$pid" | tr '\n' ' ')
	[ -n "$workers" ] || { echo "bench: $name has no worker process" >&2; exit 1; }
	port=$p
}

# sidecast NAME BACKEND_PORT KEY [BINARY [EXTRA_ENV]]: starts a sidecast node
# of the cluster named by KEY (its REDIS_ADAPTER_KEY: the clusters share one
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

# entries[MODE] is the generator's -entries (node i's URL at place i),
# procs[MODE] the measured processes as kind:node:pid words (node 0: the
# shared Redis), nodes[MODE] the setup's node count.
declare -A entries procs nodes
health=()
for mode in $MODES; do
	urls=() list=()
	case $mode in
	native | nginx)
		for i in $(seq "$NODES"); do
			backend "$mode-backend-$i" "$here/native/preload.js" "bench-$mode"; url_port=$port; list+=("backend:$i:$pid")
			if [ "$mode" = nginx ]; then
				nginx_node "nginx-$i" "$url_port"; url_port=$port; list+=("nginx:$i:$pid")
				for w in $workers; do list+=("nginx:$i:$w"); done
			fi
			urls+=("http://127.0.0.1:$url_port")
		done ;;
	sidecast | baseline)
		for i in $(seq "$NODES"); do
			backend "$mode-backend-$i"; b=$port; list+=("backend:$i:$pid")
			if [ "$mode" = sidecast ]; then
				sidecast "sc-$i" "$b" bench-sidecast
				[ "$i" = 1 ] && ops_a=$ops
			else
				sidecast "base-$i" "$b" bench-baseline "$BASELINE_BIN" "$BASELINE_ENV"
			fi
			list+=("sidecast:$i:$pid"); urls+=("http://127.0.0.1:$port")
			health+=("http://127.0.0.1:$port/health")
		done ;;
	single)
		backend single; list+=("backend:1:$pid"); urls+=("http://127.0.0.1:$port") ;;
	*) echo "bench: unknown mode $mode" >&2; exit 1 ;;
	esac
	# The single node has no use for Redis: its CPU there would be the idle
	# Redis of the other setups.
	[ "$mode" = single ] || list+=("redis:0:$redis_pid")
	entries[$mode]=$(IFS=,; echo "${urls[*]}")
	procs[$mode]="${list[*]}"
	nodes[$mode]=${#urls[@]}
done
if [ ${#health[@]} -gt 0 ]; then
	# Mirrors need each node to know the others before clients connect.
	for url in "${health[@]}"; do
		for _ in $(seq 300); do
			curl -s "$url" | grep -q '"redis":true' && curl -s "$url" | grep -q "\"peers\":$((NODES - 1))[,}]" && break
			sleep 0.1
		done
	done
	sleep 3 # a few heartbeats more, so each node has registered the others
fi

# cpu_ticks PID: utime+stime of a process, in clock ticks.
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
# mark TOTAL SYS: for every process of measure's list, utime+stime and
# stime alone (the kernel's part) into the arrays named TOTAL and SYS, from
# one look at its stat file.
# shellcheck disable=SC2034 # the namerefs write the caller's arrays
mark() {
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
# the partner's copies; selfLatencyMs, the sender's own; steadyConnectMs),
# whose keys repeat.
lat() { sed -n "s/.*\"$1\":{[^}]*\"$2\":\([-0-9.e+]*\).*/\1/p"; }

results="$OUT/results.tsv"
printf 'mode\toffered\tsent/s\tdeliv/s\tp50ms\tp99ms\tp999ms\tmaxms\tlost\tdup\tsetupms\tcpu_backend_s\tcpu_sidecast_s\tcpu_redis_s\tcpu_total_s\tsend_cpu_s\tcpu_loadgen_s\trss_backend_mb\trss_sidecast_mb\tsc_send_us_per_msg\trun\tself_p50ms\tself_p99ms\tsc_send_sys_pct\tnodes\tpairs\tcpu_nginx_s\trss_nginx_mb\tconnect_cpu_ms_per_client_per_node\tsteady_p50ms\tsteady_p99ms\tsteady_maxms\tsteady_errors\tsend_wall_s\n' >"$results"
procs_tsv="$OUT/procs.tsv"
printf 'mode\toffered\trun\tkind\tnode\tpid\tcpu_s\tsend_cpu_s\tconnect_cpu_s\tpeak_rss_mb\n' >"$procs_tsv"

# measure MODE LEVEL: one loadtest run with CPU and RSS sampling.
measure() {
	local mode=$1 level=$2 spec list=() kinds=() nodeix=() before=() peak=() i k n p
	for spec in ${procs[$mode]}; do
		IFS=: read -r k n p <<<"$spec"
		kinds+=("$k"); nodeix+=("$n"); list+=("$p")
	done
	for i in "${!list[@]}"; do before[i]=$(cpu_ticks "${list[i]}"); peak[i]=0; done
	local err="$OUT/$mode-$level-$run.err"
	"$OUT/loadtest" -quiet -entries "${entries[$mode]}" -pairs "$PAIRS" -rate "$level" \
		-duration "$DURATION" -drain "$DRAIN" -settle "$SETTLE" \
		-steady-connects "$STEADY_CONNECTS" -steady-rate "$STEADY_RATE" >"$OUT/$mode-$level-$run.json" 2>"$err" &
	local lt=$!
	if [ "$mode" = sidecast ] && [ "$level" = "$PROFILE_LEVEL" ]; then
		(sleep 4; curl -s -H 'Authorization: Bearer bench-admin-token-0' -o "$OUT/sidecast-a.cpu.pprof" \
			"http://127.0.0.1:$ops_a/debug/pprof/profile?seconds=5") &
	fi
	# CPU is also read at the generator's phase lines: once every client has
	# joined (the connect phase ends; SETTLE keeps sends out of the reading
	# however late the loop sees the line), as the send phase starts and as
	# it ends, so the send-phase columns leave out connect, join and drain.
	# The send phase's wall time comes from EPOCHREALTIME, whose decimal
	# mark follows the locale: awk wants a point.
	# shellcheck disable=SC2034 # cy: the connect phase's kernel share, unused
	local c0=() cy=() s0=() s1=() y0=() y1=() t0=0 t1=0 tick=0 phases
	while kill -0 "$lt" 2>/dev/null; do
		phases=$(grep 'loadtest: phase' "$err" || true)
		if [ ${#c0[@]} -eq 0 ] && [[ $phases == *"phase joined"* ]]; then
			mark c0 cy
		fi
		if [ ${#s0[@]} -eq 0 ] && [[ $phases == *"phase send"* ]]; then
			mark s0 y0; t0=${EPOCHREALTIME/,/.}
		fi
		if [ ${#s1[@]} -eq 0 ] && [[ $phases == *"phase drain"* ]]; then
			mark s1 y1; t1=${EPOCHREALTIME/,/.}
		fi
		if [ $((tick % 5)) -eq 0 ]; then
			for i in "${!list[@]}"; do
				local r; r=$(rss_kb "${list[i]}"); [ "$r" -gt "${peak[i]}" ] && peak[i]=$r
			done
		fi
		tick=$((tick + 1))
		sleep 0.1
	done
	# A drain that ends at once (every copy already in) and no steady
	# connects end the generator before the loop sees its line: the send
	# phase ends now, then.
	if [ ${#s1[@]} -eq 0 ]; then
		mark s1 y1; t1=${EPOCHREALTIME/,/.}
	fi
	wait "$lt" || { echo "bench: loadtest failed for $mode at $level:" >&2; cat "$err" >&2; return 0; }
	grep -v 'loadtest: phase' "$err" >&2 || true # failed steady connects
	local json; json=$(cat "$OUT/$mode-$level-$run.json")
	declare -A cpu=([backend]=0 [sidecast]=0 [nginx]=0 [redis]=0) rss=([backend]=0 [sidecast]=0 [nginx]=0 [redis]=0)
	local send_all=0 send_sc=0 send_sc_sys=0 connect=0 after used send_i connect_i
	for i in "${!list[@]}"; do
		after=$(cpu_ticks "${list[i]}")
		used=$((after - before[i]))
		cpu[${kinds[i]}]=$(( ${cpu[${kinds[i]}]} + used ))
		rss[${kinds[i]}]=$(( ${rss[${kinds[i]}]} + peak[i] ))
		send_i=0 connect_i=0
		if [ ${#s0[@]} -gt 0 ]; then
			send_i=$((s1[i] - s0[i]))
			send_all=$((send_all + send_i))
			if [ "${kinds[i]}" = sidecast ]; then
				send_sc=$((send_sc + send_i))
				send_sc_sys=$((send_sc_sys + y1[i] - y0[i]))
			fi
		fi
		if [ ${#c0[@]} -gt 0 ]; then
			connect_i=$((c0[i] - before[i]))
			[ "${kinds[i]}" != redis ] && connect=$((connect + connect_i))
		fi
		awk -v m="$mode" -v l="$level" -v run="$run" -v k="${kinds[i]}" -v n="${nodeix[i]}" -v pid="${list[i]}" \
			-v c="$used" -v s="$send_i" -v j="$connect_i" -v rss="${peak[i]}" -v hz="$CLK_TCK" 'BEGIN {
			printf "%s\t%d\t%d\t%s\t%d\t%d\t%.2f\t%.2f\t%.2f\t%.1f\n", m, l, run, k, n, pid, c/hz, s/hz, j/hz, rss/1024
		}' >>"$procs_tsv"
	done
	local sent; sent=$(field sent <<<"$json")
	awk -v m="$mode" -v l="$level" -v sr="$(field sentRate <<<"$json")" -v dr="$(field deliveredRate <<<"$json")" \
		-v p50="$(lat latencyMs p50 <<<"$json")" -v p99="$(lat latencyMs p99 <<<"$json")" -v p999="$(lat latencyMs p999 <<<"$json")" \
		-v mx="$(lat latencyMs max <<<"$json")" -v lost="$(field lost <<<"$json")" -v dup="$(field duplicated <<<"$json")" \
		-v s50="$(lat selfLatencyMs p50 <<<"$json")" -v s99="$(lat selfLatencyMs p99 <<<"$json")" -v sys="$send_sc_sys" \
		-v setup="$(field connectJoinMs <<<"$json")" -v hz="$CLK_TCK" -v sent="$sent" \
		-v cb="${cpu[backend]}" -v cs="${cpu[sidecast]}" -v cn="${cpu[nginx]}" -v cr="${cpu[redis]}" -v cl="$(field cpuS <<<"$json")" \
		-v rb="${rss[backend]}" -v rs="${rss[sidecast]}" -v rn="${rss[nginx]}" -v sa="$send_all" -v ss="$send_sc" -v run="$run" \
		-v nodes="${nodes[$mode]}" -v pairs="$PAIRS" -v conn="$connect" \
		-v st50="$(lat steadyConnectMs p50 <<<"$json")" -v st99="$(lat steadyConnectMs p99 <<<"$json")" \
		-v stmax="$(lat steadyConnectMs max <<<"$json")" -v sterr="$(field steadyConnectErrors <<<"$json")" \
		-v t0="$t0" -v t1="$t1" 'BEGIN {
		us = (sent > 0 && ss > 0) ? ss / hz / sent * 1e6 : 0
		syspct = ss > 0 ? 100 * sys / ss : 0
		connms = conn / hz * 1000 / nodes / (2 * pairs)
		wall = (t0 > 0 && t1 > t0) ? t1 - t0 : 0
		printf "%s\t%d\t%.0f\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%d\t%d\t%.0f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.2f\t%.1f\t%.1f\t%.1f\t%d\t%.2f\t%.2f\t%.0f",
			m, l, sr, dr, p50, p99, p999, mx, lost, dup, setup, cb/hz, cs/hz, cr/hz, (cb+cs+cn+cr)/hz, sa/hz, cl, rb/1024, rs/1024, us, run, s50, s99, syspct
		printf "\t%d\t%d\t%.2f\t%.1f\t%.3f\t%.2f\t%.2f\t%.2f\t%d\t%.2f\n",
			nodes, pairs, cn/hz, rn/1024, connms, st50, st99, stmax, sterr, wall
	}' >>"$results"
	tail -n 1 "$results" | awk -F'\t' '{
		printf "bench: %-8s %6d/s run %d: deliv/s %s p99 %s ms lost %s dup %s cpu %s s connect cpu %s ms/client/node steady p50 %s p99 %s ms\n",
			$1, $2, $21, $4, $6, $9, $10, $15, $29, $30, $31 }' >&2
}

echo "bench: $PAIRS pairs, $NODES nodes, $DURATION per run, levels $LEVELS, modes $MODES; load average: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
# shellcheck disable=SC2086 # one mode a line
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
	echo "bench: artillery against sidecast nodes 1 and 2 at once" >&2
	IFS=, read -r url_a url_b _ <<<"${entries[sidecast]}"
	artillery a "$url_a" & art_a=$!
	artillery b "$url_b" & art_b=$!
	wait "$art_a" "$art_b" || echo "bench: artillery failed, see $OUT/artillery-*.txt" >&2
	for n in a b; do
		echo "artillery, sidecast node $n:"
		sed -n '/Summary report/,$p' "$OUT/artillery-$n.txt"
	done
fi

echo
column -t -s $'\t' "$results"
echo
# Medians over the runs of each mode and level (with min-max when a mode
# ran more than once), then per pair of setups the ratios of the medians
# per level (deliv/s, p99, total CPU, send-phase CPU, connect CPU) and the
# difference of the steady connects' p99, the median connect+join time and
# steady connect p99 over all levels; last the saturation throughput (best
# median deliv/s over the levels) of every setup. Columns are found by
# their header names.
awk -F'\t' -v levels="$LEVELS" -v modes="$MODES" '
	NR == 1 { for (i = 1; i <= NF; i++) col[$i] = i; next }
	{ k = $(col["mode"]) SUBSEP $(col["offered"]); ran[$(col["mode"])] = 1
		for (name in col) v[name, k] = v[name, k] " " $(col[name])
		all["setupms", $(col["mode"])] = all["setupms", $(col["mode"])] " " $(col["setupms"])
		all["steady_p99ms", $(col["mode"])] = all["steady_p99ms", $(col["mode"])] " " $(col["steady_p99ms"])
		all["conn", $(col["mode"])] = all["conn", $(col["mode"])] " " $(col["connect_cpu_ms_per_client_per_node"])
		if (++runs[k] > 1) spread = 1 }
	function sorted(str, a,   n, i, j, t) { n = split(str, a, " "); for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
		return n }
	function med(str,   a, n) { n = sorted(str, a); return n ? (n % 2 ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2) : 0 }
	function rng(str, f,   a, n) { n = sorted(str, a); return n ? sprintf(f "-" f, a[1], a[n]) : "-" }
	function m(name, k) { return med(v[name, k]) }
	function r(x, y) { return y > 0 ? sprintf("%.2f", x / y) : "-" }
	function ratios(x, y,   i, l, a, b) {
		if (!(x in ran) || !(y in ran)) return
		print ""
		print "ratios " x "/" y " of the medians (deliv/s higher is better; p99 and CPU lower is better; st99 diff: " x " minus " y ", ms)"
		printf "%-8s %8s %8s %8s %9s %9s %10s\n", "offered", "deliv/s", "p99", "cpu", "send_cpu", "conn_cpu", "st99_diff"
		for (i = 1; i <= nl; i++) { l = ls[i]; a = x SUBSEP l; b = y SUBSEP l
			if (!(a in runs) || !(b in runs)) continue
			printf "%-8s %8s %8s %8s %9s %9s %10.2f\n", l, r(m("deliv/s", a), m("deliv/s", b)), r(m("p99ms", a), m("p99ms", b)),
				r(m("cpu_total_s", a), m("cpu_total_s", b)), r(m("send_cpu_s", a), m("send_cpu_s", b)),
				r(m("connect_cpu_ms_per_client_per_node", a), m("connect_cpu_ms_per_client_per_node", b)), m("steady_p99ms", a) - m("steady_p99ms", b) }
		printf "connect+join of all clients, median ms: %s %s %s %s  ratio %s\n", y, med(all["setupms", y]), x, med(all["setupms", x]), r(med(all["setupms", x]), med(all["setupms", y]))
		printf "connect CPU per client per node, median ms: %s %.3f %s %.3f  ratio %s\n", y, med(all["conn", y]), x, med(all["conn", x]), r(med(all["conn", x]), med(all["conn", y]))
		printf "steady connect p99, median ms: %s %.2f %s %.2f  difference %+.2f\n", y, med(all["steady_p99ms", y]), x, med(all["steady_p99ms", x]), med(all["steady_p99ms", x]) - med(all["steady_p99ms", y])
	}
	END {
		nl = split(levels, ls, " "); nm = split(modes, ms, " ")
		print "medians per mode and level" (spread ? ", min-max of the runs beside deliv/s, p99 and cpu" : "")
		printf "%-9s %7s %8s", "mode", "offered", "deliv/s"
		if (spread) printf " %13s", "(min-max)"
		printf " %7s %7s", "p50ms", "p99ms"
		if (spread) printf " %15s", "(min-max)"
		printf " %7s %7s %8s", "self50", "self99", "cpu_s"
		if (spread) printf " %13s", "(min-max)"
		printf " %8s %9s %8s %7s %7s\n", "send_cpu", "sc_us/msg", "conn_ms", "st50", "st99"
		for (i = 1; i <= nl; i++) for (j = 1; j <= nm; j++) { k = ms[j] SUBSEP ls[i]; if (!(k in runs)) continue
			printf "%-9s %7s %8.0f", ms[j], ls[i], m("deliv/s", k)
			if (spread) printf " %13s", rng(v["deliv/s", k], "%.0f")
			printf " %7.2f %7.2f", m("p50ms", k), m("p99ms", k)
			if (spread) printf " %15s", rng(v["p99ms", k], "%.2f")
			printf " %7.2f %7.2f %8.2f", m("self_p50ms", k), m("self_p99ms", k), m("cpu_total_s", k)
			if (spread) printf " %13s", rng(v["cpu_total_s", k], "%.2f")
			printf " %8.2f %9.1f %8.3f %7.2f %7.2f\n", m("send_cpu_s", k), m("sc_send_us_per_msg", k),
				m("connect_cpu_ms_per_client_per_node", k), m("steady_p50ms", k), m("steady_p99ms", k)
			if (m("deliv/s", k) > best[ms[j]]) best[ms[j]] = m("deliv/s", k) }
		ratios("sidecast", "native")
		ratios("sidecast", "nginx")
		ratios("sidecast", "baseline")
		print ""
		printf "saturation deliv/s (best median over the levels):"
		for (j = 1; j <= nm; j++) if (ms[j] in ran) printf " %s %.0f", ms[j], best[ms[j]]
		for (j = 1; j <= nm; j++) if (ms[j] != "sidecast" && ms[j] != "single" && (ms[j] in ran) && ("sidecast" in ran))
			printf "  sidecast/%s %s", ms[j], r(best["sidecast"], best[ms[j]])
		print ""
	}' "$results"

if [ "$(wc -l <"$results")" -gt 1 ]; then
	"$OUT/plot" -in "$results" -out "$OUT/bench.png" -svg "$OUT/bench.svg"
	echo "bench: plot $OUT/bench.png"
	if [ -n "$PLOT_COPY" ]; then
		cp "$OUT/bench.png" "$PLOT_COPY"
		echo "bench: plot copied to $PLOT_COPY"
	fi
fi
echo "bench: results and logs in $OUT" >&2
