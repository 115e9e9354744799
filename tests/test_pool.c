/* Worker pool: every task runs exactly once, wait covers nested and queued
 * work, a full queue blocks or fails, free drains, hooks and stats count
 * right, bad input is rejected and the allocator sees every byte back.
 * Tasks never assert (cmocka cannot fail from another thread): they record
 * into atomics that the test thread checks afterwards. */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ecs/pool.h"
#include "platform/platform.h" /* the test's own threads: the library's portable primitives */
#include "support/watchdog.h"

static void sleep_ms(long ms) {
  ecs__sleep_ns((uint64_t)ms * 1000000u);
}

static ecs_pool_t *pool_new(const ecs_pool_desc_t *d) {
  ecs_pool_t *p = NULL;
  assert_int_equal(ecs_pool_create(d, &p), ECS_OK);
  assert_non_null(p);
  return p;
}

static void hit(void *arg) {
  atomic_fetch_add((atomic_int *)arg, 1);
}

/* A gate: tasks that enter it block until the test opens it. The test can
 * wait until a given number of tasks are inside, so "every worker is busy"
 * is a fact, not a guess based on timing. */
typedef struct gate_t {
  ecs__mutex_t mutex;
  ecs__cond_t cond;
  int entered;
  bool open;
} gate_t;

static void gate_init(gate_t *g) {
  assert_true(ecs__mutex_init(&g->mutex));
  assert_true(ecs__cond_init(&g->cond));
  g->entered = 0;
  g->open = false;
}

static void gate_fini(gate_t *g) {
  ecs__cond_destroy(&g->cond);
  ecs__mutex_destroy(&g->mutex);
}

static void gate_task(void *arg) {
  gate_t *g = arg;
  ecs__mutex_lock(&g->mutex);
  g->entered++;
  ecs__cond_broadcast(&g->cond);
  while (!g->open) {
    ecs__cond_wait(&g->cond, &g->mutex);
  }
  ecs__mutex_unlock(&g->mutex);
}

static void gate_open(void *arg) {
  gate_t *g = arg;
  ecs__mutex_lock(&g->mutex);
  g->open = true;
  ecs__cond_broadcast(&g->cond);
  ecs__mutex_unlock(&g->mutex);
}

static void gate_wait_entered(gate_t *g, int n) {
  ecs__mutex_lock(&g->mutex);
  while (g->entered < n) {
    ecs__cond_wait(&g->cond, &g->mutex);
  }
  ecs__mutex_unlock(&g->mutex);
}

/* ---- every task runs exactly once ---- */

typedef struct shape_t {
  int32_t threads;
  uint32_t depth;
} shape_t;

static const shape_t shapes[] = {
    {ECS_POOL_INLINE, 0}, {1, 0}, {2, 0}, {4, 0}, {1, 4}, {2, 4}, {4, 4},
};

static void test_all_tasks_run_once(void **state) {
  (void)state;
  enum { N = 3000 };
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = shapes[s].threads, .queue_depth = shapes[s].depth});
    assert_int_equal(ecs_pool_threads(p), shapes[s].threads < 0 ? 0u : (uint32_t)shapes[s].threads);
    atomic_int *slots = calloc(N, sizeof *slots);
    assert_non_null(slots);
    for (int i = 0; i < N; ++i) {
      atomic_init(&slots[i], 0);
      assert_int_equal(ecs_pool_submit(p, hit, &slots[i]), ECS_OK);
    }
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    for (int i = 0; i < N; ++i) {
      if (atomic_load(&slots[i]) != 1) {
        fail_msg("threads %d depth %u: task %d ran %d times", shapes[s].threads, shapes[s].depth, i,
                 atomic_load(&slots[i]));
      }
    }
    ecs_pool_stats_t st;
    ecs_pool_stats(p, &st);
    assert_int_equal(st.tasks_run, N);
    assert_int_equal(st.tasks_submitted, N);
    uint32_t depth = shapes[s].depth ? shapes[s].depth : ECS_POOL_DEFAULT_QUEUE_DEPTH;
    assert_true(st.queue_high_water <= depth);
    if (shapes[s].threads == ECS_POOL_INLINE) {
      assert_int_equal(st.queue_high_water, 0);
    }
    ecs_pool_free(p);
    free(slots);
  }
}

