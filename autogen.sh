#!/bin/sh
# Generates configure and Makefile.in from configure.ac and Makefile.am (a git checkout has
# neither). Needs autoconf, automake, libtool and pkg-config (for its pkg.m4).
set -e
cd "$(dirname "$0")"
mkdir -p m4 # libtoolize fills it; aclocal warns if it is missing beforehand
autoreconf --install --force --warnings=all
echo "Now run ./configure (see ./configure --help), or ./quickstart demo|test."
