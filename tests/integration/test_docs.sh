#!/bin/sh
# The documentation that must not drift from the code: relance.ini(5) (the
# configuration reference) and README's tables name exactly the keys
# lib/config.c accepts; the bash completion offers relancectl's commands
# and options (ctl/*.c) and completes components from a config and its
# includes; the man page renders without warnings.
. "$top_srcdir/tests/lib.sh"

T=$(mktemp -d "${TMPDIR:-/tmp}/docs.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
trap 'exit 1' INT TERM
man5=$top_srcdir/doc/relance.ini.5
comp=$top_srcdir/conf/bash-completion/relancectl

# --- keys --------------------------------------------------------------------
# the parser's: the names in the keys_* tables (xpath.NAME.* apart)
awk '/^static const struct key keys_[a-z_]*\[\] = \{/{t=1; next}
	t && /^\};/{t=0}
	t && /^ *\{"/{k=$0; sub(/^ *\{"/, "", k); sub(/".*/, "", k); print k}' \
	"$top_srcdir/lib/config.c" | sort -u >"$T/code"
[ -s "$T/code" ]
ok $? "keys found in lib/config.c ($(wc -l <"$T/code"))"
# the man page's: the tags of its .TP paragraphs (.B key, .BR a ", " b)
awk '/^\.TP/{getline; if ($1 == ".B") print $2
	else if ($1 == ".BR") { n = split($0, w, /"[^"]*"/); for (i = 1; i <= n; i++) {
		x = w[i]; sub(/^\.BR/, "", x); gsub(/ /, "", x); if (x != "") print x } } }' \
	"$man5" | sort -u >"$T/man"
is "$(comm -3 "$T/code" "$T/man" | tr -s '\t\n' '  ')" "" \
	"relance.ini(5) documents every key of lib/config.c and no other"
# README's: the first cell of the tables under "Configuration reference"
awk '/^## Configuration reference/{r=1; next} r && /^## /{r=0}
	r && /^\| `/{c=$0; sub(/^\| /, "", c); sub(/ \|.*/, "", c)
		while (match(c, /`[a-z_]+`/)) { print substr(c, RSTART + 1, RLENGTH - 2); c = substr(c, RSTART + RLENGTH) } }' \
	"$top_srcdir/README.md" | sort -u >"$T/readme"
is "$(comm -3 "$T/code" "$T/readme" | tr -s '\t\n' '  ')" "" \
	"README's configuration tables name the same keys"
if command -v man >/dev/null; then
	w=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$man5" 2>&1 >/dev/null)
	is "$w" "" "relance.ini(5) renders without warnings"
else
	ok 0 "# SKIP man not installed"
fi

# --- bash completion -----------------------------------------------------------
command -v bash >/dev/null || { done_testing; exit; }
# relancectl's commands and each command's long options, from the sources
cmds=$(sed -n 's/^const struct ctl_cmd ctl_cmd_[a-z]* = {"\([a-z]*\)".*/\1/p' \
	"$top_srcdir"/ctl/cmd_*.c | sort)
[ -n "$cmds" ]
ok $? "relancectl's commands found in ctl/cmd_*.c"
complete_words() { # WORD...: what the completion offers for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1))
		_relancectl; printf "%s\n" "${COMPREPLY[@]}"' _ "$comp" relancectl "$@" |
		sort
}
is "$(complete_words '' | grep -vx help)" "$cmds" \
	"completion: the commands of relancectl (and help)"
missing=""
for f in "$top_srcdir"/ctl/cmd_*.c "$top_srcdir"/ctl/relancectl.c; do
	c=$(sed -n 's/^const struct ctl_cmd ctl_cmd_[a-z]* = {"\([a-z]*\)".*/\1/p' "$f" | head -1)
	for o in $(sed -n 's/.*RL_OPT([^,]*, *"\([a-z-]*\)".*/\1/p' "$f"); do
		case $o in no-colour) continue ;; esac
		w=$(complete_words ${c:+"$c"} --)
		printf '%s\n' "$w" | grep -qx -- "--$o" || missing="$missing ${c:-global}:--$o"
	done
done
is "$missing" "" "completion: every long option of every command"
mkdir "$T/etc" "$T/etc/conf.d"
cat >"$T/etc/relance.ini" <<'EOF'
include = conf.d/*.ini
[host "fx-app-01"]
transport = local
EOF
printf '[component "fx/pricer"]\n[component "fx/gateway"]\n[component "eq/book"]\n' \
	>"$T/etc/conf.d/apps.ini"
is "$(complete_words -c "$T/etc/relance.ini" restart fx | tr '\n' ' ')" \
	"fx fx/gateway fx/pricer " "completion: components and applications from the config's includes"
is "$(complete_words --config="$T/etc/relance.ini" plan restart e | tr '\n' ' ')" \
	"eq eq/book " "completion: plan ACTION then a component"
is "$(RELANCE_CONFIG=$T/etc/relance.ini complete_words hostkey '' | tr '\n' ' ')" \
	"fx-app-01 " "completion: hostkey completes hosts (\$RELANCE_CONFIG)"
is "$(complete_words generate '' | tr '\n' ' ')" "icinga2 nagios " \
	"completion: generate nagios|icinga2"

done_testing
