/* The world checksum: a 64-bit digest of the whole state, equal for equal
 * worlds whatever their storage layout, the same on every platform for the
 * same bytes, and fast enough to run every tick (docs/snapshot-format.md,
 * "Checksums").
 *
 * Each (entity, component) value is hashed on its own, keyed by the
 * component's name and the entity's slot and generation, and the value
 * hashes are added up: a sum does not depend on the order values are
 * visited in, so every storage is walked in its own order, one array
 * after another, at memory speed. Values are read eight bytes at a time as
 * little-endian words, so a big-endian host hashes the same bytes to the
 * same digest. The rest (the entity registry, the component definitions,
 * resources) is hashed in a fixed order. */
#include "private.h"

#include <string.h>

#define K0 0x9e3779b97f4a7c15ull
#define K1 0xc2b2ae3d27d4eb4full
#define K2 0x165667b19e3779f9ull

static inline uint64_t rotl(uint64_t x, int r) {
  return (x << r) | (x >> (64 - r));
}

/* A strong finaliser: every input bit reaches every output bit. */
static inline uint64_t fmix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

/* Eight bytes as a little-endian word: one load on a little-endian host,
 * a load and a byte swap on a big-endian one. */
static inline uint64_t load_le64(const unsigned char *p) {
  uint64_t v;
  memcpy(&v, p, sizeof v);
#if defined(__BYTE_ORDER__) && defined(__ORDER_BIG_ENDIAN__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
  v = __builtin_bswap64(v);
#elif !defined(__BYTE_ORDER__)
  const uint16_t probe = 1;
  unsigned char first;
  memcpy(&first, &probe, 1);
  if (first == 0) { /* big-endian, found at run time */
    uint64_t r = 0;
    for (int i = 7; i >= 0; --i) {
      r = (r << 8) | p[i];
    }
    v = r;
  }
#endif
  return v;
}

/* Hash of n bytes under seed: words folded in two lanes, the tail padded
 * with its length. */
static uint64_t hash_bytes(uint64_t seed, const void *data, size_t n) {
  const unsigned char *p = data;
  uint64_t a = seed ^ K0;
  uint64_t b = rotl(seed, 31) ^ K1 ^ (uint64_t)n;
  size_t i = 0;
  for (; i + 16 <= n; i += 16) {
    a = rotl(a ^ (load_le64(p + i) * K1), 27) * K0;
    b = rotl(b ^ (load_le64(p + i + 8) * K2), 31) * K1;
  }
  if (i + 8 <= n) {
    a = rotl(a ^ (load_le64(p + i) * K1), 27) * K0;
    i += 8;
  }
  uint64_t tail = 0;
  for (size_t k = n; k > i; --k) {
    tail = (tail << 8) | p[k - 1];
  }
  b ^= tail * K2;
  return fmix(a ^ rotl(b, 17));
}

/* The hash of one value, made to be summed: each 8-byte word is mixed
 * with a key of its own (from seed, which names the component and the
 * entity, and the word's position) by a multiply and a shift, both
 * invertible, so any change of one word changes its term; the words'
 * terms are independent of each other, so the hashes of many values
 * overlap in the processor instead of waiting on each other. The sum of
 * them is finished by the world's strong hash. */
static inline uint64_t value_hash(uint64_t seed, const unsigned char *p, size_t n) {
  uint64_t k = seed ^ K2; /* mixed by each word's multiply */
  uint64_t h = rotl(k, 23) ^ ((uint64_t)n * K2);
  size_t i = 0;
  for (; i + 8 <= n; i += 8) {
    uint64_t t = (load_le64(p + i) ^ k) * K1;
    h += t ^ (t >> 31);
    k += K0;
  }
  if (i < n) {
    uint64_t tail = 0;
    for (size_t j = n; j > i; --j) {
      tail = (tail << 8) | p[j - 1];
    }
    uint64_t t = (tail ^ k) * K1;
    h += t ^ (t >> 31);
  }
  return h;
}

/* h extended with v as 8 little-endian bytes (the same on every host). */
static uint64_t hash_u64(uint64_t h, uint64_t v) {
  unsigned char le[8];
  for (int b = 0; b < 8; ++b) {
    le[b] = (unsigned char)(v >> (8 * b));
  }
  return hash_bytes(h, le, sizeof le);
}

/* The digest of one component's values: the sum of one hash per holder. */
static uint64_t component_digest(const ecs_world_t *w, const ecs__component_t *c) {
  uint64_t key = hash_bytes(0, c->name, c->name_len);
  uint64_t sum = 0;
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (c->vt->chunk(c->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      ecs_entity_t e = ch.entities[i];
      uint64_t seed = key ^ ((uint64_t)ECS_ENTITY_INDEX(e) << 32 | ECS_ENTITY_GENERATION(e));
      const unsigned char *v = NULL;
      if (c->size > 0) {
        v = ch.data ? (const unsigned char *)ch.data + i * c->params.stride : c->vt->get(c->storage, e);
      }
      sum += v ? value_hash(seed, v, c->size) : value_hash(seed, NULL, 0);
    }
  }
  (void)w;
  return sum;
}

