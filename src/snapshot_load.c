/* Snapshot load, all or nothing. The snapshot is read (in place from
 * memory, else a section at a time: snapshot.c) and staged: a new entity registry, a new storage instance per component
 * (archetype ones in a copy of the world's table set), new resource values,
 * every value constructed. Only then does commit swap them into the world,
 * and nothing in commit can fail. An error at any earlier step frees the
 * stage and leaves the world untouched. */
#include "private.h"
#include "snapshot_internal.h"
#include "storage/archetype.h"
#include "storage/storage_internal.h"

#include <stdio.h>
#include <string.h>

/* A component of the snapshot's schema. */
typedef struct scomp_t {
  const uint8_t *name;
  uint32_t size, alignment, kind, version, flags;
  uint16_t name_len;
  ecs__component_t *target; /* NULL: transient and not registered */
} scomp_t;

typedef struct stage_t {
  ecs_world_t *w;
  ecs__snap_blob_t blob;
  ecs__cur_t sec[ECS__SNAP_SECTION_COUNT];
  scomp_t *comps;
  uint32_t comp_count;
  ecs__oindex_t others; /* the other-storage index of the staged values */
  /* the entity registry */
  ecs__entity_record_t *records;
  uint32_t slot_count;
  uint32_t record_cap;
  uint32_t free_head;
  size_t alive;
  uint8_t *mark; /* per slot: SEEN in the free list or a table row, PLACED in a table */
  /* per world component id */
  uint32_t wcount;
  bool *present;    /* in the snapshot's schema */
  bool *ticked;     /* change ticks given by the snapshot (format 2) */
  void **storage;   /* the new instance */
  void **temp;      /* ARCHETYPE: a dense instance holding values until rows exist */
  void **resource;  /* the new resource value, or NULL */
  void **changed;   /* change detection: new changed_at/added_at arrays of */
  void **added;     /* slot_count entries, for components that track changes */
  uint64_t **built; /* ARCHETYPE: per slot, a bit when its row's value is constructed */
  size_t *rows;     /* ARCHETYPE: the rows the tables give a value of it */
  size_t *filled;   /* ARCHETYPE: the values constructed in those rows */
  bool rows_done;   /* every row holds all its values (place_staged) */
  ecs__arch_set_t *arch;
  ecs_component_t *ids;      /* a table type being built */
  uint32_t arch_count;       /* world components in ARCHETYPE storage */
  ecs__sched_state_t *sched; /* scheduler state (format 2), NULL when none */
  uint64_t change_counter;   /* the saver's change-detection counter (format 2), 0 when none */
  void *scratch;             /* one value under construction */
  size_t scratch_size;
  size_t scratch_align;
} stage_t;

enum { MARK_SEEN = 1, MARK_MOVED = 2 }; /* MOVED: its staged values went into its row */

/* storage, temp, resource, changed, added and built pointers, the rows and
 * filled counts, and the present and ticked flags, in one block */
#define STAGE_PER_COMPONENT (6 * sizeof(void *) + 2 * sizeof(size_t) + 2 * sizeof(bool))

static ecs_status_t corrupt(stage_t *s, const char *what) {
  (void)ecs__fail(s->w, ECS_ERR_SNAPSHOT_CORRUPT, "snapshot is corrupt: %s", what);
  return ECS_ERR_SNAPSHOT_CORRUPT;
}

static bool is_arch(const ecs__component_t *c) {
  return c->kind == ECS_STORAGE_ARCHETYPE;
}

static bool transient(const ecs__component_t *c) {
  return (c->flags & ECS_COMPONENT_TRANSIENT) != 0;
}

/* ---- schema and entity table -------------------------------------------- */

/* Checks a registered component against its snapshot entry; writes why not
 * into msg (returns false) when they do not match. */
static bool schema_matches(const stage_t *s, const scomp_t *sc, const ecs__component_t *c, char *msg, size_t cap) {
  if (((sc->flags & ECS__SNAP_TRANSIENT) != 0) != transient(c)) {
    snprintf(msg, cap, "component '%s' is %s in the world but not in the snapshot", c->name,
             transient(c) ? "transient" : "saved");
    return false;
  }
  if (transient(c)) {
    return true;
  }
  if (sc->version > c->version) {
    snprintf(msg, cap, "component '%s': schema version %u in the snapshot is newer than the world's %u", c->name,
             sc->version, c->version);
    return false;
  }
  if (sc->version < c->version && !c->migrate) {
    snprintf(msg, cap, "component '%s': schema version %u in the snapshot, %u in the world, and no migrate hook",
             c->name, sc->version, c->version);
    return false;
  }
  if (sc->version == c->version) {
    if (sc->size != c->size || sc->alignment != c->alignment) {
      snprintf(msg, cap, "component '%s': size %u alignment %u in the snapshot, size %zu alignment %zu in the world",
               c->name, sc->size, sc->alignment, c->size, c->alignment);
      return false;
    }
    if (((sc->flags & ECS__SNAP_SERIALIZED) != 0) != (c->serialize != NULL)) {
      snprintf(msg, cap, "component '%s': saved %s serialize hook, the world's has %s", c->name,
               (sc->flags & ECS__SNAP_SERIALIZED) ? "by its" : "without", c->serialize ? "one" : "none");
      return false;
    }
  }
  if (!(sc->flags & ECS__SNAP_SERIALIZED) && sc->size > 0 && s->blob.order != ecs__snap_host_order()) {
    snprintf(msg, cap, "component '%s': raw values saved on a host of the other byte order (give it serialize hooks)",
             c->name);
    return false;
  }
  return true;
}