static void test_default_threads(void **state) {
  (void)state;
  ecs_pool_t *p = pool_new(NULL);
  assert_true(ecs_pool_threads(p) >= 1 && ecs_pool_threads(p) <= ECS_POOL_MAX_THREADS);
  atomic_int n;
  atomic_init(&n, 0);
  assert_int_equal(ecs_pool_submit(p, hit, &n), ECS_OK);
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  assert_int_equal(atomic_load(&n), 1);
  ecs_pool_free(p);
}

/* ---- wait ---- */

static void sleep_then_set(void *arg) {
  sleep_ms(20);
  atomic_store((atomic_int *)arg, 1);
}

static void test_wait_waits(void **state) {
  (void)state;
  const int32_t threads[] = {1, 4};
  for (size_t t = 0; t < 2; ++t) {
    ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = threads[t]});
    atomic_int flag;
    atomic_init(&flag, 0);
    assert_int_equal(ecs_pool_submit(p, sleep_then_set, &flag), ECS_OK);
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    assert_int_equal(atomic_load(&flag), 1);
    /* an idle pool: returns at once, and again */
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    ecs_pool_free(p);
  }
}

typedef struct helper_ctx_t {
  ecs__thread_id_t main;
  atomic_int on_main;
  atomic_int elsewhere;
} helper_ctx_t;

static void where_am_i(void *arg) {
  helper_ctx_t *c = arg;
  atomic_fetch_add(ecs__thread_id_equal(ecs__thread_self(), c->main) ? &c->on_main : &c->elsewhere, 1);
}

/* The only worker is stuck in the gate; the last queued task opens it. So
 * wait can only return if the caller runs the queued tasks itself. */
static void test_wait_runs_queued_tasks_on_caller(void **state) {
  (void)state;
  ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = 1, .queue_depth = 64});
  gate_t g;
  gate_init(&g);
  helper_ctx_t c = {.main = ecs__thread_self()};
  atomic_init(&c.on_main, 0);
  atomic_init(&c.elsewhere, 0);
  assert_int_equal(ecs_pool_submit(p, gate_task, &g), ECS_OK);
  gate_wait_entered(&g, 1);
  for (int i = 0; i < 10; ++i) {
    assert_int_equal(ecs_pool_submit(p, where_am_i, &c), ECS_OK);
  }
  assert_int_equal(ecs_pool_submit(p, gate_open, &g), ECS_OK);
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  assert_int_equal(atomic_load(&c.on_main), 10);
  assert_int_equal(atomic_load(&c.elsewhere), 0);
  ecs_pool_stats_t st;
  ecs_pool_stats(p, &st);
  assert_int_equal(st.tasks_run, 12);
  ecs_pool_free(p);
  gate_fini(&g);
}

/* ---- a full queue ---- */

typedef struct feeder_t {
  ecs_pool_t *pool;
  int n;
  atomic_int hits;
  atomic_int submitted; /* submits that returned */
  atomic_int released;  /* set by the test just before it opens the gate */
  int released_seen;    /* value of released when submit number depth+1 returned */
  int failures;
} feeder_t;

enum { FEED_DEPTH = 4, FEED_THREADS = 2 };

static void feeder_main(void *arg) {
  feeder_t *f = arg;
  for (int i = 0; i < f->n; ++i) {
    if (ecs_pool_submit(f->pool, hit, &f->hits) != ECS_OK) {
      f->failures++;
    }
    atomic_fetch_add(&f->submitted, 1);
    if (i == FEED_DEPTH) {
      f->released_seen = atomic_load(&f->released);
    }
  }
}

