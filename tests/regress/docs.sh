#!/bin/sh
# docs.sh: the documentation agrees with the code.
#
# The tables are read through the program (--list-config, --list-commands,
# --list-keys), never by parsing the C.
#
#  - every key of the config table has an entry in p2pchat.ini(5), in its
#    section, with its type, range and default, and a commented-out line
#    with its default in p2pchat.ini.example; neither names a key the
#    table lacks;
#  - p2pchat.ini.example is accepted as it is and with every key uncommented;
#  - the COMMANDS section of p2pchat(1) has one entry per command of the
#    command table, in the same order, with the same usage (the usage is
#    checked when mandoc is installed), and /help lists the same;
#  - every option of --help is in the OPTIONS section of p2pchat(1);
#  - every headless event the code prints is in HEADLESS MODE, and every
#    listing that ends with "done" is named there;
#  - the KEYS section has its table markers, and its table is the key
#    table; KEY BINDINGS of p2pchat.ini(5) lists the actions of the key
#    table, each with its default keys;
#  - mandoc -Tlint -Wwarning finds nothing in the three pages (skipped,
#    with a note, when mandoc is not installed).

. "${TESTS_DIR:-$(dirname "$0")/..}/lib.sh"

: "${srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
MAN1=$srcdir/man/p2pchat.1
MAN5=$srcdir/man/p2pchat.ini.5
MAN7=$srcdir/man/p2pchat-protocol.7
EXAMPLE=$srcdir/p2pchat.ini.example
ERRS=$T/errors
: > "$ERRS"

for f in "$MAN1" "$MAN5" "$MAN7" "$EXAMPLE"; do
	[ -f "$f" ] || fail "missing $f"
done

if command -v timeout >/dev/null 2>&1; then
	TIMEOUT="timeout 30"
else
	TIMEOUT=""
fi

# A configuration that keeps the test's nodes off the LAN.
printf '[node]\nlan_discovery = no\n' > "$T/nolan.ini"

# Run a headless node on a private profile with commands on stdin.
headless() {
	_dir=$1
	shift
	printf '%s\n' "$@" /quit | $TIMEOUT "$P2PCHAT" --headless \
	    -f "$T/nolan.ini" -d "$T/$_dir" -l 127.0.0.1:0 2> "$T/$_dir.err"
}

# --- The config table, as the program prints it: section, name, type,
# default, min, max, choices, help.

"$P2PCHAT" --list-config > "$T/keys.tsv" || fail "--list-config failed"
nkeys=$(wc -l < "$T/keys.tsv")
[ "$nkeys" -ge 10 ] || fail "--list-config printed only $nkeys keys"

# --- p2pchat.ini(5): one entry per key, in its section, with type, range
# and default; no entry for a key the table lacks.

awk -F '\t' '
FNR == NR {
	k = $1 SUBSEP $2
	keys[k] = 1
	order[++nk] = k
	type[k] = $3; dflt[k] = $4; min[k] = $5; max[k] = $6; ch[k] = $7
	next
}
{ split($0, w, " ") }
/^\.Sh / { inkeys = ($0 == ".Sh KEYS"); depth = 0; sec = ""; cur = "" }
!inkeys { next }
/^\.Ss / {
	sec = ""
	if ($0 ~ /^\.Ss The [a-z_]+ section$/)
		sec = w[3]
	next
}
/^\.Bl/ { depth++ }
/^\.El/ { if (--depth == 0) cur = ""; next }
/^\.It / && depth == 1 {
	cur = ""
	if (w[2] != "Ic") next
	cur = sec SUBSEP w[3]
	tag = $0
	sub(/^\.It Ic [^ ]+ ?/, "", tag)
	if (cur in seen)
		printf "p2pchat.ini.5: [%s] %s: two entries\n", sec, w[3]
	seen[cur] = 1
	mtag[cur] = tag
	where[cur] = "[" sec "] " w[3]
	next
}
cur != "" { body[cur] = body[cur] " " $0 }
function norm(s) {
	gsub(/\\&/, "", s)
	gsub(/ \.(Ql|Cm|Li|Dq|Sq|Ar|No|Pq) /, " ", s)
	gsub(/  +/, " ", s)
	return (tolower(s) " ")
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		split(k, p, SUBSEP)
		name = "[" p[1] "] " p[2]
		if (!(k in seen)) {
			printf "p2pchat.ini.5: no entry for %s\n", name
			continue
		}
		t = type[k]
		if (t == "string") want = "Ar string"
		else if (t == "number") want = "Ar number"
		else if (t == "flag") want = "Cm yes | no"
		else if (t == "choice") {
			want = ch[k]
			gsub(/\|/, " | ", want)
			want = "Cm " want
		} else want = "Ar addr : Ns Ar port"
		if (mtag[k] != want)
			printf "p2pchat.ini.5: %s: \".It Ic %s %s\", expected " \
			    "\".It Ic %s %s\"\n", name, p[2], mtag[k], p[2], want
		b = norm(body[k])
		if (t == "number" &&
		    index(b, "from " min[k] " to " max[k]) == 0)
			printf "p2pchat.ini.5: %s: no \"from %s to %s\"\n",
			    name, min[k], max[k]
		if (t == "string" && max[k] != 0 &&
		    index(b, "at most " max[k] " bytes") == 0)
			printf "p2pchat.ini.5: %s: no \"at most %s bytes\"\n",
			    name, max[k]
		d = tolower(dflt[k])
		if (d == "") {
			if (index(b, "default is empty") == 0)
				printf "p2pchat.ini.5: %s: no \"The default " \
				    "is empty\"\n", name
		} else if (index(b, "default is " d " ") == 0 &&
		    index(b, "default is " d ".") == 0)
			printf "p2pchat.ini.5: %s: no \"The default is %s\"\n",
			    name, dflt[k]
	}
	for (k in seen)
		if (!(k in keys))
			printf "p2pchat.ini.5: %s is not in --list-config\n",
			    where[k]
}' "$T/keys.tsv" "$MAN5" >> "$ERRS"

