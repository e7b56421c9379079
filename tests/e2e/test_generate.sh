#!/bin/sh
# Generated objects go through the real `nagios4 -v` and `icinga2 daemon -C`
# (tests/e2e/lib.sh), for the demo and for a 50-component / 10-host /
# 3-zone example, in both output layouts and both host modes.
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/e2e/lib.sh"
gen="$top_builddir/tests/e2e/gen_driver"
[ -x "$gen" ] || skip_all "no gen_driver"
have_nagios || have_icinga || skip_all "neither nagios4 nor icinga2 installed"

T=$(mktemp -d /tmp/rl-e2e-gen.XXXXXX)
trap 'rm -rf "$T"' EXIT
"$top_srcdir/tests/e2e/fixtures/example.sh" "$T/ex" 50 10 3

# verify KIND DIR FILE...: the core accepts the files
verify() {
	kind=$1 d=$2; shift 2
	if [ "$kind" = nagios ]; then nagios_verify "$d" "$@"
	else icinga_verify "$d" "$@"; fi
	rc=$?
	[ $rc = 0 ] || sed 's/^/#   /' "$d/verify.out" | grep -iE 'error|warn' | head -20
	return $rc
}
# warnings KIND DIR: the core's warnings (none expected)
warnings() {
	if [ "$1" = nagios ]; then sed -n 's/^Total Warnings: *//p' "$2/verify.out"
	else grep -c 'warning/' "$2/verify.out"; fi
}

edges=$("$gen" --count-deps nagios "$T/ex/relance.ini")
is "$edges" 80 "the example has 80 requires edges"

