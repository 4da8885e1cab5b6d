# bash completion for cxbus(1): subcommands, their options, and the topic
# names of the running bus.  Topics are asked of the bus with
# --no-autostart, so that pressing TAB never starts a daemon.

# The options of each subcommand, and those every subcommand takes.
_cxbus_common_opts='-S --socket --url --no-autostart -h --help --version'
_cxbus_cmd_opts_pub='-0 --null --whole'
_cxbus_cmd_opts_sub='-0 --null -F --fixed --json --lossy -n --count
    --no-reconnect -v --verbose -W --timeout'
_cxbus_cmd_opts_pipe='-0 --null --echo --json -v --verbose'
_cxbus_cmd_opts_topics='-1 --names --json'
_cxbus_cmd_opts_status=''
_cxbus_cmd_opts_ping='-W --timeout'
_cxbus_commands='pub sub pipe topics status ping'

# Print the topic names the bus knows, one per line.  The -S, --socket and
# --url options already on the command line say which bus; the command is
# the one being completed when it is given as a path.
_cxbus_topic_names()
{
	local cx=${COMP_WORDS[0]} i w args=()

	[[ $cx == */* && -x $cx ]] || cx=cxbus
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-S|--socket|--url)
			((i + 1 < COMP_CWORD)) &&
			    args+=("$w" "${COMP_WORDS[i + 1]}")
			((i++))
			;;
		-S?*|--socket=*|--url=*)
			args+=("$w")
			;;
		esac
	done
	if command -v timeout >/dev/null 2>&1; then
		timeout 3 "$cx" "${args[@]}" --no-autostart topics -1 \
		    2>/dev/null </dev/null
	else
		"$cx" "${args[@]}" --no-autostart topics -1 2>/dev/null \
		    </dev/null
	fi
}

# Offer the topics that begin with the word being completed.
_cxbus_topics()
{
	local cur=$1 t

	while IFS= read -r t; do
		[[ -n $t && $t == "$cur"* ]] || continue
		COMPREPLY+=("$(printf '%q' "$t")")
	done < <(_cxbus_topic_names)
}

# Offer the words of a list that begin with the word being completed.
_cxbus_words()
{
	local cur=$1 w

	shift
	for w in $*; do
		[[ $w == "$cur"* ]] && COMPREPLY+=("$w")
	done
}

_cxbus()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev= w cmd= i npos=0 opts

	COMPREPLY=()
	((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}

	# The value of an option that takes one.
	case $prev in
	-S|--socket)
		compopt -o filenames 2>/dev/null
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return 0
		;;
	--url)
		[[ -z $cur || redis:// == "$cur"* ]] && COMPREPLY=(redis://)
		compopt -o nospace 2>/dev/null
		return 0
		;;
	-n|--count|-W|--timeout)
		return 0
		;;
	esac

	# Find the subcommand and count the arguments after it.
	for ((i = 1; i < COMP_CWORD; i++)); do
		w=${COMP_WORDS[i]}
		case $w in
		-S|--socket|--url)
			((i++))
			;;
		-n|--count|-W|--timeout)
			[[ -n $cmd ]] && ((i++))
			;;
		-*)
			;;
		*)
			if [[ -z $cmd ]]; then
				cmd=$w
			else
				((npos++))
			fi
			;;
		esac
	done

	if [[ -z $cmd ]]; then
		if [[ $cur == -* ]]; then
			_cxbus_words "$cur" $_cxbus_common_opts
		else
			_cxbus_words "$cur" $_cxbus_commands
		fi
		return 0
	fi

	if [[ $cur == -* ]]; then
		opts=_cxbus_cmd_opts_$cmd
		[[ $cmd =~ ^[a-z]+$ && -n ${!opts+set} ]] || return 0
		_cxbus_words "$cur" ${!opts} $_cxbus_common_opts
		return 0
	fi

	# Topics: every argument of sub, the first of pub, pipe and topics.
	case $cmd in
	sub)
		_cxbus_topics "$cur"
		;;
	pub|pipe|topics)
		((npos == 0)) && _cxbus_topics "$cur"
		;;
	esac
	return 0
}

complete -F _cxbus cxbus
