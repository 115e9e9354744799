/* Packs of DENSE components (ecs_component_pack): the entities that have
 * every member sit at the front of each member's packed array, in the same
 * order, so a query over the members walks one contiguous column each.
 * The members' dense instances keep the prefix as values come and go. */
#ifndef ECS_STORAGE_PACK_H
#define ECS_STORAGE_PACK_H

#include "ecs/storage.h"

#define ECS__PACK_MAX ECS_PACK_MAX_MEMBERS

typedef struct ecs__pack_t {
  struct ecs__pack_t *next; /* the world's packs, a list */
  uint32_t len;             /* rows [0, len) of every member hold the same entities */
  int32_t count;            /* members */
  ecs_component_t ids[ECS__PACK_MAX];
  void *members[ECS__PACK_MAX]; /* the members' dense instances */
  void *scratch;                /* one value of the largest member, for swaps */
  size_t scratch_size;
  size_t scratch_align;
} ecs__pack_t;

/* Joins every member (members[] set) to the pack and sorts: after it the
 * prefix holds each entity that has every member, in the order of the
 * first member's array (an already sorted pack stays as it is). */
void ecs__pack_attach(ecs__pack_t *pack);

/* The pack a dense instance belongs to, or NULL. */
ecs__pack_t *ecs__dense_pack(const void *dense);

/* A dense instance's packed arrays: entities and values (NULL for tags),
 * their length, and the row of e in them (UINT32_MAX when e has none). */
const ecs_entity_t *ecs__dense_entities(const void *dense);
char *ecs__dense_data(const void *dense);
uint32_t ecs__dense_len(const void *dense);
uint32_t ecs__dense_row(const void *dense, ecs_entity_t e);

#endif /* ECS_STORAGE_PACK_H */
