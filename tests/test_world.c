/* World lifetime, allocator contract, allocation-failure sweep, logging,
 * status strings and version. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno: capture stderr */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ecs.h"
#include "support/log_capture.h"

/* ---- a counting allocator ------------------------------------------------
 * Each block carries its size in a header, so free/realloc can check the
 * size the library passes back. realloc always moves and poisons the old
 * block, so a pointer kept into a reallocated array is caught even without
 * ASan; it counts as one call. fail_at makes the n-th call (0-based) fail, and with !fail_once
 * every call after it too. */
typedef struct counting_alloc_t {
  size_t outstanding; /* bytes */
  size_t live_blocks;
  size_t calls; /* alloc + realloc */
  size_t failures;
  size_t size_mismatches;
  size_t fail_at; /* SIZE_MAX: never */
  bool fail_once;
} counting_alloc_t;

#define HDR sizeof(max_align_t)

static bool should_fail(counting_alloc_t *c) {
  size_t n = c->calls++;
  if (n == c->fail_at || (!c->fail_once && c->fail_at != SIZE_MAX && n > c->fail_at)) {
    c->failures++;
    return true;
  }
  return false;
}

static void *c_alloc(void *user, size_t size) {
  counting_alloc_t *c = user;
  if (should_fail(c)) {
    return NULL;
  }
  char *raw = malloc(HDR + size);
  assert_non_null(raw);
  memcpy(raw, &size, sizeof size);
  c->outstanding += size;
  c->live_blocks++;
  return raw + HDR;
}

static void c_free(void *user, void *ptr, size_t size) {
  counting_alloc_t *c = user;
  size_t real;
  memcpy(&real, (char *)ptr - HDR, sizeof real);
  c->size_mismatches += real != size;
  c->outstanding -= real;
  c->live_blocks--;
  memset((char *)ptr - HDR, 0xA5, HDR + real);
  free((char *)ptr - HDR);
}

static void *c_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  void *p = c_alloc(user, new_size);
  if (p) {
    memcpy(p, ptr, old_size < new_size ? old_size : new_size);
    c_free(user, ptr, old_size); /* checks old_size */
  }
  return p;
}

static ecs_allocator_t counting_allocator(counting_alloc_t *c) {
  return (ecs_allocator_t){c_alloc, c_realloc, c_free, c};
}

typedef struct position_t {
  float x, y;
} position_t;

typedef struct velocity_t {
  float dx, dy;
} velocity_t;

/* ---- creation ------------------------------------------------------------ */

static void test_new_with_and_without_desc(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_non_null(w);
  assert_int_equal(ecs_last_status(w), ECS_OK);
  assert_string_equal(ecs_last_error(w), "");
  assert_int_equal(ecs_entity_count(w), 0);
  assert_true(ecs_entity_alive(w, ecs_entity_create(w)));
  ecs_world_free(w);
  ecs_world_free(NULL); /* no-op */

  ecs_world_desc_t desc = {.log_level = ECS_LOG_ERROR, .initial_entities = 1000};
  w = NULL;
  assert_int_equal(ecs_world_create(&desc, &w), ECS_OK);
  assert_non_null(w);
  for (int i = 0; i < 2000; ++i) {
    assert_int_not_equal(ecs_entity_create(w), ECS_ENTITY_NULL);
  }
  assert_int_equal(ecs_entity_count(w), 2000);
  ecs_world_free(w);
}

/* Descriptors ecs_world_create() refuses: a partial allocator or a log
 * level out of range. The allocator is never called for them. */
