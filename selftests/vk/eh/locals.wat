;; SPDX-License-Identifier: GPL-2.0
;; Locals set in a try body keep their values in the catch and after it
;; (wasm semantics). wasm2c keeps them in C variables across its setjmp;
;; with setjmp/longjmp gcc -O2 hands back stale register copies (wabt
;; issue 2469); nojit's vk_eh.h uses __builtin_setjmp, whose receiver
;; gcc treats as clobbering every register. 1000 rounds, a throw every
;; third one, six live locals of both widths.
(module
  (memory (export "memory") 1)
  (tag $e)
  (func $maybe (param i32) (if (i32.eqz (i32.rem_u (local.get 0) (i32.const 3))) (then (throw $e))))
  (func (export "_start")
    (local $i i32) (local $a i32) (local $b i32) (local $c i64) (local $d i64)
    (local $sum i64) (local $n i32)
    (loop $l
      (try
        (do
          (local.set $a (local.get $i))
          (local.set $b (i32.mul (local.get $i) (i32.const 2)))
          (local.set $c (i64.add (i64.extend_i32_u (local.get $b)) (i64.const 7)))
          (local.set $d (i64.shl (local.get $c) (i64.const 33)))
          (call $maybe (local.get $i))
          (local.set $a (i32.const 0))
          (local.set $b (i32.const 0))
          (local.set $d (i64.const 0)))
        (catch $e (local.set $n (i32.add (local.get $n) (i32.const 1)))))
      (local.set $sum (i64.add (local.get $sum)
        (i64.add (i64.extend_i32_u (i32.add (local.get $a) (local.get $b)))
                 (i64.add (local.get $c) (i64.shr_u (local.get $d) (i64.const 33))))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000))))
    (if (i32.ne (local.get $n) (i32.const 334)) (then unreachable))
    (if (i64.ne (local.get $sum) (i64.const 1842503)) (then unreachable)))
)
