#!/bin/sh
# automake cannot glob, so Makefile.am lists every source and header. This check names any file
# in ev/, backends/ or tests/ that the lists miss, so a new file cannot silently stay out of the
# library, the test binary or the release tarball.
# EVRING_LISTED_FILES holds every list, as Makefile.am passes it.
set -u
cd "$abs_top_srcdir" || exit 99

unlisted=
for file in ev/*.cc ev/*.h backends/*.cc backends/*.h tests/*.cpp tests/*.h; do
  [ -e "$file" ] || continue
  case " $EVRING_LISTED_FILES " in
    *" $file "*) ;;
    *) unlisted="$unlisted $file" ;;
  esac
done

if [ -n "$unlisted" ]; then
  echo "Files not listed in Makefile.am:"
  for file in $unlisted; do
    case $file in
      ev/ev.h | ev/ev++.h | ev/event.h) list=evringinclude_HEADERS ;;
      *.cc) list=libevring_la_SOURCES ;;
      ev/*.h | backends/*.h) list=noinst_HEADERS ;;
      tests/*) list=tests_evring_tests_SOURCES ;;
    esac
    echo "  $file  -> add it to $list"
  done
  exit 1
fi
echo "Every file in ev/, backends/ and tests/ is listed in Makefile.am."
