/** @file ecs/snapshot.h
 *  Snapshots: the whole state of a world (entity registry with generations
 *  and free list, component values, resources, and the state of its
 *  schedulers that decides their next ticks) as a versioned, checksummed
 *  binary blob, written to any ecs_writer_t and read from any ecs_reader_t
 *  (io.h). docs/snapshot-format.md describes the bytes.
 *
 *  Components are matched by name. A value is saved as its raw bytes
 *  (memcpy) unless its component has serialize/deserialize hooks
 *  (component.h); raw values are only portable between hosts of the same
 *  byte order. Components flagged ECS_COMPONENT_TRANSIENT are neither saved
 *  nor required on load.
 *
 *  Rollback keeps the last N snapshots of a world in memory, by tick, so a
 *  host can restore an earlier tick and simulate forward again. */
#ifndef ECS_SNAPSHOT_H
#define ECS_SNAPSHOT_H

#include "config.h"
#include "error.h"
#include "io.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** The snapshot format version this library writes. It reads this one and
 *  every older one (version 1: without scheduler state). */
#define ECS_SNAPSHOT_FORMAT_VERSION 2

/** Writes a snapshot of @p world through @p out: header, component schema,
 *  entity table, the archetype table layout, every non-transient component
 *  value (in storage order) and every non-transient resource.
 *  With a writer from ecs_membuf_writer() the snapshot is built in place in
 *  the buffer (appended; on error the buffer is as before). Any other
 *  writer (a file, a socket, the host's) gets it streamed in pieces of a few
 *  kilobytes, with no copy of the snapshot in memory: the world is walked
 *  twice, once to measure (the header holds the length and CRC) and once to
 *  write, so serialize hooks are called twice per value and must write the
 *  same bytes both times. Extra memory: a few words per component.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, NULL or incomplete writer),
 *          ECS_ERR_BUSY (during a tick), ECS_ERR_NO_MEMORY, ECS_ERR_LIMIT
 *          (a component name over 65535 bytes, a serialized value over
 *          4 GiB), the first error of a serialize hook or of the writer
 *          (e.g. ECS_ERR_IO), ECS_ERR_MISUSE (a streamed save wrote other
 *          bytes than it measured: a serialize hook whose output changes).
 *          A failed streamed save may have written part of a snapshot;
 *          loading it fails cleanly (ECS_ERR_SNAPSHOT_CORRUPT).
 *          The world is never changed.
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_snapshot_save(ecs_world_t *world, const ecs_writer_t *out);

/** Replaces the state of @p world with the snapshot read from @p in. All
 *  or nothing: the whole snapshot is read and checked (magic, version,
 *  checksums, lengths, schema, entity table) and every value constructed
 *  before the world is touched; on any error the world is exactly as before.
 *  On success:
 *  - the entity registry is the snapshot's: same slots, generations, alive
 *    flags and free-list order, so saved handles are valid again and the
 *    next entity created gets the id it would have got in the saved world;
 *  - every component's old values are destructed (dtor hooks) and replaced
 *    by the snapshot's, in the saved storage order (each component keeps
 *    the world's storage kind). Components registered in the world but
 *    absent from the snapshot end up with no values and no resource;
 *    transient components end up with no values and keep their resource;
 *  - resources of non-transient components are the snapshot's;
 *  - change detection: components tracked by the world (some query
 *    filters on them) get the saved change and add ticks, so a scheduler
 *    system sees after a restore what it saw the first time; where the
 *    snapshot has no ticks for one (version 1, or not tracked by the
 *    saver) every loaded value counts as added and written by the load,
 *    for queries filtering with ECS_CHANGED()/ECS_ADDED();
 *  - no observer runs (a load restores a state, it makes no changes);
 *  - each scheduler of the world takes the saved state of the scheduler
 *    with the same group and system names (tick count, fixed-step
 *    accumulators, failure streaks, quarantine); saved state no scheduler
 *    took is kept for the next ecs_scheduler_build() on this world.
 *    Snapshots of format version 1 carry none and leave schedulers as
 *    they are.
 *  Components are matched by name; a snapshot component the world does not
 *  register is an error, unless it is transient. Archetype tables the
 *  world already has keep their order (queries stay valid), so loading
 *  into the same world (rollback) or into a fresh world reproduces the
 *  saved iteration order exactly. A @p in from ecs_memreader() is parsed
 *  in place (no copy) and advanced past the snapshot. Any other reader
 *  (a file, a host's stream) is read a section at a time: the snapshot is
 *  never held whole, only the new state being built and a 64 KB window;
 *  the payload checksum is then checked at the end, before anything
 *  changes. A deserialize or
 *  migrate hook may therefore see damaged bytes; when the checksum shows
 *  damage, the load reports ECS_ERR_SNAPSHOT_CORRUPT whatever the hook
 *  returned.
 *  Ownership: nothing of @p in is kept. On success every pointer into the
 *             world's values and resources (ecs_get(), ecs_field(),
 *             ecs_resource_get()) is invalid; queries, component ids
 *             and the world's other handles stay valid.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, NULL or incomplete
 *          reader), ECS_ERR_BUSY (during a tick),
 *          ECS_ERR_SNAPSHOT_CORRUPT (not a snapshot, truncated, a checksum
 *          or length mismatch, an inconsistent entity table or value),
 *          ECS_ERR_SNAPSHOT_VERSION (a format version or flag this library
 *          does not know), ECS_ERR_SNAPSHOT_SCHEMA (a component unknown to
 *          the world, a size or alignment mismatch, a newer schema version,
 *          an older one without migrate hook, transient flag or hooks that
 *          differ, raw values saved on a host of the other byte order;
 *          ecs_last_error() names the components), ECS_ERR_NO_MEMORY, a
 *          reader error (ECS_ERR_IO; a memory or FILE* reader that runs
 *          out of data is reported as ECS_ERR_SNAPSHOT_CORRUPT), the error
 *          of a deserialize/migrate hook or of a host storage's create().
 *  Thread-safety: world owner thread, outside a tick, with no iteration in
 *  progress; command buffers holding handles of the old state should be
 *  cleared first (apply skips entities that are no longer alive). */
