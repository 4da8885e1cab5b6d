#!/bin/sh
# make demo: stream the package manager's log through a cxbus topic and
# check what arrived.  The bus starts by itself on first use, on a
# private socket so that the demo leaves the user's own bus alone, and is
# stopped at the end.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd -P)
PATH=$top:$PATH
export PATH

# The package manager's log is on every Debian machine; fall back to
# another readable log of the system where it is missing.
log=
for f in /var/log/dpkg.log /var/log/apt/history.log \
    /var/log/alternatives.log /var/log/bootstrap.log /var/log/*.log; do
	if [ -f "$f" ] && [ -r "$f" ] && [ -s "$f" ]; then
		log=$f
		break
	fi
done
if [ -z "$log" ]; then
	echo "demo: no readable log in /var/log to stream" >&2
	exit 1
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/cxbus-demo.XXXXXX")
CXBUS_SOCKET=$dir/bus.sock
export CXBUS_SOCKET
daemon=
cleanup() {
	[ -n "$daemon" ] && kill "$daemon" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

# What a subscriber must print: every line, and a newline after a last
# line that had none.
lines=$(wc -l < "$log")
if [ -n "$(tail -c 1 "$log")" ]; then
	lines=$((lines + 1))
	{ cat "$log"; echo; } > "$dir/expected"
else
	cp "$log" "$dir/expected"
fi
installs=$(grep -c ' install ' "$dir/expected" || true)

echo "== streaming $log ($lines lines) through the topic logs/dpkg"
echo "\$ cxbus sub -n $lines logs/dpkg > received &"
cxbus sub -n "$lines" -W 60 logs/dpkg > "$dir/received" &
sub1=$!
echo "\$ cxbus sub -n $lines 'logs/*' | grep -c ' install ' &"
cxbus sub -n "$lines" -W 60 'logs/*' | grep -c ' install ' \
    > "$dir/installs" &
sub2=$!

# Wait until both subscribers are on the bus, with a deadline, not a
# guess of how long they take to start.
i=0
until cxbus topics logs/dpkg 2>/dev/null | awk -F '\t' '$2 >= 1' |
    grep -q . && [ "$(cxbus status | awk '/^patterns:/ { print $2 }')" = 1 ]
do
	i=$((i + 1))
	if [ "$i" -gt 100 ]; then
		echo "demo: the subscribers did not start" >&2
		exit 1
	fi
	sleep 0.05
done
daemon=$(cxbus status | awk '/^pid:/ { print $2 }')
echo "   (the bus started by itself: cxbusd pid $daemon on $CXBUS_SOCKET)"

echo "\$ cxbus pub logs/dpkg < $log"
start=$(date +%s.%N)
cxbus pub logs/dpkg < "$log"
wait "$sub1"
wait "$sub2"
end=$(date +%s.%N)

echo
echo "== what arrived"
head -n 3 "$dir/received" | sed 's/^/   /'
echo "   ..."
echo
cxbus topics | sed 's/^/   /'
echo
if cmp -s "$dir/expected" "$dir/received"; then
	echo "ok: $lines of $lines lines arrived byte for byte" \
	    "($(awk "BEGIN { printf \"%.0f\", $lines / ($end - $start) }")" \
	    "lines/s end to end)"
else
	echo "FAILED: the subscriber's output differs from $log" >&2
	cmp "$dir/expected" "$dir/received" >&2 || true
	exit 1
fi
if [ "$(cat "$dir/installs")" = "$installs" ]; then
	echo "ok: the glob subscriber piped into grep counted $installs" \
	    "install lines, as grep on the file does"
else
	echo "FAILED: grep behind the glob subscriber counted" \
	    "$(cat "$dir/installs"), not $installs" >&2
	exit 1
fi

echo
echo "Try it by hand:"
echo "  cxbus sub chat                 # in one terminal"
echo "  echo hello | cxbus pub chat    # in another"
echo
echo "Start the chat room, then open http://127.0.0.1:8080/ in two tabs:"
echo "  PATH=\$PWD:\$PATH websocketd --address 127.0.0.1 --port 8080 \\"
echo "      --sameorigin=true \\"
echo "      --passenv PATH,XDG_RUNTIME_DIR,CXBUS_SOCKET,CXBUS_URL \\"
echo "      --staticdir examples/chat cxbus pipe chat"