static void test_submit_blocks_when_full(void **state) {
  (void)state;
  ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = FEED_THREADS, .queue_depth = FEED_DEPTH});
  gate_t g;
  gate_init(&g);
  for (int i = 0; i < FEED_THREADS; ++i) {
    assert_int_equal(ecs_pool_submit(p, gate_task, &g), ECS_OK);
  }
  gate_wait_entered(&g, FEED_THREADS); /* every worker is busy */

  feeder_t f = {.pool = p, .n = 40};
  atomic_init(&f.hits, 0);
  atomic_init(&f.submitted, 0);
  atomic_init(&f.released, 0);
  ecs__thread_t feeder;
  assert_true(ecs__thread_create(&feeder, feeder_main, &f));
  sleep_ms(20); /* lets the feeder reach the full queue; nothing below depends on it */
  /* with every worker in the gate, at most FEED_DEPTH submits can return */
  assert_true(atomic_load(&f.submitted) <= FEED_DEPTH);
  atomic_store(&f.released, 1);
  gate_open(&g);
  ecs__thread_join(&feeder);

  assert_int_equal(f.failures, 0);
  assert_int_equal(f.released_seen, 1); /* submit FEED_DEPTH+1 returned only after the release */
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  assert_int_equal(atomic_load(&f.hits), f.n);
  ecs_pool_stats_t st;
  ecs_pool_stats(p, &st);
  assert_int_equal(st.queue_high_water, FEED_DEPTH);
  assert_int_equal(st.tasks_run, f.n + FEED_THREADS);
  ecs_pool_free(p);
  gate_fini(&g);
}

static void count_enqueue(void *user, uint64_t id) {
  (void)id;
  atomic_fetch_add((atomic_int *)user, 1);
}

static void test_fail_when_full(void **state) {
  (void)state;
  atomic_int enqueued;
  atomic_init(&enqueued, 0);
  ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){
      .threads = 1, .queue_depth = 2, .fail_when_full = true, .hooks = {.enqueue = count_enqueue, .user = &enqueued}});
  gate_t g;
  gate_init(&g);
  atomic_int hits;
  atomic_init(&hits, 0);
  assert_int_equal(ecs_pool_submit(p, gate_task, &g), ECS_OK);
  gate_wait_entered(&g, 1);
  assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_OK);
  assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_OK);
  for (int i = 0; i < 3; ++i) {
    assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_ERR_QUEUE_FULL);
  }
  ecs_pool_stats_t st;
  ecs_pool_stats(p, &st);
  assert_int_equal(st.tasks_submitted, 3);
  assert_int_equal(st.queue_high_water, 2);
  assert_int_equal(atomic_load(&enqueued), 3); /* a refused task is not announced */
  gate_open(&g);
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  assert_int_equal(atomic_load(&hits), 2);
  /* room again */
  assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_OK);
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  assert_int_equal(atomic_load(&hits), 3);
  ecs_pool_free(p);
  gate_fini(&g);
}

/* ---- free ---- */

typedef struct parent_ctx_t {
  ecs_pool_t *pool;
  atomic_int hits;
  atomic_int failures;
} parent_ctx_t;

static void parent_hit(void *arg) {
  parent_ctx_t *c = arg;
  atomic_fetch_add(&c->hits, 1);
  if (ecs_pool_submit(c->pool, hit, &c->hits) != ECS_OK) {
    atomic_fetch_add(&c->failures, 1);
  }
}

static void open_later(void *arg) {
  sleep_ms(20);
  gate_open(arg);
}

static void test_free_runs_queued_tasks(void **state) {
  (void)state;
  enum { PARENTS = 30 };
  ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = 1, .queue_depth = 64});
  gate_t g;
  gate_init(&g);
  parent_ctx_t c = {.pool = p};
  atomic_init(&c.hits, 0);
  atomic_init(&c.failures, 0);
  assert_int_equal(ecs_pool_submit(p, gate_task, &g), ECS_OK);
  gate_wait_entered(&g, 1);
  for (int i = 0; i < PARENTS; ++i) {
    assert_int_equal(ecs_pool_submit(p, parent_hit, &c), ECS_OK);
  }
  /* all parents are still queued; the gate opens while free is draining */
  ecs__thread_t opener;
  assert_true(ecs__thread_create(&opener, open_later, &g));
  ecs_pool_free(p);
  ecs__thread_join(&opener);
  assert_int_equal(atomic_load(&c.hits), 2 * PARENTS); /* parents and the children they submitted */
  assert_int_equal(atomic_load(&c.failures), 0);
  gate_fini(&g);

  /* an idle pool and an inline pool free at once */
  ecs_pool_free(pool_new(&(ecs_pool_desc_t){.threads = 2}));
  ecs_pool_free(pool_new(&(ecs_pool_desc_t){.threads = ECS_POOL_INLINE}));
}

