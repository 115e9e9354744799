/* ARCHETYPE storage internals shared with the world and the query engine.
 * One set per world holds every table; each archetype-stored component gets
 * a storage instance (its vtable state) that is a view on the set. Tables
 * are never deleted, so a table index stays valid for the world's life. */
#ifndef ECS_STORAGE_ARCHETYPE_H
#define ECS_STORAGE_ARCHETYPE_H

#include "ecs/storage.h"

#include <stdint.h>

typedef struct ecs__arch_set_t ecs__arch_set_t;

ecs__arch_set_t *ecs__arch_set_new(const ecs_allocator_t *a);
void ecs__arch_set_free(ecs__arch_set_t *s);
/* World teardown: component instances then skip moving entities out. */
void ecs__arch_set_closing(ecs__arch_set_t *s);
/* The sorted ids of e's archetype components (its table's type); returns
 * their count, 0 when e has no row. */
uint32_t ecs__arch_entity_type(const ecs__arch_set_t *s, ecs_entity_t e, const ecs_component_t **ids);
/* Destructs every archetype value of e and removes its row (entity destroy). */
void ecs__arch_drop(ecs__arch_set_t *s, ecs_entity_t e);
const ecs_storage_vtable_t *ecs__arch_vtable(void);
/* The world's one-lookup paths: e's value of the component instance
 * `state`, given a new (uninitialised) row when absent (*added tells; NULL
 * when out of memory); and its removal when present (the value destructed;
 * ECS_OK when absent). */
void *ecs__arch_ensure(void *state, ecs_entity_t e, bool *added);
ecs_status_t ecs__arch_remove_if(void *state, ecs_entity_t e);
/* Several components of one entity at once (component instances states[],
 * a name may repeat): one row move to the table with all of them. cells[k]
 * is component k's value (the table for a tag), added[k] whether it is new
 * (uninitialised). False when out of memory (nothing changed). */
bool ecs__arch_ensure_n(void *const *states, uint32_t n, ecs_entity_t e, void **cells, bool *added);
/* Creates and reserves every table the holders of the component instance
 * `state` move to when it leaves archetype storage, so that destroying the
 * instance then needs no memory. False when out of memory (harmless: only
 * spare tables and capacity were added). */
bool ecs__arch_prepare_leave(void *state);

/* Table access for queries. Tables are numbered in creation order. */
uint32_t ecs__arch_table_count(const ecs__arch_set_t *s);
/* Column of component c in table t, or -1. */
int32_t ecs__arch_table_column(const ecs__arch_set_t *s, uint32_t t, ecs_component_t c);
uint32_t ecs__arch_table_rows(const ecs__arch_set_t *s, uint32_t t, const ecs_entity_t **entities);
/* What a query's walk over many tables reads, without a call: the first
 * member of every set (read-only outside archetype.c; the arrays are valid
 * until a table is created). The row counts and the layout versions by
 * table index: a table's entity array and column pointers stay valid while
 * its version does. The clock is the largest version handed out; it only
 * grows, and a set cloned for a snapshot load starts above its source's,
 * so a pointer cached from either set is stale wherever the version
 * differs. */
typedef struct ecs__arch_walk_t {
  uint32_t *rows;
  uint64_t *layout;
  uint64_t layout_clock;
  uint32_t table_count;
} ecs__arch_walk_t;

static inline const ecs__arch_walk_t *ecs__arch_walk(const ecs__arch_set_t *s) {
  return (const ecs__arch_walk_t *)(const void *)s;
}
/* Contiguous values of a column (NULL for tags). */
void *ecs__arch_table_data(const ecs__arch_set_t *s, uint32_t t, int32_t column);

/* Snapshot load. A set with the same tables as src (types, columns, cached
 * edges, in the same order) but no rows and no component instances, so
 * table indices cached by queries stay valid in it; NULL when out of
 * memory. Instances are then created in it through the vtable. */
ecs__arch_set_t *ecs__arch_set_clone(const ecs__arch_set_t *src);
/* The table of the sorted ids (each with an instance in s), found or
 * created; UINT32_MAX when out of memory (nothing changed). */
uint32_t ecs__arch_table_ensure(ecs__arch_set_t *s, const ecs_component_t *ids, uint32_t n);
/* Appends e, which has no row in s, as the last row of table t; its values
 * stay uninitialised. False when out of memory (nothing changed). */
bool ecs__arch_place(ecs__arch_set_t *s, ecs_entity_t e, uint32_t t);
/* Bulk creation: room for `count` more rows in table t and records up to
 * slot max_index (false when out of memory; only capacity was added), then
 * the rows appended (values uninitialised; cannot fail after a reserve).
 * Returns the first new row. */
bool ecs__arch_bulk_reserve(ecs__arch_set_t *s, uint32_t t, size_t count, uint32_t max_index);
uint32_t ecs__arch_bulk_place(ecs__arch_set_t *s, uint32_t t, const ecs_entity_t *entities, size_t count);
/* Drops the last `count` rows of table t (values already destructed). */
void ecs__arch_bulk_unplace(ecs__arch_set_t *s, uint32_t t, size_t count);

/* The sorted component ids of table t; returns their count. */
uint32_t ecs__arch_table_type(const ecs__arch_set_t *s, uint32_t t, const ecs_component_t **ids);

/* Frees the arrays of empty tables and shrinks the others' to their rows;
 * tables themselves stay (their indices are cached). The bytes freed. */
size_t ecs__arch_shrink(ecs__arch_set_t *s);
/* Removes the tables without rows (but the root table 0): their structs,
 * types and cached transitions go, and the other tables are renumbered in
 * their order. remap has an entry per table before the call: the new
 * index, or UINT32_MAX for a removed table; whoever caches table indices
 * (query caches) must follow it. Cannot fail. Returns the tables removed
 * and adds the bytes freed to *freed. */
uint32_t ecs__arch_compact(ecs__arch_set_t *s, uint32_t *remap, size_t *freed);

#endif /* ECS_STORAGE_ARCHETYPE_H */
