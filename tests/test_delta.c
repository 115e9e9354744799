/* Delta snapshots: mirror deltas rebuild byte-identical worlds for every
 * storage kind and baseline distance; bad deltas (every truncation, byte
 * flips, a wrong baseline, a wrong map) and failing allocations leave the
 * receiver unchanged; peer deltas follow an interest filter through a
 * network id map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "snapshot_internal.h"
#include "support/failing_alloc.h"
#include "support/sim.h"

static const ecs_storage_kind_t KINDS[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE};

/* A world registered like sim's, without a scheduler: the receiver. */
static ecs_world_t *receiver(sim_mode_t mode, const ecs_world_desc_t *desc) {
  ecs_world_t *w = ecs_world_new(desc);
  assert_non_null(w);
  ecs_component_register(w, &(ecs_component_desc_t){.name = "Pos", .size = sizeof(Pos), .storage = mode.pos_kind});
  ecs_component_register(w, &(ecs_component_desc_t){.name = "Vel", .size = sizeof(Vel), .storage = mode.vel_kind});
  ecs_component_register(
      w, &(ecs_component_desc_t){.name = "Energy", .size = sizeof(Energy), .storage = mode.energy_kind});
  ECS_COMPONENT(w, Rng);
  return w;
}

static void save_delta(ecs_world_t *w, uint64_t tick, uint64_t sum, ecs_membuf_t *buf, uint64_t *out_tick) {
  ecs_membuf_reset(buf);
  ecs_writer_t out = ecs_membuf_writer(buf);
  assert_int_equal(
      ecs_delta_save(w, &(ecs_delta_desc_t){.baseline_tick = tick, .baseline_checksum = sum}, &out, out_tick), ECS_OK);
}

static ecs_status_t apply_bytes(ecs_world_t *w, const void *data, size_t n, ecs_netmap_t *map) {
  ecs_memsrc_t src = {.data = data, .size = n};
  ecs_reader_t in = ecs_memreader(&src);
  return ecs_delta_apply(w, &in, map, NULL);
}

/* Two receivers from an empty baseline: one applies every tick's delta,
 * the other one delta per 7 ticks; both match the sender each time. */
static void test_mirror_every_kind(void **state) {
  (void)state;
  /* each kind for each component, then ASYNC groups on 3 threads (writes
   * of one component from several slices record their blocks at once) */
  for (size_t k = 0; k < 4; ++k) {
    sim_mode_t mode = {ECS_GROUP_SYNC, 0, KINDS[k % 3], KINDS[(k + 1) % 3], KINDS[(k + 2) % 3]};
    if (k == 3) {
      mode.groups = ECS_GROUP_ASYNC;
      mode.threads = 3;
    }
    sim_t sim;
    sim_init(&sim, 42 + k, mode);
    ecs_world_t *every = receiver(mode, NULL);
    ecs_world_t *sparse = receiver(mode, NULL);
    /* the receivers are at the sender's state before the resource */
    assert_int_equal(ecs_delta_enable(sim.world), ECS_OK);
    uint64_t base = ecs_delta_tick(sim.world);
    uint64_t sum = ecs_world_checksum(sim.world);
    ecs_membuf_t buf = {0};
    uint64_t next;
    /* the baseline is the sender with its resource: send it first */
    save_delta(sim.world, base, ecs_world_checksum(every), &buf, &next);
    assert_int_equal(apply_bytes(every, buf.data, buf.size, NULL), ECS_OK);
    assert_int_equal(apply_bytes(sparse, buf.data, buf.size, NULL), ECS_OK);
    assert_int_equal(ecs_world_checksum(every), sum);
    uint64_t far_base = base;
    uint64_t far_sum = sum;
    size_t max_entities = 0;
    for (int t = 1; t <= 120; ++t) {
      assert_int_equal(ecs_scheduler_tick(sim.sched, 1.0 / 60, NULL), ECS_OK);
      if (t == 60) { /* destroy a few directly, and remove a component */
        ecs_entity_t e = ecs_entity_create(sim.world);
        assert_int_equal(ecs_set(sim.world, e, sim.pos, &(Pos){1, 2}), ECS_OK);
        assert_int_equal(ecs_remove(sim.world, e, sim.pos), ECS_OK);
      }
      uint64_t now_sum = ecs_world_checksum(sim.world);
      save_delta(sim.world, base, sum, &buf, &next);
      ecs_delta_info_t info;
      ecs_memsrc_t src = {.data = buf.data, .size = buf.size};
      ecs_reader_t in = ecs_memreader(&src);
      assert_int_equal(ecs_delta_apply(every, &in, NULL, &info), ECS_OK);
      assert_int_equal(info.baseline_tick, base);
      assert_int_equal(info.tick, next);
      assert_int_equal(ecs_world_checksum(every), now_sum);
      base = next;
      sum = now_sum;
      if (t % 7 == 0) {
        save_delta(sim.world, far_base, far_sum, &buf, &next);
        assert_int_equal(apply_bytes(sparse, buf.data, buf.size, NULL), ECS_OK);
        assert_int_equal(ecs_world_checksum(sparse), now_sum);
        far_base = next;
        far_sum = now_sum;
      }
      max_entities = ecs_entity_count(sim.world) > max_entities ? ecs_entity_count(sim.world) : max_entities;
    }
    assert_true(max_entities > 20);
    /* the same handles: a saved entity is alive in the receiver */
    assert_int_equal(ecs_entity_count(every), ecs_entity_count(sim.world));
    /* nothing changed: a delta with no entity */
    save_delta(sim.world, base, sum, &buf, &next);
    ecs_delta_info_t info;
    ecs_memsrc_t src = {.data = buf.data, .size = buf.size};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_delta_apply(every, &in, NULL, &info), ECS_OK);
    assert_int_equal(info.values + info.created + info.destroyed + info.reshaped, 0);
    ecs_membuf_free(&buf);
    ecs_world_free(every);
    ecs_world_free(sparse);
    sim_fini(&sim);
  }
}

