/* DENSE storage: a sparse set. Values are packed in one array (iteration is
 * a linear walk); a paged sparse index maps an entity's slot index to its
 * position, so add/remove/get are O(1) and memory for the index grows with
 * the highest slot index in pages, not per entity. Removal swaps the last
 * value into the hole. */
#include "../private.h"
#include "pack.h"
#include "storage_internal.h"

#define DENSE_PAGE_BITS 12u
#define DENSE_PAGE_SIZE (1u << DENSE_PAGE_BITS)

typedef struct dense_t {
  ecs_storage_params_t p;
  uint32_t **pages; /* pages[i][j] = packed position + 1, 0 = absent */
  uint32_t page_count;
  ecs_entity_t *entities;
  char *data; /* aligned to p.alignment, p.stride per value */
  uint32_t count;
  uint32_t cap;
  uint32_t data_cap; /* separate so a failed data growth leaves entities valid */
  ecs__pack_t *pack; /* the pack this instance is a member of, or NULL */
} dense_t;

static ecs_status_t dense_create(const ecs_storage_params_t *params, void **out) {
  const ecs_allocator_t *a = params->allocator;
  dense_t *d = a->alloc(a->user, sizeof *d);
  if (!d) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(d, 0, sizeof *d);
  d->p = *params;
  *out = d;
  return ECS_OK;
}

static void dense_destroy(void *state) {
  dense_t *d = state;
  const ecs_allocator_t *a = d->p.allocator;
  for (uint32_t i = 0; i < d->page_count; ++i) {
    if (d->pages[i]) {
      a->free(a->user, d->pages[i], DENSE_PAGE_SIZE * sizeof(uint32_t));
    }
  }
  if (d->pages) {
    a->free(a->user, d->pages, d->page_count * sizeof *d->pages);
  }
  if (d->entities) {
    a->free(a->user, d->entities, (size_t)d->cap * sizeof *d->entities);
  }
  ecs__aligned_free(a, d->data, (size_t)d->data_cap * d->p.stride, d->p.alignment);
  a->free(a->user, d, sizeof *d);
}

static uint32_t *dense_slot(const dense_t *d, uint32_t idx) {
  uint32_t page = idx >> DENSE_PAGE_BITS;
  if (page >= d->page_count || !d->pages[page]) {
    return NULL;
  }
  return &d->pages[page][idx & (DENSE_PAGE_SIZE - 1)];
}

static uint32_t *dense_slot_ensure(dense_t *d, uint32_t idx) {
  const ecs_allocator_t *a = d->p.allocator;
  uint32_t page = idx >> DENSE_PAGE_BITS;
  if (page >= d->page_count) {
    uint32_t n = page + 1;
    uint32_t **pages = d->pages ? a->realloc(a->user, d->pages, d->page_count * sizeof *pages, n * sizeof *pages)
                                : a->alloc(a->user, n * sizeof *pages);
    if (!pages) {
      return NULL;
    }
    memset(pages + d->page_count, 0, (n - d->page_count) * sizeof *pages);
    d->pages = pages;
    d->page_count = n;
  }
  if (!d->pages[page]) {
    uint32_t *pg = a->alloc(a->user, DENSE_PAGE_SIZE * sizeof *pg);
    if (!pg) {
      return NULL;
    }
    memset(pg, 0, DENSE_PAGE_SIZE * sizeof *pg);
    d->pages[page] = pg;
  }
  return &d->pages[page][idx & (DENSE_PAGE_SIZE - 1)];
}

static bool dense_grow_data(dense_t *d, uint32_t need) {
  if (need <= d->data_cap || d->p.stride == 0) {
    return true;
  }
  const ecs_allocator_t *a = d->p.allocator;
  uint32_t new_cap = d->data_cap ? d->data_cap * 2 : 16;
  while (new_cap < need) {
    new_cap *= 2;
  }
  char *data = ecs__aligned_alloc(a, (size_t)new_cap * d->p.stride, d->p.alignment);
  if (!data) {
    return false;
  }
  ecs__relocate(&d->p, data, d->data, d->count);
  ecs__aligned_free(a, d->data, (size_t)d->data_cap * d->p.stride, d->p.alignment);
  d->data = data;
  d->data_cap = new_cap;
  return true;
}

