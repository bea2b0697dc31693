;; SPDX-License-Identifier: GPL-2.0
;; An exception no try catches ends the guest as a trap (status 121),
;; also after a caught one and from inside a catch handler.
(module
  (memory (export "memory") 1)
  (tag $e (param i32))
  (func $throw (param i32) (throw $e (local.get 0)))
  (func (export "_start")
    (try (do (call $throw (i32.const 1))) (catch $e (drop)))
    (try (do (call $throw (i32.const 2))) (catch $e (call $throw))))
)
