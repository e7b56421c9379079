#!/bin/sh
# bench/generate.sh - generating the Nagios and Icinga 2 objects of a
# 10,000-component / 1,000-host config (issue 3: <= 1 s).
# Not a test: prints a table, asserts nothing.
#   bench/generate.sh [RUNS]   (default 5; from the source tree, after a
#                               build; BUILD=_build/plain by default)
# Uses tests/e2e/gen_driver (it drives rl_generate, and says how long
# rl_generate itself took, which `relancectl generate` does not say).
# "whole" is the process: loading the config, generating, writing the files.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/_build/plain}
case $build in /*) ;; *) build=$top/$build ;; esac
runs=${1:-5}
ctl=$build/ctl/relancectl
drv=$build/tests/e2e/gen_driver
[ -x "$ctl" ] || { echo "build first: tools/build $build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relance-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM

if [ ! -x "$drv" ]; then
	make -s -C "$build" tests/e2e/gen_driver >/dev/null ||
		{ echo "cannot build $drv" >&2; exit 1; }
fi
"$top/bench/gen_config.sh" "$tmp" 10000 1000
cfg=$tmp/relance.ini

median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f\n", m }'
}

# bench TARGET: prints "WHOLE_MS CORE_MS RSS_MIB SIZE_KIB"
bench() {
	: >"$tmp/whole"; : >"$tmp/core"; : >"$tmp/rss"
	i=0
	while [ $i -lt "$runs" ]; do
		rm -rf "$tmp/out"; mkdir "$tmp/out"
		t0=$(date +%s%N)
		/usr/bin/time -o "$tmp/time.out" -f '%e %M' \
			"$drv" --time --with-commands -o "$tmp/out" "$1" "$cfg" \
			>/dev/null 2>"$tmp/err" ||
			{ echo "generate $1 failed:" >&2; cat "$tmp/err" >&2; return 1; }
		t1=$(date +%s%N)
		awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }' >>"$tmp/whole"
		sed -n 's/^generate: .*: \([0-9.]*\) ms$/\1/p' "$tmp/err" >>"$tmp/core"
		awk '{ print $2 / 1024 }' "$tmp/time.out" >>"$tmp/rss"
		i=$((i + 1))
	done
	printf '%s %s %s %s\n' "$(median <"$tmp/whole")" "$(median <"$tmp/core")" \
		"$(median <"$tmp/rss")" "$(du -sk "$tmp/out" | cut -f1)"
}

row() { printf '%-28s %10s %14s %10s %10s %8s\n' "$@"; }
echo "relance generate benchmark: 10,000 components, 1,000 hosts" \
	"($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); median of $runs)"
row "target" "whole ms" "rl_generate ms" "peak MiB" "output KiB" "goal"
row "----------------------------" "----------" "--------------" "----------" "----------" "--------"
for t in nagios icinga2; do
	set -- $(bench $t) || exit 1
	row "$t" "$1" "$2" "$3" "$4" "<=1000ms"
done
