-- SPDX-License-Identifier: GPL-2.0
-- Start-up: an interpreter that prints one line and exits.
print("ok")
