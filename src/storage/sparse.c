/* SPARSE storage: memory only for the entities that hold the component,
 * which suits rare or large components. The values sit in one dense,
 * aligned array (p.stride apart) beside a parallel array of their entity
 * handles, so a walk is one contiguous chunk. An open-addressing index maps
 * an entity to its position; nothing is spent on entities without the
 * component.
 *
 * Removal moves the last value into the hole (move hook), so the order of
 * a walk is insertion order up to those swaps: deterministic, since it only
 * depends on the sequence of inserts and removes.
 *
 * The index is a power-of-two table of 8-byte slots {slot index of the
 * entity, position + 1}, linear probing, at most 3/4 full, with backward-
 * shift deletion (no tombstones): steady churn at a stable holder count
 * never rehashes and never allocates. A slot keeps only the low 32 bits of
 * the handle; a match is confirmed against the whole handle in the entity
 * array, so handles of one slot index with different generations could
 * coexist. The home slot depends on the slot index alone, so moving and
 * rehashing slots never reads the entity array.
 *
 * Capacity follows the peak number of holders: the dense arrays and the
 * index double (at most twice the peak), and are only released with the
 * storage. The first block is about one cache line of values and handles,
 * so a large component starts with room for exactly one value. */
#include "../private.h"
#include "storage_internal.h"

#define SPARSE_FIRST_BLOCK 64u      /* bytes of values and handles the first block holds at least */
#define SPARSE_GROUP_BITS 3u        /* 2^3 slots of 8 bytes: one cache line */
#define SPARSE_MIN_SLOT_BITS 3u     /* the first index is one group */
#define SPARSE_INDEX_ALIGN 64u      /* groups start on a cache line */
#define SPARSE_HASH_MUL 0x9E3779B9u /* 2^32 / golden ratio */
#define SPARSE_PREFETCH_BITS 14u    /* indexes of 2^14 slots (128 KiB) and more may miss the cache */
#define SPARSE_PREFETCH_AHEAD 32u   /* slot indices: four groups ahead */

#if defined(__GNUC__) || defined(__clang__)
#define SPARSE_PREFETCH(addr) __builtin_prefetch(addr)
#else
#define SPARSE_PREFETCH(addr) ((void)(addr))
#endif

typedef struct sparse_slot_t {
  uint32_t index; /* ECS_ENTITY_INDEX of the holder */
  uint32_t pos1;  /* position in the dense arrays + 1; 0 = empty slot */
} sparse_slot_t;

typedef struct sparse_t {
  ecs_storage_params_t p;
  /* One aligned block: cap values (p.stride apart), then cap handles.
   * Tags (stride 0) keep only the handles. */
  char *block;
  ecs_entity_t *entities; /* inside block, after the values */
  size_t block_size;
  size_t block_align;
  uint32_t count;
  uint32_t cap;
  sparse_slot_t *slots;
  uint32_t slot_bits; /* log2 of the index size; 0 = no index yet */
} sparse_t;

static ecs_status_t sparse_create(const ecs_storage_params_t *params, void **out) {
  const ecs_allocator_t *a = params->allocator;
  sparse_t *s = a->alloc(a->user, sizeof *s);
  if (!s) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(s, 0, sizeof *s);
  s->p = *params;
  s->block_align = params->alignment > _Alignof(ecs_entity_t) ? params->alignment : _Alignof(ecs_entity_t);
  *out = s;
  return ECS_OK;
}

static size_t slot_count(const sparse_t *s) {
  return s->slot_bits ? (size_t)1 << s->slot_bits : 0;
}

static void sparse_destroy(void *state) {
  sparse_t *s = state;
  const ecs_allocator_t *a = s->p.allocator;
  ecs__aligned_free(a, s->block, s->block_size, s->block_align);
  ecs__aligned_free(a, s->slots, slot_count(s) * sizeof *s->slots, SPARSE_INDEX_ALIGN);
  a->free(a->user, s, sizeof *s);
}

static size_t entities_offset(const sparse_t *s, size_t cap) {
  size_t values = cap * s->p.stride;
  return (values + _Alignof(ecs_entity_t) - 1) & ~(size_t)(_Alignof(ecs_entity_t) - 1);
}

static char *value_at(const sparse_t *s, uint32_t pos) {
  return s->block + (size_t)pos * s->p.stride;
}

