/* The conflict analysis of ASYNC groups against a reference: the pairwise
 * scan the builder used to run (every pair of systems of a group, each
 * pair's first conflict by the earlier system's access order, then the
 * later one's). Random systems with random access sets over a few
 * components and resources, many seeds: the same serialization edges in
 * the same order with the same reasons, the same predecessor counts, and
 * under ECS_CONFLICT_REJECT the same first conflict and message. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs.h"
#include "scheduler_internal.h"
#include "support/rng.h"

enum { MAX_SYSTEMS = 3000, MAX_GROUPS = 4, MAX_COMPS = 48, MAX_RES = 8, NAME_LEN = 16 };

/* ---- the reference: the documented rule, written out pairwise ---------- */

typedef struct ref_access_t {
  ecs_component_t id;
  bool write;
  bool resource;
} ref_access_t;

/* READ, WRITE and OPTIONAL terms in term order (change bits ignored; WITH
 * and WITHOUT only test presence), then reads[], then writes[]. */
static uint32_t ref_access_list(const ecs_system_desc_t *d, ref_access_t *out) {
  uint32_t n = 0;
  for (int i = 0; i < ECS_QUERY_MAX_TERMS && d->query.terms[i].component; ++i) {
    ecs_access_t a = (ecs_access_t)((uint32_t)d->query.terms[i].access &
                                    ~(uint32_t)(ECS_PRIV_ACCESS_CHANGED_BIT | ECS_PRIV_ACCESS_ADDED_BIT));
    if (a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_OPTIONAL) {
      out[n++] = (ref_access_t){d->query.terms[i].component, a == ECS_ACCESS_WRITE, false};
    }
  }
  for (int i = 0; i < ECS_SYSTEM_MAX_RESOURCES && d->reads[i]; ++i) {
    out[n++] = (ref_access_t){d->reads[i], false, true};
  }
  for (int i = 0; i < ECS_SYSTEM_MAX_RESOURCES && d->writes[i]; ++i) {
    out[n++] = (ref_access_t){d->writes[i], true, true};
  }
  return n;
}

typedef struct ref_system_t {
  ref_access_t acc[ECS_QUERY_MAX_TERMS + 2 * ECS_SYSTEM_MAX_RESOURCES];
  uint32_t n;
} ref_system_t;

static bool ref_conflict(const ref_system_t *a, const ref_system_t *b, ref_access_t *ca, ref_access_t *cb) {
  for (uint32_t i = 0; i < a->n; ++i) {
    for (uint32_t j = 0; j < b->n; ++j) {
      if (a->acc[i].id == b->acc[j].id && a->acc[i].resource == b->acc[j].resource &&
          (a->acc[i].write || b->acc[j].write)) {
        *ca = a->acc[i];
        *cb = b->acc[j];
        return true;
      }
    }
  }
  return false;
}

/* ---- random schedules --------------------------------------------------- */

typedef struct scenario_t {
  ecs_world_t *w;
  ecs_component_t comps[MAX_COMPS];
  ecs_component_t res[MAX_RES];
  uint32_t comp_count;
  uint32_t res_count;
  uint32_t group_count;
  bool async[MAX_GROUPS];
  uint32_t system_count;
  ecs_system_desc_t *desc; /* in declared order */
  uint32_t *group;         /* of each declared system */
  char (*names)[NAME_LEN];
  /* the reference's view, in run order (groups in declared order: no
   * dependencies between them; systems in declared order in each) */
  uint32_t *run;     /* run index -> declared index */
  ref_system_t *ref; /* by run index */
  uint32_t group_first[MAX_GROUPS + 1];
} scenario_t;

