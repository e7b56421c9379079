#!/bin/sh
# gated.sh DIR start|stop|check: a component that is a `sleep` in its own
# session, its pid in DIR/svc.pid, whose start and stop a test can hold:
# every start and stop writes "begin PID ACTION" / "end PID ACTION" to
# DIR/svc.log and "PID PPID" to DIR/ACTION.pid, then a start waits while
# DIR/gate exists and a stop while DIR/gate.stop does (each up to 60 s).
# Used by test_guard.sh (two nodes, one component) and test_faults.sh
# (signals).
d=$1
running() { # (a pid reused by another process is not ours: the args too)
	[ -f "$d/svc.pid" ] || return 1
	s=$(ps -o stat=,args= -p "$(cat "$d/svc.pid")" 2>/dev/null) || return 1
	case $s in Z*|"") return 1 ;; *" sleep 3600") return 0 ;; *) return 1 ;; esac
}
gate() { # ACTION GATE-FILE
	echo "$$ $PPID" >"$d/$1.pid"
	i=0
	while [ -e "$2" ] && [ $i -lt 1200 ]; do
		sleep 0.05
		i=$((i + 1))
	done
}
case $2 in
check)
	running && { echo "svc running"; exit 0; }
	echo "svc not running"
	exit 2
	;;
start)
	echo "begin $$ start" >>"$d/svc.log"
	gate start "$d/gate"
	running || {
		setsid sleep 3600 </dev/null >/dev/null 2>&1 &
		echo $! >"$d/svc.pid"
	}
	echo "end $$ start" >>"$d/svc.log"
	;;
stop)
	echo "begin $$ stop" >>"$d/svc.log"
	gate stop "$d/gate.stop"
	running && kill "$(cat "$d/svc.pid")"
	rm -f "$d/svc.pid"
	echo "end $$ stop" >>"$d/svc.log"
	;;
esac
