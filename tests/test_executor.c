/* Executors: the scheduler on a host's job system. Host executors written
 * here with threads and a queue of their own (finish that blocks, finish
 * that helps, calls made only at finish time, calls made inside enqueue,
 * fewer threads than calls) run the shared simulation with the same world
 * after every tick as the built-in pool; ecs_parallel_for inside ASYNC
 * systems cannot stall a host whose workers are all busy; the contract the
 * library promises (finish only on the ticking thread, never inside a call,
 * exactly once per handle; count within workers) is checked on every call;
 * the pool's thread hooks and names; bad descriptors. Run under TSan in CI.
 * Calls never assert (cmocka cannot fail from another thread): they count
 * violations that the test thread checks. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "platform/platform.h" /* the host's threads: the library's own portable primitives */
#include "support/sim.h"
#include "support/watchdog.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* where the pool's workers carry a name the test can read back */
#if (defined(__linux__) && !defined(__EMSCRIPTEN__)) || defined(_WIN32)
#define TEST_THREAD_NAMES 1
#else
#define TEST_THREAD_NAMES 0
#endif

/* ---- a host job system --------------------------------------------------- */

typedef enum host_kind_t {
  HOST_BLOCKING, /* workers; finish sleeps until the calls have run */
  HOST_HELPING,  /* workers; finish runs queued calls while it waits */
  HOST_DEFERRED, /* no thread: a handle's calls run when it is finished */
  HOST_INLINE,   /* no thread: calls run inside enqueue, which returns NULL */
} host_kind_t;

/* One enqueue: `count` calls of fn(arg). */
typedef struct host_job_t {
  ecs_task_fn fn;
  void *arg;
  uint32_t unstarted; /* calls no thread has taken */
  uint32_t running;   /* calls taken and not returned */
  struct host_job_t *next;
} host_job_t;

typedef struct host_t {
  host_kind_t kind;
  uint32_t workers; /* reported to the scheduler */
  ecs__thread_t threads[8];
  uint32_t thread_count; /* started */
  ecs__mutex_t mutex;
  ecs__cond_t work; /* a job with unstarted calls, or stop */
  ecs__cond_t done; /* a call returned */
  host_job_t *head, *tail;
  bool stop;
  ecs__thread_id_t ticker; /* the thread that ticks: finish must come from it */
  /* what the library did, checked by the test thread */
  atomic_uint enqueues, handles, finishes, calls, calls_on_workers, max_count;
  atomic_uint violations;
  char violation[128]; /* the first one, under mutex */
} host_t;

static _Thread_local int tl_in_call;     /* this thread is inside a call */
static _Thread_local int tl_host_thread; /* this thread is a host worker */

static void violate(host_t *h, const char *what) {
  if (atomic_fetch_add(&h->violations, 1u) == 0) {
    ecs__mutex_lock(&h->mutex);
    snprintf(h->violation, sizeof h->violation, "%s", what);
    ecs__mutex_unlock(&h->mutex);
  }
}

static void make_call(host_t *h, host_job_t *j) {
  tl_in_call++;
  atomic_fetch_add(&h->calls, 1u);
  if (tl_host_thread) {
    atomic_fetch_add(&h->calls_on_workers, 1u);
  }
  j->fn(j->arg);
  tl_in_call--;
}

/* Takes one call of the first queued job; mutex held. */
static host_job_t *take_locked(host_t *h) {
  host_job_t *j = h->head;
  if (!j) {
    return NULL;
  }
  if (--j->unstarted == 0) {
    h->head = j->next;
    if (!h->head) {
      h->tail = NULL;
    }
  }
  j->running++;
  return j;
}

/* Runs one taken call; mutex held before and after. */
static void run_taken_locked(host_t *h, host_job_t *j) {
  ecs__mutex_unlock(&h->mutex);
  make_call(h, j);
  ecs__mutex_lock(&h->mutex);
  j->running--;
  ecs__cond_broadcast(&h->done);
}

static void host_worker(void *arg) {
  host_t *h = arg;
  tl_host_thread = 1;
  ecs__mutex_lock(&h->mutex);
  for (;;) {
    host_job_t *j = take_locked(h);
    if (j) {
      run_taken_locked(h, j);
      continue;
    }
    if (h->stop) {
      break;
    }
    ecs__cond_wait(&h->work, &h->mutex);
  }
  ecs__mutex_unlock(&h->mutex);
}

