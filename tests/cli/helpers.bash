# Common setup for the cxbus command tests (bats-core).
#
# Every test runs in its own `mktemp -d` directory $T with its own bus at
# $SOCK ($CXBUS_SOCKET).  Nothing waits by sleeping: readiness is polled
# with a deadline (wait_for_socket, bg_sub).  Teardown ends exactly the
# processes this test started, by pid, and removes $T.
#
# CXBUS_TEST_WRAP (e.g. "valgrind --error-exitcode=99 -q") is put in front
# of every cxbusd the tests start, autostarted ones included; a daemon that
# exits 99 under it fails the test.

bats_require_minimum_version 1.5.0

HELPERS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PROBE=$HELPERS_DIR/probe.py
if [ -x /usr/bin/python3 ]; then
	PY=/usr/bin/python3
else
	PY=python3
fi

# Deadlines: readiness polls and whole commands.  A wrapper such as
# valgrind makes the daemon slower, so give it more time.
if [ -n "${CXBUS_TEST_WRAP:-}" ]; then
	DEADLINE=${CXBUS_TEST_DEADLINE:-30}
	TMO=${CXBUS_TEST_TIMEOUT:-60}
else
	DEADLINE=${CXBUS_TEST_DEADLINE:-5}
	TMO=${CXBUS_TEST_TIMEOUT:-10}
fi

# Start every test with a private directory, socket and environment.
common_setup() {
	T=$(mktemp -d)
	SOCK=$T/bus.sock
	export CXBUS_SOCKET=$SOCK
	unset CXBUS_URL CXBUS_NO_AUTOSTART CXBUS_DAEMON XDG_RUNTIME_DIR
	# A test that drops CXBUS_SOCKET must still stay inside $T.
	export TMPDIR=$T
	export LC_ALL=C
	BG_PIDS=()
	DAEMON_PIDS=()
	REDIS_PID=
	if [ -n "${CXBUS_TEST_WRAP:-}" ]; then
		# An autostarted daemon must let go of the stderr pipe that
		# cxbus reads until the daemon detaches; valgrind would keep
		# it open for its report, so send that to a file instead.
		local extra=
		case ${CXBUS_TEST_WRAP%% *} in
		valgrind|*/valgrind) extra="--log-file=$T/valgrind-%p.log" ;;
		esac
		printf '#!/bin/sh\nexec %s %s %q "$@"\n' "$CXBUS_TEST_WRAP" \
		    "$extra" "$(command -v cxbusd)" > "$T/cxbusd-wrap"
		chmod 755 "$T/cxbusd-wrap"
		export CXBUS_DAEMON=$T/cxbusd-wrap
	fi
	cd "$T" || return 1
}

# Whether PID is a live process (a zombie is not).
pid_alive() {
	local state
	[ -r "/proc/$1/stat" ] || return 1
	state=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -c1)
	[ -n "$state" ] && [ "$state" != Z ]
}

