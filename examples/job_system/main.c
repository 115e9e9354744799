/* job_system: the scheduler on an engine's own job system.
 *
 * The first half is a tiny job system of the kind an engine already has: a
 * few threads, one queue, and a counter per submission to wait on. It knows
 * nothing of libecs. The second half adapts it to ecs_executor_t (two
 * callbacks and a worker count) and runs a particle world whose ASYNC group
 * splits its work with ecs_parallel_for. The same world is then run on the
 * calling thread alone: the checksums match, whatever the job system does.
 *
 * usage: job_system [--threads N] [--ticks N] [--particles N] (job_system --help) */
#include "../common/cli.h"

#include <ecs.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

/* ---- the engine's job system ---------------------------------------------- */

typedef void (*job_fn)(void *arg);

typedef struct job_t {
  job_fn fn;
  void *arg;
  int left;       /* runs not yet started */
  int unfinished; /* runs not yet returned: what jobs_wait() waits for */
  struct job_t *next;
} job_t;

typedef struct jobs_t {
  pthread_t threads[16];
  int thread_count;
  pthread_mutex_t mutex;
  pthread_cond_t queued;   /* a job to run, or stop */
  pthread_cond_t returned; /* a run returned */
  job_t *head, *tail;
  int stop;
} jobs_t;

static void *jobs_worker(void *arg) {
  jobs_t *js = arg;
  pthread_mutex_lock(&js->mutex);
  for (;;) {
    job_t *j = js->head;
    if (!j) {
      if (js->stop) {
        break;
      }
      pthread_cond_wait(&js->queued, &js->mutex);
      continue;
    }
    if (--j->left == 0) { /* its last run leaves the queue */
      js->head = j->next;
      js->tail = js->head ? js->tail : NULL;
    }
    pthread_mutex_unlock(&js->mutex);
    j->fn(j->arg);
    pthread_mutex_lock(&js->mutex);
    j->unfinished--;
    pthread_cond_broadcast(&js->returned);
  }
  pthread_mutex_unlock(&js->mutex);
  return NULL;
}

/* Queues `count` runs of fn(arg); returns the job to wait on. */
static job_t *jobs_submit(jobs_t *js, job_fn fn, void *arg, int count) {
  job_t *j = malloc(sizeof *j);
  if (!j) {
    return NULL;
  }
  *j = (job_t){fn, arg, count, count, NULL};
  pthread_mutex_lock(&js->mutex);
  if (js->tail) {
    js->tail->next = j;
  } else {
    js->head = j;
  }
  js->tail = j;
  pthread_cond_broadcast(&js->queued);
  pthread_mutex_unlock(&js->mutex);
  return j;
}

/* Sleeps until every run of j has returned, then frees it. */
static void jobs_wait(jobs_t *js, job_t *j) {
  pthread_mutex_lock(&js->mutex);
  while (j->unfinished > 0) {
    pthread_cond_wait(&js->returned, &js->mutex);
  }
  pthread_mutex_unlock(&js->mutex);
  free(j);
}

static int jobs_start(jobs_t *js, int threads) {
  *js = (jobs_t){.thread_count = 0};
  pthread_mutex_init(&js->mutex, NULL);
  pthread_cond_init(&js->queued, NULL);
  pthread_cond_init(&js->returned, NULL);
  for (; js->thread_count < threads; ++js->thread_count) {
    if (pthread_create(&js->threads[js->thread_count], NULL, jobs_worker, js) != 0) {
      return -1;
    }
  }
  return 0;
}

static void jobs_stop(jobs_t *js) {
  pthread_mutex_lock(&js->mutex);
  js->stop = 1;
  pthread_cond_broadcast(&js->queued);
  pthread_mutex_unlock(&js->mutex);
  for (int i = 0; i < js->thread_count; ++i) {
    pthread_join(js->threads[i], NULL);
  }
  pthread_cond_destroy(&js->returned);
  pthread_cond_destroy(&js->queued);
  pthread_mutex_destroy(&js->mutex);
}

/* ---- the adapter: what libecs needs from it -------------------------------
 * enqueue: run fn(arg) `count` times, return something finish can wait on
 * (NULL: already done). finish: wait for it. A finish that just sleeps is
 * enough: libecs calls it only from the thread that ticks, once nothing
 * left in the job has work to do but what is already running
 * (include/ecs/executor.h). */

static void *exec_enqueue(void *user, ecs_task_fn fn, void *arg, uint32_t count) {
  job_t *j = jobs_submit(user, fn, arg, (int)count);
  if (!j) { /* the job system is out of memory: run them here */
    for (uint32_t i = 0; i < count; ++i) {
      fn(arg);
    }
  }
  return j;
}

static void exec_finish(void *user, void *handle) {
  jobs_wait(user, handle);
}

/* ---- a particle world ------------------------------------------------------- */

typedef struct Position {
  int32_t x, y;
} Position;
typedef struct Velocity {
  int32_t dx, dy;
} Velocity;
typedef struct Heat {
  int32_t value;
} Heat;

static ecs_status_t move_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  (void)user;
  Position *p = ecs_field(chunk, 0);
  const Velocity *v = ecs_field(chunk, 1);
  for (int32_t i = 0; i < chunk->count; ++i) {
    p[i].x = (p[i].x + v[i].dx + 4096) % 4096;
    p[i].y = (p[i].y + v[i].dy + 4096) % 4096;
  }
  return ECS_OK;
}