static void *host_enqueue(void *user, ecs_task_fn fn, void *arg, uint32_t count) {
  host_t *h = user;
  atomic_fetch_add(&h->enqueues, 1u);
  uint32_t limit = h->workers > 0 ? h->workers : 1;
  if (count < 1 || count > limit) {
    violate(h, "enqueue: count out of range");
  }
  unsigned seen = atomic_load(&h->max_count);
  while (count > seen && !atomic_compare_exchange_weak(&h->max_count, &seen, count)) {
  }
  host_job_t job = {fn, arg, count, 0, NULL};
  if (h->kind == HOST_INLINE) {
    for (uint32_t i = 0; i < count; ++i) {
      make_call(h, &job);
    }
    return NULL;
  }
  host_job_t *j = malloc(sizeof *j);
  if (!j) {
    violate(h, "out of memory");
    for (uint32_t i = 0; i < count; ++i) {
      make_call(h, &job);
    }
    return NULL;
  }
  *j = job;
  atomic_fetch_add(&h->handles, 1u);
  ecs__mutex_lock(&h->mutex);
  if (h->tail) {
    h->tail->next = j;
  } else {
    h->head = j;
  }
  h->tail = j;
  ecs__cond_broadcast(&h->work);
  ecs__mutex_unlock(&h->mutex);
  return j;
}

/* Unlinks j from the queue (a deferred host runs its own calls). */
static void unlink_locked(host_t *h, host_job_t *j) {
  host_job_t **at = &h->head;
  host_job_t *prev = NULL;
  while (*at && *at != j) {
    prev = *at;
    at = &(*at)->next;
  }
  if (*at) {
    *at = j->next;
    if (h->tail == j) {
      h->tail = prev;
    }
  }
}

static void host_finish(void *user, void *handle) {
  host_t *h = user;
  host_job_t *j = handle;
  atomic_fetch_add(&h->finishes, 1u);
  if (!j) {
    violate(h, "finish: NULL handle");
    return;
  }
  if (tl_in_call) {
    violate(h, "finish: inside a call");
  }
  if (!ecs__thread_id_equal(ecs__thread_self(), h->ticker)) {
    violate(h, "finish: not on the ticking thread");
  }
  ecs__mutex_lock(&h->mutex);
  if (h->kind == HOST_DEFERRED && j->unstarted > 0) {
    unlink_locked(h, j);
    while (j->unstarted > 0) {
      j->unstarted--;
      j->running++;
      run_taken_locked(h, j);
    }
  }
  while (j->unstarted > 0 || j->running > 0) {
    host_job_t *other = h->kind == HOST_HELPING ? take_locked(h) : NULL;
    if (other) {
      run_taken_locked(h, other);
    } else {
      ecs__cond_wait(&h->done, &h->mutex);
    }
  }
  ecs__mutex_unlock(&h->mutex);
  free(j);
}

/* threads: worker threads to start (workers is what the scheduler is told). */
static void host_init(host_t *h, host_kind_t kind, uint32_t threads, uint32_t workers) {
  memset(h, 0, sizeof *h);
  h->kind = kind;
  h->workers = workers;
  h->ticker = ecs__thread_self();
  assert_true(ecs__mutex_init(&h->mutex));
  assert_true(ecs__cond_init(&h->work));
  assert_true(ecs__cond_init(&h->done));
  assert_true(threads <= 8);
  for (uint32_t i = 0; i < threads; ++i) {
    assert_true(ecs__thread_create(&h->threads[i], host_worker, h));
    h->thread_count++;
  }
}

static ecs_executor_t host_executor(host_t *h) {
  return (ecs_executor_t){.enqueue = host_enqueue, .finish = host_finish, .workers = h->workers, .user = h};
}

