/* Internal definitions shared by the library's .c files. Not installed. */
#ifndef ECS_PRIVATE_H
#define ECS_PRIVATE_H

#include "ecs.h"
#include "platform/atomic.h"
#include "util/hash.h"

#include <assert.h>
#include <string.h>

/* Internal invariants only; bad input from the host is an error code. */
#define ECS_ASSERT(cond) assert(cond)

#if defined(__MINGW32__) /* built with __USE_MINGW_ANSI_STDIO: C99 formats (%zu) */
#define ECS_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#define ECS_LIKELY(x) __builtin_expect(!!(x), 1)
#define ECS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ECS_NOINLINE __attribute__((noinline))
#elif defined(__GNUC__) || defined(__clang__)
#define ECS_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#define ECS_LIKELY(x) __builtin_expect(!!(x), 1)
#define ECS_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define ECS_NOINLINE __attribute__((noinline))
#else
#define ECS_PRINTF(fmt, args)
#define ECS_LIKELY(x) (x)
#define ECS_UNLIKELY(x) (x)
#define ECS_NOINLINE
#endif

#define ECS_ERROR_MAX 256

#ifndef ECS_PROFILE /* set by the build; tracing and metrics are in by default */
#define ECS_PROFILE 1
#endif

/* A slot of the entity registry: 8 bytes (generations stay below 2^31). */
typedef struct ecs__entity_record_t {
  uint32_t generation : 31;
  uint32_t alive : 1;
  union {
    uint32_t next_free; /* dead: slot index of the next free slot, 0 ends the list */
    uint32_t others;    /* alive: first node of its other-storage list, 0 for none */
  };
} ecs__entity_record_t;

/* The other-storage index (other_index.c): per live entity, an ascending
 * list of the ids of its components outside ARCHETYPE tables; the list's
 * head is the entity's registry record (ecs__entity_record_t.others). The
 * lists are kept only in a world with more than ECS__OTHERS_WALK_MAX
 * non-ARCHETYPE components; below that a destroy asks each of them. */
#define ECS__OTHERS_WALK_MAX 8
typedef struct ecs__onode_t {
  ecs_component_t id;
  uint32_t next; /* node index, 0 ends the list */
} ecs__onode_t;
typedef struct ecs__oindex_t {
  ecs__onode_t *nodes; /* node 0 unused */
  uint32_t node_cap;
  uint32_t node_live;
  uint32_t free; /* free list of nodes */
} ecs__oindex_t;

typedef struct ecs__observer_t {
  ecs_observer_event_t event;
  ecs_observer_fn callback;
  void *user;
} ecs__observer_t;

typedef struct ecs__component_t {
  /* What a set, add, remove, destroy or command reads, in the first cache
   * line; the hooks in the next (the record is allocated on its own). */
  const ecs_storage_vtable_t *vt; /* points at vtable below */
  void *storage;
  size_t size;
  uint64_t *changed_at; /* change detection, by entity slot; NULL until a query filters on it */
  ecs_component_t id;
  ecs_storage_kind_t kind;
  uint32_t observer_count;
  /* relationships (relation.c): a pair's or wildcard's relation and a
   * pair's target (0 for the wildcard); a relation's pairs and policy */
  ecs_component_t relation;
  ecs_entity_t target;
  bool managed;     /* built-in hierarchy and name values: written by the library only */
  bool builtin_tag; /* ecs.Disabled, ecs.Prefab and the per-component markers */
  ecs_type_hooks_t hooks;
  /* delta snapshots (delta.c): per 64 slots the last tick of changed_at,
   * so that a delta skips unchanged blocks; NULL until a delta needs it */
  _Atomic uint64_t *changed_blk;
  uint64_t *added_at;
  uint32_t track_cap;
  uint32_t blk_cap; /* blocks covered */

  char *name;
  size_t name_len;
  size_t alignment;
  uint32_t flags;
  ecs_serialize_fn serialize; /* snapshot hooks and schema version */
  ecs_deserialize_fn deserialize;
  ecs_migrate_fn migrate;
  uint32_t version;
  ecs_storage_vtable_t vtable; /* a copy: the kinds table may move */
  ecs_storage_params_t params;
  void *resource; /* the singleton value, or NULL */
  ecs__observer_t *observers;
  uint32_t observer_cap;
  struct ecs__rel_t *rel;
  ecs_component_t toggle;       /* the tag marking c disabled on an entity (enable.c), 0 until used */
  struct ecs_meta_type_t *meta; /* field description (meta.c), or NULL */
  UT_hash_handle hh;            /* by name */
} ecs__component_t;

