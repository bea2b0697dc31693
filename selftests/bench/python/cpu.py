# SPDX-License-Identifier: GPL-2.0
# A CPU loop: integer arithmetic in the interpreter's main loop.
import sys

n = int(sys.argv[1]) * 2000000
acc = 0
for i in range(n):
    acc = (acc + i * 7) % 1000003
print(acc)
