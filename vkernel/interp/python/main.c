// SPDX-License-Identifier: GPL-2.0
/*
 * python3 for the vkernel: CPython 3.11's main behind a PEP 578 audit hook
 * that lets no code become code unless the host's gate (nojit.gate_code,
 * vkernel/gate.h) finds the SHA-256 of its bytes in the signed trailer.
 *
 *   python3 SCRIPT [ARG]...     the script's bytes are gated before any of
 *                               it runs, then run from memory
 *   python3 -c COMMAND [ARG]... the command is gated like any string
 *   python3 -m MODULE [ARG]...  the module's source is gated on import
 *
 * Nothing else (options, the interactive prompt) is offered. The hook is
 * installed before the interpreter exists, so it sees every event from
 * the first import on. What each event means (CPython 3.11's audit table):
 *
 *   compile        (source bytes, filename): every parse of text into code
 *                  -- imports of .py sources, exec/eval/compile of
 *                  strings, -c. Gated on the bytes. Without bytes (a file
 *                  parsed straight from disk, the prompt, an AST object)
 *                  there is nothing to hash: refused.
 *   marshal.loads  (bytes): bytecode from bytes (.pyc, marshal.loads).
 *                  Gated on the bytes.
 *   marshal.load   a file read by marshal itself: refused (no bytes).
 *   code.__new__   a code object from raw bytecode (types.CodeType,
 *                  code.replace): refused, it bypasses compile.
 *   exec           running a code object: allowed, every way to get one
 *                  is gated above (or is the interpreter's own frozen
 *                  code, in the signed image).
 *   import         allowed: the module's source or bytecode is gated when
 *                  it is compiled or loaded.
 * Extension modules are all linked in (wasm has no dlopen), and ctypes is
 * not built for WASI.
 */
#include <Python.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nojit_guest.h"	/* nojit_gate_code: returns 0, or ends this guest (120) */

#define SCRIPT_MAX (64u << 20)

static void gate(int kind, const char *name, const void *code, size_t len)
{
	nojit_gate_code(kind, name, strlen(name), code, len);
}

/*
 * An event with no bytes to hash is refused by the host like unlisted code,
 * so that it is audited and ends the guest the same way. The marker starts
 * with a NUL byte, which no Python source may contain, so it names no
 * script anyone would list.
 */
static void refuse(const char *event, const char *name)
{
	char marker[128];
	int n = snprintf(marker, sizeof(marker), "%cnojit-unhashable %s", 0, event);

	nojit_gate_code(NOJIT_CODE_STRING, name, strlen(name), marker, (size_t)n);
}

/* An argument's text for the audit record only; never part of a decision. */
static const char *arg_name(PyObject *args, Py_ssize_t i)
{
	PyObject *o = PyTuple_Check(args) && PyTuple_GET_SIZE(args) > i ?
			      PyTuple_GET_ITEM(args, i) : NULL;
	const char *s = o && PyUnicode_Check(o) ? PyUnicode_AsUTF8(o) : NULL;

	if (!s)
		PyErr_Clear();
	return s ? s : "";
}

/* Imported sources carry their path; exec/eval/compile of a string usually "<string>". */
static int source_kind(const char *name)
{
	size_t n = strlen(name);

	return n > 3 && !strcmp(name + n - 3, ".py") ? NOJIT_CODE_MODULE : NOJIT_CODE_STRING;
}

static int gate_hook(const char *event, PyObject *args, void *data)
{
	(void)data;
	if (!strcmp(event, "compile")) {
		PyObject *src = PyTuple_Check(args) && PyTuple_GET_SIZE(args) > 0 ?
					PyTuple_GET_ITEM(args, 0) : NULL;
		const char *name = arg_name(args, 1);

		if (!src || !PyBytes_Check(src))
			refuse("compile", name);
		else
			gate(source_kind(name), name, PyBytes_AS_STRING(src),
			     (size_t)PyBytes_GET_SIZE(src));
	} else if (!strcmp(event, "marshal.loads")) {
		PyObject *b = PyTuple_Check(args) && PyTuple_GET_SIZE(args) > 0 ?
				      PyTuple_GET_ITEM(args, 0) : NULL;

		if (!b || !PyBytes_Check(b))
			refuse("marshal.loads", "");
		else
			gate(NOJIT_CODE_BYTECODE, "marshal.loads", PyBytes_AS_STRING(b),
			     (size_t)PyBytes_GET_SIZE(b));
	} else if (!strcmp(event, "marshal.load")) {
		refuse(event, "");
	} else if (!strcmp(event, "code.__new__")) {
		refuse(event, arg_name(args, 1));	/* (co_code, filename, name, ...) */
	}
	return 0;
}

