/* Relationships: pairs as component ids (registration, add/set/remove/get,
 * errors), the target policies on destroy (remove, cascade, refuse; also
 * from commands), commands with provisional targets, queries over pairs
 * (fixed target, wildcard, WITHOUT, OPTIONAL), snapshots and rollback, and
 * the scheduler's access analysis. Each behaviour in ARCHETYPE and DENSE. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"

#include <stdlib.h>
#include <string.h>

typedef struct amount_t {
  int32_t n;
} amount_t;

typedef struct fx_t {
  ecs_world_t *w;
  ecs_storage_kind_t kind;
  ecs_component_t likes; /* tag relation */
  ecs_component_t eats;  /* relation carrying an amount_t */
  ecs_component_t pos;   /* a plain component */
} fx_t;

static ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, uint32_t flags, ecs_storage_kind_t kind) {
  ecs_component_desc_t d = {.name = name, .size = size, .flags = flags, .storage = kind};
  ecs_component_t c = ecs_component_register(w, &d);
  assert_int_not_equal(c, ECS_COMPONENT_NULL);
  return c;
}

static void fx_init(fx_t *f, ecs_storage_kind_t kind) {
  f->w = ecs_world_new(NULL);
  assert_non_null(f->w);
  f->kind = kind;
  f->likes = reg(f->w, "Likes", 0, ECS_COMPONENT_RELATION, kind);
  f->eats = reg(f->w, "Eats", sizeof(amount_t), ECS_COMPONENT_RELATION, kind);
  f->pos = reg(f->w, "Pos", sizeof(int32_t), 0, kind);
}

static const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE};

/* ---- pairs as components ---------------------------------------------------- */

static void test_pair_basics(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    ecs_entity_t bob = ecs_entity_create(f.w);
    ecs_entity_t apple = ecs_entity_create(f.w);
    ecs_entity_t pear = ecs_entity_create(f.w);
    ecs_component_t ea = ecs_pair(f.w, f.eats, apple);
    assert_int_not_equal(ea, ECS_COMPONENT_NULL);
    assert_int_equal(ecs_pair(f.w, f.eats, apple), ea); /* the same id again */
    ecs_component_t ep = ecs_pair(f.w, f.eats, pear);
    assert_int_not_equal(ep, ea);
    assert_true(ecs_component_is_pair(f.w, ea));
    assert_false(ecs_component_is_pair(f.w, f.eats));
    assert_int_equal(ecs_pair_relation(f.w, ea), f.eats);
    assert_int_equal(ecs_pair_target(f.w, ea), apple);
    assert_int_equal(ecs_component_size(f.w, ea), sizeof(amount_t));
    assert_int_equal(ecs_component_storage(f.w, ea), kinds[k]);

    amount_t two = {2};
    assert_int_equal(ecs_set(f.w, bob, ea, &two), ECS_OK);
    assert_int_equal(ecs_add(f.w, bob, ep), ECS_OK);
    assert_true(ecs_has(f.w, bob, ea));
    assert_int_equal(((amount_t *)ecs_get(f.w, bob, ea))->n, 2);
    assert_int_equal(((amount_t *)ecs_get(f.w, bob, ep))->n, 0);
    assert_int_equal(ecs_target(f.w, bob, f.eats, 0), apple);
    assert_int_equal(ecs_target(f.w, bob, f.eats, 1), pear);
    assert_int_equal(ecs_target(f.w, bob, f.eats, 2), ECS_ENTITY_NULL);
    assert_int_equal(ecs_target(f.w, bob, f.likes, 0), ECS_ENTITY_NULL);

    ecs_component_t lb = ecs_pair(f.w, f.likes, bob);
    assert_int_equal(ecs_component_size(f.w, lb), 0);
    assert_int_equal(ecs_add(f.w, apple, lb), ECS_OK);
    assert_true(ecs_has(f.w, apple, lb));
    assert_int_equal(ecs_remove(f.w, bob, ea), ECS_OK);
    assert_false(ecs_has(f.w, bob, ea));
    assert_true(ecs_has(f.w, bob, ep));
    assert_int_equal(ecs_target(f.w, bob, f.eats, 0), pear);
    ecs_world_free(f.w);
  }
}

