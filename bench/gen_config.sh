#!/bin/sh
# Writes a generated relance config: N components on H local hosts, in
# applications of 100 components, each component requiring 1 to 3 earlier
# ones of its application. Used by the benchmarks and the scale tests.
#   bench/gen_config.sh DIR [COMPONENTS] [HOSTS] [CHECK-COMMAND]
# The components' commands are `true` (or CHECK-COMMAND for the check), so
# what is measured is relance itself.
set -eu
dir=$1 n=${2:-10000} hosts=${3:-1000} check=${4:-true}
mkdir -p "$dir"
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