struct ecs__plugin_t;       /* a loaded plugin (plugin.c) */
struct ecs__plugin_frame_t; /* a plugin load in progress, on the loader's stack */

/* Histograms in seconds: fixed bounds from 1 us to 1 s, then +Inf. */
#define ECS__HIST_BOUNDS 13
extern const double ecs__hist_bounds[ECS__HIST_BOUNDS];
typedef struct ecs__histogram_t {
  uint64_t counts[ECS__HIST_BOUNDS + 1]; /* per bucket, not cumulative */
  uint64_t count;
  double sum;
} ecs__histogram_t;
void ecs__hist_observe(ecs__histogram_t *h, double value);

typedef struct ecs__storage_kind_t {
  ecs_storage_vtable_t vt;
  bool present;
} ecs__storage_kind_t;

struct ecs_world_t {
  /* What every entity and component call reads comes first, in the first
   * two cache lines: the registry, the component table, the flags of the
   * slow paths and the last status. A field read on a hot path but kept on
   * a cold line costs a cache miss per call once the work outgrows L1. */
  ecs__entity_record_t *records; /* slot 0 is reserved: handle 0 is never valid */
  uint32_t record_count;         /* slots in use, including slot 0 */
  uint32_t record_cap;
  uint32_t free_head;
  bool in_tick;       /* a scheduler tick runs (or an observer): structure is frozen */
  bool others_listed; /* see other_ids below */
  bool obs_flushing;
  size_t alive_count;
  ecs__component_t **components; /* index 0 unused so that the id is the index */
  uint32_t component_count;      /* including the unused slot 0 */
  uint32_t component_cap;
  struct ecs__delta_track_t *delta; /* structural changes by slot, once deltas are enabled */
  struct ecs__rels_t *rels;         /* pairs by (relation, target) and by target; NULL until the first pair */
  struct ecs__hier_t *hier;         /* the hierarchy and name indices; NULL until first used */
  ecs_cmd_buffer_t *obs[2];         /* commands queued by observers, used in turn */
  uint32_t obs_cur;
  ecs_status_t last_status;
  char last_error[ECS_ERROR_MAX];

  ecs_allocator_t alloc;
  ecs_log_fn log;
  void *log_user;
  ecs_log_level_t log_level;
  ecs_storage_kind_t default_storage; /* what ECS_STORAGE_DEFAULT means: a built-in kind */

  ecs__component_t *components_by_name;
  /* what an entity destroy visits besides the entity's own table
   * (other_index.c): the non-ARCHETYPE components, ascending, and once
   * there are more than ECS__OTHERS_WALK_MAX of them, per entity slot the
   * list of those it holds (others_listed) */
  ecs_component_t *other_ids;
  uint32_t other_count;
  uint32_t other_cap;
  ecs__oindex_t others;

  ecs__storage_kind_t *kinds;
  uint32_t kind_count;
  struct ecs__arch_set_t *arch; /* tables of the ARCHETYPE kind */
  struct ecs__pack_t *packs;    /* packs of DENSE components, a list */

  ecs_query_t *queries;         /* doubly linked, freed with the world */
  ecs_component_t disabled_tag; /* ecs.Disabled (enable.c), 0 until first used */
  ecs_component_t prefab_tag;   /* ecs.Prefab, 0 until first used */