# --- p2pchat.ini.example: ";key = default" under [section] for every key.

awk -F '\t' '
FNR == NR {
	k = $1 SUBSEP $2
	keys[k] = 1
	order[++nk] = k
	type[k] = $3; dflt[k] = $4
	next
}
/^\[[a-z_]+\]$/ { sec = substr($0, 2, length($0) - 2); next }
# [keys] binds keys of the screen: its actions are not configuration keys.
sec == "keys" { next }
/^[;#]?[a-z_]+ *=/ {
	line = $0
	sub(/^[;#]/, "", line)
	name = line
	sub(/ *=.*/, "", name)
	v = line
	sub(/^[^=]*= */, "", v)
	sub(/ +$/, "", v)
	k = sec SUBSEP name
	if (k in seen)
		printf "p2pchat.ini.example: [%s] %s: given twice\n", sec, name
	seen[k] = 1
	value[k] = v
	where[k] = "[" sec "] " name
}
END {
	for (i = 1; i <= nk; i++) {
		k = order[i]
		split(k, p, SUBSEP)
		if (!(k in seen))
			printf "p2pchat.ini.example: no line for [%s] %s\n",
			    p[1], p[2]
		else if (type[k] != "list" && value[k] != dflt[k])
			printf "p2pchat.ini.example: [%s] %s = \"%s\", the " \
			    "default is \"%s\"\n", p[1], p[2], value[k], dflt[k]
	}
	for (k in seen)
		if (!(k in keys))
			printf "p2pchat.ini.example: %s is not in --list-config\n",
			    where[k]
}' "$T/keys.tsv" "$EXAMPLE" >> "$ERRS"

# The example starts a node as it is, and with every key uncommented; LAN
# discovery is switched off after it, so that the test announces nothing.
sed -e 's/^[;#]\([a-z_][a-z_]* *=\)/\1/' \
    -e 's/^lan_discovery *=.*/lan_discovery = no/' \
    "$EXAMPLE" > "$T/uncommented.ini"
cat "$EXAMPLE" "$T/nolan.ini" > "$T/as-is.ini"
for ini in "$T/as-is.ini" "$T/uncommented.ini"; do
	printf '/quit\n' | $TIMEOUT "$P2PCHAT" --headless -f "$ini" \
	    -d "$T/ex" -l 127.0.0.1:0 > "$T/ex.out" 2> "$T/ex.err"
	rc=$?
	if [ $rc -ne 0 ] || ! grep -q '"event":"ready"' "$T/ex.out"; then
		echo "$(basename "$ini") does not start a node (status $rc):" \
		    "$(cat "$T/ex.err")" >> "$ERRS"
	fi
done

# --- Commands: the command table (name, alias, usage, help) against the
# COMMANDS section, in order; /help lists the same commands and usages.

"$P2PCHAT" --list-commands > "$T/table.tsv" || fail "--list-commands failed"
cut -f 1,3 "$T/table.tsv" > "$T/commands.tsv"
ncmds=$(wc -l < "$T/commands.tsv")
[ "$ncmds" -ge 5 ] || fail "--list-commands printed only $ncmds commands"

headless help /help > "$T/help.out" || fail "/help: the node failed"
sed -n 's/.*"event":"help","command":"\([^"]*\)","usage":"\([^"]*\)".*/\1	\2/p' \
    "$T/help.out" > "$T/help.tsv"
cmp -s "$T/commands.tsv" "$T/help.tsv" ||
    echo "/help does not list what --list-commands prints:" \
    "$(diff "$T/commands.tsv" "$T/help.tsv" | head -n 10)" >> "$ERRS"

awk '
/^\.Sh / { incmd = ($0 == ".Sh COMMANDS"); depth = 0; next }
!incmd { next }
/^\.Bl/ { depth++ }
/^\.El/ { depth-- }
/^\.It Ic \// && depth == 1 { print substr($3, 2) }
' "$MAN1" > "$T/man-commands"
cut -f 1 "$T/commands.tsv" > "$T/help-commands"
while read -r c; do
	grep -qx -- "$c" "$T/man-commands" ||
	    echo "p2pchat.1: COMMANDS has no entry for /$c" >> "$ERRS"
done < "$T/help-commands"
while read -r c; do
	grep -qx -- "$c" "$T/help-commands" ||
	    echo "p2pchat.1: COMMANDS has /$c, which the command table lacks" \
	    >> "$ERRS"
done < "$T/man-commands"
if ! cmp -s "$T/help-commands" "$T/man-commands"; then
	echo "p2pchat.1: COMMANDS is not in the order of the command" \
	    "table: $(tr '\n' ' ' < "$T/man-commands")" \
	    "instead of $(tr '\n' ' ' < "$T/help-commands")" >> "$ERRS"
fi

# The usage of each command, from the page as mandoc renders it.
if command -v mandoc >/dev/null 2>&1 &&
    mandoc -Tmarkdown "$MAN1" > "$T/p2pchat.1.md" 2> /dev/null; then
	awk '
	/^# / { sec = $0 }
	sec == "# COMMANDS" && prev == "" && /^\*\*\// {
		l = $0
		gsub(/[*\\]/, "", l)
		print l
	}
	{ prev = $0 }' "$T/p2pchat.1.md" > "$T/man-usage"
	while IFS='	' read -r c u; do
		want="/$c"
		[ -n "$u" ] && want="$want $(printf '%s' "$u" | tr '[:upper:]' '[:lower:]')"
		got=$(grep -- "^/$c\( \|\$\)" "$T/man-usage" | head -n 1)
		[ -z "$got" ] || [ "$got" = "$want" ] ||
		    echo "p2pchat.1: COMMANDS shows \"$got\", the command" \
		    "table says \"/$c $u\" (expected \"$want\")" >> "$ERRS"
	done < "$T/commands.tsv"
else
	echo "docs.sh: mandoc is not installed: command usages not checked"
fi

# --- Options: every option of --help in the OPTIONS section.

"$P2PCHAT" --help > "$T/usage.out" 2>&1 || fail "--help failed"
grep -E '^ +-' "$T/usage.out" | grep -oE -- '--?[A-Za-z][A-Za-z-]*' |
    sort -u > "$T/options"
[ -s "$T/options" ] || fail "no options found in --help"
sed -n '/^\.Sh OPTIONS/,/^\.Sh /p' "$MAN1" | grep '^\.It ' > "$T/man-options"
while read -r o; do
	case $o in
	--*)	pat="Fl -${o#--}" ;;
	*)	pat="Fl ${o#-}" ;;
	esac
	grep -qE -- "(^|[ ])$pat( |\$)" "$T/man-options" ||
	    echo "p2pchat.1: OPTIONS has no entry for $o" >> "$ERRS"
