#!/bin/sh
# handle_component refreshes the application's map in graph_dir after a
# heal (real processes: the demo's conf/demo/daemon components, transport
# local, no core): APP.dot and APP.svg replaced with the states after the
# restart; a map that cannot be drawn is a warning in the journal and the
# log, never a failed heal.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

hc="$top_builddir/handlers/handle_component"
ctl="$top_builddir/ctl/relancectl"
daemon="$top_srcdir/conf/demo/daemon"
[ -x "$hc" ] || skip_all "handle_component not built"
[ -x "$ctl" ] || skip_all "relancectl not built"

local_setup rl-graphheal
mkdir "$T/maps"
unset RELANCE_CONFIG
# Graphviz's own leaks (tests/lsan.supp says which) in the ASan build
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# write_config GRAPH_DIR: fx, marketdata <- pricer <- gateway
cfg=$T/relance.ini
. "$top_srcdir/tests/integration/relancectl/config.sh"
write_config() {
	fx_config "$cfg" "graph_dir = $1" 'start_timeout = 60s
stop_timeout = 60s' marketdata 'pricer marketdata' 'gateway pricer'
}
write_config "$T/maps"

pid_of() { head -n 1 "$T/run/$1.pid" 2>/dev/null; }
journal() { cat "$T/journal.jsonl" 2>/dev/null; }
handle() { # handle COMPONENT: a HARD CRITICAL event
	"$hc" --config "$cfg" -C "$1" --state CRITICAL --state-type HARD \
		--attempt 2 2>&1
}
heals_done() { # heals_done N: N restart plans ended
	[ "$(journal | grep '"event":"plan"' | grep '"phase":"end"' |
		grep -c '"action":"restart"')" -ge "$1" ]
}
graph_failed() { journal | grep -q '"event":"graph"'; }
down() { ! "$daemon" status "$1" "$T/run" >/dev/null; }

"$ctl" --config "$cfg" start fx >/dev/null 2>&1
ok $? "the application starts"

# --- a heal refreshes the map ------------------------------------------------
kill "$(pid_of pricer)"
wait_for 120 down gateway
ok $? "the pricer killed, the gateway goes down with it"
out=$(handle fx/pricer)
like "$out" "heal: restart of 2 components" "the handler heals"
wait_for 120 test -s "$T/maps/fx.dot"
ok $? "after the heal, the map is written to graph_dir"
wait_for 120 heals_done 1
ok $? "the restart ended"
dot=$(cat "$T/maps/fx.dot")
is "$(printf '%s\n' "$dot" | grep -c 'fillcolor="palegreen"')" 3 \
	"the map shows the states after the restart: three components OK"
like "$dot" '"fx/pricer" -> "fx/marketdata";' "the map's arrows"
if [ -f "$top_builddir/lib/graphviz.so" ]; then
	wait_for 60 test -s "$T/maps/fx.svg"
	ok $? "and the SVG"
	svg=$(cat "$T/maps/fx.svg")
	for n in fx/marketdata fx/pricer fx/gateway; do
		like "$svg" "<title>$n</title>" "the SVG has $n"
	done
	is "$(find "$T/maps" -type f | wc -l)" 2 \
		"only fx.dot and fx.svg in graph_dir (no temporary file left)"
else
	diag "Graphviz module not built: no SVG check"
fi
graph_failed
ok $((!$?)) "a map drawn: no warning journaled"

# --- the map cannot be written: a warning, the heal done ---------------------
write_config "$T/no-such-dir"
kill "$(pid_of gateway)"
wait_for 120 down gateway
ok $? "the gateway killed"
out=$(handle fx/gateway)
like "$out" "heal: restart of 1 component" "the handler heals the gateway"
wait_for 120 heals_done 2
ok $? "the restart ended"
wait_for 60 graph_failed
ok $? "the map that cannot be written is journaled"
rec=$(journal | grep '"event":"graph"' | tail -n 1)
like "$rec" '"action":"draw","component":"fx/gateway"' \
	"the record: a drawing, of the healed component"
like "$rec" '"result":"failed"' "the record: failed"
like "$rec" "\"message\":\"graph_dir: $T/no-such-dir: " \
	"the record: names graph_dir and why"
last_end=$(journal | grep '"event":"plan"' | grep '"phase":"end"' | tail -n 1)
like "$last_end" '"result":"ok"' "the heal itself is ok"
"$daemon" status gateway "$T/run" >/dev/null
ok $? "the gateway runs again"

# --- pictures unavailable: the DOT is written, the warning journaled ------
write_config "$T/maps"
rm -f "$T/maps/fx.dot" "$T/maps/fx.svg"
kill "$(pid_of gateway)"
wait_for 120 down gateway
ok $? "the gateway killed again"
n0=$(journal | grep -c '"event":"graph"')
out=$(RELANCE_GRAPH_MODULE=$T/nothing.so handle fx/gateway)
like "$out" "heal: restart of 1 component" "the handler heals it again"
wait_for 120 heals_done 3
ok $? "the restart ended"
wait_for 60 sh -c "[ \$(grep -c '\"event\":\"graph\"' '$T/journal.jsonl') -gt $n0 ]"
ok $? "no Graphviz module: journaled as a warning"
like "$(journal | grep '"event":"graph"' | tail -n 1)" \
	'"message":"pictures unavailable: ' "the record says why"
test -s "$T/maps/fx.dot"
ok $? "the DOT is written all the same"
test -e "$T/maps/fx.svg"
ok $((!$?)) "no SVG"

# --- a restart that fails: the map shows it red -----------------------------
rm -f "$T/maps/fx.dot"
kill "$(pid_of gateway)"
wait_for 120 down gateway
ok $? "the gateway killed once more"
: >"$T/run/gateway.fail"
out=$(handle fx/gateway)
like "$out" "heal: restart of 1 component" "the handler tries to heal it"
wait_for 120 heals_done 4
ok $? "the restart ended"
last_end=$(journal | grep '"event":"plan"' | grep '"phase":"end"' | tail -n 1)
like "$last_end" '"result":"failed"' "the restart failed (gateway.fail)"
wait_for 60 test -s "$T/maps/fx.dot"
ok $? "the map is redrawn after a failed restart too"
like "$(cat "$T/maps/fx.dot")" '"fx/gateway" \[label="gateway\\nCRITICAL", fillcolor="tomato"' \
	"the gateway is red on it"
rm -f "$T/run/gateway.fail"

done_testing