static ecs_status_t parse_schema(stage_t *s) {
  ecs_world_t *w = s->w;
  ecs__cur_t *c = &s->sec[0];
  uint32_t n = ecs__cur32(c);
  if (c->bad || n > ecs__cur_left(c) / 23) { /* an entry is at least 23 bytes */
    return corrupt(s, "bad schema");
  }
  if (n > 0 && !(s->comps = ecs__calloc(w, (size_t)n * sizeof *s->comps))) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage the snapshot schema");
  }
  s->comp_count = n;
  char first[ECS_ERROR_MAX] = "";
  char unknown[ECS_ERROR_MAX] = "";
  size_t unknown_len = 0;
  uint32_t mismatches = 0;
  for (uint32_t i = 0; i < n; ++i) {
    scomp_t *sc = &s->comps[i];
    sc->name_len = ecs__cur16(c);
    sc->name = ecs__cur_take(c, sc->name_len);
    sc->size = ecs__cur32(c);
    sc->alignment = ecs__cur32(c);
    sc->kind = ecs__cur32(c);
    sc->version = ecs__cur32(c);
    sc->flags = ecs__cur32(c);
    if (c->bad || sc->name_len == 0 || memchr(sc->name, '\0', sc->name_len) ||
        (sc->flags & ~(ECS__SNAP_TRANSIENT | ECS__SNAP_SERIALIZED)) ||
        (sc->flags == (ECS__SNAP_TRANSIENT | ECS__SNAP_SERIALIZED)) || sc->size > INT32_MAX || sc->alignment == 0 ||
        (sc->alignment & (sc->alignment - 1)) || sc->alignment > 4096) {
      return corrupt(s, "bad schema entry");
    }
    ecs__component_t *t = NULL;
    HASH_FIND(hh, w->components_by_name, sc->name, sc->name_len, t);
    if (!t) {
      if (!(sc->flags & ECS__SNAP_TRANSIENT)) {
        mismatches++;
        int k = snprintf(unknown + unknown_len, sizeof unknown - unknown_len, "%s'%.*s'", unknown_len ? ", " : "",
                         (int)sc->name_len, (const char *)sc->name);
        unknown_len = k > 0 && (size_t)k < sizeof unknown - unknown_len ? unknown_len + (size_t)k : sizeof unknown - 1;
      }
      continue;
    }
    if (s->present[t->id]) {
      return corrupt(s, "a component appears twice in the schema");
    }
    s->present[t->id] = true;
    sc->target = t;
    char later[ECS_ERROR_MAX] = ""; /* only the first mismatch is described */
    if (!schema_matches(s, sc, t, mismatches ? later : first, sizeof first)) {
      mismatches++;
    }
  }
  if (ecs__cur_left(c) != 0) {
    return corrupt(s, "bad schema length");
  }
  if (unknown_len > 0) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_SCHEMA, "snapshot components not registered in the world: %s", unknown);
  }
  if (mismatches > 0) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_SCHEMA, "%s%s", first, mismatches > 1 ? " (and more)" : "");
  }
  return ECS_OK;
}

static ecs_status_t parse_entities(stage_t *s) {
  ecs_world_t *w = s->w;
  ecs__cur_t *c = &s->sec[1];
  uint32_t n = ecs__cur32(c);
  s->free_head = ecs__cur32(c);
  if (c->bad || n == 0 || (size_t)(n - 1) != ecs__cur_left(c) / 8 || ecs__cur_left(c) % 8 != 0 || s->free_head >= n) {
    return corrupt(s, "bad entity table");
  }
  /* the registry grows with the slots that arrive, so that a streamed
   * snapshot whose lengths lie costs no more than its bytes */
  for (uint32_t i = 0; i < n; ++i) {
    if (i >= s->record_cap &&
        !ecs__grow(&w->alloc, (void **)&s->records, sizeof *s->records, &s->record_cap, (size_t)i + 1, 16)) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage an entity table of %u slots", n);
    }
    if (i == 0) {
      s->records[0] = (ecs__entity_record_t){.generation = 0, .alive = false, .next_free = 0};
      continue;
    }
    uint32_t g = ecs__cur32(c);
    uint32_t next = ecs__cur32(c);
    bool alive = (g & ECS__SNAP_ALIVE_BIT) != 0;
    if (c->bad) {
      return corrupt(s, "bad entity table");
    }
    if (next >= n || (alive && next != 0)) {
      return corrupt(s, "bad entity slot");
    }
    s->records[i] = (ecs__entity_record_t){.generation = g & ~ECS__SNAP_ALIVE_BIT, .alive = alive, .next_free = next};
    s->alive += alive;
  }
  s->slot_count = n;
  if (!(s->mark = ecs__calloc(w, n))) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage an entity table of %u slots", n);
  }
  /* the free list must be a chain of dead slots without cycles ... */
  for (uint32_t i = s->free_head; i != 0; i = s->records[i].next_free) {
    if (s->records[i].alive || (s->mark[i] & MARK_SEEN)) {
      return corrupt(s, "bad free list");
    }
    s->mark[i] |= MARK_SEEN;
  }
  /* ... and every other dead slot retired (generation at its maximum) */
  for (uint32_t i = 1; i < n; ++i) {
    const ecs__entity_record_t *r = &s->records[i];
    if (!r->alive && !(s->mark[i] & MARK_SEEN) && (r->generation != ECS__GENERATION_MAX || r->next_free != 0)) {
      return corrupt(s, "dead slot neither free nor retired");
    }
  }
  memset(s->mark, 0, n);
  return ECS_OK;
}