/* A sender world with a few changes since a baseline, its delta, and a
 * receiver at the baseline. */
typedef struct fixture_t {
  sim_t sim;
  ecs_world_t *rx;
  ecs_membuf_t delta;
  uint64_t base_sum;
} fixture_t;

static void fixture_init(fixture_t *f, const ecs_world_desc_t *rx_desc) {
  sim_mode_t mode = {ECS_GROUP_SYNC, 0, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_SPARSE, ECS_STORAGE_DENSE};
  sim_init(&f->sim, 7, mode);
  for (int t = 0; t < 20; ++t) {
    assert_int_equal(ecs_scheduler_tick(f->sim.sched, 1.0 / 60, NULL), ECS_OK);
  }
  f->rx = receiver(mode, rx_desc);
  ecs_membuf_t snap = {0};
  ecs_writer_t w = ecs_membuf_writer(&snap);
  assert_int_equal(ecs_snapshot_save(f->sim.world, &w), ECS_OK);
  ecs_memsrc_t src = {.data = snap.data, .size = snap.size};
  ecs_reader_t r = ecs_memreader(&src);
  assert_int_equal(ecs_snapshot_load(f->rx, &r), ECS_OK);
  ecs_membuf_free(&snap);
  assert_int_equal(ecs_delta_enable(f->sim.world), ECS_OK);
  uint64_t base = ecs_delta_tick(f->sim.world);
  f->base_sum = ecs_world_checksum(f->sim.world);
  assert_int_equal(ecs_world_checksum(f->rx), f->base_sum);
  for (int t = 0; t < 10; ++t) {
    assert_int_equal(ecs_scheduler_tick(f->sim.sched, 1.0 / 60, NULL), ECS_OK);
  }
  f->delta = (ecs_membuf_t){0};
  save_delta(f->sim.world, base, f->base_sum, &f->delta, NULL);
}

static void fixture_fini(fixture_t *f) {
  ecs_membuf_free(&f->delta);
  ecs_world_free(f->rx);
  sim_fini(&f->sim);
}

static void test_truncated_and_flipped(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f, NULL);
  for (size_t n = 0; n < f.delta.size; ++n) {
    assert_int_equal(apply_bytes(f.rx, f.delta.data, n, NULL), ECS_ERR_SNAPSHOT_CORRUPT);
    assert_int_equal(ecs_world_checksum(f.rx), f.base_sum);
  }
  unsigned char *copy = malloc(f.delta.size);
  assert_non_null(copy);
  for (size_t i = 0; i < f.delta.size; ++i) {
    memcpy(copy, f.delta.data, f.delta.size);
    copy[i] ^= 0x5a;
    ecs_status_t st = apply_bytes(f.rx, copy, f.delta.size, NULL);
    assert_int_not_equal(st, ECS_OK);
    assert_int_equal(ecs_world_checksum(f.rx), f.base_sum);
  }
  free(copy);
  /* the intact one still applies, and not twice */
  assert_int_equal(apply_bytes(f.rx, f.delta.data, f.delta.size, NULL), ECS_OK);
  assert_int_equal(ecs_world_checksum(f.rx), ecs_world_checksum(f.sim.world));
  assert_int_equal(apply_bytes(f.rx, f.delta.data, f.delta.size, NULL), ECS_ERR_DELTA_BASELINE);
  assert_non_null(strstr(ecs_last_error(f.rx), "baseline"));
  fixture_fini(&f);
}

