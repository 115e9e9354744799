/* boids: the main demo. N agents steer as a flock (ai plugin) on top of a
 * physics plugin (integration, spatial grid, collisions), on the worker
 * pool: ASYNC groups for steering, integration and collisions, each split
 * over the threads with ecs_parallel_for. Agents age, collide, die and are
 * replaced through deferred commands. The final checksum is the same for
 * any --threads: that is the scheduler's determinism at work.
 *
 * usage: boids [--agents N] [--ticks N] [--threads N] [--seed N] [--trace out.json]
 *              [--rss-growth-mb N] [--snapshot-every K]
 *   --trace writes a Chrome trace-event file (open it in ui.perfetto.dev).
 *   --rss-growth-mb N fails (exit 3) when resident memory grew by more than
 *   N MiB between 10% of the ticks and the end: the soak test's leak check.
 *   --snapshot-every K saves the world into a rollback ring every K ticks;
 *   every 2K ticks it rolls back K ticks, simulates them again and checks
 *   that the world is identical (exit 4 if not): rollback and determinism,
 *   live. */
#define _POSIX_C_SOURCE 200809L
#include "../plugins/ai.h"
#include "../plugins/physics.h"

#include <ecs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct options_t {
  long agents, ticks, threads, seed, rss_growth_mb, snapshot_every;
  const char *trace;
} options_t;

/* Resident memory in MiB (Linux /proc), or -1 when unknown. */
static double rss_mb(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  long pages = -1;
  long resident = -1;
  if (f) {
    if (fscanf(f, "%ld %ld", &pages, &resident) != 2) {
      resident = -1;
    }
    fclose(f);
  }
  return resident < 0 ? -1.0 : (double)resident * 4096.0 / (1024.0 * 1024.0);
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.agents = 10000, .ticks = 600, .threads = -2, .seed = 1, .rss_growth_mb = -1, .snapshot_every = 0};
  for (int i = 1; i < argc; ++i) {
    long *slot = NULL;
    if (strcmp(argv[i], "--trace") == 0 && i + 1 < argc) {
      o->trace = argv[++i];
      continue;
    }
    if (strcmp(argv[i], "--agents") == 0) {
      slot = &o->agents;
    } else if (strcmp(argv[i], "--ticks") == 0) {
      slot = &o->ticks;
    } else if (strcmp(argv[i], "--threads") == 0) {
      slot = &o->threads;
    } else if (strcmp(argv[i], "--seed") == 0) {
      slot = &o->seed;
    } else if (strcmp(argv[i], "--rss-growth-mb") == 0) {
      slot = &o->rss_growth_mb;
    } else if (strcmp(argv[i], "--snapshot-every") == 0) {
      slot = &o->snapshot_every;
    }
    if (!slot || i + 1 >= argc) {
      fprintf(stderr, "usage: boids [--agents N] [--ticks N] [--threads N] [--seed N] [--trace out.json] "
                      "[--rss-growth-mb N] [--snapshot-every K]\n");
      return -1;
    }
    *slot = strtol(argv[++i], NULL, 10);
  }
  if (o->agents < 1 || o->ticks < 0 || o->threads < -2 || o->threads > ECS_POOL_MAX_THREADS) {
    fprintf(stderr, "boids: out-of-range option\n");
    return -1;
  }
  return 0;
}

