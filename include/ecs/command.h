/** @file ecs/command.h
 *  Deferred command buffers. Structural changes (create/destroy entities,
 *  add/set/remove components) are recorded into a buffer and applied later,
 *  in recorded order, on the world's owner thread: at a scheduler barrier or
 *  by ecs_cmd_buffer_apply(). A buffer reuses its memory after each apply,
 *  so steady-state recording allocates nothing. */
#ifndef ECS_COMMAND_H
#define ECS_COMMAND_H

#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef struct ecs_cmd_buffer_t ecs_cmd_buffer_t;

/** Outcome of one apply. */
typedef struct ecs_cmd_stats_t {
  size_t applied;           /**< commands carried out */
  size_t skipped;           /**< commands on an entity that was not alive at apply time */
  size_t failed;            /**< commands that hit an error (e.g. out of memory) */
  ecs_status_t first_error; /**< status of the first failed command, ECS_OK if none */
} ecs_cmd_stats_t;

/** True for a provisional handle returned by ecs_cmd_create(); it becomes a
 *  real entity only when its buffer is applied. */
#define ECS_ENTITY_IS_PROVISIONAL(e) ((ECS_CAST(uint64_t, e) >> 63) != 0)

/** Creates an empty buffer for @p world.
 *  Ownership: the caller frees it with ecs_cmd_buffer_free() before the
 *             world. Scheduler systems get theirs from the scheduler.
 *  Errors: NULL on a NULL world or out of memory.
 *  Thread-safety: any thread, if the world's allocator is thread-safe (the
 *  default one is). */
ECS_API ecs_cmd_buffer_t *ecs_cmd_buffer_new(ecs_world_t *world);

/** Frees @p buf; commands still recorded are discarded (their copied values
 *  destructed). NULL is a no-op. Thread-safety: the thread recording it. */
ECS_API void ecs_cmd_buffer_free(ecs_cmd_buffer_t *buf);

/** Records the creation of an entity and returns a provisional handle for
 *  use in later commands of the SAME buffer (ECS_ENTITY_IS_PROVISIONAL is
 *  true). The real entity is allocated when the command is applied, so ids
 *  depend only on apply order, never on thread timing. Use
 *  ecs_cmd_buffer_resolve() after the apply to learn the real handle. The
 *  handle is stale for recording once the buffer is applied or cleared,
 *  and is never valid in another buffer: no two buffers, and no two rounds
 *  of one buffer, hand out the same handle in the life of a world.
 *  Errors: ECS_ENTITY_NULL on NULL buffer, out of memory, more than 2^24
 *          creates in one round, or (after 2^39-1 rounds that created
 *          entities in one world) the world's provisional handles used up
 *          (detail in ecs_cmd_buffer_last_error()).
 *  Thread-safety: one thread per buffer at a time; buffers are independent
 *  (recording into different buffers from several threads is safe). */
ECS_API ecs_entity_t ecs_cmd_create(ecs_cmd_buffer_t *buf);

/** Records destruction of @p e (live or provisional from this buffer).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL buffer), ECS_ERR_STALE_ENTITY (e
 *          is not alive now, or is provisional from another buffer),
 *          ECS_ERR_NO_MEMORY. Nothing is recorded on error.
 *  Thread-safety: as ecs_cmd_create(); the world must not change structure
 *  while commands are recorded (true inside a system). */
ECS_API ecs_status_t ecs_cmd_destroy(ecs_cmd_buffer_t *buf, ecs_entity_t e);

/** Records adding component @p c to @p e (zero/ctor value at apply).
 *  Errors: as ecs_cmd_destroy() plus ECS_ERR_UNKNOWN_COMPONENT.
 *  Thread-safety: as ecs_cmd_destroy(). */
ECS_API ecs_status_t ecs_cmd_add(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c);

/** Records setting @p c on @p e to a copy of @p value. The value is copied
 *  into the buffer now (copy hook or memcpy), so the caller's memory may be
 *  reused at once; at apply it is moved into the world (or destructed if
 *  the command is skipped, fails or is discarded).
 *  Errors: as ecs_cmd_add() plus ECS_ERR_INVALID_ARGUMENT for a NULL value
 *          of a sized component.
 *  Thread-safety: as ecs_cmd_destroy(); the copy hook runs on this thread. */
