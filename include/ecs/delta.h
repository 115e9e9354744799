/** @file ecs/delta.h
 *  Delta snapshots: the difference of a world from an earlier state of it
 *  (its baseline) as a versioned, checksummed binary blob, and its
 *  all-or-nothing application to a world that is at that baseline. For
 *  server replication: a server sends each client the changes since the
 *  last state the client acknowledged instead of whole snapshots.
 *  docs/snapshot-format.md ("Delta snapshots") describes the bytes,
 *  docs/netcode.md ("Server replication with deltas") the protocol and
 *  docs/adr/0007-delta-format.md the choices.
 *
 *  A baseline is named by a tick from ecs_delta_tick() (the world's
 *  change-detection counter) and by the checksum (ecs_world_checksum()) of
 *  the receiving world in that state. A delta carries: entities created
 *  and destroyed, components removed (as the exact component set of each
 *  entity whose structure changed) and every value written or added since
 *  the baseline. Finding them costs O(changes) plus a scan of per-64-slot
 *  summaries: values through the change ticks of every component, structure
 *  through a per-slot record of the last create, destroy or remove.
 *
 *  Two kinds of delta:
 *  - a mirror delta (no peer) reproduces the sender's entity registry
 *    exactly (same handles, generations and free list): the receiver ends
 *    byte-identical to the sender (same ecs_world_checksum());
 *  - a peer delta (ecs_delta_peer_t) carries network ids (the sender's
 *    entity handles) and only the entities an interest callback lets the
 *    peer see; entities leaving its interest appear to it as destroyed. The
 *    receiver creates its own entities and keeps the mapping in an
 *    ecs_netmap_t.
 *
 *  Only values written through the library's calls are seen (ecs_set,
 *  commands, ecs_field()/ecs_field_at() of WRITE terms, bulk creates);
 *  bytes written through a pointer from ecs_get() are not. Transient
 *  components and resources are not part of a delta. */
#ifndef ECS_DELTA_H
#define ECS_DELTA_H

#include "config.h"
#include "entity.h"
#include "error.h"
#include "io.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** The delta format version this library writes and reads. */
#define ECS_DELTA_FORMAT_VERSION 1

/** Starts recording what deltas need: change ticks of every non-transient
 *  component and the structural changes of every entity slot. Baselines
 *  start here: ecs_delta_tick() after this call is the first valid one.
 *  Calling it again is a no-op. Costs from then on: 16 bytes per entity
 *  slot and component (the change ticks) and 8 per slot, one more store
 *  per run of written values in a block of 64 slots, and a tick taken per
 *  create, destroy and remove.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_BUSY (during a tick),
 *          ECS_ERR_NO_MEMORY (nothing enabled).
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_delta_enable(ecs_world_t *world);

/** The current tick of @p world: a delta saved later with this as its
 *  baseline tick holds every change made after this call. Take it between
 *  ticks, together with the checksum of the world (the receiver's, for a
 *  peer). 0 for NULL. Thread-safety: any thread. */
ECS_API uint64_t ecs_delta_tick(const ecs_world_t *world);

/** Which entities a peer sees: true to replicate @p e to it. Called once
 *  per live entity per peer delta, in slot order; it must not change the
 *  world. */
typedef bool (*ecs_interest_fn)(const ecs_world_t *world, ecs_entity_t e, void *user);

/** What a server remembers of one peer: the entities it was sent at each
 *  tick not yet acknowledged, so that a later delta knows which entities
 *  enter and leave its interest. */
typedef struct ecs_delta_peer_t ecs_delta_peer_t;

/** A peer of @p world whose interest is @p interest (NULL: every entity).
 *  The peer starts knowing nothing: its first delta has baseline tick 0
 *  and sends every entity it sees, in full.
 *  Ownership: free with ecs_delta_peer_free() before the world.
 *  Errors: NULL for a NULL world or out of memory.
 *  Thread-safety: world owner thread. */
ECS_API ecs_delta_peer_t *ecs_delta_peer_new(ecs_world_t *world, ecs_interest_fn interest, void *user);

/** The peer acknowledged the delta of @p tick: what it was sent for older
 *  ticks is forgotten (deltas against them are refused from now on).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL), ECS_ERR_NOT_FOUND (no delta of
 *  that tick was saved for the peer, or it was forgotten already).
 *  Thread-safety: world owner thread. */
ECS_API ecs_status_t ecs_delta_peer_ack(ecs_delta_peer_t *peer, uint64_t tick);

/** Frees @p peer. NULL is a no-op. */
ECS_API void ecs_delta_peer_free(ecs_delta_peer_t *peer);

/** How to save a delta. */
typedef struct ecs_delta_desc_t {
  /** The baseline: a tick from ecs_delta_tick() (for a peer, a tick a
   *  delta was saved for it at, or 0 for "the peer has nothing"). */
  uint64_t baseline_tick;
  /** The receiving world's ecs_world_checksum() at the baseline; the
   *  receiver refuses the delta unless its world has this checksum. */
  uint64_t baseline_checksum;
  /** NULL: a mirror delta. Else a peer delta for this peer. */
  ecs_delta_peer_t *peer;
} ecs_delta_desc_t;