/* The handle of live slot idx, or ECS_ENTITY_NULL. */
static ecs_entity_t live_entity(const stage_t *s, uint32_t idx) {
  if (idx == 0 || idx >= s->slot_count || !s->records[idx].alive) {
    return ECS_ENTITY_NULL;
  }
  return ECS_ENTITY_MAKE(idx, s->records[idx].generation);
}

/* ---- staging ------------------------------------------------------------ */

static ecs_status_t create_storages(stage_t *s) {
  ecs_world_t *w = s->w;
  s->arch = ecs__arch_set_clone(w->arch);
  s->ids = ecs__alloc(w, (size_t)s->wcount * sizeof *s->ids);
  if (!s->arch || !s->ids) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage the archetype tables");
  }
  s->scratch_align = 1;
  for (uint32_t id = 1; id < s->wcount; ++id) {
    ecs__component_t *c = w->components[id];
    ecs_storage_params_t p = c->params;
    if (is_arch(c)) {
      p.kind_user = s->arch;
      s->arch_count++;
    }
    ecs_status_t st = c->vt->create(&p, &s->storage[id]);
    if (st != ECS_OK) {
      s->storage[id] = NULL;
      return ecs__fail(w, st, "cannot create %s storage for '%s': %s", c->vt->name, c->name, ecs_strerror(st));
    }
    if (c->params.stride > s->scratch_size) {
      s->scratch_size = c->params.stride;
    }
    if (c->alignment > s->scratch_align) {
      s->scratch_align = c->alignment;
    }
  }
  if (s->scratch_size > 0 && !(s->scratch = ecs__aligned_alloc(&w->alloc, s->scratch_size, s->scratch_align))) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage a component value");
  }
  /* components with change detection get arrays for the new slot count */
  for (uint32_t id = 1; id < s->wcount; ++id) {
    if (w->components[id]->changed_at) {
      s->changed[id] = ecs__calloc(w, (size_t)s->slot_count * sizeof(uint64_t));
      s->added[id] = ecs__calloc(w, (size_t)s->slot_count * sizeof(uint64_t));
      if (!s->changed[id] || !s->added[id]) {
        return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage change detection of '%s'", w->components[id]->name);
      }
    }
  }
  return ECS_OK;
}

/* Reads one value's bytes as framed by the snapshot. */
static const uint8_t *value_bytes(ecs__cur_t *c, const scomp_t *sc, size_t *len) {
  *len = (sc->flags & ECS__SNAP_SERIALIZED) ? ecs__cur32(c) : sc->size;
  return ecs__cur_take(c, *len);
}

/* Constructs a value of c at dst from its saved bytes. */
static ecs_status_t construct(stage_t *s, const ecs__component_t *c, const scomp_t *sc, void *dst, const uint8_t *data,
                              size_t len) {
  ecs_status_t st;
  const char *how;
  if (sc->version != c->version) {
    st = c->migrate(dst, data, len, sc->version, c->hooks.user);
    how = "migrate";
  } else if (c->deserialize) {
    st = c->deserialize(dst, data, len, c->hooks.user);
    how = "deserialize";
  } else {
    memcpy(dst, data, c->size); /* len == size: checked by the schema */
    return ECS_OK;
  }
  if (st != ECS_OK) {
    return ecs__fail(s->w, st, "%s hook of '%s' failed: %s", how, c->name, ecs_strerror(st));
  }
  return ECS_OK;
}

/* A staging DENSE instance for values of the ARCHETYPE component t whose
 * entity has no row with a column for it (the saving world kept t in
 * another storage kind): they go into rows once every value is known. Its
 * storage runs no dtor: the stage destructs what it did not move. */
static void *temp_of(stage_t *s, const ecs__component_t *t) {
  if (!s->temp[t->id]) {
    ecs_storage_params_t p = t->params;
    p.kind_user = NULL;
    p.dtor = NULL;
    if (ecs_storage_dense_vtable()->create(&p, &s->temp[t->id]) != ECS_OK) {
      s->temp[t->id] = NULL;
    }
  }
  return s->temp[t->id];
}

/* e's row's cell for its saved value of the ARCHETYPE component t, in
 * *cell (NULL: its row has no such column). A second value for the cell
 * is corrupt. */
