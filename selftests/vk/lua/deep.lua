-- SPDX-License-Identifier: GPL-2.0
-- C recursion as deep as Lua allows (LUAI_MAXCCALLS): string.gsub calling
-- back into Lua N levels deep, each level a gsub frame on the C stack. In
-- the megabinary that is wasm's shadow stack: 64 KiB by default overflowed
-- (a trap, or worse, data overwritten); lua.wasm is linked with 1 MiB.
local function f(n)
	if n == 0 then return "x" end
	return (("a"):gsub("a", function() return f(n - 1) end))
end
print(#f(tonumber(arg[1])))
