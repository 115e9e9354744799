/* ecs-trace: runs one of the workloads of workloads.h for a number of ticks
 * and records them as a Chrome trace-event file (open it in
 * https://ui.perfetto.dev or chrome://tracing), optionally writing the
 * world's Prometheus metrics at the end. docs/observability.md walks
 * through a trace it wrote.
 *
 * usage: ecs-trace --workload NAME --out FILE [--threads N] [--ticks N]
 *                  [--agents N] [--metrics FILE] [--schedule FILE.dot|FILE.json]
 *                  [--log-level L]
 * Exit status: 0 done, 1 runtime error (message on stderr), 2 usage error. */
#include "workloads.h"

#include <ecs.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct options_t {
  const char *workload;
  const char *out;
  const char *metrics;
  const char *schedule;
  long threads, ticks, agents;
  ecs_log_level_t log_level;
} options_t;

static void usage(FILE *to) {
  fprintf(to, "usage: ecs-trace --workload NAME --out FILE [--threads N] [--ticks N] [--agents N]\n"
              "                 [--metrics FILE] [--schedule FILE.dot|FILE.json] [--log-level L]\n"
              "\n"
              "Runs a workload and writes its trace as Chrome trace-event JSON: one track per\n"
              "thread, spans for every tick, group, system, parallel_for slice, barrier wait\n"
              "and command apply. Open the file in https://ui.perfetto.dev or chrome://tracing.\n"
              "\n"
              "  --workload NAME  what to run (required):\n");
  for (const char *const *n = workload_names; *n; ++n) {
    fprintf(to, "                     %-10s %s\n", *n, workload_summary(*n));
  }
  fprintf(to, "  --out FILE       the trace to write (required; replaced if it exists)\n"
              "  --threads N      threads in all, the ticking thread included: 1 runs everything\n"
              "                   on the calling thread; 0 (default) one per online CPU\n"
              "  --ticks N        ticks to run and trace, at dt = 1/60 s (default 60)\n"
              "  --agents N       particles, agents or entities to simulate (default: particles\n"
              "                   20000, boids 5000 (spawned gradually), mixed 10000)\n"
              "  --metrics FILE   after the last tick, write the world's metrics to FILE in the\n"
              "                   Prometheus text format 0.0.4\n"
              "  --schedule FILE  after the last tick, write the schedule as data: groups,\n"
              "                   systems, every ordering edge with its reason, the critical\n"
              "                   path; Graphviz DOT when FILE ends in .dot, else JSON\n"
              "  --log-level L    trace, debug, info, warn (default), error or off: the world's\n"
              "                   logfmt lines on stderr at L and above\n"
              "  --help           print this help and exit\n"
              "\n"
              "Exit status: 0 done, 1 runtime error (including a libecs built with\n"
              "ECS_PROFILE=OFF, which has no tracing), 2 usage error.\n");
}

/* A whole decimal number in [min, max], else a message and false. */
static bool parse_long(const char *flag, const char *text, long min, long max, long *out) {
  char *end = NULL;
  errno = 0;
  long v = strtol(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || v < min || v > max) {
    fprintf(stderr, "ecs-trace: %s wants a whole number from %ld to %ld, not '%s'\n", flag, min, max, text);
    return false;
  }
  *out = v;
  return true;
}