static ecs_status_t row_cell(stage_t *s, const ecs__component_t *t, ecs_entity_t e, void **cell) {
  *cell = is_arch(t) ? t->vt->get(s->storage[t->id], e) : NULL;
  if (!*cell) {
    return ECS_OK;
  }
  uint32_t idx = ECS_ENTITY_INDEX(e);
  if (!s->built[t->id] && !(s->built[t->id] = ecs__calloc(s->w, ((size_t)s->slot_count + 63) / 64 * 8))) {
    return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot stage the values of '%s'", t->name);
  }
  return (s->built[t->id][idx >> 6] >> (idx & 63)) & 1 ? corrupt(s, "bad component value") : ECS_OK;
}

static ecs_status_t load_component_values(stage_t *s, ecs__cur_t *c, const scomp_t *sc, uint32_t count) {
  ecs__component_t *t = sc->target;
  for (uint32_t j = 0; j < count; ++j) {
    ecs_entity_t e = live_entity(s, ecs__cur32(c));
    size_t len;
    const uint8_t *data = value_bytes(c, sc, &len);
    if (c->bad || e == ECS_ENTITY_NULL) {
      return corrupt(s, "bad component value");
    }
    void *cell;
    ecs_status_t st = row_cell(s, t, e, &cell);
    if (st != ECS_OK) {
      return st;
    }
    if (cell) { /* constructed in place; it counts once the hook succeeded */
      if (t->size > 0 && (st = construct(s, t, sc, cell, data, len)) != ECS_OK) {
        return st;
      }
      uint32_t idx = ECS_ENTITY_INDEX(e);
      s->built[t->id][idx >> 6] |= (uint64_t)1 << (idx & 63);
      s->filled[t->id]++;
      continue;
    }
    /* into t's storage, or its staging instance when t is ARCHETYPE */
    const ecs_storage_vtable_t *vt = is_arch(t) ? ecs_storage_dense_vtable() : t->vt;
    void *dst = is_arch(t) ? temp_of(s, t) : s->storage[t->id];
    if (!dst) {
      return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot stage the values of '%s'", t->name);
    }
    if (vt->get(dst, e)) {
      return corrupt(s, "bad component value");
    }
    if (t->size > 0 && (st = construct(s, t, sc, s->scratch, data, len)) != ECS_OK) {
      return st;
    }
    void *slot = vt->insert(dst, e);
    if (!slot) {
      if (t->size > 0 && t->hooks.dtor) {
        t->hooks.dtor(s->scratch, 1, t->hooks.user);
      }
      return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot stage the values of '%s'", t->name);
    }
    ecs__relocate(&t->params, slot, s->scratch, 1);
  }
  return ECS_OK;
}

static ecs_status_t load_values(stage_t *s) {
  ecs__cur_t *c = &s->sec[3];
  for (uint32_t i = 0; i < s->comp_count; ++i) {
    const scomp_t *sc = &s->comps[i];
    uint32_t count = ecs__cur32(c);
    if (c->bad || ((sc->flags & ECS__SNAP_TRANSIENT) && count != 0) || count > ecs__cur_left(c) / 4) {
      return corrupt(s, "bad value list");
    }
    if (count > 0) {
      ecs_status_t st = load_component_values(s, c, sc, count);
      if (st != ECS_OK) {
        return st;
      }
    }
  }
  return ecs__cur_left(c) == 0 ? ECS_OK : corrupt(s, "bad value section length");
}

static ecs_status_t load_resources(stage_t *s) {
  ecs_world_t *w = s->w;
  ecs__cur_t *c = &s->sec[4];
  uint32_t n = ecs__cur32(c);
  int64_t prev = -1;
  for (uint32_t k = 0; k < n; ++k) {
    uint32_t i = ecs__cur32(c);
    if (c->bad || (int64_t)i <= prev || i >= s->comp_count || (s->comps[i].flags & ECS__SNAP_TRANSIENT)) {
      return corrupt(s, "bad resource");
    }
    prev = i;
    const scomp_t *sc = &s->comps[i];
    size_t len;
    const uint8_t *data = value_bytes(c, sc, &len);
    if (c->bad) {
      return corrupt(s, "bad resource value");
    }
    ecs__component_t *t = sc->target;
    if (t->size == 0) {
      s->resource[t->id] = t; /* presence only, as resource.c marks it */
      continue;
    }
    void *v = ecs__aligned_alloc(&w->alloc, t->size, t->alignment);
    if (!v) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage resource '%s'", t->name);
    }
    ecs_status_t st = construct(s, t, sc, v, data, len);
    if (st != ECS_OK) {
      ecs__aligned_free(&w->alloc, v, t->size, t->alignment);
      return st;
    }
    s->resource[t->id] = v;
  }
  return ecs__cur_left(c) == 0 ? ECS_OK : corrupt(s, "bad resource section length");
}

/* ---- archetype rows ----------------------------------------------------- */

/* Recreates the snapshot's tables in its order (after the world's own,
 * which keep theirs) and places each listed entity in its table's row, in
 * saved row order, before any value is read: the values of the table's
 * components are then constructed in their cells (load_values). Table types
 * keep the components the world stores as ARCHETYPE and saves. */
