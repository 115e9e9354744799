/* Shared by delta.c (tracking, save, peers) and delta_apply.c (apply,
 * network id maps): the delta format's constants
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

#endif /* ECS_DELTA_INTERNAL_H */
