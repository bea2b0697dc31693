;; SPDX-License-Identifier: GPL-2.0
;; Many exceptions in one run, in bounded memory and stack:
;; - 100,000 throws across a call, each caught in the loop;
;; - 1,000,000 catch_all + rethrow to a catch of the same frame (wabt
;;   1.0.32 copies each rethrown exception with alloca: the stack grows
;;   until it is gone; nojit's vk_eh.h reuses one block-scoped copy);
;; - 100,000 br_table exits from a try, each followed by a throw that
;;   must reach this frame's catch (wabt 1.0.32 leaves the unwind target
;;   on the exited try).
(module
  (memory (export "memory") 1)
  (tag $e (param i32))
  (func $throw (param i32) (throw $e (local.get 0)))
  (func $exit_by_table (param i32)
    (block $out (try (do (br_table $out $out (local.get 0))) (catch $e (drop)))))
  (func (export "_start") (local $i i32) (local $sum i32)
    (loop $l
      (try (do (call $throw (local.get $i)))
        (catch $e (local.set $sum (i32.add (local.get $sum)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100000))))
    ;; 0 + 1 + ... + 99999, mod 2^32
    (if (i32.ne (local.get $sum) (i32.const 704982704)) (then unreachable))
    (local.set $i (i32.const 0))
    (local.set $sum (i32.const 0))
    (loop $l
      (try (do (try (do (call $throw (i32.const 1))) (catch_all (rethrow 0))))
        (catch $e (local.set $sum (i32.add (local.get $sum)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 1000000))))
    (if (i32.ne (local.get $sum) (i32.const 1000000)) (then unreachable))
    (local.set $i (i32.const 0))
    (local.set $sum (i32.const 0))
    (loop $l
      (try
        (do (call $exit_by_table (local.get $i)) (call $throw (i32.const 1)))
        (catch $e (local.set $sum (i32.add (local.get $sum)))))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br_if $l (i32.lt_u (local.get $i) (i32.const 100000))))
    (if (i32.ne (local.get $sum) (i32.const 100000)) (then unreachable)))
)