static void test_invalid_desc_rejected(void **state) {
  (void)state;
  counting_alloc_t ca = {.fail_at = SIZE_MAX};
  const ecs_allocator_t a = counting_allocator(&ca);
  const ecs_world_desc_t cases[] = {
      {.allocator = {a.alloc, NULL, NULL, &ca}},         {.allocator = {NULL, a.realloc, NULL, &ca}},
      {.allocator = {NULL, NULL, a.free, &ca}},          {.allocator = {a.alloc, a.realloc, NULL, &ca}},
      {.allocator = {a.alloc, NULL, a.free, &ca}},       {.allocator = {NULL, a.realloc, a.free, &ca}},
      {.log_level = (ecs_log_level_t)(ECS_LOG_OFF + 1)}, {.log_level = (ecs_log_level_t)0x7fffffff},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    ecs_world_t *w = (ecs_world_t *)&ca; /* must be reset to NULL */
    if (ecs_world_create(&cases[i], &w) != ECS_ERR_INVALID_ARGUMENT || w != NULL) {
      fail_msg("descriptor #%zu accepted by ecs_world_create", i);
    }
    if (ecs_world_new(&cases[i]) != NULL) {
      fail_msg("descriptor #%zu accepted by ecs_world_new", i);
    }
  }
  assert_int_equal(ca.calls, 0);
  assert_int_equal(ecs_world_create(NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_world_create(&(ecs_world_desc_t){0}, NULL), ECS_ERR_INVALID_ARGUMENT);
}

/* ---- the allocator is used for everything and balanced -------------------- */

/* ECS_STORAGE_DEFAULT means the world's default storage: ARCHETYPE unless
 * the world names another built-in kind; anything else is refused. */
static void test_default_storage(void **state) {
  (void)state;
  const struct {
    int32_t given;
    ecs_storage_kind_t got;
  } ok[] = {{0, ECS_STORAGE_ARCHETYPE},
            {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_ARCHETYPE},
            {ECS_STORAGE_DENSE, ECS_STORAGE_DENSE},
            {ECS_STORAGE_SPARSE, ECS_STORAGE_SPARSE}};
  for (size_t i = 0; i < sizeof ok / sizeof ok[0]; ++i) {
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.default_storage = ok[i].given});
    assert_non_null(w);
    ecs_component_t a = ecs_component_register_type(w, "a", 4, 0);
    ecs_component_t b =
        ecs_component_register(w, &(ecs_component_desc_t){.name = "b", .size = 4, .storage = ECS_STORAGE_DENSE});
    assert_int_equal(ecs_component_storage(w, a), ok[i].got);
    assert_int_equal(ecs_component_storage(w, b), ECS_STORAGE_DENSE);
    /* registering again with the default is the same registration */
    assert_int_equal(ecs_component_register_type(w, "a", 4, 0), a);
    assert_int_equal(ecs_component_set_storage(w, b, ECS_STORAGE_DEFAULT), ECS_OK);
    assert_int_equal(ecs_component_storage(w, b), ok[i].got);
    /* ... also after the component moved to another kind; naming another
     * kind than its own is a different definition */
    ecs_storage_kind_t other = ok[i].got == ECS_STORAGE_SPARSE ? ECS_STORAGE_DENSE : ECS_STORAGE_SPARSE;
    assert_int_equal(ecs_component_set_storage(w, a, other), ECS_OK);
    assert_int_equal(ecs_component_register_type(w, "a", 4, 0), a);
    assert_int_equal(ecs_component_register(w, &(ecs_component_desc_t){.name = "a", .size = 4, .storage = other}), a);
    assert_int_equal(ecs_component_register(w, &(ecs_component_desc_t){.name = "a", .size = 4, .storage = ok[i].got}),
                     ECS_COMPONENT_NULL);
    assert_int_equal(ecs_last_status(w), ECS_ERR_DUPLICATE);
    ecs_world_free(w);
  }
  const int32_t bad[] = {-1, 4, ECS_STORAGE_CUSTOM_BASE, 99};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    ecs_world_t *w = NULL;
    assert_int_equal(ecs_world_create(&(ecs_world_desc_t){.default_storage = bad[i]}, &w), ECS_ERR_INVALID_ARGUMENT);
    assert_null(w);
  }
}

