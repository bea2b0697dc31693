;; SPDX-License-Identifier: GPL-2.0
;; A child spawned from inside a try starts with no live try: its uncaught
;; exception is its own trap (121), never a jump into the parent's catch
;; (which would go on running the parent's code in the child: exit 77).
(module
  (import "nojit" "spawn" (func $spawn (param i32 i32 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "proc_exit" (func $exit (param i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "uncaught")
  (func (export "_start") (local $status i32)
    (try (do (local.set $status (call $spawn (i32.const 16) (i32.const 8) (i32.const 0) (i32.const 0))))
      (catch_all (call $exit (i32.const 77))))
    (if (i32.ne (local.get $status) (i32.const 121)) (then unreachable)))
)
