# SPDX-License-Identifier: GPL-2.0
# A listed tool: runs in the megabinary's python3 and imports the listed
# standard library (json, re, functools and collections behind them).
import json
import re
import sys

words = re.findall(r"[a-z]+", "a listed script runs")
print(json.dumps({"sum": sum(range(10)), "words": words, "argv": sys.argv[1:]}, sort_keys=True))
