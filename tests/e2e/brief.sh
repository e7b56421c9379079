#!/bin/sh
# brief.sh - a component that dies LIFE seconds after each start (e2e case
# c: relance must give up after its restart_limit).
#   brief.sh start|status|stop NAME RUNDIR LIFE
# start launches a detached `sleep LIFE` (its pid in RUNDIR/NAME.pid) and
# appends a line to RUNDIR/NAME.starts; RUNDIR/NAME.life, when it exists,
# holds LIFE instead (so a test can change it between starts), and while
# RUNDIR/NAME.gate exists start waits (up to 120 s) before it launches
# anything, so a test decides when a start ends; status: exit 0 while it
# lives, else 2; stop kills it.
set -u
[ $# -ge 3 ] || { echo "usage: brief.sh start|status|stop NAME RUNDIR [LIFE]" >&2; exit 3; }
pidf=$3/$2.pid
alive() {
	[ -f "$pidf" ] || return 1
	s=$(sed 's/^.*) //' "/proc/$(cat "$pidf")/stat" 2>/dev/null | cut -d' ' -f1)
	[ -n "$s" ] && [ "$s" != Z ]
}
case $1 in
start)
	alive && { echo "$2 is already running"; exit 0; }
	i=0
	while [ -e "$3/$2.gate" ] && [ $i -lt 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	life=${4:-1}
	[ -f "$3/$2.life" ] && life=$(cat "$3/$2.life")
	setsid sleep "$life" </dev/null >/dev/null 2>&1 &
	echo $! >"$pidf"
	date +%s.%N >>"$3/$2.starts"
	echo "$2 started (pid $!), lives $life s"
	;;
status)
	alive && { echo "$2 is running (pid $(cat "$pidf"))"; exit 0; }
	echo "$2 is not running"
	exit 2
	;;
stop)
	alive && kill "$(cat "$pidf")"
	rm -f "$pidf"
	echo "$2 stopped"
	;;
*) exit 3 ;;
esac