static void test_counting_allocator_balanced(void **state) {
  (void)state;
  counting_alloc_t ca = {.fail_at = SIZE_MAX};
  ecs_world_desc_t desc = {.allocator = counting_allocator(&ca), .initial_entities = 4};
  ecs_world_t *w = ecs_world_new(&desc);
  assert_non_null(w);
  assert_true(ca.calls > 0);

  ecs_component_t pos = ECS_COMPONENT(w, position_t);
  /* registering a storage kind reallocates the kind table */
  ecs_storage_kind_t kind;
  assert_int_equal(ecs_storage_register(w, ecs_storage_dense_vtable(), &kind), ECS_OK);
  ecs_component_t big = ecs_component_register(w, &(ecs_component_desc_t){.name = "big", .size = 8, .alignment = 256});
  ecs_component_t tag =
      ecs_component_register(w, &(ecs_component_desc_t){.name = "tag", .storage = ECS_STORAGE_SPARSE});
  ecs_component_t custom =
      ecs_component_register(w, &(ecs_component_desc_t){.name = "custom", .size = 4, .storage = kind});
  assert_true(pos && big && tag && custom);
  char name[32];
  for (int i = 0; i < 100; ++i) { /* enough names to grow the name hash */
    snprintf(name, sizeof name, "c%d", i);
    assert_int_not_equal(ecs_component_register_type(w, name, (size_t)i, 0), ECS_COMPONENT_NULL);
  }
  ecs_query_t *kept = ecs_query_new(w, &(ecs_query_desc_t){{{pos, ECS_ACCESS_READ}, {tag, ECS_ACCESS_WITH}}});
  ecs_query_t *freed = ecs_query_new(w, &(ecs_query_desc_t){{{big, ECS_ACCESS_WRITE}}});
  assert_non_null(kept);
  assert_non_null(freed);

  for (uint32_t i = 0; i < 10000; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    assert_int_equal(ecs_set(w, e, pos, &(position_t){(float)i, 0}), ECS_OK);
    if (i % 3 == 0) {
      assert_int_equal(ecs_add(w, e, big), ECS_OK);
      assert_int_equal(ecs_add(w, e, custom), ECS_OK);
    }
    if (i % 2 == 0) {
      assert_int_equal(ecs_add(w, e, tag), ECS_OK);
    }
    if (i % 5 == 0) {
      assert_int_equal(ecs_entity_destroy(w, e), ECS_OK);
    }
  }
  assert_int_equal(ecs_query_count(kept), 4000); /* even i, minus multiples of 10 */
  ecs_query_free(freed);
  assert_true(ecs_component_memory(w, pos) <= ca.outstanding);
  ecs_world_free(w);
  assert_int_equal(ca.outstanding, 0);
  assert_int_equal(ca.live_blocks, 0);
  assert_int_equal(ca.size_mismatches, 0);
}

/* ---- allocation failure sweep --------------------------------------------- */

#define SWEEP_ENTITIES 100

#define SWEEP_CHECK(ca, cond)                                                                                          \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fail_msg("fail_at=%zu fail_once=%d: %s", (ca)->fail_at, (int)(ca)->fail_once, #cond);                            \
    }                                                                                                                  \
  } while (0)

#define SWEEP_STATUS(ca, st) SWEEP_CHECK(ca, (st) == ECS_OK || (st) == ECS_ERR_NO_MEMORY)

/* create world, register 2 components, create entities, set components,
 * iterate a query, destroy; every step may fail only with NO_MEMORY */
