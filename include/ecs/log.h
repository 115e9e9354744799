/** @file ecs/log.h
 *  Pluggable logging. A world sends its messages to one ecs_log_fn; the
 *  default writes logfmt lines to stderr for WARN and above. */
#ifndef ECS_LOG_H
#define ECS_LOG_H

#include "config.h"

ECS_EXTERN_C_BEGIN

/** Severity of a log message; a world drops messages below its level. */
typedef enum ecs_log_level_t {
  ECS_LOG_DEFAULT = 0, /**< in a descriptor: the default level (WARN) */
  ECS_LOG_TRACE = 1,
  ECS_LOG_DEBUG = 2,
  ECS_LOG_INFO = 3,
  ECS_LOG_WARN = 4,
  ECS_LOG_ERROR = 5,
  ECS_LOG_OFF = 6,
  ECS_PRIV_LOG_FORCE_U32 = 0x7fffffff
} ecs_log_level_t;

/** Structured fields of a message: which tick, group and system it comes
 *  from. Zero / NULL when not applicable (outside a tick, outside a
 *  system). Every message logged from inside a system carries the group and
 *  system names. */
typedef struct ecs_log_fields_t {
  uint64_t tick;
  const char *group;
  const char *system;
} ecs_log_fields_t;

/** A log sink, set in ecs_world_desc_t or later with ecs_world_set_log().
 *  @p msg is a NUL-terminated message without trailing newline (as the
 *  host's code wrote it: escaping is the formatter's job);
 *  @p fields is never NULL. Both are valid only for the duration of the
 *  call.
 *  Thread-safety: the library calls it from the world's owner thread and,
 *  while ASYNC groups or ecs_parallel_for run, from worker threads (a
 *  failing system's WARN, an access violation's ERROR): a sink must then
 *  be thread-safe. The default one is. */
typedef void (*ecs_log_fn)(void *user, ecs_log_level_t level, const char *msg, const ecs_log_fields_t *fields);

/** Lower-case name of @p level ("warn"); "unknown" for other values.
 *  Thread-safety: any thread. */
ECS_API const char *ecs_log_level_name(ecs_log_level_t level);

/** The default sink: writes one logfmt line to stderr,
 *  `level=warn tick=12 group=physics system=integrate msg="..."` (fields
 *  that do not apply are left out; a value that is empty or holds a space,
 *  '=', a quote, a backslash or a control character is quoted, and inside
 *  quotes `"` and `\` are escaped with a backslash, newline, tab and
 *  carriage return as `\n`, `\t`, `\r` and other control characters as
 *  `\u00XX`, so a message is always one line). @p user is ignored.
 *  Thread-safety: any thread (one fputs per line). */
ECS_API void ecs_log_stderr(void *user, ecs_log_level_t level, const char *msg, const ecs_log_fields_t *fields);

/** Formats a logfmt line like ecs_log_stderr() into @p out (always
 *  NUL-terminated, truncated to @p cap); returns its length. For sinks
 *  that write elsewhere. @p msg and @p fields may be NULL; a NULL @p out
 *  or a @p cap of 0 writes nothing and returns 0. Thread-safety: any
 *  thread. */
ECS_API size_t ecs_log_format(char *out, size_t cap, ecs_log_level_t level, const char *msg,
                              const ecs_log_fields_t *fields);

ECS_EXTERN_C_END

#endif /* ECS_LOG_H */