done < "$T/options"

# --- Headless events: every event the code prints is in HEADLESS MODE.

cat "$srcdir"/src/*.c > "$T/src.c"
{
	grep -E 'json_begin\(' "$T/src.c" | grep -oE '"[a-z_]+"'
	grep -oE 'fe->item\("[a-z_]+"' "$T/src.c" | grep -oE '"[a-z_]+"'
	grep -oE 'list_msg\("[a-z_]+"' "$T/src.c" | grep -oE '"[a-z_]+"'
} | tr -d '"' | sort -u > "$T/events"
grep -oE 'fe->done\("[a-z_]+"' "$T/src.c" | grep -oE '"[a-z_]+"' |
    tr -d '"' | sort -u > "$T/done-commands"
[ -s "$T/events" ] || fail "no events found in src/*.c"
awk '
/^\.Sh / { inh = ($0 == ".Sh HEADLESS MODE"); depth = 0; next }
!inh { next }
/^\.Bl/ { depth++ }
/^\.El/ { depth--; if (depth == 0) cur = ""; next }
/^\.It Ic / && depth == 1 { cur = $3; print "event " cur; next }
cur == "done" && /^\.Cm / { print "done " $2 }
' "$MAN1" > "$T/man-events"
while read -r e; do
	grep -qx "event $e" "$T/man-events" ||
	    echo "p2pchat.1: HEADLESS MODE has no entry for the event" \
	    "\"$e\"" >> "$ERRS"
done < "$T/events"
while read -r c; do
	grep -qx "done $c" "$T/man-events" ||
	    echo "p2pchat.1: the done event does not name the listing" \
	    "\"$c\"" >> "$ERRS"
done < "$T/done-commands"

# --- The KEYS section keeps the markers of its table.

for m in KEYS-TABLE-BEGIN KEYS-TABLE-END; do
	grep -q "^\.\\\\\" $m\$" "$MAN1" ||
	    echo "p2pchat.1: no \".\\\" $m\" line in KEYS" >> "$ERRS"
done

# The KEYS table is the key table: what tests/keys-man.sh makes from
# --list-keys must stand between the markers, line for line.
sh "$srcdir/tests/keys-man.sh" "$P2PCHAT" > "$T/keys.want" 2>> "$ERRS"
sed -n '/^\.\\" KEYS-TABLE-BEGIN$/,/^\.\\" KEYS-TABLE-END$/p' "$MAN1" | \
    sed '1d;$d' > "$T/keys.have"
if ! cmp -s "$T/keys.want" "$T/keys.have"; then
	echo "p2pchat.1: KEYS differs from --list-keys" \
	    "(regenerate with tests/keys-man.sh):" >> "$ERRS"
	diff "$T/keys.want" "$T/keys.have" | head -n 20 >> "$ERRS"
fi

# The actions [keys] can bind are the key table's: what tests/keys-man.sh
# makes from --list-keys stands in KEY BINDINGS of p2pchat.ini(5).
sh "$srcdir/tests/keys-man.sh" "$P2PCHAT" actions > "$T/actions.want" \
    2>> "$ERRS"
sed -n '/^\.\\" ACTIONS-BEGIN$/,/^\.\\" ACTIONS-END$/p' "$MAN5" | \
    sed '1d;$d' > "$T/actions.have"
[ -s "$T/actions.want" ] || echo "keys-man.sh printed no actions" >> "$ERRS"
if ! cmp -s "$T/actions.want" "$T/actions.have"; then
	echo "p2pchat.ini.5: KEY BINDINGS differs from --list-keys" \
	    "(regenerate with tests/keys-man.sh P2PCHAT actions):" >> "$ERRS"
	diff "$T/actions.want" "$T/actions.have" | head -n 20 >> "$ERRS"
fi

# --- The record table: --list-records against p2pchat-protocol(7).

"$P2PCHAT" --list-records > "$T/records.tsv" || fail "--list-records failed"
[ "$(wc -l < "$T/records.tsv")" -ge 10 ] || fail "--list-records printed little"
# The man page's table of record types, as "type<TAB>name".
sed -n '/^\.Sh RECORD FORMATS/,/^\.El/p' "$MAN7" | \
    sed -n 's/^\.It \(0x[0-9a-f][0-9a-f]\) Ta \([A-Z_]*\) Ta .*/\1	\2/p' \
    > "$T/records.man"
cut -f 1,2 "$T/records.tsv" > "$T/records.have"
if ! cmp -s "$T/records.have" "$T/records.man"; then
	echo "p2pchat-protocol.7: the RECORD FORMATS table differs from" \
	    "--list-records:" >> "$ERRS"
	diff "$T/records.have" "$T/records.man" | head -n 20 >> "$ERRS"
fi
# Each record type has a section of its own giving its layout.
while IFS='	' read -r type name state; do
	grep -q "^\.Ss .*$name ($type)" "$MAN7" ||
	    echo "p2pchat-protocol.7: no section for $name ($type)" >> "$ERRS"
done < "$T/records.tsv"

# --- mandoc -Tlint.

if command -v mandoc >/dev/null 2>&1; then
	mandoc -Tlint -Wwarning "$MAN1" "$MAN5" "$MAN7" >> "$ERRS" 2>&1
else
	echo "docs.sh: mandoc is not installed: pages not linted"
fi

if [ -s "$ERRS" ]; then
	cat "$ERRS" >&2
	fail "$(wc -l < "$ERRS") problems in the documentation"
fi
pass
