#!/bin/sh
# Writes a generated relance config: N components on H hosts.
#   bench/gen_config.sh [--realistic] DIR [COMPONENTS] [HOSTS] [CHECK-COMMAND]
# Default: local hosts, applications of 100 components, each component
# requiring 1 to 3 earlier ones of its application. Used by the
# benchmarks and the scale tests.
# --realistic: what a real site's config has. SSH hosts (known_hosts, an
# identity, a zone on one in ten; the files are created empty, nothing
# connects), a few local ones; applications of different sizes (a cycle
# of 3, 8, 20, 50, 100, 250 and 1,000 components) with an [application]
# section, a description and, on one in three, its own intervals;
# components with descriptions, 1 to 3 requirements on earlier ones of
# their application and, on one in fifty, one on a component of the
# previous application; one in five with its own check_interval and
# retry_interval, one in ten a plugin check, one in twenty an xml check
# with four to six xpath keys (ranges, labels, units, an expect), heal
# and restart_limit varied, timeouts on some.
# The components' commands are `true` (or CHECK-COMMAND for the check), so
# what is measured is relance itself. Deterministic (fixed seed).
set -eu
realistic=0
if [ "${1:-}" = --realistic ]; then
	realistic=1
	shift
fi
dir=$1 n=${2:-10000} hosts=${3:-1000} check=${4:-true}
mkdir -p "$dir"
if [ $realistic = 0 ]; then
	awk -v n="$n" -v hosts="$hosts" -v dir="$dir" -v check="$check" 'BEGIN {
	f = dir "/relance.ini"
	printf "[relance]\njournal = %s/journal.jsonl\nlock_dir = %s/locks\nnode = bench\n\n", dir, dir > f
	for (h = 0; h < hosts; h++)
		printf "[host \"h%d\"]\ntransport = local\n\n", h > f
	srand(42)
	for (i = 0; i < n; i++) {
		app = int(i / 100); k = i % 100
		printf "[component \"app%d/c%d\"]\nhost = h%d\ncheck = %s\nstart = true\nstop = true\n", app, k, i % hosts, check > f
		if (k > 0) {
			req = ""; m = 1 + int(rand() * 3); if (m > k) m = k
			for (j = 0; j < m; j++) {
				r = int(rand() * k); dup = 0
				if (index(" " req " ", " c" r " ")) continue
				req = req (req == "" ? "" : " ") "c" r
			}
			printf "requires = %s\n", req > f
		}
		printf "\n" > f
	}
}'
	chmod 600 "$dir/relance.ini"
	exit 0
fi