static ecs_status_t load_tables(stage_t *s) {
  ecs__cur_t *c = &s->sec[2];
  uint32_t n = ecs__cur32(c);
  for (uint32_t t = 0; t < n; ++t) {
    uint32_t k = ecs__cur32(c);
    if (c->bad || k > ecs__cur_left(c) / 4) {
      return corrupt(s, "bad table");
    }
    uint32_t m = 0;
    for (uint32_t j = 0; j < k; ++j) {
      uint32_t i = ecs__cur32(c);
      if (i >= s->comp_count) {
        return corrupt(s, "bad table type");
      }
      const ecs__component_t *tc = s->comps[i].target;
      if (tc && is_arch(tc) && !transient(tc)) {
        if (m == s->arch_count) {
          return corrupt(s, "a component twice in a table type");
        }
        /* insertion sort: m is at most the world's archetype components */
        uint32_t at = m++;
        while (at > 0 && s->ids[at - 1] > tc->id) {
          s->ids[at] = s->ids[at - 1];
          at--;
        }
        s->ids[at] = tc->id;
        if (at > 0 && s->ids[at - 1] == tc->id) {
          return corrupt(s, "a component twice in a table type");
        }
      }
    }
    uint32_t table = m > 0 ? ecs__arch_table_ensure(s->arch, s->ids, m) : 0;
    if (table == UINT32_MAX) {
      return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot stage the archetype tables");
    }
    uint32_t rows = ecs__cur32(c);
    if (c->bad || rows > ecs__cur_left(c) / 4) {
      return corrupt(s, "bad table rows");
    }
    for (uint32_t j = 0; j < m; ++j) {
      s->rows[s->ids[j]] += rows;
    }
    for (uint32_t r = 0; r < rows; ++r) {
      ecs_entity_t e = live_entity(s, ecs__cur32(c));
      if (e == ECS_ENTITY_NULL || (s->mark[ECS_ENTITY_INDEX(e)] & MARK_SEEN)) {
        return corrupt(s, "bad table row");
      }
      s->mark[ECS_ENTITY_INDEX(e)] |= MARK_SEEN;
      if (m > 0 && !ecs__arch_place(s->arch, e, table)) {
        return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot stage the archetype rows");
      }
    }
  }
  return c->bad || ecs__cur_left(c) != 0 ? corrupt(s, "bad table section length") : ECS_OK;
}

/* Moves the staged values of entity e (those of ARCHETYPE components its
 * row has no column for) into its row: a new row in the table of exactly
 * them when it has none, else its row moved once to the table with them
 * added. */
static ecs_status_t move_staged(stage_t *s, ecs_entity_t e, void **states, void **cells, bool *added) {
  const ecs_storage_vtable_t *dense = ecs_storage_dense_vtable();
  uint32_t m = 0;
  for (uint32_t id = 1; id < s->wcount; ++id) {
    if (s->temp[id] && dense->get(s->temp[id], e)) {
      s->ids[m] = id;
      states[m++] = s->storage[id];
    }
  }
  const ecs_component_t *own;
  bool ok;
  if (ecs__arch_entity_type(s->arch, e, &own) == 0) {
    uint32_t t = ecs__arch_table_ensure(s->arch, s->ids, m);
    ok = t != UINT32_MAX && ecs__arch_place(s->arch, e, t);
    for (uint32_t k = 0; ok && k < m; ++k) {
      cells[k] = s->w->components[s->ids[k]]->vt->get(states[k], e);
    }
  } else {
    ok = ecs__arch_ensure_n(states, m, e, cells, added);
  }
  if (!ok) {
    return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot stage the archetype rows");
  }
  uint32_t idx = ECS_ENTITY_INDEX(e);
  for (uint32_t k = 0; k < m; ++k) {
    const ecs__component_t *c = s->w->components[s->ids[k]];
    if (c->size > 0) {
      ecs__relocate(&c->params, cells[k], dense->get(s->temp[c->id], e), 1);
    }
  }
  s->mark[idx] |= MARK_MOVED;
  return ECS_OK;
}

/* After the values: every row got the value of each of its columns, and
 * the staged values move into rows; then the staging instances go. */
