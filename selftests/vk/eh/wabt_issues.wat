;; SPDX-License-Identifier: GPL-2.0
;; The reproducers of wabt issues 2203 and 2205 (branches out of a
;; try-delegate), as modules: the throw after the branch must reach the
;; catch that wasm says.
(module
  (memory (export "memory") 1)
  (tag $e0)
  (func $throw (throw $e0))
  (func $break_throw (result i32)
    (try $outer (result i32)
      (do
        (try (result i32)
          (do
            (block $a
              (try (do (br $a)) (delegate $outer)))
            (call $throw)
            (i32.const 0))
          (catch $e0 (i32.const 1))))
      (catch $e0 (i32.const 2))))
  (func $break_try
    (try (do (br 0)) (delegate 0)))
  (func (export "_start")
    (if (i32.ne (call $break_throw) (i32.const 1)) (then unreachable))
    (call $break_try)
    (if (i32.ne (try (result i32) (do (call $throw) (i32.const 0)) (catch $e0 (i32.const 3)))
                (i32.const 3))
      (then unreachable)))
)
