/** @file ecs/pool.h
 *  The worker pool: N threads draining one bounded FIFO queue of tasks.
 *
 *  A task is a function and an argument. ecs_pool_submit() queues it (or, in
 *  an inline pool, runs it at once); ecs_pool_wait() blocks until the pool is
 *  idle, running queued tasks on the calling thread meanwhile, so the caller
 *  is one more worker while it waits. A pool needs no world: the scheduler
 *  owns one, or several worlds share one.
 *
 *  Tasks may submit further tasks and may wait. A task that waits, or that
 *  submits into a full queue, runs queued tasks itself rather than sleeping
 *  while any are queued, so nested use cannot deadlock the pool (as long as
 *  tasks do not also wait on each other by other means).
 *
 *  Workers are named "ecs-worker-N" (N = 0 .. threads-1) where the platform
 *  allows it (Linux, macOS), so debuggers and profilers tell them apart;
 *  ecs_pool_desc_t.on_thread_start can rename them, pin them to cores or
 *  register them with a profiler. The scheduler runs on a pool through
 *  ecs_pool_executor(), the same interface a host's job system implements
 *  (executor.h). */
#ifndef ECS_POOL_H
#define ECS_POOL_H

#include "config.h"
#include "error.h"
#include "executor.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef struct ecs_pool_t ecs_pool_t;

/** ecs_pool_desc_t.threads: no threads at all; every task runs inside
 *  ecs_pool_submit() on the submitting thread. */
#define ECS_POOL_INLINE (-1)
/** Largest accepted ecs_pool_desc_t.threads. */
#define ECS_POOL_MAX_THREADS 256
/** Queue depth used when ecs_pool_desc_t.queue_depth is 0. */
#define ECS_POOL_DEFAULT_QUEUE_DEPTH 1024u
/** The worker index passed to hooks for a task run by a thread that is not
 *  one of the pool's workers: inline, or while waiting or submitting. */
#define ECS_POOL_CALLER UINT32_MAX

/** Instrumentation, for traces and metrics. Every hook is optional and is
 *  called on the thread where the event happens, outside the pool's lock.
 *  Task ids count up from 1 in submit order. For one task, enqueue happens
 *  before start, and start before finish. Hooks may be called from several
 *  threads at once, so they must be thread-safe; they must not call
 *  ecs_pool_submit(), ecs_pool_wait() or ecs_pool_free(). */
typedef struct ecs_pool_hooks_t {
  /** A task was accepted by ecs_pool_submit() (called on the submitter). */
  void (*enqueue)(void *user, uint64_t task_id);
  /** A task is about to run on worker @p worker (0 .. threads-1) or on a
   *  caller (ECS_POOL_CALLER). */
  void (*start)(void *user, uint64_t task_id, uint32_t worker);
  /** A task returned; same thread and worker as its start. */
  void (*finish)(void *user, uint64_t task_id, uint32_t worker);
  /** Called as ecs_pool_wait() returns, once per call: the nanoseconds the
   *  caller spent blocked, not counting tasks it ran meanwhile. */
  void (*wait)(void *user, uint64_t waited_ns);
  void *user; /**< passed to every hook */
} ecs_pool_hooks_t;

/** Pool options. Zero-initialise, then set what you need; every zero field
 *  means its default, so `&(ecs_pool_desc_t){0}` is a valid descriptor. */
typedef struct ecs_pool_desc_t {
  /** Worker threads. 0: the number of online CPUs minus one (the caller is
   *  the extra one while it waits), at least 1 (none in a build without
   *  threads). ECS_POOL_INLINE: none. At most ECS_POOL_MAX_THREADS. */
  int32_t threads;
  /** Capacity of the task queue; 0 means ECS_POOL_DEFAULT_QUEUE_DEPTH.
   *  Ignored by an inline pool, which queues nothing. */
  uint32_t queue_depth;
  /** What ecs_pool_submit() does when the queue is full. false (default):
   *  it blocks until there is room. true: it returns ECS_ERR_QUEUE_FULL. */
  bool fail_when_full;
  /** Where the pool's memory comes from; all zero means malloc/free. All
   *  three functions or none (realloc is not used by the pool). The
   *  functions are called only by ecs_pool_create() and ecs_pool_free(). */
  ecs_allocator_t allocator;
  ecs_pool_hooks_t hooks; /**< default: none */
  /** Called on each worker thread as it starts, before it runs any task,
   *  with the worker's index (0 .. threads-1, each exactly once): name the
   *  thread (the pool has named it "ecs-worker-N" already where it can),
   *  set its affinity or priority, register it with a profiler. When set,
   *  ecs_pool_create() returns only after every call has returned. Optional;
   *  never called for an inline pool. */
  void (*on_thread_start)(void *user, uint32_t index);
  /** Called on each worker thread as it exits, after its last task, with
   *  the same index: in ecs_pool_free(), or in ecs_pool_create() when it
   *  fails after starting some threads. Every thread that got its start
   *  call gets its stop call. Optional. */
  void (*on_thread_stop)(void *user, uint32_t index);
  /** Passed to on_thread_start and on_thread_stop. The two hooks may run on
   *  several threads at once; they must not call into the pool. */
  void *thread_user;
} ecs_pool_desc_t;