static ecs_status_t empty_system(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

static const char *group_name(uint32_t g) {
  static const char *const names[MAX_GROUPS] = {"g0", "g1", "g2", "g3"};
  return names[g];
}

/* A random query over distinct components, with at least one READ, WRITE
 * or WITH term when it has any (or none at all), and random resources
 * (duplicates allowed, in reads[] and writes[] alike). */
static void random_system(scenario_t *sc, rng_t *r, ecs_system_desc_t *d) {
  static const ecs_access_t kinds[] = {ECS_ACCESS_READ,    ECS_ACCESS_WRITE, ECS_ACCESS_OPTIONAL, ECS_ACCESS_WITH,
                                       ECS_ACCESS_WITHOUT, ECS_ACCESS_READ,  ECS_ACCESS_WRITE};
  uint32_t terms = rnd(r, 5);
  terms = terms > sc->comp_count ? sc->comp_count : terms;
  bool used[MAX_COMPS] = {false};
  bool required = false;
  for (uint32_t t = 0; t < terms; ++t) {
    uint32_t c = rnd(r, sc->comp_count);
    while (used[c]) {
      c = (c + 1) % sc->comp_count;
    }
    used[c] = true;
    ecs_access_t a = kinds[rnd(r, sizeof kinds / sizeof kinds[0])];
    if (t + 1 == terms && !required) {
      a = rnd(r, 2) ? ECS_ACCESS_READ : ECS_ACCESS_WRITE;
    }
    required |= a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_WITH;
    if ((a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_WITH) && rnd(r, 6) == 0) {
      a = rnd(r, 2) ? ECS_CHANGED(a) : ECS_ADDED(a);
    }
    d->query.terms[t] = (ecs_term_t){sc->comps[c], a};
  }
  for (uint32_t k = 0, n = sc->res_count ? rnd(r, 3) : 0; k < n; ++k) {
    d->reads[k] = sc->res[rnd(r, sc->res_count)];
  }
  for (uint32_t k = 0, n = sc->res_count ? rnd(r, 3) : 0; k < n; ++k) {
    d->writes[k] = sc->res[rnd(r, sc->res_count)];
  }
}

static void scenario_free(scenario_t *sc) {
  ecs_world_free(sc->w);
  free(sc->desc);
  free(sc->group);
  free(sc->names);
  free(sc->run);
  free(sc->ref);
  memset(sc, 0, sizeof *sc);
}

static void scenario_new(scenario_t *sc, uint64_t seed, uint32_t systems, uint32_t comps, uint32_t res,
                         uint32_t groups) {
  memset(sc, 0, sizeof *sc);
  rng_t r = {seed * 0x9e3779b97f4a7c15ull + 1};
  sc->w = ecs_world_new(NULL);
  assert_non_null(sc->w);
  sc->comp_count = comps;
  sc->res_count = res;
  sc->group_count = groups;
  /* resources and components interleaved in id order, so that a resource
   * and a component may share nothing but the numbering */
  for (uint32_t k = 0; k < comps || k < res; ++k) {
    char name[NAME_LEN];
    if (k < comps) {
      snprintf(name, sizeof name, "c%u", (unsigned)k);
      sc->comps[k] = ecs_component_register_type(sc->w, name, sizeof(int32_t), 0);
      assert_int_not_equal(sc->comps[k], ECS_COMPONENT_NULL);
    }
    if (k < res) {
      snprintf(name, sizeof name, "r%u", (unsigned)k);
      sc->res[k] = ecs_component_register_type(sc->w, name, sizeof(int32_t), 0);
      assert_int_not_equal(sc->res[k], ECS_COMPONENT_NULL);
    }
  }
  for (uint32_t g = 0; g < groups; ++g) {
    sc->async[g] = g == 0 || rnd(&r, 4) != 0;
  }
  sc->system_count = systems;
  sc->desc = calloc(systems ? systems : 1, sizeof *sc->desc);
  sc->group = calloc(systems ? systems : 1, sizeof *sc->group);
  sc->names = calloc(systems ? systems : 1, sizeof *sc->names);
  sc->run = calloc(systems ? systems : 1, sizeof *sc->run);
  sc->ref = calloc(systems ? systems : 1, sizeof *sc->ref);
  assert_true(sc->desc && sc->group && sc->names && sc->run && sc->ref);
  for (uint32_t i = 0; i < systems; ++i) {
    snprintf(sc->names[i], NAME_LEN, "s%u", (unsigned)i);
    sc->group[i] = rnd(&r, groups);
    ecs_system_desc_t *d = &sc->desc[i];
    d->name = sc->names[i];
    d->callback = empty_system;
    random_system(sc, &r, d);
  }
  uint32_t k = 0;
  for (uint32_t g = 0; g < groups; ++g) {
    sc->group_first[g] = k;
    for (uint32_t i = 0; i < systems; ++i) {
      if (sc->group[i] == g) {
        sc->run[k] = i;
        sc->ref[k].n = ref_access_list(&sc->desc[i], sc->ref[k].acc);
        ++k;
      }
    }
  }
  sc->group_first[groups] = k;
}

static ecs_status_t scenario_build(scenario_t *sc, ecs_conflict_policy_t policy, ecs_scheduler_t **out) {
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(sc->w);
  assert_non_null(b);
  assert_int_equal(
      ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = ECS_POOL_INLINE, .on_conflict = policy}), ECS_OK);
  for (uint32_t g = 0; g < sc->group_count; ++g) {
    ecs_group_t h = ecs_builder_add_group(
        b, &(ecs_group_desc_t){.name = group_name(g), .mode = sc->async[g] ? ECS_GROUP_ASYNC : ECS_GROUP_SYNC});
    assert_int_equal(h, g + 1);
  }
  for (uint32_t i = 0; i < sc->system_count; ++i) {
    assert_int_equal(ecs_builder_add_system(b, sc->group[i] + 1, &sc->desc[i]), ECS_OK);
  }
  return ecs_scheduler_build(b, out);
}

