# SPDX-License-Identifier: GPL-2.0
# A listed script that turns data into code in the way named by argv[1]:
# each way is refused in the megabinary (python3 ends with 120) and works
# under a native interpreter. "before" is printed first, "after" never.
import marshal
import sys

way = sys.argv[1]
src = "print('generated code ran: %s')" % way
print("before", way, flush=True)
if way == "exec":
    exec(src)
elif way == "eval":
    eval(compile(src, "<agent>", "eval"))
elif way == "compile":
    code = compile(src, "<agent>", "exec")
    exec(code)
elif way == "marshal":
    exec(marshal.loads(bytes.fromhex(sys.argv[2])))
elif way == "code-replace":
    def f():
        return "listed"
    f.__code__ = f.__code__.replace(co_consts=(None, "generated code ran: code-replace"))
    print(f())
elif way == "import":
    sys.path.insert(0, "/work")
    import agent_module  # noqa: F401  (written by the agent into /work)
elif way == "ast":
    import ast
    call = ast.Call(ast.Name("print", ast.Load()), [ast.Constant("generated code ran: ast")], [])
    tree = ast.fix_missing_locations(ast.Module([ast.Expr(call)], []))
    exec(compile(tree, "<agent>", "exec"))
print("after", way)
