/* Status codes, last-error bookkeeping and logging. */
#include "private.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *ecs_strerror(ecs_status_t status) {
  switch (status) {
#define ECS__STATUS_MSG(name, value, msg)                                                                              \
  case ECS_##name:                                                                                                     \
    return msg;
    ECS_STATUS_MAP(ECS__STATUS_MSG)
#undef ECS__STATUS_MSG
  default:
    return "unknown status";
  }
}

const char *ecs_err_name(ecs_status_t status) {
  switch (status) {
#define ECS__STATUS_NAME(name, value, msg)                                                                             \
  case ECS_##name:                                                                                                     \
    return #name;
    ECS_STATUS_MAP(ECS__STATUS_NAME)
#undef ECS__STATUS_NAME
  default:
    return "UNKNOWN";
  }
}

const char *ecs_log_level_name(ecs_log_level_t level) {
  static const char *const names[] = {"default", "trace", "debug", "info", "warn", "error", "off"};
  if ((unsigned)level > (unsigned)ECS_LOG_OFF) {
    return "unknown";
  }
  return names[level];
}

/* Appends ` key=value` to out (value quoted and escaped when it holds a
 * space, '=' or a quote, or when forced); stops short of the end. */
static void put_field(char *out, size_t cap, size_t *n, const char *key, const char *value, bool force_quotes) {
  bool quote = force_quotes || strpbrk(value, " =\"\\") != NULL || *value == '\0';
  /* room is kept for an escaped character (2), the closing quote and NUL */
  int k = snprintf(out + *n, cap - *n, "%s%s=%s", *n ? " " : "", key, quote ? "\"" : "");
  if (k < 0 || (size_t)k >= cap - *n) {
    *n = cap - 1;
    return;
  }
  *n += (size_t)k;
  for (const char *p = value; *p != '\0' && *n + 4 <= cap; ++p) {
    if (quote && (*p == '"' || *p == '\\')) {
      out[(*n)++] = '\\';
    }
    out[(*n)++] = *p;
  }
  if (quote && *n + 2 <= cap) {
    out[(*n)++] = '"';
  }
  out[*n] = '\0';
}

size_t ecs_log_format(char *out, size_t cap, ecs_log_level_t level, const char *msg, const ecs_log_fields_t *fields) {
  if (!out || cap == 0) {
    return 0;
  }
  size_t n = 0;
  out[0] = '\0';
  put_field(out, cap, &n, "level", ecs_log_level_name(level), false);
  if (fields && fields->tick) {
    char tick[24];
    snprintf(tick, sizeof tick, "%llu", (unsigned long long)fields->tick);
    put_field(out, cap, &n, "tick", tick, false);
  }
  if (fields && fields->group) {
    put_field(out, cap, &n, "group", fields->group, false);
  }
  if (fields && fields->system) {
    put_field(out, cap, &n, "system", fields->system, false);
  }
  put_field(out, cap, &n, "msg", msg ? msg : "", true);
  return n;
}

void ecs_log_stderr(void *user, ecs_log_level_t level, const char *msg, const ecs_log_fields_t *fields) {
  (void)user;
  char line[ECS_ERROR_MAX + 256];
  size_t n = ecs_log_format(line, sizeof line - 1, level, msg, fields);
  line[n++] = '\n';
  line[n] = '\0';
  fputs(line, stderr);
}

static void ecs__vlog(const ecs_world_t *w, ecs_log_level_t level, const ecs_log_fields_t *fields, const char *fmt,
                      va_list ap) {
  char msg[ECS_ERROR_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  static const ecs_log_fields_t none = {0, NULL, NULL};
  w->log(w->log_user, level, msg, fields ? fields : &none);
}

void ecs__log_fields(const ecs_world_t *w, ecs_log_level_t level, const ecs_log_fields_t *fields, const char *fmt,
                     ...) {
  if (level < w->log_level) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  ecs__vlog(w, level, fields, fmt, ap);
  va_end(ap);
}

void ecs__log(const ecs_world_t *w, ecs_log_level_t level, const char *fmt, ...) {
  if (level < w->log_level) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  ecs__vlog(w, level, NULL, fmt, ap);
  va_end(ap);
}

ecs_status_t ecs__fail(ecs_world_t *w, ecs_status_t status, const char *fmt, ...) {
  if (w->in_tick) {
    return status; /* see ecs__ok() */
  }
  w->last_status = status;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(w->last_error, sizeof w->last_error, fmt, ap);
  va_end(ap);
  if (ECS_LOG_DEBUG >= w->log_level) {
    ecs__log(w, ECS_LOG_DEBUG, "%s: %s", ecs_err_name(status), w->last_error);
  }
  return status;
}

const char *ecs_last_error(const ecs_world_t *world) {
  return world ? world->last_error : "world is NULL";
}

ecs_status_t ecs_last_status(const ecs_world_t *world) {
  return world ? world->last_status : ECS_ERR_INVALID_ARGUMENT;
}