/* Stops the threads; every handle the library got was finished. */
static void host_fini(host_t *h) {
  ecs__mutex_lock(&h->mutex);
  h->stop = true;
  ecs__cond_broadcast(&h->work);
  ecs__mutex_unlock(&h->mutex);
  for (uint32_t i = 0; i < h->thread_count; ++i) {
    ecs__thread_join(&h->threads[i]);
  }
  if (atomic_load(&h->violations) != 0) {
    fail_msg("executor contract broken %u time(s), first: %s", atomic_load(&h->violations), h->violation);
  }
  assert_int_equal(atomic_load(&h->handles), atomic_load(&h->finishes));
  assert_null(h->head);
  ecs__cond_destroy(&h->done);
  ecs__cond_destroy(&h->work);
  ecs__mutex_destroy(&h->mutex);
}

/* ---- the shared simulation, on an executor -------------------------------- */

/* sim.h's schedule (same groups, systems and options), with an executor
 * in place of a pool: the test compares it with sim_init()'s worlds, so a
 * change to one that the other misses fails here. */
static void sim_init_exec(sim_t *sim, uint64_t seed, ecs_group_mode_t groups, ecs_executor_t exec) {
  sim->world = ecs_world_new(NULL);
  assert_non_null(sim->world);
  sim->pos = ecs_component_register(sim->world, &(ecs_component_desc_t){.name = "Pos", .size = sizeof(Pos)});
  sim->vel = ecs_component_register(sim->world, &(ecs_component_desc_t){.name = "Vel", .size = sizeof(Vel)});
  sim->energy = ecs_component_register(sim->world, &(ecs_component_desc_t){.name = "Energy", .size = sizeof(Energy)});
  sim->rng = ECS_COMPONENT(sim->world, Rng);
  assert_int_equal(ecs_resource_set(sim->world, sim->rng, &(Rng){seed}), ECS_OK);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(sim->world);
  ecs_scheduler_desc_t opts = {.on_conflict = ECS_CONFLICT_SERIALIZE, .inline_below_ns = 1, .executor = exec};
  assert_int_equal(ecs_builder_set_options(b, &opts), ECS_OK);
  ecs_group_t simulation =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "simulation", .mode = groups, .after = {"input"}});
  ecs_group_t input = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "input", .mode = groups});
  ecs_builder_add_system(b, input,
                         &(ecs_system_desc_t){.name = "spawn", .writes = {sim->rng}, .callback = spawn, .user = sim});
  ecs_builder_add_system(
      b, input,
      &(ecs_system_desc_t){.name = "reap", .query = {.terms = {{sim->energy, ECS_ACCESS_READ}}}, .callback = reap});
  ecs_builder_add_system(
      b, simulation,
      &(ecs_system_desc_t){.name = "move",
                           .query = {.terms = {{sim->pos, ECS_ACCESS_WRITE}, {sim->vel, ECS_ACCESS_READ}}},
                           .callback = move});
  ecs_builder_add_system(b, simulation,
                         &(ecs_system_desc_t){.name = "drain",
                                              .query = {.terms = {{sim->energy, ECS_ACCESS_WRITE},
                                                                  {sim->pos, ECS_ACCESS_READ},
                                                                  {sim->vel, ECS_ACCESS_OPTIONAL}}},
                                              .callback = drain,
                                              .user = sim});
  assert_int_equal(ecs_scheduler_build(b, &sim->sched), ECS_OK);
  assert_null(ecs_scheduler_pool(sim->sched)); /* the host runs the work: no pool */
}

#define TICKS 250
#define SEED 11

static void run_ticks(sim_t *sim, uint64_t *hashes) {
  for (int t = 0; t < TICKS; ++t) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(sim->sched, 1.0 / 60.0, &r), ECS_OK);
    assert_int_equal(r.systems_run, 4);
    hashes[t] = ecs_world_checksum(sim->world);
  }
}

static void expect_same(const uint64_t *ref, const uint64_t *got, const char *what) {
  for (int t = 0; t < TICKS; ++t) {
    if (ref[t] != got[t]) {
      fail_msg("%s: worlds diverge at tick %d", what, t + 1);
    }
  }
}

typedef struct exec_case_t {
  const char *name;
  host_kind_t kind;
  uint32_t threads; /* host threads */
  uint32_t workers; /* what the scheduler is told */
  ecs_group_mode_t groups;
} exec_case_t;

/* The world after every tick is the same on the built-in pool and on every
 * host executor: blocking or helping, threads or none, fewer threads than
 * calls, SYNC groups (parallel_for only) or ASYNC ones. */
