/* Snapshot loads that must fail, each with its precise code and the target
 * world exactly as before (by checksum): truncation at every length, every
 * byte flipped, header fields, schema mismatches, failing hooks, every
 * allocation failing in turn, a load during a tick, bad arguments. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/failing_alloc.h"
#include "support/snapshot_world.h"

static void test_truncated_at_every_length(void **state) {
  (void)state;
  target_t t;
  target_init(&t, NULL);
  for (size_t len = 0; len < t.snap.size; ++len) {
    expect_load(&t, t.snap.data, len, ECS_ERR_SNAPSHOT_CORRUPT, "truncated", len);
  }
  expect_load(&t, NULL, 0, ECS_ERR_SNAPSHOT_CORRUPT, "no data", 0);
  target_fini(&t);
}

static void test_every_byte_flipped(void **state) {
  (void)state;
  target_t t;
  target_init(&t, NULL);
  uint8_t *copy = malloc(t.snap.size);
  assert_non_null(copy);
  const uint8_t masks[] = {0xff, 0x01, 0x80};
  for (size_t m = 0; m < sizeof masks; ++m) {
    for (size_t i = 0; i < t.snap.size; ++i) {
      memcpy(copy, t.snap.data, t.snap.size);
      copy[i] ^= masks[m];
      /* the version bytes are read before any checksum: another version */
      ecs_status_t want = (i == 8 || i == 9) ? ECS_ERR_SNAPSHOT_VERSION : ECS_ERR_SNAPSHOT_CORRUPT;
      expect_load(&t, copy, t.snap.size, want, "flipped byte", i);
    }
  }
  free(copy);
  target_fini(&t);
}

static void test_header_checks(void **state) {
  (void)state;
  target_t t;
  target_init(&t, NULL);
  uint8_t *s = malloc(t.snap.size);
  assert_non_null(s);
  uint64_t len = ecs__le64(t.snap.data + 16);
  struct {
    size_t at, width;
    uint64_t value;
    ecs_status_t want;
  } cases[] = {
      {0, 1, 'X', ECS_ERR_SNAPSHOT_CORRUPT},                /* magic */
      {8, 2, 3, ECS_ERR_SNAPSHOT_VERSION},                  /* format version 3 (newer) */
      {8, 2, 0, ECS_ERR_SNAPSHOT_VERSION},                  /* format version 0 */
      {10, 1, 3, ECS_ERR_SNAPSHOT_CORRUPT},                 /* byte order */
      {11, 1, 1, ECS_ERR_SNAPSHOT_CORRUPT},                 /* reserved */
      {12, 4, 1, ECS_ERR_SNAPSHOT_VERSION},                 /* unknown flag */
      {16, 8, len - 1, ECS_ERR_SNAPSHOT_CORRUPT},           /* payload length short */
      {16, 8, len + 1, ECS_ERR_SNAPSHOT_CORRUPT},           /* payload length long */
      {16, 8, (uint64_t)1 << 40, ECS_ERR_SNAPSHOT_CORRUPT}, /* payload length huge */
      {16, 8, UINT64_MAX, ECS_ERR_SNAPSHOT_CORRUPT},        /* payload length huger */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    memcpy(s, t.snap.data, t.snap.size);
    for (size_t b = 0; b < cases[i].width; ++b) {
      s[cases[i].at + b] = (uint8_t)(cases[i].value >> (8 * b));
    }
    ecs__put_le32(s + 28, ecs__crc32(0, s, 28));
    expect_load(&t, s, t.snap.size, cases[i].want, "header case", i);
  }
  /* raw values saved on a host of the other byte order */
  memcpy(s, t.snap.data, t.snap.size);
  s[10] = s[10] == ECS__SNAP_LITTLE_ENDIAN ? ECS__SNAP_BIG_ENDIAN : ECS__SNAP_LITTLE_ENDIAN;
  reseal(s);
  expect_load(&t, s, t.snap.size, ECS_ERR_SNAPSHOT_SCHEMA, "byte order", 10);
  assert_non_null(strstr(ecs_last_error(t.f.w), "other byte order"));
  /* a payload edited and resealed: the parser's own checks */
  memcpy(s, t.snap.data, t.snap.size);
  ecs__put_le32(s + ECS__SNAP_HEADER_SIZE, 9); /* the first section's id */
  reseal(s);
  expect_load(&t, s, t.snap.size, ECS_ERR_SNAPSHOT_CORRUPT, "section id", 0);
  free(s);
  target_fini(&t);
}