/** Writes the delta of @p world from the baseline in @p desc to now
 *  through @p out (built in a memory buffer first, like
 *  ecs_snapshot_save()). @p out_tick, when not NULL, receives the tick the
 *  delta brings the receiver to: the baseline tick of the next one.
 *  Deltas of one baseline can be saved many times (one per peer, or
 *  again after a loss). With a peer, what the peer was sent is recorded
 *  under @p out_tick until it acknowledges a later one.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, desc or incomplete
 *          writer; a peer of another world), ECS_ERR_BUSY (during a tick),
 *          ECS_ERR_UNSUPPORTED (ecs_delta_enable() was not called),
 *          ECS_ERR_DELTA_BASELINE (a baseline tick before deltas were
 *          enabled, before the last snapshot load, or in the future; for a
 *          peer, a tick it has no record of), ECS_ERR_NO_MEMORY,
 *          ECS_ERR_LIMIT (over 65535 components), a serialize hook's or the
 *          writer's error. The world's state is never changed.
 *  Thread-safety: world owner thread, outside a tick. */
ECS_API ecs_status_t ecs_delta_save(ecs_world_t *world, const ecs_delta_desc_t *desc, const ecs_writer_t *out,
                                    uint64_t *out_tick);

/** A network id <-> local entity handle map, kept by a receiver of peer
 *  deltas. A network id is the sender's entity handle. */
typedef struct ecs_netmap_t ecs_netmap_t;

/** An empty map for entities of @p world.
 *  Ownership: free with ecs_netmap_free() before the world.
 *  Errors: NULL for a NULL world or out of memory. */
ECS_API ecs_netmap_t *ecs_netmap_new(ecs_world_t *world);

/** Frees @p map. NULL is a no-op. */
ECS_API void ecs_netmap_free(ecs_netmap_t *map);

/** The local entity of network id @p net, ECS_ENTITY_NULL when unknown. */
ECS_API ecs_entity_t ecs_netmap_local(const ecs_netmap_t *map, uint64_t net);

/** The network id of local entity @p local, 0 when it has none. */
ECS_API uint64_t ecs_netmap_net(const ecs_netmap_t *map, ecs_entity_t local);

/** Entities in the map (0 for NULL). */
ECS_API size_t ecs_netmap_count(const ecs_netmap_t *map);

/** What a delta contained (for logs and tests). */
typedef struct ecs_delta_info_t {
  uint64_t baseline_tick; /**< the sender's baseline tick */
  uint64_t tick;          /**< the sender's tick the delta brings the receiver to */
  uint32_t created;       /**< entities created */
  uint32_t destroyed;     /**< entities destroyed (peer: left its interest too) */
  uint32_t reshaped;      /**< entities given an exact component set */
  uint32_t values;        /**< values written or added */
} ecs_delta_info_t;

/** Applies the delta read from @p in to @p world, which must be at its
 *  baseline: its ecs_world_checksum() must be the delta's baseline
 *  checksum. All or nothing: the delta is read and checked completely
 *  (header, checksums, schema, every entity and value) before the world is
 *  touched; on any error the world is as before. A mirror delta needs
 *  @p map NULL, a peer delta a map (updated on success).
 *  Observers run as for the same direct calls (ON_ADD, ON_SET, ON_REMOVE)
 *  and what they queue is applied after the delta: observers that change
 *  replicated components make the receiver differ from the sender.
 *  When a change needs memory it cannot get, the world is restored from a
 *  snapshot taken before it (so values of transient components are lost
 *  then, as in ecs_snapshot_load()); the observers that ran are not undone.
 *  @p info, when not NULL, receives the counts on success.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, incomplete reader, a map
 *          of another world, a map for a mirror delta or none for a peer
 *          delta), ECS_ERR_BUSY (during a tick), ECS_ERR_SNAPSHOT_CORRUPT
 *          (not a delta, truncated, a checksum, length, count or index out
 *          of place), ECS_ERR_SNAPSHOT_VERSION (a format version this
 *          library does not read), ECS_ERR_SNAPSHOT_SCHEMA (components that
 *          differ by name, size, alignment, schema version or hooks),
 *          ECS_ERR_DELTA_BASELINE (the world is not at the baseline: its
 *          checksum differs, or a network id is unknown to @p map),
 *          ECS_ERR_NO_MEMORY, a deserialize hook's or the reader's error.
 *          ecs_last_error() tells what.
 *  Thread-safety: world owner thread, outside a tick, no iteration in
 *  progress; pointers to values of the world may be invalid after it. */
ECS_API ecs_status_t ecs_delta_apply(ecs_world_t *world, const ecs_reader_t *in, ecs_netmap_t *map,
                                     ecs_delta_info_t *info);

ECS_EXTERN_C_END

#endif /* ECS_DELTA_H */