static void test_same_world_on_every_executor(void **state) {
  (void)state;
  test_watchdog(120);
  static uint64_t ref[TICKS], got[TICKS];
  sim_t sim;
  sim_init(&sim, SEED, (sim_mode_t){.groups = ECS_GROUP_SYNC, .threads = 0});
  run_ticks(&sim, ref);
  sim_fini(&sim);
  assert_true(ref[0] != ref[TICKS - 1]);
  sim_init(&sim, SEED, (sim_mode_t){.groups = ECS_GROUP_ASYNC, .threads = 2});
  run_ticks(&sim, got);
  sim_fini(&sim);
  expect_same(ref, got, "built-in pool, 2 threads");

  static const exec_case_t cases[] = {
      {"blocking, 1 thread", HOST_BLOCKING, 1, 1, ECS_GROUP_ASYNC},
      {"blocking, 2 threads", HOST_BLOCKING, 2, 2, ECS_GROUP_ASYNC},
      {"blocking, 4 threads", HOST_BLOCKING, 4, 4, ECS_GROUP_ASYNC},
      {"blocking, 1 thread told 8 workers", HOST_BLOCKING, 1, 8, ECS_GROUP_ASYNC},
      {"helping, 3 threads", HOST_HELPING, 3, 3, ECS_GROUP_ASYNC},
      {"helping, 2 threads, SYNC groups", HOST_HELPING, 2, 2, ECS_GROUP_SYNC},
      {"blocking, 2 threads, SYNC groups", HOST_BLOCKING, 2, 2, ECS_GROUP_SYNC},
      {"at finish, 0 workers", HOST_DEFERRED, 0, 0, ECS_GROUP_ASYNC},
      {"at finish, told 4 workers", HOST_DEFERRED, 0, 4, ECS_GROUP_ASYNC},
      {"at finish, SYNC groups", HOST_DEFERRED, 0, 4, ECS_GROUP_SYNC},
      {"inside enqueue, told 2 workers", HOST_INLINE, 0, 2, ECS_GROUP_ASYNC},
  };
  for (size_t c = 0; c < sizeof cases / sizeof cases[0]; ++c) {
    host_t h;
    host_init(&h, cases[c].kind, cases[c].threads, cases[c].workers);
    sim_init_exec(&sim, SEED, cases[c].groups, host_executor(&h));
    run_ticks(&sim, got);
    sim_fini(&sim);
    host_fini(&h);
    expect_same(ref, got, cases[c].name);
    assert_true(atomic_load(&h.calls) > 0); /* the work did go through the executor */
    if (cases[c].workers > 1) {
      assert_true(atomic_load(&h.max_count) > 1); /* parallel_for asked for several calls */
    }
    if (cases[c].workers == 0) {
      assert_int_equal(atomic_load(&h.max_count), 1);
    }
  }
  test_watchdog(0);
}

/* The pool through ecs_pool_executor(), given as a host executor (and a
 * wrapper counting its calls): the same worlds again. */
typedef struct counting_t {
  ecs_executor_t inner;
  atomic_uint enqueues;
} counting_t;

static void *counting_enqueue(void *user, ecs_task_fn fn, void *arg, uint32_t count) {
  counting_t *c = user;
  atomic_fetch_add(&c->enqueues, 1u);
  return c->inner.enqueue(c->inner.user, fn, arg, count);
}

static void counting_finish(void *user, void *handle) {
  counting_t *c = user;
  c->inner.finish(c->inner.user, handle);
}

static void test_pool_as_executor(void **state) {
  (void)state;
  static uint64_t ref[TICKS], got[TICKS];
  sim_t sim;
  sim_init(&sim, SEED, (sim_mode_t){.groups = ECS_GROUP_SYNC, .threads = 0});
  run_ticks(&sim, ref);
  sim_fini(&sim);
  const int32_t threads[] = {ECS_POOL_INLINE, 1, 3};
  for (size_t k = 0; k < sizeof threads / sizeof threads[0]; ++k) {
    ecs_pool_t *pool = NULL;
    assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){.threads = threads[k]}, &pool), ECS_OK);
    counting_t c = {0};
    assert_int_equal(ecs_pool_executor(pool, &c.inner), ECS_OK);
    assert_int_equal(c.inner.workers, ecs_pool_threads(pool));
    sim_init_exec(&sim, SEED, ECS_GROUP_ASYNC,
                  (ecs_executor_t){
                      .enqueue = counting_enqueue, .finish = counting_finish, .workers = c.inner.workers, .user = &c});
    run_ticks(&sim, got);
    sim_fini(&sim);
    expect_same(ref, got, "pool executor");
    assert_true(atomic_load(&c.enqueues) > 0);
    ecs_pool_stats_t st;
    ecs_pool_stats(pool, &st);
    assert_true(st.tasks_run > 0);
    ecs_pool_free(pool);
  }
}

