/* Shared by the snapshot suites: a world with every kind of component
 * (DENSE, SPARSE, ARCHETYPE, tags, over-aligned values, a hooked value
 * owning heap memory, a transient one, resources), comparisons of two
 * worlds, and a target world that must not change when a load fails.
 * Include after <cmocka.h>. */
#ifndef ECS_TEST_SUPPORT_SNAPSHOT_WORLD_H
#define ECS_TEST_SUPPORT_SNAPSHOT_WORLD_H

#include "ecs.h"
#include "host_reader.h"
#include "private.h"
#include "snapshot_internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct pos_t {
  float x, y;
} pos_t;

typedef struct vel_t {
  int32_t dx, dy;
} vel_t;

typedef struct health_t {
  int32_t hp;
} health_t;

typedef struct wide_t {
  _Alignas(64) uint8_t bytes[64];
} wide_t;

typedef struct name_t {
  char *s;
} name_t;

typedef struct clock_t_ {
  double t;
  uint64_t frame;
} sim_clock_t;

/* Live values of the hooked component: constructions minus destructions. */
typedef struct counts_t {
  int live, dtor, deserialized, fail_serialize, fail_deserialize;
} counts_t;

static inline void name_dtor(void *ptr, int32_t n, void *user) {
  for (int32_t i = 0; i < n; ++i) {
    free(((name_t *)ptr)[i].s);
    ((counts_t *)user)->live--;
    ((counts_t *)user)->dtor++;
  }
}

static inline void name_copy(void *dst, const void *src, int32_t n, void *user) {
  for (int32_t i = 0; i < n; ++i) {
    const char *s = ((const name_t *)src)[i].s;
    char *d = malloc(strlen(s) + 1);
    assert_non_null(d);
    ((name_t *)dst)[i].s = strcpy(d, s);
    ((counts_t *)user)->live++;
  }
}

static inline ecs_status_t name_serialize(const void *value, const ecs_writer_t *out, void *user) {
  if (((counts_t *)user)->fail_serialize) {
    return ECS_ERR_IO;
  }
  const char *s = ((const name_t *)value)->s;
  return ecs_write(out, s, strlen(s));
}

static inline ecs_status_t name_deserialize(void *dst, const void *data, size_t size, void *user) {
  counts_t *c = user;
  if (c->fail_deserialize && c->deserialized + 1 >= c->fail_deserialize) {
    return ECS_ERR_SNAPSHOT_CORRUPT;
  }
  char *s = malloc(size + 1);
  assert_non_null(s);
  memcpy(s, data, size);
  s[size] = '\0';
  ((name_t *)dst)->s = s;
  c->live++;
  c->deserialized++;
  return ECS_OK;
}

static inline ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, size_t align,
                                  ecs_storage_kind_t kind) {
  return ecs_component_register(
      w, &(ecs_component_desc_t){.name = name, .size = size, .alignment = align, .storage = kind});
}

/* Every kind of component: DENSE, SPARSE, ARCHETYPE, tags, over-aligned
 * values, a value owning heap memory with hooks, a transient one, and
 * resources (plain, hooked, tag). */
typedef struct fx_t {
  ecs_world_t *w;
  ecs_component_t pos, vel, health, wide, name, frozen, marked, handle, clock;
  counts_t counts;
  bool plain; /* no name_t values: the checksum then compares worlds */
} fx_t;

static inline void fx_register(fx_t *f) {
  ecs_world_t *w = f->w;
  f->pos = reg(w, "pos_t", sizeof(pos_t), 32, ECS_STORAGE_DENSE);
  f->vel = reg(w, "vel_t", sizeof(vel_t), 0, ECS_STORAGE_SPARSE);
  f->health = reg(w, "health_t", sizeof(health_t), 0, ECS_STORAGE_ARCHETYPE);
  f->wide = reg(w, "wide_t", sizeof(wide_t), ECS_ALIGNOF(wide_t), ECS_STORAGE_ARCHETYPE);
  f->name = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "name_t",
                                 .size = sizeof(name_t),
                                 .storage = ECS_STORAGE_ARCHETYPE,
                                 .hooks = {.dtor = name_dtor, .copy = name_copy, .user = &f->counts},
                                 .serialize = name_serialize,
                                 .deserialize = name_deserialize});
  f->frozen = reg(w, "frozen", 0, 0, ECS_STORAGE_DENSE);
  f->marked = reg(w, "marked", 0, 0, ECS_STORAGE_ARCHETYPE);
  f->handle = ecs_component_register(
      w, &(ecs_component_desc_t){
             .name = "handle", .size = sizeof(void *), .storage = ECS_STORAGE_DENSE, .flags = ECS_COMPONENT_TRANSIENT});
  f->clock = ECS_COMPONENT(w, sim_clock_t);
  assert_true(f->pos && f->vel && f->health && f->wide && f->name && f->frozen && f->marked && f->handle && f->clock);
}