static void sweep_scenario(counting_alloc_t *ca) {
  ecs_world_desc_t desc = {.allocator = counting_allocator(ca)};
  ecs_world_t *w = (ecs_world_t *)&desc;
  ecs_status_t st = ecs_world_create(&desc, &w);
  SWEEP_STATUS(ca, st);
  if (st != ECS_OK) {
    SWEEP_CHECK(ca, w == NULL);
    return;
  }
  ecs_component_t pos = ECS_COMPONENT(w, position_t);
  SWEEP_CHECK(ca, pos != ECS_COMPONENT_NULL || ecs_last_status(w) == ECS_ERR_NO_MEMORY);
  ecs_component_t vel = ECS_COMPONENT(w, velocity_t);
  SWEEP_CHECK(ca, vel != ECS_COMPONENT_NULL || ecs_last_status(w) == ECS_ERR_NO_MEMORY);
  if (pos && !vel) { /* a failed registration left no trace: retry works or fails cleanly */
    SWEEP_CHECK(ca, ecs_component_lookup(w, "velocity_t") == ECS_COMPONENT_NULL);
  }

  ecs_entity_t ents[SWEEP_ENTITIES] = {0};
  bool has_pos[SWEEP_ENTITIES] = {0};
  bool has_vel[SWEEP_ENTITIES] = {0};
  size_t alive = 0, npos = 0, both = 0;
  for (int i = 0; i < SWEEP_ENTITIES; ++i) {
    ents[i] = ecs_entity_create(w);
    SWEEP_CHECK(ca, ents[i] != ECS_ENTITY_NULL || ecs_last_status(w) == ECS_ERR_NO_MEMORY);
    alive += ents[i] != ECS_ENTITY_NULL;
  }
  SWEEP_CHECK(ca, ecs_entity_count(w) == alive);
  for (int i = 0; i < SWEEP_ENTITIES; ++i) {
    if (!ents[i]) {
      continue;
    }
    if (pos) {
      st = ecs_set(w, ents[i], pos, &(position_t){(float)i, (float)-i});
      SWEEP_STATUS(ca, st);
      has_pos[i] = st == ECS_OK;
      npos += has_pos[i];
      SWEEP_CHECK(ca, ecs_has(w, ents[i], pos) == has_pos[i]);
    }
    if (vel && i % 2 == 0) {
      st = ecs_add(w, ents[i], vel);
      SWEEP_STATUS(ca, st);
      has_vel[i] = st == ECS_OK;
      SWEEP_CHECK(ca, ecs_has(w, ents[i], vel) == has_vel[i]);
    }
    both += has_pos[i] && has_vel[i];
  }
  if (pos) {
    SWEEP_CHECK(ca, ecs_component_count(w, pos) == npos);
    for (int i = 0; i < SWEEP_ENTITIES; ++i) {
      const position_t *p = ents[i] ? ecs_get(w, ents[i], pos) : NULL;
      SWEEP_CHECK(ca, (p != NULL) == has_pos[i]);
      SWEEP_CHECK(ca, !p || (p->x == (float)i && p->y == (float)-i));
    }
  }
  if (pos && vel) {
    ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){{{pos, ECS_ACCESS_READ}, {vel, ECS_ACCESS_WRITE}}});
    SWEEP_CHECK(ca, q != NULL || ecs_last_status(w) == ECS_ERR_NO_MEMORY);
    if (q) {
      size_t rows = 0;
      ecs_iter_t it = ecs_query_iter(q);
      while (ecs_iter_next(&it)) {
        for (int32_t r = 0; r < it.count; ++r) {
          const position_t *p = ecs_field_at(&it, 0, r);
          velocity_t *v = ecs_field_at(&it, 1, r);
          SWEEP_CHECK(ca, p && v);
          v->dx = p->x;
          ++rows;
        }
      }
      SWEEP_CHECK(ca, rows == both);
    }
  }
  for (int i = 0; i < SWEEP_ENTITIES; i += 3) {
    if (ents[i]) {
      SWEEP_CHECK(ca, ecs_entity_destroy(w, ents[i]) == ECS_OK);
      --alive;
    }
  }
  SWEEP_CHECK(ca, ecs_entity_count(w) == alive);
  ecs_world_free(w);
}

static void test_allocation_failure_sweep(void **state) {
  (void)state;
  counting_alloc_t ca = {.fail_at = SIZE_MAX};
  sweep_scenario(&ca);
  const size_t total = ca.calls;
  assert_int_equal(ca.outstanding, 0);
  assert_true(total > 10);
  for (int once = 0; once <= 1; ++once) {
    for (size_t n = 0; n <= total + 2; ++n) {
      ca = (counting_alloc_t){.fail_at = n, .fail_once = once != 0};
      sweep_scenario(&ca);
      SWEEP_CHECK(&ca, ca.outstanding == 0 && ca.live_blocks == 0);
      SWEEP_CHECK(&ca, ca.size_mismatches == 0);
      SWEEP_CHECK(&ca, (ca.failures > 0) == (n < total));
    }
  }
}

/* ---- logging --------------------------------------------------------------- */

typedef struct log_trigger_t {
  const char *err_name;
  ecs_status_t status;
  ecs_status_t (*trigger)(ecs_world_t *w);
} log_trigger_t;

static ecs_status_t trigger_stale(ecs_world_t *w) {
  return ecs_entity_destroy(w, ECS_ENTITY_MAKE(7, 0));
}

static ecs_status_t trigger_alignment(ecs_world_t *w) {
  (void)ecs_component_register(w, &(ecs_component_desc_t){.name = "bad", .size = 4, .alignment = 3});
  return ecs_last_status(w);
}

static ecs_status_t trigger_duplicate(ecs_world_t *w) {
  (void)ecs_component_register_type(w, "dup", 4, 4);
  (void)ecs_component_register_type(w, "dup", 8, 4);
  return ecs_last_status(w);
}