/* ---- nested parallel_for on a busy host ----------------------------------- */

typedef struct Cell {
  int32_t value;
} Cell;

enum { SYSTEMS = 4, ROWS = 200 };

typedef struct nest_t {
  ecs_component_t cells[SYSTEMS];
  atomic_uint slices_on_workers;
} nest_t;

static ecs_status_t bump_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  nest_t *n = user;
  if (tl_host_thread) {
    atomic_fetch_add(&n->slices_on_workers, 1u);
  }
  ecs__sleep_ns(20000); /* keep every worker busy for a while */
  for (int32_t i = 0; i < chunk->count; ++i) {
    Cell *c = ecs_field_at(chunk, 0, i);
    c->value += 1;
  }
  return ECS_OK;
}

static ecs_status_t sys_bump(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 4, bump_slice, ctx->user);
}

/* Four ASYNC systems, each splitting its rows over the executor, on hosts
 * with fewer threads than systems: while every worker runs a system, each
 * waits for slices no worker is free to start. The waiting thread runs
 * them itself, so every tick ends (the alarm turns a hang into a failure),
 * and some slices do run on the host's threads. */
static void test_parallel_for_inside_async_on_busy_host(void **state) {
  (void)state;
  test_watchdog(60);
  const struct {
    host_kind_t kind;
    uint32_t threads;
  } hosts[] = {{HOST_BLOCKING, 1}, {HOST_BLOCKING, 2}, {HOST_HELPING, 2}, {HOST_DEFERRED, 0}};
  for (size_t k = 0; k < sizeof hosts / sizeof hosts[0]; ++k) {
    host_t h;
    host_init(&h, hosts[k].kind, hosts[k].threads, hosts[k].threads ? hosts[k].threads : 3);
    ecs_world_t *w = ecs_world_new(NULL);
    nest_t n = {0};
    char name[2][16];
    for (int s = 0; s < SYSTEMS; ++s) {
      snprintf(name[0], sizeof name[0], "Cell%d", s);
      n.cells[s] = ecs_component_register(w, &(ecs_component_desc_t){.name = name[0], .size = sizeof(Cell)});
    }
    for (int e = 0; e < ROWS; ++e) {
      ecs_entity_t ent = ecs_entity_create(w);
      for (int s = 0; s < SYSTEMS; ++s) {
        ecs_set(w, ent, n.cells[s], &(Cell){e});
      }
    }
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    assert_int_equal(
        ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .executor = host_executor(&h)}),
        ECS_OK);
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
    for (int s = 0; s < SYSTEMS; ++s) {
      snprintf(name[1], sizeof name[1], "bump%d", s);
      ecs_builder_add_system(
          b, g,
          &(ecs_system_desc_t){
              .name = name[1], .query = {.terms = {{n.cells[s], ECS_ACCESS_WRITE}}}, .callback = sys_bump, .user = &n});
    }
    ecs_scheduler_t *sched = NULL;
    assert_int_equal(ecs_scheduler_build(b, &sched), ECS_OK);
    for (int t = 0; t < 5; ++t) {
      ecs_tick_result_t r;
      assert_int_equal(ecs_scheduler_tick(sched, 0.0, &r), ECS_OK);
      assert_int_equal(r.systems_run, SYSTEMS);
    }
    ecs_scheduler_free(sched);
    for (int s = 0; s < SYSTEMS; ++s) {
      ecs_query_t *q = ecs_query_new(w, &(ecs_query_desc_t){.terms = {{n.cells[s], ECS_ACCESS_READ}}});
      ecs_iter_t it = ecs_query_iter(q);
      int64_t sum = 0;
      int32_t rows = 0;
      while (ecs_iter_next(&it)) {
        for (int32_t i = 0; i < it.count; ++i, ++rows) {
          sum += ((const Cell *)ecs_field_at(&it, 0, i))->value;
        }
      }
      assert_int_equal(rows, ROWS);
      assert_int_equal(sum, (int64_t)ROWS * (ROWS - 1) / 2 + 5 * ROWS);
    }
    ecs_world_free(w);
    host_fini(&h);
    if (hosts[k].threads > 0) {
      assert_true(atomic_load(&n.slices_on_workers) > 0);
    }
  }
  test_watchdog(0);
}

