#!/bin/sh
# The differential suite on binaries: each program built against libev runs once on libev and
# once on this evring's shared library substituted for libev.so.4 (tools/evring-run-uninstalled),
# and both runs must print the same. A difference only here is an ABI difference: a layout, or
# what libev's header macros leave in a watcher for the library to read. See run-compat.sh.
COMPAT_SIDE=binary
. "$abs_top_srcdir/tests/harness/run-compat.sh"