  /* plugins in load order; while loads are in progress the capacity covers
   * one more slot per load, so a successful init is always recorded */
  struct ecs__plugin_t *plugins;
  uint32_t plugin_count;
  uint32_t plugin_cap;
  const struct ecs__plugin_frame_t *plugin_loading; /* innermost load in progress */
  bool plugins_closing;                             /* the finis run: no more loads */

  /* the last stamp of provisional handles: each command-buffer round that
   * creates entities takes the next one, never reused in a world's life */
  _Atomic uint64_t next_prov_stamp;

  struct ecs_scheduler_t **schedulers; /* built on this world, for metrics and snapshots */
  uint32_t scheduler_count;
  uint32_t scheduler_cap;
  /* scheduler state of the last snapshot load that no scheduler took yet */
  struct ecs__sched_state_t *sched_pending;
  struct ecs_metric_t *metrics;    /* host metrics, a list */
  _Atomic uint64_t change_counter; /* change-detection ticks, unique per use */
};

/* memory */
/* An allocator from a descriptor: all three functions or none (then the C
 * library's, filled in); false when only some are set. */
bool ecs__allocator_resolve(ecs_allocator_t *a);
void *ecs__alloc(ecs_world_t *w, size_t size);
void *ecs__calloc(ecs_world_t *w, size_t size);
void *ecs__realloc(ecs_world_t *w, void *ptr, size_t old_size, size_t new_size);
void ecs__free(ecs_world_t *w, void *ptr, size_t size);
/* Grows *arr (elements of elem bytes) to hold at least need elements,
 * doubling from min_cap. Returns false (and leaves *arr) when out of memory. */
bool ecs__grow(const ecs_allocator_t *a, void **arr, size_t elem, uint32_t *cap, size_t need, uint32_t min_cap);
/* Memory aligned to align (any power of two), freed with ecs__aligned_free. */
void *ecs__aligned_alloc(const ecs_allocator_t *a, size_t size, size_t align);
void ecs__aligned_free(const ecs_allocator_t *a, void *ptr, size_t size, size_t align);
/* Resizes a block of ecs__aligned_alloc (ptr may be NULL) keeping its first
 * min(old_size, new_size) bytes, moved as bytes; NULL when out of memory
 * (the old block is then unchanged). */
void *ecs__aligned_realloc(const ecs_allocator_t *a, void *ptr, size_t old_size, size_t new_size, size_t align);

char *ecs__strdup(ecs_world_t *w, const char *s);
void ecs__strfree(ecs_world_t *w, char *s); /* NULL is a no-op */

/* A writer that remembers its first failure and refuses everything after
 * it, so that a long rendering can check once at the end. */
typedef struct ecs__sticky_t {
  ecs_writer_t inner;
  ecs_status_t error;
} ecs__sticky_t;
ecs_writer_t ecs__sticky_writer(ecs__sticky_t *s);

/* A save or load of a file through its writer or reader (io.c): errors of
 * opening and closing name the path and are reported to w. */
typedef ecs_status_t (*ecs__save_fn)(const void *what, const ecs_writer_t *out);
typedef ecs_status_t (*ecs__load_fn)(void *into, const ecs_reader_t *in);
ecs_status_t ecs__save_file(ecs_world_t *w, const char *path, ecs__save_fn save, const void *what);
ecs_status_t ecs__load_file(ecs_world_t *w, const char *path, ecs__load_fn load, void *into);

/* errors and logging */
ecs_status_t ecs__fail(ecs_world_t *w, ecs_status_t status, const char *fmt, ...) ECS_PRINTF(3, 4);
/* During a tick systems may run on several threads: the last error is
 * then left alone (return codes still tell) so that no call writes shared
 * world state. */
