-- SPDX-License-Identifier: GPL-2.0
-- A listed script that turns its arguments into code, one way per MODE.
-- Under the vkernel each must pass the code gate: listed code runs,
-- anything else ends lua with status 120. Native lua5.4 runs them all
-- (the tests show each attempt works without the gate).
--   string CODE     load(CODE)
--   pieces CODE     load() from a reader function giving one byte a call
--   dofile FILE     dofile(FILE)
--   require DIR M   require(M) with package.path DIR/?.lua
--   dump            load(string.dump(f)): a binary chunk made at run time
--   loadlib DIR     package.loadlib and the C searcher on DIR/mod.so: a
--                   clean error, no crash
--   shell CMD       os.execute and io.popen: no shell in the vkernel
local mode, a, b = ...
if mode == "string" then
	print(assert(load(a))())
elseif mode == "pieces" then
	local i = 0
	print(assert(load(function()
		i = i + 1
		return a:sub(i, i)
	end))())
elseif mode == "dofile" then
	print(dofile(a))
elseif mode == "require" then
	package.path = a .. "/?.lua"
	print(require(b))
elseif mode == "dump" then
	local f = assert(load(string.dump(function() return "dumped code ran" end)))
	print(f())
elseif mode == "loadlib" then
	local f, err, where = package.loadlib(a .. "/mod.so", "luaopen_mod")
	print("loadlib", f, where)
	package.cpath = a .. "/?.so"
	package.path = ""
	local ok, e = pcall(require, "mod")
	print("require", ok, e:match("dynamic libraries not enabled") or e)
elseif mode == "shell" then
	print("execute", os.execute(a))
	print("popen", pcall(io.popen, a))
else
	error("unknown mode " .. tostring(mode))
end
