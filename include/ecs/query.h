/** @file ecs/query.h
 *  Queries: which entities have a set of components, iterated in chunks.
 *  A query's terms are also its access set (what a system reads/writes). */
#ifndef ECS_QUERY_H
#define ECS_QUERY_H

#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** Most terms one query may have. */
#define ECS_QUERY_MAX_TERMS 16

typedef enum ecs_access_t {
  ECS_ACCESS_READ = 0,                 /**< entity must have it; field readable */
  ECS_ACCESS_WRITE,                    /**< entity must have it; field writable */
  ECS_ACCESS_WITH,                     /**< entity must have it; no field (filter) */
  ECS_ACCESS_WITHOUT,                  /**< entity must not have it */
  ECS_ACCESS_OPTIONAL,                 /**< field read if present, NULL otherwise */
  ECS_PRIV_ACCESS_CHANGED_BIT = 0x100, /**< see ECS_CHANGED() */
  ECS_PRIV_ACCESS_ADDED_BIT = 0x200,   /**< see ECS_ADDED() */
  ECS_PRIV_ACCESS_FORCE_U32 = 0x7fffffff
} ecs_access_t;

/** Change detection: wrap a READ, WRITE or WITH access in ECS_CHANGED()
 *  to match only entities whose component was written since the query's
 *  previous iteration (for a system: since the system last ran), or in
 *  ECS_ADDED() for those to which it was added since then:
 *  `{pos, ECS_CHANGED(ECS_ACCESS_READ)}`.
 *
 *  A write is recorded when the component is added or set (ecs_add,
 *  ecs_set, commands), and when a query with a WRITE term on it hands out
 *  the value (ecs_field: the whole chunk; ecs_field_at: that row) -
 *  whether or not the caller then changes it. Granularity: per entity, in
 *  every storage kind. Tracking starts when the first query with such a
 *  filter on the component is created (values already there count as
 *  changed for its first iteration); components nobody filters on pay
 *  nothing. Filtered queries take the probing path, not the archetype table
 *  walk. A system sees the writes of every other system since its last
 *  run, not its own field writes of that run. */
#define ECS_CHANGED(access)                                                                                            \
  ECS_CAST(ecs_access_t, ECS_CAST(uint32_t, access) | ECS_CAST(uint32_t, ECS_PRIV_ACCESS_CHANGED_BIT))
#define ECS_ADDED(access)                                                                                              \
  ECS_CAST(ecs_access_t, ECS_CAST(uint32_t, access) | ECS_CAST(uint32_t, ECS_PRIV_ACCESS_ADDED_BIT))

typedef struct ecs_term_t {
  ecs_component_t component; /**< ECS_COMPONENT_NULL ends the term list */
  ecs_access_t access;       /**< possibly wrapped in ECS_CHANGED() or ECS_ADDED() */
} ecs_term_t;

/** Query definition: terms in order, ended by the first zero component or
 *  by ECS_QUERY_MAX_TERMS. Field i of an iterator is term i. */
typedef struct ecs_query_desc_t {
  ecs_term_t terms[ECS_QUERY_MAX_TERMS];
} ecs_query_desc_t;

typedef struct ecs_query_t ecs_query_t;

/** Iteration state, returned by value and owned by the caller (nothing to
 *  free). Public fields are read-only for the caller; the priv part is the
 *  library's and may change in any release. */
typedef struct ecs_iter_t {
  ecs_world_t *world;           /**< the query's world */
  const ecs_entity_t *entities; /**< this chunk's entities */
  int32_t count;                /**< rows in this chunk */
  int32_t term_count;           /**< fields: term i is field i */
  struct {
    ecs_query_t *query;
    void *columns[ECS_QUERY_MAX_TERMS]; /**< contiguous arrays or NULL */
    const ecs_entity_t *chunk_entities;
    char *chunk_data;
    size_t chunk_count;
    size_t chunk_row;
    size_t cursor;
    int32_t driver;
    uint32_t known;       /* terms present on every driving row (bit per term) */
    uint64_t since;       /* change detection: writes after this tick match */
    uint64_t change_tick; /* the tick this iteration's field writes record */
    bool tables;          /* walking the query's cached archetype tables */
    bool pack;            /* walking the front part of a pack's members */
    bool filtered;        /* rows are checked against the other terms */
    bool done;
    bool by_depth; /* ecs_query_iter_depth(): only rows of depth `depth` this walk */
    bool deeper;   /* a deeper row was seen: another walk follows */
    bool hidden;   /* disabled entities or components, or prefabs, to skip row by row */
    int32_t depth;
  } priv;
} ecs_iter_t;

