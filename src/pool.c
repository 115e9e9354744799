/* Worker pool: threads draining one bounded ring of tasks. One mutex guards
 * all mutable state; workers sleep on `work`, blocked submitters and waiters
 * on `room_done`. Hooks and tasks always run with the mutex released.
 * Also here, as the other code that touches threads: the pool as an
 * executor, and the library's side of any executor (batches whose items any
 * thread may claim, executor_internal.h). */
#define _POSIX_C_SOURCE 200809L
#include "ecs/pool.h"
#include "executor_internal.h"
#include "platform/clock.h"
#include "platform/platform.h"
#include "private.h"

#include <stdio.h>
#include <string.h>

typedef struct pool_task_t {
  ecs_task_fn fn;
  void *arg;
  uint64_t id;
} pool_task_t;

typedef struct pool_worker_t {
  ecs_pool_t *pool;
  ecs__thread_t thread;
  ecs__thread_id_t id; /* valid once registered */
  bool registered;     /* past its start hook: id is set (guarded by mutex) */
  uint32_t index;
  bool idle;           /* waiting for work since idle_since */
  uint64_t idle_since; /* ns, CLOCK_MONOTONIC */
} pool_worker_t;

/* A task running on a thread that is not a worker (inline, or helping in
 * wait or submit). The frame lives on that thread's stack and is linked into
 * the pool so that a nested ecs_pool_wait() can tell it runs inside a task:
 * a thread-local would do the same, but the pool keeps no global state. */
typedef struct pool_frame_t {
  ecs__thread_id_t thread;
  struct pool_frame_t *prev;
  struct pool_frame_t *next;
} pool_frame_t;

struct ecs_pool_t {
  /* immutable after creation */
  ecs_allocator_t alloc;
  ecs_pool_hooks_t hooks;
  void (*on_thread_start)(void *user, uint32_t index);
  void (*on_thread_stop)(void *user, uint32_t index);
  void *thread_user;
  bool fail_when_full;
  uint32_t thread_count; /* 0 for an inline pool */
  pool_worker_t *workers;

  ecs__mutex_t mutex;
  ecs__cond_t work;      /* a task was queued, or shutdown */
  ecs__cond_t room_done; /* room in the queue, a task to help with, or idle */

  /* everything below is guarded by mutex */
  pool_task_t *ring;
  uint32_t cap;
  uint32_t head;
  uint32_t count;
  /* Slots promised to submitters that are calling the enqueue hook: the hook
   * runs unlocked but before the task can start, so a trace always sees
   * enqueue before start. */
  uint32_t reserved;
  uint64_t in_flight; /* accepted and not yet finished: reserved, queued or running */
  uint64_t suspended; /* running tasks whose thread sits in wait or a helping submit */
  uint32_t sleeping_workers;
  uint32_t sleeping_submitters;
  uint32_t sleeping_waiters;
  pool_frame_t *frames;
  uint32_t threads_started; /* workers past their on_thread_start */
  bool shutdown;
  uint64_t next_id;

  uint64_t tasks_run;
  uint64_t tasks_submitted;
  uint64_t idle_ns;
  uint32_t queue_high_water;
};

static int32_t default_threads(void) {
#if !ECS__PLATFORM_THREADS
  return ECS_POOL_INLINE; /* a build without threads (WebAssembly) */
#else
  uint32_t n = ecs__cpu_count() - 1;
  if (n < 1) {
    return 1;
  }
  return n > ECS_POOL_MAX_THREADS ? ECS_POOL_MAX_THREADS : (int32_t)n;
#endif
}

static ecs_status_t pool_desc_resolve(const ecs_pool_desc_t *desc, ecs_pool_desc_t *out) {
  ecs_pool_desc_t d = {0};
  if (desc) {
    d = *desc;
  }
  if (!ecs__allocator_resolve(&d.allocator)) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (d.threads < ECS_POOL_INLINE || d.threads > ECS_POOL_MAX_THREADS) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (d.threads == 0) {
    d.threads = default_threads();
  }
  if (!ECS__PLATFORM_THREADS && d.threads > 0) {
    return ECS_ERR_UNSUPPORTED; /* this build cannot start threads */
  }
  if (d.queue_depth == 0) {
    d.queue_depth = ECS_POOL_DEFAULT_QUEUE_DEPTH;
  }
  *out = d;
  return ECS_OK;
}

