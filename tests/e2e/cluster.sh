# tests/e2e/cluster.sh - several real Icinga 2 endpoints on loopback, each
# in its own temporary directory with its own certificate (one test CA),
# joined into zones: an HA zone of two endpoints, or a master and a
# satellite. Source after tests/e2e/core.sh (which stops them on exit:
# every directory started here is added to $E2E_ICINGA_DIRS, and
# icinga_api / icinga_state / icinga_cmd / icinga_stop work on it).
#
#   cluster_port DIR           a free loopback port for DIR's API, in
#                              DIR/api_port (call for every endpoint
#                              before writing any zone file)
#   cluster_pki NODE           a certificate for NODE (CN), signed by the
#                              CA of icinga_pki, made once and reused
#   cluster_start DIR NODE ZONEFILE CONF...
#                              writes DIR/etc/icinga2.conf (NodeName NODE,
#                              the zones and endpoints of ZONEFILE, the API
#                              accepting commands and config from its
#                              parent zone), includes CONF..., validates
#                              and starts the daemon (returns once it
#                              forked; call cluster_ready after)
#   cluster_ready DIR N        the API answers and N endpoints are connected
#   cluster_endpoint NAME DIR  the Endpoint object of NAME listening on
#                              DIR's port (for ZONEFILE)
#   todo STATUS DESCRIPTION REASON
#                              a TAP TODO line (a known gap: reported,
#                              not counted as a failure)
#   cluster_kill DIR           SIGKILL to DIR's icinga2: the process of
#                              DIR/run/icinga2.pid and its descendants

cluster_port() { # DIR
	mkdir -p "$1"
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])' > "$1/api_port"
}

_cluster_defines() { # DIR NODE
	echo "-DConfigDir=$1/etc -DDataDir=$1/data -DLogDir=$1/log" \
		"-DCacheDir=$1/cache -DSpoolDir=$1/spool -DInitRunDir=$1/run" \
		"-DZonesDir=$1/etc/zones.d -DRunAsUser=root -DRunAsGroup=root" \
		"-DNodeName=$2"
}

cluster_pki() { # NODE
	icinga_pki || return 1
	[ -s "$ICINGA_PKI/certs/$1.crt" ] && return 0
	(
		flock 9
		[ -s "$ICINGA_PKI/certs/$1.crt" ] && exit 0
		p=$ICINGA_PKI
		# shellcheck disable=SC2046
		icinga2 pki new-cert $(_cluster_defines "$p" "$1") --cn "$1" \
			--key "$p/certs/$1.key" --csr "$p/certs/$1.csr" &&
		icinga2 pki sign-csr $(_cluster_defines "$p" "$1") \
			--csr "$p/certs/$1.csr" --cert "$p/certs/$1.crt.tmp" &&
		mv "$p/certs/$1.crt.tmp" "$p/certs/$1.crt"
	) 9>"$ICINGA_PKI/.lock" > "$ICINGA_PKI/pki-$1.out" 2>&1 || {
		sed 's/^/#   /' "$ICINGA_PKI/pki-$1.out"; return 1; }
}

cluster_endpoint() { # NAME DIR
	printf 'object Endpoint "%s" { host = "127.0.0.1"; port = %s }\n' \
		"$1" "$(cat "$2/api_port")"
}

cluster_start() { # DIR NODE ZONEFILE CONF...
	_cd=$1 _cn=$2 _cz=$3
	shift 3
	cluster_pki "$_cn" || return 1
	mkdir -p "$_cd/etc/zones.d" "$_cd/data/certs" "$_cd/log" "$_cd/cache" \
		"$_cd/spool" "$_cd/run/cmd"
	cp "$ICINGA_PKI/certs/$_cn.crt" "$ICINGA_PKI/certs/$_cn.key" \
		"$ICINGA_PKI/certs/ca.crt" "$_cd/data/certs/"
	rm -f "$_cd/run/cmd/icinga2.cmd" "$_cd/run/icinga2.pid"
	{
		cat <<EOF
/* e2e: one endpoint of a cluster, nothing read from /etc/icinga2 */
include <itl>
/* as Debian's /etc/icinga2: PluginDir (constants.conf) and <plugins>
 * (the generated hosts' check_command ssh and dummy) */
const PluginDir = "/usr/lib/nagios/plugins"
include <plugins>
object FileLogger "main-log" {
	severity = "${CLUSTER_LOG:-information}"
	path = LogDir + "/icinga2.log"
}
object CheckerComponent "checker" { }
object NotificationComponent "notification" { }
object ExternalCommandListener "command" {
	command_path = InitRunDir + "/cmd/icinga2.cmd"
}
object ApiListener "api" {
	bind_host = "127.0.0.1"
	bind_port = $(cat "$_cd/api_port")
	accept_commands = true
	accept_config = true
}
object ApiUser "e2e" {
	password = "e2e-secret"
	permissions = [ "*" ]
}
EOF
		cat "$_cz"
		for f in "$@"; do printf 'include "%s"\n' "$f"; done
	} > "$_cd/etc/icinga2.conf"
	# shellcheck disable=SC2046
	if ! icinga2 daemon -C -c "$_cd/etc/icinga2.conf" $(_cluster_defines "$_cd" "$_cn") \
		> "$_cd/verify.out" 2>&1; then
		grep -iE 'critical|error' "$_cd/verify.out" | sed 's/^/#   /' | head -20
		return 1
	fi
	# shellcheck disable=SC2046
	icinga2 daemon -d -e "$_cd/log/icinga2.err" -c "$_cd/etc/icinga2.conf" \
		$(_cluster_defines "$_cd" "$_cn") > "$_cd/log/stdout.log" 2>&1 || {
		sed 's/^/#   /' "$_cd/log/stdout.log" "$_cd/log/icinga2.err"; return 1; }
}

cluster_ready() { # DIR N
	_icinga_ready "$1" && [ "$(icinga_api "$1" GET /v1/status/ApiListener |
		jq -r '.results[0].status.api.num_conn_endpoints')" = "$2" ]
}

# the pid P and its descendants
_cluster_tree() { # P
	echo "$1"
	for _tc in $(ps -o pid= --ppid "$1"); do _cluster_tree "$_tc"; done
}

cluster_kill() { # DIR
	_kp=$(icinga_pid "$1") || return 0
	# the tree first, then the kill: a killed parent's children move
	# shellcheck disable=SC2046
	kill -KILL $(_cluster_tree "$_kp") 2>/dev/null
}

todo() {
	_t_n=$((_t_n + 1))
	[ "$1" = 0 ] && echo "ok $_t_n - $2 # TODO $3" || echo "not ok $_t_n - $2 # TODO $3"
}