/* Offset of the body of payload section k (0-based). */
static size_t section_body(const uint8_t *snap, int k) {
  size_t at = ECS__SNAP_HEADER_SIZE;
  for (int i = 0; i < k; ++i) {
    at += ECS__SNAP_SECTION_HEADER_SIZE + (size_t)ecs__le64(snap + at + 4);
  }
  return at + ECS__SNAP_SECTION_HEADER_SIZE;
}

/* Offset of the first archetype table with at least two components. */
static size_t wide_table(const uint8_t *snap) {
  size_t at = section_body(snap, 2) + 4;
  for (;;) {
    uint32_t n = ecs__le32(snap + at);
    if (n >= 2) {
      return at;
    }
    uint32_t rows = ecs__le32(snap + at + 4 + 4 * n);
    at += 8 + 4 * (size_t)n + 4 * (size_t)rows;
  }
}

/* Edits behind valid checksums: the parser's own checks. The target's
 * snapshot: 12 entities, slots 7 then 2 on the free list; schema entries
 * of 27 bytes for 5-letter names; pos_t values first (slot + 8 bytes). */
static void test_resealed_edits(void **state) {
  (void)state;
  target_t t;
  target_init(&t, NULL);
  uint8_t *s = malloc(t.snap.size);
  assert_non_null(s);
  const size_t schema = section_body(t.snap.data, 0), ents = section_body(t.snap.data, 1);
  const size_t tables = section_body(t.snap.data, 2), values = section_body(t.snap.data, 3);
  const size_t res = section_body(t.snap.data, 4), wide = wide_table(t.snap.data);
  const uint32_t nres = ecs__le32(t.snap.data + res);
  const uint32_t first_entity = ecs__le32(t.snap.data + values + 4);
  struct {
    const char *what;
    size_t at;
    uint32_t value;
    const char *bytes; /* written instead of value */
  } cases[] = {
      {"schema count huge", schema, UINT32_MAX, NULL},
      {"schema name empty", schema + 4, 0, NULL},
      {"schema duplicate name", schema + 4 + 27 + 2, 0, "pos_t"}, /* the 2nd entry's "vel_t" */
      {"slot count 0", ents, 0, NULL},
      {"free head out of range", ents + 4, 13, NULL},
      {"free list empty", ents + 4, 0, NULL},
      {"free list cycle", ents + 8 + 6 * 8 + 4, 7, NULL},
      {"live slot with a next", ents + 8 + 4, 3, NULL},
      {"table count huge", tables, UINT32_MAX, NULL},
      {"table type index", tables + 8, 200, NULL},
      {"table component twice", wide + 8, ecs__le32(t.snap.data + wide + 4), NULL},
      {"value count huge", values, UINT32_MAX, NULL},
      {"value of slot 0", values + 4, 0, NULL},
      {"value of a dead slot", values + 4, 2, NULL},
      {"value twice", values + 4 + 12, first_entity, NULL},
      {"resource count", res, nres + 1, NULL},
      {"resource of a transient", res + 4, 7, NULL},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    memcpy(s, t.snap.data, t.snap.size);
    if (cases[i].bytes) {
      memcpy(s + cases[i].at, cases[i].bytes, strlen(cases[i].bytes));
    } else {
      ecs__put_le32(s + cases[i].at, cases[i].value);
    }
    reseal(s);
    expect_load(&t, s, t.snap.size, ECS_ERR_SNAPSHOT_CORRUPT, cases[i].what, i);
  }
  free(s);
  target_fini(&t);
}

/* Values of ARCHETYPE components go straight into the rows the table
 * section placed: a value moved to an entity whose row has no such column
 * leaves a row without its value; a value given twice to one row is
 * refused. Either way nothing leaks (the component's values own memory)
 * and the target is as before. */
static int boxed_live;

static void boxed_copy(void *dst, const void *src, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    int32_t *p = malloc(sizeof *p);
    assert_non_null(p);
    *p = **(int32_t *const *)((const char *)src + (size_t)i * sizeof p);
    ((int32_t **)dst)[i] = p;
    boxed_live++;
  }
}

static void boxed_dtor(void *ptr, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    free(((int32_t **)ptr)[i]);
    boxed_live--;
  }
}

static ecs_status_t boxed_serialize(const void *value, const ecs_writer_t *out, void *user) {
  (void)user;
  return ecs_write(out, *(int32_t *const *)value, sizeof(int32_t));
}

static ecs_status_t boxed_deserialize(void *dst, const void *data, size_t size, void *user) {
  (void)user;
  if (size != sizeof(int32_t)) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  int32_t *p = malloc(sizeof *p);
  assert_non_null(p);
  memcpy(p, data, sizeof *p);
  *(int32_t **)dst = p;
  boxed_live++;
  return ECS_OK;
}