/** Creates a query. The world owns it; free it with ecs_query_free() or let
 *  ecs_world_free() do so. The descriptor is copied.
 *  Errors: returns NULL for a NULL world or during a tick (nothing recorded;
 *          a system gets its query from its descriptor), else with the last
 *          status: ECS_ERR_INVALID_ARGUMENT (NULL desc, no READ/WRITE/WITH
 *          term, a component twice, an unknown access, ECS_CHANGED() or
 *          ECS_ADDED() on anything but READ/WRITE/WITH, or both on one
 *          term), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_query_t *ecs_query_new(ecs_world_t *world, const ecs_query_desc_t *desc);

/** Frees a query. NULL is a no-op. Iterators of it become invalid. Do not
 *  free a system's query (ctx->it): its scheduler owns it.
 *  Thread-safety: owner thread, outside a tick, with no iteration of it in
 *  progress. */
ECS_API void ecs_query_free(ecs_query_t *query);

/** Number of terms of @p query (0 for NULL). Thread-safety: any thread. */
ECS_API int32_t ecs_query_term_count(const ecs_query_t *query);

/** Starts an iteration. Call ecs_iter_next() before reading any chunk.
 *  When every term is ARCHETYPE-stored, the iteration walks the query's
 *  cached list of matching tables (tables created since the last iteration
 *  are checked here and added, and the cached arrays of tables that grew
 *  are looked up again), one chunk per non-empty table, with a contiguous
 *  ecs_field() for every term present. When the READ/WRITE/WITH terms
 *  include every member of a pack (ecs_component_pack()), it walks the
 *  pack's front part, with a contiguous ecs_field() for every member.
 *  Otherwise the query drives from the smallest storage among its
 *  READ/WRITE/WITH terms and looks the other terms up per row.
 *  No structural change may happen to the query's components until the
 *  iteration ends (ecs_iter_next() returned false).
 *  A NULL query yields an iterator that is done at once.
 *  Thread-safety: not concurrently with another ecs_query_iter() of the
 *  same query (it may update the cache); the iterators it returned may run
 *  on any threads at once while nobody changes the world's structure. */
ECS_API ecs_iter_t ecs_query_iter(ecs_query_t *query);

/** Advances to the next chunk of matching entities; false when done (and
 *  for NULL). A chunk is a run of entities, in the driving storage's order,
 *  that all match every term.
 *  Thread-safety: one thread per iterator; see ecs_query_iter(). */
ECS_API bool ecs_iter_next(ecs_iter_t *it);

/** Contiguous array of term @p term's values for this chunk (it->count
 *  values), or NULL when the storage cannot give one (outside the archetype
 *  and pack walks only the driving term has one, and only from a contiguous
 *  storage; WITH/WITHOUT terms, tags and absent OPTIONAL terms never do).
 *  Check for NULL, or use ecs_field_at(), unless the layout is known.
 *  ecs_field_at() always works. NULL also for a NULL @p it or a term out of
 *  range. For a WRITE term it records a write of the whole chunk (change
 *  detection, see ECS_CHANGED()).
 *  Ownership: the world's values; valid until the next structural change
 *             of the query's components (see ecs_add()).
 *  Thread-safety: as @p it (one thread per iterator). */
ECS_API void *ecs_field(const ecs_iter_t *it, int32_t term);

/** Value of term @p term for row @p row of this chunk; NULL for rows or
 *  terms out of range, WITH/WITHOUT terms, tags, absent OPTIONAL values and
 *  a NULL @p it. For a WRITE term it records a write of that row.
 *  Ownership and thread-safety as ecs_field(). */
ECS_API void *ecs_field_at(const ecs_iter_t *it, int32_t term, int32_t row);

/** Number of entities the query matches now: runs a whole iteration, so for
 *  a query with ECS_CHANGED()/ECS_ADDED() terms it counts the changes since
 *  the previous iteration and the next iteration sees only later ones.
 *  0 for NULL. Thread-safety: as ecs_query_iter(). */
ECS_API size_t ecs_query_count(ecs_query_t *query);

ECS_EXTERN_C_END

#endif /* ECS_QUERY_H */
