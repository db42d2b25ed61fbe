#include "cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

long bench_parse_long(const char *option, const char *text, long min, long max) {
  char *end;
  errno = 0;
  long value = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value < min || value > max) {
    fprintf(stderr, "invalid value for %s: '%s' (expected %ld..%ld)\n", option, text, min, max);
    exit(2);
  }
  return value;
}