static inline void fx_init(fx_t *f, const ecs_world_desc_t *desc) {
  memset(f, 0, sizeof *f);
  f->w = ecs_world_new(desc);
  assert_non_null(f->w);
  fx_register(f);
}

static inline void fx_fini(fx_t *f) {
  ecs_world_free(f->w);
  assert_int_equal(f->counts.live, 0);
}

/* Entities with every mix of components, some destroyed (free list of
 * several slots) and some slots reused. */
static inline void fx_populate(fx_t *f, int n) {
  ecs_world_t *w = f->w;
  char buf[32];
  for (int i = 0; i < n; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    assert_true(e != ECS_ENTITY_NULL);
    if (i % 2 == 0) {
      assert_int_equal(ecs_set(w, e, f->pos, &(pos_t){(float)i, (float)-i}), ECS_OK);
    }
    if (i % 3 == 0) {
      assert_int_equal(ecs_set(w, e, f->vel, &(vel_t){i, 2 * i}), ECS_OK);
    }
    if (i % 3 != 1) {
      assert_int_equal(ecs_set(w, e, f->health, &(health_t){100 - i}), ECS_OK);
    }
    if (i % 4 == 1) {
      wide_t v = {{0}};
      memset(v.bytes, i, sizeof v.bytes);
      assert_int_equal(ecs_set(w, e, f->wide, &v), ECS_OK);
    }
    if (i % 5 != 2 && !f->plain) {
      snprintf(buf, sizeof buf, "entity-%d", i);
      assert_int_equal(ecs_set(w, e, f->name, &(name_t){buf}), ECS_OK);
    }
    if (i % 6 == 0) {
      assert_int_equal(ecs_add(w, e, f->frozen), ECS_OK);
    }
    if (i % 7 < 3) {
      assert_int_equal(ecs_add(w, e, f->marked), ECS_OK);
    }
    if (i % 8 == 3) {
      assert_int_equal(ecs_set(w, e, f->handle, &(void *){f}), ECS_OK);
    }
  }
  for (uint32_t idx = 2; idx <= (uint32_t)n; idx += 5) {
    ecs_entity_t e = ECS_ENTITY_MAKE(idx, w->records[idx].generation);
    assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
  }
  assert_int_equal(ecs_set(w, ecs_entity_create(w), f->health, &(health_t){7}), ECS_OK); /* reuses a slot */
  assert_int_equal(ecs_resource_set(w, f->clock, &(sim_clock_t){1.5, 42}), ECS_OK);
  if (!f->plain) {
    assert_int_equal(ecs_resource_set(w, f->name, &(name_t){(char *)"the-world"}), ECS_OK);
  }
  assert_int_equal(ecs_resource_set(w, f->frozen, NULL), ECS_OK);
  assert_int_equal(ecs_resource_set(w, f->handle, &(void *){f}), ECS_OK);
}

static inline void save_to(ecs_world_t *w, ecs_membuf_t *buf) {
  ecs_writer_t out = ecs_membuf_writer(buf);
  assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
}

static inline ecs_status_t load_from(ecs_world_t *w, const void *data, size_t size) {
  ecs_memsrc_t src = {data, size, 0};
  ecs_reader_t in = ecs_memreader(&src);
  return ecs_snapshot_load(w, &in);
}

static inline ecs_membuf_t snapshot_of(ecs_world_t *w) {
  ecs_membuf_t buf = {0};
  save_to(w, &buf);
  return buf;
}

static inline void assert_value_equal(const fx_t *a, ecs_component_t c, const void *va, const void *vb) {
  if (c == a->name) {
    assert_true(va && vb);
    assert_string_equal(((const name_t *)va)->s, ((const name_t *)vb)->s);
  } else if (va || vb) {
    assert_true(va && vb);
    assert_memory_equal(va, vb, ecs_component_size(a->w, c));
  }
}

/* Component ca of a and cb of b hold the same values; with ordered, also in
 * the same iteration order. */
static inline void compare_component(fx_t *a, fx_t *b, ecs_component_t ca, ecs_component_t cb, bool ordered) {
  assert_int_equal(ecs_component_count(a->w, ca), ecs_component_count(b->w, cb));
  ecs_access_t access = ecs_component_size(a->w, ca) ? ECS_ACCESS_READ : ECS_ACCESS_WITH;
  ecs_query_t *qa = ecs_query_new(a->w, &(ecs_query_desc_t){{{ca, access}}});
  ecs_query_t *qb = ecs_query_new(b->w, &(ecs_query_desc_t){{{cb, access}}});
  ecs_iter_t ia = ecs_query_iter(qa);
  ecs_iter_t ib = ecs_query_iter(qb);
  int32_t rb = 0;
  bool more_b = ecs_iter_next(&ib);
  while (ecs_iter_next(&ia)) {
    for (int32_t ra = 0; ra < ia.count; ++ra) {
      ecs_entity_t e = ia.entities[ra];
      assert_true(ecs_has(b->w, e, cb));
      assert_value_equal(a, ca, ecs_field_at(&ia, 0, ra), ecs_get(b->w, e, cb));
      if (ordered) {
        if (!more_b || ib.entities[rb] != e) {
          fail_msg("component '%s': iteration order differs", ecs_component_name(a->w, ca));
        }
        if (++rb == ib.count) {
          more_b = ecs_iter_next(&ib);
          rb = 0;
        }
      }
    }
  }
  assert_false(ordered && more_b);
  ecs_query_free(qa);
  ecs_query_free(qb);
}

