#!/bin/sh
# libevring.so must export exactly the API: every extern "C" ev_* (libev's) and evring_*
# (evring's extensions) symbol the library defines (ev.h marks each EV_API) and nothing else
# (everything internal is hidden). The Catch2 suite links the static library to reach internal
# test hooks, so this is what checks the shared library's side.
set -u
shared="$abs_top_builddir/.libs/libevring.so"
static="$abs_top_builddir/.libs/libevring.a"

api=$($NM -g --defined-only "$static" | awk 'NF == 3 && $3 ~ /^(ev|evring)_/ { print $3 }' | sort -u)
# AddressSanitizer adds __odr_asan.* markers for global variables.
exported=$($NM -D --defined-only "$shared" | awk 'NF == 3 && $3 !~ /^__odr_asan/ { print $3 }' |
  sort -u)

hidden=$(echo "$api" | grep -vxF "$exported")
extra=$(echo "$exported" | grep -vxF "$api")
status=0
if [ -n "$hidden" ]; then
  echo "FAIL: defined but not exported by libevring.so (missing EV_API in ev.h?):"
  echo "$hidden" | sed 's/^/  /'
  status=1
fi
if [ -n "$extra" ]; then
  echo "FAIL: exported by libevring.so although not ev_*/evring_* API:"
  echo "$extra" | sed 's/^/  /'
  status=1
fi
[ $status -eq 0 ] && echo "libevring.so exports the $(echo "$api" | wc -l) ev_*/evring_* symbols, nothing else"
exit $status
