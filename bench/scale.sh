#!/bin/sh
# bench/scale.sh - relance on a large site (issue 17's scale targets:
# 100,000 components on 10,000 hosts, `config check` <= 1 s, generate
# <= 5 s, memory reported).
# Not a test: prints a table, asserts nothing.
#   bench/scale.sh [RUNS [COMPONENTS [HOSTS]]]
#                  (defaults 5, 100000, 10000; from the source tree, after
#                  a build; BUILD=_build/plain by default)
# The config is bench/gen_config.sh --realistic's (SSH hosts in hosts.ini,
# one file per application under conf.d/, applications of 3 to 1,000
# components, xml checks, intervals, zones; fixed seed). For each command:
# the median of RUNS runs of the wall time, of the CPU time (user + sys)
# and of the peak RSS. `generate -o` is measured twice: into an empty
# directory (every file written) and again into the same directory (every
# file already up to date: read and compared, none written).
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/_build/plain}
case $build in /*) ;; *) build=$top/$build ;; esac
runs=${1:-5}
n=${2:-100000}
hosts=${3:-10000}
ctl=$build/ctl/relancectl
[ -x "$ctl" ] || { echo "build first: tools/build $build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }
# the XML module of this build, not an installed one
RELANCE_XPATH_MODULE=$build/lib/xpath.so
export RELANCE_XPATH_MODULE
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relance-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
# the journal's directory must exist and be reachable by the core's
# account, or `config check` warns (exit 1): the bench measures a clean
# config
chmod 755 "$tmp"

"$top/bench/gen_config.sh" --realistic "$tmp/cfg" "$n" "$hosts" >/dev/null ||
	{ echo "cannot write the config" >&2; exit 1; }
cfg=$tmp/cfg/relance.ini
mkdir -p "$tmp/cfg/state"
chmod 755 "$tmp/cfg" "$tmp/cfg/state"
sed -i "s|^journal = .*|journal = $tmp/cfg/state/journal.jsonl|" "$cfg"
grep -q "^journal = " "$cfg" ||
	sed -i "s|^\[relance\]\$|&\njournal = $tmp/cfg/state/journal.jsonl|" "$cfg"
size=$(du -sk "$tmp/cfg" | cut -f1)
nfiles=$(find "$tmp/cfg" -name '*.ini' | wc -l)
# a component of the largest application, for `plan restart`
app=$(grep -h '^\[component "' "$tmp/cfg/conf.d"/*.ini |
	sed 's|^\[component "\([^/]*\)/.*|\1|' | sort | uniq -c | sort -rn |
	awk 'NR == 1 { print $2 }')
comp=$(grep -h "^\[component \"$app/" "$tmp/cfg/conf.d"/*.ini | head -1 |
	sed 's|^\[component "\(.*\)"\]$|\1|')

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.2f\n", m }'
}

# measure PREP CMD...: runs PREP (a shell command, before each run, not
# timed) then CMD, RUNS times; prints "WALL_S CPU_S RSS_MIB" (medians).
# Exit status 0 or 1 (warnings) is a run; anything else stops the bench.
measure() {
	prep=$1; shift
	: >"$tmp/wall"; : >"$tmp/cpu"; : >"$tmp/rss"
	i=0
	while [ $i -lt "$runs" ]; do
		sh -c "$prep"
		t0=$(date +%s%N)
		/usr/bin/time -o "$tmp/time.out" -f '%U %S %M' "$@" \
			>"$tmp/out" 2>"$tmp/err"
		st=$?
		t1=$(date +%s%N)
		if [ $st -gt 1 ]; then
			echo "failed (exit $st): $*" >&2
			tail -3 "$tmp/err" >&2
			exit 1
		fi
		awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f\n", d / 1e9 }' >>"$tmp/wall"
		tail -1 "$tmp/time.out" | awk '{ print $1 + $2 }' >>"$tmp/cpu"
		tail -1 "$tmp/time.out" | awk '{ print $3 / 1024 }' >>"$tmp/rss"
		i=$((i + 1))
	done
	printf '%s %s %s\n' "$(median <"$tmp/wall")" "$(median <"$tmp/cpu")" \
		"$(median <"$tmp/rss" | cut -d. -f1)"
}

row() { # row LABEL WALL CPU RSS; a failed measure (no figures) stops
	[ $# -eq 4 ] || exit 1
	printf '%-44s %8s %8s %9s\n' "$@"
}
echo "relance at scale: $n components on $hosts hosts, $nfiles files," \
	"$((size / 1024)) MiB ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); median of $runs)"
printf '%-44s %8s %8s %9s\n' "command" "wall s" "CPU s" "RSS MiB"
set -- $(measure : "$ctl" -c "$cfg" config check)
row "config check" "$1" "$2" "$3"
set -- $(measure : "$ctl" -c "$cfg" plan restart "$comp")
row "plan restart $comp" "$1" "$2" "$3"
for kind in icinga2 nagios; do
	d=$tmp/objs-$kind
	set -- $(measure "rm -rf '$d' && mkdir '$d'" "$ctl" -c "$cfg" generate $kind -o "$d")
	row "generate $kind -o DIR (empty)" "$1" "$2" "$3"
	nout=$(find "$d" -type f | wc -l)
	kout=$(du -sk "$d" | cut -f1)
	set -- $(measure : "$ctl" -c "$cfg" generate $kind -o "$d")
	row "generate $kind -o DIR (up to date)" "$1" "$2" "$3"
	echo "  ($nout files, $((kout / 1024)) MiB)"
done
echo "targets (issue 17): config check <= 1 s, generate <= 5 s"
