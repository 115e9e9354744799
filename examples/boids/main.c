/* boids: the main demo. N agents steer as a flock (ai plugin) on top of a
 * physics plugin (integration, spatial grid, collisions), on the worker
 * pool: ASYNC groups for steering, integration and collisions, each split
 * over the threads with ecs_parallel_for. Agents age, collide, die and are
 * replaced through deferred commands. The final checksum is the same for
 * any --threads: that is the scheduler's determinism at work.
 *
 * usage: boids [options]; boids --help lists them. Among them:
 *   --trace FILE writes a Chrome trace-event file (open it in ui.perfetto.dev).
 *   --rss-growth-mb N fails (exit 3) when resident memory grew by more than
 *   N MiB between 10% of the ticks and the end: the soak test's leak check.
 *   --snapshot-every K saves the world into a rollback ring every K ticks;
 *   every 2K ticks it rolls back K ticks, simulates them again and checks
 *   that the world is identical (exit 4 if not): rollback and determinism,
 *   live.
 *   --inspect PORT serves the live inspector on http://127.0.0.1:PORT/ (0:
 *   a free port, printed) and paces the ticks at 60 Hz so that a person can
 *   watch; --inspect-writes lets the page edit values, --inspect-token T
 *   asks for a bearer token. Needs a build with -DECS_BUILD_INSPECTOR=ON. */
#define _POSIX_C_SOURCE 200809L
#include "../common/cli.h"
#include "../common/clock.h"
#include "../plugins/ai.h"
#include "../plugins/physics.h"

#include <ecs.h>
#ifdef BOIDS_INSPECTOR
#include <ecs/inspector.h>
#endif

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct options_t {
  long long agents, ticks, threads, rss_growth_mb, snapshot_every; /* threads 0: one per online CPU */
  uint64_t seed;
  const char *trace;
  long long inspect; /* port; -1: no inspector */
  bool inspect_writes;
  const char *inspect_token;
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
  return example_now_s();
}

enum {
  OPT_AGENTS = CLI_LONG_ONLY,
  OPT_TICKS,
  OPT_THREADS,
  OPT_SEED,
  OPT_TRACE,
  OPT_RSS,
  OPT_SNAPSHOT,
  OPT_INSPECT,
  OPT_INSPECT_WRITES,
  OPT_INSPECT_TOKEN
};

