/* SPARSE storage: a hash map keyed by the whole entity handle (uthash).
 * Each holder costs one node (handle, hash handle, value) and nothing is
 * spent on entities without the component, which suits rare or large
 * components. Nodes never move, so no value is ever relocated. A walk
 * yields one entity per chunk, in insertion order (deterministic).
 * Removed nodes are kept on a free list for the next insert, so steady
 * churn allocates nothing; the list holds at most the peak holder count
 * and is released with the storage. */
#include "../private.h"
#include "storage_internal.h"

typedef struct sparse_node_t {
  ecs_entity_t entity;
  UT_hash_handle hh;
} sparse_node_t;

typedef struct sparse_t {
  ecs_storage_params_t p;
  sparse_node_t *map;
  size_t value_offset; /* value follows the node, aligned */
  size_t node_align;
  size_t node_size;
  sparse_node_t *free_nodes; /* linked through hh.next */
  size_t free_count;
} sparse_t;

static ecs_status_t sparse_create(const ecs_storage_params_t *params, void **out) {
  const ecs_allocator_t *a = params->allocator;
  sparse_t *s = a->alloc(a->user, sizeof *s);
  if (!s) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(s, 0, sizeof *s);
  s->p = *params;
  size_t align = params->alignment > _Alignof(sparse_node_t) ? params->alignment : _Alignof(sparse_node_t);
  s->node_align = align;
  s->value_offset = (sizeof(sparse_node_t) + params->alignment - 1) & ~(params->alignment - 1);
  s->node_size = s->value_offset + params->size;
  *out = s;
  return ECS_OK;
}

static void sparse_destroy(void *state) {
  sparse_t *s = state;
  const ecs_allocator_t *hash_alloc = s->p.allocator;
  sparse_node_t *n;
  sparse_node_t *tmp;
  HASH_ITER(hh, s->map, n, tmp) {
    HASH_DEL(s->map, n);
    ecs__aligned_free(hash_alloc, n, s->node_size, s->node_align);
  }
  while (s->free_nodes) {
    n = s->free_nodes;
    s->free_nodes = n->hh.next;
    ecs__aligned_free(hash_alloc, n, s->node_size, s->node_align);
  }
  hash_alloc->free(hash_alloc->user, s, sizeof *s);
}

static void *node_value(const sparse_t *s, sparse_node_t *n) {
  return (char *)n + s->value_offset;
}

static void *sparse_insert(void *state, ecs_entity_t e) {
  sparse_t *s = state;
  const ecs_allocator_t *hash_alloc = s->p.allocator;
  bool hash_oom = false;
  sparse_node_t *n = s->free_nodes;
  if (n) {
    s->free_nodes = n->hh.next;
    s->free_count--;
  } else if (!(n = ecs__aligned_alloc(hash_alloc, s->node_size, s->node_align))) {
    return NULL;
  }
  memset(n, 0, sizeof *n);
  n->entity = e;
  HASH_ADD(hh, s->map, entity, sizeof n->entity, n);
  if (hash_oom) {
    ecs__aligned_free(hash_alloc, n, s->node_size, s->node_align);
    return NULL;
  }
  return node_value(s, n);
}

static sparse_node_t *sparse_find(const sparse_t *s, ecs_entity_t e) {
  sparse_node_t *n = NULL;
  HASH_FIND(hh, s->map, &e, sizeof e, n);
  return n;
}

static ecs_status_t sparse_remove(void *state, ecs_entity_t e) {
  sparse_t *s = state;
  const ecs_allocator_t *hash_alloc = s->p.allocator;
  sparse_node_t *n = sparse_find(s, e);
  if (n) {
    ecs__destruct(&s->p, node_value(s, n));
    HASH_DEL(s->map, n);
    n->hh.next = s->free_nodes;
    s->free_nodes = n;
    s->free_count++;
  }
  return ECS_OK;
}

static void *sparse_get(void *state, ecs_entity_t e) {
  sparse_t *s = state;
  sparse_node_t *n = sparse_find(s, e);
  return n ? node_value(s, n) : NULL;
}

static size_t sparse_count(const void *state) {
  const sparse_t *s = state;
  return HASH_COUNT(s->map);
}

static bool sparse_chunk(void *state, size_t *cursor, ecs_storage_chunk_t *out) {
  sparse_t *s = state;
  /* the cursor holds the next node (0 = start, 1 = done) */
  /* the walk cursor is an opaque size_t in the plug; it carries a node address */
  sparse_node_t *n = *cursor == 0 ? s->map : (sparse_node_t *)(uintptr_t)*cursor; // NOLINT(performance-no-int-to-ptr)
  if (*cursor == 1 || !n) {
    return false;
  }
  sparse_node_t *next = n->hh.next;
  *cursor = next ? (size_t)(uintptr_t)next : 1;
  out->entities = &n->entity;
  out->data = s->p.size ? node_value(s, n) : NULL;
  out->count = 1;
  return true;
}

static size_t sparse_memory(const void *state) {
  const sparse_t *s = state;
  size_t n = HASH_COUNT(s->map);
  size_t buckets = s->map ? s->map->hh.tbl->num_buckets * sizeof(UT_hash_bucket) + sizeof(UT_hash_table) : 0;
  return sizeof *s + (n + s->free_count) * (s->node_size + s->node_align + sizeof(void *)) + buckets;
}

static const ecs_storage_vtable_t sparse_vtable = {
    .name = "sparse",
    .create = sparse_create,
    .destroy = sparse_destroy,
    .insert = sparse_insert,
    .remove = sparse_remove,
    .get = sparse_get,
    .count = sparse_count,
    .chunk = sparse_chunk,
    .memory = sparse_memory,
};

const ecs_storage_vtable_t *ecs_storage_sparse_vtable(void) {
  return &sparse_vtable;
}
