#!/bin/sh
# A component for the relancectl tests: comp.sh DIR NAME start|stop|check
# The daemon is a `sleep` in its own session, stdio on /dev/null, its pid in
# DIR/run/NAME.pid. DIR/fail-NAME makes start fail; DIR/slow-NAME makes
# start first create DIR/starting-NAME and wait (up to 120 s) until the
# test removes DIR/slow-NAME, so that a test can act while a start runs
# whatever the machine's load.
d=$1
n=$2
pidf=$d/run/$n.pid
# A killed daemon may stay a zombie when nobody reaps orphans (pid 1 in
# some containers): only a live process counts.
running() {
	[ -f "$pidf" ] || return 1
	s=$(ps -o stat= -p "$(cat "$pidf")" 2>/dev/null) || return 1
	case $s in Z*|"") return 1 ;; esac
}
case $3 in
start)
	if [ -f "$d/slow-$n" ]; then
		: >"$d/starting-$n"
		i=0
		while [ -f "$d/slow-$n" ] && [ $i -lt 2400 ]; do
			sleep 0.05
			i=$((i + 1))
		done
	fi
	if [ -f "$d/fail-$n" ]; then
		echo "$n: cannot start (fail-$n is set)" >&2
		exit 1
	fi
	running && exit 0
	setsid sleep 86399 </dev/null >/dev/null 2>&1 &
	echo $! >"$pidf"
	;;
stop)
	running && kill "$(cat "$pidf")"
	rm -f "$pidf"
	;;
check)
	if running; then
		echo "$n running (pid $(cat "$pidf"))"
		echo "long output line for $n"
		exit 0
	fi
	echo "$n not running"
	exit 2
	;;
*)
	echo "usage: comp.sh DIR NAME start|stop|check" >&2
	exit 3
	;;
esac
