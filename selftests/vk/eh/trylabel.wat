;; SPDX-License-Identifier: GPL-2.0
;; A branch to a try's own label (to its end), as clang's setjmp lowering
;; emits: wabt 1.0.32 names the C label "$T<n>" but jumps to "w2c_T<n>";
;; vk build renames the label so the C compiles.
(module
  (memory (export "memory") 1)
  (tag $e)
  (func $f (param $early i32) (result i32) (local $v i32)
    (try $t
      (do (br_if $t (local.get $early)) (local.set $v (i32.const 1)) (throw $e))
      (catch $e (local.set $v (i32.add (local.get $v) (i32.const 10)))))
    (local.get $v))
  (func (export "_start")
    (if (i32.ne (call $f (i32.const 1)) (i32.const 0)) (then unreachable))
    (if (i32.ne (call $f (i32.const 0)) (i32.const 11)) (then unreachable)))
)