static void test_pair_errors(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, ECS_STORAGE_ARCHETYPE);
  ecs_entity_t a = ecs_entity_create(f.w);
  ecs_entity_t dead = ecs_entity_create(f.w);
  assert_int_equal(ecs_entity_destroy(f.w, dead), ECS_OK);
  size_t comps = 0;
  /* a plain component is not a relation */
  assert_int_equal(ecs_pair(f.w, f.pos, a), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(strstr(ecs_last_error(f.w), "Pos"));
  assert_int_equal(ecs_pair(f.w, 999, a), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_UNKNOWN_COMPONENT);
  assert_int_equal(ecs_pair(f.w, f.eats, dead), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_pair(f.w, f.eats, ECS_ENTITY_NULL), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_STALE_ENTITY);
  assert_int_equal(ecs_pair(NULL, f.eats, a), ECS_COMPONENT_NULL);
  (void)comps;
  /* a pair is not a relation either */
  ecs_component_t ea = ecs_pair(f.w, f.eats, a);
  assert_int_equal(ecs_pair(f.w, ea, a), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_INVALID_ARGUMENT);
  /* the wildcard is a query term only */
  ecs_component_t any = ecs_pair_wildcard(f.w, f.eats);
  assert_int_not_equal(any, ECS_COMPONENT_NULL);
  assert_int_equal(ecs_pair_wildcard(f.w, f.eats), any);
  assert_int_equal(ecs_pair_relation(f.w, any), f.eats);
  assert_int_equal(ecs_pair_target(f.w, any), ECS_ENTITY_NULL);
  assert_false(ecs_component_is_pair(f.w, any));
  assert_int_equal(ecs_add(f.w, a, any), ECS_ERR_INVALID_ARGUMENT);
  assert_false(ecs_has(f.w, a, any));
  assert_int_equal(ecs_pair_wildcard(f.w, f.pos), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_INVALID_ARGUMENT);
  /* policies */
  assert_int_equal(ecs_relation_set_policy(f.w, f.pos, ECS_TARGET_DELETE), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_relation_set_policy(f.w, f.eats, (ecs_target_policy_t)7), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_relation_set_policy(NULL, f.eats, ECS_TARGET_DELETE), ECS_ERR_INVALID_ARGUMENT);
  /* a pair id kept past its target's death cannot be added again */
  ecs_entity_t t = ecs_entity_create(f.w);
  ecs_component_t et = ecs_pair(f.w, f.eats, t);
  assert_int_equal(ecs_entity_destroy(f.w, t), ECS_OK);
  assert_int_equal(ecs_add(f.w, a, et), ECS_ERR_STALE_ENTITY);
  assert_false(ecs_has(f.w, a, et));
  assert_int_equal(ecs_pair(f.w, f.eats, t), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(f.w), ECS_ERR_STALE_ENTITY);
  /* the world is still usable */
  assert_int_equal(ecs_add(f.w, a, ea), ECS_OK);
  ecs_world_free(f.w);
}

/* ---- target policies --------------------------------------------------------- */

static void test_destroy_target_removes_pairs(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    ecs_entity_t apple = ecs_entity_create(f.w);
    ecs_entity_t eaters[5];
    ecs_component_t ea = ecs_pair(f.w, f.eats, apple);
    for (int i = 0; i < 5; ++i) {
      eaters[i] = ecs_entity_create(f.w);
      amount_t v = {i};
      assert_int_equal(ecs_set(f.w, eaters[i], ea, &v), ECS_OK);
      assert_int_equal(ecs_set(f.w, eaters[i], f.pos, &i), ECS_OK);
    }
    assert_int_equal(ecs_component_count(f.w, ea), 5);
    assert_int_equal(ecs_entity_destroy(f.w, apple), ECS_OK);
    assert_int_equal(ecs_component_count(f.w, ea), 0);
    for (int i = 0; i < 5; ++i) {
      assert_true(ecs_entity_alive(f.w, eaters[i]));
      assert_false(ecs_has(f.w, eaters[i], ea));
      assert_int_equal(*(int32_t *)ecs_get(f.w, eaters[i], f.pos), i);
      assert_int_equal(ecs_target(f.w, eaters[i], f.eats, 0), ECS_ENTITY_NULL);
    }
    ecs_world_free(f.w);
  }
}

