-- SPDX-License-Identifier: GPL-2.0
-- The Lua recipe's workload (docs/aot-guide.md): lua5.4, luajit, luajit -joff.
-- Prints: RESULT MS MODE, MODE the JIT's state (luajit) or "nojit" (PUC Lua).
local function f(x) return (x * 31 + 7) % 1000003 end
local n = tonumber(arg[1] or 0)
local t0 = os.clock()
local s = 0
for i = 1, n do s = (s + f(i)) % 1000003 end
local mode = "nojit"
if jit then mode = jit.status() and "jit-on" or "jit-off" end
print(string.format("%d %.1f %s", s, (os.clock() - t0) * 1000, mode))
