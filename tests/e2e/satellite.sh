# tests/e2e/satellite.sh - the set-up of test_icinga_satellite.sh and
# bench/icinga_ha.sh: a master (master1.localhost, zone "master", $M) and a
# satellite (sat1.localhost, zone "sat", its child, $S), each a real
# Icinga 2 in its own temp dir; relance configured on the satellite only
# ($S/relance.ini, host h1 in zone sat, journal $J), writing back through
# the Icinga 2 API, the master's first and the satellite's second
# ([icinga_api] url $MURL $SURL, ApiUser relance, the test CA: the nodes
# are named *.localhost, which curl resolves to loopback itself, so that
# the certificates match the URLs); `relancectl generate icinga2 -o`'s
# files in the master's zones.d (relance-common.conf, the ApiUser too, in
# the global zone global-templates, the applications in sat), synced to
# the satellite; both running, connected, the application OK HARD on
# both, the master's event handlers off. Helpers: st_on / up_on DIR SVC,
# jn COND.
. "$top_srcdir/tests/e2e/cluster_env.sh"

M=$E2E_ROOT/master S=$E2E_ROOT/sat
cluster_port "$M"
cluster_port "$S"
ZONES=$E2E_ROOT/zones.conf
{
	echo 'object Endpoint "master1.localhost" { }'
	echo 'object Zone "master" { endpoints = [ "master1.localhost" ] }'
	# the satellite connects to its parent
	echo 'object Endpoint "sat1.localhost" { }'
	echo 'object Zone "sat" { parent = "master"; endpoints = [ "sat1.localhost" ] }'
	echo 'object Zone "global-templates" { global = true }'
} > "$ZONES"
{
	cluster_endpoint master1.localhost "$M"
	echo 'object Zone "master" { endpoints = [ "master1.localhost" ] }'
	echo 'object Endpoint "sat1.localhost" { }'
	echo 'object Zone "sat" { parent = "master"; endpoints = [ "sat1.localhost" ] }'
	echo 'object Zone "global-templates" { global = true }'
} > "$ZONES.sat"

# the write-back: the master's API first (what is written there is synced
# down to the satellite's zone), the satellite's own when the master
# cannot be reached; the ApiUser relance, generated below, on both
MURL=https://master1.localhost:$(cat "$M/api_port")
SURL=https://sat1.localhost:$(cat "$S/api_port")
PW=$E2E_ROOT/icinga-api.password
head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$PW"
chmod 600 "$PW"
# where only Icinga 2 reads it, on both nodes (README)
printf 'const RelanceApiPassword = "%s"\n' "$(cat "$PW")" > "$E2E_ROOT/secret.conf"
chmod 600 "$E2E_ROOT/secret.conf"
cluster_pki master1.localhost && cluster_pki sat1.localhost
ok $? "certificates for master1.localhost and sat1.localhost (the test CA)"
app_config "$S/relance.ini" sat1.localhost "$S/state"
sed -i 's/^\[host "h1"\]$/[host "h1"]\nzone = sat/' "$S/relance.ini"
printf '[icinga_api]\nurl = %s %s\nuser = relance\npassword_file = %s\nca_file = %s\n' \
	"$MURL" "$SURL" "$PW" "$ICINGA_PKI/certs/ca.crt" >> "$S/relance.ini"
echo 3600 > "$APP_DIR/run/brief.life"
for a in "$APP" "${APP}b"; do
	"$ctl" --config "$S/relance.ini" start "$a" > "$E2E_ROOT/start.out" 2>&1
	ok $? "relancectl starts $a over ssh" || sed 's/^/#   /' "$E2E_ROOT/start.out"
