/** @file ecs/replay.h
 *  Input logs and replays: a snapshot of the world at a start tick and,
 *  per tick after it, the host's inputs (opaque bytes) and optionally the
 *  world checksum after the tick. Restoring the start and ticking again
 *  with the recorded inputs must give the recorded checksums (determinism):
 *  the first tick whose checksum differs is where a run went astray. A
 *  replay saves to one file a user can attach to a bug report, versioned
 *  and checksummed like a snapshot (docs/snapshot-format.md, "Replays").
 *
 *  Beside a rollback ring (snapshot.h) the log gives the inputs to apply
 *  again after a restore: record each tick's input before ticking, and
 *  after ecs_rollback_restore(rb, t) re-run t+1.. with
 *  ecs_replay_input(). Recording a tick again (a corrected input after a
 *  rollback) drops the records of that tick and later ones. */
#ifndef ECS_REPLAY_H
#define ECS_REPLAY_H

#include "config.h"
#include "error.h"
#include "io.h"
#include "scheduler.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef struct ecs_replay_t ecs_replay_t;

/** The replay file format version this library writes (and reads). */
#define ECS_REPLAY_FORMAT_VERSION 1

/** Creates an empty replay for @p world (no start yet).
 *  Ownership: the caller frees it with ecs_replay_free(), before the
 *  world; its memory comes from the world's allocator.
 *  Errors: NULL for a NULL world or out of memory.
 *  Thread-safety: world owner thread. */
ECS_API ecs_replay_t *ecs_replay_new(ecs_world_t *world);

/** Frees the replay. NULL is a no-op. Thread-safety: owner thread. */
ECS_API void ecs_replay_free(ecs_replay_t *replay);

/** Starts a recording at @p tick: snapshots the world as it is now (the
 *  state after @p tick) and drops any earlier recording.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), otherwise as
 *  ecs_snapshot_save() (the replay is then unchanged).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_replay_start(ecs_replay_t *replay, uint64_t tick);

/** Records the input of @p tick (the bytes are copied; @p size may be 0).
 *  @p tick must be after the start; recording a tick at or before the last
 *  one recorded first drops the records of that tick and every later one.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL replay, NULL input with a size,
 *  no start yet, @p tick not after the start), ECS_ERR_NO_MEMORY (nothing
 *  changed). Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_replay_record(ecs_replay_t *replay, uint64_t tick, const void *input, size_t size);

/** Records the world checksum after @p tick (ecs_world_checksum()) in the
 *  record of @p tick, which must be the last one recorded.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (@p tick is
 *  not the last tick recorded). Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_replay_mark(ecs_replay_t *replay, uint64_t tick, uint64_t checksum);

/** The input recorded for @p tick: *data (valid until the replay changes)
 *  and *size. Errors: ECS_ERR_INVALID_ARGUMENT (a NULL argument),
 *  ECS_ERR_NOT_FOUND (no record of @p tick). Thread-safety: any thread
 *  while no one changes the replay. */
ECS_API ecs_status_t ecs_replay_input(const ecs_replay_t *replay, uint64_t tick, const void **data, size_t *size);

/** The checksum recorded after @p tick. Errors: as ecs_replay_input(), and
 *  ECS_ERR_NOT_FOUND when the record has no checksum. */
ECS_API ecs_status_t ecs_replay_checksum(const ecs_replay_t *replay, uint64_t tick, uint64_t *checksum);

/** The start tick (0 before a start) and the number of ticks recorded.
 *  Thread-safety: as ecs_replay_input(). */
ECS_API uint64_t ecs_replay_start_tick(const ecs_replay_t *replay);
ECS_API size_t ecs_replay_count(const ecs_replay_t *replay);

/** Loads the start snapshot into the world (ecs_snapshot_load(): also the
 *  schedulers' state, so their next tick is the start tick + 1).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL, no start), otherwise as
 *  ecs_snapshot_load() (the world is then unchanged).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_replay_restore(const ecs_replay_t *replay);

/** Puts the input recorded for @p tick into @p world before the tick is
 *  simulated (typically: sets the resource the systems read). @p input is
 *  NULL and @p size 0 for a tick with no record. Anything but ECS_OK stops
 *  ecs_replay_verify() with that error. */
typedef ecs_status_t (*ecs_replay_apply_fn)(ecs_world_t *world, uint64_t tick, const void *input, size_t size,
                                            void *user);

/** Re-simulates the replay and checks it: ecs_replay_restore(), then for
 *  each tick from the start + 1 to the last one recorded, @p apply with
 *  its input and ecs_scheduler_tick(@p s, @p dt); after each tick with a
 *  recorded checksum (ecs_replay_mark()) compares ecs_world_checksum().
 *  It stops at the first tick whose checksum differs and sets
 *  *@p first_mismatch to it (0: every recorded checksum matched). The
 *  world is left as after the last tick simulated; with a digest log
 *  attached to @p s (digest.h) that log then holds the re-simulation, to
 *  compare with one recorded in the original run.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (a NULL argument, @p s of another
 *  world, no start), an error of the restore (nothing simulated), the
 *  first error of @p apply or of a tick (*@p first_mismatch is then 0).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_replay_verify(const ecs_replay_t *replay, ecs_scheduler_t *s, double dt,
                                       ecs_replay_apply_fn apply, void *user, uint64_t *first_mismatch);

/** Writes the replay (start tick, start snapshot, every record) through
 *  @p out. Errors: ECS_ERR_INVALID_ARGUMENT (NULL, incomplete writer, no
 *  start), ECS_ERR_NO_MEMORY, the writer's error.
 *  Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_replay_save(const ecs_replay_t *replay, const ecs_writer_t *out);

/** Replaces the replay's content with one read from @p in: all or nothing
 *  (magic, version, checksums and every length are checked first; the
 *  snapshot inside is checked when ecs_replay_restore() loads it).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL, incomplete reader),
 *  ECS_ERR_SNAPSHOT_CORRUPT (not a replay, truncated, a checksum or length
 *  mismatch, ticks out of order), ECS_ERR_SNAPSHOT_VERSION (another format
 *  version, an unknown flag), ECS_ERR_NO_MEMORY, a reader error. On error
 *  the replay is as before. Thread-safety: owner thread. */
ECS_API ecs_status_t ecs_replay_load(ecs_replay_t *replay, const ecs_reader_t *in);

/** ecs_replay_save() / ecs_replay_load() with a file (ECS_ERR_IO when it
 *  cannot be opened, written or read). */
ECS_API ecs_status_t ecs_replay_save_file(const ecs_replay_t *replay, const char *path);
ECS_API ecs_status_t ecs_replay_load_file(ecs_replay_t *replay, const char *path);

ECS_EXTERN_C_END

#endif /* ECS_REPLAY_H */
