# SPDX-License-Identifier: GPL-2.0
# String work: formatting, joining, searching, replacing.
import sys

n = int(sys.argv[1]) * 100000
parts = []
total = 0
for i in range(n):
    s = "item-%d-%s" % (i, "x" * (i % 7))
    total += len(s.replace("x", "yz")) + s.find("-", 5)
    parts.append(s[:6])
print(total, len("".join(parts)))