/** Counters since creation. */
typedef struct ecs_pool_stats_t {
  uint64_t tasks_run;        /**< tasks that returned, on workers and callers */
  uint32_t queue_high_water; /**< most tasks ever queued at once (never above the depth) */
  uint64_t idle_ns;          /**< summed over workers: time spent waiting for work */
  uint64_t tasks_submitted;  /**< tasks accepted by ecs_pool_submit() */
} ecs_pool_stats_t;

/** Creates a pool and starts its threads. @p desc may be NULL (defaults).
 *  Ownership: the caller owns the pool; free it with ecs_pool_free(). The
 *             descriptor is copied; the user pointers of its hooks
 *             (hooks.user, thread_user) must stay valid for the pool's
 *             lifetime.
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p out is NULL; threads below
 *             ECS_POOL_INLINE or above ECS_POOL_MAX_THREADS; an allocator
 *             given in part), ECS_ERR_NO_MEMORY (allocation, or a thread,
 *             mutex or condition variable could not be created; threads
 *             already started are stopped and joined),
 *             ECS_ERR_UNSUPPORTED (threads above 0 in a build without
 *             threads: WebAssembly without -pthread, where threads 0 means
 *             ECS_POOL_INLINE; docs/platforms.md). On failure *out is NULL
 *             and nothing is leaked.
 *  Thread-safety: any thread. */
ECS_API ecs_status_t ecs_pool_create(const ecs_pool_desc_t *desc, ecs_pool_t **out);

/** Queues @p fn(@p arg) to run on a worker, in FIFO order with the other
 *  queued tasks (an inline pool runs it before returning). When the queue is
 *  full, the call blocks until a worker takes a task, or fails if the pool
 *  was created with fail_when_full. Called from inside one of the pool's
 *  tasks, a blocking submit runs queued tasks itself until there is room,
 *  so tasks that submit tasks cannot deadlock the pool.
 *  Ownership: @p arg stays the caller's; it must stay valid until the task
 *             has run (ecs_pool_wait() tells when).
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p pool or @p fn is NULL),
 *             ECS_ERR_QUEUE_FULL (queue full and fail_when_full). Nothing is
 *             queued on error.
 *  Thread-safety: any thread, including from inside a task; not during or
 *  after ecs_pool_free() except from a task the pool runs. */
ECS_API ecs_status_t ecs_pool_submit(ecs_pool_t *pool, ecs_task_fn fn, void *arg);

/** Blocks until no task is queued or running: every task submitted before
 *  the call has finished, and so have those submitted meanwhile (by tasks
 *  or other threads). While tasks are queued the caller runs them itself
 *  (hooks see worker ECS_POOL_CALLER), so a pool of one worker keeps two
 *  cores busy during a wait.
 *  Called from inside a task, it returns once the queue is empty and every
 *  task still running is itself suspended in ecs_pool_wait() or in a
 *  blocking ecs_pool_submit() (its own enclosing task, at least): those
 *  cannot finish before this call returns. Fork-join inside a task therefore
 *  works when the children do not wait themselves.
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p pool is NULL).
 *  Thread-safety: any thread, several at once, including from inside a
 *  task; not during or after ecs_pool_free(). */
ECS_API ecs_status_t ecs_pool_wait(ecs_pool_t *pool);

/** Fills @p out with an executor that runs on @p pool: enqueue submits
 *  each call to the pool (running it on the calling thread when the queue
 *  refuses it), finish waits as ecs_pool_wait() does (helping, and waiting
 *  for every task of the pool, not only those of the handle), workers is
 *  ecs_pool_threads(). This is what the scheduler uses for the pool it
 *  creates or is given; a host can pass it as ecs_scheduler_desc_t.executor
 *  too, or wrap it (to count or trace the calls).
 *  Ownership: @p pool stays the caller's and must outlive every user of
 *             the executor.
 *  Errors:    ECS_ERR_INVALID_ARGUMENT (@p pool or @p out is NULL; *out is
 *             then all zero when @p out is not NULL).
 *  Thread-safety: any thread; the executor's callbacks as ecs_pool_submit()
 *  and ecs_pool_wait(). */
ECS_API ecs_status_t ecs_pool_executor(ecs_pool_t *pool, ecs_executor_t *out);

/** Number of worker threads (0 for an inline pool or NULL).
 *  Thread-safety: any thread. */
ECS_API uint32_t ecs_pool_threads(const ecs_pool_t *pool);

/** Copies the pool's counters into @p out (all zero for a NULL pool; a NULL
 *  @p out is a no-op). The copy is consistent: taken under the pool's lock.
 *  Thread-safety: any thread, at any time before ecs_pool_free(). */
ECS_API void ecs_pool_stats(const ecs_pool_t *pool, ecs_pool_stats_t *out);

/** Runs every task still queued to completion (including tasks those tasks
 *  submit), joins the threads and frees the pool. NULL is a no-op. An inline
 *  pool has nothing queued. No task is dropped.
 *  Ownership: @p pool is invalid afterwards.
 *  Thread-safety: one thread, once, not from inside one of the pool's tasks;
 *  no other thread may call into the pool during or after the call, except
 *  the tasks it runs (they may submit). */
ECS_API void ecs_pool_free(ecs_pool_t *pool);

ECS_EXTERN_C_END

#endif /* ECS_POOL_H */
