# fish completion for cxbus(1): subcommands, their options, and the topic
# names of the running bus.  Topics are asked of the bus with
# --no-autostart, so that pressing TAB never starts a daemon.

# Print the words typed so far after cxbus that are neither options nor
# option values: the subcommand first, then its arguments.
function __cxbus_args
    set -l words (commandline -opc)
    set -e words[1]
    set -l skip 0
    for w in $words
        if test $skip = 1
            set skip 0
            continue
        end
        switch $w
            case -S --socket --url -n --count -W --timeout
                set skip 1
            case '-*'
            case '*'
                echo $w
        end
    end
end

# Whether no subcommand has been typed yet.
function __cxbus_needs_command
    set -l args (__cxbus_args)
    test (count $args) -eq 0
end

# Whether the subcommand is one of those given.
function __cxbus_using_command
    set -l args (__cxbus_args)
    test (count $args) -ge 1; and contains -- $args[1] $argv
end

# Whether the word being completed is the first argument of the subcommand.
function __cxbus_first_argument
    set -l args (__cxbus_args)
    test (count $args) -eq 1; and contains -- $args[1] $argv
end

# Print the topic names the bus knows, one per line, from the bus that the
# -S, --socket and --url options already typed name.
function __cxbus_topics
    set -l words (commandline -opc)
    set -l opts
    set -l i 2
    while test $i -le (count $words)
        switch $words[$i]
            case -S --socket --url
                set -l j (math $i + 1)
                if test $j -le (count $words)
                    set opts $opts $words[$i] $words[$j]
                end
                set i $j
            case '-S?*' '--socket=*' '--url=*'
                set opts $opts $words[$i]
        end
        set i (math $i + 1)
    end
    if command -sq timeout
        timeout 3 cxbus $opts --no-autostart topics -1 2>/dev/null </dev/null
    else
        cxbus $opts --no-autostart topics -1 2>/dev/null </dev/null
    end
end

complete -c cxbus -f

# Options every subcommand takes, before or after it.
complete -c cxbus -s S -l socket -r -F -d 'the bus socket'
complete -c cxbus -l url -x -a 'redis://' -d 'a Redis server instead of the local bus'
complete -c cxbus -l no-autostart -d 'never start cxbusd'
complete -c cxbus -s h -l help -d 'print the usage and exit'
complete -c cxbus -l version -d 'print the version and exit'

# Subcommands.
complete -c cxbus -n __cxbus_needs_command -a pub -d 'publish the message, or each line of standard input'
complete -c cxbus -n __cxbus_needs_command -a sub -d 'print each message on the topics and patterns given'
complete -c cxbus -n __cxbus_needs_command -a pipe -d 'publish standard input on a topic and print what others publish'
complete -c cxbus -n __cxbus_needs_command -a topics -d 'list the topics the bus knows'
complete -c cxbus -n __cxbus_needs_command -a status -d "show the daemon's figures"
complete -c cxbus -n __cxbus_needs_command -a ping -d 'check that the bus answers, never starting one'

# cxbus pub
complete -c cxbus -n '__cxbus_using_command pub' -s 0 -l null -d 'input records end with NUL, not newline'
complete -c cxbus -n '__cxbus_using_command pub' -l whole -d 'all of standard input is one message'
complete -c cxbus -n '__cxbus_first_argument pub' -a '(__cxbus_topics)' -d topic

# cxbus sub
complete -c cxbus -n '__cxbus_using_command sub' -s 0 -l null -d 'end each message with NUL, not newline'
complete -c cxbus -n '__cxbus_using_command sub' -s F -l fixed -d 'every argument is an exact topic'
complete -c cxbus -n '__cxbus_using_command sub' -l json -d 'one JSON object per message'
complete -c cxbus -n '__cxbus_using_command sub' -l lossy -d 'let the bus drop what we are too slow for'
complete -c cxbus -n '__cxbus_using_command sub' -s n -l count -x -d 'exit after N messages'
complete -c cxbus -n '__cxbus_using_command sub' -l no-reconnect -d 'exit 1 when the bus goes away'
complete -c cxbus -n '__cxbus_using_command sub' -s v -l verbose -d 'print the topic before each message'
complete -c cxbus -n '__cxbus_using_command sub' -s W -l timeout -x -d 'exit 3 when SECS pass first'
complete -c cxbus -n '__cxbus_using_command sub' -a '(__cxbus_topics)' -d topic

# cxbus pipe
complete -c cxbus -n '__cxbus_using_command pipe' -s 0 -l null -d 'records end with NUL, in and out'
complete -c cxbus -n '__cxbus_using_command pipe' -l echo -d 'print our own messages too'
complete -c cxbus -n '__cxbus_using_command pipe' -l json -d 'one JSON object per message'
complete -c cxbus -n '__cxbus_using_command pipe' -s v -l verbose -d 'print the topic before each message'
complete -c cxbus -n '__cxbus_first_argument pipe' -a '(__cxbus_topics)' -d topic

# cxbus topics
complete -c cxbus -n '__cxbus_using_command topics' -s 1 -l names -d 'names only, one per line'
complete -c cxbus -n '__cxbus_using_command topics' -l json -d 'one JSON object per topic'
complete -c cxbus -n '__cxbus_first_argument topics' -a '(__cxbus_topics)' -d topic

# cxbus ping
complete -c cxbus -n '__cxbus_using_command ping' -s W -l timeout -x -d 'exit 3 without an answer in SECS'