static ecs_world_t *boxed_world(ecs_component_t *boxed, ecs_component_t *tag) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_desc_t d = {.name = "boxed",
                            .size = sizeof(int32_t *),
                            .hooks = {.copy = boxed_copy, .dtor = boxed_dtor},
                            .serialize = boxed_serialize,
                            .deserialize = boxed_deserialize};
  *boxed = ecs_component_register(w, &d);
  *tag = ecs_component_register(w, &(ecs_component_desc_t){.name = "tag"});
  assert_int_not_equal(*boxed, ECS_COMPONENT_NULL);
  return w;
}

static void test_rows_and_values(void **state) {
  (void)state;
  ecs_component_t boxed, tag;
  ecs_world_t *src = boxed_world(&boxed, &tag);
  ecs_entity_t e[6];
  for (int32_t i = 0; i < 6; ++i) {
    e[i] = ecs_entity_create(src);
    int32_t v = 100 + i, *p = &v;
    if (i < 4) {
      assert_int_equal(ecs_set(src, e[i], boxed, &p), ECS_OK);
    }
    if (i % 2 == 0) {
      assert_int_equal(ecs_add(src, e[i], tag), ECS_OK);
    }
  }
  ecs_membuf_t snap = {0};
  ecs_writer_t out = ecs_membuf_writer(&snap);
  assert_int_equal(ecs_snapshot_save(src, &out), ECS_OK);
  /* the boxed values: schema index 0, so the first list of the values
   * section: count, then slot, length and 4 bytes per value */
  const size_t values = section_body(snap.data, 3);
  assert_int_equal(ecs__le32(snap.data + values), 4);
  const size_t first = values + 4, second = first + 12;
  ecs_component_t tb, tt;
  ecs_world_t *dst = boxed_world(&tb, &tt);
  ecs_entity_t keep = ecs_entity_create(dst);
  assert_int_equal(ecs_set(dst, keep, tb, &(int32_t *){&(int32_t){7}}), ECS_OK);
  uint64_t sum = ecs_world_checksum(dst);
  int live = boxed_live;
  struct {
    const char *what;
    size_t at;
    uint32_t slot;
  } cases[] = {
      {"a value moved off its row", first, ECS_ENTITY_INDEX(e[5])}, /* e[5] holds no boxed */
      {"a value twice for one row", second, ECS_ENTITY_INDEX(e[0])},
      {"the last value twice", second + 24, ECS_ENTITY_INDEX(e[1])},
  };
  uint8_t *s = malloc(snap.size);
  assert_non_null(s);
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    memcpy(s, snap.data, snap.size);
    ecs__put_le32(s + cases[i].at, cases[i].slot);
    reseal(s);
    for (int via_host = 0; via_host < 2; ++via_host) {
      ecs_memsrc_t m = {s, snap.size, 0};
      ecs_reader_t in = via_host ? (ecs_reader_t){host_read, &m} : ecs_memreader(&m);
      assert_int_equal(ecs_snapshot_load(dst, &in), ECS_ERR_SNAPSHOT_CORRUPT);
      if (i == 0) {
        assert_non_null(strstr(ecs_last_error(dst), "a table row without its value"));
      }
      assert_true(ecs_world_checksum(dst) == sum);
      assert_int_equal(boxed_live, live);
    }
  }
  /* the snapshot itself loads, values in their rows */
  ecs_memsrc_t m = {snap.data, snap.size, 0};
  ecs_reader_t in = ecs_memreader(&m);
  assert_int_equal(ecs_snapshot_load(dst, &in), ECS_OK);
  for (int32_t i = 0; i < 4; ++i) {
    assert_int_equal(**(int32_t **)ecs_get(dst, e[i], tb), 100 + i);
    assert_true(ecs_has(dst, e[i], tt) == (i % 2 == 0));
  }
  free(s);
  ecs_membuf_free(&snap);
  ecs_world_free(src);
  ecs_world_free(dst);
  assert_int_equal(boxed_live, 0);
}

/* One world saves with a component definition, the target has another. */
static void expect_schema_error(const ecs_component_desc_t *saved, const ecs_component_desc_t *target,
                                const char *detail) {
  ecs_world_t *src = ecs_world_new(NULL), *dst = ecs_world_new(NULL);
  ecs_component_t c = ecs_component_register(src, saved);
  ecs_component_register_type(dst, "other", 4, 0);
  if (target) {
    assert_true(ecs_component_register(dst, target) != ECS_COMPONENT_NULL);
  }
  assert_int_equal(ecs_set(src, ecs_entity_create(src), c, &(uint64_t){5}), ECS_OK);
  ecs_set(dst, ecs_entity_create(dst), ecs_component_lookup(dst, "other"), &(int){1});
  uint64_t before = ecs_world_checksum(dst);
  ecs_membuf_t buf = snapshot_of(src);
  assert_int_equal(load_from(dst, buf.data, buf.size), ECS_ERR_SNAPSHOT_SCHEMA);
  assert_non_null(strstr(ecs_last_error(dst), detail));
  assert_int_equal(ecs_world_checksum(dst), before);
  ecs_membuf_free(&buf);
  ecs_world_free(src);
  ecs_world_free(dst);
}

