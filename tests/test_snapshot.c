/* Snapshots: round trips over every storage kind, handles and free-list
 * order, hooks, schema migration, the rollback ring, file and host
 * writers/readers. The failure paths are in test_snapshot_errors.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <unistd.h>

#include "support/counting_alloc.h"
#include "support/failing_alloc.h"
#include "support/snapshot_world.h"

static void test_round_trip_every_kind(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_init(&b, NULL);
  fx_populate(&a, 40);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  assert_int_equal(load_from(b.w, buf.data, buf.size), ECS_OK);
  assert_int_equal(ecs_last_status(b.w), ECS_OK);
  assert_same_state(&a, &b);
  assert_int_equal(ecs_component_count(b.w, b.handle), 0); /* transient: not saved */
  assert_false(ecs_resource_has(b.w, b.handle));
  /* the worlds go on alike: same ids, same tables */
  for (int i = 0; i < 10; ++i) {
    ecs_entity_t ea = ecs_entity_create(a.w), eb = ecs_entity_create(b.w);
    assert_true(ea == eb);
    assert_int_equal(ecs_set(a.w, ea, a.health, &(health_t){i}), ECS_OK);
    assert_int_equal(ecs_set(b.w, eb, b.health, &(health_t){i}), ECS_OK);
  }
  assert_same_state(&a, &b);
  /* the same bytes again from the loaded world */
  ecs_membuf_t again = {0};
  ecs_membuf_t first = {0};
  save_to(a.w, &first);
  save_to(b.w, &again);
  assert_int_equal(first.size, again.size);
  assert_memory_equal(first.data, again.data, first.size);
  ecs_membuf_free(&buf);
  ecs_membuf_free(&first);
  ecs_membuf_free(&again);
  fx_fini(&a);
  fx_fini(&b);
}

static void test_handles_and_free_list_survive(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_init(&b, NULL);
  ecs_entity_t e[8];
  for (int i = 0; i < 8; ++i) {
    e[i] = ecs_entity_create(a.w);
  }
  /* destroyed in an order the free list must keep */
  const int order[] = {5, 1, 6, 2};
  for (int i = 0; i < 4; ++i) {
    assert_int_equal(ecs_entity_destroy(a.w, e[order[i]]), ECS_OK);
  }
  a.w->records[ECS_ENTITY_INDEX(e[7])].generation = ECS__GENERATION_MAX; /* about to retire */
  e[7] = ECS_ENTITY_MAKE(ECS_ENTITY_INDEX(e[7]), ECS__GENERATION_MAX);
  assert_int_equal(ecs_entity_destroy(a.w, e[7]), ECS_OK);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  assert_int_equal(load_from(b.w, buf.data, buf.size), ECS_OK);
  for (int i = 0; i < 8; ++i) {
    assert_int_equal(ecs_entity_alive(a.w, e[i]), ecs_entity_alive(b.w, e[i]));
  }
  assert_int_equal(ecs_world_checksum(a.w), ecs_world_checksum(b.w));
  for (int i = 0; i < 6; ++i) { /* 4 reused slots in LIFO order, then new ones; the retired slot stays out */
    ecs_entity_t na = ecs_entity_create(a.w), nb = ecs_entity_create(b.w);
    assert_true(na == nb);
    assert_true(ECS_ENTITY_INDEX(na) != ECS_ENTITY_INDEX(e[7]));
    if (i < 4) {
      assert_int_equal(ECS_ENTITY_INDEX(na), ECS_ENTITY_INDEX(e[order[3 - i]]));
    }
  }
  ecs_membuf_free(&buf);
  fx_fini(&a);
  fx_fini(&b);
}

/* Rollback into the same world: every change since the save is undone,
 * queries made before keep working, and values with hooks are destructed. */
