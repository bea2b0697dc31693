# SPDX-License-Identifier: GPL-2.0
# What an agent writes and runs: never listed. If any of it ran, the marker
# file would exist.
open("/work/unlisted-ran", "w").write("ran\n")
print("unlisted script ran")