static ecs_status_t u64_deserialize(void *dst, const void *data, size_t size, void *user) {
  (void)user;
  if (size != 8) {
    return ECS_ERR_SNAPSHOT_CORRUPT;
  }
  memcpy(dst, data, 8);
  return ECS_OK;
}

static ecs_status_t u64_serialize(const void *value, const ecs_writer_t *out, void *user) {
  (void)user;
  return ecs_write(out, value, 8);
}

/* A slot alive at generation 2^31-2, reached through a crafted snapshot:
 * destroyed, it is retired (entity.h) and 2^31-1 is never handed out. The
 * world saves and loads again with the retired slot. */
static void test_generation_limit_through_snapshot(void **state) {
  (void)state;
  ecs_world_t *src = ecs_world_new(NULL);
  ecs_entity_t keep = ecs_entity_create(src);
  ecs_entity_t old = ecs_entity_create(src);
  ecs_membuf_t snap = snapshot_of(src);
  ecs_world_free(src);
  const size_t ents = section_body(snap.data, 1);
  const size_t word = ents + 8 + 8 * (ECS_ENTITY_INDEX(old) - 1);
  ecs__put_le32(snap.data + word, (ECS__GENERATION_MAX - 1) | ECS__SNAP_ALIVE_BIT);
  reseal(snap.data);
  ecs_world_t *w = ecs_world_new(NULL);
  assert_int_equal(load_from(w, snap.data, snap.size), ECS_OK);
  ecs_entity_t aged = ECS_ENTITY_MAKE(ECS_ENTITY_INDEX(old), ECS__GENERATION_MAX - 1);
  assert_true(ecs_entity_alive(w, aged));
  assert_int_equal(ecs_entity_destroy(w, aged), ECS_OK);
  for (int i = 0; i < 4; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    if (ECS_ENTITY_INDEX(e) == ECS_ENTITY_INDEX(old)) {
      fail_msg("the slot was reused at generation 0x%x", ECS_ENTITY_GENERATION(e));
    }
  }
  assert_false(ecs_entity_alive(w, ECS_ENTITY_MAKE(ECS_ENTITY_INDEX(old), ECS__GENERATION_MAX)));
  assert_true(ecs_entity_alive(w, keep));
  ecs_membuf_t again = snapshot_of(w);
  ecs_world_t *w2 = ecs_world_new(NULL);
  assert_int_equal(load_from(w2, again.data, again.size), ECS_OK);
  assert_int_equal(ecs_world_checksum(w2), ecs_world_checksum(w));
  ecs_world_free(w2);
  ecs_world_free(w);
  ecs_membuf_free(&again);
  ecs_membuf_free(&snap);
}

/* The change-detection section, edited behind valid checksums: each edit
 * is refused as corrupt and the world stays as it was. */
static void test_change_section_checks(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t a = ecs_component_register_type(w, "a", 4, 0);
  ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{a, ECS_CHANGED(ECS_ACCESS_READ)}}});
  assert_non_null(q); /* a is tracked: its ticks are saved */
  ecs_entity_t e[3];
  for (int i = 0; i < 3; ++i) {
    e[i] = ecs_entity_create(w);
    ecs_set(w, e[i], a, &(int32_t){i});
  }
  ecs_entity_destroy(w, e[1]);
  ecs_membuf_t good = snapshot_of(w);
  const size_t body = section_body(good.data, 6);
  /* u64 counter, u32 count = 1, u32 schema index, u32 n = 2, then (u32 slot, u64 changed, u64 added) x 2 */
  assert_int_equal(ecs__le64(good.data + body - 8), 8 + 4 + 4 + 4 + 2 * 20);
  assert_int_equal(ecs__le32(good.data + body + 8), 1);
  uint64_t counter = ecs__le64(good.data + body);
  uint8_t *s = malloc(good.size);
  assert_non_null(s);
  uint64_t sum = ecs_world_checksum(w);
  struct {
    const char *what;
    size_t at, width;
    uint64_t value;
  } edits[] = {
      {"counter below a tick", body, 8, 0},          {"schema index out of range", body + 12, 4, 7},
      {"entry count too large", body + 16, 4, 1000}, {"a dead slot", body + 20, 4, ECS_ENTITY_INDEX(e[1])},
      {"a slot out of range", body + 20, 4, 99},     {"a change tick above the counter", body + 24, 8, counter + 1},
      {"component count too large", body + 8, 4, 2},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; ++i) {
    memcpy(s, good.data, good.size);
    for (size_t k = 0; k < edits[i].width; ++k) {
      s[edits[i].at + k] = (uint8_t)(edits[i].value >> (8 * k));
    }
    reseal(s);
    ecs_status_t st = load_from(w, s, good.size);
    if (st != ECS_ERR_SNAPSHOT_CORRUPT || ecs_world_checksum(w) != sum) {
      fail_msg("%s: %s, world %s", edits[i].what, ecs_err_name(st), ecs_world_checksum(w) == sum ? "same" : "changed");
    }
  }
  assert_int_equal(load_from(w, good.data, good.size), ECS_OK);
  free(s);
  ecs_membuf_free(&good);
  ecs_world_free(w);
}