static void test_destroy_cascade(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    ecs_component_t child_of = reg(f.w, "ChildOf_", 0, ECS_COMPONENT_RELATION, kinds[k]);
    assert_int_equal(ecs_relation_set_policy(f.w, child_of, ECS_TARGET_DELETE), ECS_OK);
    ecs_entity_t root = ecs_entity_create(f.w);
    ecs_entity_t other = ecs_entity_create(f.w);
    ecs_entity_t kids[3], grandkids[6];
    for (int i = 0; i < 3; ++i) {
      kids[i] = ecs_entity_create(f.w);
      assert_int_equal(ecs_add(f.w, kids[i], ecs_pair(f.w, child_of, root)), ECS_OK);
      for (int j = 0; j < 2; ++j) {
        grandkids[i * 2 + j] = ecs_entity_create(f.w);
        assert_int_equal(ecs_add(f.w, grandkids[i * 2 + j], ecs_pair(f.w, child_of, kids[i])), ECS_OK);
      }
    }
    /* a REMOVE relation to a doomed entity from a survivor */
    assert_int_equal(ecs_add(f.w, other, ecs_pair(f.w, f.likes, grandkids[3])), ECS_OK);
    size_t before = ecs_entity_count(f.w);
    assert_int_equal(ecs_entity_destroy(f.w, root), ECS_OK);
    assert_int_equal(ecs_entity_count(f.w), before - 10);
    for (int i = 0; i < 3; ++i) {
      assert_false(ecs_entity_alive(f.w, kids[i]));
    }
    for (int i = 0; i < 6; ++i) {
      assert_false(ecs_entity_alive(f.w, grandkids[i]));
    }
    assert_true(ecs_entity_alive(f.w, other));
    assert_int_equal(ecs_target(f.w, other, f.likes, 0), ECS_ENTITY_NULL);
    ecs_world_free(f.w);
  }
}

static void test_destroy_refused(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    assert_int_equal(ecs_relation_set_policy(f.w, f.eats, ECS_TARGET_REFUSE), ECS_OK);
    ecs_entity_t apple = ecs_entity_create(f.w);
    ecs_entity_t bob = ecs_entity_create(f.w);
    ecs_component_t ea = ecs_pair(f.w, f.eats, apple);
    amount_t v = {7};
    assert_int_equal(ecs_set(f.w, bob, ea, &v), ECS_OK);
    assert_int_equal(ecs_add(f.w, apple, ecs_pair(f.w, f.likes, bob)), ECS_OK);
    uint64_t sum = ecs_world_checksum(f.w);
    assert_int_equal(ecs_entity_destroy(f.w, apple), ECS_ERR_CONFLICT);
    assert_non_null(strstr(ecs_last_error(f.w), "Eats"));
    assert_true(ecs_entity_alive(f.w, apple));
    assert_int_equal(ecs_world_checksum(f.w), sum);
    /* the same through a command: counted as failed at apply */
    ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(f.w);
    assert_int_equal(ecs_cmd_destroy(b, apple), ECS_OK);
    ecs_cmd_stats_t s;
    assert_int_equal(ecs_cmd_buffer_apply(b, &s), ECS_ERR_CONFLICT);
    assert_int_equal(s.failed, 1);
    assert_true(ecs_entity_alive(f.w, apple));
    assert_int_equal(ecs_world_checksum(f.w), sum);
    /* the holder itself may go, and then the target */
    assert_int_equal(ecs_remove(f.w, bob, ea), ECS_OK);
    assert_int_equal(ecs_entity_destroy(f.w, apple), ECS_OK);
    ecs_cmd_buffer_free(b);
    ecs_world_free(f.w);
  }
}

/* ---- commands ------------------------------------------------------------------ */

