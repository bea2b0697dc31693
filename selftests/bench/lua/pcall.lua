-- SPDX-License-Identifier: GPL-2.0
-- Error handling: error() thrown and caught by pcall, across a few frames
-- (a longjmp each: a wasm exception in the megabinary).
local n = tonumber(arg[1]) or 1
local function deep(d, i)
	if d == 0 then
		if i % 2 == 0 then error("even " .. i) end
		error({ code = i })
	end
	return deep(d - 1, i) + 1
end
local caught = 0
for i = 1, 100000 * n do
	local ok, e = pcall(deep, 3, i)
	if not ok then caught = caught + 1 end
	ok = pcall(function() return i end)
end
print(caught)