static ecs_status_t noop_system(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

/* Format versions: a version 1 snapshot (no scheduler section) still loads;
 * a section table that does not fit its version is corrupt; a bad scheduler
 * section is corrupt and leaves world and scheduler as they were. */
static void test_format_versions(void **state) {
  (void)state;
  target_t t;
  target_init(&t, NULL);
  assert_int_equal(ecs__le16(t.snap.data + 8), ECS_SNAPSHOT_FORMAT_VERSION);
  const size_t sched = section_body(t.snap.data, 5);
  /* the target's source has no scheduler: section 6 is a u32 0 */
  assert_int_equal(ecs__le64(t.snap.data + sched - 8), 4);
  assert_int_equal(ecs__le32(t.snap.data + sched), 0);

  /* version 1: the same bytes without section 6 */
  size_t v1_size = sched - ECS__SNAP_SECTION_HEADER_SIZE;
  uint8_t *v1 = malloc(t.snap.size);
  assert_non_null(v1);
  memcpy(v1, t.snap.data, v1_size);
  v1[8] = 1;
  ecs__put_le64(v1 + 16, v1_size - ECS__SNAP_HEADER_SIZE);
  reseal(v1);
  fx_t a;
  fx_t b;
  fx_init(&a, NULL);
  fx_init(&b, NULL);
  assert_int_equal(load_from(a.w, v1, v1_size), ECS_OK);
  assert_int_equal(load_from(b.w, t.snap.data, t.snap.size), ECS_OK);
  assert_same_state(&a, &b);
  fx_fini(&a);
  fx_fini(&b);

  /* version 1 header over version 2 sections, version 2 without section 6 */
  uint8_t *s = malloc(t.snap.size);
  assert_non_null(s);
  memcpy(s, t.snap.data, t.snap.size);
  s[8] = 1;
  reseal(s);
  expect_load(&t, s, t.snap.size, ECS_ERR_SNAPSHOT_CORRUPT, "version 1 with six sections", 0);
  v1[8] = 2;
  reseal(v1);
  expect_load(&t, v1, v1_size, ECS_ERR_SNAPSHOT_CORRUPT, "version 2 with five sections", 0);
  free(v1);

  /* a scheduler section with one entry, edited behind valid checksums */
  ecs_scheduler_builder_t *bld = ecs_scheduler_builder_new(t.f.w);
  ecs_group_t g = ecs_builder_add_group(bld, &(ecs_group_desc_t){.name = "grp", .fixed_dt = 0.25});
  ecs_builder_add_system(bld, g, &(ecs_system_desc_t){.name = "sys", .callback = noop_system});
  ecs_scheduler_t *sch = NULL;
  assert_int_equal(ecs_scheduler_build(bld, &sch), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(sch, 0.3, NULL), ECS_OK); /* accumulator 0.05 */
  t.checksum = ecs_world_checksum(t.f.w);
  ecs_membuf_t good = snapshot_of(t.f.w);
  free(s);
  s = malloc(good.size);
  assert_non_null(s);
  const size_t body = section_body(good.data, 5);
  /* u32 count, u64 tick, u32 groups, u16 3 "grp", u64 acc, u32 systems, u16 3 "sys", u32 streak, u32 flags,
   * u64 position */
  assert_int_equal(ecs__le64(good.data + body - 8), 4 + 8 + 4 + 5 + 8 + 4 + 5 + 4 + 4 + 8);
  const size_t acc = body + 4 + 8 + 4 + 5, flags = body + 4 + 8 + 4 + 5 + 8 + 4 + 5 + 4;
  struct {
    const char *what;
    size_t at;
    uint64_t value;
    size_t width;
  } edits[] = {
      {"entry count", body, 2, 4},
      {"group count", body + 12, 5, 4},
      {"group name length", body + 16, 0, 2},
      {"accumulator NaN", acc, 0x7ff8000000000000ull, 8},
      {"accumulator negative", acc, 0xbff0000000000000ull, 8},
      {"accumulator infinite", acc, 0x7ff0000000000000ull, 8},
      {"unknown system flag", flags, 2, 4},
  };
  for (size_t i = 0; i < sizeof edits / sizeof edits[0]; ++i) {
    memcpy(s, good.data, good.size);
    for (size_t k = 0; k < edits[i].width; ++k) {
      s[edits[i].at + k] = (uint8_t)(edits[i].value >> (8 * k));
    }
    reseal(s);
    expect_load(&t, s, good.size, ECS_ERR_SNAPSHOT_CORRUPT, edits[i].what, i);
    assert_int_equal(ecs_scheduler_tick_count(sch), 1);
  }
  /* the good one restores the state: tick count and accumulator */
  assert_int_equal(ecs_scheduler_tick(sch, 0.0, NULL), ECS_OK);
  assert_int_equal(load_from(t.f.w, good.data, good.size), ECS_OK);
  assert_int_equal(ecs_scheduler_tick_count(sch), 1);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(sch, 0.2, &r), ECS_OK); /* 0.05 + 0.2 = one step */
  assert_int_equal(r.groups[0].runs, 1);
  assert_int_equal(load_from(t.f.w, good.data, good.size), ECS_OK);
  t.checksum = ecs_world_checksum(t.f.w);
  ecs_scheduler_free(sch);
  ecs_membuf_free(&good);
  free(s);
  target_fini(&t);
}