static inline void ecs__ok(ecs_world_t *w) {
  if (!w->in_tick) {
    w->last_status = ECS_OK;
    w->last_error[0] = '\0';
  }
}
void ecs__log(const ecs_world_t *w, ecs_log_level_t level, const char *fmt, ...) ECS_PRINTF(3, 4);
void ecs__log_fields(const ecs_world_t *w, ecs_log_level_t level, const ecs_log_fields_t *fields, const char *fmt, ...)
    ECS_PRINTF(4, 5);

/* Provisional handles of command buffers: bit 31 of the generation marks
 * them; the low 24 bits of the index are the create's ordinal in its round,
 * the other 8 index bits and 31 generation bits a stamp unique to the
 * (buffer, round) in the world's life (ECS_ERR_LIMIT once all are used:
 * 2^39 - 1 rounds that create, about 29 years at 600 a second). */
#define ECS__PROV_ORDINAL_BITS 24u
#define ECS__PROV_ORDINAL_MAX ((1u << ECS__PROV_ORDINAL_BITS) - 1u)
#define ECS__PROV_STAMP_MAX ((UINT64_C(1) << 39) - 1u)

/* entities: real generations stay below bit 31, which marks provisional
 * handles of command buffers */
#define ECS__GENERATION_MAX 0x7fffffffu
ecs_entity_t ecs__entity_create(ecs_world_t *w);
void ecs__entity_destroy(ecs_world_t *w, ecs_entity_t e); /* e must be alive */
ecs_status_t ecs__entity_check(ecs_world_t *w, ecs_entity_t e);
bool ecs__entity_alive(const ecs_world_t *w, ecs_entity_t e);

/* digests (checksum.c, for digest.c): the hash of each holder of a
 * component, in storage order; a resource's hash (0 without one); an
 * entity's hash in the "(entities)" record; the registry's digest */
typedef void (*ecs__hash_fn)(void *user, ecs_entity_t e, uint64_t hash);
void ecs__component_hashes(const ecs_world_t *w, ecs_component_t component, ecs__hash_fn fn, void *user);
uint64_t ecs__resource_hash(const ecs_world_t *w, ecs_component_t component);
uint64_t ecs__entities_hash(ecs_entity_t e);
uint64_t ecs__registry_digest(const ecs_world_t *w);
/* Marks in touched[id] (component_count bytes) the components the
 * commands of b name; *all when they destroy an entity (command.c). */
void ecs__cmd_buffer_touched(const ecs_cmd_buffer_t *b, uint8_t *touched, bool *all);

/* components */
static inline ecs__component_t *ecs__component_get(const ecs_world_t *w, ecs_component_t c) {
  return (c > 0 && c < w->component_count) ? w->components[c] : NULL;
}
void ecs__component_fini_all(ecs_world_t *w);
/* The lifecycle of c's values in raw memory, through its hooks where it has
 * them; nothing for a tag. Construct n values (zeroes without a ctor): */
static inline void ecs__value_init(const ecs__component_t *c, void *dst, size_t n) {
  if (c->size == 0) {
    return;
  }
  if (c->hooks.ctor) {
    c->hooks.ctor(dst, (int32_t)n, c->hooks.user);
  } else {
    memset(dst, 0, n * c->size);
  }
}
/* Copy-construct n values from src: */
static inline void ecs__value_copy(const ecs__component_t *c, void *dst, const void *src, size_t n) {
  if (c->size == 0) {
    return;
  }
  if (c->hooks.copy) {
    c->hooks.copy(dst, src, (int32_t)n, c->hooks.user);
  } else {
    memcpy(dst, src, n * c->size);
  }
}
/* Move-construct one value from src (which is then moved-from): */
static inline void ecs__value_move(const ecs__component_t *c, void *dst, void *src) {
  if (c->size == 0) {
    return;
  }
  if (c->hooks.move) {
    c->hooks.move(dst, src, 1, c->hooks.user);
  } else {
    memcpy(dst, src, c->size);
  }
}
/* The other-storage index. Reserve nodes (false when out of memory) before
 * a link that must not fail; unlink, drop and fill cannot fail. `head` is
 * the entity's record's `others`. */