static void test_log_fn_receives_errors(void **state) {
  (void)state;
  const log_trigger_t triggers[] = {
      {"ERR_STALE_ENTITY", ECS_ERR_STALE_ENTITY, trigger_stale},
      {"ERR_INVALID_ARGUMENT", ECS_ERR_INVALID_ARGUMENT, trigger_alignment},
      {"ERR_DUPLICATE", ECS_ERR_DUPLICATE, trigger_duplicate},
  };
  for (size_t i = 0; i < sizeof triggers / sizeof triggers[0]; ++i) {
    log_capture_t cap = {0};
    ecs_world_t *w =
        ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap, .log_level = ECS_LOG_DEBUG});
    assert_non_null(w);
    assert_int_equal(triggers[i].trigger(w), triggers[i].status);
    if (cap.count < 1 || cap.level != ECS_LOG_DEBUG || !strstr(cap.last, triggers[i].err_name) ||
        !strstr(cap.last, ecs_last_error(w))) {
      fail_msg("%s: log got %d message(s), last \"%s\"", triggers[i].err_name, cap.count, cap.last);
    }
    ecs_world_free(w);
  }
}

static void test_log_level_filters(void **state) {
  (void)state;
  const ecs_log_level_t levels[] = {ECS_LOG_DEFAULT /* WARN */, ECS_LOG_INFO, ECS_LOG_WARN, ECS_LOG_ERROR, ECS_LOG_OFF};
  for (size_t i = 0; i < sizeof levels / sizeof levels[0]; ++i) {
    log_capture_t cap = {0};
    ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &cap, .log_level = levels[i]});
    assert_non_null(w);
    assert_int_equal(trigger_stale(w), ECS_ERR_STALE_ENTITY);
    if (cap.count != 0) {
      fail_msg("level %s: debug message \"%s\" not filtered", ecs_log_level_name(levels[i]), cap.last);
    }
    ecs_world_free(w);
  }
}

/* Runs ecs_log_stderr with stderr redirected into buf. */
static void log_stderr_capture(ecs_log_level_t level, const char *msg, const ecs_log_fields_t *fields, char *buf,
                               size_t cap) {
#if defined(__EMSCRIPTEN__)
  skip(); /* emscripten's stdio cannot redirect file descriptor 2 (dup2) */
#endif
  fflush(stderr);
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  int saved = dup(2);
  assert_true(saved >= 0);
  assert_true(dup2(fileno(tmp), 2) >= 0);
  ecs_log_stderr(NULL, level, msg, fields);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  rewind(tmp);
  size_t n = fread(buf, 1, cap - 1, tmp);
  buf[n] = '\0';
  fclose(tmp);
}

static void test_log_stderr_format(void **state) {
  (void)state;
  const ecs_log_fields_t none = {0, NULL, NULL};
  const ecs_log_fields_t sys = {12, "physics", "my sys"};
  const struct {
    ecs_log_level_t level;
    const char *msg;
    const ecs_log_fields_t *fields;
    const char *line;
  } cases[] = {
      {ECS_LOG_WARN, "hello", &none, "level=warn msg=\"hello\"\n"},
      {ECS_LOG_ERROR, "say \"hi\"", &none, "level=error msg=\"say \\\"hi\\\"\"\n"},
      {ECS_LOG_DEBUG, "back\\slash", &none, "level=debug msg=\"back\\\\slash\"\n"},
      {ECS_LOG_INFO, "", &none, "level=info msg=\"\"\n"},
      {ECS_LOG_WARN, "oops", &sys, "level=warn tick=12 group=physics system=\"my sys\" msg=\"oops\"\n"},
      {ECS_LOG_WARN, "x", NULL, "level=warn msg=\"x\"\n"},
  };
  char buf[1024];
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    log_stderr_capture(cases[i].level, cases[i].msg, cases[i].fields, buf, sizeof buf);
    assert_string_equal(buf, cases[i].line);
  }
}

/* Long messages are truncated but the line stays well formed. */
static void test_log_stderr_long_escaped_message(void **state) {
  (void)state;
  /* an escaped character at the end of the room must not overflow the
   * line buffer (ASan build) nor break the line */
  char msg[900];
  char buf[2048];
  for (size_t quote_at = 470; quote_at < 520; ++quote_at) {
    memset(msg, 'a', sizeof msg - 1);
    msg[sizeof msg - 1] = '\0';
    msg[quote_at] = '"';
    log_stderr_capture(ECS_LOG_WARN, msg, NULL, buf, sizeof buf);
    size_t n = strlen(buf);
    assert_true(strncmp(buf, "level=warn msg=\"", 16) == 0);
    assert_true(n >= 2 && buf[n - 2] == '"' && buf[n - 1] == '\n');
  }
}

