# SPDX-License-Identifier: GPL-2.0
# Error handling: raise and catch in a loop, across a call.
import sys


def fail(i):
    raise ValueError(i)


n = int(sys.argv[1]) * 200000
caught = 0
for i in range(n):
    try:
        fail(i)
    except ValueError as e:
        caught += e.args[0] & 1
print(caught)
