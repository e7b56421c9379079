#!/bin/sh
# A component for test_state_owner.sh:
# comp.sh DIR NAME start|stop|restart|check
# relancectl/comp.sh (copied beside this file as base.sh) does the work:
# a `sleep` daemon with its pid in DIR/run/NAME.pid. Besides, the start
# writes who ran it to DIR/run/NAME.user, and DIR/run/sick-NAME makes the
# check fail while the daemon runs (the stop and the restart remove it),
# so that the event handler has something to restart: its restart
# command stops the daemon that runs, whoever started it.
d=$1
n=$2
base=$(dirname "$0")/base.sh
case $3 in
start)
	id -un >"$d/run/$n.user"
	exec "$base" "$d" "$n" start
	;;
stop)
	rm -f "$d/run/sick-$n"
	exec "$base" "$d" "$n" stop
	;;
restart)
	rm -f "$d/run/sick-$n"
	"$base" "$d" "$n" stop && exec "$0" "$d" "$n" start
	;;
check)
	[ -f "$d/run/sick-$n" ] && { echo "$n sick"; exit 2; }
	exec "$base" "$d" "$n" check
	;;
*)
	echo "usage: comp.sh DIR NAME start|stop|restart|check" >&2
	exit 3
	;;
esac
