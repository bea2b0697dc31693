;; SPDX-License-Identifier: GPL-2.0
;; try/"finally" across a call: the callee's catch_all runs its cleanup
;; and rethrows; the caller's catch gets the original payload. Without a
;; throw the cleanup runs once on the normal path. Also catch_all +
;; rethrow of an exception from a catch of another try (rethrow depth 1).
(module
  (memory (export "memory") 1)
  (tag $e (param i32))
  (global $cleanups (mut i32) (i32.const 0))
  (func $thrower (param i32) (if (local.get 0) (then (throw $e (local.get 0)))))
  (func $with_finally (param i32)
    (try (do (call $thrower (local.get 0)))
      (catch_all (global.set $cleanups (i32.add (global.get $cleanups) (i32.const 1))) (rethrow 0)))
    (global.set $cleanups (i32.add (global.get $cleanups) (i32.const 1))))
  (func $rethrow_outer
    (try (do (call $thrower (i32.const 9)))
      (catch $e (drop)
        (try (do (call $thrower (i32.const 8))) (catch_all (rethrow 1))))))
  (func $inner_catch (try (do (call $thrower (i32.const 3))) (catch $e (drop))))
  (func $rethrow_after_other
    (try (do (call $thrower (i32.const 4)))
      (catch_all (call $inner_catch) (rethrow 0))))
  (func (export "_start")
    (call $with_finally (i32.const 0))
    (if (i32.ne (global.get $cleanups) (i32.const 1)) (then unreachable))
    (if (i32.ne (try (result i32) (do (call $with_finally (i32.const 77)) (i32.const 0)) (catch $e))
                (i32.const 77))
      (then unreachable))
    (if (i32.ne (global.get $cleanups) (i32.const 2)) (then unreachable))
    ;; rethrow 1 rethrows the outer catch's exception (9), not the inner one (8)
    (if (i32.ne (try (result i32) (do (call $rethrow_outer) (i32.const 0)) (catch $e))
                (i32.const 9))
      (then unreachable))
    (if (i32.ne (try (result i32) (do (call $rethrow_after_other) (i32.const 0)) (catch $e))
                (i32.const 4))
      (then unreachable)))
)