# Whether PID is a live child of this shell.  A pid that was reaped may
# belong to someone else by now (pids wrap quickly on a busy machine), so
# teardown signals a remembered pid only while this holds.
our_child() {
	local ppid
	pid_alive "$1" || return 1
	ppid=$(sed 's/^.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f2)
	[ "$ppid" = "$BASHPID" ]
}

# Wait up to SECONDS (default $DEADLINE) for PID to end; 1 if it did not.
wait_gone() {
	local pid=$1 secs=${2:-$DEADLINE} end
	end=$(( $(date +%s%N) + secs * 1000000000 ))
	while pid_alive "$pid"; do
		[ "$(date +%s%N)" -lt "$end" ] || return 1
		sleep 0.02
	done
	return 0
}

# Processes of this test still running: anything whose command line or
# environment names $T, except shells (bats itself runs in bash).
test_pids() {
	local f pid exe
	{
		grep -lF -e "$T" /proc/[0-9]*/cmdline 2>/dev/null
		grep -lzF -e "CXBUS_SOCKET=$T" -e "TMPDIR=$T" \
		    -e "XDG_RUNTIME_DIR=$T" /proc/[0-9]*/environ 2>/dev/null
	} | sort -u | while IFS= read -r f; do
		pid=${f#/proc/}
		pid=${pid%%/*}
		[ "$pid" != "$$" ] && [ "$pid" != "$BASHPID" ] || continue
		exe=$(readlink "/proc/$pid/exe" 2>/dev/null) || continue
		case ${exe##*/} in
		bash|sh|dash|bats*|grep|sort|readlink) continue ;;
		esac
		pid_alive "$pid" && echo "$pid"
	done
}

# The pid of the daemon answering on SOCK (default $SOCK), from cxbus
# status; nothing if none answers.
bus_pid() {
	timeout 5 cxbus --no-autostart -S "${1:-$SOCK}" status 2>/dev/null |
	    sed -n 's/^pid: *\([0-9][0-9]*\)$/\1/p' | head -n 1
}

# End the processes this test started: background clients first, then
# daemons (ours, and any other process whose command line or environment
# names $T: autostarted ones, detached ones), each by pid, waiting a
# bounded time; then remove $T.
common_teardown() {
	local pid rc pids=() p
	cd / || true
	for pid in "${BG_PIDS[@]}"; do
		our_child "$pid" && kill -TERM "$pid" 2>/dev/null
	done
	for pid in "${BG_PIDS[@]}"; do
		our_child "$pid" || continue
		wait_gone "$pid" 3 || kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -n "$REDIS_PID" ] && our_child "$REDIS_PID"; then
		kill -TERM "$REDIS_PID" 2>/dev/null || true
		wait_gone "$REDIS_PID" 5 || kill -KILL "$REDIS_PID" 2>/dev/null
	fi
	for pid in "${DAEMON_PIDS[@]}"; do
		our_child "$pid" && pids+=("$pid")
	done
	if [ -n "${T:-}" ] && [ -d "$T" ]; then
		# shellcheck disable=SC2207
		pids=($(printf '%s\n' "${pids[@]}" $(test_pids) | sort -un))
	fi
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		wait_gone "$pid" "$DEADLINE" || kill -KILL "$pid" 2>/dev/null ||
		    true
	done
	rc=0
	for pid in "${DAEMON_PIDS[@]}"; do
		wait "$pid" 2>/dev/null
		p=$?
		if [ -n "${CXBUS_TEST_WRAP:-}" ] && [ "$p" = 99 ]; then
			echo "cxbusd $pid: the wrapper found errors (exit 99)" >&2
			rc=1
		fi
	done
	for p in "$T"/valgrind-*.log; do
		[ -s "$p" ] || continue
		echo "--- $p: errors in an autostarted cxbusd" >&2
		head -n 40 "$p" >&2
		rc=1
	done
	if [ -z "${BATS_TEST_COMPLETED:-}" ] || [ "$rc" != 0 ]; then
		for p in "$T"/cxbusd*.log; do
			[ -s "$p" ] || continue
			echo "--- $p (last 30 lines)" >&2
			tail -n 30 "$p" >&2
		done
	fi
	[ -n "${T:-}" ] && rm -rf "$T"
	return "$rc"
}

# Wait until socket PATH (default $SOCK) accepts connections.
wait_for_socket() {
	timeout $((DEADLINE + 5)) "$PY" "$PROBE" up "${1:-$SOCK}" "$DEADLINE" ||
	    { echo "no bus listening at ${1:-$SOCK} after ${DEADLINE}s" >&2;
	    return 1; }
}

# Start cxbusd in the foreground (-f) in the background on socket PATH
# with ARGS, log to $T/cxbusd.log, and wait until it listens.  Its pid is
# DAEMON_PID.
start_daemon() {
	local sock=$1
	shift
	# shellcheck disable=SC2086
	${CXBUS_TEST_WRAP:-} cxbusd -f -S "$sock" "$@" \
	    >>"$T/cxbusd.log" 2>&1 3>&- &
	DAEMON_PID=$!
	DAEMON_PIDS+=("$DAEMON_PID")
	wait_for_socket "$sock"
}

# The same on $SOCK.
start_bus() {
	start_daemon "$SOCK" "$@"
}

# cxbus with a time bound.
cx() {
	timeout "$TMO" cxbus "$@"
}

# Start `cxbus sub ARGS...` in the background, stdout to OUT and stderr to
# OUT.err, and return once the bus ($SOCK, or -S PATH in ARGS) counts its
# subscriptions (PUBSUB NUMSUB for each exact topic, NUMPAT for patterns).
# Pid in SUB_PID.
bg_sub() {
	local out=$1 goal sock=$SOCK a prev=
	shift
	for a in "$@"; do
		case $prev in -S|--socket) sock=$a ;; esac
		prev=$a
	done
	goal=$("$PY" "$PROBE" subgoal "$sock" "$@")
	timeout "$TMO" cxbus sub "$@" >"$out" 2>"$out.err" 3>&- &
	SUB_PID=$!
	BG_PIDS+=("$SUB_PID")
	timeout $((DEADLINE + 5)) "$PY" "$PROBE" subwait "$sock" "$goal" \
	    "$DEADLINE" || { echo "cxbus sub $*: not subscribed" >&2;
	    cat "$out.err" >&2; return 1; }
}

# Wait for background child PID (bounded by the timeout it was started
# under); its exit status in RC.  Not in $(...): a subshell cannot wait.
reap() {
	RC=0
	wait "$1" || RC=$?
}

# Send the raw bytes REQUEST (Python escapes: \r \n \x00 \\) to $SOCK and
# print the reply the same way, <EOF> marking a close.  Reads until 0.3 s
# (or IDLE seconds) pass with nothing new.
rsend() {
	timeout "$TMO" "$PY" "$PROBE" "$SOCK" "$@"
}