static const cli_flag_t flags[] = {
    {"agents", OPT_AGENTS, "N", "agents in the flock, 1 to 10000000 (default 10000)"},
    {"ticks", OPT_TICKS, "N", "ticks to run, 60 per simulated second, 1 to 100000000 (default 600)"},
    {"threads", OPT_THREADS, "N",
     "threads in all, the ticking thread included, 0 to 256 (default auto, also 0:\n"
     "one per online CPU; 1 runs everything on the ticking thread)"},
    {"seed", OPT_SEED, "N", "seed of the spawner (where and how agents appear), 1 to 2^64-1 (default 1)"},
    {"trace", OPT_TRACE, "FILE", "write a Chrome trace-event file of the run to FILE (default: none)"},
    {"rss-growth-mb", OPT_RSS, "N",
     "exit 3 if resident memory grows by more than N MiB, 0 to 1048576,\n"
     "after the first 10% of the ticks (default: not checked)"},
    {"snapshot-every", OPT_SNAPSHOT, "K",
     "snapshot every K ticks, roll back K ticks every 2K and check the\n"
     "replay (exit 4 if it differs), 0 to 100000000 (default 0: off)"},
    {"inspect", OPT_INSPECT, "PORT",
     "serve the live inspector on http://127.0.0.1:PORT/ (0: a free port, printed)\n"
     "and tick at 60 Hz; needs a build with -DECS_BUILD_INSPECTOR=ON (default: off)"},
    {"inspect-writes", OPT_INSPECT_WRITES, NULL, "let the inspector page edit component values (default: read-only)"},
    {"inspect-token", OPT_INSPECT_TOKEN, "TOKEN",
     "the inspector's API asks for \"Authorization: Bearer TOKEN\"; open the page\n"
     "as http://127.0.0.1:PORT/#token=TOKEN (default: no token)"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

static void usage(const cli_t *cli) {
  printf("usage: boids [options]\n"
         "Flocking agents on the physics and ai plugins, ticked on the worker pool. Prints its\n"
         "progress once a second and the world checksum at the end, the same for any --threads.\n"
         "\n");
  cli_print_flags(cli, stdout);
  printf("\nExit status: 0 done, 1 runtime error, 2 usage error, 3 memory grew too much\n"
         "(--rss-growth-mb), 4 a rollback did not reproduce the world (--snapshot-every).\n");
}

/* 0: run; 1: --help printed; 2: usage error (message printed). */
static int parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.agents = 10000, .ticks = 600, .threads = 0, .seed = 1, .rss_growth_mb = -1, .inspect = -1};
  cli_t cli;
  cli_begin(&cli, "boids", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = 0;
    switch (k) {
    case OPT_AGENTS:
      rc = cli_int("boids", "--agents", optarg, 1, 10000000, &o->agents);
      break;
    case OPT_TICKS:
      rc = cli_int("boids", "--ticks", optarg, 1, 100000000, &o->ticks);
      break;
    case OPT_THREADS:
      if (strcmp(optarg, "auto") == 0) {
        o->threads = 0;
      } else {
        rc = cli_int("boids", "--threads", optarg, 0, ECS_POOL_MAX_THREADS, &o->threads);
      }
      break;
    case OPT_SEED:
      rc = cli_u64("boids", "--seed", optarg, 1, UINT64_MAX, &o->seed);
      break;
    case OPT_TRACE:
      o->trace = optarg;
      break;
    case OPT_RSS:
      rc = cli_int("boids", "--rss-growth-mb", optarg, 0, 1048576, &o->rss_growth_mb);
      break;
    case OPT_SNAPSHOT:
      rc = cli_int("boids", "--snapshot-every", optarg, 0, 100000000, &o->snapshot_every);
      break;
    case OPT_INSPECT:
      rc = cli_int("boids", "--inspect", optarg, 0, 65535, &o->inspect);
      break;
    case OPT_INSPECT_WRITES:
      o->inspect_writes = true;
      break;
    case OPT_INSPECT_TOKEN:
      o->inspect_token = optarg;
      break;
    case 'h':
      usage(&cli);
      return 1;
    default:
      return CLI_EXIT_USAGE;
    }
    if (rc != 0) {
      return rc;
    }
  }
#ifndef BOIDS_INSPECTOR
  if (o->inspect >= 0) {
    fprintf(stderr, "boids: --inspect: this build has no inspector (configure with -DECS_BUILD_INSPECTOR=ON,\n"
                    "with libmicrohttpd-dev and libjansson-dev installed)\n");
    return CLI_EXIT_USAGE;
  }
#endif
  return cli_no_operands(&cli, argc, argv);
}

