#!/bin/sh
# evring must load with nothing but libc: libevring.so may not need libstdc++ (or anything but
# libc), and libevring.a may not reference C++ runtime symbols, so that a C program links it
# with plain `cc`. See "C++ without libstdc++" in Makefile.am for how the build achieves this.
set -u

if [ -n "${SANITIZE_FLAGS:-}" ]; then
  echo "SKIP: this build links the sanitizer runtimes ($SANITIZE_FLAGS)"
  exit 77
fi
if [ "$READELF" = no ]; then
  echo "SKIP: readelf not found (Debian: apt-get install binutils)"
  exit 77
fi

shared="$abs_top_builddir/.libs/libevring.so"
static="$abs_top_builddir/.libs/libevring.a"
allowed_needed="libc.so.6"
status=0

needed=$("$READELF" -d "$shared" | sed -n 's/.*(NEEDED).*\[\(.*\)\].*/\1/p')
echo "libevring.so needs: $needed"
for lib in $needed; do
  case " $allowed_needed " in
    *" $lib "*) ;;
    *)
      echo "FAIL: libevring.so needs $lib; only $allowed_needed is allowed"
      status=1
      ;;
  esac
done

# Symbols that no member of the archive defines are what a program linking libevring.a must get
# elsewhere. Among them, _Z* (mangled C++: operator new, std::...) and __cxa_*/__gxx_* (the C++
# ABI runtime: guards for local statics, pure virtuals, exceptions) would need libstdc++.
runtime_refs=$($NM "$static" | awk '
  $1 == "U" && NF == 2 { undefined[$2] = 1 }
  NF == 3 { defined[$3] = 1 }
  END { for (s in undefined) if (!(s in defined)) print s }' |
  grep -E '^(_Z|__cxa_|__gxx_)' | sort)
if [ -n "$runtime_refs" ]; then
  echo "FAIL: libevring.a references the C++ runtime:"
  echo "$runtime_refs" | sed 's/^/  /'
  status=1
else
  echo "libevring.a references no C++ runtime symbol"
fi
exit $status