/* Same registry, values and resources, and (ordered) the same iteration
 * order; the checksum cannot tell, as name_t holds pointers. */
static inline void assert_same_state_as(fx_t *a, fx_t *b, bool ordered) {
  assert_int_equal(a->w->record_count, b->w->record_count);
  assert_int_equal(a->w->free_head, b->w->free_head);
  assert_int_equal(ecs_entity_count(a->w), ecs_entity_count(b->w));
  for (uint32_t i = 0; i < a->w->record_count; ++i) {
    const ecs__entity_record_t *ra = &a->w->records[i], *rb = &b->w->records[i];
    assert_true(ra->generation == rb->generation && ra->alive == rb->alive);
    assert_true(ra->alive || ra->next_free == rb->next_free); /* a live slot's link heads its own node list */
  }
  const ecs_component_t ca[] = {a->pos, a->vel, a->health, a->wide, a->name, a->frozen, a->marked};
  const ecs_component_t cb[] = {b->pos, b->vel, b->health, b->wide, b->name, b->frozen, b->marked};
  for (size_t i = 0; i < sizeof ca / sizeof ca[0]; ++i) {
    compare_component(a, b, ca[i], cb[i], ordered);
  }
  const sim_clock_t *cla = ecs_resource_get(a->w, a->clock), *clb = ecs_resource_get(b->w, b->clock);
  assert_true(cla && clb && cla->t == clb->t && cla->frame == clb->frame);
  assert_value_equal(a, a->name, ecs_resource_get(a->w, a->name), ecs_resource_get(b->w, b->name));
  assert_int_equal(ecs_resource_has(a->w, a->frozen), ecs_resource_has(b->w, b->frozen));
}

static inline void assert_same_state(fx_t *a, fx_t *b) {
  assert_same_state_as(a, b, true);
}

/* A small target world for the failure cases: it must not change. */
typedef struct target_t {
  fx_t f;
  uint64_t checksum;
  ecs_membuf_t snap; /* a valid snapshot of a different world */
} target_t;

static inline void target_init(target_t *t, const ecs_world_desc_t *desc) {
  fx_t src;
  fx_init(&src, NULL);
  fx_populate(&src, 12);
  memset(&t->snap, 0, sizeof t->snap);
  save_to(src.w, &t->snap);
  fx_fini(&src);
  fx_init(&t->f, desc);
  fx_populate(&t->f, 5);
  t->checksum = ecs_world_checksum(t->f.w);
}

static inline void target_fini(target_t *t) {
  assert_int_equal(ecs_world_checksum(t->f.w), t->checksum);
  ecs_membuf_free(&t->snap);
  fx_fini(&t->f);
}

/* Loads bytes into the target, from memory and streamed through a host's
 * reader; checks the status of both and that nothing changed. */
static inline void expect_load(target_t *t, const uint8_t *data, size_t size, ecs_status_t want, const char *what,
                               size_t at) {
  for (int via_host = 0; via_host < 2; ++via_host) {
    int live = t->f.counts.live;
    ecs_memsrc_t src = {data, size, 0};
    ecs_reader_t in = via_host ? (ecs_reader_t){host_read, &src} : ecs_memreader(&src);
    ecs_status_t st = ecs_snapshot_load(t->f.w, &in);
    if (st != want) {
      fail_msg("%s at %zu%s: %s (%s), expected %s", what, at, via_host ? " (streamed)" : "", ecs_err_name(st),
               ecs_last_error(t->f.w), ecs_err_name(want));
    }
    if (ecs_world_checksum(t->f.w) != t->checksum || t->f.counts.live != live) {
      fail_msg("%s at %zu%s: the world changed", what, at, via_host ? " (streamed)" : "");
    }
  }
}

/* Rewrites the header CRC after editing the header (to reach the checks
 * behind it), and the payload CRC after editing the payload. */
static inline void reseal(uint8_t *snap) {
  uint64_t len = ecs__le64(snap + 16);
  ecs__put_le32(snap + 24, ecs__crc32(0, snap + ECS__SNAP_HEADER_SIZE, (size_t)len));
  ecs__put_le32(snap + 28, ecs__crc32(0, snap, 28));
}

#endif /* ECS_TEST_SUPPORT_SNAPSHOT_WORLD_H */
