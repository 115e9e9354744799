/** @file ecs/executor.h
 *  The executor: how the scheduler hands work to threads. The built-in
 *  worker pool is one (ecs_pool_executor()); a host with a job system of its
 *  own supplies another through ecs_scheduler_desc_t.executor, and the
 *  scheduler then creates no thread at all.
 *
 *  An executor is two callbacks and a worker count. The library calls
 *  enqueue() with a function, an argument and a number of calls; the
 *  executor makes that many calls of the function, on whatever threads it
 *  likes, and returns a handle. Later the library calls finish() with the
 *  handle, which returns once every one of those calls has returned.
 *
 *  What the library promises, so that a simple executor cannot deadlock:
 *  - Every call it asks for is interchangeable and short to skip: the work
 *    behind a handle is claimed item by item, and the thread that waits for
 *    it runs every item no call has claimed yet. A call that starts after
 *    its work was taken returns at once.
 *  - It never waits, inside a call, for a call that has not started: a call
 *    (a system, or a slice of ecs_parallel_for()) waits only for items other
 *    threads are already running.
 *  - finish() is called only on the thread that called
 *    ecs_scheduler_tick(), never from inside a call, and only once every
 *    call of that handle that has not started has nothing left to do. A
 *    finish() that just blocks until the calls have run is therefore enough,
 *    as long as the executor runs what it has queued (on its workers, or at
 *    the latest inside finish()).
 *  The results do not depend on the executor: the world after a tick is
 *  the same on any executor, with any number of workers, as on the
 *  caller's thread alone (docs/scheduler.md, docs/adr/0005-executor.md). */
#ifndef ECS_EXECUTOR_H
#define ECS_EXECUTOR_H

#include "config.h"

ECS_EXTERN_C_BEGIN

/** A task: @p arg is what was passed with it; the executor and the pool
 *  never read or free it. */
typedef void (*ecs_task_fn)(void *arg);

/** Largest accepted ecs_executor_t.workers. */
#define ECS_EXECUTOR_MAX_WORKERS 256u

/** A job system the scheduler runs ASYNC groups and ecs_parallel_for() on.
 *  All zero means none. Otherwise enqueue and finish are both required. */
typedef struct ecs_executor_t {
  /** Arranges @p count calls of @p fn(@p arg) (1 <= count <= max(workers,
   *  1)), on any threads, the calling one included, at once or one after
   *  another, in any order; all of them must have returned before finish()
   *  of the returned handle returns. Everything the caller wrote before
   *  enqueue() must be visible to the calls (a queue behind a mutex does
   *  that).
   *  Returns a handle for finish(), or NULL when every call has already
   *  returned (the executor ran them on the calling thread, for instance
   *  because its queue was full or it has no threads). It must not fail
   *  otherwise, nor block waiting for room in a queue (the calling thread
   *  may be one of its workers): when it cannot queue, it runs the calls
   *  before returning.
   *  Called from the ticking thread and from inside calls (a system
   *  handing out the systems that waited for it, a system's
   *  ecs_parallel_for()), possibly from several threads at once. */
  void *(*enqueue)(void *user, ecs_task_fn fn, void *arg, uint32_t count);
  /** Returns once every call of @p handle (never NULL) has returned;
   *  everything the calls wrote must then be visible to the caller. It may
   *  run queued calls on the calling thread meanwhile (help) or block while
   *  other threads run them; then it releases the handle. Called exactly
   *  once per handle, on the thread that called ecs_scheduler_tick(), never
   *  from inside a call; calls that have not started by then have nothing
   *  left to do and return at once. */
  void (*finish)(void *user, void *handle);
  /** Threads other than the caller's that may make calls at the same time,
   *  0 .. ECS_EXECUTOR_MAX_WORKERS. The library asks for at most this many
   *  calls per enqueue() (the waiting thread works too) and never relies on
   *  them running at the same time: an executor that makes every call on
   *  one thread, even inside finish(), is valid and gives the same results.
   *  0: ecs_parallel_for() keeps its slices on the calling thread, and ASYNC
   *  groups still hand each system to enqueue(). */
  uint32_t workers;
  void *user; /**< passed to enqueue and finish; must outlive the scheduler */
} ecs_executor_t;

ECS_EXTERN_C_END

#endif /* ECS_EXECUTOR_H */