static void test_commands_with_provisional_targets(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    ecs_component_t child_of = reg(f.w, "Parent", 0, ECS_COMPONENT_RELATION, kinds[k]);
    assert_int_equal(ecs_relation_set_policy(f.w, child_of, ECS_TARGET_DELETE), ECS_OK);
    ecs_entity_t apple = ecs_entity_create(f.w);
    ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(f.w);
    ecs_entity_t p = ecs_cmd_create(b);
    ecs_entity_t c = ecs_cmd_create(b);
    assert_int_equal(ecs_cmd_add_pair(b, c, child_of, p), ECS_OK);
    amount_t v = {3};
    assert_int_equal(ecs_cmd_set_pair(b, p, f.eats, apple, &v), ECS_OK);
    assert_int_equal(ecs_cmd_set_pair(b, c, f.eats, p, &v), ECS_OK);
    assert_int_equal(ecs_cmd_remove_pair(b, c, f.eats, p), ECS_OK);
    assert_int_equal(ecs_cmd_add_pair(b, c, f.likes, apple), ECS_OK);
    /* recording errors */
    assert_int_equal(ecs_cmd_add_pair(b, c, f.pos, apple), ECS_ERR_INVALID_ARGUMENT);
    assert_int_equal(ecs_cmd_add_pair(b, c, 999, apple), ECS_ERR_UNKNOWN_COMPONENT);
    assert_int_equal(ecs_cmd_add_pair(NULL, c, f.likes, apple), ECS_ERR_INVALID_ARGUMENT);
    assert_int_equal(ecs_cmd_add(b, c, ecs_pair_wildcard(f.w, f.likes)), ECS_ERR_INVALID_ARGUMENT);
    ecs_cmd_stats_t s;
    assert_int_equal(ecs_cmd_buffer_apply(b, &s), ECS_OK);
    assert_int_equal(s.failed, 0);
    ecs_entity_t rp = ecs_cmd_buffer_resolve(b, p);
    ecs_entity_t rc = ecs_cmd_buffer_resolve(b, c);
    assert_int_equal(ecs_target(f.w, rc, child_of, 0), rp);
    assert_int_equal(((amount_t *)ecs_get(f.w, rp, ecs_pair(f.w, f.eats, apple)))->n, 3);
    assert_false(ecs_has(f.w, rc, ecs_pair(f.w, f.eats, rp)));
    assert_true(ecs_has(f.w, rc, ecs_pair(f.w, f.likes, apple)));

    /* a target that died before the apply: the command fails, nothing added */
    ecs_entity_t gone = ecs_entity_create(f.w);
    assert_int_equal(ecs_cmd_set_pair(b, rc, f.eats, gone, &v), ECS_OK);
    assert_int_equal(ecs_cmd_add(b, rc, ecs_pair(f.w, f.likes, gone)), ECS_OK);
    assert_int_equal(ecs_entity_destroy(f.w, gone), ECS_OK);
    assert_int_equal(ecs_cmd_buffer_apply(b, &s), ECS_ERR_STALE_ENTITY);
    assert_int_equal(s.failed, 2);
    assert_int_equal(ecs_target(f.w, rc, f.eats, 0), ECS_ENTITY_NULL);
    assert_int_equal(ecs_target(f.w, rc, f.likes, 1), ECS_ENTITY_NULL);

    /* a subtree destroyed by a command */
    assert_int_equal(ecs_cmd_destroy(b, rp), ECS_OK);
    assert_int_equal(ecs_cmd_destroy(b, rc), ECS_OK); /* gone by then: skipped */
    assert_int_equal(ecs_cmd_buffer_apply(b, &s), ECS_OK);
    assert_false(ecs_entity_alive(f.w, rp));
    assert_false(ecs_entity_alive(f.w, rc));
    assert_true(ecs_entity_alive(f.w, apple));
    ecs_cmd_buffer_free(b);
    ecs_world_free(f.w);
  }
}

/* A relation whose values own heap memory: recorded values are destructed
 * once whatever happens to their command (ASan checks the leaks). */
typedef struct owned_t {
  int32_t *p;
} owned_t;

static int owned_live;

static void owned_copy(void *dst, const void *src, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    int32_t *p = malloc(sizeof *p);
    assert_non_null(p);
    *p = *((const owned_t *)src)[i].p;
    ((owned_t *)dst)[i].p = p;
    owned_live++;
  }
}

static void owned_dtor(void *ptr, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    free(((owned_t *)ptr)[i].p);
    owned_live--;
  }
}