/* ---- error handling -------------------------------------------------------- */

static ecs_status_t fail_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)user;
  ecs_cmd_create(commands); /* discarded with the failed run */
  return ((const Cell *)ecs_field_at(chunk, 0, 0))->value == 10 ? ECS_ERR_NOT_FOUND : ECS_OK;
}

static ecs_status_t sys_fail_slices(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 2, fail_slice, NULL);
}

static ecs_status_t sys_spawn_one(ecs_system_ctx_t *ctx) {
  ecs_cmd_create(ctx->commands);
  return ECS_OK;
}

/* A failing slice fails its system, under its policy, on an executor as on
 * the pool: SKIP drops its commands and slices' commands; FAIL stops the
 * tick after the group, the other systems of the group having run. */
static void test_failures_on_executor(void **state) {
  (void)state;
  for (int policy = 0; policy < 2; ++policy) {
    host_t h;
    host_init(&h, HOST_BLOCKING, 2, 2);
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_component_t cell = ECS_COMPONENT(w, Cell);
    for (int e = 0; e < 40; ++e) {
      ecs_set(w, ecs_entity_create(w), cell, &(Cell){e});
    }
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.inline_below_ns = 1, .executor = host_executor(&h)});
    ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
    ecs_builder_add_system(b, g,
                           &(ecs_system_desc_t){.name = "failing",
                                                .query = {.terms = {{cell, ECS_ACCESS_READ}}},
                                                .callback = sys_fail_slices,
                                                .on_error = policy ? ECS_ON_ERROR_FAIL : ECS_ON_ERROR_SKIP});
    ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "spawner", .callback = sys_spawn_one});
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    size_t before = ecs_entity_count(w);
    ecs_tick_result_t r;
    ecs_status_t st = ecs_scheduler_tick(s, 0.0, &r);
    assert_int_equal(st, policy ? ECS_ERR_SYSTEM_FAILED : ECS_OK);
    assert_int_equal(r.systems_failed, 1);
    assert_int_equal(r.systems_run, 1);
    assert_string_equal(r.failed_system, "failing");
    assert_int_equal(r.failed_status, ECS_ERR_NOT_FOUND);
    assert_int_equal(ecs_entity_count(w), before + 1); /* only the spawner's command */
    ecs_scheduler_free(s);
    ecs_world_free(w);
    host_fini(&h);
  }
}

/* ---- descriptors ----------------------------------------------------------- */

static void *nop_enqueue(void *user, ecs_task_fn fn, void *arg, uint32_t count) {
  (void)user;
  for (uint32_t i = 0; i < count; ++i) {
    fn(arg);
  }
  return NULL;
}

static void nop_finish(void *user, void *handle) {
  (void)user;
  (void)handle;
}

