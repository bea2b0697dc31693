-- SPDX-License-Identifier: GPL-2.0
return 6*7
