# SPDX-License-Identifier: GPL-2.0
# The syscall-sequence bypass fuzzer (issue 11, section 2), a fixed seed
# set bounded in time (about 100 s of TCG time): a calibration outside
# (seed 1's sequences find payloads that run where nothing is enforced,
# and in an enrolled cgroup in audit mode), then the same sequences and
# two more seeds inside an enrolled cgroup with a manifest, where any
# finding is a bypass. Longer runs with fresh seeds: make fuzz-kernel
# SECONDS=N. Sourced by run.

. "$HERE/fuzz/lib.sh"
FUZZ_T0=$SECONDS
fuzz_setup
fuzz_calibrate 1 40 10
fuzz_calibrate_audit 1 40 10
for seed in 1 2 3; do
	fuzz_inside "fuzz seed $seed" --seed "$seed" --count 40 --len 10
done
fuzz_teardown
echo "# fuzz: the seed set took $((SECONDS - FUZZ_T0)) s of VM time"
