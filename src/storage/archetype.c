/* ARCHETYPE storage: one table per set of archetype-stored components, one
 * contiguous column per component (SoA), and a record per entity giving its
 * (table, row). Adding or removing a component moves the entity's row to
 * the neighbouring table; the add/remove edges between tables are cached on
 * the source table, so a repeated transition costs a short scan of that
 * table's edges, never a type hash. Tables are found by a hash of their
 * sorted component ids when first needed and are never deleted. */
#include "archetype.h"

#include "../private.h"
#include "storage_internal.h"

typedef struct arch_column_t {
  char *data;
  uint32_t cap;
  size_t stride;
  size_t align;
  ecs_move_fn move; /* the component's move hook (NULL: memcpy), kept here for row moves */
  void *hooks_user;
} arch_column_t;

typedef struct arch_edge_t {
  ecs_component_t component;
  uint32_t table;
  bool add; /* an add transition, else a remove */
} arch_edge_t;

typedef struct arch_table_t {
  ecs_component_t *ids; /* sorted; the hash key */
  uint32_t type_count;
  arch_column_t *cols;
  ecs_entity_t *entities;
  uint32_t count;
  uint32_t ent_cap;
  uint32_t cap;       /* rows every array has room for: the least of ent_cap and the columns' */
  arch_edge_t *edges; /* cached add and remove transitions */
  uint32_t edge_count;
  uint32_t edge_cap;
  uint32_t index;
  UT_hash_handle hh;
} arch_table_t;

/* One archetype-stored component: the vtable state of its instance. */
typedef struct arch_comp_t {
  ecs__arch_set_t *set;
  ecs_storage_params_t p;
  size_t count;
  uint32_t *tables; /* tables holding this component, in creation order */
  uint32_t table_count;
  uint32_t table_cap;
} arch_comp_t;

/* Where an entity's row is. The world checks a handle before any call
 * here, and a row is dropped when its entity is destroyed, so a slot's
 * record always belongs to its live entity: no handle is kept. */
typedef struct arch_record_t {
  uint32_t table; /* index + 1; 0: no archetype component */
  uint32_t row;
} arch_record_t;

struct ecs__arch_set_t {
  /* first, so that queries read it without a call (ecs__arch_walk): the
   * table count, and by table index, beside the tables so that a query
   * walking many tables reads 4 bytes a table, not a table struct, each
   * table's row count (kept equal to its count by set_rows) and the layout
   * version of its arrays, taken from layout_clock whenever its entity
   * array or a column may have moved (so a cached pointer is good while
   * the version is) */
  ecs__arch_walk_t walk;
  const ecs_allocator_t *alloc;
  arch_table_t **tables; /* [0] is the empty type */
  uint32_t table_cap;
  uint32_t rows_cap;
  uint32_t layout_cap;
  arch_table_t *by_type;
  arch_comp_t **comps; /* by component id */
  uint32_t comp_cap;
  arch_record_t *records; /* by entity index */
  uint32_t record_cap;
  bool closing;
};

static void *a_alloc(const ecs__arch_set_t *s, size_t n) {
  return s->alloc->alloc(s->alloc->user, n);
}

static void a_free(const ecs__arch_set_t *s, void *p, size_t n) {
  if (p) {
    s->alloc->free(s->alloc->user, p, n);
  }
}

/* Every change of a table's row count goes through here. */
static inline void set_rows(ecs__arch_set_t *s, arch_table_t *t, uint32_t n) {
  t->count = n;
  s->walk.rows[t->index] = n;
}

/* Table t's arrays may move: pointers cached for its version go stale. */
static inline void layout_moved(ecs__arch_set_t *s, const arch_table_t *t) {
  s->walk.layout[t->index] = ++s->walk.layout_clock;
}

/* Room in the per-table arrays for `need` tables. */
static bool table_arrays_reserve(ecs__arch_set_t *s, size_t need) {
  return ecs__grow(s->alloc, (void **)&s->tables, sizeof(arch_table_t *), &s->table_cap, need, 16) &&
         ecs__grow(s->alloc, (void **)&s->walk.rows, sizeof *s->walk.rows, &s->rows_cap, need, 16) &&
         ecs__grow(s->alloc, (void **)&s->walk.layout, sizeof *s->walk.layout, &s->layout_cap, need, 16);
}

static void table_free(ecs__arch_set_t *s, arch_table_t *t) {
  for (uint32_t i = 0; t->cols && i < t->type_count; ++i) {
    ecs__aligned_free(s->alloc, t->cols[i].data, (size_t)t->cols[i].cap * t->cols[i].stride, t->cols[i].align);
  }
  a_free(s, t->cols, t->type_count * sizeof *t->cols);
  a_free(s, t->ids, t->type_count * sizeof *t->ids);
  a_free(s, t->entities, (size_t)t->ent_cap * sizeof *t->entities);
  a_free(s, t->edges, (size_t)t->edge_cap * sizeof *t->edges);
  a_free(s, t, sizeof *t);
}