static void test_bad_descriptors(void **state) {
  (void)state;
  int token = 0;
  ecs_pool_t *pool = NULL;
  assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){.threads = 1}, &pool), ECS_OK);
  const ecs_scheduler_desc_t bad[] = {
      {.executor = {.enqueue = nop_enqueue, .workers = 1}}, /* no finish */
      {.executor = {.finish = nop_finish, .workers = 1}},   /* no enqueue */
      {.executor = {.enqueue = nop_enqueue, .finish = nop_finish, .workers = ECS_EXECUTOR_MAX_WORKERS + 1}},
      {.executor = {.workers = 2}},                                               /* workers, no callbacks */
      {.executor = {.user = &token}},                                             /* user, no callbacks */
      {.pool = pool, .executor = {.enqueue = nop_enqueue, .finish = nop_finish}}, /* and a pool */
      {.threads = 2, .executor = {.enqueue = nop_enqueue, .finish = nop_finish}}, /* and threads */
      {.threads = ECS_POOL_INLINE, .executor = {.enqueue = nop_enqueue, .finish = nop_finish}},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    assert_int_equal(ecs_builder_set_options(b, &bad[i]), ECS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(ecs_last_error(w), "executor"));
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_ERR_INVALID_ARGUMENT); /* kept for build */
    assert_null(s);
    ecs_world_free(w);
  }
  /* the largest worker count, and an executor without workers, are fine */
  const ecs_executor_t good[] = {
      {.enqueue = nop_enqueue, .finish = nop_finish, .workers = ECS_EXECUTOR_MAX_WORKERS},
      {.enqueue = nop_enqueue, .finish = nop_finish, .workers = 0, .user = &token},
  };
  for (size_t i = 0; i < sizeof good / sizeof good[0]; ++i) {
    ecs_world_t *w = ecs_world_new(NULL);
    ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
    assert_int_equal(ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.executor = good[i]}), ECS_OK);
    ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
    ecs_scheduler_t *s = NULL;
    assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
    assert_null(ecs_scheduler_pool(s));
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
    ecs_scheduler_free(s);
    ecs_world_free(w);
  }
  ecs_executor_t x = {.workers = 7};
  assert_int_equal(ecs_pool_executor(NULL, &x), ECS_ERR_INVALID_ARGUMENT);
  assert_null(x.enqueue);
  assert_int_equal(x.workers, 0);
  assert_int_equal(ecs_pool_executor(pool, NULL), ECS_ERR_INVALID_ARGUMENT);
  ecs_pool_free(pool);
}

/* ---- the pool's threads ---------------------------------------------------- */

typedef struct thread_log_t {
  atomic_uint starts, stops;
  atomic_uint start_mask, stop_mask;
  atomic_uint twice;        /* an index seen twice */
  atomic_uint wrong_thread; /* stop on another thread than start */
  atomic_uint wrong_name;   /* the default name was not there */
  ecs__thread_id_t start_thread[32];
  bool rename; /* the start hook renames its thread "host-N" */
} thread_log_t;

static void on_start(void *user, uint32_t index) {
  thread_log_t *log = user;
  if (index >= 32 || (atomic_fetch_or(&log->start_mask, 1u << index) & (1u << index))) {
    atomic_fetch_add(&log->twice, 1u);
    return;
  }
  log->start_thread[index] = ecs__thread_self(); /* read after create (which waits for the starts) */
#if TEST_THREAD_NAMES
  char got[16] = "";
  char want[16];
  snprintf(want, sizeof want, "ecs-worker-%u", (unsigned)index);
  if (!ecs__thread_get_name(got, sizeof got) || strcmp(got, want) != 0) {
    atomic_fetch_add(&log->wrong_name, 1u);
  }
  if (log->rename) {
    snprintf(want, sizeof want, "host-%u", (unsigned)index);
    ecs__thread_set_name(want);
  }
#endif
  atomic_fetch_add(&log->starts, 1u);
}

static void on_stop(void *user, uint32_t index) {
  thread_log_t *log = user;
  if (index >= 32 || (atomic_fetch_or(&log->stop_mask, 1u << index) & (1u << index))) {
    atomic_fetch_add(&log->twice, 1u);
    return;
  }
  if (!ecs__thread_id_equal(log->start_thread[index], ecs__thread_self())) {
    atomic_fetch_add(&log->wrong_thread, 1u);
  }
  atomic_fetch_add(&log->stops, 1u);
}

typedef struct name_probe_t {
  atomic_uint renamed; /* tasks that saw the hook's name */
  atomic_uint tasks;
} name_probe_t;

static void read_name(void *arg) {
  name_probe_t *p = arg;
  ecs__sleep_ns(100000); /* long enough for every worker to wake */
#if TEST_THREAD_NAMES
  char got[16] = "";
  if (ecs__thread_get_name(got, sizeof got) && strncmp(got, "host-", 5) == 0) {
    atomic_fetch_add(&p->renamed, 1u);
  }
#endif
  atomic_fetch_add(&p->tasks, 1u);
}

/* Each worker gets one start call before any task and one stop call as it
 * exits, on its own thread, with distinct indices 0 .. threads-1; the
 * starts have all returned when ecs_pool_create() does; workers carry
 * their default name in the start hook, which may rename them. */
