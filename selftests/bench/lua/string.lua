-- SPDX-License-Identifier: GPL-2.0
-- Strings: concatenation through table.concat, format, gsub, find, rep.
local n = tonumber(arg[1]) or 1
local count = 0
for r = 1, 40 * n do
	local parts = {}
	for i = 1, 2000 do
		parts[#parts + 1] = string.format("%d:%s", i, ("x"):rep(i % 7))
	end
	local s = table.concat(parts, ",")
	local t = s:gsub("x+", function(m) return #m end)
	for w in t:gmatch("%d+:%d*") do
		if w:find(":3", 1, true) then count = count + 1 end
	end
	count = count + #s:upper()
end
print(count)
