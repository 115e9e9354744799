/** @file ecs/digest.h
 *  Desync localisation: per-tick digests of what each system and each
 *  barrier changed, kept in a digest log that two peers (or two runs) can
 *  compare to find the first place they went apart.
 *
 *  Off by default: a scheduler without a log costs two predictable
 *  branches per group run and two per tick. With a log attached (ecs_scheduler_set_digests()) each
 *  tick appends, in execution order:
 *  - after each system of a SYNC group, and after all systems of an ASYNC
 *    group (in declared order), one record per component the system
 *    declared WRITE (its values) and per resource in its writes[];
 *  - after the barrier applied a system's non-empty command buffers, one
 *    record of the entity registry and one per component its commands
 *    named (every component when they destroyed an entity or an observer
 *    could have run);
 *  - at the end of the tick, the world checksum (ecs_world_checksum()),
 *    which also catches writes no system declared.
 *  Every record is computed on the ticking thread at a point where the
 *  world is the same for any thread count, so two logs of the same inputs
 *  are equal record for record. At ECS_DIGEST_ENTITIES a record also keeps
 *  one hash per entity, so a comparison names the entity, not just the
 *  component. docs/netcode.md shows the use; docs/adr/0008 the choices. */
#ifndef ECS_DIGEST_H
#define ECS_DIGEST_H

#include "config.h"
#include "entity.h"
#include "error.h"
#include "io.h"
#include "scheduler.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** The digest log file format version this library writes (and reads). */
#define ECS_DIGEST_FORMAT_VERSION 1

typedef struct ecs_digest_log_t ecs_digest_log_t;

/** How much a scheduler records into its digest log. */
typedef enum ecs_digest_level_t {
  ECS_DIGEST_OFF = 0,        /**< nothing (the default) */
  ECS_DIGEST_COMPONENTS = 1, /**< one 64-bit digest per record */
  ECS_DIGEST_ENTITIES = 2,   /**< also one hash per entity (and resource) of each record */
  ECS_PRIV_DIGEST_LEVEL_FORCE_U32 = 0x7fffffff
} ecs_digest_level_t;

/** What a record digests. */
typedef enum ecs_digest_kind_t {
  ECS_DIGEST_WRITE = 0,    /**< a component's values a system declared WRITE, after the system */
  ECS_DIGEST_RESOURCE = 1, /**< a resource in a system's writes[], after the system */
  ECS_DIGEST_COMMANDS = 2, /**< a component (or "(entities)") after a system's commands were applied */
  ECS_DIGEST_TICK = 3,     /**< the world checksum at the end of the tick */
  ECS_PRIV_DIGEST_KIND_FORCE_U32 = 0x7fffffff
} ecs_digest_kind_t;

/** Creates an empty digest log. Its memory comes from @p world's
 *  allocator; it may record the schedulers of any world of the same
 *  schema, and be loaded from a file and compared without a scheduler.
 *  Ownership: the caller frees it with ecs_digest_log_free(), before the
 *  world; freeing a log a scheduler records into detaches it first.
 *  Errors: NULL for a NULL world or out of memory.
 *  Thread-safety: world owner thread. */
ECS_API ecs_digest_log_t *ecs_digest_log_new(ecs_world_t *world);

/** Frees the log (a scheduler recording into it stops: as
 *  ecs_scheduler_set_digests(s, NULL, ...)). NULL is a no-op.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API void ecs_digest_log_free(ecs_digest_log_t *log);

/** Attaches @p log to @p s at @p level (NULL or ECS_DIGEST_OFF: detaches;
 *  the log keeps its records). From the next tick on, each tick appends
 *  its records; a tick numbered at or before the log's last one (a
 *  rollback, ecs_scheduler_set_tick()) first drops the records of that
 *  tick and every later one, so the log always tells the history that
 *  stands. A log takes one scheduler's records at a time.
 *  If a record cannot be stored (out of memory) the log stops recording
 *  and ecs_digest_log_status() says so; ticks are not affected.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL scheduler, unknown level),
 *  ECS_ERR_BUSY (during a tick), ECS_ERR_NO_MEMORY (nothing changed).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_scheduler_set_digests(ecs_scheduler_t *s, ecs_digest_log_t *log, ecs_digest_level_t level);

/** ECS_OK, or the error that stopped recording (ECS_ERR_NO_MEMORY);
 *  ECS_ERR_INVALID_ARGUMENT for NULL. ecs_digest_log_clear() resets it. */
ECS_API ecs_status_t ecs_digest_log_status(const ecs_digest_log_t *log);

/** Drops every record (names are kept). NULL is a no-op.
 *  Thread-safety: owner thread, outside a tick of a scheduler using it. */
ECS_API void ecs_digest_log_clear(ecs_digest_log_t *log);

/** Drops the records of ticks before @p tick: a long session keeps the
 *  ticks it may still have to compare (say, since the last confirmed
 *  tick). NULL is a no-op. Thread-safety: as ecs_digest_log_clear(). */
ECS_API void ecs_digest_log_drop_before(ecs_digest_log_t *log, uint64_t tick);

/** Number of records, and the first and last tick recorded (0 when
 *  empty or NULL). Thread-safety: any thread while no one changes it. */
ECS_API size_t ecs_digest_log_count(const ecs_digest_log_t *log);
ECS_API uint64_t ecs_digest_log_first_tick(const ecs_digest_log_t *log);
ECS_API uint64_t ecs_digest_log_last_tick(const ecs_digest_log_t *log);