static void test_command_values_with_hooks(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_desc_t d = {.name = "Owns",
                            .size = sizeof(owned_t),
                            .alignment = 16, /* the value sits after the target, aligned */
                            .flags = ECS_COMPONENT_RELATION,
                            .hooks = {.copy = owned_copy, .dtor = owned_dtor}};
  ecs_component_t owns = ecs_component_register(w, &d);
  ecs_entity_t a = ecs_entity_create(w);
  ecs_entity_t t = ecs_entity_create(w);
  ecs_entity_t gone = ecs_entity_create(w);
  int32_t seven = 7;
  owned_t v = {&seven};
  ecs_cmd_buffer_t *b = ecs_cmd_buffer_new(w);
  /* discarded by a clear */
  assert_int_equal(ecs_cmd_set_pair(b, a, owns, t, &v), ECS_OK);
  assert_int_equal(owned_live, 1);
  ecs_cmd_buffer_clear(b);
  assert_int_equal(owned_live, 0);
  /* applied; failed on a dead target; skipped on a dead entity */
  ecs_entity_t p = ecs_cmd_create(b);
  assert_int_equal(ecs_cmd_set_pair(b, a, owns, t, &v), ECS_OK);
  assert_int_equal(ecs_cmd_set_pair(b, a, owns, gone, &v), ECS_OK);
  assert_int_equal(ecs_cmd_set_pair(b, p, owns, t, &v), ECS_OK);
  assert_int_equal(ecs_cmd_destroy(b, p), ECS_OK);
  assert_int_equal(ecs_cmd_set_pair(b, p, owns, t, &v), ECS_OK);
  assert_int_equal(ecs_cmd_set_pair(b, a, owns, p, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_entity_destroy(w, gone), ECS_OK);
  ecs_cmd_stats_t s;
  assert_int_equal(ecs_cmd_buffer_apply(b, &s), ECS_ERR_STALE_ENTITY);
  assert_int_equal(s.failed, 1);
  assert_int_equal(s.skipped, 1);
  assert_int_equal(owned_live, 1); /* a's value only */
  const owned_t *got = ecs_get(w, a, ecs_pair(w, owns, t));
  assert_non_null(got);
  assert_int_equal(*got->p, 7);
  /* recorded, never applied: the buffer's free destructs it */
  assert_int_equal(ecs_cmd_set_pair(b, a, owns, t, &v), ECS_OK);
  ecs_cmd_buffer_free(b);
  assert_int_equal(owned_live, 1);
  ecs_world_free(w);
  assert_int_equal(owned_live, 0);
}

/* ---- queries ------------------------------------------------------------------- */

static void test_query_pairs(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    ecs_entity_t apple = ecs_entity_create(f.w);
    ecs_entity_t pear = ecs_entity_create(f.w);
    ecs_component_t ea = ecs_pair(f.w, f.eats, apple);
    ecs_component_t ep = ecs_pair(f.w, f.eats, pear);
    ecs_entity_t e[6];
    for (int i = 0; i < 6; ++i) {
      e[i] = ecs_entity_create(f.w);
      assert_int_equal(ecs_set(f.w, e[i], f.pos, &i), ECS_OK);
      amount_t v = {10 + i};
      /* 0,2,4 eat apples; 1,3 pears; 5 nothing */
      if (i < 5) {
        assert_int_equal(ecs_set(f.w, e[i], i % 2 ? ep : ea, &v), ECS_OK);
      }
    }
    /* fixed target */
    ecs_query_t *q =
        ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{f.pos, ECS_ACCESS_READ}, {ea, ECS_ACCESS_READ}}});
    assert_non_null(q);
    int sum = 0;
    ecs_iter_t it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      for (int32_t r = 0; r < it.count; ++r) {
        const amount_t *a = ecs_field_at(&it, 1, r);
        sum += a->n;
        assert_int_equal(ecs_iter_pair(&it, 1, r), ea);
        assert_int_equal(ecs_iter_pair(&it, 0, r), ECS_COMPONENT_NULL);
      }
      if (kinds[k] == ECS_STORAGE_ARCHETYPE) {
        assert_non_null(ecs_field(&it, 1)); /* an array on the default storage */
      }
    }
    assert_int_equal(sum, 10 + 12 + 14);
    ecs_query_free(q);

    /* wildcard: each row tells its target */
    ecs_component_t any = ecs_pair_wildcard(f.w, f.eats);
    q = ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{f.pos, ECS_ACCESS_READ}, {any, ECS_ACCESS_WRITE}}});
    assert_non_null(q);
    int rows = 0;
    it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      for (int32_t r = 0; r < it.count; ++r) {
        int32_t i = *(const int32_t *)ecs_field_at(&it, 0, r);
        ecs_component_t p = ecs_iter_pair(&it, 1, r);
        assert_int_equal(ecs_pair_target(f.w, p), i % 2 ? pear : apple);
        amount_t *a = ecs_field_at(&it, 1, r);
        assert_non_null(a);
        assert_int_equal(a->n, 10 + i);
        a->n += 100;
        rows++;
      }
    }
    assert_int_equal(rows, 5);
    assert_int_equal(((amount_t *)ecs_get(f.w, e[3], ep))->n, 113);
    ecs_query_free(q);

    /* WITHOUT a pair, OPTIONAL pair */
    q = ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{f.pos, ECS_ACCESS_READ}, {ea, ECS_ACCESS_WITHOUT}}});
    assert_int_equal(ecs_query_count(q), 3);
    ecs_query_free(q);
    q = ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{f.pos, ECS_ACCESS_READ}, {any, ECS_ACCESS_WITHOUT}}});
    assert_int_equal(ecs_query_count(q), 1);
    ecs_query_free(q);
    q = ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{f.pos, ECS_ACCESS_READ}, {ep, ECS_ACCESS_OPTIONAL}}});
    rows = 0;
    int with = 0;
    it = ecs_query_iter(q);
    while (ecs_iter_next(&it)) {
      for (int32_t r = 0; r < it.count; ++r) {
        rows++;
        with += ecs_field_at(&it, 1, r) != NULL;
        assert_int_equal(ecs_iter_pair(&it, 1, r) != ECS_COMPONENT_NULL, ecs_field_at(&it, 1, r) != NULL);
      }
    }
    assert_int_equal(rows, 6);
    assert_int_equal(with, 2);
    ecs_query_free(q);

    /* change filters on a wildcard are refused */
    assert_null(ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{any, ECS_CHANGED(ECS_ACCESS_READ)}}}));
    assert_int_equal(ecs_last_status(f.w), ECS_ERR_INVALID_ARGUMENT);
    /* a wildcard alone drives only the table walk */
    q = ecs_query_new(f.w, &(ecs_query_desc_t){.terms = {{any, ECS_ACCESS_READ}}});
    if (kinds[k] == ECS_STORAGE_ARCHETYPE) {
      assert_int_equal(ecs_query_count(q), 5);
      ecs_query_free(q);
    } else {
      assert_null(q);
      assert_int_equal(ecs_last_status(f.w), ECS_ERR_UNSUPPORTED);
    }
    ecs_world_free(f.w);
  }
}