/* True when the calling thread is running one of the pool's tasks. A worker
 * only ever calls into the pool from a task (hooks may not). */
static bool in_task_locked(const ecs_pool_t *p) {
  ecs__thread_id_t self = ecs__thread_self();
  for (uint32_t i = 0; i < p->thread_count; ++i) {
    if (p->workers[i].registered && ecs__thread_id_equal(p->workers[i].id, self)) {
      return true;
    }
  }
  for (const pool_frame_t *f = p->frames; f; f = f->next) {
    if (ecs__thread_id_equal(f->thread, self)) {
      return true;
    }
  }
  return false;
}

/* Every task still in flight is suspended in a wait or submit: a nested wait
 * may return (and a top-level one too, when that number is 0). */
static void wake_waiters_if_idle_locked(ecs_pool_t *p) {
  if (p->sleeping_waiters > 0 && p->in_flight == p->suspended) {
    ecs__cond_broadcast(&p->room_done);
  }
}

static void push_locked(ecs_pool_t *p, pool_task_t t) {
  ECS_ASSERT(p->count + p->reserved < p->cap);
  p->ring[(p->head + p->count) % p->cap] = t;
  p->count++;
  if (p->count > p->queue_high_water) {
    p->queue_high_water = p->count;
  }
  if (p->sleeping_workers > 0) {
    ecs__cond_signal(&p->work);
  }
  /* waiters and in-task submitters help run queued tasks */
  if (p->sleeping_waiters > 0 || p->sleeping_submitters > 0) {
    ecs__cond_broadcast(&p->room_done);
  }
}

static pool_task_t pop_locked(ecs_pool_t *p) {
  ECS_ASSERT(p->count > 0);
  pool_task_t t = p->ring[p->head];
  p->head = (p->head + 1) % p->cap;
  p->count--;
  if (p->sleeping_submitters > 0) {
    ecs__cond_broadcast(&p->room_done);
  }
  return t;
}

static void run_task(const ecs_pool_t *p, const pool_task_t *t, uint32_t worker) {
  if (p->hooks.start) {
    p->hooks.start(p->hooks.user, t->id, worker);
  }
  t->fn(t->arg);
  if (p->hooks.finish) {
    p->hooks.finish(p->hooks.user, t->id, worker);
  }
}

static void task_done_locked(ecs_pool_t *p) {
  ECS_ASSERT(p->in_flight > 0);
  p->in_flight--;
  p->tasks_run++;
  wake_waiters_if_idle_locked(p);
}

/* Runs t on the calling thread, which is not a worker. Called and returns
 * with the mutex held; announce calls the enqueue hook first (inline pool). */
static void run_caller_locked(ecs_pool_t *p, pool_task_t t, bool announce) {
  pool_frame_t frame = {.thread = ecs__thread_self(), .prev = NULL, .next = p->frames};
  if (p->frames) {
    p->frames->prev = &frame;
  }
  /* the frame is unlinked below, before this function returns */
  // cppcheck-suppress autoVariables
  p->frames = &frame;
  ecs__mutex_unlock(&p->mutex);

  if (announce && p->hooks.enqueue) {
    p->hooks.enqueue(p->hooks.user, t.id);
  }
  run_task(p, &t, ECS_POOL_CALLER);

  ecs__mutex_lock(&p->mutex);
  if (frame.prev) {
    frame.prev->next = frame.next;
  } else {
    p->frames = frame.next;
  }
  if (frame.next) {
    frame.next->prev = frame.prev;
  }
  task_done_locked(p);
}

/* "ecs-worker-N", where the platform can name a thread: debuggers,
 * profilers and `top -H` show it instead of the program's name. */