/* Makes room for one more holder. On failure nothing changed. */
static bool sparse_grow_block(sparse_t *s) {
  if (s->count < s->cap) {
    return true;
  }
  if (s->cap >= UINT32_MAX - 1) {
    return false;
  }
  size_t cap = s->cap ? (size_t)s->cap * 2 : 1;
  while (cap * (s->p.stride + sizeof(ecs_entity_t)) < SPARSE_FIRST_BLOCK) {
    cap *= 2;
  }
  if (cap > UINT32_MAX - 1) {
    cap = UINT32_MAX - 1;
  }
  if (cap > (SIZE_MAX / 2) / (s->p.stride + sizeof(ecs_entity_t))) {
    return false;
  }
  size_t off = entities_offset(s, cap);
  size_t size = off + cap * sizeof(ecs_entity_t);
  const ecs_allocator_t *a = s->p.allocator;
  char *block = ecs__aligned_alloc(a, size, s->block_align);
  if (!block) {
    return false;
  }
  ecs_entity_t *entities = (ecs_entity_t *)(void *)(block + off);
  if (s->count) {
    ecs__relocate(&s->p, block, s->block, s->count);
    memcpy(entities, s->entities, (size_t)s->count * sizeof *entities);
  }
  ecs__aligned_free(a, s->block, s->block_size, s->block_align);
  s->block = block;
  s->entities = entities;
  s->block_size = size;
  s->cap = (uint32_t)cap;
  return true;
}

/* Runs of 2^SPARSE_GROUP_BITS consecutive slot indices share a group (a
 * cache line) at a hashed place: a walk over entities created one after
 * another probes a new line only every 8 rows, while strided or scattered
 * indices still spread over the whole table. */
static size_t home_slot(uint32_t bits, uint32_t index) {
  uint32_t group_bits = bits - SPARSE_GROUP_BITS;
  uint32_t group = group_bits ? (uint32_t)((index >> SPARSE_GROUP_BITS) * SPARSE_HASH_MUL) >> (32 - group_bits) : 0;
  return ((size_t)group << SPARSE_GROUP_BITS) | (index & ((1u << SPARSE_GROUP_BITS) - 1));
}

/* Puts (index, pos1) in the first empty slot from index's home; the table
 * has one (at most 3/4 full). */
static void index_put(sparse_slot_t *slots, uint32_t bits, uint32_t index, uint32_t pos1) {
  size_t mask = ((size_t)1 << bits) - 1;
  size_t i = home_slot(bits, index);
  while (slots[i].pos1) {
    i = (i + 1) & mask;
  }
  slots[i] = (sparse_slot_t){index, pos1};
}

/* Makes the index hold one more entry within its load limit. On failure
 * nothing changed. */
static bool sparse_grow_index(sparse_t *s) {
  size_t n = slot_count(s);
  if (((size_t)s->count + 1) * 4 <= n * 3) {
    return true;
  }
  uint32_t bits = s->slot_bits ? s->slot_bits + 1 : SPARSE_MIN_SLOT_BITS;
  if (bits > 32 || ((size_t)1 << bits) > SIZE_MAX / sizeof(sparse_slot_t)) {
    return false;
  }
  size_t new_n = (size_t)1 << bits;
  const ecs_allocator_t *a = s->p.allocator;
  sparse_slot_t *slots = ecs__aligned_alloc(a, new_n * sizeof *slots, SPARSE_INDEX_ALIGN);
  if (!slots) {
    return false;
  }
  memset(slots, 0, new_n * sizeof *slots);
  for (uint32_t pos = 0; pos < s->count; ++pos) {
    index_put(slots, bits, ECS_ENTITY_INDEX(s->entities[pos]), pos + 1);
  }
  ecs__aligned_free(a, s->slots, n * sizeof *s->slots, SPARSE_INDEX_ALIGN);
  s->slots = slots;
  s->slot_bits = bits;
  return true;
}

/* The slot of e, or NULL when e is absent. */
static sparse_slot_t *sparse_find(const sparse_t *s, ecs_entity_t e) {
  if (!s->slot_bits) {
    return NULL;
  }
  uint32_t index = ECS_ENTITY_INDEX(e);
  size_t mask = slot_count(s) - 1;
  for (size_t i = home_slot(s->slot_bits, index);; i = (i + 1) & mask) {
    sparse_slot_t *slot = &s->slots[i];
    if (!slot->pos1) {
      return NULL;
    }
    if (slot->index == index && s->entities[slot->pos1 - 1] == e) {
      return slot;
    }
  }
}

