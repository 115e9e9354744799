/* Shared by delta.c (tracking, save, peers), delta_apply.c (apply) and
 * delta_netmap.c (network id maps): the delta format's constants
 * (docs/snapshot-format.md, "Delta snapshots"). */
#ifndef ECS_DELTA_INTERNAL_H
#define ECS_DELTA_INTERNAL_H

#include "private.h"
#include "snapshot_internal.h"

#define ECS__DELTA_MAGIC                                                                                               \
  "\x89"                                                                                                               \
  "ECD\r\n\x1a\n"

/* the kind of a delta (payload word 0) */
#define ECS__DELTA_MIRROR 1u /* entity handles and the registry as the sender's */
#define ECS__DELTA_PEER 2u   /* network ids, no registry */

/* what an entity entry does */
#define ECS__DELTA_OP_VALUES 0u  /* values written or added */
#define ECS__DELTA_OP_SHAPE 1u   /* the exact component set, then values */
#define ECS__DELTA_OP_DESTROY 2u /* peer deltas: gone, or out of interest */

/* schema entry flags, as in snapshots */
#define ECS__DELTA_SERIALIZED 1u

/* slots per summary block of the change records */
#define ECS__DELTA_BLOCK_SHIFT 6u

extern const ecs__snap_format_t ecs__delta_format;

/* network id maps (delta_netmap.c): room for `more` more pairs and local
 * slots below `slots` (false when out of memory; after it, inserts cannot
 * fail), insert, erase (a no-op for an unknown id), the map's world */
bool ecs__netmap_reserve(ecs_netmap_t *m, size_t more, uint32_t slots);
void ecs__netmap_insert(ecs_netmap_t *m, uint64_t net, ecs_entity_t local);
void ecs__netmap_erase(ecs_netmap_t *m, uint64_t net);
ecs_world_t *ecs__netmap_world(const ecs_netmap_t *map);

#endif /* ECS_DELTA_INTERNAL_H */