int main(int argc, char **argv) {
  options_t o;
  if (parse(argc, argv, &o) != 0) {
    return 2;
  }
  ecs_world_t *world = ecs_world_new(&(ecs_world_desc_t){.initial_entities = (uint32_t)o.agents + 1024});
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(world);
  /* --threads N: N threads in all (the ticking thread helps while it waits);
   * default: one per online CPU */
  int32_t workers = o.threads == -2 ? 0 : o.threads <= 1 ? ECS_POOL_INLINE : (int32_t)o.threads - 1;
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = workers});
  physics_config_t pc = {.world_size = 1000.0f};
  ai_config_t ac = {.population = (uint32_t)o.agents, .seed = (uint64_t)o.seed};
  ecs_scheduler_t *sched = NULL;
  ecs_status_t st = ecs_plugin_load(world, b, physics_plugin(), &pc);
  if (st == ECS_OK) {
    st = ecs_plugin_load(world, b, ai_plugin(), &ac);
  }
  if (st == ECS_OK) {
    st = ecs_scheduler_build(b, &sched); /* frees the builder */
  } else {
    ecs_scheduler_builder_free(b);
  }
  if (st != ECS_OK) {
    fprintf(stderr, "boids: setup failed: %s\n", ecs_last_error(world));
    ecs_world_free(world);
    return 1;
  }
  const char *order[16];
  uint32_t groups = ecs_scheduler_group_order(sched, order, 16);
  printf("boids: %ld agents, %u threads, groups:", o.agents, ecs_pool_threads(ecs_scheduler_pool(sched)) + 1);
  for (uint32_t g = 0; g < groups && g < 16; ++g) {
    printf(" %s", order[g]);
  }
  printf("\n");

  FILE *trace_file = NULL;
  ecs_writer_t trace_out;
  if (o.trace) {
    trace_file = fopen(o.trace, "wb");
    trace_out = ecs_file_writer(trace_file);
    ecs_status_t ts = trace_file ? ecs_trace_begin(sched, &trace_out) : ECS_ERR_IO;
    if (ts != ECS_OK) {
      fprintf(stderr, "boids: cannot trace to %s: %s\n", o.trace, ecs_strerror(ts));
      if (trace_file) {
        fclose(trace_file);
      }
      ecs_scheduler_free(sched);
      ecs_world_free(world);
      return 1;
    }
  }

  double start = now_s();
  double window = start;
  long window_ticks = 0;
  size_t window_commands = 0;
  uint64_t window_ns = 0;
  double rss_early = -1.0;
  ecs_rollback_t *ring = o.snapshot_every > 0 ? ecs_rollback_new(world, 2) : NULL;
  long rollbacks = 0;
  int rc = 0;
  for (long t = 0; t < o.ticks && rc == 0; ++t) {
    if (t == o.ticks / 10) {
      rss_early = rss_mb(); /* after the warm-up: the population is in place */
    }
    ecs_tick_result_t r;
    if (ecs_scheduler_tick(sched, 1.0 / 60.0, &r) != ECS_OK) {
      fprintf(stderr, "boids: tick %ld failed: %s\n", t + 1, ecs_last_error(world));
      break;
    }
    if (ring && r.tick % (uint64_t)o.snapshot_every == 0) {
      if (r.tick % (2 * (uint64_t)o.snapshot_every) == 0 &&
          ecs_rollback_has(ring, r.tick - (uint64_t)o.snapshot_every)) {
        /* go back K ticks, simulate them again: the same world or a bug */
        uint64_t expect = ecs_world_checksum(world);
        uint64_t back = r.tick - (uint64_t)o.snapshot_every;
        ecs_status_t rs = ecs_rollback_restore(ring, back);
        ecs_scheduler_set_tick(sched, back);
        for (uint64_t k = back; k < r.tick && rs == ECS_OK; ++k) {
          rs = ecs_scheduler_tick(sched, 1.0 / 60.0, NULL);
        }
        if (rs != ECS_OK || ecs_world_checksum(world) != expect) {
          fprintf(stderr, "boids: rollback to tick %llu did not reproduce tick %llu (%s)\n", (unsigned long long)back,
                  (unsigned long long)r.tick, ecs_strerror(rs));
          rc = 4;
        }
        ++rollbacks;
      }
      if (ecs_rollback_save(ring, r.tick) != ECS_OK) {
        fprintf(stderr, "boids: snapshot at tick %llu failed: %s\n", (unsigned long long)r.tick, ecs_last_error(world));
        rc = 1;
      }
    }
    window_ticks++;
    window_commands += r.commands_applied;
    window_ns += r.duration_ns;
    double now = now_s();
    if (now - window >= 1.0 || t + 1 == o.ticks) {
      printf("tick %6llu | %7.1f ticks/s | %6zu entities | %7zu commands applied | %6.2f ms/tick avg\n",
             (unsigned long long)r.tick, (double)window_ticks / (now - window), ecs_entity_count(world),
             window_commands, (double)window_ns / 1e6 / (double)window_ticks);
      window = now;
      window_ticks = 0;
      window_commands = 0;
      window_ns = 0;
    }
  }
  printf("done in %.2f s\n", now_s() - start);
  if (ring) {
    printf("rollbacks: %ld, each re-simulated identically%s\n", rollbacks, rc == 4 ? " - NOT" : "");
    ecs_rollback_free(ring);
  }
  if (o.rss_growth_mb >= 0) {
    double rss_end = rss_mb();
    printf("resident memory: %.1f MiB after the warm-up, %.1f MiB at the end\n", rss_early, rss_end);
    if (rss_early >= 0 && rss_end - rss_early > (double)o.rss_growth_mb) {
      fprintf(stderr, "boids: resident memory grew by %.1f MiB (limit %ld)\n", rss_end - rss_early, o.rss_growth_mb);
      rc = 3;
    }
  }
  if (trace_file) {
    ecs_status_t ts = ecs_trace_end(sched);
    fclose(trace_file);
    printf("trace %s: %s\n", o.trace, ts == ECS_OK ? "written" : ecs_strerror(ts));
  }
  printf("checksum %016llx\n", (unsigned long long)ecs_world_checksum(world));
  ecs_scheduler_free(sched);
  ecs_world_free(world);
  return rc;
}