/* Compares the built schedule with the reference; returns the number of
 * edges. Under REJECT, checks the status and the message instead. */
static size_t check_scenario(scenario_t *sc, uint64_t seed) {
  size_t edges = 0;
  /* the reference's first conflict, for REJECT */
  char expect_msg[ECS_ERROR_MAX] = "";
  for (uint32_t g = 0; g < sc->group_count && !expect_msg[0]; ++g) {
    for (uint32_t i = sc->group_first[g]; sc->async[g] && i < sc->group_first[g + 1] && !expect_msg[0]; ++i) {
      for (uint32_t j = i + 1; j < sc->group_first[g + 1]; ++j) {
        ref_access_t ca;
        ref_access_t cb;
        if (ref_conflict(&sc->ref[i], &sc->ref[j], &ca, &cb)) {
          const char *a = sc->names[sc->run[i]];
          const char *bn = sc->names[sc->run[j]];
          snprintf(expect_msg, sizeof expect_msg,
                   "systems '%s' and '%s' in async group '%s' conflict on %s '%s' ('%s' %s, '%s' %s)", a, bn,
                   group_name(g), ca.resource ? "resource" : "component", ecs_component_name(sc->w, ca.id), a,
                   ca.write ? "writes" : "reads", bn, cb.write ? "writes" : "reads");
          break;
        }
      }
    }
  }
  ecs_scheduler_t *s = NULL;
  ecs_status_t st = scenario_build(sc, ECS_CONFLICT_REJECT, &s);
  if (expect_msg[0]) {
    if (st != ECS_ERR_CONFLICT || strcmp(ecs_last_error(sc->w), expect_msg) != 0) {
      fail_msg("seed %llu: REJECT gave %d '%s', expected '%s'", (unsigned long long)seed, (int)st,
               ecs_last_error(sc->w), expect_msg);
    }
    assert_null(s);
  } else {
    if (st != ECS_OK) {
      fail_msg("seed %llu: REJECT failed without a conflict: %s", (unsigned long long)seed, ecs_last_error(sc->w));
    }
    ecs_scheduler_free(s);
  }

  st = scenario_build(sc, ECS_CONFLICT_SERIALIZE, &s);
  if (st != ECS_OK) {
    fail_msg("seed %llu: SERIALIZE build: %s", (unsigned long long)seed, ecs_last_error(sc->w));
  }
  assert_int_equal(s->system_count, sc->system_count);
  uint32_t *pred = calloc(sc->system_count ? sc->system_count : 1, sizeof *pred);
  assert_non_null(pred);
  for (uint32_t g = 0; g < sc->group_count; ++g) {
    for (uint32_t i = sc->group_first[g]; i < sc->group_first[g + 1]; ++i) {
      const s_system_t *sys = &s->systems[i];
      if (strcmp(sys->name, sc->names[sc->run[i]]) != 0) {
        fail_msg("seed %llu: system %u is '%s', expected '%s'", (unsigned long long)seed, (unsigned)i, sys->name,
                 sc->names[sc->run[i]]);
      }
      uint32_t k = 0;
      for (uint32_t j = i + 1; sc->async[g] && j < sc->group_first[g + 1]; ++j) {
        ref_access_t ca;
        ref_access_t cb;
        if (!ref_conflict(&sc->ref[i], &sc->ref[j], &ca, &cb)) {
          continue;
        }
        pred[j]++;
        if (k >= sys->succ_count || sys->succ[k] != j || sys->succ_why[k].id != ca.id ||
            sys->succ_why[k].resource != ca.resource || sys->succ_why[k].first_writes != ca.write ||
            sys->succ_why[k].second_writes != cb.write) {
          fail_msg("seed %llu: edge %u of '%s': expected -> '%s' on %s %u (%s/%s)", (unsigned long long)seed,
                   (unsigned)k, sys->name, sc->names[sc->run[j]], ca.resource ? "resource" : "component",
                   (unsigned)ca.id, ca.write ? "write" : "read", cb.write ? "write" : "read");
        }
        ++k;
      }
      if (k != sys->succ_count) {
        fail_msg("seed %llu: '%s' has %u edges, expected %u", (unsigned long long)seed, sys->name,
                 (unsigned)sys->succ_count, (unsigned)k);
      }
      edges += k;
    }
  }
  for (uint32_t i = 0; i < sc->system_count; ++i) {
    if (s->systems[i].pred_count != pred[i]) {
      fail_msg("seed %llu: '%s' waits for %u systems, expected %u", (unsigned long long)seed, s->systems[i].name,
               (unsigned)s->systems[i].pred_count, (unsigned)pred[i]);
    }
  }
  free(pred);
  /* the schedule runs: every system once, none left waiting */
  ecs_tick_result_t res;
  assert_int_equal(ecs_scheduler_tick(s, 1.0 / 60.0, &res), ECS_OK);
  ecs_scheduler_free(s);
  return edges;
}

