/* Digest logs (digest.c) and what the scheduler records into them
 * (scheduler_digest.c). */
#ifndef ECS_DIGEST_INTERNAL_H
#define ECS_DIGEST_INTERNAL_H

#include "ecs/digest.h"
#include "private.h"

#define ECS__DLOG_NO_NAME UINT32_MAX

typedef ecs_digest_entry_t ecs__dlog_entry_t;

typedef struct ecs__dlog_rec_t {
  uint64_t tick;
  uint64_t digest;
  size_t entry; /* its first entry */
  uint32_t entry_count;
  uint32_t group; /* name indices */
  uint32_t system;
  uint32_t component;
  uint8_t kind;
} ecs__dlog_rec_t;

typedef struct ecs__dlog_content_t {
  char **names;
  uint32_t name_count;
  uint32_t name_cap;
  ecs__dlog_rec_t *recs; /* ticks ascending */
  uint32_t rec_count;
  uint32_t rec_cap;
  ecs__dlog_entry_t *entries;
  size_t entry_count;
  size_t entry_cap;
} ecs__dlog_content_t;

struct ecs_digest_log_t {
  ecs_world_t *world; /* its allocator and error reporting */
  ecs__dlog_content_t c;
  ecs_status_t error;            /* what stopped recording */
  struct ecs_scheduler_t *sched; /* the scheduler recording into it, or NULL */
};

/* The index of name in the log, interned; ECS__DLOG_NO_NAME when out of memory. */
uint32_t ecs__digest_log_name(ecs_digest_log_t *log, const char *name);
/* Appends a record (its entry fields are set here); false (and the log's
 * error set) when out of memory. */
bool ecs__digest_log_append(ecs_digest_log_t *log, const ecs__dlog_rec_t *rec, const ecs__dlog_entry_t *entries,
                            size_t n);
/* Detaches the log from the scheduler recording into it (scheduler_digest.c). */
void ecs__digest_log_detach(ecs_digest_log_t *log);
/* Drops the records of @p tick and later ones. */
void ecs__digest_log_truncate(ecs_digest_log_t *log, uint64_t tick);

#endif /* ECS_DIGEST_INTERNAL_H */
