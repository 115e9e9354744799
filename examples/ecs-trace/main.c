/* ecs-trace: runs one of the workloads of workloads.h for a number of ticks
 * and records them as a Chrome trace-event file (open it in
 * https://ui.perfetto.dev or chrome://tracing), optionally writing the
 * world's Prometheus metrics at the end. docs/observability.md walks
 * through a trace it wrote.
 *
 * usage: ecs-trace --workload NAME --out FILE [options]; the flags are
 * listed once, in flags[] below, which --help prints.
 *        ecs-trace --compare A.dlog B.dlog: compares two digest logs
 * (--digests FILE writes one; digest.h) and prints where they diverge.
 * Exit status: 0 done (logs equal), 1 runtime error (message on stderr),
 * 2 usage error, 3 the logs diverge.
 *
 * The trace is flushed after every tick, so a run stopped early (Ctrl-C,
 * kill) leaves a file that still opens. A progress line goes to stderr
 * once a second when stderr is a terminal, or with --progress. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, fileno, isatty */
#include "../common/cli.h"
#include "../common/clock.h"
#include "workloads.h"

#include <ecs.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

typedef struct options_t {
  const char *workload;
  const char *out;
  const char *metrics;
  const char *schedule;
  long long threads, ticks, agents;
  long long max_trace_mb; /* 0: no cap */
  bool progress;          /* --progress: a progress line even when stderr is not a terminal */
  bool compare;           /* --compare A B */
  const char *compare_a, *compare_b;
  const char *digests; /* --digests FILE */
  ecs_digest_level_t digest_level;
  ecs_log_level_t log_level;
} options_t;

/* One key per flag; a new flag is a key here, a line in flags[] and a case
 * in parse(). */
enum {
  OPT_WORKLOAD = CLI_LONG_ONLY,
  OPT_OUT,
  OPT_THREADS,
  OPT_TICKS,
  OPT_AGENTS,
  OPT_METRICS,
  OPT_SCHEDULE,
  OPT_LOG_LEVEL,
  OPT_MAX_TRACE_MB,
  OPT_PROGRESS,
  OPT_DIGESTS,
  OPT_DIGEST_LEVEL,
  OPT_COMPARE,
};