static void test_wrong_baseline_and_arguments(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f, NULL);
  /* the receiver moved on: refused, untouched */
  ecs_entity_t extra = ecs_entity_create(f.rx);
  uint64_t moved = ecs_world_checksum(f.rx);
  assert_int_equal(apply_bytes(f.rx, f.delta.data, f.delta.size, NULL), ECS_ERR_DELTA_BASELINE);
  assert_int_equal(ecs_world_checksum(f.rx), moved);
  assert_int_equal(ecs_entity_destroy(f.rx, extra), ECS_OK);
  /* a map for a mirror delta */
  ecs_netmap_t *map = ecs_netmap_new(f.rx);
  assert_int_equal(apply_bytes(f.rx, f.delta.data, f.delta.size, map), ECS_ERR_INVALID_ARGUMENT);
  ecs_netmap_free(map);
  assert_int_equal(ecs_delta_apply(NULL, NULL, NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_delta_apply(f.rx, NULL, NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  /* saves: not enabled, baselines out of range */
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_delta_save(f.rx, &(ecs_delta_desc_t){0}, &out, NULL), ECS_ERR_UNSUPPORTED);
  uint64_t now = ecs_delta_tick(f.sim.world);
  assert_int_equal(ecs_delta_save(f.sim.world, &(ecs_delta_desc_t){.baseline_tick = now + 10}, &out, NULL),
                   ECS_ERR_DELTA_BASELINE);
  assert_int_equal(ecs_delta_save(f.sim.world, &(ecs_delta_desc_t){.baseline_tick = 1}, &out, NULL),
                   ECS_ERR_DELTA_BASELINE);
  assert_int_equal(ecs_delta_save(f.sim.world, NULL, &out, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(buf.size, 0);
  /* a snapshot load replaces the state: earlier baselines are refused */
  ecs_membuf_t snap = {0};
  ecs_writer_t sw = ecs_membuf_writer(&snap);
  assert_int_equal(ecs_snapshot_save(f.sim.world, &sw), ECS_OK);
  ecs_memsrc_t src = {.data = snap.data, .size = snap.size};
  ecs_reader_t r = ecs_memreader(&src);
  assert_int_equal(ecs_snapshot_load(f.sim.world, &r), ECS_OK);
  assert_int_equal(ecs_delta_save(f.sim.world, &(ecs_delta_desc_t){.baseline_tick = now}, &out, NULL),
                   ECS_ERR_DELTA_BASELINE);
  assert_int_equal(
      ecs_delta_save(f.sim.world, &(ecs_delta_desc_t){.baseline_tick = ecs_delta_tick(f.sim.world)}, &out, NULL),
      ECS_OK);
  ecs_membuf_free(&snap);
  ecs_membuf_free(&buf);
  fixture_fini(&f);
}

/* An allocator whose N-th call fails, and only that one (a transient
 * shortage: the world can restore itself). */
static void *once_alloc(void *user, size_t size) {
  failing_t *f = user;
  return ++f->calls == f->fail_at ? NULL : malloc(size);
}

static void *once_realloc(void *user, void *ptr, size_t old, size_t size) {
  failing_t *f = user;
  (void)old;
  return ++f->calls == f->fail_at ? NULL : realloc(ptr, size);
}

/* Allocation N of an apply failing, for every N: ECS_ERR_NO_MEMORY and the
 * world unchanged, until it succeeds. Then every allocation from N on
 * failing: the error, and a world that works afterwards. */
static void test_apply_out_of_memory(void **state) {
  (void)state;
  failing_t fa = {0, SIZE_MAX};
  ecs_world_desc_t desc = {.allocator = {once_alloc, once_realloc, f_free, &fa}};
  fixture_t f;
  fixture_init(&f, &desc);
  uint64_t want = ecs_world_checksum(f.sim.world);
  bool done = false;
  size_t n = 1;
  for (; n < 4000 && !done; ++n) {
    fa.calls = 0;
    fa.fail_at = n;
    ecs_status_t st = apply_bytes(f.rx, f.delta.data, f.delta.size, NULL);
    fa.fail_at = SIZE_MAX;
    if (st == ECS_OK && fa.calls < n) {
      done = true;
      assert_int_equal(ecs_world_checksum(f.rx), want);
    } else if (st != ECS_OK) {
      assert_int_equal(st, ECS_ERR_NO_MEMORY);
      assert_int_equal(ecs_world_checksum(f.rx), f.base_sum);
    } else { /* a failure the apply did not need (a cache): the full result */
      assert_int_equal(ecs_world_checksum(f.rx), want);
      fixture_fini(&f);
      fixture_init(&f, &desc);
    }
  }
  assert_true(done);
  assert_true(n > 5);
  fixture_fini(&f);

  /* a lasting shortage: the error, then a full snapshot brings it back */
  failing_t ff = {0, SIZE_MAX};
  ecs_world_desc_t fdesc = {.allocator = failing_allocator(&ff)};
  for (size_t k = 1; k < 200; k += 7) {
    fixture_init(&f, &fdesc);
    ff.calls = 0;
    ff.fail_at = k;
    ecs_status_t st = apply_bytes(f.rx, f.delta.data, f.delta.size, NULL);
    ff.fail_at = SIZE_MAX;
    assert_true(st == ECS_OK || st == ECS_ERR_NO_MEMORY);
    ecs_membuf_t snap = {0};
    ecs_writer_t w = ecs_membuf_writer(&snap);
    assert_int_equal(ecs_snapshot_save(f.sim.world, &w), ECS_OK);
    ecs_memsrc_t src = {.data = snap.data, .size = snap.size};
    ecs_reader_t r = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(f.rx, &r), ECS_OK);
    assert_int_equal(ecs_world_checksum(f.rx), ecs_world_checksum(f.sim.world));
    ecs_membuf_free(&snap);
    fixture_fini(&f);
  }
}

/* Peer deltas: the receiver holds exactly the entities of the sender that
 * pass the interest filter, with their values, under its own handles. */
typedef struct P {
  int32_t x;
} P;

static bool near(const ecs_world_t *w, ecs_entity_t e, void *user) {
  const P *p = ecs_get((ecs_world_t *)w, e, *(const ecs_component_t *)user);
  return p && p->x < 50;
}

static void check_peer(ecs_world_t *tx, ecs_component_t tp, ecs_component_t tt, ecs_world_t *rx, ecs_component_t rp,
                       ecs_component_t rt, const ecs_netmap_t *map) {
  size_t seen = 0;
  ecs_query_t *q = ecs_query_new(tx, &(ecs_query_desc_t){.terms = {{tp, ECS_ACCESS_READ}}});
  ecs_iter_t it = ecs_query_iter(q);
  while (ecs_iter_next(&it)) {
    const P *ps = ecs_field(&it, 0);
    for (int32_t i = 0; i < it.count; ++i) {
      ecs_entity_t local = ecs_netmap_local(map, it.entities[i]);
      if (ps[i].x >= 50) {
        assert_int_equal(local, ECS_ENTITY_NULL);
        continue;
      }
      assert_true(ecs_entity_alive(rx, local));
      assert_int_equal(ecs_netmap_net(map, local), it.entities[i]);
      const P *lp = ecs_get(rx, local, rp);
      assert_non_null(lp);
      assert_int_equal(lp->x, ps[i].x);
      assert_int_equal(ecs_has(rx, local, rt), ecs_has(tx, it.entities[i], tt));
      seen++;
    }
  }
  ecs_query_free(q);
  assert_int_equal(ecs_entity_count(rx), seen);
  assert_int_equal(ecs_netmap_count(map), seen);
}

static void test_peer_interest(void **state) {
  (void)state;
  for (size_t k = 0; k < sizeof KINDS / sizeof KINDS[0]; ++k) {
    ecs_world_t *tx = ecs_world_new(NULL);
    ecs_world_t *rx = ecs_world_new(NULL);
    ecs_component_t tp =
        ecs_component_register(tx, &(ecs_component_desc_t){.name = "P", .size = 4, .storage = KINDS[k]});
    ecs_component_t tt = ecs_component_register(tx, &(ecs_component_desc_t){.name = "Tag", .storage = KINDS[k]});
    ecs_component_t rp = ecs_component_register(rx, &(ecs_component_desc_t){.name = "P", .size = 4});
    ecs_component_t rt = ecs_component_register(rx, &(ecs_component_desc_t){.name = "Tag"});
    assert_int_equal(ecs_delta_enable(tx), ECS_OK);
    ecs_delta_peer_t *peer = ecs_delta_peer_new(tx, near, &tp);
    ecs_netmap_t *map = ecs_netmap_new(rx);
    ecs_entity_t ents[64];
    for (int i = 0; i < 64; ++i) {
      ents[i] = ecs_entity_create(tx);
      assert_int_equal(ecs_set(tx, ents[i], tp, &(P){i * 3 % 100}), ECS_OK);
    }
    uint64_t base = 0;
    uint64_t acked_sum = ecs_world_checksum(rx);
    ecs_membuf_t buf = {0};
    uint32_t rng = 1;
    for (int t = 0; t < 80; ++t) {
      ecs_writer_t out = ecs_membuf_writer(&buf);
      ecs_membuf_reset(&buf);
      uint64_t next;
      assert_int_equal(
          ecs_delta_save(tx, &(ecs_delta_desc_t){.baseline_tick = base, .baseline_checksum = acked_sum, .peer = peer},
                         &out, &next),
          ECS_OK);
      if (t % 3 != 2) { /* every third delta is lost: the next one comes from the older baseline */
        assert_int_equal(apply_bytes(rx, buf.data, buf.size, map), ECS_OK);
        check_peer(tx, tp, tt, rx, rp, rt, map);
        base = next;
        acked_sum = ecs_world_checksum(rx);
        assert_int_equal(ecs_delta_peer_ack(peer, next), ECS_OK);
      }
      /* the sender moves on: moves, tags, deaths and births */
      for (int i = 0; i < 64; ++i) {
        rng = rng * 1103515245u + 12345u;
        uint32_t r = rng >> 16;
        if (!ecs_entity_alive(tx, ents[i])) {
          if (r % 4 == 0) {
            ents[i] = ecs_entity_create(tx);
            assert_int_equal(ecs_set(tx, ents[i], tp, &(P){(int32_t)(r % 100)}), ECS_OK);
          }
          continue;
        }
        if (r % 5 == 0) {
          P *p = ecs_get(tx, ents[i], tp);
          assert_int_equal(ecs_set(tx, ents[i], tp, &(P){(p->x + 17) % 100}), ECS_OK);
        } else if (r % 11 == 0) {
          assert_int_equal(ecs_has(tx, ents[i], tt) ? ecs_remove(tx, ents[i], tt) : ecs_add(tx, ents[i], tt), ECS_OK);
        } else if (r % 23 == 0) {
          assert_int_equal(ecs_entity_destroy(tx, ents[i]), ECS_OK);
        }
      }
    }
    /* unknown ticks */
    ecs_writer_t out = ecs_membuf_writer(&buf);
    assert_int_equal(ecs_delta_save(tx, &(ecs_delta_desc_t){.baseline_tick = 3, .peer = peer}, &out, NULL),
                     ECS_ERR_DELTA_BASELINE);
    assert_int_equal(ecs_delta_peer_ack(peer, 3), ECS_ERR_NOT_FOUND);
    ecs_membuf_free(&buf);
    ecs_netmap_free(map);
    ecs_delta_peer_free(peer);
    ecs_world_free(tx);
    ecs_world_free(rx);
  }
}

/* Hooked components travel through their serialize hooks. */
typedef struct Name {
  char *s;
} Name;

static ecs_status_t name_ser(const void *v, const ecs_writer_t *out, void *user) {
  (void)user;
  const Name *n = v;
  return ecs_write(out, n->s, strlen(n->s));
}

static ecs_status_t name_de(void *dst, const void *data, size_t size, void *user) {
  (void)user;
  Name *n = dst;
  n->s = malloc(size + 1);
  if (!n->s) {
    return ECS_ERR_NO_MEMORY;
  }
  memcpy(n->s, data, size);
  n->s[size] = 0;
  return ECS_OK;
}

static void name_dtor(void *ptr, int32_t count, void *user) {
  (void)user;
  Name *n = ptr;
  for (int32_t i = 0; i < count; ++i) {
    free(n[i].s);
  }
}

static void name_move(void *dst, void *src, int32_t count, void *user) {
  (void)user;
  memcpy(dst, src, (size_t)count * sizeof(Name));
  memset(src, 0, (size_t)count * sizeof(Name));
}

static ecs_component_t reg_name(ecs_world_t *w) {
  return ecs_component_register(w, &(ecs_component_desc_t){.name = "Name",
                                                           .size = sizeof(Name),
                                                           .hooks = {.dtor = name_dtor, .move = name_move},
                                                           .serialize = name_ser,
                                                           .deserialize = name_de});
}

static void test_serialized_values(void **state) {
  (void)state;
  ecs_world_t *tx = ecs_world_new(NULL);
  ecs_world_t *rx = ecs_world_new(NULL);
  ecs_component_t tn = reg_name(tx);
  ecs_component_t rn = reg_name(rx);
  assert_int_equal(ecs_delta_enable(tx), ECS_OK);
  uint64_t base = ecs_delta_tick(tx);
  uint64_t sum = ecs_world_checksum(rx);
  ecs_entity_t e = ecs_entity_create(tx);
  Name v = {malloc(6)};
  memcpy(v.s, "hello", 6);
  assert_int_equal(ecs_set(tx, e, tn, &v), ECS_OK); /* moved in */
  ecs_membuf_t buf = {0};
  save_delta(tx, base, sum, &buf, NULL);
  assert_int_equal(apply_bytes(rx, buf.data, buf.size, NULL), ECS_OK);
  const Name *got = ecs_get(rx, e, rn);
  assert_non_null(got);
  assert_string_equal(got->s, "hello");
  ecs_membuf_free(&buf);
  ecs_world_free(tx);
  ecs_world_free(rx);
}

/* The header's length and CRCs made right for the bytes as they are, so
 * that a change reaches the parser behind them. */
static void reseal(unsigned char *d, size_t n) {
  size_t payload = n - ECS__SNAP_HEADER_SIZE;
  ecs__put_le64(d + 16, payload);
  ecs__put_le32(d + 24, ecs__crc32(0, d + ECS__SNAP_HEADER_SIZE, payload));
  ecs__put_le32(d + 28, ecs__crc32(0, d, 28));
}

/* Every payload byte flipped and every payload prefix, with valid CRCs:
 * refused with the receiver unchanged, or applied (a flipped value byte is
 * a valid value) and then the receiver rebuilt by reset for the next try. */
typedef void (*reset_fn)(void *ctx, ecs_world_t **rx, ecs_netmap_t **map);

static void resealed_sweep(ecs_world_t **rx, ecs_netmap_t **map, const ecs_membuf_t *delta, reset_fn reset, void *ctx) {
  uint64_t before = ecs_world_checksum(*rx);
  size_t mapped = ecs_netmap_count(*map);
  unsigned char *copy = malloc(delta->size);
  assert_non_null(copy);
  size_t refused = 0;
  for (size_t i = ECS__SNAP_HEADER_SIZE; i < 2 * delta->size; ++i) {
    size_t n = delta->size;
    memcpy(copy, delta->data, n);
    if (i < delta->size) {
      copy[i] ^= (unsigned char)(1u << (i % 8));
    } else {
      n = i - delta->size; /* a prefix */
      if (n < ECS__SNAP_HEADER_SIZE) {
        continue;
      }
    }
    reseal(copy, n);
    ecs_status_t st = apply_bytes(*rx, copy, n, *map);
    if (st != ECS_OK) {
      refused++;
      assert_int_equal(ecs_world_checksum(*rx), before);
      assert_int_equal(ecs_netmap_count(*map), mapped);
      assert_true(ecs_last_error(*rx)[0] != '\0');
      continue;
    }
    reset(ctx, rx, map);
    assert_int_equal(ecs_world_checksum(*rx), before);
  }
  assert_true(refused > delta->size / 2);
  free(copy);
}

/* mirror: the receiver's snapshot, loaded back */
static void reset_from_snapshot(void *ctx, ecs_world_t **rx, ecs_netmap_t **map) {
  const ecs_membuf_t *snap = ctx;
  (void)map;
  ecs_memsrc_t src = {.data = snap->data, .size = snap->size};
  ecs_reader_t r = ecs_memreader(&src);
  assert_int_equal(ecs_snapshot_load(*rx, &r), ECS_OK);
}

static void test_resealed_mirror(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f, NULL);
  ecs_membuf_t snap = {0};
  ecs_writer_t w = ecs_membuf_writer(&snap);
  assert_int_equal(ecs_snapshot_save(f.rx, &w), ECS_OK);
  ecs_netmap_t *none = NULL;
  resealed_sweep(&f.rx, &none, &f.delta, reset_from_snapshot, &snap);
  ecs_membuf_free(&snap);
  assert_int_equal(apply_bytes(f.rx, f.delta.data, f.delta.size, NULL), ECS_OK);
  assert_int_equal(ecs_world_checksum(f.rx), ecs_world_checksum(f.sim.world));
  fixture_fini(&f);
}

/* peer: a new receiver and map, given the deltas applied so far */
typedef struct peer_hist_t {
  ecs_membuf_t applied[2];
  int n;
} peer_hist_t;

static void reset_peer(void *ctx, ecs_world_t **rx, ecs_netmap_t **map) {
  const peer_hist_t *h = ctx;
  ecs_netmap_free(*map);
  ecs_world_free(*rx);
  *rx = ecs_world_new(NULL);
  ecs_component_register(*rx, &(ecs_component_desc_t){.name = "P", .size = 4});
  ecs_component_register(*rx, &(ecs_component_desc_t){.name = "Tag"});
  *map = ecs_netmap_new(*rx);
  for (int i = 0; i < h->n; ++i) {
    assert_int_equal(apply_bytes(*rx, h->applied[i].data, h->applied[i].size, *map), ECS_OK);
  }
}

static void test_resealed_peer(void **state) {
  (void)state;
  ecs_world_t *tx = ecs_world_new(NULL);
  ecs_world_t *rx = ecs_world_new(NULL);
  ecs_component_t tp = ecs_component_register(tx, &(ecs_component_desc_t){.name = "P", .size = 4});
  ecs_component_t tt = ecs_component_register(tx, &(ecs_component_desc_t){.name = "Tag"});
  ecs_component_register(rx, &(ecs_component_desc_t){.name = "P", .size = 4});
  ecs_component_register(rx, &(ecs_component_desc_t){.name = "Tag"});
  assert_int_equal(ecs_delta_enable(tx), ECS_OK);
  ecs_delta_peer_t *peer = ecs_delta_peer_new(tx, NULL, NULL); /* sees everything */
  ecs_netmap_t *map = ecs_netmap_new(rx);
  ecs_entity_t e[6];
  for (int i = 0; i < 6; ++i) {
    e[i] = ecs_entity_create(tx);
    assert_int_equal(ecs_set(tx, e[i], tp, &(P){i}), ECS_OK);
    if (i % 2) {
      assert_int_equal(ecs_add(tx, e[i], tt), ECS_OK);
    }
  }
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  uint64_t t1;
  assert_int_equal(
      ecs_delta_save(tx, &(ecs_delta_desc_t){.baseline_checksum = ecs_world_checksum(rx), .peer = peer}, &out, &t1),
      ECS_OK);
  peer_hist_t hist = {0};
  resealed_sweep(&rx, &map, &buf, reset_peer, &hist);
  assert_int_equal(apply_bytes(rx, buf.data, buf.size, map), ECS_OK);
  assert_int_equal(ecs_netmap_count(map), 6);
  ecs_writer_t keep = ecs_membuf_writer(&hist.applied[hist.n++]);
  assert_int_equal(ecs_write(&keep, buf.data, buf.size), ECS_OK);
  /* a second delta: a destroy, a slot reused, a removal, a value */
  assert_int_equal(ecs_entity_destroy(tx, e[0]), ECS_OK);
  ecs_entity_t again = ecs_entity_create(tx);
  assert_int_equal(ECS_ENTITY_INDEX(again), ECS_ENTITY_INDEX(e[0]));
  assert_int_equal(ecs_set(tx, again, tp, &(P){42}), ECS_OK);
  assert_int_equal(ecs_remove(tx, e[1], tt), ECS_OK);
  assert_int_equal(ecs_set(tx, e[2], tp, &(P){7}), ECS_OK);
  ecs_membuf_reset(&buf);
  uint64_t t2;
  assert_int_equal(
      ecs_delta_save(
          tx, &(ecs_delta_desc_t){.baseline_tick = t1, .baseline_checksum = ecs_world_checksum(rx), .peer = peer}, &out,
          &t2),
      ECS_OK);
  resealed_sweep(&rx, &map, &buf, reset_peer, &hist);
  ecs_delta_info_t info;
  ecs_memsrc_t src = {.data = buf.data, .size = buf.size};
  ecs_reader_t in = ecs_memreader(&src);
  assert_int_equal(ecs_delta_apply(rx, &in, map, &info), ECS_OK);
  assert_int_equal(info.destroyed, 1);
  assert_int_equal(info.created, 1);
  assert_int_equal(ecs_netmap_local(map, e[0]), ECS_ENTITY_NULL);
  ecs_entity_t mine = ecs_netmap_local(map, again);
  assert_int_equal(((P *)ecs_get(rx, mine, 1))->x, 42);
  assert_false(ecs_has(rx, ecs_netmap_local(map, e[1]), 2));
  assert_int_equal(((P *)ecs_get(rx, ecs_netmap_local(map, e[2]), 1))->x, 7);
  /* a map of another world, a peer of another world, a second save of a tick */
  ecs_netmap_t *other = ecs_netmap_new(tx);
  ecs_memsrc_t src2 = {.data = buf.data, .size = buf.size};
  ecs_reader_t in2 = ecs_memreader(&src2);
  assert_int_equal(ecs_delta_apply(rx, &in2, other, NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_netmap_free(other);
  ecs_delta_peer_t *foreign = ecs_delta_peer_new(rx, NULL, NULL);
  assert_int_equal(ecs_delta_save(tx, &(ecs_delta_desc_t){.peer = foreign}, &out, NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_delta_peer_free(foreign);
  assert_int_equal(ecs_delta_save(tx, &(ecs_delta_desc_t){.baseline_tick = t1, .peer = peer}, &out, NULL), ECS_OK);
  assert_int_equal(ecs_delta_peer_ack(peer, t2), ECS_OK);
  assert_int_equal(ecs_delta_peer_ack(peer, t1), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_delta_peer_ack(NULL, t1), ECS_ERR_INVALID_ARGUMENT);
  /* a mirror receiver given a peer delta */
  assert_int_equal(apply_bytes(rx, buf.data, buf.size, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_null(ecs_netmap_new(NULL));
  assert_null(ecs_delta_peer_new(NULL, NULL, NULL));
  assert_int_equal(ecs_netmap_count(NULL), 0);
  assert_int_equal(ecs_netmap_net(NULL, mine), 0);
  assert_int_equal(ecs_netmap_local(NULL, 1), ECS_ENTITY_NULL);
  ecs_membuf_free(&buf);
  ecs_membuf_free(&hist.applied[0]);
  ecs_netmap_free(map);
  ecs_delta_peer_free(peer);
  ecs_world_free(tx);
  ecs_world_free(rx);
}

/* Saves and applies through streams (FILE*), hooked resources, a hook
 * that fails, and every allocation of enable and save failing from N on. */
static ecs_status_t failing_ser(const void *v, const ecs_writer_t *out, void *user) {
  (void)v, (void)out, (void)user;
  return ECS_ERR_IO;
}

static void test_streams_resources_and_save_failures(void **state) {
  (void)state;
  ecs_world_t *tx = ecs_world_new(NULL);
  ecs_world_t *rx = ecs_world_new(NULL);
  ecs_component_t tn = reg_name(tx);
  ecs_component_t rn = reg_name(rx);
  assert_true(ecs_component_register(tx, &(ecs_component_desc_t){.name = "R", .size = 8}) != 0);
  ecs_component_t rr = ecs_component_register(rx, &(ecs_component_desc_t){.name = "R", .size = 8});
  assert_int_equal(ecs_resource_set(rx, rr, &(uint64_t){5}), ECS_OK); /* the delta removes it */
  assert_int_equal(ecs_delta_enable(tx), ECS_OK);
  assert_int_equal(ecs_delta_enable(tx), ECS_OK); /* again: nothing */
  uint64_t base = ecs_delta_tick(tx);
  Name v = {malloc(4)};
  memcpy(v.s, "res", 4);
  assert_int_equal(ecs_resource_set(tx, tn, &v), ECS_OK);
  FILE *f = tmpfile();
  assert_non_null(f);
  ecs_writer_t fw = ecs_file_writer(f);
  assert_int_equal(
      ecs_delta_save(tx, &(ecs_delta_desc_t){.baseline_tick = base, .baseline_checksum = ecs_world_checksum(rx)}, &fw,
                     NULL),
      ECS_OK);
  rewind(f);
  ecs_reader_t fr = ecs_file_reader(f);
  assert_int_equal(ecs_delta_apply(rx, &fr, NULL, NULL), ECS_OK);
  assert_string_equal(((Name *)ecs_resource_get(rx, rn))->s, "res");
  assert_false(ecs_resource_has(rx, rr));
  fclose(f);
  /* a serialize hook that fails: the save fails, nothing written */
  ecs_world_t *bad = ecs_world_new(NULL);
  ecs_component_t bc = ecs_component_register(
      bad, &(ecs_component_desc_t){.name = "B", .size = 4, .serialize = failing_ser, .deserialize = name_de});
  assert_int_equal(ecs_delta_enable(bad), ECS_OK);
  uint64_t bb = ecs_delta_tick(bad);
  ecs_entity_t be = ecs_entity_create(bad);
  assert_int_equal(ecs_set(bad, be, bc, &(int32_t){1}), ECS_OK);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_delta_save(bad, &(ecs_delta_desc_t){.baseline_tick = bb}, &out, NULL), ECS_ERR_IO);
  assert_int_equal(buf.size, 0);
  assert_int_equal(ecs_delta_save(NULL, NULL, NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_delta_enable(NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_delta_tick(NULL), 0);
  ecs_world_free(bad);
  ecs_membuf_free(&buf);
  ecs_world_free(tx);
  ecs_world_free(rx);

  /* allocation failures from N on during enable, structural changes and
   * saves: clean errors, and a save that succeeds later is right */
  for (size_t n = 1; n < 60; ++n) {
    failing_t fa = {0, SIZE_MAX};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.allocator = failing_allocator(&fa)});
    ecs_world_t *copy = ecs_world_new(NULL);
    ecs_component_t c = ecs_component_register(w, &(ecs_component_desc_t){.name = "P", .size = 4});
    ecs_component_register(copy, &(ecs_component_desc_t){.name = "P", .size = 4});
    fa.calls = 0;
    fa.fail_at = n;
    ecs_status_t st = ecs_delta_enable(w);
    uint64_t b = ecs_delta_tick(w);
    uint64_t sum = ecs_world_checksum(copy);
    for (int i = 0; i < 2000 && st == ECS_OK; ++i) { /* grows the records past their first size */
      ecs_entity_t e = ecs_entity_create(w);
      if (e && ecs_set(w, e, c, &(P){i}) != ECS_OK) {
        break;
      }
    }
    ecs_membuf_t mb = {0};
    ecs_writer_t mo = ecs_membuf_writer(&mb);
    ecs_status_t ss =
        st == ECS_OK ? ecs_delta_save(w, &(ecs_delta_desc_t){.baseline_tick = b, .baseline_checksum = sum}, &mo, NULL)
                     : st;
    fa.fail_at = SIZE_MAX;
    assert_true(ss == ECS_OK || ss == ECS_ERR_NO_MEMORY || ss == ECS_ERR_DELTA_BASELINE);
    if (st == ECS_OK && ss != ECS_OK) {
      assert_int_equal(mb.size, 0);
      ecs_membuf_reset(&mb);
      ss = ecs_delta_save(w, &(ecs_delta_desc_t){.baseline_tick = b, .baseline_checksum = sum}, &mo, NULL);
      assert_true(ss == ECS_OK || ss == ECS_ERR_DELTA_BASELINE); /* a lost record refuses old baselines */
    }
    if (ss == ECS_OK) {
      assert_int_equal(apply_bytes(copy, mb.data, mb.size, NULL), ECS_OK);
      assert_int_equal(ecs_world_checksum(copy), ecs_world_checksum(w));
    }
    ecs_membuf_free(&mb);
    ecs_world_free(copy);
    ecs_world_free(w);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_mirror_every_kind),
      cmocka_unit_test(test_truncated_and_flipped),
      cmocka_unit_test(test_wrong_baseline_and_arguments),
      cmocka_unit_test(test_apply_out_of_memory),
      cmocka_unit_test(test_peer_interest),
      cmocka_unit_test(test_serialized_values),
      cmocka_unit_test(test_resealed_mirror),
      cmocka_unit_test(test_resealed_peer),
      cmocka_unit_test(test_streams_resources_and_save_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