void ecs__oindex_free(ecs_world_t *w, ecs__oindex_t *x);
bool ecs__oindex_reserve(ecs_world_t *w, ecs__oindex_t *x, uint32_t nodes);
/* Lists id (kept ascending; a no-op when listed already). */
static inline void ecs__oindex_link(ecs__oindex_t *x, uint32_t *head, ecs_component_t id) {
  ECS_ASSERT(x->free != 0);
  uint32_t *at = head;
  while (*at && x->nodes[*at].id < id) {
    at = &x->nodes[*at].next;
  }
  if (*at && x->nodes[*at].id == id) {
    return;
  }
  uint32_t n = x->free;
  x->free = x->nodes[n].next;
  x->nodes[n] = (ecs__onode_t){.id = id, .next = *at};
  *at = n;
  x->node_live++;
}
void ecs__oindex_unlink(ecs__oindex_t *x, uint32_t *head, ecs_component_t id);
void ecs__oindex_drop_at(ecs__oindex_t *x, uint32_t *at); /* the node *at names */
/* Lists every holder of each of w's non-ARCHETYPE components with an id
 * below count (given their storages, by component id) in records, whose
 * lists must be empty, with nodes reserved for all of them: cannot fail. */
void ecs__oindex_fill(const ecs_world_t *w, ecs__oindex_t *x, ecs__entity_record_t *records, void *const *storages,
                      uint32_t count);
/* A value of a non-ARCHETYPE component inserted (NULL when out of memory:
 * nothing changed) or removed, keeping the index true. Every insert and
 * remove outside the archetype tables goes through these two. */
static inline void *ecs__store_insert(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e) {
  ECS_ASSERT(c->kind != ECS_STORAGE_ARCHETYPE);
  if (ECS_LIKELY(!w->others_listed)) {
    return c->vt->insert(c->storage, e);
  }
  ecs__oindex_t *x = &w->others;
  if (x->free == 0 && !ecs__oindex_reserve(w, x, 1)) {
    return NULL;
  }
  void *v = c->vt->insert(c->storage, e);
  if (v) {
    ecs__oindex_link(x, &w->records[ECS_ENTITY_INDEX(e)].others, c->id);
  }
  return v;
}
static inline ecs_status_t ecs__store_remove(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e) {
  ecs_status_t st = c->vt->remove(c->storage, e);
  if (st == ECS_OK && w->others_listed) {
    ecs__oindex_unlink(&w->others, &w->records[ECS_ENTITY_INDEX(e)].others, c->id);
  }
  return st;
}
/* A component joins the non-ARCHETYPE ones (registered, or moved out of
 * ARCHETYPE storage with `holders` values): first the memory that takes
 * (false when out of memory: nothing changed), then, once it has its id,
 * kind and storage, the join itself, which cannot fail. The join that
 * passes ECS__OTHERS_WALK_MAX builds every entity's list. */
bool ecs__others_prepare_join(ecs_world_t *w, size_t holders);
void ecs__others_join(ecs_world_t *w, const ecs__component_t *c);
/* c moved into ARCHETYPE storage (its holders now in tables): cannot fail. */
void ecs__others_leave(ecs_world_t *w, const ecs__component_t *c);
/* e's non-ARCHETYPE components in ascending id order: from its list, or by
 * asking each such component. The walk reads a node's successor before it
 * returns the node's component, so that node may be dropped meanwhile. */
