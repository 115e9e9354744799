/* Status codes, last-error bookkeeping and logging. */
#include "private.h"

#include <stdarg.h>
#include <stdio.h>

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

void ecs_log_stderr(void *user, ecs_log_level_t level, const char *msg) {
  (void)user;
  char line[ECS_ERROR_MAX + 64];
  /* logfmt: quotes inside the message are escaped so the line stays parseable */
  size_t n = (size_t)snprintf(line, sizeof line, "level=%s msg=\"", ecs_log_level_name(level));
  /* room is kept for an escaped character (2) plus the closing '"', '\n', NUL */
  for (const char *p = msg; *p != '\0' && n + 5 <= sizeof line; ++p) {
    if (*p == '"' || *p == '\\') {
      line[n++] = '\\';
    }
    line[n++] = *p;
  }
  line[n++] = '"';
  line[n++] = '\n';
  line[n] = '\0';
  fputs(line, stderr);
}

static void ecs__vlog(const ecs_world_t *w, ecs_log_level_t level, const char *fmt, va_list ap) {
  char msg[ECS_ERROR_MAX];
  vsnprintf(msg, sizeof msg, fmt, ap);
  w->log(w->log_user, level, msg);
}

void ecs__log(const ecs_world_t *w, ecs_log_level_t level, const char *fmt, ...) {
  if (level < w->log_level) {
    return;
  }
  va_list ap;
  va_start(ap, fmt);
  ecs__vlog(w, level, fmt, ap);
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
