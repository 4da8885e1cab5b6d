#!/usr/bin/env bats
# Shell completion: bash, zsh and fish offer the subcommands, the options
# of each subcommand as its --help lists them, and the topic names of the
# running bus; and asking for topics never starts a bus.

load helpers

setup() {
	common_setup
	TOP=$(cd "$HELPERS_DIR/../.." && pwd)
	COMPL=$TOP/completions
}

teardown() {
	common_teardown
}

# A bus on $SOCK that knows the topics chat, logs/app and logs/db.
bus_with_topics() {
	start_bus
	cx pub chat hello
	cx pub logs/app started
	cx pub logs/db ready
}

# Check that nothing started a bus: no socket, no default socket
# directory, no daemon whose command line names the test directory.
no_bus_started() {
	[ ! -e "$SOCK" ] || { echo "$SOCK exists" >&2; return 1; }
	[ ! -e "$T/cxbus-$(id -u)" ] ||
	    { echo "$T/cxbus-$(id -u) exists" >&2; return 1; }
	same "$(count_daemons "$T")" 0 "daemons running"
}

# What bash completion offers for the command line LINE, the cursor at
# its end, one word per line, sorted.  The line is split at blanks, as
# bash does for these words.
bash_complete() {
	bash --norc --noprofile -c '
		source "$1" || exit 1
		line=$2
		read -ra COMP_WORDS <<< "$line"
		[[ -z $line || $line == *" " ]] && COMP_WORDS+=("")
		COMP_CWORD=$(( ${#COMP_WORDS[@]} - 1 ))
		COMP_LINE=$line
		COMP_POINT=${#line}
		_cxbus cxbus "${COMP_WORDS[COMP_CWORD]}" \
		    "${COMP_WORDS[COMP_CWORD - 1]}"
		printf "%s\n" "${COMPREPLY[@]}"
	' bash "$COMPL/cxbus.bash" "$1" | sed '/^$/d' | sort
}

# What zsh completion offers for LINE, typed into an interactive zsh on a
# pseudo-terminal and completed with TAB: each word the completion
# functions add, one per line, sorted.
zsh_complete() {
	cat > "$T/complete.zsh" <<'EOF'
zmodload zsh/zpty || exit 1
zpty z zsh -f -i
zpty -w z "fpath=(${(q)1} \$fpath); autoload -U compinit; compinit -D -u"
# Print each match the functions add (the hook the tests read), and a
# mark once the completion is over; both quoted so that the echo of
# these lines cannot be taken for them.
zpty -w z 'cx_done() { print -r -- "<<cx""done>>" }; comppostfuncs=( cx_done )'
zpty -w z 'compadd() { if (( ${@[(I)-[OAD]]} )); then builtin compadd "$@"; return; fi; local -a cx_m; builtin compadd -A cx_m "$@"; print -rl -- "cx""match="${^cx_m}; builtin compadd "$@" }'
zpty -w -n z "$2"$'\t'
zpty -r z out '*<<cxdone>>*'
print -r -- $out | tr -d '\r' | grep -ao 'cxmatch=[^[:space:][:cntrl:]]*' |
    sed 's/^cxmatch=//' | sort -u
zpty -d z
EOF
	timeout 20 zsh -f "$T/complete.zsh" "$COMPL" "$1"
}

# What fish completion offers for LINE: the first column of complete -C.
fish_complete() {
	HOME=$T XDG_CONFIG_HOME=$T/.config XDG_DATA_HOME=$T/.data \
	    timeout 20 fish -c 'source $argv[1]; or exit 1
		complete -C $argv[2]' "$COMPL/cxbus.fish" "$1" |
	    cut -f 1 | sort -u
}

@test "bash: sourcing cxbus.bash registers _cxbus for cxbus, silently" {
	run -0 --separate-stderr bash --norc --noprofile -c \
	    'source "$1" && complete -p cxbus' bash "$COMPL/cxbus.bash"
	same "$stderr" ""
	same "$output" "complete -F _cxbus cxbus"
}

@test "bash: cxbus <TAB> offers the subcommands of cxbus --help" {
	subcommands > want
	[ "$(wc -l < want)" -ge 5 ]
	same "$(bash_complete 'cxbus ')" "$(cat want)"
	same "$(bash_complete 'cxbus s')" "$(grep '^s' want)"
}

@test "bash: cxbus -<TAB> offers the common options" {
	cxbus --help | help_options > want
	same "$(bash_complete 'cxbus -')" "$(cat want)"
}

@test "bash: cxbus CMD -<TAB> offers each option of cxbus CMD --help" {
	local cmd
	for cmd in $(subcommands); do
		cxbus "$cmd" --help | help_options > want
		same "$(bash_complete "cxbus $cmd -")" "$(cat want)" \
		    "options of $cmd"
	done
	same "$(bash_complete 'cxbus sub --n')" \
	    "$(printf -- '--no-autostart\n--no-reconnect\n--null')"
}

@test "bash: cxbus sub <TAB> offers the topics of the running bus" {
	bus_with_topics
	same "$(bash_complete 'cxbus sub ')" \
	    "$(printf 'chat\nlogs/app\nlogs/db')"
	same "$(bash_complete 'cxbus sub logs/')" \
	    "$(printf 'logs/app\nlogs/db')"
	same "$(bash_complete 'cxbus sub chat l')" \
	    "$(printf 'logs/app\nlogs/db')"
	same "$(bash_complete 'cxbus sub -v -n 2 c')" chat
	same "$(bash_complete 'cxbus topics ')" \
	    "$(printf 'chat\nlogs/app\nlogs/db')"
}

@test "bash: pub completes its topic, not its message" {
	bus_with_topics
	same "$(bash_complete 'cxbus pub c')" chat
	same "$(bash_complete 'cxbus pub chat ')" ""
	same "$(bash_complete 'cxbus pub -0 l')" "$(printf 'logs/app\nlogs/db')"
}

@test "bash: a topic with a space is offered quoted" {
	start_bus
	cx pub 'two words' x
	same "$(bash_complete 'cxbus sub ')" 'two\ words'
}

@test "bash: topics come from the bus that -S names on the line" {
	bus_with_topics
	export CXBUS_SOCKET=$T/elsewhere.sock
	same "$(bash_complete "cxbus -S $SOCK sub c")" chat
	same "$(bash_complete "cxbus sub --socket $SOCK c")" chat
	same "$(bash_complete 'cxbus sub c')" ""
	[ ! -e "$T/elsewhere.sock" ]
}

@test "bash: with no bus, cxbus sub <TAB> offers nothing and starts none" {
	same "$(bash_complete 'cxbus sub ')" ""
	same "$(bash_complete 'cxbus pub ')" ""
	no_bus_started
	# The default socket, in a directory that does not exist yet.
	unset CXBUS_SOCKET
	same "$(bash_complete 'cxbus topics ')" ""
	no_bus_started
}

@test "bash: option values: files for -S, redis:// for --url, none for -n" {
	touch socket-file
	same "$(bash_complete 'cxbus -S socket-')" socket-file
	same "$(bash_complete 'cxbus --url ')" redis://
	same "$(bash_complete 'cxbus sub -n ')" ""
}

@test "zsh: _cxbus autoloads from fpath and registers for cxbus" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run -0 --separate-stderr zsh -f -c 'fpath=($1 $fpath)
	    autoload -U compinit; compinit -D -u
	    print -r -- $_comps[cxbus]' zsh "$COMPL"
	same "$stderr" ""
	same "$output" _cxbus
}

@test "zsh: sourcing _cxbus after compinit registers it, silently" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	run -0 --separate-stderr zsh -f -c 'autoload -U compinit
	    compinit -D -u; source $1; print -r -- $_comps[cxbus]' zsh \
	    "$COMPL/_cxbus"
	same "$stderr" ""
	same "$output" _cxbus
}

@test "zsh: TAB offers the subcommands and each subcommand's options" {
	local cmd
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' || skip "zsh has no zpty module"
	same "$(zsh_complete 'cxbus ')" "$(subcommands)"
	for cmd in $(subcommands); do
		cxbus "$cmd" --help | help_options > want
		same "$(zsh_complete "cxbus $cmd -")" "$(cat want)" \
		    "options of $cmd"
	done
}

@test "zsh: TAB offers the topics of the running bus, and starts none" {
	command -v zsh >/dev/null || skip "zsh is not installed"
	zsh -f -c 'zmodload zsh/zpty' || skip "zsh has no zpty module"
	same "$(zsh_complete 'cxbus sub ')" ""
	no_bus_started
	bus_with_topics
	same "$(zsh_complete 'cxbus sub ')" \
	    "$(printf 'chat\nlogs/app\nlogs/db')"
	same "$(zsh_complete 'cxbus pub l')" "$(printf 'logs/app\nlogs/db')"
	export CXBUS_SOCKET=$T/elsewhere.sock
	same "$(zsh_complete "cxbus -S $SOCK topics c")" chat
}

@test "fish: cxbus.fish loads and offers the subcommands" {
	command -v fish >/dev/null || skip "fish is not installed"
	run -0 --separate-stderr env HOME="$T" XDG_CONFIG_HOME="$T/.config" \
	    XDG_DATA_HOME="$T/.data" fish -c 'source $argv[1]' \
	    "$COMPL/cxbus.fish"
	same "$stderr" ""
	same "$(fish_complete 'cxbus ')" "$(subcommands)"
}

@test "fish: cxbus CMD -<TAB> offers each option of cxbus CMD --help" {
	local cmd
	command -v fish >/dev/null || skip "fish is not installed"
	for cmd in $(subcommands); do
		cxbus "$cmd" --help | help_options > want
		same "$(fish_complete "cxbus $cmd -")" "$(cat want)" \
		    "options of $cmd"
	done
}

@test "fish: TAB offers the topics of the running bus, and starts none" {
	command -v fish >/dev/null || skip "fish is not installed"
	same "$(fish_complete 'cxbus sub ')" ""
	no_bus_started
	bus_with_topics
	same "$(fish_complete 'cxbus sub ')" \
	    "$(printf 'chat\nlogs/app\nlogs/db')"
	same "$(fish_complete 'cxbus pub chat ')" ""
	export CXBUS_SOCKET=$T/elsewhere.sock
	same "$(fish_complete "cxbus -S $SOCK sub l")" \
	    "$(printf 'logs/app\nlogs/db')"
}