/* ---- hooks ---- */

enum { HOOK_TASKS = 500 };

typedef struct hook_rec_t {
  atomic_uint_fast64_t seq;
  atomic_int enqueue, start, finish, wait, on_caller, bad_worker, bad_id;
  uint32_t threads;
  /* per task id: the sequence number of each event, 0 = not seen */
  atomic_uint_fast64_t enq_at[HOOK_TASKS + 1], start_at[HOOK_TASKS + 1], finish_at[HOOK_TASKS + 1];
} hook_rec_t;

static bool rec_id(hook_rec_t *r, uint64_t id, atomic_uint_fast64_t *at) {
  if (id == 0 || id > HOOK_TASKS) {
    atomic_fetch_add(&r->bad_id, 1);
    return false;
  }
  atomic_store(&at[id], atomic_fetch_add(&r->seq, 1) + 1);
  return true;
}

static void rec_worker(hook_rec_t *r, uint32_t worker) {
  if (worker == ECS_POOL_CALLER) {
    atomic_fetch_add(&r->on_caller, 1);
  } else if (worker >= r->threads) {
    atomic_fetch_add(&r->bad_worker, 1);
  }
}

static void h_enqueue(void *user, uint64_t id) {
  hook_rec_t *r = user;
  atomic_fetch_add(&r->enqueue, 1);
  rec_id(r, id, r->enq_at);
}

static void h_start(void *user, uint64_t id, uint32_t worker) {
  hook_rec_t *r = user;
  atomic_fetch_add(&r->start, 1);
  rec_worker(r, worker);
  rec_id(r, id, r->start_at);
}

static void h_finish(void *user, uint64_t id, uint32_t worker) {
  hook_rec_t *r = user;
  atomic_fetch_add(&r->finish, 1);
  rec_worker(r, worker);
  rec_id(r, id, r->finish_at);
}

static void h_wait(void *user, uint64_t waited_ns) {
  (void)waited_ns;
  atomic_fetch_add(&((hook_rec_t *)user)->wait, 1);
}

static void test_hooks(void **state) {
  (void)state;
  const shape_t hook_shapes[] = {{ECS_POOL_INLINE, 0}, {2, 8}, {3, 0}};
  for (size_t s = 0; s < sizeof hook_shapes / sizeof hook_shapes[0]; ++s) {
    hook_rec_t *r = calloc(1, sizeof *r); /* all-zero atomics are valid zeros */
    assert_non_null(r);
    r->threads = hook_shapes[s].threads < 0 ? 0u : (uint32_t)hook_shapes[s].threads;
    ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){
        .threads = hook_shapes[s].threads,
        .queue_depth = hook_shapes[s].depth,
        .hooks = {.enqueue = h_enqueue, .start = h_start, .finish = h_finish, .wait = h_wait, .user = r}});
    atomic_int hits;
    atomic_init(&hits, 0);
    for (int i = 0; i < HOOK_TASKS; ++i) {
      assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_OK);
      if (i == HOOK_TASKS / 2) {
        assert_int_equal(ecs_pool_wait(p), ECS_OK);
      }
    }
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    assert_int_equal(atomic_load(&hits), HOOK_TASKS);
    assert_int_equal(atomic_load(&r->enqueue), HOOK_TASKS);
    assert_int_equal(atomic_load(&r->start), HOOK_TASKS);
    assert_int_equal(atomic_load(&r->finish), HOOK_TASKS);
    assert_int_equal(atomic_load(&r->wait), 3);
    assert_int_equal(atomic_load(&r->bad_worker), 0);
    assert_int_equal(atomic_load(&r->bad_id), 0);
    if (r->threads == 0) {
      assert_int_equal(atomic_load(&r->on_caller), 2 * HOOK_TASKS); /* start and finish */
    }
    for (int id = 1; id <= HOOK_TASKS; ++id) {
      uint64_t e = atomic_load(&r->enq_at[id]), st = atomic_load(&r->start_at[id]), f = atomic_load(&r->finish_at[id]);
      if (!(e > 0 && e < st && st < f)) {
        fail_msg("threads %d: task %d events out of order: enqueue %llu start %llu finish %llu", hook_shapes[s].threads,
                 id, (unsigned long long)e, (unsigned long long)st, (unsigned long long)f);
      }
    }
    ecs_pool_free(p);
    assert_int_equal(atomic_load(&r->wait), 3); /* free is not a wait */
    free(r);
  }
}