static uint32_t dense_find(const dense_t *d, ecs_entity_t e);

/* ---- packs ---------------------------------------------------------------- */

/* Exchanges rows a and b, both holding values. */
static void dense_swap(dense_t *d, uint32_t a, uint32_t b) {
  if (a == b) {
    return;
  }
  ecs_entity_t ea = d->entities[a];
  ecs_entity_t eb = d->entities[b];
  d->entities[a] = eb;
  d->entities[b] = ea;
  *dense_slot(d, ECS_ENTITY_INDEX(ea)) = b + 1;
  *dense_slot(d, ECS_ENTITY_INDEX(eb)) = a + 1;
  if (d->p.stride) {
    char *va = d->data + (size_t)a * d->p.stride;
    char *vb = d->data + (size_t)b * d->p.stride;
    ecs__relocate(&d->p, d->pack->scratch, va, 1);
    ecs__relocate(&d->p, va, vb, 1);
    ecs__relocate(&d->p, vb, d->pack->scratch, 1);
  }
}

static bool pack_full(const ecs__pack_t *k, ecs_entity_t e) {
  for (int32_t i = 0; i < k->count; ++i) {
    if (dense_find(k->members[i], e) == UINT32_MAX) {
      return false;
    }
  }
  return true;
}

/* e, just inserted into d at row pos (its value not yet constructed), now
 * has every member: it joins the prefix. Returns e's row in d. */
static uint32_t pack_enter(dense_t *d, ecs_entity_t e, uint32_t pos) {
  ecs__pack_t *k = d->pack;
  uint32_t row = k->len++;
  for (int32_t i = 0; i < k->count; ++i) {
    dense_t *m = k->members[i];
    if (m != d) {
      dense_swap(m, dense_find(m, e), row);
    }
  }
  if (pos != row) { /* only the other value moves: e's has none yet */
    ecs_entity_t moved = d->entities[row];
    d->entities[pos] = moved;
    *dense_slot(d, ECS_ENTITY_INDEX(moved)) = pos + 1;
    d->entities[row] = e;
    *dense_slot(d, ECS_ENTITY_INDEX(e)) = row + 1;
    if (d->p.stride) {
      ecs__relocate(&d->p, d->data + (size_t)pos * d->p.stride, d->data + (size_t)row * d->p.stride, 1);
    }
  }
  return row;
}

/* e, in the prefix, is losing a member: it moves to the prefix's last row
 * in every member and the prefix shrinks. */
static void pack_leave(ecs__pack_t *k, ecs_entity_t e) {
  uint32_t row = --k->len;
  for (int32_t i = 0; i < k->count; ++i) {
    dense_t *m = k->members[i];
    dense_swap(m, dense_find(m, e), row);
  }
}

void ecs__pack_attach(ecs__pack_t *k) {
  for (int32_t i = 0; i < k->count; ++i) {
    ((dense_t *)k->members[i])->pack = k;
  }
  /* a partition of the first member's array: the rows before i that were
   * not taken are the ones that lack a member */
  k->len = 0;
  const dense_t *first = k->members[0];
  for (uint32_t i = 0; i < first->count; ++i) {
    ecs_entity_t e = first->entities[i];
    if (pack_full(k, e)) {
      for (int32_t j = 0; j < k->count; ++j) {
        dense_t *m = k->members[j];
        dense_swap(m, dense_find(m, e), k->len);
      }
      k->len++;
    }
  }
}

ecs__pack_t *ecs__dense_pack(const void *state) {
  return ((const dense_t *)state)->pack;
}

const ecs_entity_t *ecs__dense_entities(const void *state) {
  return ((const dense_t *)state)->entities;
}

char *ecs__dense_data(const void *state) {
  return ((const dense_t *)state)->data;
}

uint32_t ecs__dense_len(const void *state) {
  return ((const dense_t *)state)->count;
}

