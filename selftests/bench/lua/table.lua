-- SPDX-License-Identifier: GPL-2.0
-- Tables: array and hash inserts, lookups, sort, removal.
local n = tonumber(arg[1]) or 1
local sum = 0
for r = 1, 10 * n do
	local arr, map = {}, {}
	for i = 1, 20000 do
		arr[i] = (i * 7919) % 20011
		map["k" .. i] = i
	end
	table.sort(arr)
	for i = 1, 20000, 3 do
		sum = sum + map["k" .. i] + arr[i]
		map["k" .. i] = nil
	end
	while #arr > 10000 do table.remove(arr) end
	sum = sum + #arr
end
print(sum)
