# SPDX-License-Identifier: GPL-2.0
"""The Python recipe's application (docs/aot-guide.md), shipped as bytecode."""
