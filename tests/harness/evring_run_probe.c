/* Built against libev by check-evring-run.sh, then run through evring-run: prints which library
 * file provides ev_run (evring's or libev's, whatever the loader was told), the backend of the
 * default loop (created with EVFLAG_NOENV when the first argument is --noenv), its arguments
 * and LD_LIBRARY_PATH; exits with the number of its arguments. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <ev.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  Dl_info info;
  char file[PATH_MAX];
  if (!dladdr((void *)ev_run, &info) || !realpath(info.dli_fname, file)) return 100;
  printf("library %s\n", basename(file));
  int noenv = argc > 1 && strcmp(argv[1], "--noenv") == 0;
  struct ev_loop *loop = ev_default_loop(noenv ? EVFLAG_NOENV : 0);
  printf("backend %u\n", loop ? ev_backend(loop) : 0u);
  for (int i = 1; i < argc; i++) printf("argument %s\n", argv[i]);
  const char *path = getenv("LD_LIBRARY_PATH");
  printf("LD_LIBRARY_PATH %s\n", path ? path : "(unset)");
  return argc - 1;
}