static void test_load_into_same_world(void **state) {
  (void)state;
  fx_t a;
  fx_init(&a, NULL);
  fx_populate(&a, 30);
  ecs_query_t *q = ecs_query_new(a.w, &(ecs_query_desc_t){{{a.health, ECS_ACCESS_READ}, {a.name, ECS_ACCESS_READ}}});
  size_t matched = ecs_query_count(q);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  fx_t ref; /* the saved state, loaded elsewhere */
  fx_init(&ref, NULL);
  assert_int_equal(load_from(ref.w, buf.data, buf.size), ECS_OK);
  int saved_live = a.counts.live;
  for (int i = 0; i < 20; ++i) { /* new tables, moved rows, reused slots */
    ecs_entity_t e = ecs_entity_create(a.w);
    assert_int_equal(ecs_set(a.w, e, a.name, &(name_t){(char *)"later"}), ECS_OK);
    assert_int_equal(ecs_add(a.w, e, i % 2 ? a.wide : a.marked), ECS_OK);
  }
  assert_int_equal(ecs_entity_destroy(a.w, ECS_ENTITY_MAKE(1, 0)), ECS_OK);
  assert_int_equal(ecs_component_set_storage(a.w, a.vel, ECS_STORAGE_DENSE), ECS_OK);
  assert_int_equal(ecs_resource_remove(a.w, a.clock), ECS_OK);
  int live = a.counts.live;
  int dtors = a.counts.dtor;
  assert_int_equal(load_from(a.w, buf.data, buf.size), ECS_OK);
  assert_same_state(&a, &ref);
  assert_int_equal(ecs_query_count(q), matched);
  assert_int_equal(a.counts.dtor - dtors, live); /* every old value destructed once */
  assert_int_equal(a.counts.live, saved_live);
  assert_int_equal(ecs_component_storage(a.w, a.vel), ECS_STORAGE_DENSE); /* the world's kind stays */
  assert_non_null(ecs_resource_get(a.w, a.handle));                       /* transient resource kept */
  /* destroys after the load find the loaded DENSE and SPARSE values too */
  for (uint32_t idx = 1; idx < a.w->record_count; ++idx) {
    for (uint32_t gen = 0; gen < 64; ++gen) {
      if (ecs_entity_alive(a.w, ECS_ENTITY_MAKE(idx, gen))) {
        assert_int_equal(ecs_entity_destroy(a.w, ECS_ENTITY_MAKE(idx, gen)), ECS_OK);
      }
    }
  }
  assert_int_equal(ecs_entity_count(a.w), 0);
  assert_int_equal(ecs_component_count(a.w, a.pos), 0);
  assert_int_equal(ecs_component_count(a.w, a.vel), 0);
  assert_int_equal(ecs_component_count(a.w, a.frozen), 0);
  assert_int_equal(ecs_component_count(a.w, a.name), 0);
  ecs_membuf_free(&buf);
  fx_fini(&ref);
  fx_fini(&a);
}

/* A world with other content, other storage kinds and an extra component:
 * everything is replaced; the extra component ends up empty. */
static void test_load_into_other_world(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_populate(&a, 25);
  b.w = ecs_world_new(NULL);
  memset(&b.counts, 0, sizeof b.counts);
  ecs_component_t extra = ecs_component_register_type(b.w, "extra", sizeof(int), 0);
  fx_register(&b);
  for (int i = 0; i < 5; ++i) {
    ecs_entity_t e = ecs_entity_create(b.w);
    assert_int_equal(ecs_set(b.w, e, extra, &i), ECS_OK);
    assert_int_equal(ecs_set(b.w, e, b.name, &(name_t){(char *)"old"}), ECS_OK);
  }
  assert_int_equal(ecs_resource_set(b.w, extra, &(int){3}), ECS_OK);
  assert_int_equal(ecs_component_set_storage(b.w, b.pos, ECS_STORAGE_ARCHETYPE), ECS_OK);
  assert_int_equal(ecs_component_set_storage(b.w, b.health, ECS_STORAGE_SPARSE), ECS_OK);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  assert_int_equal(load_from(b.w, buf.data, buf.size), ECS_OK);
  assert_int_equal(ecs_component_count(b.w, extra), 0);
  assert_false(ecs_resource_has(b.w, extra));
  assert_same_state_as(&a, &b, false); /* other storage kinds: other orders */
  ecs_membuf_free(&buf);
  fx_fini(&a);
  fx_fini(&b);
}

/* A world with more than 8 DENSE and SPARSE components keeps a list per
 * entity: the load builds the lists of the loaded entities, and destroys
 * afterwards remove each entity's values and nothing else. */
static void test_load_builds_entity_lists(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_populate(&a, 40);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  fx_init(&b, NULL);
  ecs_component_t extra[10];
  for (int i = 0; i < 10; ++i) {
    char name[16];
    snprintf(name, sizeof name, "extra%d", i);
    extra[i] = ecs_component_register(
        b.w,
        &(ecs_component_desc_t){.name = name, .size = 4, .storage = i % 2 ? ECS_STORAGE_DENSE : ECS_STORAGE_SPARSE});
    assert_int_not_equal(extra[i], ECS_COMPONENT_NULL);
  }
  assert_int_equal(load_from(b.w, buf.data, buf.size), ECS_OK);
  assert_same_state_as(&a, &b, true);
  size_t pos = ecs_component_count(b.w, b.pos), vel = ecs_component_count(b.w, b.vel);
  for (uint32_t idx = 1; idx < b.w->record_count; ++idx) {
    ecs_entity_t e = ECS_ENTITY_MAKE(idx, b.w->records[idx].generation);
    if (!ecs_entity_alive(b.w, e)) {
      continue;
    }
    pos -= ecs_has(b.w, e, b.pos);
    vel -= ecs_has(b.w, e, b.vel);
    assert_int_equal(ecs_set(b.w, e, extra[idx % 10], &(int32_t){1}), ECS_OK);
    assert_int_equal(ecs_entity_destroy(b.w, e), ECS_OK);
    assert_int_equal(ecs_component_count(b.w, b.pos), pos);
    assert_int_equal(ecs_component_count(b.w, b.vel), vel);
  }
  assert_int_equal(ecs_entity_count(b.w), 0);
  for (int i = 0; i < 10; ++i) {
    assert_int_equal(ecs_component_count(b.w, extra[i]), 0);
  }
  assert_int_equal(ecs_component_count(b.w, b.frozen), 0);
  assert_int_equal(ecs_component_count(b.w, b.name), 0);
  assert_int_equal(ecs_component_count(b.w, b.wide), 0);
  ecs_membuf_free(&buf);
  fx_fini(&a);
  fx_fini(&b);
}