static ecs_status_t place_staged(stage_t *s) {
  for (uint32_t id = 1; id < s->wcount; ++id) {
    if (s->rows[id] != s->filled[id]) {
      return corrupt(s, "a table row without its value");
    }
  }
  ecs_world_t *w = s->w;
  void **states = ecs__alloc(w, (size_t)s->wcount * (2 * sizeof(void *) + sizeof(bool)));
  if (!states) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage the archetype rows");
  }
  void **cells = states + s->wcount;
  bool *added = (bool *)(cells + s->wcount);
  const ecs_storage_vtable_t *dense = ecs_storage_dense_vtable();
  ecs_status_t st = ECS_OK;
  for (uint32_t id = 1; st == ECS_OK && id < s->wcount; ++id) {
    size_t cursor = 0;
    ecs_storage_chunk_t ch;
    while (st == ECS_OK && s->temp[id] && dense->chunk(s->temp[id], &cursor, &ch)) {
      for (size_t i = 0; st == ECS_OK && i < ch.count; ++i) {
        if (!(s->mark[ECS_ENTITY_INDEX(ch.entities[i])] & MARK_MOVED)) {
          st = move_staged(s, ch.entities[i], states, cells, added);
        }
      }
    }
  }
  ecs__free(w, states, (size_t)s->wcount * (2 * sizeof(void *) + sizeof(bool)));
  for (uint32_t id = 1; st == ECS_OK && id < s->wcount; ++id) {
    if (s->temp[id]) { /* every value moved out: its instance goes, no dtor */
      dense->destroy(s->temp[id]);
      s->temp[id] = NULL;
    }
  }
  s->rows_done = st == ECS_OK;
  return st;
}

/* ---- change detection (format 2) ---------------------------------------- */

/* The saver's change and add ticks, into the staged arrays of the
 * components this world tracks (others are checked and skipped). */
static ecs_status_t load_changes(stage_t *s) {
  ecs__cur_t *c = &s->sec[ECS__SNAP_CHANGES - 1];
  s->change_counter = ecs__cur64(c);
  uint32_t count = ecs__cur32(c);
  int64_t prev = -1;
  for (uint32_t k = 0; k < count && !c->bad; ++k) {
    uint32_t i = ecs__cur32(c);
    uint32_t n = ecs__cur32(c);
    if (c->bad || i >= s->comp_count || (int64_t)i <= prev || n > ecs__cur_left(c) / 20) {
      return corrupt(s, "bad change-detection entry");
    }
    prev = i;
    const ecs__component_t *tc = s->comps[i].target;
    bool keep = tc && s->changed[tc->id];
    if (keep) {
      s->ticked[tc->id] = true;
    }
    for (uint32_t r = 0; r < n; ++r) {
      ecs_entity_t e = live_entity(s, ecs__cur32(c));
      uint64_t changed = ecs__cur64(c);
      uint64_t added = ecs__cur64(c);
      if (e == ECS_ENTITY_NULL || changed > s->change_counter || added > s->change_counter) {
        return corrupt(s, "bad change ticks");
      }
      if (keep) {
        ((uint64_t *)s->changed[tc->id])[ECS_ENTITY_INDEX(e)] = changed;
        ((uint64_t *)s->added[tc->id])[ECS_ENTITY_INDEX(e)] = added;
      }
    }
  }
  return c->bad || ecs__cur_left(c) != 0 ? corrupt(s, "bad change-detection section length") : ECS_OK;
}

/* ---- commit and cleanup ------------------------------------------------- */

static void destruct_all(const ecs__component_t *c, const ecs_storage_vtable_t *vt, void *storage) {
  if (!c->hooks.dtor || c->size == 0) {
    return;
  }
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (vt->chunk(storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      void *v = ch.data ? (char *)ch.data + i * c->params.stride : vt->get(storage, ch.entities[i]);
      c->hooks.dtor(v, 1, c->hooks.user);
    }
  }
}

/* The other-storage index of the staged values, when the world keeps one:
 * the last step that can fail. */
static ecs_status_t stage_index(stage_t *s) {
  if (!s->w->others_listed) {
    return ECS_OK;
  }
  size_t values = 0;
  for (uint32_t id = 1; id < s->wcount; ++id) {
    const ecs__component_t *c = s->w->components[id];
    values += is_arch(c) ? 0 : c->vt->count(s->storage[id]);
  }
  if (values >= UINT32_MAX || !ecs__oindex_reserve(s->w, &s->others, (uint32_t)values)) {
    return ecs__fail(s->w, ECS_ERR_NO_MEMORY, "cannot index the snapshot's values");
  }
  ecs__oindex_fill(s->w, &s->others, s->records, s->storage, s->wcount);
  return ECS_OK;
}