typedef struct ecs__others_it_t {
  bool listed;
  uint32_t at; /* listed: the next node; else: the next index in other_ids */
} ecs__others_it_t;
static inline ecs__others_it_t ecs__others_first(const ecs_world_t *w, ecs_entity_t e) {
  return (ecs__others_it_t){.listed = w->others_listed,
                            .at = w->others_listed ? w->records[ECS_ENTITY_INDEX(e)].others : 0};
}
static inline ecs__component_t *ecs__others_next(const ecs_world_t *w, ecs_entity_t e, ecs__others_it_t *it) {
  if (it->listed) {
    if (it->at == 0) {
      return NULL;
    }
    const ecs__onode_t *n = &w->others.nodes[it->at];
    it->at = n->next;
    return w->components[n->id];
  }
  while (it->at < w->other_count) {
    ecs__component_t *c = w->components[w->other_ids[it->at++]];
    if (c->vt->get(c->storage, e)) {
      return c;
    }
  }
  return NULL;
}
void ecs__resource_fini(ecs_world_t *w, ecs__component_t *c);
void ecs__meta_free(ecs_world_t *w, struct ecs_meta_type_t *t); /* meta.c; NULL is a no-op */
void ecs__component_remove_all(ecs_world_t *w, ecs_entity_t e);
/* The unchecked operations behind ecs_add/ecs_set/ecs_remove, also used by
 * command apply: the entity is alive, the component record valid. */
ecs_status_t ecs__add(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e);
/* Moves the value at src into e's component (src is destroyed afterwards). */
ecs_status_t ecs__set_move(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, void *src);
ecs_status_t ecs__remove(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e);
/* Command apply: n ARCHETYPE components without observers added to e in
 * one row move (see ecs__arch_ensure_n; new values uninitialised, marked
 * added for change detection). False when out of memory: nothing changed. */
#define ECS__RUN_MAX 16u
bool ecs__ensure_run(ecs_world_t *w, ecs_entity_t e, ecs__component_t *const *comps, uint32_t n, void **cells,
                     bool *added);

/* change detection */
static inline uint64_t ecs__change_tick(ecs_world_t *w) {
  return atomic_fetch_add(&w->change_counter, 1u) + 1u;
}
/* Records a write (and an add) of c on e at tick; a no-op when untracked. */
static inline void ecs__mark(ecs__component_t *c, ecs_entity_t e, uint64_t tick, bool added) {
  uint32_t idx = ECS_ENTITY_INDEX(e);
  if (ECS_UNLIKELY(c->changed_at != NULL) && idx < c->track_cap) {
    c->changed_at[idx] = tick;
    if (added) {
      c->added_at[idx] = tick;
    }
    if (c->changed_blk && (idx >> 6) < c->blk_cap) { /* rows of one block may be written by several threads */
      atomic_store_explicit(&c->changed_blk[idx >> 6], tick, memory_order_relaxed);
    }
  }
}
ecs_status_t ecs__track_reserve(ecs_world_t *w, ecs__component_t *c, uint32_t slot);
ecs_status_t ecs__track_enable(ecs_world_t *w, ecs__component_t *c);

/* delta snapshots (delta.c): the structural changes of a slot (create,
 * destroy, remove) are recorded once deltas are enabled. Recording cannot
 * fail: without memory, older baselines are refused instead. */
typedef struct ecs__delta_track_t {
  uint64_t *struct_at;  /* per slot: tick of the last structural change */
  uint64_t *struct_blk; /* per 64 slots: the last of their struct_at */
  uint32_t cap;         /* slots covered (a multiple of 64) */
  uint64_t floor;       /* baselines before this tick cannot be diffed */
} ecs__delta_track_t;
void ecs__delta_struct_slow(ecs_world_t *w, uint32_t slot);
static inline void ecs__delta_struct(ecs_world_t *w, uint32_t slot) {
  if (ECS_UNLIKELY(w->delta != NULL)) {
    ecs__delta_struct_slow(w, slot);
  }
}
/* Every earlier baseline is refused (after a snapshot load replaced the
 * state); frees the tracking with the world. */
void ecs__delta_reset(ecs_world_t *w);
/* Grows c->changed_blk to cover slots (new blocks 0); false when out of memory. */
bool ecs__delta_blk_grow(ecs_world_t *w, ecs__component_t *c, uint32_t slots);
void ecs__delta_fini(ecs_world_t *w);

/* observers */
void ecs__observe_slow(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, ecs_observer_event_t event,
                       const void *value);
