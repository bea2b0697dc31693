-- SPDX-License-Identifier: GPL-2.0
-- CPU-bound: integer and float arithmetic, calls, branches.
local n = tonumber(arg[1]) or 1
local function collatz(x)
	local steps = 0
	while x ~= 1 do
		if x % 2 == 0 then x = x // 2 else x = 3 * x + 1 end
		steps = steps + 1
	end
	return steps
end
local total, f = 0, 0.0
for i = 1, 100000 * n do
	total = total + collatz(i % 1000 + 1)
	f = f + math.sqrt(i) / i
end
print(total, string.format("%.3f", f))