ECS_API ecs_status_t ecs_snapshot_load(ecs_world_t *world, const ecs_reader_t *in);

/** ecs_snapshot_save() to the file at @p path (created or truncated).
 *  Errors: as ecs_snapshot_save(); ECS_ERR_INVALID_ARGUMENT for a NULL
 *  path, ECS_ERR_IO when the file cannot be opened, written or closed (a
 *  partial file may remain). Thread-safety: as ecs_snapshot_save(). */
ECS_API ecs_status_t ecs_snapshot_save_file(ecs_world_t *world, const char *path);

/** ecs_snapshot_load() from the file at @p path.
 *  Errors: as ecs_snapshot_load(); ECS_ERR_INVALID_ARGUMENT for a NULL
 *  path, ECS_ERR_IO when the file cannot be opened or read.
 *  Thread-safety: as ecs_snapshot_load(). */
ECS_API ecs_status_t ecs_snapshot_load_file(ecs_world_t *world, const char *path);

/** A ring of the last N snapshots of one world, each tagged with a tick. */
typedef struct ecs_rollback_t ecs_rollback_t;

/** Creates a ring of @p capacity snapshots of @p world (nothing saved yet).
 *  Ownership: the caller frees it with ecs_rollback_free(), before the
 *  world. The ring keeps @p world; its buffers come from the world's
 *  allocator.
 *  Errors: NULL for a NULL world, a capacity of 0 (ECS_ERR_INVALID_ARGUMENT
 *  in ecs_last_error()) or out of memory.
 *  Thread-safety: world owner thread. */
ECS_API ecs_rollback_t *ecs_rollback_new(ecs_world_t *world, uint32_t capacity);

/** Saves the world as the snapshot of @p tick: it replaces the snapshot of
 *  the same tick if the ring has one, else the oldest once the ring is
 *  full. Buffers are reused: once every slot (and one spare) has held a
 *  snapshot at least this large, a save allocates nothing.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), otherwise as
 *  ecs_snapshot_save(); on error the ring is unchanged.
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_rollback_save(ecs_rollback_t *rb, uint64_t tick);

/** Loads the snapshot of @p tick into the world (ecs_snapshot_load()). The
 *  ring is unchanged: later snapshots stay until saves replace them. The
 *  world's schedulers get back the state they had at the save (tick count
 *  included), so the next tick is the saved one + 1.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (no snapshot
 *  of @p tick in the ring), otherwise as ecs_snapshot_load() (the world is
 *  then unchanged).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_rollback_restore(const ecs_rollback_t *rb, uint64_t tick);

/** Number of snapshots in the ring (0 for NULL).
 *  Thread-safety: any thread while no save on @p rb runs. */
ECS_API uint32_t ecs_rollback_count(const ecs_rollback_t *rb);

/** True when the ring holds a snapshot of @p tick (false for NULL).
 *  Thread-safety: as ecs_rollback_count(). */
ECS_API bool ecs_rollback_has(const ecs_rollback_t *rb, uint64_t tick);

/** Frees the ring and its buffers. NULL is a no-op.
 *  Thread-safety: world owner thread, no other call on @p rb running. */
ECS_API void ecs_rollback_free(ecs_rollback_t *rb);

ECS_EXTERN_C_END

#endif /* ECS_SNAPSHOT_H */
