#!/usr/bin/env bats
# The examples: hello.c as README.md shows it, built and run against a
# bus it starts itself, and the demo that `make demo` runs.

load helpers

setup() {
	common_setup
}

teardown() {
	common_teardown
}

@test "README.md shows examples/hello.c exactly as it is" {
	local top=$HELPERS_DIR/../..
	# The fenced C block of the README, fences removed.
	awk '/^```c$/ { on = 1; next } /^```$/ { on = 0 } on' \
	    "$top/README.md" > readme-hello.c
	cmp readme-hello.c "$top/examples/hello.c"
}

@test "hello.c builds against libcxbus, starts the bus and hears itself" {
	local top=$HELPERS_DIR/../..
	cc ${CXBUS_TEST_CFLAGS:-} -Wall -Werror -I"$top/lib" -o hello \
	    "$top/examples/hello.c" "$top/libcxbus.a" -lbsd
	run -0 --separate-stderr timeout "$TMO" ./hello
	same "$stderr" ""
	same "$output" "$(printf 'greetings/en: hello\ngreetings/fr: bonjour')"
	[ -S "$SOCK" ]
}

@test "hello.c reports a missing bus when autostart is off" {
	local top=$HELPERS_DIR/../..
	cc ${CXBUS_TEST_CFLAGS:-} -I"$top/lib" -o hello \
	    "$top/examples/hello.c" "$top/libcxbus.a" -lbsd
	CXBUS_NO_AUTOSTART=1 run -1 --separate-stderr timeout "$TMO" ./hello
	same "$stderr" "hello: no bus at $SOCK: No such file or directory"
	[ ! -e "$SOCK" ]
}

@test "the demo streams a system log and checks every byte" {
	run -0 --separate-stderr timeout 120 "$HELPERS_DIR/../../examples/demo.sh"
	[[ "$output" == *"ok: "*" lines arrived byte for byte"* ]] ||
	    { echo "$output"; echo "$stderr"; false; }
	[[ "$output" == *"counted"*"install lines"* ]] ||
	    [[ "$output" == *"counted 0 install"* ]] ||
	    { echo "$output"; false; }
}
