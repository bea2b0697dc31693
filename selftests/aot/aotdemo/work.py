# SPDX-License-Identifier: GPL-2.0
"""The CPU-bound loop. ORIGIN names this source: the kernel tests compile
a different one to the same name to show what bytecode is not protected
against."""
ORIGIN = "source"


def f(x):
    return (x * 31 + 7) % 1000003


def loop(n):
    s = 0
    for i in range(1, n + 1):
        s = (s + f(i)) % 1000003
    return s
