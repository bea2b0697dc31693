;; SPDX-License-Identifier: GPL-2.0
;; A throw three calls deep reaches the caller's catch with its payload
;; (i32, and two i64); calls between are abandoned. Traps (unreachable)
;; on any wrong value; exits 0 otherwise.
(module
  (memory (export "memory") 1)
  (tag $small (param i32))
  (tag $wide (param i64 i64))
  (global $after (mut i32) (i32.const 0))
  (func $c3 (param i32) (throw $small (i32.mul (local.get 0) (i32.const 3))))
  (func $c2 (param i32) (call $c3 (i32.add (local.get 0) (i32.const 1)))
    (global.set $after (i32.const 1)))	;; never runs
  (func $c1 (param i32) (call $c2 (local.get 0)) (global.set $after (i32.const 2)))
  (func $w (throw $wide (i64.const 0x1122334455667788) (i64.const -2)))
  (func (export "_start") (local $a i64) (local $b i64)
    (if (i32.ne (try (result i32) (do (call $c1 (i32.const 13)) (i32.const 0))
                  (catch $small))
                (i32.const 42))
      (then unreachable))
    (if (global.get $after) (then unreachable))
    (try (do (call $w)) (catch $wide (local.set $b) (local.set $a)))
    (if (i64.ne (local.get $a) (i64.const 0x1122334455667788)) (then unreachable))
    (if (i64.ne (local.get $b) (i64.const -2)) (then unreachable)))
)