uint32_t ecs__dense_row(const void *state, ecs_entity_t e) {
  return dense_find(state, e);
}

/* ---- the vtable ------------------------------------------------------------- */

static void *dense_insert(void *state, ecs_entity_t e) {
  dense_t *d = state;
  if (d->count == UINT32_MAX - 1) {
    return NULL;
  }
  uint32_t *slot = dense_slot_ensure(d, ECS_ENTITY_INDEX(e));
  if (!slot ||
      !ecs__grow(d->p.allocator, (void **)&d->entities, sizeof *d->entities, &d->cap, (size_t)d->count + 1, 16) ||
      !dense_grow_data(d, d->count + 1)) {
    return NULL;
  }
  uint32_t pos = d->count++;
  d->entities[pos] = e;
  *slot = pos + 1;
  if (d->pack && pack_full(d->pack, e)) {
    pos = pack_enter(d, e, pos);
  }
  /* tags have no data; any non-NULL pointer says "inserted" */
  return d->p.stride ? d->data + (size_t)pos * d->p.stride : (void *)d;
}

static uint32_t dense_find(const dense_t *d, ecs_entity_t e) {
  const uint32_t *slot = dense_slot(d, ECS_ENTITY_INDEX(e));
  if (!slot || *slot == 0 || d->entities[*slot - 1] != e) {
    return UINT32_MAX;
  }
  return *slot - 1;
}

static ecs_status_t dense_remove(void *state, ecs_entity_t e) {
  dense_t *d = state;
  uint32_t pos = dense_find(d, e);
  if (pos == UINT32_MAX) {
    return ECS_OK;
  }
  if (d->pack && pos < d->pack->len) {
    pack_leave(d->pack, e);
    pos = d->pack->len;
  }
  if (d->p.stride) {
    ecs__destruct(&d->p, d->data + (size_t)pos * d->p.stride);
  }
  uint32_t last = d->count - 1;
  if (pos != last) {
    ecs_entity_t moved = d->entities[last];
    d->entities[pos] = moved;
    *dense_slot(d, ECS_ENTITY_INDEX(moved)) = pos + 1;
    if (d->p.stride) { /* tags have no data array: no pointer arithmetic on NULL */
      ecs__relocate(&d->p, d->data + (size_t)pos * d->p.stride, d->data + (size_t)last * d->p.stride, 1);
    }
  }
  *dense_slot(d, ECS_ENTITY_INDEX(e)) = 0;
  d->count = last;
  return ECS_OK;
}

static void *dense_get(void *state, ecs_entity_t e) {
  dense_t *d = state;
  uint32_t pos = dense_find(d, e);
  if (pos == UINT32_MAX) {
    return NULL;
  }
  return d->p.stride ? d->data + (size_t)pos * d->p.stride : (void *)d;
}

static size_t dense_count(const void *state) {
  return ((const dense_t *)state)->count;
}

static bool dense_chunk(void *state, size_t *cursor, ecs_storage_chunk_t *out) {
  dense_t *d = state;
  if (*cursor != 0 || d->count == 0) {
    return false;
  }
  *cursor = 1;
  out->entities = d->entities;
  out->data = d->p.stride ? d->data : NULL;
  out->count = d->count;
  return true;
}

static size_t dense_memory(const void *state) {
  const dense_t *d = state;
  size_t pages = 0;
  for (uint32_t i = 0; i < d->page_count; ++i) {
    pages += d->pages[i] ? DENSE_PAGE_SIZE * sizeof(uint32_t) : 0;
  }
  return sizeof *d + d->page_count * sizeof *d->pages + pages + (size_t)d->cap * sizeof *d->entities +
         (size_t)d->data_cap * d->p.stride;
}

static const ecs_storage_vtable_t dense_vtable = {
    .name = "dense",
    .create = dense_create,
    .destroy = dense_destroy,
    .insert = dense_insert,
    .remove = dense_remove,
    .get = dense_get,
    .count = dense_count,
    .chunk = dense_chunk,
    .memory = dense_memory,
};

const ecs_storage_vtable_t *ecs_storage_dense_vtable(void) {
  return &dense_vtable;
}
