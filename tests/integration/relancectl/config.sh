# Sourced by the tests that run relance on local components, in $T (which
# the test has made with run/ and locks/ in it): the configurations they
# share. write_config: relancectl/comp.sh daemons; fx_config (below): the
# demo's conf/demo/daemon; gated_install and gated_component (at the end):
# relancectl/gated.sh.
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

# fx_config FILE RELANCE-LINES COMPONENT-LINES SPEC...: the application fx
# of conf/demo/daemon components run here, their pid files and logs in
# $T/run (test_handler.sh, test_graph_heal.sh): [relance] with journal
# $T/journal.jsonl, lock_dir $T/locks, host_lock_dir $T/hostlocks, node
# testnode, then RELANCE-LINES; host "here" (transport local); for each
# SPEC "NAME [REQUIRED...]" a component fx/NAME on it whose check, start
# and stop are the daemon's, then COMPONENT-LINES and, when the test
# defines fx_extra, what `fx_extra NAME` prints. Mode 600.
fx_config() {
	_fx_f=$1 _fx_rl=$2 _fx_cl=$3
	shift 3
	_fx_d=$top_srcdir/conf/demo/daemon
	{
		printf '[relance]\njournal = %s/journal.jsonl\n' "$T"
		printf 'lock_dir = %s/locks\nhost_lock_dir = %s/hostlocks\n' "$T" "$T"
		printf 'node = testnode\n%s\n' "$_fx_rl"
		printf '[host "here"]\ntransport = local\n\n'
		for _fx_s in "$@"; do
			_fx_n=${_fx_s%% *}
			_fx_r=${_fx_s#"$_fx_n"}
			_fx_r=${_fx_r# }
			printf '[component "fx/%s"]\nhost = here\n' "$_fx_n"
			[ -n "$_fx_r" ] && printf 'requires = %s\n' "$_fx_r"
			for _fx_a in check start stop; do
				_fx_v=$_fx_a
				[ $_fx_a = check ] && _fx_v=status
				printf '%s = %s %s %s %s %s\n' "$_fx_a" "$_fx_d" \
					"$_fx_v" "$_fx_n" "$T/run" "$_fx_r"
			done
			printf '%s\n' "$_fx_cl"
			command -v fx_extra >/dev/null && fx_extra "$_fx_n"
			echo
		done
	} >"$_fx_f"
	chmod 600 "$_fx_f"
}

# gated_install DIR: DIR/comp.sh, a copy of relancectl/gated.sh
# (test_faults.sh, test_guard.sh)
gated_install() {
	cp "$top_srcdir/tests/integration/relancectl/gated.sh" "$1/comp.sh" &&
		chmod 755 "$1/comp.sh" || exit 1
}

# gated_component NAME HOST DIR: the first lines of the section of
# component NAME on HOST, whose check, start and stop are DIR/comp.sh
# (gated_install); the caller writes the component's other keys after them
gated_component() {
	printf '[component "%s"]\nhost          = %s\n' "$1" "$2"
	for _ga in check start stop; do
		printf '%-13s = %s/comp.sh %s %s\n' "$_ga" "$3" "$3" "$_ga"
	done
}
