# Sourced by the tests that run relancectl on local components
# (relancectl/comp.sh daemons in $T, which the test has made with run/ and
# locks/ in it): the configuration they share.
#
# write_config FILE JOURNAL
write_config() {
	cat >"$1" <<EOF
[relance]
journal  = $2
lock_dir = $T/locks
host_lock_dir = $T/hostlocks
node     = testnode
# these tests run the handler as root: the state is judged for root
core_user = root

[host "here"]
transport = local

EOF
	for c in demo/marketdata demo/cache demo/pricer demo/gateway \
		other/batch; do
		n=${c#*/}
		cat >>"$1" <<EOF
[component "$c"]
host          = here
check         = $T/comp.sh $T $n check
start         = $T/comp.sh $T $n start
stop          = $T/comp.sh $T $n stop
start_timeout = 120s
stop_timeout  = 120s
EOF
		case $n in
		cache) printf 'requires = demo/marketdata\ncheck_mode = plugin\n' >>"$1" ;;
		pricer) echo "requires = demo/marketdata demo/cache" >>"$1" ;;
		gateway) echo "requires = demo/pricer" >>"$1" ;;
		esac
		echo >>"$1"
	done
	chmod 600 "$1"
}
