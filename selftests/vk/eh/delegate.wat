;; SPDX-License-Identifier: GPL-2.0
;; delegate: to an outer try of the same function, past it to the caller
;; (delegate to the function's own label), and leaving a try-delegate by
;; a branch, after which a throw must still find the right catch: wabt
;; 1.0.32 leaves the dead try as the unwind target there (a longjmp into
;; a returned frame); nojit's vk_eh.h restores it.
(module
  (memory (export "memory") 1)
  (tag $e (param i32))
  (func $throw (param i32) (throw $e (local.get 0)))
  (func $to_outer (result i32)
    (try $outer (result i32)
      (do (try (do (call $throw (i32.const 5))) (delegate $outer)) (i32.const 0))
      (catch $e)))
  ;; delegate 1 from the function body's outermost try: to the caller
  (func $to_caller
    (try (do (call $throw (i32.const 6))) (delegate 0)))
  (func $leave
    (block $out (try (do (br $out)) (delegate 0))))
  ;; reuses the stack where $leave's frame was
  (func $scribble (param i32) (result i32)
    (if (result i32) (i32.eqz (local.get 0))
      (then (i32.const 0))
      (else (i32.add (call $scribble (i32.sub (local.get 0) (i32.const 1)))
                     (i32.mul (local.get 0) (local.get 0))))))
  (func $leave_then_throw (result i32)
    (call $leave)
    (drop (call $scribble (i32.const 50)))
    (call $throw (i32.const 7))
    (i32.const 0))
  (func (export "_start")
    (if (i32.ne (call $to_outer) (i32.const 5)) (then unreachable))
    (if (i32.ne (try (result i32) (do (call $to_caller) (i32.const 0)) (catch $e)) (i32.const 6))
      (then unreachable))
    (if (i32.ne (try (result i32) (do (call $leave_then_throw)) (catch $e)) (i32.const 7))
      (then unreachable)))
)