static int usage(void)
{
	fputs("usage: python3 SCRIPT [ARG]... | -c COMMAND [ARG]... | -m MODULE [ARG]...\n",
	      stderr);
	return 2;
}

/* The whole file, NUL-terminated (PyConfig wants a C string); -errno. */
static int read_script(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, n = 0;
	char *b = NULL;
	int r = 0;

	if (!f)
		return -errno;
	for (;;) {
		char *nb = n + 1 >= cap || !b ? realloc(b, cap *= 2) : b;

		if (!nb) {
			r = -ENOMEM;
			break;
		}
		b = nb;
		n += fread(b + n, 1, cap - n - 1, f);
		if (ferror(f)) {
			r = -EIO;
			break;
		}
		if (feof(f))
			break;
		if (n > SCRIPT_MAX) {
			r = -EFBIG;
			break;
		}
	}
	fclose(f);
	if (r) {
		free(b);
		return r;
	}
	/* A NUL inside would cut the text Python sees short of the bytes gated. */
	if (memchr(b, 0, n)) {
		free(b);
		return -EINVAL;
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return 0;
}

static int fail(PyConfig *config, PyStatus st)
{
	PyConfig_Clear(config);
	if (PyStatus_IsExit(st))
		return st.exitcode;
	Py_ExitStatusException(st);
}

int main(int argc, char **argv)
{
	PyConfig config;
	PyStatus st;
	char *text = NULL;
	size_t len = 0;
	int r;

	if (argc < 2 || (argv[1][0] == '-' && strcmp(argv[1], "-c") && strcmp(argv[1], "-m")) ||
	    (argv[1][0] == '-' && argc < 3))
		return usage();
	if (argv[1][0] != '-') {
		r = read_script(argv[1], &text, &len);
		if (r) {
			fprintf(stderr, "python3: %s: %s\n", argv[1], strerror(-r));
			return 2;
		}
		/* Refused here, before the interpreter exists, when unlisted. */
		gate(NOJIT_CODE_SCRIPT, argv[1], text, len);
	}
	if (PySys_AddAuditHook(gate_hook, NULL) < 0)
		return 1;

	/* Isolated: no PYTHON* variables, no user site, no script dir on sys.path. */
	PyConfig_InitIsolatedConfig(&config);
	config.write_bytecode = 0;
	config.parse_argv = 0;
	st = PyConfig_SetBytesString(&config, &config.home, "/usr");
	if (PyStatus_Exception(st))
		return fail(&config, st);
	if (text) {
		/* Run from the bytes just gated: the path is not read twice. */
		st = PyConfig_SetBytesString(&config, &config.run_command, text);
		free(text);
		if (PyStatus_Exception(st))
			return fail(&config, st);
		st = PyConfig_SetBytesArgv(&config, argc - 1, argv + 1);
	} else {
		st = PyConfig_SetBytesString(&config, argv[1][1] == 'c' ? &config.run_command :
					     &config.run_module, argv[2]);
		if (PyStatus_Exception(st))
			return fail(&config, st);
		argv[2] = argv[1];
		st = PyConfig_SetBytesArgv(&config, argc - 2, argv + 2);
	}
	if (PyStatus_Exception(st))
		return fail(&config, st);
	st = Py_InitializeFromConfig(&config);
	if (PyStatus_Exception(st))
		return fail(&config, st);
	PyConfig_Clear(&config);
	return Py_RunMain();
}