/* 0: run; 1: --help printed; -1: usage error (message printed). */
static int parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.threads = 0, .ticks = 60, .agents = 0};
  for (int i = 1; i < argc; ++i) {
    const char *flag = argv[i];
    if (strcmp(flag, "--help") == 0 || strcmp(flag, "-h") == 0) {
      usage(stdout);
      return 1;
    }
    static const char *const known[] = {"--workload", "--out",    "--metrics",   "--threads",
                                        "--ticks",    "--agents", "--log-level", "--schedule"};
    bool ok = false;
    for (size_t k = 0; k < sizeof known / sizeof known[0]; ++k) {
      ok = ok || strcmp(flag, known[k]) == 0;
    }
    if (!ok) {
      fprintf(stderr, "ecs-trace: unknown option '%s' (try --help)\n", flag);
      return -1;
    }
    if (i + 1 >= argc) {
      fprintf(stderr, "ecs-trace: %s needs a value (try --help)\n", flag);
      return -1;
    }
    const char *value = argv[++i];
    if (strcmp(flag, "--workload") == 0) {
      o->workload = value;
    } else if (strcmp(flag, "--out") == 0) {
      o->out = value;
    } else if (strcmp(flag, "--metrics") == 0) {
      o->metrics = value;
    } else if (strcmp(flag, "--schedule") == 0) {
      o->schedule = value;
    } else if (strcmp(flag, "--log-level") == 0) {
      o->log_level = ECS_LOG_DEFAULT;
      for (ecs_log_level_t l = ECS_LOG_TRACE; l <= ECS_LOG_OFF; ++l) {
        o->log_level = strcmp(value, ecs_log_level_name(l)) == 0 ? l : o->log_level;
      }
      if (o->log_level == ECS_LOG_DEFAULT) {
        fprintf(stderr, "ecs-trace: --log-level wants trace, debug, info, warn, error or off, not '%s'\n", value);
        return -1;
      }
    } else if (strcmp(flag, "--threads") == 0) {
      if (!parse_long(flag, value, 0, ECS_POOL_MAX_THREADS, &o->threads)) {
        return -1;
      }
    } else if (!parse_long(flag, value, 1, 10000000, strcmp(flag, "--ticks") == 0 ? &o->ticks : &o->agents)) {
      return -1;
    }
  }
  if (!o->workload || !o->out) {
    fprintf(stderr, "ecs-trace: --workload and --out are required (try --help)\n");
    return -1;
  }
  if (workload_summary(o->workload)[0] == '\0') {
    fprintf(stderr, "ecs-trace: unknown workload '%s' (particles, boids or mixed)\n", o->workload);
    return -1;
  }
  return 0;
}

/* Writes the schedule to path (DOT for *.dot, else JSON); false (message
 * printed) on failure. */
static bool write_schedule(const ecs_scheduler_t *sched, const char *path) {
  size_t len = strlen(path);
  bool dot = len >= 4 && strcmp(path + len - 4, ".dot") == 0;
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "ecs-trace: cannot open %s: %s\n", path, strerror(errno));
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
  FILE *f = fopen(path, "wb");
  if (!f) {
    fprintf(stderr, "ecs-trace: cannot open %s: %s\n", path, strerror(errno));
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

int main(int argc, char **argv) {
  options_t o;
  int parsed = parse(argc, argv, &o);
  if (parsed != 0) {
    return parsed > 0 ? 0 : 2;
  }
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
  FILE *trace_file = fopen(o.out, "wb");
  if (!trace_file) {
    fprintf(stderr, "ecs-trace: cannot open %s: %s\n", o.out, strerror(errno));
    goto out_free_scheduler;
  }
  ecs_writer_t trace_out = ecs_file_writer(trace_file);
  st = ecs_trace_begin(sched, &trace_out);
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

  const char *order[32];
  uint32_t groups = ecs_scheduler_group_order(sched, order, 32);
  printf("ecs-trace: workload %s, %zu entities, %u threads, groups:", o.workload, ecs_entity_count(world),
         ecs_pool_threads(ecs_scheduler_pool(sched)) + 1);
  for (uint32_t g = 0; g < groups && g < 32; ++g) {
    printf(" %s", order[g]);
  }
  printf("\n");

  uint64_t total_ns = 0, max_ns = 0;
  size_t commands = 0;
  long ran = 0;
  ecs_status_t tick_st = ECS_OK;
  for (; ran < o.ticks && tick_st == ECS_OK; ++ran) {
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
  uint64_t spans = 0, dropped = 0;
  ecs_trace_counts(sched, &spans, &dropped);
  st = ecs_trace_end(sched); /* the file is complete JSON even after a failed tick */
  if (fclose(trace_file) != 0 && st == ECS_OK) {
    st = ECS_ERR_IO;
  }
  if (ran > 0) {
    printf("ecs-trace: %ld ticks, %.3f ms/tick avg, %.3f ms max, %zu commands applied, %zu entities at the end\n", ran,
           (double)total_ns / 1e6 / (double)ran, (double)max_ns / 1e6, commands, ecs_entity_count(world));
  }
  if (st != ECS_OK) {
    fprintf(stderr, "ecs-trace: cannot write the trace to %s: %s\n", o.out, ecs_strerror(st));
    goto out_free_scheduler;
  }
  printf("ecs-trace: wrote %s: %llu spans (%llu dropped); open it in https://ui.perfetto.dev\n", o.out,
         (unsigned long long)spans, (unsigned long long)dropped);
  if (tick_st == ECS_OK && (!o.metrics || write_metrics(world, o.metrics)) &&
      (!o.schedule || write_schedule(sched, o.schedule))) {
    rc = 0;
  }

out_free_scheduler:
  ecs_scheduler_free(sched);
  workload_free(wl);
  ecs_world_free(world);
  return rc;
}