static void commit(stage_t *s) {
  ecs_world_t *w = s->w;
  /* the old table set: its instances go without moving rows */
  ecs__arch_set_closing(w->arch);
  for (uint32_t id = 1; id < s->wcount; ++id) {
    ecs__component_t *c = w->components[id];
    destruct_all(c, c->vt, c->storage);
    c->vt->destroy(c->storage);
    c->storage = s->storage[id];
    s->storage[id] = NULL;
    if (is_arch(c)) {
      c->params.kind_user = s->arch;
      c->vtable.user = s->arch;
    }
    if (!transient(c)) {
      ecs__resource_fini(w, c);
      c->resource = s->resource[id];
      s->resource[id] = NULL;
    }
  }
  /* change detection: the saved ticks where the snapshot has them, the
   * counter never going back (queries of this world may have seen later
   * ticks); else every loaded value counts as added and written now */
  uint64_t now = atomic_load(&w->change_counter);
  if (s->change_counter > now) {
    atomic_store(&w->change_counter, s->change_counter);
  }
  uint64_t tick = 0; /* taken when a value is marked: a load of saved ticks takes none */
  for (uint32_t id = 1; id < s->wcount; ++id) {
    ecs__component_t *c = w->components[id];
    if (!s->changed[id]) {
      continue;
    }
    ecs__free(w, c->changed_at, (size_t)c->track_cap * sizeof *c->changed_at);
    ecs__free(w, c->added_at, (size_t)c->track_cap * sizeof *c->added_at);
    c->changed_at = s->changed[id];
    c->added_at = s->added[id];
    c->track_cap = s->slot_count;
    s->changed[id] = s->added[id] = NULL;
    if (s->ticked[id]) {
      continue;
    }
    tick = tick ? tick : ecs__change_tick(w);
    size_t cursor = 0;
    ecs_storage_chunk_t ch;
    while (c->vt->chunk(c->storage, &cursor, &ch)) {
      for (size_t i = 0; i < ch.count; ++i) {
        ecs__mark(c, ch.entities[i], tick, true);
      }
    }
  }
  ecs__delta_reset(w); /* the state was replaced wholesale: no earlier baseline holds */
  ecs__arch_set_free(w->arch);
  w->arch = s->arch;
  w->kinds[ECS_STORAGE_ARCHETYPE].vt.user = s->arch;
  s->arch = NULL;
  ecs__free(w, w->records, (size_t)w->record_cap * sizeof *w->records);
  w->records = s->records;
  w->record_count = s->slot_count;
  w->record_cap = s->record_cap;
  w->free_head = s->free_head;
  w->alive_count = s->alive;
  s->records = NULL;
  ecs__oindex_t old = w->others;
  w->others = s->others;
  s->others = old;        /* freed with the stage */
  ecs__packs_reattach(w); /* packs follow their members to the new instances */
  ecs__sched_state_commit(w, s->sched);
  s->sched = NULL;
}

/* A load that failed before its rows were complete: the values of the
 * ARCHETYPE component c constructed so far, in rows (bits of built, and
 * the staged values already moved) or still staged, are destructed. */
static void unbuild(stage_t *s, const ecs__component_t *c) {
  if (!c->hooks.dtor || c->size == 0) {
    return;
  }
  for (uint32_t idx = 1; s->built[c->id] && idx < s->slot_count; ++idx) {
    if ((s->built[c->id][idx >> 6] >> (idx & 63)) & 1) {
      c->hooks.dtor(c->vt->get(s->storage[c->id], live_entity(s, idx)), 1, c->hooks.user);
    }
  }
  const ecs_storage_vtable_t *dense = ecs_storage_dense_vtable();
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (s->temp[c->id] && dense->chunk(s->temp[c->id], &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      bool moved = s->mark[ECS_ENTITY_INDEX(ch.entities[i])] & MARK_MOVED;
      void *v = moved ? c->vt->get(s->storage[c->id], ch.entities[i]) : (char *)ch.data + i * c->params.stride;
      c->hooks.dtor(v, 1, c->hooks.user);
    }
  }
}

static void stage_free(stage_t *s) {
  ecs_world_t *w = s->w;
  const ecs_storage_vtable_t *dense = ecs_storage_dense_vtable();
  for (uint32_t id = 1; s->storage && id < s->wcount; ++id) {
    const ecs__component_t *c = w->components[id];
    if (s->storage[id] && (!is_arch(c) || s->rows_done)) {
      destruct_all(c, c->vt, s->storage[id]);
    } else if (s->storage[id]) {
      unbuild(s, c);
    }
  }
  if (s->arch) {
    ecs__arch_set_closing(s->arch); /* the values were destructed above */
  }
  for (uint32_t id = 1; s->storage && id < s->wcount; ++id) {
    const ecs__component_t *c = w->components[id];
    if (s->temp[id]) {
      dense->destroy(s->temp[id]);
    }
    if (s->storage[id]) {
      c->vt->destroy(s->storage[id]);
    }
    ecs__free(w, s->built[id], ((size_t)s->slot_count + 63) / 64 * 8);
    ecs__free(w, s->changed[id], (size_t)s->slot_count * sizeof(uint64_t));
    ecs__free(w, s->added[id], (size_t)s->slot_count * sizeof(uint64_t));
    if (s->resource[id] && c->size > 0) {
      if (c->hooks.dtor) {
        c->hooks.dtor(s->resource[id], 1, c->hooks.user);
      }
      ecs__aligned_free(&w->alloc, s->resource[id], c->size, c->alignment);
    }
  }
  ecs__arch_set_free(s->arch);
  ecs__aligned_free(&w->alloc, s->scratch, s->scratch_size, s->scratch_align);
  ecs__free(w, s->ids, (size_t)s->wcount * sizeof *s->ids);
  ecs__free(w, s->storage, (size_t)s->wcount * STAGE_PER_COMPONENT);
  ecs__free(w, s->records, (size_t)s->record_cap * sizeof *s->records);
  ecs__free(w, s->mark, s->slot_count);
  ecs__free(w, s->comps, (size_t)s->comp_count * sizeof *s->comps);
  ecs__sched_state_free(w, s->sched);
  ecs__oindex_free(w, &s->others);
  ecs__snap_blob_free(w, &s->blob);
}