/* ---- stats ---- */

static void test_stats(void **state) {
  (void)state;
  ecs_pool_stats_t st;
  memset(&st, 0xab, sizeof st);
  ecs_pool_stats(NULL, &st);
  assert_int_equal(st.tasks_run, 0);
  assert_int_equal(st.tasks_submitted, 0);
  assert_int_equal(st.queue_high_water, 0);
  assert_int_equal(st.idle_ns, 0);

  ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = 2});
  ecs_pool_stats(p, NULL); /* no-op */
  ecs_pool_stats(p, &st);
  assert_int_equal(st.tasks_run, 0);
  assert_int_equal(st.tasks_submitted, 0);
  assert_int_equal(st.queue_high_water, 0);
  atomic_int hits;
  atomic_init(&hits, 0);
  for (int i = 0; i < 100; ++i) {
    assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_OK);
  }
  assert_int_equal(ecs_pool_wait(p), ECS_OK);
  ecs_pool_stats(p, &st);
  assert_int_equal(st.tasks_run, 100);
  assert_int_equal(st.tasks_submitted, 100);
  assert_true(st.queue_high_water >= 1 && st.queue_high_water <= ECS_POOL_DEFAULT_QUEUE_DEPTH);
  /* idle workers accumulate idle time, and it never goes down */
  uint64_t before = st.idle_ns;
  for (int i = 0; i < 2000 && st.idle_ns == 0; ++i) {
    sleep_ms(1);
    ecs_pool_stats(p, &st);
  }
  assert_true(st.idle_ns > 0);
  assert_true(st.idle_ns >= before);
  ecs_pool_stats_t later;
  ecs_pool_stats(p, &later);
  assert_true(later.idle_ns >= st.idle_ns);
  ecs_pool_free(p);
}

/* ---- bad input ---- */

static void *only_alloc(void *user, size_t size) {
  (void)user;
  return malloc(size);
}

static void only_free(void *user, void *ptr, size_t size) {
  (void)user;
  (void)size;
  free(ptr);
}

static void noop_task(void *arg) {
  (void)arg;
}