static void test_schema_mismatches(void **state) {
  (void)state;
  const ecs_component_desc_t v8 = {.name = "value", .size = 8};
  expect_schema_error(&v8, NULL, "not registered in the world: 'value'");
  expect_schema_error(&v8, &(ecs_component_desc_t){.name = "value", .size = 16}, "size 8 alignment 8");
  expect_schema_error(&v8, &(ecs_component_desc_t){.name = "value", .size = 8, .alignment = 4}, "alignment");
  expect_schema_error(&v8, &(ecs_component_desc_t){.name = "value", .size = 8, .version = 1}, "no migrate hook");
  expect_schema_error(&(ecs_component_desc_t){.name = "value", .size = 8, .version = 3},
                      &(ecs_component_desc_t){.name = "value", .size = 8, .version = 2}, "newer");
  expect_schema_error(&v8, &(ecs_component_desc_t){.name = "value", .size = 8, .flags = ECS_COMPONENT_TRANSIENT},
                      "transient in the world");
  expect_schema_error(
      &v8,
      &(ecs_component_desc_t){.name = "value", .size = 8, .serialize = u64_serialize, .deserialize = u64_deserialize},
      "serialize hook");
}

static void test_hook_failures(void **state) {
  (void)state;
  target_t t;
  target_init(&t, NULL);
  /* deserialize fails on the 3rd value: the two before are destructed */
  t.f.counts.fail_deserialize = 3;
  t.f.counts.deserialized = 0;
  expect_load(&t, t.snap.data, t.snap.size, ECS_ERR_SNAPSHOT_CORRUPT, "deserialize hook", 0);
  assert_non_null(strstr(ecs_last_error(t.f.w), "deserialize hook of 'name_t'"));
  t.f.counts.fail_deserialize = 0;
  /* serialize fails: the error passes through, the buffer is untouched */
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_write(&out, "keep", 4), ECS_OK);
  t.f.counts.fail_serialize = 1;
  assert_int_equal(ecs_snapshot_save(t.f.w, &out), ECS_ERR_IO);
  assert_int_equal(buf.size, 4);
  t.f.counts.fail_serialize = 0;
  ecs_membuf_free(&buf);
  target_fini(&t);
}

static ecs_status_t wrap_write(void *user, const void *data, size_t size) {
  ecs_writer_t w = ecs_membuf_writer(user);
  return ecs_write(&w, data, size);
}