done
# the layout of a real setup: `generate -o DIR` writes the commands and
# templates (relance-common.conf) apart from each application's services
# (relance-app-APP.conf); the common file goes to a global zone, so every
# satellite has the commands, the application to its satellite's zone,
# beside the admin's own host object
G=$E2E_ROOT/gen
mkdir -p "$G" "$M/etc/zones.d/sat" "$M/etc/zones.d/global-templates"
chmod 755 "$G"
"$ctl" --config "$S/relance.ini" generate icinga2 -o "$G" --with-commands \
	--plugin-dir "$top_builddir/plugins" --handler "$hc" > "$E2E_ROOT/gen.out" 2>&1
ok $? "relancectl generate icinga2 -o DIR from the satellite's config" ||
	sed 's/^/#   /' "$E2E_ROOT/gen.out"
sed -e 's/^\tcheck_interval = 1m$/\tcheck_interval = 1s/' \
	-e 's/^\tretry_interval = 15s$/\tretry_interval = 500ms/' "$G/relance-common.conf" \
	> "$M/etc/zones.d/global-templates/relance-common.conf"
for a in "$APP" "${APP}b"; do cp "$G/relance-app-$a.conf" "$M/etc/zones.d/sat/"; done
printf 'object Host "h1" {\n\tcheck_command = "dummy"\n\taddress = "127.0.0.1"\n}\n' \
	> "$M/etc/zones.d/sat/hosts.conf"
grep -q '^	zone = "sat"$' "$G/relance-app-$APP.conf"
ok $? "the generated services name the zone sat"
grep -q '^object ApiUser "relance"' "$G/relance-common.conf"
ok $? "the ApiUser is in the common file (the global zone: the master and the satellite have it)"
! grep -q 'zone' "$G/relance-common.conf"
ok $? "the common file names no zone (it can go to a global zone)"

t0=$(now_ms)
cluster_start "$M" master1.localhost "$ZONES" "$E2E_ROOT/secret.conf" > "$E2E_ROOT/m.start" 2>&1 &
cluster_start "$S" sat1.localhost "$ZONES.sat" "$E2E_ROOT/secret.conf" > "$E2E_ROOT/s.start" 2>&1 &
wait
E2E_ICINGA_DIRS="$E2E_ICINGA_DIRS $M $S"
sed 's/^/#   /' "$E2E_ROOT/m.start" "$E2E_ROOT/s.start"
wait_for 120 cluster_ready "$M" 1 && wait_for 120 cluster_ready "$S" 1
st=$?
ok $st "master and satellite up and connected ($(( $(now_ms) - t0 )) ms)"
[ $st = 0 ] || { done_testing; exit 1; }

st_on() { icinga_state "$1" h1 "$2"; }
up_on() {
	[ "$(st_on "$1" "$2")" = "OK HARD" ] &&
		case $(icinga_field "$1" h1 "$2" last_check_result.output) in
		"COMPONENT OK"* | relance:*) return 0 ;; *) return 1 ;; esac
}
all_up() { for c in $APP_NAMES; do up_on "$M" "$APP/$c" && up_on "$S" "$APP/$c" || return 1; done; }
wait_for 120 all_up
ok $? "the satellite got the objects by config sync, checks them, the master shows OK HARD ($WAITED_MS ms)"
is "$(icinga_field "$M" h1 "$APP/gateway" last_check_result.check_source)" sat1.localhost \
	"the check ran on the satellite"
J=$S/state/journal.jsonl
jn() { jq -c "select($1)" "$J" 2>/dev/null | wc -l; }

# The master has the objects too, and calls their event handler on each
# state change it learns of from the satellite (Icinga 2 2.13 does). In a
# real setup the master cannot or must not heal: its event handlers are
# switched off (README, Distributed Icinga 2); here, through its API.
icinga_api "$M" POST /v1/objects/icingaapplications/app \
	'{"attrs": {"enable_event_handlers": false}}' > /dev/null
wait_for 120 eval '[ "$(icinga_api "$M" GET /v1/status/IcingaApplication |
	jq -r ".results[0].status.icingaapplication.app.enable_event_handlers")" = false ]'
ok $? "the master's event handlers are off"