/* Empties slot i, moving later entries of its cluster back so that every
 * entry stays reachable from its home without tombstones. */
static void index_erase(sparse_t *s, size_t i) {
  size_t mask = slot_count(s) - 1;
  for (size_t j = (i + 1) & mask; s->slots[j].pos1; j = (j + 1) & mask) {
    size_t home = home_slot(s->slot_bits, s->slots[j].index);
    /* j's entry may fill the hole at i when its home is not in (i, j] */
    if (((j - home) & mask) >= ((j - i) & mask)) {
      s->slots[i] = s->slots[j];
      i = j;
    }
  }
  s->slots[i].pos1 = 0;
}

static void *sparse_insert(void *state, ecs_entity_t e) {
  sparse_t *s = state;
  ECS_ASSERT(!sparse_find(s, e));
  /* both growths only add capacity: a failure of the second leaves a
   * consistent storage that holds the same values */
  if (!sparse_grow_block(s) || !sparse_grow_index(s)) {
    return NULL;
  }
  uint32_t pos = s->count++;
  s->entities[pos] = e;
  index_put(s->slots, s->slot_bits, ECS_ENTITY_INDEX(e), pos + 1);
  /* tags have no data; any non-NULL pointer says "inserted" */
  return s->p.stride ? value_at(s, pos) : (void *)s;
}

static ecs_status_t sparse_remove(void *state, ecs_entity_t e) {
  sparse_t *s = state;
  sparse_slot_t *slot = sparse_find(s, e);
  if (!slot) {
    return ECS_OK;
  }
  uint32_t pos = slot->pos1 - 1;
  if (s->p.stride) {
    ecs__destruct(&s->p, value_at(s, pos));
  }
  index_erase(s, (size_t)(slot - s->slots));
  uint32_t last = --s->count;
  if (pos != last) {
    ecs_entity_t moved = s->entities[last];
    sparse_find(s, moved)->pos1 = pos + 1;
    s->entities[pos] = moved;
    if (s->p.stride) {
      ecs__relocate(&s->p, value_at(s, pos), value_at(s, last), 1);
    }
  }
  return ECS_OK;
}

static void *sparse_get(void *state, ecs_entity_t e) {
  sparse_t *s = state;
  /* A walk over another storage probes this one entity after entity, often
   * in creation order: at the start of a group, fetch the group a few
   * ahead so that a large index streams instead of missing every 8 rows.
   * For scattered lookups this is one wasted fetch per 8. */
  uint32_t index = ECS_ENTITY_INDEX(e);
  if (s->slot_bits >= SPARSE_PREFETCH_BITS && (index & ((1u << SPARSE_GROUP_BITS) - 1)) == 0) {
    SPARSE_PREFETCH(&s->slots[home_slot(s->slot_bits, index + SPARSE_PREFETCH_AHEAD)]);
  }
  const sparse_slot_t *slot = sparse_find(s, e);
  if (!slot) {
    return NULL;
  }
  return s->p.stride ? value_at(s, slot->pos1 - 1) : (void *)s;
}

static size_t sparse_count(const void *state) {
  return ((const sparse_t *)state)->count;
}

static bool sparse_chunk(void *state, size_t *cursor, ecs_storage_chunk_t *out) {
  sparse_t *s = state;
  if (*cursor != 0 || s->count == 0) {
    return false;
  }
  *cursor = 1;
  out->entities = s->entities;
  out->data = s->p.stride ? s->block : NULL;
  out->count = s->count;
  return true;
}

static size_t sparse_memory(const void *state) {
  const sparse_t *s = state;
  size_t block = s->block ? s->block_size + s->block_align + sizeof(void *) : 0;
  size_t index = s->slots ? slot_count(s) * sizeof *s->slots + SPARSE_INDEX_ALIGN + sizeof(void *) : 0;
  return sizeof *s + block + index;
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

/* ---- arrays for queries ------------------------------------------------------ */

const ecs_entity_t *ecs__sparse_entities(const void *state) {
  return ((const sparse_t *)state)->entities;
}

char *ecs__sparse_data(const void *state) {
  const sparse_t *s = state;
  return s->p.stride ? s->block : NULL;
}

uint32_t ecs__sparse_len(const void *state) {
  return ((const sparse_t *)state)->count;
}

uint32_t ecs__sparse_row(const void *state, ecs_entity_t e) {
  const sparse_slot_t *slot = sparse_find(state, e);
  return slot ? slot->pos1 - 1 : UINT32_MAX;
}