static const cli_flag_t flags[] = {
    {"workload", OPT_WORKLOAD, "NAME", "what to run (required): particles, boids or mixed, below"},
    {"out", OPT_OUT, "FILE",
     "the trace to write (replaced if it exists); required unless --digests\n"
     "is given (then: no trace)"},
    {"threads", OPT_THREADS, "N",
     "threads in all, the ticking thread included, 0 to 256: 1 runs everything\n"
     "on the calling thread; 0 (default) one per online CPU"},
    {"ticks", OPT_TICKS, "N", "ticks to run and trace, at dt = 1/60 s, 1 to 10000000 (default 60)"},
    {"agents", OPT_AGENTS, "N",
     "particles, agents or entities to simulate, 1 to 10000000 (default:\n"
     "particles 20000, boids 5000 (spawned gradually), mixed 10000)"},
    {"metrics", OPT_METRICS, "FILE",
     "after the last tick, write the world's metrics to FILE in the\n"
     "Prometheus text format 0.0.4 (default: none)"},
    {"schedule", OPT_SCHEDULE, "FILE",
     "after the last tick, write the schedule as data: groups, systems,\n"
     "every ordering edge with its reason, the critical path; Graphviz\n"
     "DOT when FILE ends in .dot, else JSON (default: none)"},
    {"log-level", OPT_LOG_LEVEL, "L",
     "trace, debug, info, warn (default), error or off: the world's\n"
     "logfmt lines on stderr at L and above"},
    {"max-trace-mb", OPT_MAX_TRACE_MB, "N",
     "stop tracing before the trace passes N MiB, 0 to 1048576 (default 0:\n"
     "no cap); the ticks go on, the spans past the cap are counted as\n"
     "dropped, and the file is closed properly"},
    {"progress", OPT_PROGRESS, NULL,
     "a progress line on stderr once a second (ticks done, ticks/s, trace\n"
     "size); on by default when stderr is a terminal"},
    {"digests", OPT_DIGESTS, "FILE",
     "record a digest log of the run (what each system and barrier changed,\n"
     "per tick) and write it to FILE, for --compare (default: none)"},
    {"digest-level", OPT_DIGEST_LEVEL, "L",
     "components or entities (default): with entities the log keeps a hash\n"
     "per entity, and --compare names the entity that differs"},
    {"compare", OPT_COMPARE, NULL,
     "ecs-trace --compare A B: compare two digest logs and print the first\n"
     "divergence (tick, group, system, component, entity); exit 3 when\n"
     "they diverge, 0 when they agree"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

static void usage(const cli_t *cli) {
  printf("usage: ecs-trace --workload NAME --out FILE [options]\n"
         "       ecs-trace --compare A.dlog B.dlog\n"
         "\n"
         "Runs a workload and writes its trace as Chrome trace-event JSON: one track per\n"
         "thread, spans for every tick, group, system, parallel_for slice, barrier wait\n"
         "and command apply. Open the file in https://ui.perfetto.dev or chrome://tracing.\n"
         "\n");
  cli_print_flags(cli, stdout);
  printf("\nWorkloads:\n");
  for (const char *const *n = workload_names; *n; ++n) {
    printf("  %-10s %s\n", *n, workload_summary(*n));
  }
  printf("\nExit status: 0 done, 1 runtime error (including a libecs built with\n"
         "ECS_PROFILE=OFF, which has no tracing), 2 usage error, 3 --compare found\n"
         "a divergence.\n");
}

/* 0: run; 1: --help printed; 2: usage error (message printed). */
static int parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.threads = 0, .ticks = 60, .agents = 0, .digest_level = ECS_DIGEST_ENTITIES};
  cli_t cli;
  cli_begin(&cli, "ecs-trace", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = 0;
    switch (k) {
    case OPT_WORKLOAD:
      o->workload = optarg;
      break;
    case OPT_OUT:
      o->out = optarg;
      break;
    case OPT_METRICS:
      o->metrics = optarg;
      break;
    case OPT_SCHEDULE:
      o->schedule = optarg;
      break;
    case OPT_THREADS:
      rc = cli_int("ecs-trace", "--threads", optarg, 0, ECS_POOL_MAX_THREADS, &o->threads);
      break;
    case OPT_TICKS:
      rc = cli_int("ecs-trace", "--ticks", optarg, 1, 10000000, &o->ticks);
      break;
    case OPT_AGENTS:
      rc = cli_int("ecs-trace", "--agents", optarg, 1, 10000000, &o->agents);
      break;
    case OPT_MAX_TRACE_MB:
      rc = cli_int("ecs-trace", "--max-trace-mb", optarg, 0, 1048576, &o->max_trace_mb);
      break;
    case OPT_PROGRESS:
      o->progress = true;
      break;
    case OPT_DIGESTS:
      o->digests = optarg;
      break;
    case OPT_DIGEST_LEVEL:
      if (strcmp(optarg, "components") == 0 || strcmp(optarg, "entities") == 0) {
        o->digest_level = optarg[0] == 'c' ? ECS_DIGEST_COMPONENTS : ECS_DIGEST_ENTITIES;
      } else {
        fprintf(stderr, "ecs-trace: --digest-level: '%s' is not one of components, entities\n", optarg);
        rc = CLI_EXIT_USAGE;
      }
      break;
    case OPT_COMPARE:
      o->compare = true;
      break;
    case OPT_LOG_LEVEL:
      o->log_level = ECS_LOG_DEFAULT;
      for (ecs_log_level_t l = ECS_LOG_TRACE; l <= ECS_LOG_OFF; ++l) {
        o->log_level = strcmp(optarg, ecs_log_level_name(l)) == 0 ? l : o->log_level;
      }
      if (o->log_level == ECS_LOG_DEFAULT) {
        fprintf(stderr, "ecs-trace: --log-level: '%s' is not one of trace, debug, info, warn, error, off\n", optarg);
        rc = CLI_EXIT_USAGE;
      }
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
  if (o->compare) {
    if (argc - optind != 2 || o->workload || o->out) {
      fprintf(stderr, "ecs-trace: --compare takes two digest log files and no other flag (try 'ecs-trace --help')\n");
      return CLI_EXIT_USAGE;
    }
    o->compare_a = argv[optind];
    o->compare_b = argv[optind + 1];
    return 0;
  }
  if (cli_no_operands(&cli, argc, argv) != 0) {
    return CLI_EXIT_USAGE;
  }
  if (!o->workload || (!o->out && !o->digests)) {
    fprintf(stderr, "ecs-trace: --workload and --out (or --digests) are required (try 'ecs-trace --help')\n");
    return CLI_EXIT_USAGE;
  }
  if (workload_summary(o->workload)[0] == '\0') {
    fprintf(stderr, "ecs-trace: --workload: '%s' is not one of particles, boids, mixed\n", o->workload);
    return CLI_EXIT_USAGE;
  }
  return 0;
}

static double now_s(void) {
  return example_now_s();
}

/* One progress line on stderr: rewritten in place on a terminal, else a
 * line of its own. */
static void progress(const ecs_scheduler_t *sched, FILE *trace, long ran, long long ticks, double rate, bool tty) {
  uint64_t dropped = 0;
  ecs_trace_counts(sched, NULL, &dropped);
  long bytes = trace ? ftell(trace) : 0;
  fprintf(stderr, "%secs-trace: %ld/%lld ticks, %.0f ticks/s, trace %.1f MiB", tty ? "\r" : "", ran, ticks, rate,
          (double)(bytes > 0 ? bytes : 0) / 1048576.0);
  if (dropped > 0) {
    fprintf(stderr, ", %llu spans dropped", (unsigned long long)dropped);
  }
  fprintf(stderr, tty ? "   " : "\n");
  fflush(stderr);
}

/* Writes the schedule to path (DOT for *.dot, else JSON); false (message
 * printed) on failure. */
static bool write_schedule(const ecs_scheduler_t *sched, const char *path) {
  size_t len = strlen(path);
  bool dot = len >= 4 && strcmp(path + len - 4, ".dot") == 0;
  FILE *f = cli_fopen("ecs-trace", "--schedule", path, "wb");
  if (!f) {
    return false;
  }
  ecs_writer_t out = ecs_file_writer(f);
  ecs_status_t st = ecs_scheduler_describe(sched, &out, dot ? ECS_DESCRIBE_DOT : ECS_DESCRIBE_JSON);
  if (fclose(f) != 0 && st == ECS_OK) {
    st = ECS_ERR_IO;
  }
  if (st != ECS_OK) {
    fprintf(stderr, "ecs-trace: cannot write the schedule to %s: %s\n", path, ecs_strerror(st));
    return false;
  }
  printf("ecs-trace: wrote the schedule to %s (%s)\n", path, dot ? "Graphviz DOT" : "JSON");
  return true;
}

/* Writes the world's metrics to path; false (message printed) on failure. */
static bool write_metrics(ecs_world_t *world, const char *path) {
  FILE *f = cli_fopen("ecs-trace", "--metrics", path, "wb");
  if (!f) {
    return false;
  }
  ecs_writer_t out = ecs_file_writer(f);
  ecs_status_t st = ecs_metrics_write_prometheus(world, &out);
  if (fclose(f) != 0 && st == ECS_OK) {
    st = ECS_ERR_IO;
  }
  if (st != ECS_OK) {
    fprintf(stderr, "ecs-trace: cannot write metrics to %s: %s (%s)\n", path, ecs_strerror(st), ecs_last_error(world));
    return false;
  }
  printf("ecs-trace: wrote %s (Prometheus text format 0.0.4)\n", path);
  return true;
}

/* --compare: 0 equal, 1 error, 3 diverged. */
static int compare_logs(const char *path_a, const char *path_b) {
  ecs_world_t *world = ecs_world_new(NULL);
  ecs_digest_log_t *a = world ? ecs_digest_log_new(world) : NULL;
  ecs_digest_log_t *b = world ? ecs_digest_log_new(world) : NULL;
  int rc = 1;
  if (!a || !b) {
    fprintf(stderr, "ecs-trace: out of memory\n");
    goto out;
  }
  const char *paths[2] = {path_a, path_b};
  ecs_digest_log_t *logs[2] = {a, b};
  for (int i = 0; i < 2; ++i) {
    ecs_status_t st = ecs_digest_log_load_file(logs[i], paths[i]);
    if (st != ECS_OK) {
      fprintf(stderr, "ecs-trace: cannot load the digest log %s: %s (%s)\n", paths[i], ecs_strerror(st),
              ecs_last_error(world));
      goto out;
    }
  }
  ecs_divergence_t d;
  ecs_status_t st = ecs_digest_log_compare(a, b, &d);
  if (st == ECS_ERR_NOT_FOUND) {
    fprintf(stderr, "ecs-trace: the logs have no tick in common (a: ticks %llu..%llu, b: ticks %llu..%llu)\n",
            (unsigned long long)ecs_digest_log_first_tick(a), (unsigned long long)ecs_digest_log_last_tick(a),
            (unsigned long long)ecs_digest_log_first_tick(b), (unsigned long long)ecs_digest_log_last_tick(b));
    goto out;
  }
  if (st != ECS_OK) {
    fprintf(stderr, "ecs-trace: cannot compare the logs: %s\n", ecs_strerror(st));
    goto out;
  }
  char report[1024];
  ecs_divergence_format(&d, report, sizeof report);
  printf("a: %s\nb: %s\n%s\n", path_a, path_b, report);
  rc = d.reason == ECS_DIVERGENCE_NONE ? 0 : 3;
out:
  ecs_digest_log_free(a);
  ecs_digest_log_free(b);
  ecs_world_free(world);
  return rc;
}

int main(int argc, char **argv) {
  options_t o;
  int parsed = parse(argc, argv, &o);
  if (parsed != 0) {
    return parsed == 1 ? 0 : parsed;
  }
  if (o.compare) {
    return compare_logs(o.compare_a, o.compare_b);
  }
  ecs_digest_log_t *digests = NULL; /* --digests */
  uint32_t agents = o.agents ? (uint32_t)o.agents : workload_default_agents(o.workload);
  ecs_world_t *world = ecs_world_new(&(ecs_world_desc_t){.initial_entities = agents + 1024, .log_level = o.log_level});
  ecs_scheduler_builder_t *b = world ? ecs_scheduler_builder_new(world) : NULL;
  if (!b) {
    fprintf(stderr, "ecs-trace: out of memory\n");
    ecs_world_free(world);
    return 1;
  }
  /* --threads N: N threads in all (the ticking thread helps while it waits) */
  int32_t workers = o.threads == 0 ? 0 : o.threads == 1 ? ECS_POOL_INLINE : (int32_t)o.threads - 1;
  workload_t *wl = NULL;
  ecs_scheduler_t *sched = NULL;
  ecs_status_t st = workload_create(o.workload, world, b, workers, agents, &wl);
  if (st == ECS_OK) {
    st = ecs_scheduler_build(b, &sched); /* frees the builder */
  } else {
    ecs_scheduler_builder_free(b);
  }
  if (st != ECS_OK) {
    fprintf(stderr, "ecs-trace: cannot set up workload '%s': %s (%s)\n", o.workload, ecs_strerror(st),
            ecs_last_error(world));
    workload_free(wl);
    ecs_world_free(world);
    return 1;
  }

  int rc = 1;
  FILE *trace_file = o.out ? cli_fopen("ecs-trace", "--out", o.out, "wb") : NULL;
  if (o.out && !trace_file) {
    goto out_free_scheduler;
  }
  /* flushed after every tick: a run stopped early leaves a trace that opens */
  char process_name[64];
  snprintf(process_name, sizeof process_name, "ecs-trace %s", o.workload);
  st = !trace_file ? ECS_OK
                   : ecs_trace_begin_desc(sched, &(ecs_trace_desc_t){.out = ecs_file_writer(trace_file),
                                                                     .flush = ecs_trace_file_flush,
                                                                     .max_bytes = (uint64_t)o.max_trace_mb << 20,
                                                                     .process_name = process_name});
  if (st != ECS_OK) {
    if (st == ECS_ERR_UNSUPPORTED) {
      fprintf(stderr, "ecs-trace: this libecs was built with ECS_PROFILE=OFF, so tracing and metrics are\n"
                      "compiled out; configure with -DECS_PROFILE=ON (the default) to use ecs-trace\n");
    } else {
      fprintf(stderr, "ecs-trace: cannot start the trace: %s (%s)\n", ecs_strerror(st), ecs_last_error(world));
    }
    fclose(trace_file);
    remove(o.out);
    goto out_free_scheduler;
  }

  digests = o.digests ? ecs_digest_log_new(world) : NULL;
  if (o.digests && (!digests || ecs_scheduler_set_digests(sched, digests, o.digest_level) != ECS_OK)) {
    fprintf(stderr, "ecs-trace: cannot record digests: %s\n", ecs_last_error(world));
    if (trace_file) {
      (void)ecs_trace_end(sched);
      fclose(trace_file);
    }
    goto out_free_scheduler;
  }

  const char *order[32];
  uint32_t groups = ecs_scheduler_group_order(sched, order, 32);
  uint32_t threads = ecs_pool_threads(ecs_scheduler_pool(sched)) + 1;
  printf("ecs-trace: workload %s, %zu entities, %u thread%s, groups:", o.workload, ecs_entity_count(world), threads,
         threads == 1 ? "" : "s");
  for (uint32_t g = 0; g < groups && g < 32; ++g) {
    printf(" %s", order[g]);
  }
  printf("\n");

  uint64_t total_ns = 0, max_ns = 0;
  size_t commands = 0;
  long ran = 0;
  ecs_status_t tick_st = ECS_OK;
  bool tty = isatty(fileno(stderr)) == 1;
  bool show_progress = o.progress || tty;
  double started = now_s();
  double last_shown = started;
  for (; ran < o.ticks && tick_st == ECS_OK; ++ran) {
    double now = show_progress && ran > 0 ? now_s() : 0.0;
    if (now - last_shown >= 1.0) {
      progress(sched, trace_file, ran, o.ticks, (double)ran / (now - started), tty);
      last_shown = now;
    }
    ecs_tick_result_t r;
    tick_st = ecs_scheduler_tick(sched, 1.0 / 60.0, &r);
    if (tick_st != ECS_OK) {
      fprintf(stderr, "ecs-trace: tick %ld failed: %s (%s)\n", ran + 1, ecs_strerror(tick_st), ecs_last_error(world));
      break;
    }
    total_ns += r.duration_ns;
    max_ns = r.duration_ns > max_ns ? r.duration_ns : max_ns;
    commands += r.commands_applied;
  }
  if (show_progress && tty && last_shown > started) {
    fprintf(stderr, "\n"); /* end the line rewritten in place */
  }
  uint64_t spans = 0, dropped = 0;
  if (trace_file) {
    ecs_trace_counts(sched, &spans, &dropped);
    st = ecs_trace_end(sched); /* the file is complete JSON even after a failed tick */
    if (fclose(trace_file) != 0 && st == ECS_OK) {
      st = ECS_ERR_IO;
    }
  }
  if (ran > 0) {
    printf("ecs-trace: %ld ticks, %.3f ms/tick avg, %.3f ms max, %zu commands applied, %zu entities at the end\n", ran,
           (double)total_ns / 1e6 / (double)ran, (double)max_ns / 1e6, commands, ecs_entity_count(world));
  }
  if (st != ECS_OK) {
    fprintf(stderr, "ecs-trace: cannot write the trace to %s: %s\n", o.out, ecs_strerror(st));
    goto out_free_scheduler;
  }
  if (trace_file) {
    printf("ecs-trace: wrote %s: %llu spans (%llu dropped%s); open it in https://ui.perfetto.dev\n", o.out,
           (unsigned long long)spans, (unsigned long long)dropped,
           o.max_trace_mb > 0 && dropped > 0 ? ", --max-trace-mb reached" : "");
  }
  if (digests) {
    (void)ecs_scheduler_set_digests(sched, NULL, ECS_DIGEST_OFF);
    ecs_status_t dst = ecs_digest_log_save_file(digests, o.digests);
    if (dst != ECS_OK) {
      fprintf(stderr, "ecs-trace: cannot write the digest log to %s: %s (%s)\n", o.digests, ecs_strerror(dst),
              ecs_last_error(world));
      tick_st = dst;
    } else {
      printf("ecs-trace: wrote the digest log %s: %zu records, ticks %llu..%llu\n", o.digests,
             ecs_digest_log_count(digests), (unsigned long long)ecs_digest_log_first_tick(digests),
             (unsigned long long)ecs_digest_log_last_tick(digests));
    }
  }
  if (tick_st == ECS_OK && (!o.metrics || write_metrics(world, o.metrics)) &&
      (!o.schedule || write_schedule(sched, o.schedule))) {
    rc = 0;
  }

out_free_scheduler:
  ecs_scheduler_free(sched);
  ecs_digest_log_free(digests);
  workload_free(wl);
  ecs_world_free(world);
  return rc;
}