/* Pairs are matched by relation name and target handle (the registry is
 * restored as saved): the pairs of the snapshot that the world has not
 * registered yet are, before staging. They stay registered if the load
 * fails later (ids hold no values; ecs_pair() registers them the same). */
static ecs_status_t register_pairs(stage_t *s) {
  ecs__cur_t c = s->sec[0];
  uint32_t n = ecs__cur32(&c);
  for (uint32_t i = 0; i < n && !c.bad; ++i) {
    uint16_t len = ecs__cur16(&c);
    const uint8_t *name = ecs__cur_take(&c, len);
    (void)ecs__cur_take(&c, 20); /* size, alignment, kind, version, flags */
    if (c.bad || len == 0 || memchr(name, '\0', len)) {
      continue; /* parse_schema reports a bad entry */
    }
    if ((len == 10 && memcmp(name, "ecs.Parent", 10) == 0) || (len == 8 && memcmp(name, "ecs.Name", 8) == 0)) {
      if (!ecs__hier_get(s->w)) {
        return s->w->last_status;
      }
      continue;
    }
    if (len > 4 && memcmp(name, "ecs.", 4) == 0) {
      ecs_status_t st = ecs__builtin_from_name(s->w, (const char *)name, len);
      if (st != ECS_OK) {
        return st;
      }
      continue;
    }
    if (name[0] != '(') {
      continue;
    }
    ecs_status_t st = ecs__pair_from_name(s->w, (const char *)name, len);
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

/* Opens section id (1-based) into s->sec: whole, or streamed. */
static ecs_status_t section(stage_t *s, uint32_t id, bool whole) {
  return ecs__snap_section(&s->blob, id, whole, &s->sec[id - 1]);
}

/* The sections are opened and parsed in file order. The schema, resources
 * and scheduler state are small and read whole; the entity table, tables,
 * values and change ticks stream from a host's reader. Rows are placed
 * from the tables before the values are read, so that a value goes
 * straight into its cell. */
static ecs_status_t stage(stage_t *s, const ecs_reader_t *in) {
  ecs_world_t *w = s->w;
  ecs_status_t st = ecs__snap_open(w, in, &s->blob);
  if (st != ECS_OK || (st = section(s, ECS__SNAP_SCHEMA, true)) != ECS_OK || (st = register_pairs(s)) != ECS_OK) {
    return st;
  }
  s->wcount = w->component_count;
  /* one block for the four per-component arrays */
  void **block = ecs__calloc(w, (size_t)s->wcount * STAGE_PER_COMPONENT);
  if (!block) {
    (void)ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage the snapshot");
    return ECS_ERR_NO_MEMORY;
  }
  s->storage = block;
  s->temp = block + s->wcount;
  s->resource = block + 2 * (size_t)s->wcount;
  s->changed = block + 3 * (size_t)s->wcount;
  s->added = block + 4 * (size_t)s->wcount;
  s->built = (uint64_t **)(block + 5 * (size_t)s->wcount);
  s->rows = (size_t *)(block + 6 * (size_t)s->wcount);
  s->filled = s->rows + s->wcount;
  s->present = (bool *)(s->filled + s->wcount);
  s->ticked = s->present + s->wcount;
  if ((st = parse_schema(s)) != ECS_OK || (st = section(s, ECS__SNAP_ENTITIES, false)) != ECS_OK ||
      (st = parse_entities(s)) != ECS_OK || (st = create_storages(s)) != ECS_OK ||
      (st = section(s, ECS__SNAP_TABLES, false)) != ECS_OK || (st = load_tables(s)) != ECS_OK ||
      (st = section(s, ECS__SNAP_VALUES, false)) != ECS_OK || (st = load_values(s)) != ECS_OK ||
      (st = place_staged(s)) != ECS_OK || (st = section(s, ECS__SNAP_RESOURCES, true)) != ECS_OK ||
      (st = load_resources(s)) != ECS_OK) {
    return st;
  }
  if (s->blob.version >= 2) {
    if ((st = section(s, ECS__SNAP_SCHEDULERS, true)) != ECS_OK) {
      return st;
    }
    const ecs__cur_t *c = &s->sec[ECS__SNAP_SCHEDULERS - 1];
    if ((st = ecs__sched_state_parse(w, c->p, c->n, &s->sched)) != ECS_OK ||
        (st = section(s, ECS__SNAP_CHANGES, false)) != ECS_OK || (st = load_changes(s)) != ECS_OK) {
      return st;
    }
  }
  return ecs__snap_finish(&s->blob);
}

ecs_status_t ecs_snapshot_load(ecs_world_t *world, const ecs_reader_t *in) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!in || !in->read) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_snapshot_load: reader is NULL or has no read function");
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_snapshot_load during a tick");
  }
  stage_t s = {.w = world, .wcount = world->component_count};
  ecs_status_t st = ecs__snap_explain(&s.blob, stage(&s, in));
  if (st == ECS_OK) {
    st = stage_index(&s);
  }
  if (st == ECS_OK) {
    commit(&s);
    ecs__hier_loaded(world); /* the hierarchy and name indices follow the values on next use */
    ecs__ok(world);
  }
  stage_free(&s);
  return st;
}
