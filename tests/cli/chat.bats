#!/usr/bin/env bats
# The chat room of examples/chat in a real browser: websocketd runs the
# command examples/chat/README.md gives, headless Chromium opens two tabs
# (driven by tests/browser/chat.py over the DevTools protocol), and a
# terminal listens on the same topic.

load helpers

setup() {
	common_setup
	TOP=$(cd "$HELPERS_DIR/../.." && pwd)
	CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
	    skip "no browser: install Debian's chromium package (make deps)"
	command -v websocketd >/dev/null ||
	    skip "no websocketd: install Debian's websocketd package (make deps)"
	start_bus
}

teardown() {
	common_teardown
}

# The server command of examples/chat/README.md, continuation lines
# joined, with PORT for its 8080.
readme_command() {
	awk '/^    websocketd / { on = 1 }
	    on { sub(/^ +/, ""); line = line $0 }
	    on && !/\\$/ { print line; exit }' "$TOP/examples/chat/README.md" |
	    sed -e 's/\\ *//g' -e "s/--port 8080 /--port $1 /"
}

@test "two tabs and a terminal chat through websocketd and cxbus pipe" {
	local port cmd html budget=$((DEADLINE * 12))
	port=$("$PY" -c 'import socket
s = socket.socket()
s.bind(("127.0.0.1", 0))
print(s.getsockname()[1])')
	cmd=$(readme_command "$port")
	case $cmd in
	"websocketd --address 127.0.0.1 --port $port "*" cxbus pipe chat") ;;
	*) echo "README command not found, got: $cmd" >&2; false ;;
	esac

	bg_sub term chat
	(
		cd "$TOP" || exit 1
		eval "exec $cmd"
	) > websocketd.log 2>&1 3>&- &
	BG_PIDS+=("$!")

	run --separate-stderr timeout $((budget + 30)) "$PY" \
	    "$TOP/tests/browser/chat.py" "$CHROMIUM" "http://127.0.0.1:$port/" \
	    "$SOCK" "$budget"
	echo "$output"
	[ "$status" = 0 ] || { echo "$stderr"; tail -n 20 websocketd.log; false; }
	[[ "$output" == *"ok: no page threw an exception"* ]]

	# The terminal saw the room as the tabs did, in the same order.
	html='<script>window.pwned = 1</script>'
	html+='<img src=x onerror="window.pwned = 2"><b>bold</b>'
	file_is term '%s\n' '* alice joined' '* bob joined' \
	    'alice: hello from alice' 'bob: hi alice, bob here' \
	    "alice: $html" 'shell: hello, tabs' '* bob left'
}
