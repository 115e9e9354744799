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

/* Writes the escape of byte c into esc (no NUL) and returns its length: the
 * byte itself, or a backslash sequence for quotes, backslashes and control
 * characters (\n, \t, \r, else \u00XX, as Go's logfmt writes them), so
 * that a value never breaks its line or its quotes. */
static size_t escape_char(unsigned char c, char esc[6]) {
  static const char hex[] = "0123456789abcdef";
  char named = 0;
  switch (c) {
  case '"':
  case '\\':
    named = (char)c;
    break;
  case '\n':
    named = 'n';
    break;
  case '\t':
    named = 't';
    break;
  case '\r':
    named = 'r';
    break;
  default:
    break;
  }
  if (named) {
    esc[0] = '\\';
    esc[1] = named;
    return 2;
  }
  if (c < 0x20 || c == 0x7f) {
    esc[0] = '\\';
    esc[1] = 'u';
    esc[2] = '0';
    esc[3] = '0';
    esc[4] = hex[c >> 4];
    esc[5] = hex[c & 0xf];
    return 6;
  }
  esc[0] = (char)c;
  return 1;
}

/* A value is quoted when it is empty or holds a space, '=', a quote, a
 * backslash or a control character. */
static bool needs_quotes(const char *value) {
  if (*value == '\0') {
    return true;
  }
  for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; ++p) {
    if (*p <= ' ' || *p == '=' || *p == '"' || *p == '\\' || *p == 0x7f) {
      return true;
    }
  }
  return false;
}

/* Appends ` key=value` to out (value quoted and escaped when needs_quotes()
 * says so, or when forced); stops short of the end, never inside an escape,
 * and always leaves room for the closing quote. */
static void put_field(char *out, size_t cap, size_t *n, const char *key, const char *value, bool force_quotes) {
  bool quote = force_quotes || needs_quotes(value);
  int k = snprintf(out + *n, cap - *n, "%s%s=%s", *n ? " " : "", key, quote ? "\"" : "");
  if (k < 0 || (size_t)k >= cap - *n) {
    *n = cap - 1;
    return;
  }
  *n += (size_t)k;
  for (const unsigned char *p = (const unsigned char *)value; *p != '\0'; ++p) {
    char esc[6];
    size_t len = escape_char(*p, esc);
    if (*n + len + (quote ? 1 : 0) + 1 > cap) {
      break;
    }
    memcpy(out + *n, esc, len);
    *n += len;
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
  /* room for a whole message with some of it escaped, and the fields */
  char line[4 * ECS_ERROR_MAX];
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
