#!/bin/sh
# libevring.so must export exactly the API: every extern "C" ev_* symbol the library defines
# (ev.h marks each EV_API), the event_* functions of libev's libevent emulation (event.h),
# evring's own evring_* extensions, and nothing else (everything internal is hidden). The Catch2
# suite links the static library to reach internal test hooks, so this is what checks the
# shared library's side.
set -u
shared="$abs_top_builddir/.libs/libevring.so"
static="$abs_top_builddir/.libs/libevring.a"

api=$($NM -g --defined-only "$static" | awk 'NF == 3 && $3 ~ /^(ev|event|evring)_/ { print $3 }' |
  sort -u)
# AddressSanitizer adds __odr_asan.* markers for global variables.
exported=$($NM -D --defined-only "$shared" | awk 'NF == 3 && $3 !~ /^__odr_asan/ { print $3 }' |
  sort -u)

# libev 4.33's libevent emulation exports exactly these; programs built against it need each.
libevent_api="event_active event_add event_base_dispatch event_base_free event_base_get_method
event_base_loop event_base_loopexit event_base_new event_base_once event_base_priority_init
event_base_set event_del event_dispatch event_get_callback event_get_method event_get_version
event_init event_loop event_loopexit event_once event_pending event_priority_init
event_priority_set event_set"
libevent_api=$(echo $libevent_api | tr ' ' '\n' | sort)
defined_libevent=$(echo "$api" | grep '^event_')

hidden=$(echo "$api" | grep -vxF "$exported")
extra=$(echo "$exported" | grep -vxF "$api")
status=0
if [ -n "$hidden" ]; then
  echo "FAIL: defined but not exported by libevring.so (missing EV_API in ev.h or event.h?):"
  echo "$hidden" | sed 's/^/  /'
  status=1
fi
if [ -n "$extra" ]; then
  echo "FAIL: exported by libevring.so although not ev_*, event_* or evring_* API:"
  echo "$extra" | sed 's/^/  /'
  status=1
fi
if [ "$defined_libevent" != "$libevent_api" ]; then
  echo "FAIL: the event_* functions differ from libev's libevent emulation:"
  echo "$libevent_api" | grep -vxF "$defined_libevent" | sed 's/^/  missing: /'
  echo "$defined_libevent" | grep -vxF "$libevent_api" | sed 's/^/  extra: /'
  status=1
fi
[ $status -eq 0 ] && echo "libevring.so exports the $(echo "$api" | grep -c '^ev_') ev_*," \
  "$(echo "$api" | grep -c '^event_') event_* and $(echo "$api" | grep -c '^evring_') evring_*" \
  "symbols, nothing else"
exit $status