/* A host's reader that fails with ECS_ERR_IO once `budget` bytes are read. */
typedef struct failing_src_t {
  ecs_memsrc_t src;
  size_t budget;
} failing_src_t;

static ecs_status_t failing_read(void *user, void *data, size_t size) {
  failing_src_t *f = user;
  if (size > f->budget) {
    return ECS_ERR_IO;
  }
  f->budget -= size;
  return host_read(&f->src, data, size);
}

/* A load from a host's reader streams the snapshot: no allocation holds
 * the payload, and the world is the one a load from memory gives. A reader
 * failing anywhere is reported as its own error, the world untouched. */
static void test_streamed_load(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_populate(&a, 3000);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  counting_t ca = {0};
  fx_init(&b, &(ecs_world_desc_t){.allocator = counting_allocator(&ca)});
  atomic_store(&ca.largest, 0);
  ecs_memsrc_t src = {buf.data, buf.size, 0};
  ecs_reader_t in = {host_read, &src};
  assert_int_equal(ecs_snapshot_load(b.w, &in), ECS_OK);
  assert_int_equal(src.pos, buf.size);
  print_message("streamed load of %zu bytes: largest allocation %zu bytes\n", buf.size, (size_t)ca.largest);
  assert_true(atomic_load(&ca.largest) < buf.size / 2);
  assert_same_state_as(&a, &b, true);
  uint64_t sum = ecs_world_checksum(b.w);
  const size_t budgets[] = {0, 20, 40, 200, buf.size / 3, buf.size / 2, buf.size - 5};
  for (size_t k = 0; k < sizeof budgets / sizeof budgets[0]; ++k) {
    failing_src_t f = {{buf.data, buf.size, 0}, budgets[k]};
    ecs_reader_t bad = {failing_read, &f};
    assert_int_equal(ecs_snapshot_load(b.w, &bad), ECS_ERR_IO);
    assert_non_null(strstr(ecs_last_error(b.w), "reading the snapshot"));
    assert_true(ecs_world_checksum(b.w) == sum);
  }
  ecs_membuf_free(&buf);
  fx_fini(&a);
  fx_fini(&b);
}

static void test_transient_not_required(void **state) {
  (void)state;
  fx_t a;
  fx_init(&a, NULL);
  fx_populate(&a, 10);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  ecs_world_t *w = ecs_world_new(NULL);
  counts_t counts = {0};
  /* every saved component, by name, in another order; no "handle" */
  reg(w, "marked", 0, 0, ECS_STORAGE_ARCHETYPE);
  reg(w, "frozen", 0, 0, ECS_STORAGE_DENSE);
  ecs_component_t clock = ECS_COMPONENT(w, sim_clock_t);
  ecs_component_register(w, &(ecs_component_desc_t){.name = "name_t",
                                                    .size = sizeof(name_t),
                                                    .hooks = {.dtor = name_dtor, .user = &counts},
                                                    .serialize = name_serialize,
                                                    .deserialize = name_deserialize});
  reg(w, "wide_t", sizeof(wide_t), 64, ECS_STORAGE_SPARSE);
  ecs_component_t health = ecs_component_register_type(w, "health_t", sizeof(health_t), 0);
  reg(w, "vel_t", sizeof(vel_t), 0, ECS_STORAGE_DENSE);
  ecs_component_t pos = reg(w, "pos_t", sizeof(pos_t), 32, ECS_STORAGE_DENSE);
  assert_int_equal(load_from(w, buf.data, buf.size), ECS_OK);
  assert_int_equal(ecs_component_count(w, health), ecs_component_count(a.w, a.health));
  assert_int_equal(ecs_component_count(w, pos), ecs_component_count(a.w, a.pos));
  assert_int_equal(((const sim_clock_t *)ecs_resource_get(w, clock))->frame, 42);
  const pos_t *p = ecs_get(w, ECS_ENTITY_MAKE(3, 0), pos);
  assert_true(p && p->x == 2.0f && p->y == -2.0f);
  ecs_world_free(w);
  assert_int_equal(counts.live, 0);
  ecs_membuf_free(&buf);
  fx_fini(&a);
}

