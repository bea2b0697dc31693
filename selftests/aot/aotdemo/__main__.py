# SPDX-License-Identifier: GPL-2.0
"""python3.11 -m aotdemo [N]. Prints: aotdemo ORIGIN RESULT MS."""
import sys
import time

from aotdemo import work

n = int(sys.argv[1]) if len(sys.argv) > 1 else 0
t0 = time.perf_counter()
s = work.loop(n)
print("aotdemo", work.ORIGIN, s, "%.1f" % ((time.perf_counter() - t0) * 1000))