/* ---- snapshots ------------------------------------------------------------------ */

static void test_snapshot_pairs(void **state) {
  (void)state;
  for (size_t k = 0; k < 2; ++k) {
    fx_t f;
    fx_init(&f, kinds[k]);
    ecs_entity_t apple = ecs_entity_create(f.w);
    ecs_entity_t bob = ecs_entity_create(f.w);
    amount_t v = {5};
    assert_int_equal(ecs_set(f.w, bob, ecs_pair(f.w, f.eats, apple), &v), ECS_OK);
    assert_int_equal(ecs_add(f.w, apple, ecs_pair(f.w, f.likes, bob)), ECS_OK);
    uint64_t sum = ecs_world_checksum(f.w);
    ecs_membuf_t buf = {0};
    ecs_writer_t out = ecs_membuf_writer(&buf);
    assert_int_equal(ecs_snapshot_save(f.w, &out), ECS_OK);

    /* a fresh world registers the pairs as it loads (other ids: the
     * relations registered in another order) */
    ecs_world_t *w2 = ecs_world_new(NULL);
    reg(w2, "Eats", sizeof(amount_t), ECS_COMPONENT_RELATION, kinds[k]);
    reg(w2, "Likes", 0, ECS_COMPONENT_RELATION, kinds[k]);
    reg(w2, "Pos", sizeof(int32_t), 0, kinds[k]);
    ecs_memsrc_t src = {buf.data, buf.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_snapshot_load(w2, &in), ECS_OK);
    ecs_component_t eats2 = ecs_component_lookup(w2, "Eats");
    ecs_component_t likes2 = ecs_component_lookup(w2, "Likes");
    assert_int_equal(ecs_target(w2, bob, eats2, 0), apple);
    assert_int_equal(ecs_target(w2, apple, likes2, 0), bob);
    assert_int_equal(((amount_t *)ecs_get(w2, bob, ecs_pair(w2, eats2, apple)))->n, 5);
    assert_int_equal(ecs_component_checksum(w2, ecs_pair(w2, eats2, apple)),
                     ecs_component_checksum(f.w, ecs_pair(f.w, f.eats, apple)));
    assert_int_equal(ecs_component_checksum(w2, ecs_pair(w2, likes2, bob)),
                     ecs_component_checksum(f.w, ecs_pair(f.w, f.likes, bob)));
    /* destroying a loaded target removes its pairs there too */
    assert_int_equal(ecs_entity_destroy(w2, apple), ECS_OK);
    assert_int_equal(ecs_target(w2, bob, eats2, 0), ECS_ENTITY_NULL);
    ecs_world_free(w2);

    /* a world without the relation refuses the snapshot clearly */
    ecs_world_t *w3 = ecs_world_new(NULL);
    reg(w3, "Pos", sizeof(int32_t), 0, kinds[k]);
    reg(w3, "Likes", 0, ECS_COMPONENT_RELATION, kinds[k]);
    src.pos = 0;
    uint64_t w3_sum = ecs_world_checksum(w3);
    assert_int_equal(ecs_snapshot_load(w3, &in), ECS_ERR_SNAPSHOT_SCHEMA);
    assert_int_equal(ecs_world_checksum(w3), w3_sum); /* pairs it registered hold nothing */
    assert_non_null(strstr(ecs_last_error(w3), "(Eats,"));
    ecs_world_free(w3);

    /* rollback brings a destroyed target and its pairs back */
    assert_int_equal(ecs_entity_destroy(f.w, apple), ECS_OK);
    assert_int_equal(ecs_target(f.w, bob, f.eats, 0), ECS_ENTITY_NULL);
    src.pos = 0;
    assert_int_equal(ecs_snapshot_load(f.w, &in), ECS_OK);
    assert_int_equal(ecs_world_checksum(f.w), sum);
    assert_int_equal(ecs_target(f.w, bob, f.eats, 0), apple);
    /* and destroying it again still removes them */
    assert_int_equal(ecs_entity_destroy(f.w, apple), ECS_OK);
    assert_int_equal(ecs_target(f.w, bob, f.eats, 0), ECS_ENTITY_NULL);
    ecs_membuf_free(&buf);
    ecs_world_free(f.w);
  }
}

