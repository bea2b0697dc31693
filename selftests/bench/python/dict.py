# SPDX-License-Identifier: GPL-2.0
# Dict work: inserts, lookups, updates, deletes.
import sys

n = int(sys.argv[1]) * 200000
d = {}
for i in range(n):
    d["k%d" % (i % 50000)] = d.get("k%d" % ((i * 7) % 50000), 0) + i
for i in range(0, 50000, 3):
    d.pop("k%d" % i, None)
print(len(d), sum(d.values()) % 1000003)
