#!/bin/sh
# tests/keys-man.sh: print the KEYS table of p2pchat(1) from the program's
# own key table (p2pchat --list-keys), so the page and the bindings cannot
# drift apart; with "actions", the list of actions of p2pchat.ini(5)'s KEY
# BINDINGS, each with its default keys. Used to write the pages and, by
# docs.sh, to check them:
#
#   sh tests/keys-man.sh ./p2pchat > keys.mdoc
#   sh tests/keys-man.sh ./p2pchat actions > actions.mdoc
#
# -f /dev/null: the defaults, whatever [keys] the caller's own file has.
: "${1:?usage: keys-man.sh P2PCHAT [actions]}"
if [ "$2" = actions ]; then
	"$1" -f /dev/null --list-keys | awk -F '\t' '
	{ gsub(/\\/, "\\e", $1) }
	!($2 in help) { order[++n] = $2; help[$2] = $3; keys[$2] = $1; next }
	{ keys[$2] = keys[$2] " , " $1 }
	END {
		for (i = 1; i <= n; i++) {
			a = order[i]
			printf ".It Ic %s\n%s\n.Pq Ic %s .\n", a, help[a], keys[a]
		}
	}'
	exit
fi
echo '.Bl -tag -width "M-Backspace"'
"$1" -f /dev/null --list-keys | awk -F '\t' '{
	gsub(/\\/, "\\e", $1)	# a backslash is \e in roff
	printf ".It Ic %s\n", $1
	help = $3
	if (help !~ /[.]$/)
		help = help "."
	# A help text ending in a parenthesis keeps its stop outside it.
	printf "%s\n", help
}'
echo '.El'