static void test_out_of_memory_sweep(void **state) {
  (void)state;
  for (int via_host = 0; via_host < 2; ++via_host) {
    failing_t fail = {0, SIZE_MAX};
    target_t t;
    target_init(&t, &(ecs_world_desc_t){.allocator = failing_allocator(&fail)});
    /* change detection on: its arrays are staged too */
    assert_non_null(ecs_query_new(t.f.w, &(ecs_query_desc_t){{{t.f.pos, ECS_CHANGED(ECS_ACCESS_READ)}}}));
    ecs_status_t st = ECS_ERR_NO_MEMORY;
    size_t k = 1;
    for (; st == ECS_ERR_NO_MEMORY; ++k) {
      ecs_memsrc_t src = {t.snap.data, t.snap.size, 0};
      ecs_reader_t in = via_host ? (ecs_reader_t){host_read, &src} : ecs_memreader(&src);
      int live = t.f.counts.live;
      fail.calls = 0;
      fail.fail_at = k;
      st = ecs_snapshot_load(t.f.w, &in);
      fail.fail_at = SIZE_MAX;
      if (st == ECS_ERR_NO_MEMORY && (ecs_world_checksum(t.f.w) != t.checksum || t.f.counts.live != live)) {
        fail_msg("allocation %zu failing changed the world", k);
      }
    }
    assert_int_equal(st, ECS_OK);
    assert_true(k > 10);
    t.checksum = ecs_world_checksum(t.f.w);
    /* saves: a memory buffer is as before on failure; a host's writer that
     * fails half-way (its own buffer cannot grow) holds a part of a
     * snapshot that a load refuses, as it would a truncated file */
    for (st = ECS_ERR_NO_MEMORY, k = 1; st == ECS_ERR_NO_MEMORY; ++k) {
      ecs_membuf_t buf = {.allocator = &t.f.w->alloc};
      fail.calls = 0;
      fail.fail_at = k;
      ecs_writer_t out = via_host ? (ecs_writer_t){wrap_write, &buf} : ecs_membuf_writer(&buf);
      st = ecs_snapshot_save(t.f.w, &out);
      fail.fail_at = SIZE_MAX;
      assert_true(st == ECS_OK || st == ECS_ERR_NO_MEMORY);
      assert_true(st == ECS_OK || buf.size == 0 || via_host);
      if (st != ECS_OK && buf.size > 0) {
        ecs_memsrc_t part = {buf.data, buf.size, 0};
        ecs_reader_t in = ecs_memreader(&part);
        assert_int_equal(ecs_snapshot_load(t.f.w, &in), ECS_ERR_SNAPSHOT_CORRUPT);
        assert_true(ecs_world_checksum(t.f.w) == t.checksum);
      }
      ecs_membuf_free(&buf);
    }
    assert_int_equal(st, ECS_OK);
    target_fini(&t);
  }
}

static ecs_status_t try_load_in_system(ecs_system_ctx_t *ctx) {
  ecs_status_t *out = ctx->user;
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  out[0] = ecs_snapshot_save(ctx->world, &w);
  ecs_memsrc_t src = {(const unsigned char *)"x", 1, 0};
  ecs_reader_t r = ecs_memreader(&src);
  out[1] = ecs_snapshot_load(ctx->world, &r);
  ecs_membuf_free(&buf);
  return ECS_OK;
}

static void test_busy_during_tick(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_status_t got[2] = {ECS_OK, ECS_OK};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main"});
  assert_int_equal(
      ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "snap", .callback = try_load_in_system, .user = got}),
      ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.016, NULL), ECS_OK);
  assert_int_equal(got[0], ECS_ERR_BUSY);
  assert_int_equal(got[1], ECS_ERR_BUSY);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static ecs_status_t null_write(void *user, const void *data, size_t size) {
  (void)user;
  (void)data;
  (void)size;
  return ECS_OK;
}

