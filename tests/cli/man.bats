#!/usr/bin/env bats
# The manual pages: each passes mandoc's lint, and each documents what the
# programs say they have: every option of every --help, every subcommand,
# every function of cxbus.h, every command cxbusd answers, every
# environment variable the code reads, and every exit status.

load helpers

setup() {
	common_setup
	TOP=$(cd "$HELPERS_DIR/../.." && pwd)
	MAN=$TOP/man
	command -v mandoc >/dev/null || skip "mandoc is not installed"
}

teardown() {
	common_teardown
}

# The first option of each such line: the short one when there is one,
# which is what a SYNOPSIS shows.
help_primary() {
	awk '/^ +-/ { f = $1; sub(/,$/, "", f); print f }' | sort -u
}

# The options of `cxbus CMD --help` that are not common to every command.
own_options() {
	comm -23 <(cxbus "$1" --help | help_options) \
	    <(cxbus --help | help_options)
}

# The part of cxbus.1 before the list of commands: the common options.
page_common() {
	awk '/^\.Sh DESCRIPTION/ { on = 1 }
	    on && (/^\.It Xo$/ || /^\.It Cm /) { exit }
	    on { print }' "$MAN/cxbus.1"
}

# The item of cxbus.1 that describes command CMD, up to the next command
# or section.
page_command() {
	awk -v cmd="$1" '/^\.Sh / { on = 0 }
	    prev == ".It Xo" && /^\.Cm / { on = ($2 == cmd) }
	    /^\.It Cm / { on = ($3 == cmd) }
	    on { print }
	    { prev = $0 }' "$MAN/cxbus.1"
}

# Check that each option read on standard input has an item of its own
# (.It Fl x, or Fl --long on an .It line) in the mdoc text in FILE.
options_in() {
	local file=$1 opt missing=0 re
	while IFS= read -r opt; do
		case $opt in
		--*) re="^\\.It .*Fl -${opt#--}( |\$)" ;;
		*) re="^\\.It Fl ${opt#-}( |\$)" ;;
		esac
		if ! grep -Eq -- "$re" "$file"; then
			echo "$2: no item for $opt" >&2
			missing=1
		fi
	done
	return "$missing"
}

# The section named NAME of PAGE.
page_section() {
	awk -v name="$2" '/^\.Sh / { on = (substr($0, 5) == name); next }
	    on { print }' "$MAN/$1"
}

@test "mandoc -Tlint -W warning is silent on cxbus.1" {
	run -0 mandoc -Tlint -W warning "$MAN/cxbus.1"
	same "$output" ""
}

@test "mandoc -Tlint -W warning is silent on cxbusd.1" {
	run -0 mandoc -Tlint -W warning "$MAN/cxbusd.1"
	same "$output" ""
}

@test "mandoc -Tlint -W warning is silent on cxbus.3" {
	run -0 mandoc -Tlint -W warning "$MAN/cxbus.3"
	same "$output" ""
}

@test "mandoc -Tlint -W warning is silent on cxbus.7" {
	run -0 mandoc -Tlint -W warning "$MAN/cxbus.7"
	same "$output" ""
}

@test "each page renders with its name, synopsis or description" {
	local p
	for p in cxbus.1 cxbusd.1 cxbus.3 cxbus.7; do
		mandoc -Tascii "$MAN/$p" | col -b > "$p.txt"
		grep -q '^NAME$' "$p.txt"
		grep -q '^DESCRIPTION$' "$p.txt"
		grep -q '^SEE ALSO$' "$p.txt"
	done
	grep -Eq '^ +cxbus - publish and subscribe' cxbus.1.txt
	grep -Eq '^ +cxbus \[-S socket\]' cxbus.1.txt
	grep -Eq '^ +cxbusd \[-fv\]' cxbusd.1.txt
	grep -Eq '^ +#include <cxbus.h>' cxbus.3.txt
	if command -v man >/dev/null; then
		MANWIDTH=80 man -l "$MAN/cxbus.1" 2>/dev/null | head -n 8 |
		    col -b > man-head.txt
		grep -q '^NAME' man-head.txt
		grep -q 'cxbus .* publish and subscribe' man-head.txt
	fi
}

@test "cxbus.1 has an item for each option of cxbus --help" {
	page_common > common.mdoc
	cxbus --help | help_options > opts
	[ "$(wc -l < opts)" -ge 5 ]
	options_in common.mdoc "cxbus.1, common options" < opts
}