ECS_API ecs_status_t ecs_cmd_set(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c, const void *value);

/** ecs_cmd_set() that also states the size of the object at @p value and
 *  is refused, with nothing recorded, when it is not the component's size
 *  (0 for a tag). See ecs_set_sized().
 *  Errors: as ecs_cmd_set(), plus ECS_ERR_TYPE_MISMATCH (the detail, in
 *          ecs_cmd_buffer_last_error(), names the component and both
 *          sizes).
 *  Thread-safety: as ecs_cmd_set(). */
ECS_API ecs_status_t ecs_cmd_set_sized(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c, const void *value,
                                       size_t size);

/** Records an ecs_bulk_create() of desc->count entities and writes their
 *  provisional handles (consecutive, usable in later commands of this
 *  buffer) to @p out, which may be NULL. The value arrays are copied into
 *  the buffer now (copy hook or memcpy); at apply the entities are placed
 *  in one step, all or nothing, at this command's place in the order (on
 *  failure the whole command fails and its handles resolve to
 *  ECS_ENTITY_NULL).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL buffer or desc, a component
 *          twice), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_LIMIT (more creates
 *          in the round than ecs_cmd_create() allows), ECS_ERR_NO_MEMORY.
 *          Nothing is recorded on error.
 *  Thread-safety: as ecs_cmd_create(); copy hooks run on this thread. */
ECS_API ecs_status_t ecs_cmd_bulk_create(ecs_cmd_buffer_t *buf, const ecs_bulk_desc_t *desc, ecs_entity_t *out);

/** Records removing @p c from @p e. Errors and thread-safety as
 *  ecs_cmd_add(). */
ECS_API ecs_status_t ecs_cmd_remove(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c);

/** Number of commands recorded and not yet applied (0 for NULL).
 *  Thread-safety: the thread recording @p buf. */
ECS_API size_t ecs_cmd_buffer_count(const ecs_cmd_buffer_t *buf);

/** Applies the recorded commands in order, then empties the buffer (keeping
 *  its memory) and runs the commands observers queued meanwhile. A command
 *  on an entity that is no longer alive (destroyed earlier in the same
 *  apply, or by someone else since recording) is skipped, counted and
 *  logged at DEBUG; it never crashes. @p stats may be NULL. Provisional
 *  handles of the applied commands resolve (ecs_cmd_buffer_resolve()) until
 *  the next apply that has commands.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL buffer), ECS_ERR_BUSY (called
 *          while a scheduler tick runs), or the first command error
 *          (e.g. ECS_ERR_NO_MEMORY; later commands still run), including
 *          those queued by observers (ECS_ERR_LIMIT for a runaway).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_cmd_buffer_apply(ecs_cmd_buffer_t *buf, ecs_cmd_stats_t *stats);

/** Discards every recorded command (copied values are destructed);
 *  provisional handles recorded so far become stale. NULL is a no-op.
 *  Thread-safety: the thread recording @p buf. */
ECS_API void ecs_cmd_buffer_clear(ecs_cmd_buffer_t *buf);

/** The real entity a provisional handle of this buffer became at the last
 *  apply; ECS_ENTITY_NULL if unknown (another buffer or round, a create that
 *  failed, a NULL @p buf). A non-provisional handle is returned unchanged.
 *  Thread-safety: the thread owning @p buf, or any while nobody applies it. */
ECS_API ecs_entity_t ecs_cmd_buffer_resolve(const ecs_cmd_buffer_t *buf, ecs_entity_t provisional);

/** Detail of the most recent recording error on @p buf: "" if none ever
 *  failed (a later success or apply does not clear it); a static message
 *  for NULL. The buffer owns the string: it changes with the next recording
 *  error and goes with ecs_cmd_buffer_free().
 *  Thread-safety: the thread recording @p buf. */
ECS_API const char *ecs_cmd_buffer_last_error(const ecs_cmd_buffer_t *buf);

ECS_EXTERN_C_END

#endif /* ECS_COMMAND_H */