/* X(expression, expected status, world's last status afterwards) */
#define BAD_CASES(X)                                                                                                   \
  X(ecs_snapshot_save(NULL, &ok_out), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                                \
  X(ecs_snapshot_save(w, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)                                    \
  X(ecs_snapshot_save(w, &no_write), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)                               \
  X(ecs_snapshot_load(NULL, &ok_in), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                                 \
  X(ecs_snapshot_load(w, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)                                    \
  X(ecs_snapshot_load(w, &no_read), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)                                \
  X(ecs_snapshot_load(w, &ok_in), ECS_ERR_SNAPSHOT_CORRUPT, ECS_ERR_SNAPSHOT_CORRUPT)                                  \
  X(ecs_snapshot_save_file(NULL, "x"), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                               \
  X(ecs_snapshot_save_file(w, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)                               \
  X(ecs_snapshot_load_file(NULL, "x"), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                               \
  X(ecs_snapshot_load_file(w, NULL), ECS_ERR_INVALID_ARGUMENT, ECS_ERR_INVALID_ARGUMENT)                               \
  X(ecs_rollback_new(NULL, 4) == NULL, true, ECS_OK)                                                                   \
  X(ecs_rollback_new(w, 0) == NULL, true, ECS_ERR_INVALID_ARGUMENT)                                                    \
  X(ecs_rollback_save(NULL, 1), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                                      \
  X(ecs_rollback_restore(NULL, 1), ECS_ERR_INVALID_ARGUMENT, ECS_OK)                                                   \
  X(ecs_rollback_count(NULL), 0, ECS_OK)                                                                               \
  X(ecs_rollback_has(NULL, 0), false, ECS_OK)                                                                          \
  X(ecs_component_register(w, &half_hooked), ECS_COMPONENT_NULL, ECS_ERR_INVALID_ARGUMENT)

static void test_bad_input(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_writer_t ok_out = {null_write, NULL}, no_write = {NULL, NULL};
  ecs_memsrc_t src = {NULL, 0, 0};
  ecs_reader_t ok_in = ecs_memreader(&src), no_read = {NULL, NULL};
  const ecs_component_desc_t half_hooked = {.name = "x", .size = 8, .serialize = u64_serialize};
#define RUN_CASE(expr, want, last)                                                                                     \
  do {                                                                                                                 \
    ecs__ok(w);                                                                                                        \
    int64_t got = (int64_t)(expr);                                                                                     \
    if (got != (int64_t)(want) || ecs_last_status(w) != (last)) {                                                      \
      fail_msg("%s: got %lld, last %s", #expr, (long long)got, ecs_err_name(ecs_last_status(w)));                      \
    }                                                                                                                  \
  } while (0);
  BAD_CASES(RUN_CASE)
#undef RUN_CASE
  ecs_rollback_free(NULL);
  ecs_world_free(w);
}

static void test_error_names(void **state) {
  (void)state;
  assert_string_equal(ecs_err_name(ECS_ERR_SNAPSHOT_CORRUPT), "ERR_SNAPSHOT_CORRUPT");
  assert_string_equal(ecs_err_name(ECS_ERR_SNAPSHOT_VERSION), "ERR_SNAPSHOT_VERSION");
  assert_string_equal(ecs_err_name(ECS_ERR_SNAPSHOT_SCHEMA), "ERR_SNAPSHOT_SCHEMA");
  assert_int_equal(ECS_ERR_SNAPSHOT_CORRUPT, ECS_ERR_IO - 1);
  assert_int_equal(ECS_ERR_SNAPSHOT_SCHEMA, ECS_ERR_SNAPSHOT_CORRUPT - 2);
  assert_int_equal(ecs__crc32(0, "123456789", 9), 0xcbf43926u); /* the standard check value */
}

/* The eight-bytes-a-step CRC against the bit-by-bit definition, over every
 * length and alignment up to a few words, whole and in pieces. */
static uint32_t crc_bitwise(const unsigned char *p, size_t n) {
  uint32_t c = 0xffffffffu;
  for (size_t i = 0; i < n; ++i) {
    c ^= p[i];
    for (int k = 0; k < 8; ++k) {
      c = (c >> 1) ^ ((c & 1u) ? 0xedb88320u : 0u);
    }
  }
  return ~c;
}

static void test_crc32_matches_definition(void **state) {
  (void)state;
  unsigned char buf[96];
  for (size_t i = 0; i < sizeof buf; ++i) {
    buf[i] = (unsigned char)(i * 131u + 7u);
  }
  for (size_t off = 0; off < 8; ++off) {
    for (size_t n = 0; off + n <= sizeof buf; ++n) {
      uint32_t want = crc_bitwise(buf + off, n);
      assert_int_equal(ecs__crc32(0, buf + off, n), want);
      size_t cut = n / 3;
      assert_int_equal(ecs__crc32(ecs__crc32(0, buf + off, cut), buf + off + cut, n - cut), want);
    }
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_truncated_at_every_length),
      cmocka_unit_test(test_crc32_matches_definition),
      cmocka_unit_test(test_every_byte_flipped),
      cmocka_unit_test(test_header_checks),
      cmocka_unit_test(test_resealed_edits),
      cmocka_unit_test(test_rows_and_values),
      cmocka_unit_test(test_format_versions),
      cmocka_unit_test(test_change_section_checks),
      cmocka_unit_test(test_generation_limit_through_snapshot),
      cmocka_unit_test(test_schema_mismatches),
      cmocka_unit_test(test_hook_failures),
      cmocka_unit_test(test_out_of_memory_sweep),
      cmocka_unit_test(test_busy_during_tick),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_error_names),
  };
  return cmocka_run_group_tests_name("snapshot_errors", tests, NULL, NULL);
}
