/* Relationships when memory runs out: every allocation of registering a
 * pair, destroying a target (cascade and removal), setting a parent and a
 * name, fails in turn. Each failure returns ECS_ERR_NO_MEMORY with the
 * world's checksum unchanged and no pair left pointing at a dead entity;
 * the world stays usable and the same call then succeeds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/failing_alloc.h"

typedef struct fixture_t {
  failing_t fail;
  ecs_world_t *w;
  ecs_component_t likes; /* REMOVE policy */
  ecs_component_t owns;  /* DELETE policy */
  ecs_component_t pos;
  ecs_entity_t target;
  ecs_entity_t holders[8];
} fixture_t;

static void setup(fixture_t *f, ecs_storage_kind_t kind) {
  f->fail = (failing_t){0, SIZE_MAX};
  ecs_world_desc_t d = {.allocator = failing_allocator(&f->fail), .default_storage = (int32_t)kind};
  f->w = ecs_world_new(&d);
  assert_non_null(f->w);
  ecs_component_desc_t ld = {.name = "Likes", .flags = ECS_COMPONENT_RELATION};
  ecs_component_desc_t od = {.name = "Owns", .flags = ECS_COMPONENT_RELATION};
  f->likes = ecs_component_register(f->w, &ld);
  f->owns = ecs_component_register(f->w, &od);
  f->pos = ecs_component_register_type(f->w, "Pos", 4, 4);
  assert_int_equal(ecs_relation_set_policy(f->w, f->owns, ECS_TARGET_DELETE), ECS_OK);
  f->target = ecs_entity_create(f->w);
  for (int i = 0; i < 8; ++i) {
    f->holders[i] = ecs_entity_create(f->w);
    assert_int_equal(ecs_set(f->w, f->holders[i], f->pos, &i), ECS_OK);
    ecs_component_t rel = i % 2 ? f->owns : f->likes;
    assert_int_equal(ecs_add(f->w, f->holders[i], ecs_pair(f->w, rel, f->target)), ECS_OK);
    if (i > 0) {
      assert_int_equal(ecs_set_parent(f->w, f->holders[i], f->holders[i - 1]), ECS_OK);
    }
  }
  assert_int_equal(ecs_set_name(f->w, f->holders[0], "h0"), ECS_OK);
}

/* No live entity holds a pair whose target is dead. */
static void no_dangling(fixture_t *f) {
  for (int i = 0; i < 8; ++i) {
    if (!ecs_entity_alive(f->w, f->holders[i])) {
      continue;
    }
    for (int k = 0; k < 2; ++k) {
      ecs_entity_t t = ecs_target(f->w, f->holders[i], k ? f->owns : f->likes, 0);
      assert_true(t == ECS_ENTITY_NULL || ecs_entity_alive(f->w, t));
    }
    ecs_entity_t p = ecs_parent(f->w, f->holders[i]);
    assert_true(p == ECS_ENTITY_NULL || ecs_entity_alive(f->w, p));
  }
}

typedef ecs_status_t (*op_fn)(fixture_t *f);

static ecs_status_t op_destroy_target(fixture_t *f) {
  return ecs_entity_destroy(f->w, f->target);
}

static ecs_status_t op_destroy_root(fixture_t *f) {
  return ecs_entity_destroy(f->w, f->holders[0]);
}

static ecs_status_t op_new_pair(fixture_t *f) {
  ecs_component_t p = ecs_pair(f->w, f->likes, f->holders[3]);
  return p ? ecs_add(f->w, f->holders[5], p) : ecs_last_status(f->w);
}

static ecs_status_t op_reparent(fixture_t *f) {
  return ecs_set_parent(f->w, f->holders[4], f->target);
}

static ecs_status_t op_name(fixture_t *f) {
  return ecs_set_name(f->w, f->holders[6], "six");
}

static void sweep(op_fn op, ecs_storage_kind_t kind) {
  for (size_t k = 1;; ++k) {
    fixture_t f;
    setup(&f, kind);
    uint64_t before = ecs_world_checksum(f.w);
    f.fail.fail_at = f.fail.calls + k;
    ecs_status_t st = op(&f);
    f.fail.fail_at = SIZE_MAX;
    no_dangling(&f);
    if (st == ECS_OK) {
      ecs_world_free(f.w);
      assert_true(k > 1); /* every operation here allocates: some failed */
      break;              /* the k-th allocation is past the operation's last */
    }
    assert_int_equal(st, ECS_ERR_NO_MEMORY);
    assert_int_equal(ecs_world_checksum(f.w), before);
    assert_int_equal(op(&f), ECS_OK); /* usable, and the same call succeeds */
    no_dangling(&f);
    ecs_world_free(f.w);
    assert_true(k < 10000);
  }
}

static void test_alloc_failures(void **state) {
  (void)state;
  static const ecs_storage_kind_t kinds[] = {ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE};
  for (size_t i = 0; i < 2; ++i) {
    sweep(op_destroy_target, kinds[i]);
    sweep(op_destroy_root, kinds[i]);
    sweep(op_new_pair, kinds[i]);
    sweep(op_reparent, kinds[i]);
    sweep(op_name, kinds[i]);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_alloc_failures),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
