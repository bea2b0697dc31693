;; SPDX-License-Identifier: GPL-2.0
;; A trap is not an exception: an out-of-bounds load inside a try with a
;; catch_all still ends the guest (121, reason out_of_bounds); the
;; catch_all would exit 0.
(module
  (memory (export "memory") 1)
  (func $oob (drop (i32.load (i32.const 0xfffffff0))))
  (func (export "_start")
    (try (do (call $oob)) (catch_all (return)))
    (unreachable))
)