static void name_thread(uint32_t index) {
  char name[16]; /* Linux allows 15 characters and the NUL */
  snprintf(name, sizeof name, "ecs-worker-%u", (unsigned)index);
  ecs__thread_set_name(name);
}

static void worker_main(void *arg) {
  pool_worker_t *w = arg;
  ecs_pool_t *p = w->pool;
  name_thread(w->index);
  if (p->on_thread_start) {
    p->on_thread_start(p->thread_user, w->index);
  }
  ecs__mutex_lock(&p->mutex);
  w->id = ecs__thread_self();
  w->registered = true;
  if (++p->threads_started == p->thread_count) {
    ecs__cond_broadcast(&p->room_done); /* ecs_pool_create() waits for it */
  }
  for (;;) {
    if (p->count > 0) {
      pool_task_t t = pop_locked(p);
      ecs__mutex_unlock(&p->mutex);
      run_task(p, &t, w->index);
      ecs__mutex_lock(&p->mutex);
      task_done_locked(p);
      continue;
    }
    /* the queue is drained before a worker honours shutdown */
    if (p->shutdown) {
      break;
    }
    w->idle = true;
    w->idle_since = ecs__now_ns();
    p->sleeping_workers++;
    ecs__cond_wait(&p->work, &p->mutex);
    p->sleeping_workers--;
    p->idle_ns += ecs__now_ns() - w->idle_since;
    w->idle = false;
  }
  ecs__mutex_unlock(&p->mutex);
  if (p->on_thread_stop) {
    p->on_thread_stop(p->thread_user, w->index);
  }
}

