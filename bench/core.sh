#!/bin/sh
# bench/core.sh - relance's own cost (issue 3's performance figures).
# Not a test: prints a table, asserts nothing.
#   bench/core.sh [RUNS [RESTART-RUNS]]   (defaults 5 and 20; from the
#                 source tree, after a build; BUILD=_build/plain by default)
# 1. `relancectl config check` and `relancectl plan restart app0/c0` on a
#    generated config of 10,000 components on 1,000 local hosts
#    (bench/gen_config.sh): median wall time and peak RSS of RUNS runs (5).
# 2. The overhead of a local targeted restart: `relancectl restart a/db`
#    (a/db has two dependents) against a shell script that runs the very
#    commands relance runs, in the same order and grouping; median of 20.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
build=${BUILD:-$top/_build/plain}
case $build in /*) ;; *) build=$top/$build ;; esac
runs=${1:-5}
rruns=${2:-20}
ctl=$build/ctl/relancectl
[ -x "$ctl" ] || { echo "build first: tools/build $build" >&2; exit 1; }
[ -x /usr/bin/time ] || { echo "needs /usr/bin/time (package time)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/relance-bench.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
# mktemp's 0700 would make `config check` warn that the core's account
# cannot reach the journal (exit 1): the bench measures a clean config
chmod 755 "$tmp"
trap 'exit 1' INT TERM

# median of a list of numbers, one a line
median() {
	sort -n | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "-"; exit }
		m = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		printf "%.1f\n", m }'
}

# measure N CMD...: prints "WALL_MS RSS_MIB", the medians of N runs.
# Wall time from the clock around /usr/bin/time (which only gives 10 ms
# steps; its own fork and exec add well under 1 ms); peak RSS from its %M.
measure() {
	n=$1; shift
	: >"$tmp/wall"; : >"$tmp/rss"
	i=0
	while [ $i -lt "$n" ]; do
		t0=$(date +%s%N)
		/usr/bin/time -o "$tmp/time.out" -f '%e %M' "$@" \
			>"$tmp/out" 2>&1 ||
			{ echo "failed: $*" >&2; cat "$tmp/out" >&2; return 1; }
		t1=$(date +%s%N)
		echo $(( (t1 - t0) / 1000 )) >>"$tmp/wall"
		awk '{ print $2 / 1024 }' "$tmp/time.out" >>"$tmp/rss"
		i=$((i + 1))
	done
	printf '%s %s\n' "$(awk '{ print $1 / 1000 }' "$tmp/wall" | median)" \
		"$(median <"$tmp/rss")"
}

# one_ms CMD...: the wall time of one run, in ms
one_ms() {
	t0=$(date +%s%N)
	"$@" >"$tmp/out" 2>&1 ||
		{ echo "failed: $*" >&2; cat "$tmp/out" >&2; return 1; }
	t1=$(date +%s%N)
	awk -v d=$((t1 - t0)) 'BEGIN { printf "%.3f\n", d / 1e6 }'
}

row() { printf '%-46s %10s %10s %12s\n' "$@"; }

# ---- 1. the big config (RUNS 0: skipped) ----------------------------------
check_ms=- check_mib=- plan_ms=- plan_mib=-
if [ "$runs" -gt 0 ]; then
	"$top/bench/gen_config.sh" "$tmp/big" 10000 1000
	# run as root on a machine with the core's account, `config check`
	# warns (exit 1) that the journal's directory would be root's: the
	# core's account owns it, as on a real site (the config stays root's)
	mkdir "$tmp/state"
	sed -i -e "s|^journal = .*|journal = $tmp/state/journal.jsonl|" \
		-e "s|^lock_dir = .*|lock_dir = $tmp/state/locks|" "$tmp/big/relance.ini"
	for u in nagios icinga; do
		if [ "$(id -u)" = 0 ] && id "$u" >/dev/null 2>&1; then
			chown "$u:" "$tmp/state"
			break
		fi
	done
	cfg=$tmp/big/relance.ini
	set -- $(measure "$runs" "$ctl" -c "$cfg" config check) || exit 1
	check_ms=$1 check_mib=$2
	set -- $(measure "$runs" "$ctl" -c "$cfg" plan restart app0/c0) ||
		exit 1
	plan_ms=$1 plan_mib=$2
fi

# ---- 2. the local targeted restart ---------------------------------------
# a/db with two dependents; the state is a file, so that a stop can be
# verified (a check of `true` would never see the component down).
s=$tmp/small
mkdir -p "$s/state"
{
	printf '[relance]\njournal = %s/journal.jsonl\nlock_dir = %s/locks\n' "$s" "$s"
	printf 'node = bench\n\n[host "local"]\ntransport = local\n\n'
	for c in db w1 w2; do
		printf '[component "a/%s"]\nhost = local\n' "$c"
		printf 'check = test -f %s/state/%s\n' "$s" "$c"
		printf 'start = touch %s/state/%s\n' "$s" "$c"
		printf 'stop = rm -f %s/state/%s\n' "$s" "$c"
		[ $c = db ] || printf 'requires = db\n'
		printf '\n'
	done
} >"$s/relance.ini"
chmod 600 "$s/relance.ini"
touch "$s/state/db" "$s/state/w1" "$s/state/w2"

# What relance runs for `restart a/db` (lib/run.c): per level, a pre-check,
# the action, a verification check, each round of a level's steps at once;
# `test` is a shell word, so checks go through /bin/sh -c; touch and rm
# are plain words, exec'd directly.
cat >"$s/direct.sh" <<EOF
#!/bin/sh
set -e
st=$s/state
chk() { /bin/sh -c "test -f \$st/\$1"; }
nochk() { ! /bin/sh -c "test -f \$st/\$1"; }
# level 1: stop w1 and w2 together (pre-check up, stop, check down)
chk w1 & a=\$!; chk w2 & b=\$!; wait \$a; wait \$b
rm -f \$st/w1 & a=\$!; rm -f \$st/w2 & b=\$!; wait \$a; wait \$b
nochk w1 & a=\$!; nochk w2 & b=\$!; wait \$a; wait \$b
# level 2: stop db
chk db; rm -f \$st/db; nochk db
# level 3: start db (pre-check down, start, check OK)
nochk db; touch \$st/db; chk db
# level 4: start w1 and w2 together
nochk w1 & a=\$!; nochk w2 & b=\$!; wait \$a; wait \$b
touch \$st/w1 & a=\$!; touch \$st/w2 & b=\$!; wait \$a; wait \$b
chk w1 & a=\$!; chk w2 & b=\$!; wait \$a; wait \$b
EOF
chmod +x "$s/direct.sh"
# both must leave every component up, or the next run measures another thing
"$ctl" -c "$s/relance.ini" restart a/db >"$tmp/out" 2>&1 ||
	{ echo "relancectl restart a/db failed:" >&2; cat "$tmp/out" >&2; exit 1; }
"$s/direct.sh" || { echo "direct.sh failed" >&2; exit 1; }
# The journal's 14 records for this restart are synced (fdatasync) 5 times,
# before each round of actions and at the plan's end (issue 17): the same restart with the journal and locks on tmpfs shows what that
# costs on the disk under $TMPDIR. The three are interleaved, run after
# run, so that a busy machine weighs on each alike.
cp "$s/relance.ini" "$s/shm.ini"
if [ -d /dev/shm ] && shm=$(mktemp -d /dev/shm/relance-bench.XXXXXX); then
	trap 'rm -rf "$tmp" "$shm"' EXIT
	sed "s|^journal = .*|journal = $shm/journal.jsonl|; s|^lock_dir = .*|lock_dir = $shm/locks|" \
		"$s/relance.ini" >"$s/shm.ini"
fi
chmod 600 "$s/shm.ini"
: >"$tmp/t.disk"; : >"$tmp/t.shm"; : >"$tmp/t.direct"
i=0
while [ $i -lt "$rruns" ]; do
	one_ms "$ctl" -c "$s/relance.ini" restart a/db >>"$tmp/t.disk" || exit 1
	one_ms "$ctl" -c "$s/shm.ini" restart a/db >>"$tmp/t.shm" || exit 1
	one_ms "$s/direct.sh" >>"$tmp/t.direct" || exit 1
	i=$((i + 1))
done
restart_ms=$(median <"$tmp/t.disk")
shm_ms=$(median <"$tmp/t.shm")
direct_ms=$(median <"$tmp/t.direct")
over_ms=$(awk -v a="$restart_ms" -v b="$direct_ms" 'BEGIN { printf "%.1f", a - b }')
shm_over=$(awk -v a="$shm_ms" -v b="$direct_ms" 'BEGIN { printf "%.1f", a - b }')

# ---- the table -------------------------------------------------------------
echo "relance core benchmarks ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg); medians; build $build)"
row "measure" "wall ms" "peak MiB" "target"
row "----------------------------------------------" "----------" "----------" "------------"
row "config check, 10,000 comp. / 1,000 hosts" "$check_ms" "$check_mib" "<=200ms 50MiB"
row "plan restart app0/c0, same config" "$plan_ms" "$plan_mib" "<=200ms 50MiB"
row "restart a/db (2 dependents), relancectl" "$restart_ms" "" ""
row "same 18 commands from a shell script" "$direct_ms" "" ""
row "relance's overhead on that restart" "$over_ms" "" "<=20ms"
row "restart a/db, journal on tmpfs" "$shm_ms" "" ""
row "overhead, journal on tmpfs" "$shm_over" "" "<=20ms"
echo "(config check and plan: $runs runs each; restart: $rruns runs each, interleaved;"
echo " journal and locks under $(dirname "$tmp"): $(df -PT "$tmp" | awk 'NR == 2 { print $2 }'))"