ecs__arch_set_t *ecs__arch_set_new(const ecs_allocator_t *a) {
  ecs__arch_set_t *s = a->alloc(a->user, sizeof *s);
  if (!s) {
    return NULL;
  }
  memset(s, 0, sizeof *s);
  s->alloc = a;
  arch_table_t *root = a_alloc(s, sizeof *root);
  if (!root || !table_arrays_reserve(s, 1)) {
    a_free(s, root, sizeof *root);
    ecs__arch_set_free(s);
    return NULL;
  }
  memset(root, 0, sizeof *root);
  s->tables[s->walk.table_count++] = root;
  s->walk.rows[0] = 0;
  s->walk.layout[0] = 0;
  return s;
}

void ecs__arch_set_free(ecs__arch_set_t *s) {
  if (!s) {
    return;
  }
  const ecs_allocator_t *hash_alloc = s->alloc;
  HASH_CLEAR(hh, s->by_type);
  for (uint32_t i = 0; i < s->walk.table_count; ++i) {
    table_free(s, s->tables[i]);
  }
  a_free(s, s->tables, (size_t)s->table_cap * sizeof(arch_table_t *));
  a_free(s, s->walk.rows, (size_t)s->rows_cap * sizeof *s->walk.rows);
  a_free(s, s->walk.layout, (size_t)s->layout_cap * sizeof *s->walk.layout);
  a_free(s, s->comps, (size_t)s->comp_cap * sizeof(arch_comp_t *));
  a_free(s, s->records, (size_t)s->record_cap * sizeof *s->records);
  hash_alloc->free(hash_alloc->user, s, sizeof *s);
}

void ecs__arch_set_closing(ecs__arch_set_t *s) {
  s->closing = true;
}

