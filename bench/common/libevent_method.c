#include "libevent_method.h"

#include <string.h>

struct event_base *bench_libevent_base(const char *method, const char **failure) {
  struct event_config *config = event_config_new();
  if (!config) {
    *failure = "event_config_new failed";
    return NULL;
  }
  const char **methods = event_get_supported_methods();
  for (int i = 0; methods[i]; i++) {
    if (strcmp(methods[i], method) != 0) event_config_avoid_method(config, methods[i]);
  }
  struct event_base *base = event_base_new_with_config(config);
  event_config_free(config);
  if (!base) {
    *failure = "libevent has no such method here";
    return NULL;
  }
  if (strcmp(event_base_get_method(base), method) != 0) {
    *failure = "libevent chose another method";
    event_base_free(base);
    return NULL;
  }
  return base;
}