mkdir -p "$dir/conf.d"
: >"$dir/known_hosts"
: >"$dir/id_ed25519"
chmod 600 "$dir/known_hosts" "$dir/id_ed25519"
awk -v n="$n" -v hosts="$hosts" -v dir="$dir" -v check="$check" '
function pick(a, k) { return a[1 + int(rand() * k)] }
BEGIN {
	f = dir "/relance.ini"
	srand(42)
	split("3 8 20 50 100 250 1000", sizes, " ")
	split("30s 1m 2m 5m 10m", ivs, " ")
	split("10s 15s 30s 1m", rivs, " ")
	split("hard hard hard soft:1 soft:2 never", heals, " ")
	split("3/1h 3/1h 5/1h 2/30m 10/1d", limits, " ")
	split("web db queue cache api batch front auth search report", kinds, " ")
	printf "[relance]\njournal = %s/journal.jsonl\nlock_dir = %s/locks\n", dir, dir > f
	printf "hold_dir = %s/holds\nnode = bench\nparallel = 8\ncore_user = root\n", dir > f
	printf "include = hosts.ini\ninclude = conf.d/*.ini\n\n" > f
	printf "[ssh]\nuser = relance\nidentity = %s/id_ed25519\n", dir > f
	printf "known_hosts = %s/known_hosts\ntimeout = 5s\n\n", dir > f
	close(f); f = dir "/hosts.ini"
	for (h = 0; h < hosts; h++) {
		printf "[host \"h%d\"]\n", h > f
		if (h % 50 == 0)
			printf "transport = local\n" > f
		else {
			printf "address = 10.%d.%d.%d\n", int(h / 65536) % 256, int(h / 256) % 256, h % 256 > f
			if (h % 7 == 0) printf "port = 2222\n" > f
			if (h % 10 == 3) printf "zone = dc%d\n", h % 4 > f
		}
		printf "\n" > f
	}
	i = 0; a = 0; prev = ""
	while (i < n) {
		size = sizes[1 + a % 7]; if (size > n - i) size = n - i
		app = pick(kinds, 10) a
		close(f); f = dir "/conf.d/" app ".ini"
		printf "[application \"%s\"]\ndescription = the %s service, %d components\n", app, app, size > f
		if (a % 3 == 0)
			printf "check_interval = %s\nretry_interval = %s\nmax_check_attempts = %d\n", pick(ivs, 5), pick(rivs, 4), 3 + a % 3 > f
		if (a % 5 == 0) printf "parallel = %d\n", 2 + a % 6 > f
		printf "\n" > f
		for (k = 0; k < size; k++) {
			printf "[component \"%s/c%d\"]\nhost = h%d\n", app, k, (i * 7 + a) % hosts > f
			printf "description = %s instance %d of %s\n", pick(kinds, 10), k, app > f
			mode = (i % 20 == 7) ? "xml" : (i % 10 == 3) ? "plugin" : "exit"
			printf "check = %s\nstart = true\nstop = true\n", check > f
			if (mode != "exit") printf "check_mode = %s\n", mode > f
			if (mode == "xml") {
				printf "xpath.busy = sum(/status/connector/threadInfo/@currentThreadsBusy)\n" > f
				printf "xpath.busy.warning = %d\nxpath.busy.critical = %d\n", 100 + k % 50, 190 + k % 10 > f
				printf "xpath.busy.label = busy threads\n" > f
				printf "xpath.heap = /status/jvm/memory/@free div 1048576\n" > f
				printf "xpath.heap.critical = %d:\nxpath.heap.uom = MB\n", 16 + k % 32 > f
				printf "xpath.state = string(/status/@state)\nxpath.state.expect = RUNNING\n" > f
				if (k % 2) printf "xpath.errors = sum(/status/connector/requestInfo/@errorCount)\nxpath.errors.warning = 10\n" > f
				if (k % 3 == 0) printf "xpath.http = count(/status/connector[@name = %chttp-%d%c]) = 1\n", 39, k % 4, 39 > f
			}
			if (i % 5 == 0)
				printf "check_interval = %s\nretry_interval = %s\n", pick(ivs, 5), pick(rivs, 4) > f
			if (i % 4 == 1) printf "check_timeout = %ds\n", 5 + i % 20 > f
			if (i % 9 == 2) printf "start_timeout = 2m\nstop_timeout = 90s\n" > f
			heal = pick(heals, 6)
			if (heal != "hard") printf "heal = %s\n", heal > f
			if (heal ~ /^soft/) printf "max_check_attempts = %d\n", 4 + i % 2 > f
			if (i % 6 == 0) printf "restart_limit = %s\n", pick(limits, 5) > f
			if (k > 0) {
				req = ""; m = 1 + int(rand() * 3); if (m > k) m = k
				for (j = 0; j < m; j++) {
					r = int(rand() * k)
					if (index(" " req " ", " c" r " ")) continue
					req = req (req == "" ? "" : " ") "c" r
				}
				if (prev != "" && i % 50 == 0) req = req " " prev "/c0"
				printf "requires = %s\n", req > f
			}
			printf "\n" > f
			i++
		}
		prev = app; a++
	}
}'
chmod 600 "$dir/relance.ini" "$dir/hosts.ini" "$dir"/conf.d/*.ini
