#!/bin/sh
# relancectl config check: the findings as one JSON document (--json) and
# as text, and the exit code per severity (0 clean, 1 warnings, 2 an
# error), for a clean config, one with warnings and one with an error.
. "$top_srcdir/tests/lib.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
command -v python3 >/dev/null || skip_all "python3 needed to parse JSON"

T=$(mktemp -d "${TMPDIR:-/tmp}/rl-cfgjson.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
[ -n "$RELANCE_TEST_KEEP" ] && trap - EXIT
trap 'exit 1' INT TERM
unset RELANCE_CONFIG

cfg=$T/relance.ini
write() { # write [EXTRA...]: a valid config, then the lines EXTRA
	{
		# the handler of this config would run as root: its state is
		# judged for root (core_user), not for nagios
		printf '[relance]\njournal = %s/j.jsonl\nlock_dir = %s\n' "$T" "$T"
		printf 'core_user = root\n'
		printf '[host "h"]\ntransport = local\n'
		printf '[component "fx/a"]\nhost = h\ncheck = /bin/true\n'
		printf 'start = /bin/true\nstop = /bin/true\n'
		for l in "$@"; do printf '%s\n' "$l"; done
	} >"$cfg"
	chmod 600 "$cfg"
}
# field EXPR: python3 evaluates EXPR over the document d (stdin), prints it
field() {
	printf '%s' "$out" | python3 -c '
import json, sys
d = json.load(sys.stdin)
print(eval(sys.argv[1]))' "$1"
}
check_json() {
	out=$("$ctl" -c "$cfg" config check --json 2>"$T/err")
	st=$?
}

# --- clean -------------------------------------------------------------
write
check_json
is "$st" 0 "clean: exit 0"
is "$(field 'd["severity"], d["ok"], d["findings"], d["components"]')" \
	"('clean', True, [], 1)" "clean: valid JSON, severity clean, no findings"
is "$(cat "$T/err")" "" "clean: nothing on stderr"
out=$("$ctl" -c "$cfg" config check 2>&1)
is "$?" 0 "clean, text: exit 0"
like "$out" "^config OK: 1 application, 1 component on 1 host" "clean, text: the summary"

# --- warnings ----------------------------------------------------------
write '[host "spare"]' 'transport = local' '[relance]' 'graph_url = /maps'
check_json
is "$st" 1 "warnings: exit 1"
is "$(field 'd["severity"], d["ok"], len(d["findings"])')" \
	"('warning', True, 2)" "warnings: severity warning, still ok, two findings"
is "$(field 'd["findings"][0]')" \
	"{'file': '$cfg', 'line': 12, 'key': None, 'severity': 'warning', 'message': \"host 'spare' is used by no component\"}" \
	"warnings: an unused host, with its file and line"
is "$(field 'd["findings"][1]["line"], d["findings"][1]["key"]')" \
	"(15, 'graph_url')" "warnings: graph_url without graph_dir, at its line and key"
out=$("$ctl" -c "$cfg" config check 2>"$T/err")
is "$?" 1 "warnings, text: exit 1"
like "$out" "^config OK with warnings: 1 application" "warnings, text: the summary says so"
is "$(cat "$T/err")" "relancectl: $cfg:12: warning: host 'spare' is used by no component
relancectl: $cfg:15: warning: graph_url without graph_dir: the links would lead to maps nobody refreshes" \
	"warnings, text: one line each on stderr, file:line first"

# --- an error ----------------------------------------------------------
write 'retrys = 3'
check_json
is "$st" 2 "an error: exit 2"
is "$(field 'd["severity"], d["ok"], d["components"], len(d["findings"])')" \
	"('error', False, None, 1)" "an error: severity error, not ok, no model"
is "$(field 'd["findings"][0]')" \
	"{'file': '$cfg', 'line': 12, 'key': 'retrys', 'severity': 'error', 'message': \"component 'fx/a': unknown key 'retrys'\"}" \
	"an error: file, line, key and message"
is "$(cat "$T/err")" "" "an error with --json: nothing on stderr"
out=$("$ctl" -c "$cfg" config check 2>&1)
is "$?" 2 "an error, text: exit 2"
is "$out" "relancectl: $cfg:12: component 'fx/a': unknown key 'retrys'" \
	"an error, text: the one line as before"

out=$("$ctl" -c "$T/missing.ini" config check --json 2>&1)
is "$?" 2 "a missing file: exit 2"
is "$(field 'd["findings"][0]["file"], d["findings"][0]["message"]')" \
	"(None, \"cannot open '$T/missing.ini': no such file\")" \
	"a missing file: the message whole"

done_testing