static inline void ecs__observe(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, ecs_observer_event_t event,
                                const void *value) {
  if (ECS_UNLIKELY(c->observer_count != 0)) {
    ecs__observe_slow(w, c, e, event, value);
  }
}
/* Applies what observers queued (bounded rounds), adding the counts to
 * *acc when given; ECS_OK when none. */
ecs_status_t ecs__observers_flush_queued(ecs_world_t *w, ecs_cmd_stats_t *acc);
static inline ecs_status_t ecs__observers_flush(ecs_world_t *w, ecs_cmd_stats_t *acc) {
  /* no observer ever queued anything (the common case): nothing to do */
  return (!w->obs[0] || w->obs_flushing) ? ECS_OK : ecs__observers_flush_queued(w, acc);
}
void ecs__observers_fini(ecs_world_t *w);

/* storage kinds */
ecs_status_t ecs__storage_kinds_init(ecs_world_t *w);
void ecs__storage_kinds_fini(ecs_world_t *w);
const ecs_storage_vtable_t *ecs__storage_kind(const ecs_world_t *w, ecs_storage_kind_t kind);
/* ECS_STORAGE_DEFAULT as the world's default kind; any other kind as is */
static inline ecs_storage_kind_t ecs__storage_resolve(const ecs_world_t *w, ecs_storage_kind_t kind) {
  return kind == ECS_STORAGE_DEFAULT ? w->default_storage : kind;
}
/* packs: joined again to their members' current instances (after a
 * snapshot load replaced them), and freed with the world */
void ecs__packs_reattach(ecs_world_t *w);
void ecs__packs_fini(ecs_world_t *w);

/* command buffers: apply without the tick check (the scheduler barrier) */
ecs_status_t ecs__cmd_buffer_apply(ecs_cmd_buffer_t *b, ecs_cmd_stats_t *s);

/* queries */
void ecs__query_free_all(ecs_world_t *w);
/* ecs_world_shrink removed empty archetype tables: remap[old index] is the
 * new one, UINT32_MAX for a removed table (old_count entries). */
void ecs__queries_tables_remapped(ecs_world_t *w, const uint32_t *remap, uint32_t old_count);
/* The contiguous column of a term at a row, NULL when the chunk has none;
 * unlike ecs_field_at() it records no write (the host was handed nothing). */
void *ecs__iter_column_at(const ecs_iter_t *it, int32_t term, int32_t row);
/* Change detection: where a query's next iteration starts seeing changes,
 * and putting it back (a failed system run must not consume changes). */
uint64_t ecs__query_position(const ecs_query_t *q);
void ecs__query_rewind(ecs_query_t *q, uint64_t position);

/* metrics */
void ecs__metrics_fini(ecs_world_t *w);
ecs_status_t ecs__world_add_scheduler(ecs_world_t *w, struct ecs_scheduler_t *s);
void ecs__world_remove_scheduler(ecs_world_t *w, const struct ecs_scheduler_t *s);

/* scheduler state in snapshots (scheduler_state.c): the section body of
 * every scheduler of w; a parse that changes nothing (*out NULL when the
 * section lists no scheduler); a commit that cannot fail and takes st */
typedef struct ecs__sched_state_t ecs__sched_state_t;
ecs_status_t ecs__sched_state_save(ecs_world_t *w, const ecs_writer_t *out);
ecs_status_t ecs__sched_state_parse(ecs_world_t *w, const uint8_t *bytes, size_t n, ecs__sched_state_t **out);
void ecs__sched_state_commit(ecs_world_t *w, ecs__sched_state_t *st);
void ecs__sched_state_free(ecs_world_t *w, ecs__sched_state_t *st);

/* relationships (relation.c) */
/* The pair (rel, target), registered when new; no liveness check (the
 * snapshot loader registers the pairs of the registry it loads).
 * ECS_COMPONENT_NULL with the last error set on failure. */