@test "cxbus.1 describes every subcommand, in its synopsis and as an item" {
	local cmd n=0
	page_section cxbus.1 SYNOPSIS > synopsis.mdoc
	for cmd in $(subcommands); do
		n=$((n + 1))
		grep -qx "\\.Cm $cmd" synopsis.mdoc ||
		    { echo "no $cmd in the SYNOPSIS" >&2; return 1; }
		page_command "$cmd" > "$cmd.mdoc"
		[ -s "$cmd.mdoc" ] ||
		    { echo "no item for the command $cmd" >&2; return 1; }
	done
	[ "$n" -ge 5 ]
}

@test "cxbus.1 has an item for each option of each cxbus CMD --help" {
	local cmd
	for cmd in $(subcommands); do
		cxbus "$cmd" --help | help_options > all-$cmd
		# Every subcommand takes the common options too.
		comm -13 all-$cmd <(cxbus --help | help_options) > missing
		same "$(cat missing)" "" "common options of $cmd --help"
		page_command "$cmd" > "$cmd.mdoc"
		own_options "$cmd" | options_in "$cmd.mdoc" "cxbus.1, $cmd"
	done
}

@test "cxbus.1 synopsis shows each option of each subcommand" {
	local cmd opt
	page_section cxbus.1 SYNOPSIS > synopsis.mdoc
	for cmd in $(subcommands); do
		# The lines from ".Cm CMD" to the next ".Nm".
		awk -v cmd="$cmd" '/^\.Nm/ { on = 0 }
		    $0 == ".Cm " cmd { on = 1 } on' synopsis.mdoc > syn-$cmd
		for opt in $(comm -23 <(cxbus "$cmd" --help | help_primary) \
		    <(cxbus --help | help_primary)); do
			# A short option may be grouped: .Op Fl 0Fv.
			case $opt in
			--*) grep -Eq -- "Fl -${opt#--}( |\$)" syn-$cmd ;;
			*) grep -Eq -- "Fl [A-Za-z0-9]*${opt#-}" syn-$cmd ;;
			esac || { echo "$cmd: $opt not in the SYNOPSIS" >&2
			    return 1; }
		done
	done
}

@test "cxbusd.1 has an item for each option of cxbusd --help" {
	cxbusd --help | help_options > opts
	[ "$(wc -l < opts)" -ge 8 ]
	options_in "$MAN/cxbusd.1" cxbusd.1 < opts
}

@test "cxbus.3 names and shows every function of cxbus.h" {
	local f n=0
	# Prototypes, not the comments that mention them.
	grep -vE '^[[:space:]]*(/\*|\*)' "$TOP/lib/cxbus.h" |
	    grep -v typedef |
	    grep -oE '\bcxbus_[a-z_]+\(' | tr -d '(' | sort -u > funcs
	page_section cxbus.3 NAME > name.mdoc
	page_section cxbus.3 SYNOPSIS > synopsis.mdoc
	while IFS= read -r f; do
		n=$((n + 1))
		grep -Eq "^\\.Nm $f( ,)?\$" name.mdoc ||
		    { echo "cxbus.3: $f not in NAME" >&2; return 1; }
		grep -Eq "^\\.Fn $f " synopsis.mdoc ||
		    { echo "cxbus.3: $f not in SYNOPSIS" >&2; return 1; }
		grep -Eq "^\\.Fn $f( |\$)" "$MAN/cxbus.3" ||
		    { echo "cxbus.3: $f never described" >&2; return 1; }
	done < funcs
	[ "$n" -ge 15 ]
}

@test "cxbus.7 has an item for each command cxbusd answers" {
	local c n=0
	# The names in command.c's table, cmd_table[], written either as
	# { "publish", 3, ... } or as { .name = "publish", ... }.
	awk '/cmd_table\[\] = \{/ { on = 1; next }
	    on && /^};/ { exit }
	    on && match($0, /\.name = "[^"]+"/) {
		print substr($0, RSTART + 9, RLENGTH - 10)
	    }
	    on && match($0, /\{ "[^"]+", -?[0-9]/) {
		s = substr($0, RSTART + 3)
		print substr(s, 1, index(s, "\"") - 1)
	    }' "$TOP/cmd/cxbusd/command.c" | tr a-z A-Z | sort -u > commands
	# The items: ".It Ic NAME ..." or ".It Xo" then ".Ic NAME ...".
	awk '/^\.It Ic / { print $3 }
	    prev == ".It Xo" && /^\.Ic / { print $2 }
	    { prev = $0 }' "$MAN/cxbus.7" | sort -u > items
	while IFS= read -r c; do
		n=$((n + 1))
		grep -qx -- "$c" items ||
		    { echo "cxbus.7: no item for $c" >&2; return 1; }
	done < commands
	[ "$n" -ge 18 ]
}