/** The hash of one entity's value in a record (a resource: entity
 *  ECS_ENTITY_NULL). */
typedef struct ecs_digest_entry_t {
  ecs_entity_t entity;
  uint64_t hash;
} ecs_digest_entry_t;

/** One record, for tools. Names are the log's (valid until it is loaded
 *  into or freed); entries (ECS_DIGEST_ENTITIES only, else NULL and 0) are
 *  sorted by entity. */
typedef struct ecs_digest_record_t {
  uint64_t tick;
  ecs_digest_kind_t kind;
  const char *group;     /**< "" for ECS_DIGEST_TICK */
  const char *system;    /**< "" for ECS_DIGEST_TICK */
  const char *component; /**< "(entities)" for the registry, "(world)" for ECS_DIGEST_TICK */
  uint64_t digest;
  const ecs_digest_entry_t *entries;
  size_t entry_count;
} ecs_digest_record_t;

/** Fills @p out with record @p index (0-based, in recording order).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (index out
 *  of range). Thread-safety: as ecs_digest_log_count(). */
ECS_API ecs_status_t ecs_digest_log_record(const ecs_digest_log_t *log, size_t index, ecs_digest_record_t *out);

/** Writes the log through @p out (format in docs/netcode.md, "Digest log
 *  files": a snapshot-style header, then names and records).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL, incomplete writer), the
 *  log's own error (an incomplete log is not saved), ECS_ERR_LIMIT, ECS_ERR_NO_MEMORY, the writer's error.
 *  Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_digest_log_save(const ecs_digest_log_t *log, const ecs_writer_t *out);

/** Replaces the log's content with one read from @p in, all or nothing
 *  (magic, version, checksums, every length, index and tick order are
 *  checked first). Errors: ECS_ERR_INVALID_ARGUMENT (NULL, incomplete
 *  reader, the log is attached to a scheduler), ECS_ERR_SNAPSHOT_CORRUPT
 *  (not a digest log, truncated, a checksum, length or index out of
 *  range, ticks out of order), ECS_ERR_SNAPSHOT_VERSION (another format
 *  version), ECS_ERR_NO_MEMORY, a reader error. On error the log is as
 *  before. Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_digest_log_load(ecs_digest_log_t *log, const ecs_reader_t *in);

/** ecs_digest_log_save() / ecs_digest_log_load() with a file (ECS_ERR_IO
 *  when it cannot be opened, written or read). */
ECS_API ecs_status_t ecs_digest_log_save_file(const ecs_digest_log_t *log, const char *path);
ECS_API ecs_status_t ecs_digest_log_load_file(ecs_digest_log_t *log, const char *path);

/** Why two logs differ at the first divergence. */
typedef enum ecs_divergence_reason_t {
  ECS_DIVERGENCE_NONE = 0,   /**< equal over the ticks both hold */
  ECS_DIVERGENCE_DIGEST = 1, /**< the same record, other digests */
  /** The records themselves differ: another group, system, component or
   *  kind at the same place, or one more record in a tick (a system that
   *  recorded commands on one side only, another schedule). */
  ECS_DIVERGENCE_RECORD = 2,
  ECS_PRIV_DIVERGENCE_FORCE_U32 = 0x7fffffff
} ecs_divergence_reason_t;

/** The first divergence of two logs (ecs_digest_log_compare()). Names
 *  point into log a (into log b where a has no record); they stay valid
 *  while both logs are unchanged. */
typedef struct ecs_divergence_t {
  ecs_divergence_reason_t reason;
  uint64_t first_tick; /**< ticks compared: the range both logs hold */
  uint64_t last_tick;
  uint64_t tick; /**< where they diverge */
  ecs_digest_kind_t kind;
  const char *group;
  const char *system;
  const char *component;
  uint64_t digest_a; /**< 0 where a has no record */
  uint64_t digest_b;
  /** The first entity (by id) whose hash differs, or that only one side
   *  has; ECS_ENTITY_NULL for a resource or when unknown (entity_known). */
  ecs_entity_t entity;
  bool entity_known; /**< both records carry entity hashes */
  bool entity_only_in_a;
  bool entity_only_in_b;
  /** For ECS_DIVERGENCE_RECORD: what b has at that place (NULL: nothing). */
  const char *b_group;
  const char *b_system;
  const char *b_component;
  size_t record_a; /**< index of the record in a (or SIZE_MAX) */
  size_t record_b;
} ecs_divergence_t;

/** Compares two logs over the ticks both hold and fills @p out with the
 *  first divergence in recording order (reason ECS_DIVERGENCE_NONE when
 *  they agree). The logs may come from two peers, two runs, or files.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (no tick in
 *  common; out is filled with reason NONE), a log's own recording error.
 *  Thread-safety: any thread while no one changes either log. */
ECS_API ecs_status_t ecs_digest_log_compare(const ecs_digest_log_t *a, const ecs_digest_log_t *b,
                                            ecs_divergence_t *out);

/** Writes a one-paragraph report of @p d into @p buf (at most @p cap bytes,
 *  always terminated when cap > 0), e.g. "first divergence at tick 42:
 *  group 'sim' system 'jitter' wrote component 'Velocity', entity 17v0
 *  differs (a 0x..., b 0x...)". Returns the length the full report needs
 *  (snprintf style); 0 for a NULL @p d. Thread-safety: any thread. */
ECS_API size_t ecs_divergence_format(const ecs_divergence_t *d, char *buf, size_t cap);

ECS_EXTERN_C_END

#endif /* ECS_DIGEST_H */
