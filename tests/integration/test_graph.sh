#!/bin/sh
# relancectl graph against real processes on this machine (transport =
# local, relancectl/comp.sh daemons): the DOT text of a known config, the
# colours of known states, a hold marked, a description with quotes
# escaped, SVG and PNG through the Graphviz module when it is built, the
# errors; and generate's links to the maps (graph_url).
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/integration/local.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
command -v setsid >/dev/null || skip_all "setsid needed"

local_setup rl-graph comp
mkdir "$T/locks"
unset NO_COLOR RELANCE_CONFIG
# Graphviz's own leaks (tests/lsan.supp says which) in the ASan build
export LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"

# fx: web (on "front") requires api requires db (on "back"); ops/probe
# (on "back") is a plugin whose state a file decides: $T/probe-state
cfg=$T/relance.ini
cat >"$cfg" <<EOF
[relance]
journal       = $T/journal.jsonl
lock_dir      = $T/locks
host_lock_dir = $T/hostlocks
node          = testnode
graph_url     = https://mon.example/maps/

[host "front"]
transport = local

[host "back"]
transport = local

[component "fx/db"]
host        = back
description = the "main" db \\ primary
check       = $T/comp.sh $T db check
start       = $T/comp.sh $T db start
stop        = $T/comp.sh $T db stop

[component "fx/api"]
host     = front
requires = db
check    = $T/comp.sh $T api check
start    = $T/comp.sh $T api start
stop     = $T/comp.sh $T api stop

[component "fx/web"]
host     = front
requires = api
check    = $T/comp.sh $T web check
start    = $T/comp.sh $T web start
stop     = $T/comp.sh $T web stop

[component "ops/probe"]
host       = back
requires   = fx/db
check_mode = plugin
check      = /bin/sh -c 'read s <$T/probe-state; echo "probe \$s"; exit \$s'
start      = /bin/true
stop       = /bin/true
EOF
chmod 600 "$cfg"
echo 0 >"$T/probe-state"

rc() { # rc CMD...: relancectl's output in $out (stdout+stderr), status in $st
	out=$("$ctl" -c "$cfg" "$@" 2>&1)
	st=$?
}

# --- DOT of a known config, exact ------------------------------------------
rc graph fx
is "$st" 0 "graph fx: exit 0"
want=$(cat <<'EOF'
digraph "relance" {
	graph [label="fx", labelloc=t, fontname="Helvetica"];
	node [shape=box, style="rounded,filled", fillcolor="white", fontname="Helvetica"];
	edge [fontname="Helvetica"];
	subgraph "cluster_0" {
		label="front";
		style="rounded";
		"fx/api" [label="api"];
		"fx/web" [label="web"];
	}
	subgraph "cluster_1" {
		label="back";
		style="rounded";
		"fx/db" [label="db", tooltip="the \"main\" db \\ primary"];
	}
	"fx/api" -> "fx/db";
	"fx/web" -> "fx/api";
}
EOF
)
is "$out" "$want" "graph fx: the DOT text, clusters by host, arrows for requires, quotes and backslashes escaped"
rc graph
like "$out" 'label="fx, ops"' "graph without applications: all of them"
like "$out" '"ops/probe" -> "fx/db";' "the requirement across applications"
rc graph fx --format dot -o "$T/fx.dot"
is "$st" 0 "-o FILE: exit 0"
is "$(cat "$T/fx.dot")" "$want" "-o FILE: the same text in the file"

# --- colours of live states, holds -----------------------------------------
"$ctl" -c "$cfg" start fx/api >/dev/null 2>&1
ok $? "db and api started (web left down)"
rc graph fx ops --status
is "$st" 2 "graph --status exits as status: CRITICAL (web is down)"
like "$out" '"fx/db" \[label="fx/db\\nOK", fillcolor="palegreen", tooltip="exit 0: db running \(pid [0-9]+\)"\];' \
	"db running: green, the check's first line as tooltip"
like "$out" '"fx/web" \[label="fx/web\\nCRITICAL", fillcolor="tomato", tooltip="exit 2: web not running"\];' \
	"web down: red"
like "$out" '"ops/probe" \[label="ops/probe\\nOK", fillcolor="palegreen"' \
	"two applications: full names"
echo 1 >"$T/probe-state"
rc graph ops --status
is "$st" 1 "a WARNING probe: exit 1"
like "$out" '"ops/probe" \[label="ops/probe\\nWARNING", fillcolor="yellow", tooltip="probe 1"\];' \
	"WARNING: yellow"