ecs_component_t ecs__pair_ensure(ecs_world_t *w, ecs_component_t rel, ecs_entity_t target);
/* The registered pair, or ECS_COMPONENT_NULL; a lookup only. */
ecs_component_t ecs__pair_find(const ecs_world_t *w, ecs_component_t rel, ecs_entity_t target);
/* Destroys the live entity e under the target policies of the pairs that
 * have it as target, and its children's ChildOf policies: refused (nothing
 * changed) or done with the cascade. A world without pairs or hierarchy
 * destroys e alone, without a call into relation.c. */
ecs_status_t ecs__destroy_linked(ecs_world_t *w, ecs_entity_t e);
static inline ecs_status_t ecs__destroy(ecs_world_t *w, ecs_entity_t e) {
  if (ECS_LIKELY(w->rels == NULL && w->hier == NULL)) {
    ecs__entity_destroy(w, e);
    return ECS_OK;
  }
  return ecs__destroy_linked(w, e);
}
/* The snapshot loader: registers the pair a schema name denotes, when it
 * is a pair name whose relation the world has (ECS_OK otherwise too). */
ecs_status_t ecs__pair_from_name(ecs_world_t *w, const char *name, size_t len);
void ecs__rels_fini(ecs_world_t *w);

/* enabling (enable.c): c 0 is the entity itself; e alive, outside a tick */
ecs_status_t ecs__toggle(ecs_world_t *w, ecs_entity_t e, ecs_component_t c, bool enabled);
/* The snapshot loader: registers the built-in tag a schema name denotes
 * (ECS_OK for other names too). */
ecs_status_t ecs__builtin_from_name(ecs_world_t *w, const char *name, size_t len);

/* prefabs (prefab.c): prefab alive, outside a tick */
ecs_status_t ecs__instantiate(ecs_world_t *w, ecs_entity_t prefab, const ecs_override_t *ov, int32_t count,
                              ecs_entity_t *out);

/* the hierarchy and names (hierarchy.c) */
typedef struct ecs__hier_t ecs__hier_t;
ecs__hier_t *ecs__hier_get(ecs_world_t *w);   /* set up on first use; NULL with the last error */
ecs_status_t ecs__hier_ready(ecs_world_t *w); /* the indices rebuilt if a load made them stale */
void ecs__hier_loaded(ecs_world_t *w);        /* a snapshot load replaced the values */
void ecs__hier_fini(ecs_world_t *w);
/* e's children (ascending slot order), NULL when none */
const ecs_entity_t *ecs__hier_kids(const ecs_world_t *w, ecs_entity_t parent, uint32_t *n);
ecs_target_policy_t ecs__hier_policy(const ecs_world_t *w);
/* before e is destroyed; parent_going: its parent goes in the same destroy */
void ecs__hier_forget(ecs_world_t *w, ecs_entity_t e, bool parent_going);
void ecs__hier_orphan(ecs_world_t *w, ecs_entity_t child);
int32_t ecs__depth_of(const ecs_world_t *w, ecs_entity_t e);
/* How error details name an entity: "'name' (5v0)", or "5v0" unnamed. */
#define ECS__LABEL_MAX (ECS_NAME_MAX + 32)
const char *ecs__entity_label(const ecs_world_t *w, ecs_entity_t e, char *buf, size_t cap);
/* unchecked (entities alive, outside a tick) */
ecs_status_t ecs__set_parent(ecs_world_t *w, ecs_entity_t child, ecs_entity_t parent);
ecs_status_t ecs__set_name(ecs_world_t *w, ecs_entity_t e, const char *name);
/* The pairs of relation record r, in registration order. */
uint32_t ecs__rel_pair_count(const ecs__component_t *r);
ecs_component_t ecs__rel_pair_at(const ecs__component_t *r, uint32_t k);

/* plugins: runs every fini in reverse load order and frees the registry */
void ecs__plugins_fini(ecs_world_t *w);

#endif /* ECS_PRIVATE_H */