/* Save, load, save gives the same bytes when a transient component lives in
 * archetype tables (a table with it merges with the one without on load, so
 * the save must write what the load reproduces), for every storage kind of
 * the transient component; restoring into the same world and loading into
 * a fresh one then iterate alike. */
static void iter_order(ecs_world_t *w, ecs_component_t a, uint32_t *out, int *n) {
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_ACCESS_READ}}});
  *n = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    for (int32_t i = 0; i < it.count; ++i) {
      out[(*n)++] = ECS_ENTITY_INDEX(it.entities[i]);
    }
  }
  ecs_query_free(q);
}

static void transient_world(ecs_world_t *w, ecs_storage_kind_t tkind, ecs_component_t *a, ecs_component_t *t) {
  *a = reg(w, "A", 4, 0, ECS_STORAGE_ARCHETYPE);
  (void)reg(w, "B", 4, 0, ECS_STORAGE_ARCHETYPE);
  *t = ecs_component_register(
      w, &(ecs_component_desc_t){.name = "T", .size = 4, .storage = tkind, .flags = ECS_COMPONENT_TRANSIENT});
}

static void test_transient_archetype_round_trip(void **state) {
  (void)state;
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE};
  for (size_t k = 0; k < 3; ++k) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_component_t a, t;
    transient_world(w, kinds[k], &a, &t);
    ecs_entity_t e1 = ecs_entity_create(w);
    ecs_entity_t e2 = ecs_entity_create(w);
    ecs_entity_t e4 = ecs_entity_create(w);
    ecs_set(w, e1, a, &(int32_t){1});
    ecs_set(w, e2, a, &(int32_t){2});
    ecs_set(w, e2, t, &(int32_t){7});
    ecs_set(w, e4, t, &(int32_t){8}); /* only the transient one */
    ecs_membuf_t first = snapshot_of(w);

    ecs_world_t *fresh = ecs_world_new(NULL);
    ecs_component_t fa, ft;
    transient_world(fresh, kinds[k], &fa, &ft);
    assert_int_equal(load_from(fresh, first.data, first.size), ECS_OK);
    ecs_membuf_t second = snapshot_of(fresh);
    if (second.size != first.size || memcmp(first.data, second.data, first.size) != 0) {
      fail_msg("kind %zu: save, load, save: %zu bytes, then %zu", k, first.size, second.size);
    }
    /* the same world restored: the same state and order as the fresh one */
    assert_int_equal(load_from(w, first.data, first.size), ECS_OK);
    assert_false(ecs_has(w, e2, t));
    ecs_entity_t e3 = ecs_entity_create(w);
    ecs_entity_t f3 = ecs_entity_create(fresh);
    assert_int_equal(e3, f3);
    ecs_set(w, e3, a, &(int32_t){3});
    ecs_set(fresh, f3, fa, &(int32_t){3});
    uint32_t ow[8], of[8];
    int nw, nf;
    iter_order(w, a, ow, &nw);
    iter_order(fresh, fa, of, &nf);
    assert_int_equal(nw, 3);
    assert_int_equal(nf, 3);
    assert_memory_equal(ow, of, sizeof ow[0] * 3);
    ecs_membuf_t third = snapshot_of(w);
    ecs_membuf_t fourth = snapshot_of(fresh);
    assert_int_equal(third.size, fourth.size);
    assert_memory_equal(third.data, fourth.data, third.size);
    ecs_membuf_free(&first);
    ecs_membuf_free(&second);
    ecs_membuf_free(&third);
    ecs_membuf_free(&fourth);
    ecs_world_free(fresh);
    ecs_world_free(w);
  }
}

static size_t count_matches(ecs_query_t *q) {
  size_t n = 0;
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    n += (size_t)it.count;
  }
  return n;
}

static void count_event(ecs_observer_ctx_t *ctx) {
  ++*(int *)ctx->user;
}

