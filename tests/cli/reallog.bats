#!/usr/bin/env bats
# Real logs (loghub samples: CRLF lines, up to 2.5 KB, some without a
# final newline) go through pub and sub byte for byte.

load helpers

setup() {
	common_setup
	[ -d "${CXBUS_TEST_DATA:-}" ] ||
	    skip "no test data: CXBUS_TEST_DATA=${CXBUS_TEST_DATA:-unset} is not a directory"
	start_bus
}

teardown() {
	common_teardown
}

# Publish FILE line by line on t and check that `cxbus sub -n 2000 t`
# prints it back exactly, with "\n" added when FILE lacks a final one.
roundtrip() {
	local f=$CXBUS_TEST_DATA/$1
	[ -f "$f" ] || skip "$f is missing"
	cp "$f" want
	[ "$(tail -c 1 want | od -An -tx1 | tr -d ' ')" = 0a ] ||
	    printf '\n' >> want
	same "$(wc -l < want)" 2000 "lines in $1"
	bg_sub out -n 2000 t
	run -0 --separate-stderr cx pub t < "$f"
	same "$output$stderr" "" "pub output"
	reap "$SUB_PID"
	same "$RC" 0 "sub exit status"
	cmp out want
}

@test "HDFS_2k.log comes out byte for byte" {
	roundtrip HDFS_2k.log
}

@test "Spark_2k.log comes out byte for byte" {
	roundtrip Spark_2k.log
}

@test "Zookeeper_2k.log comes out byte for byte (no final newline)" {
	roundtrip Zookeeper_2k.log
}

@test "Windows_2k.log comes out byte for byte (no final newline)" {
	roundtrip Windows_2k.log
}

@test "Apache_2k.log comes out byte for byte (no final newline)" {
	roundtrip Apache_2k.log
}

@test "all five logs at once on five topics reach one -v subscriber intact" {
	local f n=0 pids=() p
	for f in HDFS Spark Zookeeper Windows Apache; do
		[ -f "$CXBUS_TEST_DATA/${f}_2k.log" ] || skip "${f}_2k.log is missing"
	done
	bg_sub out -v -n 10000 'log.*'
	for f in HDFS Spark Zookeeper Windows Apache; do
		cx pub "log.$f" < "$CXBUS_TEST_DATA/${f}_2k.log" 3>&- &
		pids+=("$!")
	done
	for p in "${pids[@]}"; do
		reap "$p"
		same "$RC" 0 "pub exit status"
	done
	reap "$SUB_PID"
	same "$RC" 0
	# Each topic's lines, in order, are the file's lines.
	for f in HDFS Spark Zookeeper Windows Apache; do
		cp "$CXBUS_TEST_DATA/${f}_2k.log" "want.$f"
		[ "$(tail -c 1 "want.$f" | od -An -tx1 | tr -d ' ')" = 0a ] ||
		    printf '\n' >> "want.$f"
		grep -a "^log\.$f " out | cut -c $(( ${#f} + 6 ))- > "got.$f"
		cmp "got.$f" "want.$f"
	done
}