for kind in nagios icinga2; do
	if [ $kind = nagios ] && ! have_nagios; then diag "skip nagios"; continue; fi
	if [ $kind = icinga2 ] && ! have_icinga; then diag "skip icinga2"; continue; fi
	ext=cfg; [ $kind = icinga2 ] && ext=conf

	# one file, attached to the admin's hosts
	out="$T/$kind-one"
	mkdir -p "$out"
	"$gen" --with-commands -o "$out" $kind "$T/ex/relance.ini"
	ok $? "$kind: generate the example into one file"
	verify $kind "$T/$kind-one-v" "$out/relance.$ext"
	ok $? "$kind: the core accepts the example (one file, existing hosts)"
	is "$(warnings $kind "$T/$kind-one-v")" 0 "$kind: without a warning"
	if [ $kind = nagios ]; then
		n=$(grep -c '^define servicedependency {' "$out/relance.$ext")
		s=$(grep -c '^    use  *relance-\(component\|application\)$' "$out/relance.$ext")
		like "$(cat "$T/$kind-one-v/verify.out")" "Checked 55 services" \
			"nagios: the core counts 55 services"
	else
		n=$(grep -c '^object Dependency ' "$out/relance.$ext")
		s=$(grep -c '^object Service ' "$out/relance.$ext")
		like "$(cat "$T/$kind-one-v/verify.out")" \
			"Instantiated 80 Dependencies" "icinga2: 80 Dependency objects instantiated"
	fi
	is "$n" "$edges" "$kind: one dependency object per requires edge"
	is "$s" 55 "$kind: 50 component services and 5 application services"
	like "$(cat "$out/relance.$ext")" "cotée à Zürich" "$kind: non-ASCII description kept"

	# one file per application, generated hosts
	out="$T/$kind-split"
	mkdir -p "$out"
	"$gen" --with-commands --split --define-hosts -o "$out" $kind "$T/ex/relance.ini"
	ok $? "$kind: generate the example, one file per application"
	is "$(ls "$out" | tr '\n' ' ')" \
		"relance-app-app0.$ext relance-app-app1.$ext relance-app-app2.$ext relance-app-app3.$ext relance-app-app4.$ext relance-common.$ext " \
		"$kind: five application files and a common one"
	verify $kind "$T/$kind-split-v" "$out"/*
	ok $? "$kind: the core accepts the example (split, generated hosts)"
	is "$(warnings $kind "$T/$kind-split-v")" 0 "$kind: without a warning"
	is "$(cat "$out"/* | grep -c "$(if [ $kind = nagios ]; then echo '^define servicedependency {'; else echo '^object Dependency '; fi)")" \
		"$edges" "$kind: split, still one dependency per edge"

	# twice: same bytes; --check agrees, then sees a change and a loss
	mkdir -p "$T/$kind-again"
	"$gen" --with-commands --split --define-hosts -o "$T/$kind-again" $kind "$T/ex/relance.ini"
	diff -r "$out" "$T/$kind-again" >/dev/null
	ok $? "$kind: generating twice gives identical bytes"
	"$gen" --with-commands --split --define-hosts --check "$out" $kind "$T/ex/relance.ini" >"$T/check.out"
	ok $? "$kind: --check: nothing differs"
	printf '# edited by hand\n' >> "$out/relance-app-app2.$ext"
	rm "$out/relance-common.$ext"
	"$gen" --with-commands --split --define-hosts --check "$out" $kind "$T/ex/relance.ini" >"$T/check.out"
	is "$?" 1 "$kind: --check: exit 1 on a difference"
	is "$(cat "$T/check.out" | tr '\n' ' ')" \
		"relance-app-app2.$ext: differs relance-common.$ext: missing " \
		"$kind: --check names what differs"

	# the zones: a satellite of each zone runs its hosts' checks
	if [ $kind = icinga2 ]; then
		like "$(cat "$T/$kind-one-v/etc/icinga2.conf")" \
			'object Zone "tokyo" \{ parent = "master"' "icinga2: three zones in use"
		z=$(grep -c '^	zone = "paris"$' "$T/$kind-one/relance.conf")
		ok $([ "$z" -gt 0 ]; echo $?) "icinga2: services placed in zone paris ($z objects)"
	fi

	# the demo, when it is there (conf/demo/demo.ini.in)
	if [ -f "$top_srcdir/conf/demo/demo.ini.in" ]; then
		mkdir -p "$T/demo" "$T/$kind-demo"
		sed -e "s|@DEMO_DIR@|$top_srcdir/conf/demo|g" -e "s|@RUN_DIR@|$T/demo|g" \
			"$top_srcdir/conf/demo/demo.ini.in" > "$T/demo/demo.ini"
		chmod 600 "$T/demo/demo.ini"
		"$gen" --with-commands -o "$T/$kind-demo" $kind "$T/demo/demo.ini"
		ok $? "$kind: generate the demo"
		verify $kind "$T/$kind-demo-v" "$T/$kind-demo/relance.$ext"
		ok $? "$kind: the core accepts the demo"
		is "$(grep -cE '^(define servicedependency|object Dependency) ' "$T/$kind-demo/relance.$ext")" \
			"$("$gen" --count-deps $kind "$T/demo/demo.ini")" \
			"$kind: demo: one dependency object per requires edge"
		# graph_url (issue 18): the links to the maps, accepted by the core
		{ cat "$T/demo/demo.ini"
		  printf '[relance]\ngraph_url = https://mon.example/relance-maps\n'
		} >"$T/demo/demo-url.ini"
		chmod 600 "$T/demo/demo-url.ini"
		mkdir -p "$T/$kind-demo-url"
		"$gen" --with-commands -o "$T/$kind-demo-url" $kind "$T/demo/demo-url.ini"
		ok $? "$kind: generate the demo with graph_url"
		verify $kind "$T/$kind-demo-url-v" "$T/$kind-demo-url/relance.$ext"
		ok $? "$kind: the core accepts notes_url and action_url"
		is "$(grep -cE '^[[:space:]]*(notes_url|action_url)[[:space:]]*=?[[:space:]]*"?https://mon.example/relance-maps/demo.svg"?$' \
			"$T/$kind-demo-url/relance.$ext")" 2 \
			"$kind: the demo's service links to its map"
		# the schedule from relance's config: a fraction of Nagios's
		# interval_length (30s = 0.5) and the attempts, in the core
		mkdir -p "$T/$kind-sched"
		sed -e 's|^\[application "demo"\]$|&\ncheck_interval = 5m\nmax_check_attempts = 4|' \
			-e 's|^\[component "demo/pricer"\]$|&\nretry_interval = 30s|' \
			"$T/demo/demo.ini" >"$T/demo/sched.ini"
		chmod 600 "$T/demo/sched.ini"
		"$gen" --with-commands -o "$T/$kind-sched" $kind "$T/demo/sched.ini"
		ok $? "$kind: generate the demo with check_interval, retry_interval, max_check_attempts"
		like "$(cat "$T/$kind-sched/relance.$ext")" \
			"$(if [ $kind = nagios ]; then echo 'retry_interval +0\.5$'; else echo 'retry_interval = 30s$'; fi)" \
			"$kind: the pricer's retry_interval"
		verify $kind "$T/$kind-sched-v" "$T/$kind-sched/relance.$ext"
		ok $? "$kind: the core accepts the schedule"
		# installed (package, make install), the commands are in
		# relance.cfg / relance.conf (conf/*/relance-commands.*): what
		# generate writes by default goes beside them, no command twice
		static=$top_srcdir/conf/nagios/relance-commands.cfg
		[ $kind = icinga2 ] && static=$top_srcdir/conf/icinga2/relance-commands.conf
		mkdir -p "$T/$kind-inst"
		"$gen" --split -o "$T/$kind-inst" $kind "$T/demo/demo.ini"
		ok $? "$kind: generate the demo without the commands"
		is "$(cat "$T/$kind-inst"/* | grep -cE '^(define command \{|object [A-Za-z]+Command )')" 0 \
			"$kind: no command object written"
		verify $kind "$T/$kind-inst-v" "$static" "$T/$kind-inst"/*
		ok $? "$kind: the core accepts them beside the installed definitions"
		is "$(warnings $kind "$T/$kind-inst-v")" 0 "$kind: without a warning"
		verify $kind "$T/$kind-alone-v" "$T/$kind-inst"/* >/dev/null
		ok $((! $?)) "$kind: without the installed definitions the core refuses them"
		like "$(grep -i 'relance-component' "$T/$kind-alone-v/verify.out")" \
			"relance-component.*(not defined|does not exist)" \
			"$kind: ... for want of command relance-component"
		if [ $kind = icinga2 ]; then
			is "$(grep -c "^	vars.relance_config = \"$T/demo/demo.ini\"$" "$T/$kind-inst/relance-common.conf")" 2 \
				"icinga2: both service templates name the config (the installed commands read it)"
		fi
	else
		diag "no conf/demo/demo.ini.in yet: demo not tested"
	fi
done

# what cannot be written into a command line is refused, with the reason
err=$("$gen" --config-path "/etc/my relance.ini" nagios "$T/ex/relance.ini" 2>&1 >/dev/null)
is "$?" 2 "a config path with a space is refused"
is "$err" "gen_driver: config path '/etc/my relance.ini': character ' ' cannot be written into a command line (use [A-Za-z0-9._/+:@%,=-])" \
	"and says why"

# 10,000 components on 1,000 hosts (figures, not a timed test: bench/)
"$top_srcdir/tests/e2e/fixtures/example.sh" "$T/big" 10000 1000 3
t=$("$gen" --time icinga2 "$T/big/relance.ini" 2>&1 >/dev/null)
ok $? "10,000 components on 1,000 hosts generate"
diag "$t"

done_testing
