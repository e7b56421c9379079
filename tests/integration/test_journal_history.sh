#!/bin/sh
# The journal over time (issues 13, 15, 18), with relancectl on components
# that are files (start: touch, stop: rm, check: test -f):
#  - rotation by size: many records with a tiny journal_max_size, several
#    relancectl appending at once while it rotates, history across the
#    rotated files, a torn tail in a rotated file;
#  - the config hash on every record, "config changed" in history, the
#    copies kept (bounded) and `config diff`;
#  - `history --journal A --journal B`: two nodes' journals merged by time.
. "$top_srcdir/tests/lib.sh"

ctl="$top_builddir/ctl/relancectl"
[ -x "$ctl" ] || skip_all "relancectl not built"
command -v python3 >/dev/null || skip_all "python3 needed to read JSON"
command -v diff >/dev/null || skip_all "diff needed for config diff"

T=$(mktemp -d "${TMPDIR:-/tmp}/rl-journal.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
[ -n "$RELANCE_TEST_KEEP" ] && trap - EXIT
trap 'exit 1' INT TERM
unset RELANCE_CONFIG NO_COLOR
mkdir "$T/j1" "$T/j2" "$T/up"

# write_config FILE NODE JOURNAL_DIR [EXTRA [RELANCE KEYS]]
write_config() {
	{
		printf '[relance]\njournal = %s/journal.jsonl\n' "$3"
		printf 'lock_dir = %s/locks\nhost_lock_dir = %s/hostlocks\n' "$T" "$T"
		printf 'node = %s\n%s\n' "$2" "${5:-}"
		printf '[host "here"]\ntransport = local\n\n'
		for n in 1 2 3 4 5 6; do
			printf '[component "app/c%s"]\nhost = here\n' "$n"
			printf 'check = test -f %s/up/c%s\n' "$T" "$n"
			printf 'start = touch %s/up/c%s\n' "$T" "$n"
			printf 'stop = rm -f %s/up/c%s\n\n' "$T" "$n"
		done
		printf '%s\n' "${4:-}"
	} >"$1"
	chmod 600 "$1"
}
rc() { out=$("$ctl" "$@" 2>&1); st=$?; }
# records FILE...: how many lines are records, and whether all parse
records() { python3 -c '
import json, sys
n = 0
for p in sys.argv[1:]:
    for l in open(p):
        json.loads(l); n += 1
print(n)' "$@"; }

# --- rotation ----------------------------------------------------------------
cfg=$T/r.ini
write_config "$cfg" n1 "$T/j1" "" "journal_max_size = 2K
journal_keep = 200"
i=0
while [ $i -lt 15 ]; do
	"$ctl" -c "$cfg" restart app/c1 >/dev/null 2>&1 || break
	i=$((i + 1))
done
is "$i" 15 "15 restarts"
ls "$T/j1"/journal.jsonl.* >/dev/null 2>&1
ok $? "the journal was rotated"
nfiles=$(ls "$T/j1"/journal.jsonl* | wc -l)
[ "$nfiles" -gt 5 ]; ok $? "into several files ($nfiles)"
big=$(find "$T/j1" -name 'journal.jsonl*' -size +4k | wc -l)
is "$big" 0 "no file far beyond journal_max_size"
first_run=$(head -n 1 "$T/j1/journal.jsonl.$((nfiles - 1))" |
	python3 -c 'import json,sys; print(json.loads(sys.stdin.readline())["run"])')
[ -n "$first_run" ]; ok $? "the oldest file holds the first run"
rc -c "$cfg" --json history --all
is "$st" 0 "history across rotated files: exit 0"
is "$(printf '%s\n' "$out" | wc -l)" "$(records "$T/j1"/journal.jsonl*)" \
	"history --all shows every record of every file"
like "$(printf '%s\n' "$out" | head -n 1)" "\"run\":\"$first_run\"" \
	"history starts with the oldest file"
rc -c "$cfg" history app/c1
is "$(printf '%s\n' "$out" | grep -c 'plan restart .* ok ')" 15 \
	"history shows the 15 restarts, across files"

# several relancectl at once while the journal rotates: nothing lost
pids=
for n in 2 3 4 5 6; do
	(k=0; while [ $k -lt 6 ]; do
		"$ctl" -c "$cfg" restart "app/c$n" >/dev/null 2>&1 || exit 1
		k=$((k + 1))
	done) &
	pids="$pids $!"
done
failed=0
for p in $pids; do wait "$p" || failed=$((failed + 1)); done
is "$failed" 0 "5 relancectl restarting at once, 6 times each"
python3 - "$T/j1" <<'EOF'
import glob, json, sys
runs = {}
for p in glob.glob(sys.argv[1] + "/journal.jsonl*"):
    text = open(p).read()
    if text and not text.endswith("\n"):
        print("# " + p + ": torn")
        sys.exit(1)
    for l in text.splitlines():
        r = json.loads(l)
        if r.get("event") == "plan":
            runs.setdefault(r["run"], []).append(r["phase"])
ends = [r for r, ph in runs.items() if sorted(ph) == ["begin", "end"]]
if len(ends) != 45 or len(runs) != 45:
    print("# %d runs, %d with one begin and one end" % (len(runs), len(ends)))
    sys.exit(1)
EOF
ok $? "every run's plan begin and end are there, once, in whole files"
rc -c "$cfg" history
is "$(printf '%s\n' "$out" | grep -c 'plan restart .* ok ')" 45 \
	"history shows all 45 restarts"
rc -c "$cfg" history --since 1h
is "$(printf '%s\n' "$out" | grep -c 'plan restart .* ok ')" 45 \
	"history --since reads into the rotated files"
rc -c "$cfg" history --limit 100
is "$(printf '%s\n' "$out" | wc -l)" 101 "history --limit 100: the newest 100, across files"

# a torn last line in a rotated file (a crash): skipped, not an error
printf '{"time":"2026-' >>"$T/j1/journal.jsonl.3"
rc -c "$cfg" history
is "$st" 0 "a torn tail in a rotated file: history exit 0"
is "$(printf '%s\n' "$out" | grep -c 'plan restart .* ok ')" 45 \
	"a torn tail in a rotated file: the records around it are shown"
# a bad line in the middle of one is an error naming the file and line
sed -i '1s/.*/not a record/' "$T/j1/journal.jsonl.4"
rc -c "$cfg" history
is "$st" 6 "a bad line inside a rotated file: exit 6"
like "$out" "journal.jsonl.4:1: not a journal record" "and it is named"
sed -i '1d' "$T/j1/journal.jsonl.4"

# keep: the oldest files go
write_config "$cfg" n1 "$T/j1" "" "journal_max_size = 2K
journal_keep = 3"
"$ctl" -c "$cfg" restart app/c1 >/dev/null 2>&1
is "$(ls "$T/j1"/journal.jsonl.* | wc -l)" 3 "journal_keep = 3: three rotated files left"

# --- the config hash ---------------------------------------------------------
hash_of() { "$ctl" -c "$1" --json config check |
	python3 -c 'import json,sys; print(json.load(sys.stdin)["config"])'; }
h1=$(hash_of "$cfg")
"$ctl" -c "$cfg" --json history --all >"$T/all.jsonl"
python3 - "$T/j1" "$h1" "$T/all.jsonl" <<'EOF'
import glob, json, sys
bad = n = 0
for p in glob.glob(sys.argv[1] + "/journal.jsonl*"):
    for l in open(p):
        if l.endswith("\n"):
            n += 1
            bad += len(json.loads(l).get("config", "")) != 64
last = json.loads(open(sys.argv[3]).readlines()[-1])
sys.exit(0 if n > 0 and bad == 0 and last["config"] == sys.argv[2] else 1)
EOF
ok $? "every record carries a config hash, the last one that of the config"
"$ctl" -c "$cfg" hold app/c2 --reason "maintenance" >/dev/null 2>&1 &&
	"$ctl" -c "$cfg" release app/c2 >/dev/null 2>&1
ok $? "hold and release"
"$ctl" -c "$cfg" --json history --all >"$T/all.jsonl"
is "$(grep -c "\"event\":\"hold\".*\"config\":\"$h1\"" "$T/all.jsonl")" 2 \
	"the hold set and cleared records carry it"
plan=$(grep '"event":"plan","phase":"begin"' "$T/all.jsonl" | tail -n 1)
like "$plan" '"command":"1. stop app/c1: rm -f [^"]*/up/c1\\n2. start app/c1: touch [^"]*/up/c1"' \
	"the plan's record carries the commands it runs"

# change the config: a comment, then a command
write_config "$cfg" n1 "$T/j1" "# changed by the test" "journal_max_size = 2K
journal_keep = 3
config_keep = 2"
h2=$(hash_of "$cfg")
[ "$h1" != "$h2" ]; ok $? "a comment changes the hash"
"$ctl" -c "$cfg" restart app/c1 >/dev/null 2>&1
rc -c "$cfg" history app/c1 --limit 6
s1=$(printf %.8s "$h1")
s2=$(printf %.8s "$h2")
like "$out" "^config changed: $s1 -> $s2$" "history says where the config changed"
like "$out" "^TIME +NODE +USER +ACTION +COMPONENT +RESULT +DURATION +CONFIG +MESSAGE" \
	"history has a CONFIG column"
like "$out" "plan restart +app/c1 +ok +[0-9.]+m?s +$s2 " "with the short hash"
ls "$T/j1/configs/$h1" "$T/j1/configs/$h2" >/dev/null
ok $? "both configs are kept beside the journal"
rc -c "$cfg" config diff
is "$st" 0 "config diff: exit 0"
like "$out" "^--- config $s1$" "config diff: the old one"
like "$out" "^\+\+\+ config $s2 \(loaded now\)$" "config diff: the one loaded now"
like "$out" "^\+# changed by the test$" "config diff: the line added"
like "$out" "^\+config_keep = 2$" "config diff: the key added"
rc -c "$cfg" config diff "$(printf %.6s "$h2")" "$s1"
like "$out" "^-# changed by the test$" "config diff HASH1 HASH2: by prefixes, either way"
rc -c "$cfg" config diff "$s2"
like "$out" "^config $s2 and $s2 are the same$" "config diff of the same config says so"
rc -c "$cfg" config diff 0000ffff
is "$st" 3 "config diff of an unknown hash: exit 3"
like "$out" "^relancectl: no config copy '0000ffff' in '$T/j1/configs'$" \
	"config diff of an unknown hash: says where it looked"
rc -c "$cfg" config diff xyz
is "$st" 3 "config diff of a bad hash: exit 3"
rc -c "$cfg" config diff a b c
is "$st" 3 "config diff with three hashes: exit 3"
# a third config: config_keep = 2 keeps two copies
sed -i 's|^start = touch \(.*\)/up/c1$|start = touch \1/up/c1 \1/up/c1.again|' "$cfg"
h3=$(hash_of "$cfg")
"$ctl" -c "$cfg" restart app/c1 >/dev/null 2>&1
is "$(ls "$T/j1/configs" | wc -l)" 2 "config_keep = 2: two copies kept"
[ ! -e "$T/j1/configs/$h1" ]; ok $? "the oldest went"
rc -c "$cfg" config diff
like "$out" "^\+start = touch .*/up/c1 .*/up/c1.again$" \
	"config diff shows a changed command"

# --- two nodes' journals merged ---------------------------------------------
c1=$T/n1.ini c2=$T/n2.ini
write_config "$c1" node-a "$T/j2/a"
write_config "$c2" node-b "$T/j2/b" "# node b"
mkdir "$T/j2/a" "$T/j2/b"
for c in "$c1" "$c2" "$c1" "$c2"; do
	"$ctl" -c "$c" restart app/c1 >/dev/null 2>&1 || echo "restart failed"
done
rc history --journal "$T/j2/a/journal.jsonl" --journal "$T/j2/b/journal.jsonl"
is "$st" 0 "history --journal A --journal B (no config): exit 0"
is "$(printf '%s\n' "$out" | grep 'plan restart .* ok ' | awk '{print $3}' | tr '\n' ' ')" \
	"node-a node-b node-a node-b " "the two nodes' restarts, merged by time"
sa=$(printf %.8s "$(hash_of "$c1")")
sb=$(printf %.8s "$(hash_of "$c2")")
unlike "$out" "config changed" "each node's own config: no change said"
rc --json history --journal "$T/j2/b/journal.jsonl" --journal "$T/j2/a/journal.jsonl" --limit 5
is "$(printf '%s\n' "$out" | python3 -c '
import json, sys
print(" ".join(json.loads(l)["node"] for l in sys.stdin))')" \
	"node-a node-b node-b node-b node-b" "--json --limit 5: the newest five of both, by time"
# node-a changes its config: said for node-a only
write_config "$c1" node-a "$T/j2/a" "# a changed"
"$ctl" -c "$c1" restart app/c1 >/dev/null 2>&1
sa2=$(printf %.8s "$(hash_of "$c1")")
rc history --journal "$T/j2/a/journal.jsonl" --journal "$T/j2/b/journal.jsonl"
like "$out" "^config changed on node-a: $sa -> $sa2$" "a change is said with its node"
is "$(printf '%s\n' "$out" | grep -c 'config changed')" 1 "once"
[ "$sb" != "$sa" ]; ok $? "the nodes' configs differ"
rc -c "$c2" config diff
is "$st" 1 "config diff with one config kept: exit 1"
like "$out" "^relancectl: no other config kept beside '$T/j2/b/journal.jsonl' to compare with$" \
	"config diff with one config kept: says so"
rc history --journal "$T/j2/none.jsonl"
is "$st" 0 "a missing journal reads as empty"
like "$out" "no record in" "and says so"

done_testing
