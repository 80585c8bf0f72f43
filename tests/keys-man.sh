#!/bin/sh
# tests/keys-man.sh: print the KEYS table of p2pchat(1) from the program's
# own key table (p2pchat --list-keys), so the page and the bindings cannot
# drift apart. Used to write the page and, by docs.sh, to check it:
#
#   sh tests/keys-man.sh ./p2pchat > keys.mdoc
: "${1:?usage: keys-man.sh P2PCHAT}"
echo '.Bl -tag -width "M-Backspace"'
"$1" --list-keys | awk -F '\t' '{
	printf ".It Ic %s\n", $1
	help = $3
	if (help !~ /[.]$/)
		help = help "."
	# A help text ending in a parenthesis keeps its stop outside it.
	printf "%s\n", help
}'
echo '.El'
