#!/usr/bin/env lua
-- SPDX-License-Identifier: GPL-2.0
-- A listed script (selftests/vk/run lists every file of this directory):
-- its '#' line and comments are part of the bytes the gate hashes.
print("hello from " .. _VERSION .. ", line " .. debug.getinfo(1, "l").currentline)
