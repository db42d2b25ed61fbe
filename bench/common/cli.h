/* Strict number parsing for the benchmark programs' command lines: a typo must not become 0. */
#ifndef BENCH_CLI_H
#define BENCH_CLI_H

/* Parses a decimal integer in [min, max]; on anything else prints the option name and exits 2. */
long bench_parse_long(const char *option, const char *text, long min, long max);

#endif