/* ---- scheduler access analysis -------------------------------------------------- */

static ecs_status_t noop(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

/* Builds one ASYNC group of two systems under ECS_CONFLICT_REJECT. */
static ecs_status_t build_two(ecs_world_t *w, ecs_term_t a, ecs_term_t b) {
  ecs_scheduler_builder_t *bld = ecs_scheduler_builder_new(w);
  ecs_scheduler_desc_t opt = {.threads = ECS_POOL_INLINE, .on_conflict = ECS_CONFLICT_REJECT};
  assert_int_equal(ecs_builder_set_options(bld, &opt), ECS_OK);
  ecs_group_t g = ecs_builder_add_group(bld, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
  ecs_system_desc_t s1 = {.name = "one", .callback = noop, .query = {.terms = {a}}};
  ecs_system_desc_t s2 = {.name = "two", .callback = noop, .query = {.terms = {b}}};
  assert_int_equal(ecs_builder_add_system(bld, g, &s1), ECS_OK);
  assert_int_equal(ecs_builder_add_system(bld, g, &s2), ECS_OK);
  ecs_scheduler_t *s = NULL;
  ecs_status_t st = ecs_scheduler_build(bld, &s); /* frees the builder */
  ecs_scheduler_free(s);
  return st;
}

static void test_scheduler_conflicts(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, ECS_STORAGE_ARCHETYPE);
  ecs_entity_t apple = ecs_entity_create(f.w);
  ecs_entity_t pear = ecs_entity_create(f.w);
  ecs_component_t ea = ecs_pair(f.w, f.eats, apple);
  ecs_component_t ep = ecs_pair(f.w, f.eats, pear);
  ecs_component_t any = ecs_pair_wildcard(f.w, f.eats);
  ecs_component_t la = ecs_pair(f.w, f.likes, apple);
  /* a pair as a component */
  assert_int_equal(build_two(f.w, (ecs_term_t){ea, ECS_ACCESS_WRITE}, (ecs_term_t){ea, ECS_ACCESS_READ}),
                   ECS_ERR_CONFLICT);
  assert_int_equal(build_two(f.w, (ecs_term_t){ea, ECS_ACCESS_READ}, (ecs_term_t){ea, ECS_ACCESS_READ}), ECS_OK);
  assert_int_equal(build_two(f.w, (ecs_term_t){ea, ECS_ACCESS_READ}, (ecs_term_t){ep, ECS_ACCESS_WRITE}), ECS_OK);
  /* a wildcard against any pair of its relation */
  assert_int_equal(build_two(f.w, (ecs_term_t){any, ECS_ACCESS_READ}, (ecs_term_t){ep, ECS_ACCESS_WRITE}),
                   ECS_ERR_CONFLICT);
  assert_int_equal(build_two(f.w, (ecs_term_t){ea, ECS_ACCESS_READ}, (ecs_term_t){any, ECS_ACCESS_WRITE}),
                   ECS_ERR_CONFLICT);
  assert_int_equal(build_two(f.w, (ecs_term_t){any, ECS_ACCESS_READ}, (ecs_term_t){ea, ECS_ACCESS_READ}), ECS_OK);
  assert_int_equal(build_two(f.w, (ecs_term_t){any, ECS_ACCESS_WRITE}, (ecs_term_t){la, ECS_ACCESS_WRITE}), ECS_OK);
  ecs_world_free(f.w);
}

/* A wildcard declaration covers ecs_system_get() of any pair of its
 * relation, and of nothing else. */
typedef struct access_ctx_t {
  ecs_component_t pair;
  ecs_component_t other_pair;
  ecs_entity_t e;
  int got;
} access_ctx_t;

static ecs_status_t reads_pairs(ecs_system_ctx_t *ctx) {
  access_ctx_t *a = ctx->user;
  a->got += ecs_system_get(ctx, a->e, a->pair) != NULL;              /* covered by (Eats,*) */
  a->got += 10 * (ecs_system_get(ctx, a->e, a->other_pair) != NULL); /* (Likes,x): not declared */
  return ECS_OK;
}

static void test_wildcard_access_checks(void **state) {
  (void)state;
  fx_t f;
  fx_init(&f, ECS_STORAGE_ARCHETYPE);
  ecs_entity_t apple = ecs_entity_create(f.w);
  ecs_entity_t e = ecs_entity_create(f.w);
  access_ctx_t a = {.pair = ecs_pair(f.w, f.eats, apple), .other_pair = ecs_pair(f.w, f.likes, apple), .e = e};
  assert_int_equal(ecs_set(f.w, e, a.pair, &(amount_t){1}), ECS_OK);
  assert_int_equal(ecs_add(f.w, e, a.other_pair), ECS_OK);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(f.w);
  ecs_scheduler_desc_t opt = {.threads = ECS_POOL_INLINE, .check_access = ECS_ACCESS_CHECK_ON};
  assert_int_equal(ecs_builder_set_options(b, &opt), ECS_OK);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  ecs_system_desc_t sd = {.name = "reads",
                          .callback = reads_pairs,
                          .user = &a,
                          .query = {.terms = {{ecs_pair_wildcard(f.w, f.eats), ECS_ACCESS_READ}}}};
  assert_int_equal(ecs_builder_add_system(b, g, &sd), ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  ecs_tick_result_t r;
  assert_int_equal(ecs_scheduler_tick(s, 0.0, &r), ECS_OK);
  assert_int_equal(a.got, 1);
  assert_int_equal(r.access_violations, 1);
  ecs_scheduler_free(s);
  /* a relation with pairs keeps its storage kind */
  assert_int_equal(ecs_component_set_storage(f.w, f.eats, ECS_STORAGE_DENSE), ECS_ERR_UNSUPPORTED);
  assert_int_equal(ecs_component_set_storage(f.w, a.pair, ECS_STORAGE_DENSE), ECS_ERR_UNSUPPORTED);
  ecs_world_free(f.w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_pair_basics),
      cmocka_unit_test(test_pair_errors),
      cmocka_unit_test(test_destroy_target_removes_pairs),
      cmocka_unit_test(test_destroy_cascade),
      cmocka_unit_test(test_destroy_refused),
      cmocka_unit_test(test_commands_with_provisional_targets),
      cmocka_unit_test(test_command_values_with_hooks),
      cmocka_unit_test(test_query_pairs),
      cmocka_unit_test(test_snapshot_pairs),
      cmocka_unit_test(test_scheduler_conflicts),
      cmocka_unit_test(test_wildcard_access_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