echo 3 >"$T/probe-state"
rc graph ops --status
is "$st" 3 "an UNKNOWN probe: exit 3"
like "$out" '"ops/probe" \[label="ops/probe\\nUNKNOWN", fillcolor="lightgrey", tooltip="probe 3"\];' \
	"UNKNOWN: grey"
echo 0 >"$T/probe-state"

"$ctl" -c "$cfg" hold fx/web --reason 'deploy "v2"' >/dev/null 2>&1
ok $? "a hold on fx/web"
rc graph fx --status
like "$out" '"fx/web" \[label="web\\nCRITICAL\\nheld by [^"]+", fillcolor="tomato", style="rounded,filled,dashed", penwidth=3' \
	"the held component: dashed thick border, 'held by' in its label"
unlike "$out" '"fx/api" \[[^]]*dashed' "the others: not marked"
"$ctl" -c "$cfg" release fx/web >/dev/null 2>&1

# --- pictures ----------------------------------------------------------------
if [ -f "$top_builddir/lib/graphviz.so" ]; then
	rc graph fx --status --format svg -o "$T/fx.svg"
	is "$st" 2 "--format svg: exit as status"
	svg=$(cat "$T/fx.svg")
	like "$svg" '^<\?xml' "an SVG document"
	for n in fx/db fx/api fx/web; do
		like "$svg" "<title>$n</title>" "the SVG has the node $n"
	done
	like "$svg" 'fill="tomato"' "and the colour of the down component"
	like "$svg" '<title>fx/web&#45;&gt;fx/api</title>' "and the arrow web -> api"
	rc graph fx --format png -o "$T/fx.png"
	is "$st" 0 "--format png: exit 0"
	is "$(head -c 4 "$T/fx.png" | od -An -c | tr -d ' ')" '211PNG' \
		"a PNG file"
	rc graph fx --format svg
	like "$out" '<svg ' "--format svg without -o: on stdout"
else
	diag "Graphviz module not built (libgraphviz-dev): no SVG test"
fi
out=$(RELANCE_GRAPH_MODULE=$T/nothing.so "$ctl" -c "$cfg" graph fx --format svg 2>&1)
st=$?
is "$st" 6 "no Graphviz module: exit 6"
is "$out" "relancectl: pictures unavailable: cannot load '$T/nothing.so': cannot open shared object file: No such file or directory (build relance with libgraphviz-dev, or use --format dot)" \
	"no Graphviz module: one line, why and what to do"
out=$(RELANCE_GRAPH_MODULE=$T/nothing.so "$ctl" -c "$cfg" graph fx 2>&1)
is "$?" 0 "no Graphviz module: DOT still works"

# --- errors ----------------------------------------------------------------
rc graph nosuch
is "$st" 3 "an unknown application: exit 3"
is "$out" "relancectl: graph: unknown application 'nosuch' (see relancectl --help)" \
	"an unknown application: named"
rc graph fx --format gif
is "$st" 3 "--format gif: exit 3"
like "$out" "^relancectl: --format: 'gif' is not dot, svg or png" \
	"--format gif: says which formats"
rc graph fx -o "$T/no/such/dir/x.dot"
is "$st" 6 "-o in a missing directory: exit 6"
like "$out" "^relancectl: .*no/such/dir" "-o in a missing directory: named"
rc status --format svg
is "$st" 3 "--format outside graph: a usage error"
like "$out" "--format is for graph" "--format outside graph: names its command"

# --- generate: links to the maps -------------------------------------------
rc generate nagios
is "$st" 0 "generate nagios with graph_url: exit 0"
like "$out" "^    notes_url +https://mon.example/maps/fx.svg$" \
	"nagios: notes_url of the application's service"
like "$out" "^    action_url +https://mon.example/maps/fx.svg$" \
	"nagios: action_url of the application's service"
is "$(printf '%s\n' "$out" | grep -c notes_url)" 2 \
	"nagios: one link per application, none on components"
rc generate icinga2
like "$out" '^	notes_url = "https://mon.example/maps/ops.svg"$' \
	"icinga2: notes_url"
like "$out" '^	action_url = "https://mon.example/maps/ops.svg"$' \
	"icinga2: action_url"
sed -i 's|^graph_url .*|graph_url = http://x/$HOSTNAME$|' "$cfg"
rc generate nagios
is "$st" 2 "a graph_url with a macro: config error"
is "$out" "relancectl: $cfg:6: section 'relance': key 'graph_url': 'http://x/\$HOSTNAME\$': character '\$' cannot be used in a link of the cores' objects" \
	"a graph_url with a macro: file:line:key and why"
sed -i '/^graph_url/d' "$cfg"
rc generate nagios
is "$(printf '%s\n' "$out" | grep -c notes_url)" 0 "no graph_url: no links"

done_testing