@test "cxbus.7 names each subcommand in its command's item" {
	local c w n=0
	# "client GETNAME" for each entry of client_subs[] and the like.
	awk 'match($0, /cmd_entry [a-z]+_subs\[\] = \{/) {
		cmd = $0
		sub(/.*cmd_entry /, "", cmd)
		sub(/_subs.*/, "", cmd)
		next
	    }
	    cmd != "" && /^};/ { cmd = "" }
	    cmd != "" && match($0, /\.name = "[^"]+"/) {
		print toupper(cmd), toupper(substr($0, RSTART + 9,
		    RLENGTH - 10))
	    }' "$TOP/cmd/cxbusd/command.c" > subs
	# Each item's head, ".It Ic NAME ..." or ".It Xo" to ".Xc", as
	# "NAME WORD" for each upper-case word in it.
	awk 'function words(t,    k, i, w, c) {
		k = split(t, w, /[ |]+/)
		for (i = 1; i <= k; i++)
			if (w[i] == ".Ic" || w[i] == "Ic") { c = w[i + 1]; break }
		for (i = 1; i <= k; i++)
			if (w[i] ~ /^[A-Z][A-Z.-]*$/)
				print c, w[i]
	    }
	    /^\.It Xo$/ { head = 1; text = ""; next }
	    head && /^\.Xc$/ { head = 0; words(text); next }
	    head { text = text " " $0; next }
	    /^\.It Ic / { words($0) }' "$MAN/cxbus.7" | sort -u > heads
	while read -r c w; do
		n=$((n + 1))
		grep -qx -- "$c $w" heads ||
		    { echo "cxbus.7: $c $w not in the item for $c" >&2
		    return 1; }
	done < subs
	[ "$n" -ge 4 ] || [ -z "$(grep -l '_subs\[\]' \
	    "$TOP/cmd/cxbusd/command.c")" ]
}

@test "each environment variable the code reads is in ENVIRONMENT" {
	local v
	# cxbus: the library and the command.
	grep -ohE '(getenv|sockpath_env)\("[A-Z_]+"\)' "$TOP"/lib/*.c \
	    "$TOP"/cmd/cxbus/*.c | sed 's/.*("\(.*\)")/\1/' | sort -u > env1
	page_section cxbus.1 ENVIRONMENT > env1.mdoc
	[ "$(wc -l < env1)" -ge 6 ]
	while IFS= read -r v; do
		grep -Eq "^\\.It (.* )?Ev $v( |\$)" env1.mdoc ||
		    { echo "cxbus.1: $v not in ENVIRONMENT" >&2; return 1; }
	done < env1

	# cxbusd: where the socket is, and what the daemon reads itself.
	grep -ohE '(getenv|sockpath_env)\("[A-Z_]+"\)' "$TOP"/lib/sockpath.c \
	    "$TOP"/cmd/cxbusd/*.c | sed 's/.*("\(.*\)")/\1/' | sort -u > env8
	page_section cxbusd.1 ENVIRONMENT > env8.mdoc
	while IFS= read -r v; do
		grep -Eq "^\\.It (.* )?Ev $v( |\$)" env8.mdoc ||
		    { echo "cxbusd.1: $v not in ENVIRONMENT" >&2; return 1; }
	done < env8
}

@test "cxbus.1 lists every exit status of the command" {
	local v
	sed -n 's/^#define EXIT_[A-Z]*[[:space:]]*\([0-9][0-9]*\).*/\1/p' \
	    "$TOP/cmd/cxbus/cli.h" | sort -u > statuses
	[ "$(wc -l < statuses)" -ge 6 ]
	page_section cxbus.1 "EXIT STATUS" > exit.mdoc
	while IFS= read -r v; do
		grep -qx "\\.It $v" exit.mdoc ||
		    { echo "cxbus.1: exit status $v missing" >&2; return 1; }
	done < statuses
}