static void test_log_level_name(void **state) {
  (void)state;
  const struct {
    uint32_t level;
    const char *name;
  } cases[] = {
      {ECS_LOG_DEFAULT, "default"}, {ECS_LOG_TRACE, "trace"},     {ECS_LOG_DEBUG, "debug"},
      {ECS_LOG_INFO, "info"},       {ECS_LOG_WARN, "warn"},       {ECS_LOG_ERROR, "error"},
      {ECS_LOG_OFF, "off"},         {ECS_LOG_OFF + 1, "unknown"}, {0x7fffffff, "unknown"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    assert_string_equal(ecs_log_level_name((ecs_log_level_t)cases[i].level), cases[i].name);
  }
}

/* ---- status strings, version ---------------------------------------------- */

static void test_status_strings(void **state) {
  (void)state;
  const struct {
    ecs_status_t status;
    const char *name;
    const char *msg;
  } codes[] = {
#define STATUS_ROW(name, value, msg) {ECS_##name, #name, msg},
      ECS_STATUS_MAP(STATUS_ROW)
#undef STATUS_ROW
  };
  const size_t n = sizeof codes / sizeof codes[0];
  assert_true(n >= 11);
  int32_t lowest = 0;
  for (size_t i = 0; i < n; ++i) {
    assert_string_equal(ecs_err_name(codes[i].status), codes[i].name);
    assert_string_equal(ecs_strerror(codes[i].status), codes[i].msg);
    assert_true(strlen(codes[i].msg) > 0);
    assert_true(codes[i].status == ECS_OK || codes[i].status < 0);
    lowest = (int32_t)codes[i].status < lowest ? (int32_t)codes[i].status : lowest;
    for (size_t j = 0; j < i; ++j) {
      assert_int_not_equal(codes[i].status, codes[j].status);
      assert_string_not_equal(ecs_err_name(codes[i].status), ecs_err_name(codes[j].status));
      assert_string_not_equal(ecs_strerror(codes[i].status), ecs_strerror(codes[j].status));
    }
  }
  const int32_t unknown[] = {1, 42, lowest - 1, -1000, INT32_MIN + 1};
  for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; ++i) {
    assert_string_equal(ecs_strerror((ecs_status_t)unknown[i]), "unknown status");
    assert_string_equal(ecs_err_name((ecs_status_t)unknown[i]), "UNKNOWN");
  }
}

static void test_version(void **state) {
  (void)state;
  char expect[64];
  snprintf(expect, sizeof expect, "%d.%d.%d", ECS_VERSION_MAJOR, ECS_VERSION_MINOR, ECS_VERSION_PATCH);
  assert_string_equal(ecs_version(), expect);
  assert_ptr_equal(ecs_version(), ecs_version());
}

/* ---- worlds are independent ------------------------------------------------ */

static void test_worlds_independent(void **state) {
  (void)state;
  ecs_world_t *a = ecs_world_new(NULL), *b = ecs_world_new(NULL);
  assert_true(a && b);
  ecs_component_t pa = ECS_COMPONENT(a, position_t);
  ecs_entity_t ea = ecs_entity_create(a);
  assert_int_equal(ecs_set(a, ea, pa, &(position_t){1, 2}), ECS_OK);
  assert_int_equal(ecs_component_lookup(b, "position_t"), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_entity_count(b), 0);
  assert_int_equal(ecs_entity_destroy(b, ea), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_last_status(b), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_last_status(a), ECS_OK);
  assert_string_equal(ecs_last_error(a), "");
  assert_true(ecs_entity_alive(a, ea));
  ecs_world_free(b);
  const position_t *p = ecs_get(a, ea, pa);
  assert_true(p && p->x == 1 && p->y == 2);
  ecs_world_free(a);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_new_with_and_without_desc),
      cmocka_unit_test(test_invalid_desc_rejected),
      cmocka_unit_test(test_default_storage),
      cmocka_unit_test(test_counting_allocator_balanced),
      cmocka_unit_test(test_allocation_failure_sweep),
      cmocka_unit_test(test_log_fn_receives_errors),
      cmocka_unit_test(test_log_level_filters),
      cmocka_unit_test(test_log_stderr_format),
      cmocka_unit_test(test_log_stderr_long_escaped_message),
      cmocka_unit_test(test_log_level_name),
      cmocka_unit_test(test_status_strings),
      cmocka_unit_test(test_version),
      cmocka_unit_test(test_worlds_independent),
  };
  return cmocka_run_group_tests_name("world", tests, NULL, NULL);
}