static void test_bad_input(void **state) {
  (void)state;
  static const struct {
    const char *what;
    ecs_pool_desc_t desc;
  } rows[] = {
      {"threads -2", {.threads = -2}},
      {"threads INT32_MIN", {.threads = INT32_MIN}},
      {"threads MAX+1", {.threads = ECS_POOL_MAX_THREADS + 1}},
      {"threads INT32_MAX", {.threads = INT32_MAX}},
      {"alloc only", {.threads = 1, .allocator = {.alloc = only_alloc}}},
      {"alloc and free, no realloc", {.threads = 1, .allocator = {.alloc = only_alloc, .free = only_free}}},
      {"free only", {.threads = ECS_POOL_INLINE, .allocator = {.free = only_free}}},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; ++i) {
    int dummy;
    ecs_pool_t *p = (ecs_pool_t *)&dummy; /* must be reset to NULL */
    if (ecs_pool_create(&rows[i].desc, &p) != ECS_ERR_INVALID_ARGUMENT || p != NULL) {
      fail_msg("%s: not rejected", rows[i].what);
    }
  }
  assert_int_equal(ecs_pool_create(NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_pool_create(&(ecs_pool_desc_t){0}, NULL), ECS_ERR_INVALID_ARGUMENT);

  assert_int_equal(ecs_pool_submit(NULL, noop_task, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_pool_wait(NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_pool_threads(NULL), 0);
  ecs_pool_free(NULL);

  const int32_t threads[] = {ECS_POOL_INLINE, 1};
  for (size_t t = 0; t < 2; ++t) {
    ecs_pool_t *p = pool_new(&(ecs_pool_desc_t){.threads = threads[t]});
    assert_int_equal(ecs_pool_submit(p, NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
    ecs_pool_stats_t st;
    ecs_pool_stats(p, &st);
    assert_int_equal(st.tasks_submitted, 0); /* nothing was queued */
    assert_int_equal(ecs_pool_submit(p, noop_task, NULL), ECS_OK);
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    ecs_pool_free(p);
  }
}

/* ---- nesting ---- */

enum { TREE_LEVELS = 5, TREE_FANOUT = 4, TREE_ROOTS = 4 };

typedef struct tree_t tree_t;
typedef struct tree_level_t {
  tree_t *tree;
  int level;
} tree_level_t;
struct tree_t {
  ecs_pool_t *pool;
  atomic_int nodes;
  atomic_int failures;
  tree_level_t levels[TREE_LEVELS];
};

static void tree_node(void *arg) {
  tree_level_t *l = arg;
  tree_t *t = l->tree;
  atomic_fetch_add(&t->nodes, 1);
  if (l->level + 1 < TREE_LEVELS) {
    for (int k = 0; k < TREE_FANOUT; ++k) {
      if (ecs_pool_submit(t->pool, tree_node, &t->levels[l->level + 1]) != ECS_OK) {
        atomic_fetch_add(&t->failures, 1);
      }
    }
  }
}

/* Tasks submit tasks (into a queue small enough to fill up, so submitters
 * inside tasks must help rather than sleep); one wait covers the whole tree. */
static void test_nested_submit_single_wait(void **state) {
  (void)state;
  int per_root = 0;
  for (int l = 0, n = 1; l < TREE_LEVELS; ++l, n *= TREE_FANOUT) {
    per_root += n;
  }
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    tree_t t = {.pool = pool_new(&(ecs_pool_desc_t){.threads = shapes[s].threads, .queue_depth = shapes[s].depth})};
    atomic_init(&t.nodes, 0);
    atomic_init(&t.failures, 0);
    for (int l = 0; l < TREE_LEVELS; ++l) {
      t.levels[l] = (tree_level_t){&t, l};
    }
    for (int r = 0; r < TREE_ROOTS; ++r) {
      assert_int_equal(ecs_pool_submit(t.pool, tree_node, &t.levels[0]), ECS_OK);
    }
    assert_int_equal(ecs_pool_wait(t.pool), ECS_OK);
    if (atomic_load(&t.nodes) != TREE_ROOTS * per_root || atomic_load(&t.failures) != 0) {
      fail_msg("threads %d depth %u: %d of %d nodes ran, %d submits failed", shapes[s].threads, shapes[s].depth,
               atomic_load(&t.nodes), TREE_ROOTS * per_root, atomic_load(&t.failures));
    }
    ecs_pool_stats_t st;
    ecs_pool_stats(t.pool, &st);
    assert_int_equal(st.tasks_run, TREE_ROOTS * per_root);
    ecs_pool_free(t.pool);
  }
}

enum { FJ_PARENTS = 6, FJ_CHILDREN = 8 };

typedef struct fork_join_t {
  ecs_pool_t *pool;
  atomic_int children[FJ_PARENTS];
  atomic_int joined_ok;
  atomic_int failures;
  struct fj_parent_t {
    struct fork_join_t *fj;
    int index;
  } parents[FJ_PARENTS];
} fork_join_t;

/* A task forks children, waits for them inside the task, then checks them.
 * Several parents wait at once on different workers without deadlock. */
static void fj_parent(void *arg) {
  struct fj_parent_t *pa = arg;
  fork_join_t *fj = pa->fj;
  for (int k = 0; k < FJ_CHILDREN; ++k) {
    if (ecs_pool_submit(fj->pool, hit, &fj->children[pa->index]) != ECS_OK) {
      atomic_fetch_add(&fj->failures, 1);
    }
  }
  if (ecs_pool_wait(fj->pool) != ECS_OK) {
    atomic_fetch_add(&fj->failures, 1);
  }
  if (atomic_load(&fj->children[pa->index]) == FJ_CHILDREN) {
    atomic_fetch_add(&fj->joined_ok, 1);
  }
}

static void test_nested_wait(void **state) {
  (void)state;
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    fork_join_t fj = {.pool =
                          pool_new(&(ecs_pool_desc_t){.threads = shapes[s].threads, .queue_depth = shapes[s].depth})};
    atomic_init(&fj.joined_ok, 0);
    atomic_init(&fj.failures, 0);
    for (int i = 0; i < FJ_PARENTS; ++i) {
      atomic_init(&fj.children[i], 0);
      fj.parents[i] = (struct fj_parent_t){&fj, i};
    }
    for (int i = 0; i < FJ_PARENTS; ++i) {
      assert_int_equal(ecs_pool_submit(fj.pool, fj_parent, &fj.parents[i]), ECS_OK);
    }
    assert_int_equal(ecs_pool_wait(fj.pool), ECS_OK);
    if (atomic_load(&fj.joined_ok) != FJ_PARENTS || atomic_load(&fj.failures) != 0) {
      fail_msg("threads %d depth %u: %d of %d parents saw their children done, %d failures", shapes[s].threads,
               shapes[s].depth, atomic_load(&fj.joined_ok), FJ_PARENTS, atomic_load(&fj.failures));
    }
    ecs_pool_free(fj.pool);
  }
}

/* Three levels: main submits a, a submits b, b submits a leaf and waits for
 * it. b's wait must not wait for a (a is suspended in its submit while b
 * runs, on an inline pool on the very same stack). This hung on an inline
 * pool; the alarm turns a hang into a failure instead of a stuck suite. */
typedef struct chain_t {
  ecs_pool_t *pool;
  atomic_int leaves;
  atomic_int b_saw_leaf;
  atomic_int failures;
} chain_t;

static void chain_leaf(void *arg) {
  atomic_fetch_add(&((chain_t *)arg)->leaves, 1);
}

static void chain_b(void *arg) {
  chain_t *c = arg;
  if (ecs_pool_submit(c->pool, chain_leaf, c) != ECS_OK || ecs_pool_wait(c->pool) != ECS_OK) {
    atomic_fetch_add(&c->failures, 1);
  }
  if (atomic_load(&c->leaves) >= 1) {
    atomic_fetch_add(&c->b_saw_leaf, 1);
  }
}

static void chain_a(void *arg) {
  chain_t *c = arg;
  if (ecs_pool_submit(c->pool, chain_b, c) != ECS_OK) {
    atomic_fetch_add(&c->failures, 1);
  }
}

static void test_nested_wait_three_levels(void **state) {
  (void)state;
  test_watchdog(20);
  for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; ++s) {
    chain_t c = {.pool = pool_new(&(ecs_pool_desc_t){.threads = shapes[s].threads, .queue_depth = shapes[s].depth})};
    atomic_init(&c.leaves, 0);
    atomic_init(&c.b_saw_leaf, 0);
    atomic_init(&c.failures, 0);
    assert_int_equal(ecs_pool_submit(c.pool, chain_a, &c), ECS_OK);
    assert_int_equal(ecs_pool_wait(c.pool), ECS_OK);
    if (atomic_load(&c.leaves) != 1 || atomic_load(&c.b_saw_leaf) != 1 || atomic_load(&c.failures) != 0) {
      fail_msg("threads %d depth %u: leaves %d, b saw its leaf %d, failures %d", shapes[s].threads, shapes[s].depth,
               atomic_load(&c.leaves), atomic_load(&c.b_saw_leaf), atomic_load(&c.failures));
    }
    ecs_pool_stats_t st;
    ecs_pool_stats(c.pool, &st);
    assert_int_equal(st.tasks_run, 3);
    ecs_pool_free(c.pool);
  }
  test_watchdog(0);
}

/* ---- allocator ---- */

typedef struct counting_alloc_t {
  size_t allocs, frees, reallocs;
  size_t live_bytes;
  size_t fail_at; /* the allocation with this 1-based number fails; 0 never */
} counting_alloc_t;

static void *c_alloc(void *user, size_t size) {
  counting_alloc_t *c = user;
  if (c->fail_at != 0 && c->allocs + 1 == c->fail_at) {
    c->fail_at = 0;
    return NULL;
  }
  void *p = malloc(size);
  if (p) {
    c->allocs++;
    c->live_bytes += size;
  }
  return p;
}

static void *c_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  counting_alloc_t *c = user;
  c->reallocs++;
  void *p = realloc(ptr, new_size);
  if (p) {
    c->live_bytes += new_size - old_size;
  }
  return p;
}

static void c_free(void *user, void *ptr, size_t size) {
  counting_alloc_t *c = user;
  c->frees++;
  c->live_bytes -= size;
  free(ptr);
}

static void test_custom_allocator(void **state) {
  (void)state;
  const int32_t threads[] = {ECS_POOL_INLINE, 2};
  for (size_t t = 0; t < 2; ++t) {
    counting_alloc_t c = {0};
    ecs_pool_desc_t d = {.threads = threads[t], .queue_depth = 16, .allocator = {c_alloc, c_realloc, c_free, &c}};
    ecs_pool_t *p = pool_new(&d);
    atomic_int hits;
    atomic_init(&hits, 0);
    for (int i = 0; i < 100; ++i) {
      assert_int_equal(ecs_pool_submit(p, hit, &hits), ECS_OK);
    }
    assert_int_equal(ecs_pool_wait(p), ECS_OK);
    size_t allocs = c.allocs;
    assert_true(allocs >= 1);
    ecs_pool_free(p);
    assert_int_equal(atomic_load(&hits), 100);
    assert_int_equal(c.allocs, allocs); /* nothing on the submit path */
    assert_int_equal(c.frees, c.allocs);
    assert_int_equal(c.live_bytes, 0);
    assert_int_equal(c.reallocs, 0);

    /* every allocation failing in turn: an error, nothing leaked, no thread left */
    size_t failures = 0;
    for (size_t n = 1;; ++n) {
      c = (counting_alloc_t){.fail_at = n};
      ecs_pool_t *q = (ecs_pool_t *)&c;
      ecs_status_t st = ecs_pool_create(&d, &q);
      if (st == ECS_OK) {
        ecs_pool_free(q);
        assert_int_equal(c.frees, c.allocs);
        assert_int_equal(c.live_bytes, 0);
        break;
      }
      failures++;
      assert_int_equal(st, ECS_ERR_NO_MEMORY);
      assert_null(q);
      assert_int_equal(c.frees, c.allocs);
      assert_int_equal(c.live_bytes, 0);
    }
    assert_int_equal(failures, allocs);
  }
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_all_tasks_run_once),
      cmocka_unit_test(test_default_threads),
      cmocka_unit_test(test_wait_waits),
      cmocka_unit_test(test_wait_runs_queued_tasks_on_caller),
      cmocka_unit_test(test_submit_blocks_when_full),
      cmocka_unit_test(test_fail_when_full),
      cmocka_unit_test(test_free_runs_queued_tasks),
      cmocka_unit_test(test_hooks),
      cmocka_unit_test(test_stats),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_nested_submit_single_wait),
      cmocka_unit_test(test_nested_wait),
      cmocka_unit_test(test_nested_wait_three_levels),
      cmocka_unit_test(test_custom_allocator),
  };
  return cmocka_run_group_tests_name("pool", tests, NULL, NULL);
}