static void test_pool_thread_hooks(void **state) {
  (void)state;
  for (int rename = 0; rename < 2; ++rename) {
    thread_log_t log = {.rename = rename != 0};
    ecs_pool_t *pool = NULL;
    assert_int_equal(ecs_pool_create(
                         &(ecs_pool_desc_t){
                             .threads = 4, .on_thread_start = on_start, .on_thread_stop = on_stop, .thread_user = &log},
                         &pool),
                     ECS_OK);
    assert_int_equal(atomic_load(&log.starts), 4);
    assert_int_equal(atomic_load(&log.start_mask), 0xFu);
    assert_int_equal(atomic_load(&log.stops), 0);
    name_probe_t probe = {0};
    for (int i = 0; i < 64; ++i) {
      assert_int_equal(ecs_pool_submit(pool, read_name, &probe), ECS_OK);
    }
    assert_int_equal(ecs_pool_wait(pool), ECS_OK);
    ecs_pool_free(pool);
    assert_int_equal(atomic_load(&log.stops), 4);
    assert_int_equal(atomic_load(&log.stop_mask), 0xFu);
    assert_int_equal(atomic_load(&log.twice), 0);
    assert_int_equal(atomic_load(&log.wrong_thread), 0);
    assert_int_equal(atomic_load(&log.wrong_name), 0);
    assert_int_equal(atomic_load(&probe.tasks), 64);
#if TEST_THREAD_NAMES
    if (rename) {
      assert_true(atomic_load(&probe.renamed) > 0); /* tasks the caller ran while waiting keep its name */
    } else {
      assert_int_equal(atomic_load(&probe.renamed), 0);
    }
#endif
  }
  /* an inline pool has no thread: no hook */
  thread_log_t log = {0};
  ecs_pool_t *pool = NULL;
  assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){.threads = ECS_POOL_INLINE,
                                                      .on_thread_start = on_start,
                                                      .on_thread_stop = on_stop,
                                                      .thread_user = &log},
                                   &pool),
                   ECS_OK);
  name_probe_t probe = {0};
  assert_int_equal(ecs_pool_submit(pool, read_name, &probe), ECS_OK);
  ecs_pool_free(pool);
  assert_int_equal(atomic_load(&log.starts) + atomic_load(&log.stops), 0);
}

/* Without hooks the workers are still named, and the scheduler's own pool
 * too: a system on a worker sees "ecs-worker-N". */
#if TEST_THREAD_NAMES
static atomic_uint g_named_runs;

static ecs_status_t sys_check_name(ecs_system_ctx_t *ctx) {
  (void)ctx;
  ecs__sleep_ns(1000000); /* the workers wake while the caller runs one */
  char got[16] = "";
  if (ecs__thread_get_name(got, sizeof got) && strncmp(got, "ecs-worker-", 11) == 0) {
    atomic_fetch_add(&g_named_runs, 1u);
  }
  return ECS_OK;
}
#endif

static void test_pool_threads_named(void **state) {
  (void)state;
#if TEST_THREAD_NAMES
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = 2, .inline_below_ns = 1});
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "g", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "a", .callback = sys_check_name});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "b", .callback = sys_check_name});
  ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "c", .callback = sys_check_name});
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  /* the ticking thread may run every system itself on a given tick: tick
   * until a worker has run one (it will: two workers race it each tick) */
  for (int t = 0; t < 200 && atomic_load(&g_named_runs) == 0; ++t) {
    assert_int_equal(ecs_scheduler_tick(s, 0.0, NULL), ECS_OK);
  }
  assert_true(atomic_load(&g_named_runs) > 0);
  ecs_scheduler_free(s);
  ecs_world_free(w);
#else
  skip();
#endif
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_same_world_on_every_executor),
      cmocka_unit_test(test_pool_as_executor),
      cmocka_unit_test(test_parallel_for_inside_async_on_busy_host),
      cmocka_unit_test(test_failures_on_executor),
      cmocka_unit_test(test_bad_descriptors),
      cmocka_unit_test(test_pool_thread_hooks),
      cmocka_unit_test(test_pool_threads_named),
  };
  return cmocka_run_group_tests_name("executor", tests, NULL, NULL);
}