ecs_status_t ecs_pool_create(const ecs_pool_desc_t *desc, ecs_pool_t **out) {
  if (!out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  *out = NULL;
  ecs_pool_desc_t d;
  ecs_status_t st = pool_desc_resolve(desc, &d);
  if (st != ECS_OK) {
    return st;
  }
  const ecs_allocator_t a = d.allocator;
  uint32_t threads = d.threads == ECS_POOL_INLINE ? 0u : (uint32_t)d.threads;
  uint32_t cap = threads > 0 ? d.queue_depth : 0u;
  size_t ring_bytes = (size_t)cap * sizeof(pool_task_t);
  if (ring_bytes / sizeof(pool_task_t) != cap) { /* 32-bit hosts */
    return ECS_ERR_NO_MEMORY;
  }

  st = ECS_ERR_NO_MEMORY;
  ecs_pool_t *p = a.alloc(a.user, sizeof *p);
  if (!p) {
    return st;
  }
  memset(p, 0, sizeof *p);
  p->alloc = a;
  p->hooks = d.hooks;
  p->on_thread_start = d.on_thread_start;
  p->on_thread_stop = d.on_thread_stop;
  p->thread_user = d.thread_user;
  p->fail_when_full = d.fail_when_full;
  p->thread_count = threads;
  p->cap = cap;
  p->next_id = 1;
  if (threads > 0) {
    p->ring = a.alloc(a.user, ring_bytes);
    if (!p->ring) {
      goto out_free_pool;
    }
    p->workers = a.alloc(a.user, (size_t)threads * sizeof(pool_worker_t));
    if (!p->workers) {
      goto out_free_ring;
    }
    memset(p->workers, 0, (size_t)threads * sizeof(pool_worker_t));
  }
  if (!ecs__mutex_init(&p->mutex)) {
    goto out_free_workers;
  }
  if (!ecs__cond_init(&p->work)) {
    goto out_destroy_mutex;
  }
  if (!ecs__cond_init(&p->room_done)) {
    goto out_destroy_work;
  }

  /* Workers register their thread id under the mutex, which
   * in_task_locked() reads it under. */
  uint32_t started = 0;
  ecs__mutex_lock(&p->mutex);
  for (; started < threads; ++started) {
    pool_worker_t *w = &p->workers[started];
    w->pool = p;
    w->index = started;
    if (!ecs__thread_create(&w->thread, worker_main, w)) {
      goto out_stop_threads;
    }
  }
  /* a host that registers its threads (a profiler) knows they all are */
  while (p->on_thread_start && p->threads_started < threads) {
    ecs__cond_wait(&p->room_done, &p->mutex);
  }
  ecs__mutex_unlock(&p->mutex);
  *out = p;
  return ECS_OK;

out_stop_threads:
  p->shutdown = true;
  ecs__cond_broadcast(&p->work);
  ecs__mutex_unlock(&p->mutex);
  for (uint32_t i = 0; i < started; ++i) {
    ecs__thread_join(&p->workers[i].thread);
  }
  ecs__cond_destroy(&p->room_done);
out_destroy_work:
  ecs__cond_destroy(&p->work);
out_destroy_mutex:
  ecs__mutex_destroy(&p->mutex);
out_free_workers:
  if (p->workers) {
    a.free(a.user, p->workers, (size_t)threads * sizeof(pool_worker_t));
  }
out_free_ring:
  if (p->ring) {
    a.free(a.user, p->ring, ring_bytes);
  }
out_free_pool:
  a.free(a.user, p, sizeof *p);
  return st;
}

ecs_status_t ecs_pool_submit(ecs_pool_t *p, ecs_task_fn fn, void *arg) {
  if (!p || !fn) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs__mutex_lock(&p->mutex);
  if (p->thread_count == 0) {
    /* A task that submits on an inline pool sits in this call until the new
     * task returns: it is suspended meanwhile, like a task in a helping
     * submit, so a wait inside the new task does not wait for it. */
    bool nested = in_task_locked(p);
    pool_task_t t = {fn, arg, p->next_id++};
    p->in_flight++;
    p->tasks_submitted++;
    if (nested) {
      p->suspended++;
    }
    run_caller_locked(p, t, true);
    if (nested) {
      p->suspended--;
    }
    ecs__mutex_unlock(&p->mutex);
    return ECS_OK;
  }

  if (p->count + p->reserved >= p->cap) {
    if (p->fail_when_full) {
      ecs__mutex_unlock(&p->mutex);
      return ECS_ERR_QUEUE_FULL;
    }
    /* From inside a task, sleeping could deadlock (every worker might be a
     * submitter), so run queued tasks here until there is room. */
    bool nested = in_task_locked(p);
    if (nested) {
      p->suspended++;
      wake_waiters_if_idle_locked(p);
    }
    while (p->count + p->reserved >= p->cap) {
      if (nested && p->count > 0) {
        run_caller_locked(p, pop_locked(p), false);
        continue;
      }
      p->sleeping_submitters++;
      ecs__cond_wait(&p->room_done, &p->mutex);
      p->sleeping_submitters--;
    }
    if (nested) {
      p->suspended--;
    }
  }

  pool_task_t t = {fn, arg, p->next_id++};
  p->in_flight++;
  p->tasks_submitted++;
  if (!p->hooks.enqueue) {
    push_locked(p, t);
    ecs__mutex_unlock(&p->mutex);
    return ECS_OK;
  }
  p->reserved++;
  ecs__mutex_unlock(&p->mutex);
  p->hooks.enqueue(p->hooks.user, t.id);
  ecs__mutex_lock(&p->mutex);
  p->reserved--;
  push_locked(p, t);
  ecs__mutex_unlock(&p->mutex);
  return ECS_OK;
}

ecs_status_t ecs_pool_wait(ecs_pool_t *p) {
  if (!p) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  uint64_t blocked_ns = 0;
  ecs__mutex_lock(&p->mutex);
  /* A task that waits cannot wait for itself, nor for other waiting tasks
   * (they may be waiting for it): it counts as suspended meanwhile. */
  bool nested = in_task_locked(p);
  if (nested) {
    p->suspended++;
    wake_waiters_if_idle_locked(p);
  }
  for (;;) {
    if (p->count > 0) {
      run_caller_locked(p, pop_locked(p), false);
      continue;
    }
    if (p->in_flight == (nested ? p->suspended : 0)) {
      break;
    }
    p->sleeping_waiters++;
    uint64_t t0 = ecs__now_ns();
    ecs__cond_wait(&p->room_done, &p->mutex);
    blocked_ns += ecs__now_ns() - t0;
    p->sleeping_waiters--;
  }
  if (nested) {
    p->suspended--;
  }
  ecs__mutex_unlock(&p->mutex);
  if (p->hooks.wait) {
    p->hooks.wait(p->hooks.user, blocked_ns);
  }
  return ECS_OK;
}

uint32_t ecs_pool_threads(const ecs_pool_t *p) {
  return p ? p->thread_count : 0u;
}

void ecs_pool_stats(const ecs_pool_t *pool, ecs_pool_stats_t *out) {
  if (!out) {
    return;
  }
  memset(out, 0, sizeof *out);
  if (!pool) {
    return;
  }
  /* the pool is heap-allocated, never a const object: locking is allowed */
  ecs_pool_t *p = (ecs_pool_t *)pool;
  ecs__mutex_lock(&p->mutex);
  out->tasks_run = p->tasks_run;
  out->queue_high_water = p->queue_high_water;
  out->tasks_submitted = p->tasks_submitted;
  out->idle_ns = p->idle_ns;
  uint64_t now = ecs__now_ns();
  for (uint32_t i = 0; i < p->thread_count; ++i) {
    if (p->workers[i].idle) {
      out->idle_ns += now - p->workers[i].idle_since;
    }
  }
  ecs__mutex_unlock(&p->mutex);
}

void ecs_pool_free(ecs_pool_t *p) {
  if (!p) {
    return;
  }
  ecs__mutex_lock(&p->mutex);
  p->shutdown = true;
  ecs__cond_broadcast(&p->work);
  ecs__mutex_unlock(&p->mutex);
  for (uint32_t i = 0; i < p->thread_count; ++i) {
    ecs__thread_join(&p->workers[i].thread);
  }
  ECS_ASSERT(p->count == 0 && p->in_flight == 0);
  ecs__cond_destroy(&p->room_done);
  ecs__cond_destroy(&p->work);
  ecs__mutex_destroy(&p->mutex);
  const ecs_allocator_t a = p->alloc;
  if (p->thread_count > 0) {
    a.free(a.user, p->workers, (size_t)p->thread_count * sizeof(pool_worker_t));
    a.free(a.user, p->ring, (size_t)p->cap * sizeof(pool_task_t));
  }
  a.free(a.user, p, sizeof *p);
}

/* ---- the pool as an executor ----------------------------------------------
 * A handle is the pool itself: finishing it waits for the whole pool, which
 * is more than the contract asks (the calls of that handle) and what the
 * scheduler did before executors existed. */

static void *pool_exec_enqueue(void *user, ecs_task_fn fn, void *arg, uint32_t count) {
  ecs_pool_t *p = user;
  bool queued = false;
  for (uint32_t i = 0; i < count; ++i) {
    if (ecs_pool_submit(p, fn, arg) != ECS_OK) {
      fn(arg); /* a pool created with fail_when_full refused it: run it here */
    } else if (p->thread_count > 0) {
      queued = true; /* (an inline pool ran it in submit) */
    }
  }
  return queued ? p : NULL;
}

static void pool_exec_finish(void *user, void *handle) {
  (void)handle;
  ecs_pool_t *p = user;
  /* most handles of a group find the pool idle already (the first finish
   * waited for all of them): skip the wait and its hook */
  ecs__mutex_lock(&p->mutex);
  bool idle = p->count == 0 && p->in_flight == 0;
  ecs__mutex_unlock(&p->mutex);
  if (!idle) {
    ecs_pool_wait(p);
  }
}

ecs_status_t ecs_pool_executor(ecs_pool_t *pool, ecs_executor_t *out) {
  if (out) {
    memset(out, 0, sizeof *out);
  }
  if (!pool || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  out->enqueue = pool_exec_enqueue;
  out->finish = pool_exec_finish;
  out->workers = pool->thread_count;
  out->user = pool;
  return ECS_OK;
}

bool ecs__executor_valid(const ecs_executor_t *x) {
  if (!x->enqueue && !x->finish) {
    return x->workers == 0 && x->user == NULL; /* none, not one given in part */
  }
  return x->enqueue && x->finish && x->workers <= ECS_EXECUTOR_MAX_WORKERS;
}

/* ---- batches: the library's side of any executor ---------------------------
 * Items are claimed with one atomic increment, by the calls the executor
 * makes and by the thread that waits, which runs every item left; so that
 * thread only ever waits for items running on other threads, and a call
 * that starts late finds nothing and returns. The last item to finish wakes
 * the waiter if it went to sleep: it announces that in `sleeping` before
 * checking `done` (both sequentially consistent), so either it sees the
 * final count or the finisher sees it asleep and broadcasts under the
 * mutex it sleeps on. */

struct ecs__batch_t {
  atomic_uint next;     /* next item to claim; runs past count once all are */
  atomic_uint done;     /* items that have returned */
  atomic_bool sleeping; /* the waiter sleeps (or is about to) on cond */
  uint32_t count;
  ecs__item_fn run;
  void *items;
  void *handle; /* the executor's, until ecs__batch_finish() */
  ecs__mutex_t mutex;
  ecs__cond_t cond;
};

ecs__batch_t *ecs__batch_new(const ecs_allocator_t *a) {
  ecs__batch_t *b = a->alloc(a->user, sizeof *b);
  if (!b) {
    return NULL;
  }
  memset(b, 0, sizeof *b);
  if (!ecs__mutex_init(&b->mutex)) {
    goto out_free;
  }
  if (!ecs__cond_init(&b->cond)) {
    goto out_destroy_mutex;
  }
  atomic_init(&b->next, 0u);
  atomic_init(&b->done, 0u);
  atomic_init(&b->sleeping, false);
  return b;

out_destroy_mutex:
  ecs__mutex_destroy(&b->mutex);
out_free:
  a->free(a->user, b, sizeof *b);
  return NULL;
}

void ecs__batch_free(const ecs_allocator_t *a, ecs__batch_t *b) {
  if (!b) {
    return;
  }
  ECS_ASSERT(b->handle == NULL);
  ecs__cond_destroy(&b->cond);
  ecs__mutex_destroy(&b->mutex);
  a->free(a->user, b, sizeof *b);
}

/* Claims and runs items until none is left. The executor's calls, and the
 * waiting thread. */
static void batch_work(ecs__batch_t *b) {
  for (;;) {
    uint32_t i = atomic_fetch_add(&b->next, 1u);
    if (i >= b->count) {
      return;
    }
    b->run(b->items, i);
    if (atomic_fetch_add(&b->done, 1u) + 1u == b->count && atomic_load(&b->sleeping)) {
      ecs__mutex_lock(&b->mutex);
      ecs__cond_broadcast(&b->cond);
      ecs__mutex_unlock(&b->mutex);
    }
  }
}

static void batch_call(void *arg) {
  batch_work(arg);
}

void ecs__batch_run(ecs__batch_t *b, const ecs_executor_t *x, ecs__item_fn run, void *items, uint32_t count) {
  ECS_ASSERT(b->handle == NULL);
  b->count = count;
  b->run = run;
  b->items = items;
  atomic_store(&b->next, 0u);
  atomic_store(&b->done, 0u);
  atomic_store(&b->sleeping, false);
  uint32_t calls = count > 1 ? count - 1 : 0;
  calls = calls < x->workers ? calls : x->workers;
  if (calls > 0) {
    b->handle = x->enqueue(x->user, batch_call, b, calls);
  }
  batch_work(b);
  if (atomic_load(&b->done) == count) {
    return;
  }
  ecs__mutex_lock(&b->mutex);
  atomic_store(&b->sleeping, true);
  while (atomic_load(&b->done) != count) {
    ecs__cond_wait(&b->cond, &b->mutex);
  }
  ecs__mutex_unlock(&b->mutex);
}

void ecs__batch_finish(ecs__batch_t *b, const ecs_executor_t *x) {
  if (b->handle) {
    x->finish(x->user, b->handle);
    b->handle = NULL;
  }
}