int main(int argc, char **argv) {
  options_t o;
  int parsed = parse(argc, argv, &o);
  if (parsed != 0) {
    return parsed == 1 ? 0 : parsed;
  }
  /* before any work: a bad path fails at once, not after the setup */
  FILE *trace_file = o.trace ? cli_fopen("boids", "--trace", o.trace, "wb") : NULL;
  if (o.trace && !trace_file) {
    return 1;
  }
  ecs_world_t *world = ecs_world_new(&(ecs_world_desc_t){.initial_entities = (uint32_t)o.agents + 1024});
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(world);
  /* --threads N: N threads in all (the ticking thread helps while it waits);
   * 0 (auto): one per online CPU, which is the scheduler's default of 0 workers */
  int32_t workers = o.threads == 0 ? 0 : o.threads == 1 ? ECS_POOL_INLINE : (int32_t)o.threads - 1;
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
    if (trace_file) {
      fclose(trace_file);
      remove(o.trace);
    }
    return 1;
  }
  const char *order[16];
  uint32_t groups = ecs_scheduler_group_order(sched, order, 16);
  uint32_t threads = ecs_pool_threads(ecs_scheduler_pool(sched)) + 1;
  printf("boids: %lld agent%s, %u thread%s, groups:", o.agents, o.agents == 1 ? "" : "s", threads,
         threads == 1 ? "" : "s");
  for (uint32_t g = 0; g < groups && g < 16; ++g) {
    printf(" %s", order[g]);
  }
  printf("\n");

  if (trace_file) {
    /* flushed after every tick: a run killed half-way still leaves a
     * trace that opens */
    ecs_status_t ts = ecs_trace_begin_desc(sched, &(ecs_trace_desc_t){.out = ecs_file_writer(trace_file),
                                                                      .flush = ecs_trace_file_flush,
                                                                      .process_name = "boids"});
    if (ts != ECS_OK) {
      fprintf(stderr, "boids: --trace: cannot trace to '%s': %s%s\n", o.trace, ecs_strerror(ts),
              ts == ECS_ERR_UNSUPPORTED ? " (this libecs was built with ECS_PROFILE=OFF)" : "");
      fclose(trace_file);
      remove(o.trace);
      ecs_scheduler_free(sched);
      ecs_world_free(world);
      return 1;
    }
  }

#ifdef BOIDS_INSPECTOR
  ecs_inspector_t *insp = NULL;
  if (o.inspect >= 0) {
    ecs_status_t is = ecs_inspector_new(world,
                                        &(ecs_inspector_desc_t){.port = (uint16_t)o.inspect,
                                                                .allow_writes = o.inspect_writes,
                                                                .token = o.inspect_token,
                                                                .scheduler = sched},
                                        &insp);
    if (is != ECS_OK) {
      fprintf(stderr, "boids: --inspect: cannot serve on port %lld: %s\n", o.inspect, ecs_strerror(is));
      ecs_scheduler_free(sched);
      ecs_world_free(world);
      return 1;
    }
    printf("inspector: http://127.0.0.1:%u/%s%s (%s)\n", (unsigned)ecs_inspector_port(insp),
           o.inspect_token ? "#token=" : "", o.inspect_token ? o.inspect_token : "",
           o.inspect_writes ? "edits allowed" : "read-only");
    fflush(stdout);
  }
#endif
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
    if (r.tick % 600 == 0) {
      /* agents die and spawn: every ten seconds of simulated time, give
       * back the room of tables they left empty or half-used */
      (void)ecs_world_shrink(world, NULL);
    }
#ifdef BOIDS_INSPECTOR
    if (insp) {
      /* between ticks: the inspector answers here, on this thread, and
       * the rest of the frame paces the demo at 60 Hz */
      ecs_inspector_record_tick(insp, &r);
      double frame_end = start + (double)(t + 1) / 60.0;
      do {
        double left = frame_end - now_s();
        ecs_inspector_poll(insp, left > 0 ? (uint32_t)(left * 1000.0) : 0);
      } while (now_s() < frame_end);
    }
#endif
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
      fprintf(stderr, "boids: resident memory grew by %.1f MiB (limit %lld)\n", rss_end - rss_early, o.rss_growth_mb);
      rc = 3;
    }
  }
  if (trace_file) {
    ecs_status_t ts = ecs_trace_end(sched);
    if (fclose(trace_file) != 0 && ts == ECS_OK) {
      ts = ECS_ERR_IO;
    }
    if (ts == ECS_OK) {
      printf("trace %s: written\n", o.trace);
    } else {
      fprintf(stderr, "boids: --trace: cannot write '%s': %s\n", o.trace, ecs_strerror(ts));
      rc = rc ? rc : 1;
    }
  }
  printf("checksum %016llx\n", (unsigned long long)ecs_world_checksum(world));
#ifdef BOIDS_INSPECTOR
  ecs_inspector_free(insp);
#endif
  ecs_scheduler_free(sched);
  ecs_world_free(world);
  return rc;
}