/* Loaded values count as added and written once; observers do not run. */
static void test_change_detection_and_observers(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_init(&b, NULL);
  a.plain = b.plain = true;
  fx_populate(&a, 30); /* more slots than b will have */
  fx_populate(&b, 4);
  int events = 0;
  const ecs_observer_event_t kinds[] = {ECS_ON_ADD, ECS_ON_SET, ECS_ON_REMOVE};
  for (size_t k = 0; k < 3; ++k) {
    assert_int_equal(ecs_observer_register(b.w, &(ecs_observer_desc_t){b.pos, kinds[k], count_event, &events}), ECS_OK);
  }
  ecs_query_t *changed = ecs_query_new(b.w, &(ecs_query_desc_t){{{b.pos, ECS_CHANGED(ECS_ACCESS_READ)}}});
  ecs_query_t *added = ecs_query_new(b.w, &(ecs_query_desc_t){{{b.health, ECS_ADDED(ECS_ACCESS_WITH)}}});
  count_matches(changed);
  count_matches(added);
  assert_int_equal(count_matches(changed), 0);
  ecs_membuf_t buf = {0};
  save_to(a.w, &buf);
  assert_int_equal(load_from(b.w, buf.data, buf.size), ECS_OK);
  assert_int_equal(events, 0);
  assert_int_equal(count_matches(changed), ecs_component_count(b.w, b.pos));
  assert_int_equal(count_matches(added), ecs_component_count(b.w, b.health));
  assert_int_equal(count_matches(changed), 0);
  /* tracking goes on over every slot of the loaded registry */
  ecs_entity_t last = ECS_ENTITY_MAKE(b.w->record_count - 1, b.w->records[b.w->record_count - 1].generation);
  assert_int_equal(ecs_set(b.w, last, b.pos, &(pos_t){1, 2}), ECS_OK);
  assert_int_equal(count_matches(changed), 1);
  ecs_membuf_free(&buf);
  fx_fini(&a);
  fx_fini(&b);
}

static void test_empty_world(void **state) {
  (void)state;
  ecs_world_t *a = ecs_world_new(NULL), *b = ecs_world_new(NULL);
  ecs_membuf_t buf = {0};
  save_to(a, &buf);
  assert_int_equal(load_from(b, buf.data, buf.size), ECS_OK);
  assert_int_equal(ecs_world_checksum(a), ecs_world_checksum(b));
  ecs_membuf_free(&buf);
  ecs_world_free(a);
  ecs_world_free(b);
}

/* Version 1 stored hit points as an int16 pair; version 2 adds a maximum
 * and widens them. */
typedef struct stats_v1_t {
  int16_t hp, armor;
} stats_v1_t;

typedef struct stats_v2_t {
  int32_t hp, armor, max_hp;
} stats_v2_t;

static ecs_status_t stats_migrate(void *dst, const void *data, size_t size, uint32_t from, void *user) {
  ++*(int *)user;
  if (from != 1 || size != sizeof(stats_v1_t)) {
    return ECS_ERR_SNAPSHOT_SCHEMA;
  }
  stats_v1_t old;
  memcpy(&old, data, sizeof old);
  *(stats_v2_t *)dst = (stats_v2_t){old.hp, old.armor, 100};
  return ECS_OK;
}

static void test_migrate_v1_to_v2(void **state) {
  (void)state;
  ecs_world_t *v1 = ecs_world_new(NULL);
  ecs_component_t s1 = ecs_component_register(
      v1, &(ecs_component_desc_t){
              .name = "stats", .size = sizeof(stats_v1_t), .storage = ECS_STORAGE_SPARSE, .version = 1});
  ecs_entity_t e = ecs_entity_create(v1);
  assert_int_equal(ecs_set(v1, e, s1, &(stats_v1_t){42, 7}), ECS_OK);
  assert_int_equal(ecs_resource_set(v1, s1, &(stats_v1_t){1, 2}), ECS_OK);
  ecs_membuf_t buf = snapshot_of(v1);

  int calls = 0;
  ecs_world_t *v2 = ecs_world_new(NULL);
  ecs_component_t s2 = ecs_component_register(v2, &(ecs_component_desc_t){.name = "stats",
                                                                          .size = sizeof(stats_v2_t),
                                                                          .storage = ECS_STORAGE_ARCHETYPE,
                                                                          .version = 2,
                                                                          .hooks = {.user = &calls},
                                                                          .migrate = stats_migrate});
  assert_int_equal(load_from(v2, buf.data, buf.size), ECS_OK);
  assert_int_equal(calls, 2);
  const stats_v2_t *v = ecs_get(v2, e, s2);
  assert_true(v && v->hp == 42 && v->armor == 7 && v->max_hp == 100);
  const stats_v2_t *r = ecs_resource_get(v2, s2);
  assert_true(r && r->hp == 1 && r->armor == 2 && r->max_hp == 100);
  /* a migrate hook that fails: the load fails with its code, nothing changes */
  ecs_world_t *v2b = ecs_world_new(NULL);
  ecs_component_register(v2b, &(ecs_component_desc_t){.name = "stats",
                                                      .size = sizeof(stats_v2_t),
                                                      .version = 3,
                                                      .hooks = {.user = &calls},
                                                      .migrate = stats_migrate});
  uint64_t before = ecs_world_checksum(v2b);
  ecs_membuf_t v2snap = snapshot_of(v2);
  assert_int_equal(load_from(v2b, v2snap.data, v2snap.size), ECS_ERR_SNAPSHOT_SCHEMA);
  assert_non_null(strstr(ecs_last_error(v2b), "migrate hook of 'stats' failed"));
  assert_int_equal(ecs_world_checksum(v2b), before);
  ecs_membuf_free(&v2snap);
  ecs_membuf_free(&buf);
  ecs_world_free(v1);
  ecs_world_free(v2);
  ecs_world_free(v2b);
}