static int32_t column_of(const arch_table_t *t, ecs_component_t c) {
  uint32_t lo = 0;
  uint32_t hi = t->type_count;
  while (lo < hi) {
    uint32_t mid = (lo + hi) / 2;
    if (t->ids[mid] < c) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return (lo < t->type_count && t->ids[lo] == c) ? (int32_t)lo : -1;
}

static arch_record_t *record_of(const ecs__arch_set_t *s, ecs_entity_t e) {
  uint32_t idx = ECS_ENTITY_INDEX(e);
  if (idx >= s->record_cap) {
    return NULL;
  }
  arch_record_t *r = &s->records[idx];
  return r->table != 0 ? r : NULL;
}

/* Creates the table for ids (sorted, n entries); every id must be a live
 * archetype component. Returns its index, or UINT32_MAX when out of memory
 * (nothing changed). */
static uint32_t table_create(ecs__arch_set_t *s, const ecs_component_t *ids, uint32_t n) {
  const ecs_allocator_t *hash_alloc = s->alloc;
  if (!table_arrays_reserve(s, (size_t)s->walk.table_count + 1)) {
    return UINT32_MAX;
  }
  for (uint32_t i = 0; i < n; ++i) {
    arch_comp_t *c = s->comps[ids[i]];
    if (!ecs__grow(s->alloc, (void **)&c->tables, sizeof *c->tables, &c->table_cap, (size_t)c->table_count + 1, 8)) {
      return UINT32_MAX;
    }
  }
  arch_table_t *t = a_alloc(s, sizeof *t);
  if (!t) {
    return UINT32_MAX;
  }
  memset(t, 0, sizeof *t);
  t->ids = a_alloc(s, n * sizeof *t->ids);
  t->cols = a_alloc(s, n * sizeof *t->cols);
  t->type_count = n;
  if (t->cols) {
    for (uint32_t i = 0; i < n; ++i) {
      const ecs_storage_params_t *p = &s->comps[ids[i]]->p;
      t->cols[i] = (arch_column_t){NULL, 0, p->stride, p->alignment, p->move, p->hooks_user};
    }
  }
  if (!t->ids || !t->cols) {
    table_free(s, t);
    return UINT32_MAX;
  }
  memcpy(t->ids, ids, n * sizeof *ids);
  bool hash_oom = false;
  HASH_ADD_KEYPTR(hh, s->by_type, t->ids, n * sizeof *t->ids, t);
  if (hash_oom) {
    table_free(s, t);
    return UINT32_MAX;
  }
  t->index = s->walk.table_count;
  s->tables[s->walk.table_count++] = t;
  s->walk.rows[t->index] = 0;
  layout_moved(s, t);
  for (uint32_t i = 0; i < n; ++i) {
    arch_comp_t *c = s->comps[ids[i]];
    c->tables[c->table_count++] = t->index;
  }
  return t->index;
}

/* The table reached from `from` by adding (add) or removing component c,
 * through the edge cache, else by type hash, else created. */
static uint32_t table_step(ecs__arch_set_t *s, uint32_t from, ecs_component_t c, bool add) {
  arch_table_t *t = s->tables[from];
  for (uint32_t i = 0; i < t->edge_count; ++i) {
    if (t->edges[i].component == c && t->edges[i].add == add) {
      return t->edges[i].table;
    }
  }
  uint32_t n = t->type_count + (add ? 1u : 0u) - (add ? 0u : 1u);
  ecs_component_t small[32] = {0}; /* zeroed only to keep static analysis sure of the hashed bytes */
  ecs_component_t *ids = n <= 32 ? small : a_alloc(s, n * sizeof *ids);
  if (!ids) {
    return UINT32_MAX;
  }
  uint32_t k = 0;
  bool placed = !add;
  for (uint32_t i = 0; i < t->type_count; ++i) {
    if (!placed && c < t->ids[i]) {
      ids[k++] = c;
      placed = true;
    }
    if (add || t->ids[i] != c) {
      ids[k++] = t->ids[i];
    }
  }
  if (!placed) {
    ids[k++] = c;
  }
  uint32_t to;
  if (n == 0) {
    to = 0;
  } else {
    arch_table_t *found = NULL;
    HASH_FIND(hh, s->by_type, ids, n * sizeof *ids, found);
    to = found ? found->index : table_create(s, ids, n);
  }
  if (ids != small) {
    a_free(s, ids, n * sizeof *ids);
  }
  /* cache the edge; a failure to cache only costs a lookup next time */
  if (to != UINT32_MAX &&
      ecs__grow(s->alloc, (void **)&t->edges, sizeof *t->edges, &t->edge_cap, (size_t)t->edge_count + 1, 4)) {
    t->edges[t->edge_count++] = (arch_edge_t){c, to, add};
  }
  return to;
}

/* Grows one column of table t to hold cap values. Plain values are
 * reallocated (a large block may then grow in place, without a second copy
 * in memory); values with a move hook are moved into a new block. */
static bool column_grow(ecs__arch_set_t *s, arch_table_t *t, uint32_t i, uint32_t cap) {
  arch_column_t *col = &t->cols[i];
  size_t old_bytes = (size_t)col->cap * col->stride;
  size_t new_bytes = (size_t)cap * col->stride;
  char *data;
  if (!col->move) {
    data = ecs__aligned_realloc(s->alloc, col->data, old_bytes, new_bytes, col->align);
  } else {
    data = ecs__aligned_alloc(s->alloc, new_bytes, col->align);
    if (data) {
      ecs__relocate(&s->comps[t->ids[i]]->p, data, col->data, t->count);
      ecs__aligned_free(s->alloc, col->data, old_bytes, col->align);
    }
  }
  if (!data) {
    return false;
  }
  col->data = data;
  col->cap = cap;
  return true;
}

/* Room for `extra` more rows in table t. */
static bool table_reserve_n(ecs__arch_set_t *s, arch_table_t *t, uint32_t extra) {
  if (extra > UINT32_MAX - t->count) {
    return false;
  }
  uint32_t need = t->count + extra;
  if (need <= t->cap) {
    return true;
  }
  uint32_t cap = t->cap ? t->cap : 8;
  while (cap < need) {
    cap = cap > UINT32_MAX / 2 ? need : cap * 2;
  }
  layout_moved(s, t); /* before anything moves: a failure half-way moved some */
  /* each array grows on its own: after a failure the ones already grown
   * keep (and record) their larger capacity, and t->cap stays the least */
  if (t->ent_cap < cap) {
    ecs_entity_t *ents = t->entities ? s->alloc->realloc(s->alloc->user, t->entities, (size_t)t->ent_cap * sizeof *ents,
                                                         (size_t)cap * sizeof *ents)
                                     : a_alloc(s, (size_t)cap * sizeof *ents);
    if (!ents) {
      return false;
    }
    t->entities = ents;
    t->ent_cap = cap;
  }
  for (uint32_t i = 0; i < t->type_count; ++i) {
    if (t->cols[i].stride != 0 && t->cols[i].cap < cap && !column_grow(s, t, i, cap)) {
      return false;
    }
  }
  t->cap = cap;
  return true;
}

static inline bool table_reserve(ecs__arch_set_t *s, arch_table_t *t) {
  return ECS_LIKELY(t->count < t->cap) || table_reserve_n(s, t, 1);
}

/* A row's value in a column; NULL in a tag column (no data: no arithmetic
 * on a NULL pointer, which C leaves undefined even for an offset of 0). */
static void *cell(const arch_table_t *t, uint32_t col, uint32_t row) {
  char *data = t->cols[col].data;
  return data ? data + (size_t)row * t->cols[col].stride : NULL;
}

/* Relocates one value between rows of columns of the same component: the
 * common sizes copy inline. */
static inline void col_move(const arch_column_t *col, void *dst, void *src) {
  if (col->move) {
    col->move(dst, src, 1, col->hooks_user);
    return;
  }
  switch (col->stride) {
  case 0:
    break;
  case 4:
    memcpy(dst, src, 4);
    break;
  case 8:
    memcpy(dst, src, 8);
    break;
  case 12:
    memcpy(dst, src, 12);
    break;
  case 16:
    memcpy(dst, src, 16);
    break;
  default:
    memcpy(dst, src, col->stride);
    break;
  }
}

/* Removes row from t by moving the last row into it (values relocated). */
static void table_swap_remove(ecs__arch_set_t *s, arch_table_t *t, uint32_t row) {
  uint32_t last = t->count - 1;
  if (row != last) {
    for (uint32_t i = 0; i < t->type_count; ++i) {
      col_move(&t->cols[i], cell(t, i, row), cell(t, i, last));
    }
    ecs_entity_t moved = t->entities[last];
    t->entities[row] = moved;
    s->records[ECS_ENTITY_INDEX(moved)].row = row;
  }
  set_rows(s, t, last);
}

/* Moves e's row from table `from` to the reserved table `to`: shared
 * columns are relocated; a column missing in `to` must have been destructed
 * already. The new row's extra column (if any) stays uninitialised. */
static void table_move(ecs__arch_set_t *s, ecs_entity_t e, uint32_t from, uint32_t row, uint32_t to) {
  arch_table_t *a = s->tables[from];
  arch_table_t *b = s->tables[to];
  arch_record_t *r = &s->records[ECS_ENTITY_INDEX(e)];
  if (to != 0) {
    uint32_t dst = b->count;
    set_rows(s, b, dst + 1);
    b->entities[dst] = e;
    for (uint32_t i = 0, j = 0; i < a->type_count && j < b->type_count;) {
      if (a->ids[i] == b->ids[j]) {
        col_move(&a->cols[i], cell(b, j, dst), cell(a, i, row));
        ++i;
        ++j;
      } else if (a->ids[i] < b->ids[j]) {
        ++i;
      } else {
        ++j;
      }
    }
  }
  if (from != 0) {
    table_swap_remove(s, a, row);
  }
  if (to != 0) {
    r->table = to + 1;
    r->row = b->count - 1;
  } else {
    r->table = 0;
  }
}

/* Destructs e's values (but those of `skip`, already gone) and removes its
 * row: an entity destroy, or the last resort of arch_destroy. */
static void drop_row(ecs__arch_set_t *s, ecs_entity_t e, ecs_component_t skip) {
  arch_record_t *r = record_of(s, e);
  if (!r) {
    return;
  }
  arch_table_t *t = s->tables[r->table - 1];
  for (uint32_t i = 0; i < t->type_count; ++i) {
    if (t->ids[i] == skip) {
      continue;
    }
    arch_comp_t *c = s->comps[t->ids[i]];
    if (t->cols[i].stride) {
      ecs__destruct(&c->p, cell(t, i, r->row));
    }
    c->count--;
  }
  uint32_t row = r->row;
  r->table = 0;
  table_swap_remove(s, t, row);
}

static ecs_status_t arch_create(const ecs_storage_params_t *params, void **out) {
  ecs__arch_set_t *s = params->kind_user;
  if (!s) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_component_t id = params->component;
  if (id < s->comp_cap && s->comps[id]) {
    return ECS_ERR_DUPLICATE;
  }
  uint32_t old_cap = s->comp_cap;
  if (!ecs__grow(s->alloc, (void **)&s->comps, sizeof(arch_comp_t *), &s->comp_cap, (size_t)id + 1, 16)) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(s->comps + old_cap, 0, (size_t)(s->comp_cap - old_cap) * sizeof(arch_comp_t *));
  arch_comp_t *c = a_alloc(s, sizeof *c);
  if (!c) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(c, 0, sizeof *c);
  c->set = s;
  c->p = *params;
  /* tables left from an earlier time in archetype storage are empty of c;
   * relist them so walks and queries see them again */
  for (uint32_t t = 1; t < s->walk.table_count; ++t) {
    if (column_of(s->tables[t], id) >= 0) {
      if (!ecs__grow(s->alloc, (void **)&c->tables, sizeof *c->tables, &c->table_cap, (size_t)c->table_count + 1, 8)) {
        a_free(s, c->tables, (size_t)c->table_cap * sizeof *c->tables);
        a_free(s, c, sizeof *c);
        return ECS_ERR_NO_MEMORY;
      }
      c->tables[c->table_count++] = t;
    }
  }
  s->comps[id] = c;
  *out = c;
  return ECS_OK;
}

static void arch_destroy(void *state) {
  arch_comp_t *c = state;
  ecs__arch_set_t *s = c->set;
  ecs_component_t id = c->p.component;
  if (!s->closing) {
    /* the values were moved out or destructed by the world: move every
     * holder to the table without this component, dropping the column */
    for (uint32_t k = 0; k < c->table_count; ++k) {
      uint32_t t = c->tables[k];
      while (s->tables[t]->count > 0) {
        arch_table_t *tab = s->tables[t];
        ecs_entity_t e = tab->entities[tab->count - 1];
        uint32_t to = table_step(s, t, id, false);
        if (to == UINT32_MAX || (to != 0 && !table_reserve(s, s->tables[to]))) {
          /* cannot happen after ecs__arch_prepare_leave(); as a last resort
           * drop the row so the world stays consistent (the entity loses
           * its archetype values, each destructed) */
          drop_row(s, e, id);
          continue;
        }
        table_move(s, e, t, tab->count - 1, to);
      }
    }
  }
  s->comps[id] = NULL;
  a_free(s, c->tables, (size_t)c->table_cap * sizeof *c->tables);
  a_free(s, c, sizeof *c);
}

/* The records cover slot idx (new ones zero: no row). */
static bool records_reserve(ecs__arch_set_t *s, uint32_t idx) {
  if (ECS_LIKELY(idx < s->record_cap)) {
    return true;
  }
  uint32_t old = s->record_cap;
  if (!ecs__grow(s->alloc, (void **)&s->records, sizeof *s->records, &s->record_cap, (size_t)idx + 1, 64)) {
    return false;
  }
  memset(s->records + old, 0, (size_t)(s->record_cap - old) * sizeof *s->records);
  return true;
}

/* Gives e, which lacks c, a row in the table with c; the new value stays
 * uninitialised. Returns its cell (the table for a tag), NULL when out of
 * memory (nothing changed). */
static void *arch_add(arch_comp_t *c, ecs_entity_t e, arch_record_t *r) {
  ecs__arch_set_t *s = c->set;
  uint32_t from = r ? r->table - 1 : 0;
  uint32_t row = r ? r->row : 0;
  uint32_t to = table_step(s, from, c->p.component, true);
  if (to == UINT32_MAX || !table_reserve(s, s->tables[to])) {
    return NULL;
  }
  table_move(s, e, from, row, to);
  c->count++;
  arch_table_t *t = s->tables[to];
  return c->p.stride ? cell(t, (uint32_t)column_of(t, c->p.component), t->count - 1) : (void *)t;
}

static void *arch_insert(void *state, ecs_entity_t e) {
  arch_comp_t *c = state;
  if (!records_reserve(c->set, ECS_ENTITY_INDEX(e))) {
    return NULL;
  }
  return arch_add(c, e, record_of(c->set, e));
}

void *ecs__arch_ensure(void *state, ecs_entity_t e, bool *added) {
  arch_comp_t *c = state;
  ecs__arch_set_t *s = c->set;
  *added = false;
  arch_record_t *r = record_of(s, e);
  if (r) {
    arch_table_t *t = s->tables[r->table - 1];
    int32_t col = column_of(t, c->p.component);
    if (col >= 0) {
      return c->p.stride ? cell(t, (uint32_t)col, r->row) : (void *)t;
    }
  } else if (!records_reserve(s, ECS_ENTITY_INDEX(e))) {
    return NULL;
  }
  *added = true;
  return arch_add(c, e, r);
}

static ecs_status_t arch_remove(void *state, ecs_entity_t e) {
  arch_comp_t *c = state;
  ecs__arch_set_t *s = c->set;
  arch_record_t *r = record_of(s, e);
  if (!r) {
    return ECS_OK;
  }
  uint32_t from = r->table - 1;
  uint32_t to = table_step(s, from, c->p.component, false);
  if (to == UINT32_MAX || (to != 0 && !table_reserve(s, s->tables[to]))) {
    return ECS_ERR_NO_MEMORY;
  }
  arch_table_t *t = s->tables[from];
  if (c->p.stride) {
    ecs__destruct(&c->p, cell(t, (uint32_t)column_of(t, c->p.component), r->row));
  }
  table_move(s, e, from, r->row, to);
  c->count--;
  return ECS_OK;
}

bool ecs__arch_ensure_n(void *const *states, uint32_t n, ecs_entity_t e, void **cells, bool *added) {
  const arch_comp_t *first = states[0];
  ecs__arch_set_t *s = first->set;
  if (!records_reserve(s, ECS_ENTITY_INDEX(e))) {
    return false;
  }
  arch_record_t *r = record_of(s, e);
  uint32_t from = r ? r->table - 1 : 0;
  uint32_t row = r ? r->row : 0;
  /* the table with every component: the same steps, and so the same
   * tables created in the same order, as adding them one at a time */
  uint32_t to = from;
  for (uint32_t k = 0; k < n; ++k) {
    const arch_comp_t *c = states[k];
    if (column_of(s->tables[to], c->p.component) < 0) {
      to = table_step(s, to, c->p.component, true);
      if (to == UINT32_MAX) {
        return false;
      }
    }
  }
  if (!table_reserve(s, s->tables[to])) {
    return false;
  }
  const arch_table_t *src = s->tables[from];
  if (to != from) {
    table_move(s, e, from, row, to);
    row = s->tables[to]->count - 1;
  }
  const arch_table_t *t = s->tables[to];
  for (uint32_t k = 0; k < n; ++k) {
    arch_comp_t *c = states[k];
    bool fresh = to != from && column_of(src, c->p.component) < 0;
    for (uint32_t j = 0; fresh && j < k; ++j) {
      fresh = states[j] != states[k]; /* named twice: new the first time only */
    }
    added[k] = fresh;
    c->count += fresh;
    cells[k] = c->p.stride ? cell(t, (uint32_t)column_of(t, c->p.component), row) : (void *)t;
  }
  return true;
}

ecs_status_t ecs__arch_remove_if(void *state, ecs_entity_t e) {
  arch_comp_t *c = state;
  arch_record_t *r = record_of(c->set, e);
  if (!r || column_of(c->set->tables[r->table - 1], c->p.component) < 0) {
    return ECS_OK;
  }
  return arch_remove(state, e);
}

bool ecs__arch_prepare_leave(void *state) {
  arch_comp_t *c = state;
  ecs__arch_set_t *s = c->set;
  for (uint32_t k = 0; k < c->table_count; ++k) {
    arch_table_t *from = s->tables[c->tables[k]];
    if (from->count == 0) {
      continue;
    }
    uint32_t to = table_step(s, c->tables[k], c->p.component, false);
    if (to == UINT32_MAX || (to != 0 && !table_reserve_n(s, s->tables[to], from->count))) {
      return false;
    }
  }
  return true;
}

uint32_t ecs__arch_entity_type(const ecs__arch_set_t *s, ecs_entity_t e, const ecs_component_t **ids) {
  const arch_record_t *r = record_of(s, e);
  if (!r) {
    *ids = NULL;
    return 0;
  }
  const arch_table_t *t = s->tables[r->table - 1];
  *ids = t->ids;
  return t->type_count;
}

void ecs__arch_drop(ecs__arch_set_t *s, ecs_entity_t e) {
  drop_row(s, e, ECS_COMPONENT_NULL);
}

static void *arch_get(void *state, ecs_entity_t e) {
  arch_comp_t *c = state;
  const arch_record_t *r = record_of(c->set, e);
  if (!r) {
    return NULL;
  }
  arch_table_t *t = c->set->tables[r->table - 1];
  int32_t col = column_of(t, c->p.component);
  if (col < 0) {
    return NULL;
  }
  return c->p.stride ? cell(t, (uint32_t)col, r->row) : (void *)t;
}

static size_t arch_count(const void *state) {
  return ((const arch_comp_t *)state)->count;
}

static bool arch_chunk(void *state, size_t *cursor, ecs_storage_chunk_t *out) {
  arch_comp_t *c = state;
  while (*cursor < c->table_count) {
    arch_table_t *t = c->set->tables[c->tables[(*cursor)++]];
    if (t->count > 0) {
      out->entities = t->entities;
      out->data = c->p.stride ? t->cols[column_of(t, c->p.component)].data : NULL;
      out->count = t->count;
      return true;
    }
  }
  return false;
}

static size_t arch_memory(const void *state) {
  const arch_comp_t *c = state;
  size_t bytes = sizeof *c + (size_t)c->table_cap * sizeof *c->tables;
  for (uint32_t k = 0; k < c->table_count; ++k) {
    const arch_table_t *t = c->set->tables[c->tables[k]];
    bytes += (size_t)t->cols[column_of(t, c->p.component)].cap * c->p.stride;
  }
  return bytes;
}

static const ecs_storage_vtable_t arch_vtable = {
    .name = "archetype",
    .create = arch_create,
    .destroy = arch_destroy,
    .insert = arch_insert,
    .remove = arch_remove,
    .get = arch_get,
    .count = arch_count,
    .chunk = arch_chunk,
    .memory = arch_memory,
};

const ecs_storage_vtable_t *ecs__arch_vtable(void) {
  return &arch_vtable;
}

uint32_t ecs__arch_table_count(const ecs__arch_set_t *s) {
  return s->walk.table_count;
}

int32_t ecs__arch_table_column(const ecs__arch_set_t *s, uint32_t t, ecs_component_t c) {
  return column_of(s->tables[t], c);
}

uint32_t ecs__arch_table_rows(const ecs__arch_set_t *s, uint32_t t, const ecs_entity_t **entities) {
  *entities = s->tables[t]->entities;
  return s->tables[t]->count;
}

void *ecs__arch_table_data(const ecs__arch_set_t *s, uint32_t t, int32_t column) {
  return s->tables[t]->cols[column].data;
}

uint32_t ecs__arch_table_type(const ecs__arch_set_t *s, uint32_t t, const ecs_component_t **ids) {
  *ids = s->tables[t]->ids;
  return s->tables[t]->type_count;
}

/* Copies one table's type, column layout and edges (no rows). */
static arch_table_t *table_clone(ecs__arch_set_t *s, const arch_table_t *o) {
  arch_table_t *t = a_alloc(s, sizeof *t);
  if (!t) {
    return NULL;
  }
  memset(t, 0, sizeof *t);
  t->type_count = o->type_count;
  t->index = o->index;
  t->ids = a_alloc(s, o->type_count * sizeof *t->ids);
  t->cols = a_alloc(s, o->type_count * sizeof *t->cols);
  for (uint32_t i = 0; t->cols && i < o->type_count; ++i) {
    t->cols[i] = o->cols[i];
    t->cols[i].data = NULL;
    t->cols[i].cap = 0;
  }
  if (o->edge_count > 0) {
    t->edges = a_alloc(s, (size_t)o->edge_count * sizeof *t->edges);
    t->edge_cap = t->edges ? o->edge_count : 0;
  }
  if (!t->ids || !t->cols || (o->edge_count > 0 && !t->edges)) {
    table_free(s, t);
    return NULL;
  }
  memcpy(t->ids, o->ids, o->type_count * sizeof *t->ids);
  if (o->edge_count > 0) {
    memcpy(t->edges, o->edges, (size_t)o->edge_count * sizeof *t->edges);
  }
  t->edge_count = o->edge_count;
  return t;
}

ecs__arch_set_t *ecs__arch_set_clone(const ecs__arch_set_t *src) {
  ecs__arch_set_t *s = ecs__arch_set_new(src->alloc);
  if (!s || !table_arrays_reserve(s, src->walk.table_count)) {
    ecs__arch_set_free(s);
    return NULL;
  }
  /* newer than any version of src, so that pointers cached from src's
   * tables are all stale in the clone */
  s->walk.layout_clock = src->walk.layout_clock + 1;
  s->walk.layout[0] = s->walk.layout_clock;
  const ecs_allocator_t *hash_alloc = s->alloc;
  for (uint32_t i = 1; i < src->walk.table_count; ++i) {
    arch_table_t *t = table_clone(s, src->tables[i]);
    if (!t) {
      ecs__arch_set_free(s);
      return NULL;
    }
    bool hash_oom = false;
    HASH_ADD_KEYPTR(hh, s->by_type, t->ids, t->type_count * sizeof *t->ids, t);
    if (hash_oom) {
      table_free(s, t);
      ecs__arch_set_free(s);
      return NULL;
    }
    s->tables[s->walk.table_count++] = t;
    s->walk.rows[t->index] = 0;
    s->walk.layout[t->index] = s->walk.layout_clock;
  }
  return s;
}

uint32_t ecs__arch_table_ensure(ecs__arch_set_t *s, const ecs_component_t *ids, uint32_t n) {
  if (n == 0) {
    return 0;
  }
  arch_table_t *found = NULL;
  HASH_FIND(hh, s->by_type, ids, n * sizeof *ids, found);
  return found ? found->index : table_create(s, ids, n);
}

bool ecs__arch_bulk_reserve(ecs__arch_set_t *s, uint32_t t, size_t count, uint32_t max_index) {
  if (count > UINT32_MAX) {
    return false;
  }
  return records_reserve(s, max_index) && (t == 0 || table_reserve_n(s, s->tables[t], (uint32_t)count));
}

uint32_t ecs__arch_bulk_place(ecs__arch_set_t *s, uint32_t t, const ecs_entity_t *entities, size_t count) {
  arch_table_t *tab = s->tables[t];
  uint32_t first = tab->count;
  ECS_ASSERT(first + count <= tab->cap);
  memcpy(tab->entities + first, entities, count * sizeof *entities);
  for (size_t i = 0; i < count; ++i) {
    s->records[ECS_ENTITY_INDEX(entities[i])] = (arch_record_t){t + 1, first + (uint32_t)i};
  }
  set_rows(s, tab, tab->count + (uint32_t)count);
  for (uint32_t i = 0; i < tab->type_count; ++i) {
    s->comps[tab->ids[i]]->count += count;
  }
  return first;
}

void ecs__arch_bulk_unplace(ecs__arch_set_t *s, uint32_t t, size_t count) {
  arch_table_t *tab = s->tables[t];
  for (size_t i = tab->count - count; i < tab->count; ++i) {
    s->records[ECS_ENTITY_INDEX(tab->entities[i])].table = 0;
  }
  set_rows(s, tab, tab->count - (uint32_t)count);
  for (uint32_t i = 0; i < tab->type_count; ++i) {
    s->comps[tab->ids[i]]->count -= count;
  }
}

bool ecs__arch_place(ecs__arch_set_t *s, ecs_entity_t e, uint32_t t) {
  if (t == 0) {
    return true; /* the empty type holds no rows */
  }
  uint32_t idx = ECS_ENTITY_INDEX(e);
  if (idx >= s->record_cap) {
    uint32_t old = s->record_cap;
    if (!ecs__grow(s->alloc, (void **)&s->records, sizeof *s->records, &s->record_cap, (size_t)idx + 1, 64)) {
      return false;
    }
    memset(s->records + old, 0, (size_t)(s->record_cap - old) * sizeof *s->records);
  }
  arch_table_t *tab = s->tables[t];
  if (!table_reserve(s, tab)) {
    return false;
  }
  tab->entities[tab->count] = e;
  s->records[idx] = (arch_record_t){t + 1, tab->count};
  set_rows(s, tab, tab->count + 1);
  for (uint32_t i = 0; i < tab->type_count; ++i) {
    ecs_component_t c = tab->ids[i];
    if (c < s->comp_cap && s->comps[c]) {
      s->comps[c]->count++;
    }
  }
  return true;
}

/* Gives back the room tables hold beyond their rows: an empty table keeps
 * its type, edges and index (query caches and edges name it) but no arrays;
 * another table's arrays shrink to its row count. Returns the bytes freed.
 * A shrink that cannot get its smaller block keeps the larger one. */
size_t ecs__arch_shrink(ecs__arch_set_t *s) {
  size_t freed = 0;
  for (uint32_t k = 1; k < s->walk.table_count; ++k) {
    arch_table_t *t = s->tables[k];
    uint32_t want = t->count;
    if (t->cap == want && t->ent_cap == want) {
      continue;
    }
    layout_moved(s, t);
    uint32_t least = UINT32_MAX;
    for (uint32_t i = 0; i < t->type_count; ++i) {
      arch_column_t *col = &t->cols[i];
      if (col->stride != 0 && col->cap > want) {
        size_t before = (size_t)col->cap * col->stride;
        if (want == 0) {
          ecs__aligned_free(s->alloc, col->data, before, col->align);
          col->data = NULL;
          col->cap = 0;
        } else if (!column_grow(s, t, i, want)) {
          least = least < col->cap ? least : col->cap;
          continue;
        }
        freed += before - (size_t)col->cap * col->stride;
      }
      if (col->stride != 0) {
        least = least < col->cap ? least : col->cap;
      }
    }
    if (t->ent_cap > want) {
      size_t before = (size_t)t->ent_cap * sizeof *t->entities;
      ecs_entity_t *ents = NULL;
      if (want > 0) {
        ents = s->alloc->realloc(s->alloc->user, t->entities, before, (size_t)want * sizeof *ents);
      } else {
        a_free(s, t->entities, before);
      }
      if (ents || want == 0) {
        t->entities = ents;
        t->ent_cap = want;
        freed += before - (size_t)want * sizeof *ents;
      }
    }
    t->cap = least < t->ent_cap ? least : t->ent_cap;
  }
  return freed;
}

/* The bytes a table of no rows holds (its arrays already freed or never
 * grown by ecs__arch_shrink's caller). */
static size_t table_bytes(const arch_table_t *t) {
  size_t bytes = sizeof *t + t->type_count * (sizeof *t->ids + sizeof *t->cols) + t->edge_cap * sizeof *t->edges +
                 (size_t)t->ent_cap * sizeof *t->entities;
  for (uint32_t i = 0; i < t->type_count; ++i) {
    bytes += (size_t)t->cols[i].cap * t->cols[i].stride;
  }
  return bytes;
}

uint32_t ecs__arch_compact(ecs__arch_set_t *s, uint32_t *remap, size_t *freed) {
  const ecs_allocator_t *hash_alloc = s->alloc; /* HASH_DEL frees the buckets with the last table */
  uint32_t n = s->walk.table_count;
  uint32_t kept = 0;
  for (uint32_t k = 0; k < n; ++k) {
    arch_table_t *t = s->tables[k];
    if (k > 0 && t->count == 0) {
      remap[k] = UINT32_MAX;
      if (s->by_type) { /* it is: every table but the root is in the hash */
        HASH_DEL(s->by_type, t);
      }
      *freed += table_bytes(t);
      table_free(s, t);
      continue;
    }
    remap[k] = kept;
    t->index = kept;
    s->tables[kept] = t;
    s->walk.rows[kept] = s->walk.rows[k];
    s->walk.layout[kept] = s->walk.layout[k];
    kept++;
  }
  if (kept == n) {
    return 0;
  }
  s->walk.table_count = kept;
  /* cached transitions to removed tables go, the others follow */
  for (uint32_t k = 0; k < kept; ++k) {
    arch_table_t *t = s->tables[k];
    uint32_t m = 0;
    for (uint32_t i = 0; i < t->edge_count; ++i) {
      if (remap[t->edges[i].table] != UINT32_MAX) {
        t->edges[m] = t->edges[i];
        t->edges[m++].table = remap[t->edges[i].table];
      }
    }
    t->edge_count = m;
  }
  /* each component's list of its tables, in creation order */
  for (uint32_t id = 0; id < s->comp_cap; ++id) {
    arch_comp_t *c = s->comps[id];
    uint32_t m = 0;
    for (uint32_t i = 0; c && i < c->table_count; ++i) {
      if (remap[c->tables[i]] != UINT32_MAX) {
        c->tables[m++] = remap[c->tables[i]];
      }
    }
    if (c) {
      c->table_count = m;
    }
  }
  /* the rows of live entities: all in kept tables */
  for (uint32_t i = 0; i < s->record_cap; ++i) {
    if (s->records[i].table != 0) {
      s->records[i].table = remap[s->records[i].table - 1] + 1;
    }
  }
  return n - kept;
}