/* Small schedules over few components and resources: dense conflicts,
 * resources listed twice, systems with nothing declared, SYNC groups. */
static void test_matches_pairwise_reference(void **state) {
  (void)state;
  size_t edges = 0;
  for (uint64_t seed = 1; seed <= 600; ++seed) {
    rng_t r = {seed};
    scenario_t sc;
    scenario_new(&sc, seed, rnd(&r, 40), 1 + rnd(&r, 6), rnd(&r, 4), 1 + rnd(&r, 3));
    edges += check_scenario(&sc, seed);
    scenario_free(&sc);
  }
  assert_true(edges > 10000); /* the seeds do conflict */
}

/* Thousands of systems: long lists of later systems per component, met
 * lists longer than the insertion sort handles, and a check that the
 * result does not depend on the scale. */
static void test_matches_reference_at_scale(void **state) {
  (void)state;
  const struct {
    uint32_t systems, comps, res;
  } cases[] = {{MAX_SYSTEMS, MAX_COMPS, MAX_RES}, {1500, 6, 2}, {2000, 40, 0}};
  for (size_t k = 0; k < sizeof cases / sizeof cases[0]; ++k) {
    scenario_t sc;
    scenario_new(&sc, 1000 + k, cases[k].systems, cases[k].comps, cases[k].res, 1);
    assert_true(check_scenario(&sc, 1000 + k) > cases[k].systems);
    scenario_free(&sc);
  }
}

/* One writer of two components met by later readers of each, alternately:
 * the later systems come in two interleaved runs and must be merged into
 * one ascending list. */