# Send REQUEST and check that the reply is exactly WANT (same escapes;
# WANT ending in <EOF> also wants the connection closed).
expect_reply() {
	local got
	got=$(timeout "$TMO" "$PY" "$PROBE" -e "$2" "$SOCK" "$1") || {
		echo "probe failed for request: $1" >&2
		return 1
	}
	same "$got" "$2" "reply to $1"
}

# Check that GOT equals WANT, showing both when not.
same() {
	if [ "$1" != "$2" ]; then
		{
			echo "mismatch${3:+ in $3}:"
			echo "  want: $2"
			echo "  got:  $1"
		} >&2
		return 1
	fi
}

# Check that FILE holds exactly the bytes printf FORMAT ARGS... makes.
file_is() {
	local f=$1
	shift
	# shellcheck disable=SC2059
	printf "$@" > "$T/.want"
	if ! cmp -s "$f" "$T/.want"; then
		{
			echo "$f differs:"
			echo "  want: $(od -An -c "$T/.want" | head -c 600)"
			echo "  got:  $(od -An -c "$f" | head -c 600)"
		} >&2
		return 1
	fi
}

# Check that FILE is empty.
file_empty() {
	if [ -s "$1" ]; then
		echo "$1 should be empty, holds: $(od -An -c "$1" | head -c 600)" >&2
		return 1
	fi
}

# Wait until FILE holds at least N bytes (deadline $DEADLINE).
wait_size() {
	local f=$1 n=$2 end
	end=$(( $(date +%s%N) + DEADLINE * 1000000000 ))
	while [ "$(stat -c %s "$f" 2>/dev/null || echo 0)" -lt "$n" ]; do
		if [ "$(date +%s%N)" -ge "$end" ]; then
			echo "$f: fewer than $n bytes after ${DEADLINE}s" >&2
			return 1
		fi
		sleep 0.02
	done
}

# Milliseconds since the epoch.
now_ms() {
	echo $(( $(date +%s%N) / 1000000 ))
}

# Number of running cxbusd processes whose command line names PATH.
count_daemons() {
	local f pid n=0
	for f in $(grep -lF -e "$1" /proc/[0-9]*/cmdline 2>/dev/null); do
		pid=${f#/proc/}
		pid=${pid%%/*}
		pid_alive "$pid" || continue
		tr '\0' '\n' < "$f" 2>/dev/null | grep -q 'cxbusd$' || continue
		n=$((n + 1))
	done
	echo "$n"
}

# Start a reference redis-server on the Unix socket PATH (default
# $T/redis.sock) and, with PORT, on 127.0.0.1:PORT too.  Pid in REDIS_PID.
start_redis() {
	local path=${1:-$T/redis.sock} port=${2:-0}
	command -v redis-server >/dev/null || skip "redis-server not installed"
	mkdir -p "$T/redis"
	redis-server --port "$port" --bind 127.0.0.1 --unixsocket "$path" \
	    --unixsocketperm 700 --daemonize no --save '' --appendonly no \
	    --dir "$T/redis" >"$T/redis.log" 2>&1 3>&- &
	REDIS_PID=$!
	wait_for_socket "$path"
}

# Print the stdout lines of `cxbus status` as KEY=VALUE for eval-free use.
status_value() {
	sed -n "s/^$1: *//p"
}

# Run Python code from standard input with probe.py importable and the
# socket path as sys.argv[1] (then ARGS).
pyrun() {
	timeout "$TMO" "$PY" -c "import sys
sys.path.insert(0, sys.argv.pop(1))
exec(compile(sys.stdin.read(), 'test', 'exec'))" "$HELPERS_DIR" "$SOCK" "$@"
}

# The bus for the raw protocol tests.  CXBUS_TEST_TARGET=redis puts a
# redis-server (limited to 1 MiB bulks like cxbusd) there instead, to check
# the tests' own expected bytes against the reference.
start_target() {
	if [ "${CXBUS_TEST_TARGET:-}" = redis ]; then
		start_redis "$SOCK"
		expect_reply '*4\r\n$6\r\nCONFIG\r\n$3\r\nSET\r\n$18\r\nproto-max-bulk-len\r\n$3\r\n1mb\r\n' '+OK\r\n'
	else
		start_bus "$@"
	fi
}

# Skip a test that checks something only cxbusd has.
cxbus_only() {
	[ "${CXBUS_TEST_TARGET:-}" != redis ] || skip "cxbus only"
}

# The options a --help text lists, one per line: the -x and --long words
# at the start of each indented line that begins with a dash.
help_options() {
	awk '/^ +-/ {
		for (i = 1; i <= NF; i++) {
			f = $i
			sub(/,$/, "", f)
			if (f ~ /^--?[A-Za-z0-9]/)
				print f
			else if (f !~ /^[A-Z]+$/)
				break
		}
	}' | sort -u
}

# The subcommands that `cxbus --help` shows a usage line for, sorted.
subcommands() {
	cxbus --help | sed -n 's/^ *cxbus \([a-z][a-z]*\).*/\1/p' | sort
}
