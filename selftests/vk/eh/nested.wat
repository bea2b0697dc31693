;; SPDX-License-Identifier: GPL-2.0
;; Nested try: the inner catch takes only its own tag, the other goes to
;; the outer one; a throw inside a catch handler goes outward too. Each
;; step appends a digit to $trace; the final trace is checked.
(module
  (memory (export "memory") 1)
  (tag $a (param i32))
  (tag $b (param i32))
  (global $trace (mut i32) (i32.const 0))
  (func $step (param i32)
    (global.set $trace (i32.add (i32.mul (global.get $trace) (i32.const 10)) (local.get 0))))
  (func $throw_a (throw $a (i32.const 1)))
  (func $throw_b (throw $b (i32.const 2)))
  (func (export "_start")
    ;; $a caught inside
    (try (do (try (do (call $throw_a)) (catch $a (call $step)))) (catch $b (drop) (unreachable)))
    ;; $b passes the inner try
    (try (do (try (do (call $throw_b)) (catch $a (drop) (unreachable))) (unreachable))
      (catch $b (drop) (call $step (i32.const 3))))
    ;; a throw from a catch handler goes to the enclosing try
    (try (do (try (do (call $throw_a)) (catch $a (drop) (call $throw_b))))
      (catch $b (call $step)))
    ;; three levels, caught by the middle one, the outer untouched
    (try (do (try (do (try (do (call $throw_b)) (catch $a (drop) (unreachable))))
                  (catch $b (call $step (i32.const 4)) (drop))))
      (catch_all (unreachable)))
    (if (i32.ne (global.get $trace) (i32.const 1324)) (then unreachable)))
)