/* Allocation calls through the world's allocator. */
static void *count_alloc(void *user, size_t size) {
  ++*(size_t *)user;
  return malloc(size);
}

static void *count_realloc(void *user, void *p, size_t old, size_t size) {
  (void)old;
  ++*(size_t *)user;
  return realloc(p, size);
}

static void count_free(void *user, void *p, size_t size) {
  (void)user;
  (void)size;
  free(p);
}

static void test_rollback_ring(void **state) {
  (void)state;
  size_t allocs = 0;
  fx_t a;
  fx_init(&a, &(ecs_world_desc_t){.allocator = {count_alloc, count_realloc, count_free, &allocs}});
  a.plain = true;
  fx_populate(&a, 20);
  ecs_rollback_t *rb = ecs_rollback_new(a.w, 3);
  assert_non_null(rb);
  uint64_t sums[8];
  ecs_component_t health = a.health;
  for (uint64_t tick = 1; tick <= 7; ++tick) {
    sums[tick] = ecs_world_checksum(a.w);
    size_t before = allocs;
    assert_int_equal(ecs_rollback_save(rb, tick), ECS_OK);
    if (tick > 4) { /* warm: 3 slots and the spare have held a snapshot */
      assert_int_equal(allocs, before);
    }
    health_t *h = ecs_get(a.w, ECS_ENTITY_MAKE(1, 0), health);
    h->hp += 1000; /* changes the state, not the size */
  }
  assert_int_equal(ecs_rollback_count(rb), 3);
  assert_false(ecs_rollback_has(rb, 4));
  assert_true(ecs_rollback_has(rb, 5) && ecs_rollback_has(rb, 7));
  uint64_t now = ecs_world_checksum(a.w);
  assert_int_equal(ecs_rollback_restore(rb, 4), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_world_checksum(a.w), now);
  assert_int_equal(ecs_rollback_restore(rb, 5), ECS_OK);
  assert_int_equal(ecs_world_checksum(a.w), sums[5]);
  assert_int_equal(ecs_rollback_restore(rb, 7), ECS_OK);
  assert_int_equal(ecs_world_checksum(a.w), sums[7]);
  /* the same tick again replaces its snapshot, keeping the others */
  assert_int_equal(ecs_entity_destroy(a.w, ECS_ENTITY_MAKE(1, 0)), ECS_OK);
  uint64_t changed = ecs_world_checksum(a.w);
  assert_int_equal(ecs_rollback_save(rb, 6), ECS_OK);
  assert_int_equal(ecs_rollback_count(rb), 3);
  assert_int_equal(ecs_rollback_restore(rb, 5), ECS_OK);
  assert_int_equal(ecs_rollback_restore(rb, 6), ECS_OK);
  assert_int_equal(ecs_world_checksum(a.w), changed);
  ecs_rollback_free(rb);
  fx_fini(&a);
}

static void test_file_round_trip(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_init(&b, NULL);
  fx_populate(&a, 15);
  /* in the temporary directory, named by process: never left in a source
   * tree, and parallel runs do not collide */
  char path[512];
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) {
    dir = getenv("TEMP"); /* Windows */
  }
  snprintf(path, sizeof path, "%s/libecs_test_snapshot_%ld.bin", dir && *dir ? dir : "/tmp", (long)getpid());
  assert_int_equal(ecs_snapshot_save_file(a.w, path), ECS_OK);
  assert_int_equal(ecs_snapshot_load_file(b.w, path), ECS_OK);
  assert_same_state(&a, &b);
  /* FILE* writer and reader, and a truncated file */
  FILE *f = tmpfile();
  assert_non_null(f);
  ecs_writer_t out = ecs_file_writer(f);
  assert_int_equal(ecs_snapshot_save(a.w, &out), ECS_OK);
  long size = ftell(f);
  rewind(f);
  ecs_reader_t in = ecs_file_reader(f);
  assert_int_equal(ecs_snapshot_load(b.w, &in), ECS_OK);
  assert_same_state(&a, &b);
  uint64_t sum = ecs_world_checksum(b.w);
  rewind(f);
  uint8_t *half = malloc((size_t)size / 2);
  assert_non_null(half);
  assert_int_equal(fread(half, 1, (size_t)size / 2, f), (size_t)size / 2);
  fclose(f);
  f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(half, 1, (size_t)size / 2, f), (size_t)size / 2);
  assert_int_equal(fclose(f), 0);
  assert_int_equal(ecs_snapshot_load_file(b.w, path), ECS_ERR_SNAPSHOT_CORRUPT);
  assert_non_null(strstr(ecs_last_error(b.w), "truncated"));
  assert_int_equal(ecs_world_checksum(b.w), sum);
  free(half);
  remove(path);
  assert_int_equal(ecs_snapshot_load_file(b.w, path), ECS_ERR_IO);
  assert_int_equal(ecs_snapshot_save_file(b.w, "/nonexistent-dir/x.snap"), ECS_ERR_IO);
  fx_fini(&a);
  fx_fini(&b);
}