uint64_t ecs_component_checksum(const ecs_world_t *world, ecs_component_t component) {
  const ecs__component_t *c = world ? ecs__component_get(world, component) : NULL;
  if (!c || (c->flags & ECS_COMPONENT_TRANSIENT)) {
    return 0;
  }
  uint64_t h = hash_u64(hash_bytes(K1, c->name, c->name_len), component_digest(world, c));
  if (c->resource) {
    h = hash_bytes(h ^ K0, c->resource && c->size ? c->resource : "", c->size);
  }
  return h ? h : 1;
}

uint64_t ecs_world_checksum(const ecs_world_t *world) {
  if (!world) {
    return 0;
  }
  /* the registry: every slot's generation and alive flag, two slots a
   * word, each word keyed by its position and summed like values */
  uint64_t h = hash_u64(K2, world->alive_count);
  uint64_t registry = 0;
  uint64_t k = K1 ^ world->record_count;
  for (uint32_t i = 1; i < world->record_count; i += 2, k += K0) {
    const ecs__entity_record_t *r = &world->records[i];
    uint64_t w = r->generation | (r->alive ? 0x80000000u : 0u);
    if (i + 1 < world->record_count) {
      w |= (uint64_t)(r[1].generation | (r[1].alive ? 0x80000000u : 0u)) << 32;
    }
    uint64_t t = (w ^ k) * K1;
    registry += t ^ (t >> 31);
  }
  h = hash_u64(h, registry);
  /* definitions and resources in id order, values as sums */
  for (uint32_t id = 1; id < world->component_count; ++id) {
    const ecs__component_t *c = world->components[id];
    /* ids the library registers on demand (pairs, wildcards, built-ins)
     * count only with values: registering one changes no state */
    if ((c->relation != 0 || c->managed || c->builtin_tag) && c->vt->count(c->storage) == 0) {
      continue;
    }
    h = hash_bytes(h, c->name, c->name_len);
    if (c->flags & ECS_COMPONENT_TRANSIENT) {
      continue;
    }
    h = hash_u64(h, (uint64_t)c->size << 1 | (c->resource != NULL));
    if (c->resource && c->size > 0) {
      h = hash_bytes(h, c->resource, c->size);
    }
    h = hash_u64(h, component_digest(world, c));
  }
  return h;
}

/* ---- digests (digest.c): the same hashes, one per entity ---- */

void ecs__component_hashes(const ecs_world_t *w, ecs_component_t component, ecs__hash_fn fn, void *user) {
  const ecs__component_t *c = ecs__component_get(w, component);
  if (!c) {
    return;
  }
  uint64_t key = hash_bytes(0, c->name, c->name_len);
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (c->vt->chunk(c->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      ecs_entity_t e = ch.entities[i];
      uint64_t seed = key ^ ((uint64_t)ECS_ENTITY_INDEX(e) << 32 | ECS_ENTITY_GENERATION(e));
      const unsigned char *v = NULL;
      if (c->size > 0) {
        v = ch.data ? (const unsigned char *)ch.data + i * c->params.stride : c->vt->get(c->storage, e);
      }
      static const unsigned char none[1] = {0}; /* a tag's value: no bytes */
      fn(user, e, fmix(v ? value_hash(seed, v, c->size) : value_hash(seed, none, 0)));
    }
  }
}

uint64_t ecs__resource_hash(const ecs_world_t *w, ecs_component_t component) {
  const ecs__component_t *c = ecs__component_get(w, component);
  if (!c || !c->resource) {
    return 0;
  }
  uint64_t h = hash_bytes(K0, c->name, c->name_len);
  return c->size > 0 ? hash_bytes(h, c->resource, c->size) : h;
}

uint64_t ecs__entities_hash(ecs_entity_t e) {
  return fmix(hash_u64(K1, e));
}

uint64_t ecs__registry_digest(const ecs_world_t *w) {
  uint64_t h = hash_u64(K2, w->alive_count);
  uint64_t registry = 0;
  uint64_t k = K1 ^ w->record_count;
  for (uint32_t i = 1; i < w->record_count; ++i, k += K0) {
    const ecs__entity_record_t *r = &w->records[i];
    uint64_t t = (((uint64_t)r->generation | (r->alive ? 0x80000000u : 0u)) ^ k) * K1;
    registry += t ^ (t >> 31);
  }
  return hash_u64(h, registry);
}
