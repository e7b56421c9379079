# tests/e2e/ha.sh - the set-up of the HA zone tests (test_icinga_ha.sh,
# test_icinga_failover.sh): a loopback sshd (host h1), the application
# $APP of tests/e2e/app.sh running, and two real Icinga 2 endpoints ha1
# and ha2 in one zone "master", started at once, each in $E2E_ROOT/NODE
# with its own relance config (NODE/relance.ini: relance node NODE, its
# journal NODE/state/journal.jsonl, its command pipe) and the objects
# `relancectl generate icinga2` wrote for it (checks every 1 s, retries
# every 500 ms). Before sourcing, a test may define ha_extra_config FILE:
# called after app_config, to add sections to each node's config; and set
# HA_RELANCE_KEYS: KEY=VALUE words for each node's [relance] section.
# Helpers: st_on / up_on NODE SVC, all_up, source_of SVC (the endpoint
# that ran its last check), jall COND (both journals together, oldest
# first), jn COND (how many).
. "$top_srcdir/tests/e2e/cluster_env.sh"

NODES="ha1 ha2"
for n in $NODES; do
	mkdir -p "$E2E_ROOT/$n/objs"
	cluster_port "$E2E_ROOT/$n"
done
ZONES=$E2E_ROOT/zones.conf
{
	cluster_endpoint ha1 "$E2E_ROOT/ha1"
	# ha2 connects to ha1 (one direction is enough)
	echo 'object Endpoint "ha2" { }'
	echo 'object Zone "master" { endpoints = [ "ha1", "ha2" ] }'
} > "$ZONES"

for nd in $NODES; do
	D=$E2E_ROOT/$nd
	# shellcheck disable=SC2086 # KEY=VALUE words, no spaces
	app_config "$D/relance.ini" "$nd" "$D/state" \
		"command_file=$D/run/cmd/icinga2.cmd" ${HA_RELANCE_KEYS:-}
	command -v ha_extra_config >/dev/null && ha_extra_config "$D/relance.ini"
	"$ctl" --config "$D/relance.ini" generate icinga2 --define-hosts --with-commands \
		--plugin-dir "$top_builddir/plugins" --handler "$hc" > "$D/objs/relance.conf"
	ok $? "$nd: relancectl generate icinga2 --config $nd's relance.ini"
	sed -i -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
		-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$D/objs/relance.conf"
done
# the application runs before the cores start (its brief component too,
# living long: it is not used here)
echo 3600 > "$APP_DIR/run/brief.life"
for a in "$APP" "${APP}b"; do
	"$ctl" --config "$E2E_ROOT/ha1/relance.ini" start "$a" > "$E2E_ROOT/start.out" 2>&1
	ok $? "relancectl starts $a over ssh" || sed 's/^/#   /' "$E2E_ROOT/start.out"
done

# both endpoints started at once
t0=$(now_ms)
for n in $NODES; do
	cluster_start "$E2E_ROOT/$n" "$n" "$ZONES" "$E2E_ROOT/$n/objs/relance.conf" \
		> "$E2E_ROOT/$n.start" 2>&1 &
done
wait
for n in $NODES; do
	E2E_ICINGA_DIRS="$E2E_ICINGA_DIRS $E2E_ROOT/$n"
	sed 's/^/#   /' "$E2E_ROOT/$n.start"
done
st=0
for n in $NODES; do
	wait_for 120 cluster_ready "$E2E_ROOT/$n" 1 || st=1
done
ok $st "ha1 and ha2 up and connected to each other ($(( $(now_ms) - t0 )) ms)"
[ $st = 0 ] || { done_testing; exit 1; }

# state as each endpoint sees it
st_on() { icinga_state "$E2E_ROOT/$1" h1 "$2"; }
up_on() { # NODE SVC: OK HARD after a real check
	[ "$(st_on "$1" "$2")" = "OK HARD" ] &&
		case $(icinga_field "$E2E_ROOT/$1" h1 "$2" last_check_result.output) in
		"COMPONENT OK"* | relance:*) return 0 ;; *) return 1 ;; esac
}
all_up() {
	for n in $NODES; do for c in $APP_NAMES; do
		up_on "$n" "$APP/$c" || return 1
	done; done
}
# the endpoint that ran the last check of SVC (as ha1 knows it)
source_of() { icinga_field "$E2E_ROOT/ha1" h1 "$1" last_check_result.check_source; }
all_sourced() {
	for c in $APP_NAMES; do
		case $(source_of "$APP/$c") in ha1 | ha2) ;; *) return 1 ;; esac
	done
}

wait_for 120 all_up
ok $? "both endpoints: the five components OK HARD after a real check ($WAITED_MS ms)"
wait_for 120 all_sourced
ok $? "every component's check ran on ha1 or ha2"
split=
for c in $APP_NAMES; do split="$split $c@$(source_of "$APP/$c")"; done
diag "checks balanced by Icinga 2:$split"

# both journals together, oldest first: jall COND
jall() {
	cat "$E2E_ROOT"/ha1/state/journal.jsonl "$E2E_ROOT"/ha2/state/journal.jsonl 2>/dev/null |
		jq -sc "sort_by(.ts)[] | select($1)"
}
jn() { jall "$1" | wc -l; }