/* A host writer and reader: the library sees neither as its own. */
typedef struct host_sink_t {
  uint8_t data[1 << 16];
  size_t size;
  size_t fail_after;
} host_sink_t;

static ecs_status_t host_write(void *user, const void *data, size_t size) {
  host_sink_t *s = user;
  if (s->size + size > s->fail_after || s->size + size > sizeof s->data) {
    return ECS_ERR_IO;
  }
  memcpy(s->data + s->size, data, size);
  s->size += size;
  return ECS_OK;
}

static ecs_status_t host_read_io(void *user, void *data, size_t size) {
  (void)user;
  (void)data;
  (void)size;
  return ECS_ERR_IO;
}

static void test_host_writer_and_reader(void **state) {
  (void)state;
  fx_t a, b;
  fx_init(&a, NULL);
  fx_init(&b, NULL);
  fx_populate(&a, 10);
  static host_sink_t sink;
  sink.size = 0;
  sink.fail_after = SIZE_MAX;
  ecs_writer_t out = {host_write, &sink};
  assert_int_equal(ecs_snapshot_save(a.w, &out), ECS_OK);
  ecs_memsrc_t src = {sink.data, sink.size, 0};
  ecs_reader_t in = {host_read, &src};
  assert_int_equal(ecs_snapshot_load(b.w, &in), ECS_OK);
  assert_same_state(&a, &b);
  /* two snapshots back to back in one memory source */
  ecs_membuf_t two = {0};
  save_to(a.w, &two);
  size_t first = two.size;
  save_to(b.w, &two);
  ecs_memsrc_t both = {two.data, two.size, 0};
  ecs_reader_t rboth = ecs_memreader(&both);
  assert_int_equal(ecs_snapshot_load(b.w, &rboth), ECS_OK);
  assert_int_equal(both.pos, first);
  assert_int_equal(ecs_snapshot_load(b.w, &rboth), ECS_OK);
  assert_int_equal(both.pos, two.size);
  ecs_membuf_free(&two);
  /* errors of the host's writer and reader pass through */
  uint64_t sum = ecs_world_checksum(b.w);
  sink.size = 0;
  sink.fail_after = 10;
  assert_int_equal(ecs_snapshot_save(a.w, &out), ECS_ERR_IO);
  assert_int_equal(ecs_snapshot_load(b.w, &(ecs_reader_t){host_read_io, NULL}), ECS_ERR_IO);
  assert_int_equal(ecs_world_checksum(b.w), sum);
  fx_fini(&a);
  fx_fini(&b);
}

/* ---- streamed saves ------------------------------------------------------ */

/* A growable host sink, on malloc (not the world's allocator). */
typedef struct grow_sink_t {
  uint8_t *data;
  size_t size, cap;
} grow_sink_t;

static ecs_status_t grow_write(void *user, const void *data, size_t size) {
  grow_sink_t *g = user;
  if (g->size + size > g->cap) {
    size_t cap = g->cap ? g->cap : 4096;
    while (cap < g->size + size) {
      cap *= 2;
    }
    uint8_t *p = realloc(g->data, cap);
    if (!p) {
      return ECS_ERR_NO_MEMORY;
    }
    g->data = p;
    g->cap = cap;
  }
  memcpy(g->data + g->size, data, size);
  g->size += size;
  return ECS_OK;
}

/* An allocator that knows how many bytes are out, and the peak. */
typedef struct peak_t {
  size_t now, peak;
} peak_t;

static void peak_add(peak_t *p, size_t add, size_t sub) {
  p->now += add;
  p->now -= sub;
  p->peak = p->now > p->peak ? p->now : p->peak;
}

static void *peak_alloc(void *user, size_t size) {
  void *m = malloc(size);
  peak_add(user, m ? size : 0, 0);
  return m;
}

static void *peak_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  void *m = realloc(ptr, new_size);
  if (m) {
    peak_add(user, new_size, ptr ? old_size : 0);
  }
  return m;
}

static void peak_free(void *user, void *ptr, size_t size) {
  if (ptr) {
    peak_add(user, 0, size);
  }
  free(ptr);
}

/* A save to a host's writer streams: the same bytes as a save into memory,
 * serialize hooks included, written through a few kilobytes. */