/* runs on a job thread; its slices run on the others (and on this one) */
static ecs_status_t move(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 256, move_slice, NULL);
}

static ecs_status_t cool_slice(ecs_iter_t *chunk, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  (void)user;
  Heat *h = ecs_field(chunk, 0);
  for (int32_t i = 0; i < chunk->count; ++i) {
    h[i].value = h[i].value * 7 / 8 + (int32_t)(chunk->entities[i] % 5);
  }
  return ECS_OK;
}

static ecs_status_t cool(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 256, cool_slice, NULL);
}

/* Builds the world, runs `ticks` ticks on `exec` (NULL: the caller's thread
 * alone) and returns the world's checksum; 0 on error. */
static uint64_t run(const ecs_executor_t *exec, int particles, int ticks) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_t pos = ECS_COMPONENT(w, Position);
  ecs_component_t vel = ECS_COMPONENT(w, Velocity);
  ecs_component_t heat = ECS_COMPONENT(w, Heat);
  for (int i = 0; i < particles; ++i) {
    ecs_entity_t e = ecs_entity_create(w);
    ecs_set(w, e, pos, &(Position){i % 4096, (i * 7) % 4096});
    ecs_set(w, e, vel, &(Velocity){i % 5 - 2, i % 3 - 1});
    ecs_set(w, e, heat, &(Heat){i % 100});
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  /* with an executor the scheduler starts no thread of its own */
  ecs_scheduler_desc_t opts = {.threads = ECS_POOL_INLINE, .inline_below_ns = 1};
  if (exec) {
    opts = (ecs_scheduler_desc_t){.executor = *exec, .inline_below_ns = 1};
  }
  ecs_builder_set_options(b, &opts);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "simulation", .mode = ECS_GROUP_ASYNC});
  ecs_builder_add_system(b, g,
                         &(ecs_system_desc_t){.name = "move",
                                              .query = {.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}},
                                              .callback = move});
  ecs_builder_add_system(
      b, g, &(ecs_system_desc_t){.name = "cool", .query = {.terms = {{heat, ECS_ACCESS_WRITE}}}, .callback = cool});
  ecs_scheduler_t *s = NULL;
  uint64_t sum = 0;
  if (ecs_scheduler_build(b, &s) != ECS_OK) {
    fprintf(stderr, "build failed: %s\n", ecs_last_error(w));
  } else {
    ecs_status_t st = ECS_OK;
    for (int t = 0; t < ticks && st == ECS_OK; ++t) {
      st = ecs_scheduler_tick(s, 1.0 / 60.0, NULL);
    }
    sum = st == ECS_OK ? ecs_world_checksum(w) : 0;
    ecs_scheduler_free(s);
  }
  ecs_world_free(w);
  return sum;
}

enum { OPT_THREADS = CLI_LONG_ONLY, OPT_TICKS, OPT_PARTICLES };

static const cli_flag_t flags[] = {
    {"threads", OPT_THREADS, "N", "job system threads, 1 to 16 (default 3)"},
    {"ticks", OPT_TICKS, "N", "ticks to run, 1 to 1000000 (default 100)"},
    {"particles", OPT_PARTICLES, "N", "particles, 1 to 10000000 (default 20000)"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

int main(int argc, char **argv) {
  long long threads = 3, ticks = 100, particles = 20000;
  cli_t cli;
  cli_begin(&cli, "job_system", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = CLI_EXIT_USAGE;
    switch (k) {
    case OPT_THREADS:
      rc = cli_int("job_system", "--threads", optarg, 1, 16, &threads);
      break;
    case OPT_TICKS:
      rc = cli_int("job_system", "--ticks", optarg, 1, 1000000, &ticks);
      break;
    case OPT_PARTICLES:
      rc = cli_int("job_system", "--particles", optarg, 1, 10000000, &particles);
      break;
    case 'h':
      printf("usage: job_system [options]\n"
             "A particle world ticked on a small host job system, then on the calling thread alone.\n\n");
      cli_print_flags(&cli, stdout);
      return 0;
    default:
      break; /* cli_next has printed the error */
    }
    if (rc != 0) {
      return rc;
    }
  }
  if (cli_no_operands(&cli, argc, argv) != 0) {
    return CLI_EXIT_USAGE;
  }
  jobs_t js;
  if (jobs_start(&js, (int)threads) != 0) {
    fprintf(stderr, "cannot start the job system\n");
    jobs_stop(&js);
    return CLI_EXIT_RUNTIME;
  }
  /* the engine's job system, as libecs sees it */
  ecs_executor_t exec = {.enqueue = exec_enqueue, .finish = exec_finish, .workers = (uint32_t)threads, .user = &js};
  uint64_t on_jobs = run(&exec, (int)particles, (int)ticks);
  jobs_stop(&js);
  uint64_t alone = run(NULL, (int)particles, (int)ticks);
  printf("%lld particles, %lld ticks\n", particles, ticks);
  printf("checksum on the job system (%lld threads): %016llx\n", threads, (unsigned long long)on_jobs);
  printf("checksum on the calling thread alone:    %016llx\n", (unsigned long long)alone);
  bool same = on_jobs != 0 && on_jobs == alone;
  printf("same checksum: %s\n", same ? "yes" : "NO");
  return same ? CLI_EXIT_OK : CLI_EXIT_RUNTIME;
}
