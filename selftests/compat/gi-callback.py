# SPDX-License-Identifier: GPL-2.0
# A GLib main loop whose only way out is a Python callback, and a GObject
# signal with a Python handler: both reach C through a libffi closure
# (python3-gi). Without the closure the loop never ends: the caller's
# timeout is what stops it.
from gi.repository import Gio, GLib

loop = GLib.MainLoop()
seen = []


def tick(tag):
    seen.append(tag)
    loop.quit()
    return False


GLib.timeout_add(10, tick, "timeout")
loop.run()
store = Gio.ListStore()
store.connect("items-changed", lambda *args: seen.append("signal"))
store.append(Gio.SimpleAction(name="x"))
print(" ".join(seen))