static void test_interleaved_runs(void **state) {
  (void)state;
  for (uint32_t readers = 2; readers <= 200; readers *= 3) {
    scenario_t sc;
    scenario_new(&sc, 7, 0, 2, 0, 1);
    free(sc.desc);
    free(sc.group);
    free(sc.names);
    free(sc.run);
    free(sc.ref);
    sc.system_count = 1 + readers;
    sc.desc = calloc(sc.system_count, sizeof *sc.desc);
    sc.group = calloc(sc.system_count, sizeof *sc.group);
    sc.names = calloc(sc.system_count, sizeof *sc.names);
    sc.run = calloc(sc.system_count, sizeof *sc.run);
    sc.ref = calloc(sc.system_count, sizeof *sc.ref);
    assert_true(sc.desc && sc.group && sc.names && sc.run && sc.ref);
    for (uint32_t i = 0; i < sc.system_count; ++i) {
      snprintf(sc.names[i], NAME_LEN, "s%u", (unsigned)i);
      sc.desc[i].name = sc.names[i];
      sc.desc[i].callback = empty_system;
      if (i == 0) {
        sc.desc[i].query.terms[0] = (ecs_term_t){sc.comps[0], ECS_ACCESS_WRITE};
        sc.desc[i].query.terms[1] = (ecs_term_t){sc.comps[1], ECS_ACCESS_WRITE};
      } else {
        sc.desc[i].query.terms[0] = (ecs_term_t){sc.comps[i % 2], ECS_ACCESS_READ};
      }
      sc.run[i] = i;
      sc.ref[i].n = ref_access_list(&sc.desc[i], sc.ref[i].acc);
    }
    sc.group_first[1] = sc.system_count;
    assert_int_equal(check_scenario(&sc, readers), readers);
    scenario_free(&sc);
  }
}

/* ---- system names: the builder's index --------------------------------- */

/* Fails every allocation of a power of two of 256 bytes or more while
 * armed: among the adds of systems only the name index asks for those. */
typedef struct pow2_fail_t {
  bool armed;
  size_t failed;
} pow2_fail_t;

static bool pow2_fails(pow2_fail_t *f, size_t size) {
  bool fail = f->armed && size >= 256 && (size & (size - 1)) == 0;
  f->failed += fail;
  return fail;
}

static void *p2_alloc(void *user, size_t size) {
  return pow2_fails(user, size) ? NULL : malloc(size);
}

static void *p2_realloc(void *user, void *ptr, size_t old, size_t size) {
  (void)old;
  return pow2_fails(user, size) ? NULL : realloc(ptr, size);
}

static void p2_free(void *user, void *ptr, size_t size) {
  (void)user;
  (void)size;
  free(ptr);
}

/* Adds n systems named s0..s(n-1), then each of some names again: every
 * second add is refused as before, with the same message, and the first
 * error is the one the build reports. */
static void add_and_repeat(ecs_world_t *w, uint32_t n, pow2_fail_t *f) {
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  assert_non_null(b);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g"});
  if (f) {
    f->armed = true;
  }
  char name[NAME_LEN];
  for (uint32_t i = 0; i < n; ++i) {
    snprintf(name, sizeof name, "s%u", (unsigned)i);
    assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = name, .callback = empty_system}),
                     ECS_OK);
  }
  const uint32_t again[] = {0, n / 2, n - 1};
  for (size_t k = 0; k < sizeof again / sizeof again[0]; ++k) {
    snprintf(name, sizeof name, "s%u", (unsigned)again[k]);
    assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = name, .callback = empty_system}),
                     ECS_ERR_DUPLICATE);
    char msg[64];
    snprintf(msg, sizeof msg, "system '%s' is added twice", name);
    assert_string_equal(ecs_last_error(w), msg);
  }
  /* names that are not there yet are still accepted */
  snprintf(name, sizeof name, "s%u", (unsigned)n);
  assert_int_equal(ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = name, .callback = empty_system}), ECS_OK);
  if (f) {
    f->armed = false;
  }
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_DUPLICATE);
  assert_string_equal(ecs_last_error(w), "system 's0' is added twice");
  assert_null(s);
}

static void test_duplicate_names(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_non_null(w);
  for (uint32_t n = 1; n <= 5000; n *= 7) {
    add_and_repeat(w, n, NULL);
  }
  ecs_world_free(w);
  /* without memory for the index the builder scans, with the same results */
  pow2_fail_t f = {false, 0};
  w = ecs_world_new(&(ecs_world_desc_t){.allocator = {p2_alloc, p2_realloc, p2_free, &f}});
  assert_non_null(w);
  add_and_repeat(w, 300, &f);
  assert_true(f.failed > 0);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_duplicate_names),
      cmocka_unit_test(test_matches_pairwise_reference),
      cmocka_unit_test(test_matches_reference_at_scale),
      cmocka_unit_test(test_interleaved_runs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
