/** @file ecs/error.h
 *  Status codes. Every fallible call returns an ecs_status_t: ECS_OK (0) on
 *  success, a negative code otherwise. New codes may be added in later
 *  versions; treat any unknown negative value as a failure. */
#ifndef ECS_ERROR_H
#define ECS_ERROR_H

#include "config.h"

ECS_EXTERN_C_BEGIN

/* X-macro: (NAME, value, message). The enum, ecs_strerror() and
 * ecs_err_name() are all generated from this one list. */
#define ECS_STATUS_MAP(X)                                                                                              \
  X(OK, 0, "success")                                                                                                  \
  X(ERR_INVALID_ARGUMENT, -1, "invalid argument")                                                                      \
  X(ERR_NO_MEMORY, -2, "out of memory")                                                                                \
  X(ERR_STALE_ENTITY, -3, "entity handle is stale or was never created")                                               \
  X(ERR_UNKNOWN_COMPONENT, -4, "unknown component")                                                                    \
  X(ERR_DUPLICATE, -5, "name already registered with a different definition")                                          \
  X(ERR_MISUSE, -6, "library used incorrectly (wrong thread, wrong phase or wrong order)")                             \
  X(ERR_NOT_FOUND, -7, "not found")                                                                                    \
  X(ERR_LIMIT, -8, "a library limit was reached")                                                                      \
  X(ERR_UNSUPPORTED, -9, "operation not supported by this storage or build")                                           \
  X(ERR_BUSY, -10, "world is busy (a tick is running)")                                                                \
  X(ERR_CYCLE, -11, "dependency cycle")                                                                                \
  X(ERR_CONFLICT, -12, "conflicting access")                                                                           \
  X(ERR_SYSTEM_FAILED, -13, "a system failed")                                                                         \
  X(ERR_QUEUE_FULL, -14, "the task queue is full")                                                                     \
  X(ERR_IO, -15, "input/output error")                                                                                 \
  X(ERR_SNAPSHOT_CORRUPT, -16, "snapshot is corrupt or truncated")                                                     \
  X(ERR_SNAPSHOT_VERSION, -17, "snapshot format version or feature not supported")                                     \
  X(ERR_SNAPSHOT_SCHEMA, -18, "snapshot components do not match the world's")                                          \
  X(ERR_TYPE_MISMATCH, -19, "value size or type does not match the component")                                         \
  X(ERR_EXCEPTION, -20, "a C++ callback threw an exception")                                                           \
  X(ERR_DELTA_BASELINE, -21, "the world is not at the delta's baseline")

/** Result of every fallible call. */
typedef enum ecs_status_t {
#define ECS_PRIV_STATUS_ENUM(name, value, msg) ECS_##name = (value),
  ECS_STATUS_MAP(ECS_PRIV_STATUS_ENUM)
#undef ECS_PRIV_STATUS_ENUM
      ECS_PRIV_STATUS_FORCE_I32 = INT32_MIN
} ecs_status_t;

/** A human-readable message for @p status; "unknown status" for a value not
 *  in the list. Never NULL; the string is static.
 *  Thread-safety: any thread. */
ECS_API const char *ecs_strerror(ecs_status_t status);

/** The code's name without prefix ("ERR_STALE_ENTITY"); "UNKNOWN" for a value
 *  not in the list. Never NULL; the string is static.
 *  Thread-safety: any thread. */
ECS_API const char *ecs_err_name(ecs_status_t status);

ECS_EXTERN_C_END

#endif /* ECS_ERROR_H */