static void test_streamed_save_same_bytes(void **state) {
  (void)state;
  fx_t a;
  fx_init(&a, NULL);
  fx_populate(&a, 3000);
  ecs_membuf_t mem = {0};
  save_to(a.w, &mem);
  grow_sink_t sink = {0};
  ecs_writer_t out = {grow_write, &sink};
  assert_int_equal(ecs_snapshot_save(a.w, &out), ECS_OK);
  assert_int_equal(sink.size, mem.size);
  assert_memory_equal(sink.data, mem.data, mem.size);
  fx_t b;
  fx_init(&b, NULL);
  assert_int_equal(load_from(b.w, sink.data, sink.size), ECS_OK);
  assert_same_state(&a, &b);
  free(sink.data);
  ecs_membuf_free(&mem);
  fx_fini(&b);
  fx_fini(&a);
}

/* The extra memory of a streamed save does not grow with the world. */
static void test_streamed_save_bounded_memory(void **state) {
  (void)state;
  peak_t peak = {0, 0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = {peak_alloc, peak_realloc, peak_free, &peak}});
  ecs_component_t pos = reg(w, "pos", sizeof(pos_t), 0, ECS_STORAGE_DENSE);
  ecs_component_t hp = reg(w, "hp", sizeof(health_t), 0, ECS_STORAGE_ARCHETYPE);
  for (int i = 0; i < 100000; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e, pos, &(pos_t){(float)i, 1.0f}), ECS_OK);
    assert_int_equal(ecs_set(w, e, hp, &(health_t){i}), ECS_OK);
  }
  grow_sink_t sink = {0};
  ecs_writer_t out = {grow_write, &sink};
  peak.peak = peak.now;
  size_t before = peak.now;
  assert_int_equal(ecs_snapshot_save(w, &out), ECS_OK);
  assert_true(sink.size > 2000000);
  assert_true(peak.peak - before < 16 * 1024);
  assert_int_equal(peak.now, before);
  /* the same world into memory takes the snapshot's size */
  ecs_membuf_t mem = {.allocator = &(ecs_allocator_t){peak_alloc, peak_realloc, peak_free, &peak}};
  assert_int_equal(ecs_snapshot_save(w, &(ecs_writer_t){ecs_membuf_writer(&mem).write, &mem}), ECS_OK);
  assert_true(peak.peak - before >= sink.size);
  ecs_membuf_free(&mem);
  free(sink.data);
  ecs_world_free(w);
}

/* A serialize hook whose bytes differ from one call to the next makes a
 * streamed save fail with a clear error (what it wrote is invalid). */
static ecs_status_t restless_serialize(const void *value, const ecs_writer_t *out, void *user) {
  (void)value;
  int *calls = user;
  char bytes[8] = {0};
  return ecs_write(out, bytes, (size_t)(++*calls % 2) + 1);
}

static ecs_status_t restless_deserialize(void *dst, const void *data, size_t size, void *user) {
  (void)dst;
  (void)data;
  (void)size;
  (void)user;
  return ECS_OK;
}

static void test_streamed_save_restless_hook(void **state) {
  (void)state;
  int calls = 0;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t r = ecs_component_register(w, &(ecs_component_desc_t){.name = "restless",
                                                                        .size = sizeof(int32_t),
                                                                        .hooks = {.user = &calls},
                                                                        .serialize = restless_serialize,
                                                                        .deserialize = restless_deserialize});
  assert_int_equal(ecs_set(w, ecs_entity_create(w), r, &(int32_t){1}), ECS_OK);
  grow_sink_t sink = {0};
  ecs_writer_t out = {grow_write, &sink};
  assert_int_equal(ecs_snapshot_save(w, &out), ECS_ERR_MISUSE);
  assert_non_null(strstr(ecs_last_error(w), "differ from those measured"));
  ecs_membuf_t mem = {0};
  assert_int_equal(ecs_snapshot_save(w, &(ecs_writer_t){ecs_membuf_writer(&mem).write, &mem}), ECS_OK);
  ecs_membuf_free(&mem);
  free(sink.data);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_round_trip_every_kind),
      cmocka_unit_test(test_handles_and_free_list_survive),
      cmocka_unit_test(test_load_into_same_world),
      cmocka_unit_test(test_load_into_other_world),
      cmocka_unit_test(test_load_builds_entity_lists),
      cmocka_unit_test(test_streamed_load),
      cmocka_unit_test(test_transient_not_required),
      cmocka_unit_test(test_transient_archetype_round_trip),
      cmocka_unit_test(test_change_detection_and_observers),
      cmocka_unit_test(test_empty_world),
      cmocka_unit_test(test_migrate_v1_to_v2),
      cmocka_unit_test(test_rollback_ring),
      cmocka_unit_test(test_file_round_trip),
      cmocka_unit_test(test_host_writer_and_reader),
      cmocka_unit_test(test_streamed_save_same_bytes),
      cmocka_unit_test(test_streamed_save_bounded_memory),
      cmocka_unit_test(test_streamed_save_restless_hook),
  };
  return cmocka_run_group_tests_name("snapshot", tests, NULL, NULL);
}
