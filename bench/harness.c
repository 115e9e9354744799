/* Benchmark harness: see harness.h. */
#define _POSIX_C_SOURCE 200809L
#include "harness.h"

#include "../examples/common/cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_NAME_MAX 128
#define BENCH_REPEAT_MAX 1000000ul
#define BENCH_PROG "ecs_bench" /* names the program in messages */

typedef struct bench_case_t {
  bench_case_desc_t d;
  char name[BENCH_NAME_MAX];
} bench_case_t;

/* When to stop repeating a body: at least min_runs, then until target_ns
 * of timed work or wall_ns of wall-clock time (resets included) has been
 * spent, never more than max_runs. repeat != 0 overrides all of it. */
typedef struct bench_budget_t {
  uint32_t min_runs;
  uint32_t max_runs;
  uint64_t target_ns;
  uint64_t wall_ns;
  unsigned long repeat;
} bench_budget_t;

typedef struct bench_opts_t {
  const char *filter;
  const char *json_path;
  bool list;
  bool help;
} bench_opts_t;

/* Timings of one body (the case or its baseline), in ns per run. */
typedef struct bench_stats_t {
  uint32_t runs;
  double min_ns;
  double median_ns;
  double max_ns;
} bench_stats_t;

typedef struct bench_result_t {
  const bench_case_t *c;
  bench_stats_t main;
  bench_stats_t base;
  bool has_base;
  bool failed;
  char error[96];
} bench_result_t;

struct bench_t {
  bench_case_t *cases;
  size_t count;
  size_t cap;
  bench_opts_t opts;
  bench_budget_t budget;
};

/* One body being measured. */
typedef struct bench_meter_t {
  const bench_fns_t *fns;
  void *user;
  size_t n;
  uint64_t *samples;
  uint32_t runs;
  uint64_t timed_ns;
  bool set_up;
} bench_meter_t;

#if !defined(__GNUC__) && !defined(__clang__)
void bench_escape(const void *p) {
  const void *volatile keep = p;
  (void)keep;
}
#endif

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

bench_t *bench_new(void) {
  bench_t *b = calloc(1, sizeof *b);
  if (!b) {
    return NULL;
  }
  b->budget = (bench_budget_t){
      .min_runs = 5,
      .max_runs = 1000,
      .target_ns = 200000000u,
      .wall_ns = 2000000000u,
  };
  return b;
}

void bench_free(bench_t *b) {
  if (!b) {
    return;
  }
  free(b->cases);
  free(b);
}

int bench_add(bench_t *b, const bench_case_desc_t *desc) {
  if (!b || !desc || !desc->workload || !desc->storage || !desc->fns.run || desc->n == 0 || desc->threads < 0) {
    return -1;
  }
  if (b->count == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    bench_case_t *cases = realloc(b->cases, cap * sizeof *cases);
    if (!cases) {
      return -1;
    }
    b->cases = cases;
    b->cap = cap;
  }
  bench_case_t *c = &b->cases[b->count];
  c->d = *desc;
  if (c->d.threads == 0) {
    c->d.threads = 1;
  }
  int len;
  if (c->d.threads > 1) {
    len = snprintf(c->name, sizeof c->name, "%s/%s/%zu/t%d", desc->workload, desc->storage, desc->n, c->d.threads);
  } else {
    len = snprintf(c->name, sizeof c->name, "%s/%s/%zu", desc->workload, desc->storage, desc->n);
  }
  if (len < 0 || (size_t)len >= sizeof c->name) {
    return -1;
  }
  b->count++;
  return 0;
}

static bool selected(const bench_t *b, const bench_case_t *c) {
  return !b->opts.filter || strstr(c->name, b->opts.filter) != NULL;
}

enum { OPT_FILTER = CLI_LONG_ONLY, OPT_REPEAT, OPT_JSON, OPT_LIST };

static const cli_flag_t flags[] = {
    {"filter", OPT_FILTER, "SUBSTR", "run only the cases whose name contains SUBSTR (default: all)"},
    {"repeat", OPT_REPEAT, "N",
     "exactly N timed runs per case and baseline, 1 to 1000000 (default: adaptive,\n"
     "at least 5 runs, then until ~0.2 s of timed work, at most 1000)"},
    {"json", OPT_JSON, "FILE", "also write the results to FILE as a JSON array (default: none)"},
    {"list", OPT_LIST, NULL, "print the case names (those --filter selects) and exit"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

static void usage(const cli_t *cli) {
  printf("usage: " BENCH_PROG " [options]\n");
  cli_print_flags(cli, stdout);
  printf("Every case gets one untimed warm-up run first. Case names are workload/storage/n.\n"
         "Exit status: 0 done, 1 a case failed or the JSON could not be written, 2 usage error\n"
         "(a --filter that matches no case included).\n");
}

/* Returns 0, or 2 on a usage error (already reported). */
static int parse_args(bench_t *b, int argc, char **argv) {
  cli_t cli;
  cli_begin(&cli, BENCH_PROG, flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    long long repeat = 0;
    switch (k) {
    case 'h':
      b->opts.help = true;
      usage(&cli);
      return 0;
    case OPT_LIST:
      b->opts.list = true;
      break;
    case OPT_FILTER:
      b->opts.filter = optarg;
      break;
    case OPT_JSON:
      if (optarg[0] == '\0') {
        return cli_usage_error(BENCH_PROG, "--json needs a file name, not", optarg);
      }
      b->opts.json_path = optarg;
      break;
    case OPT_REPEAT:
      if (cli_int(BENCH_PROG, "--repeat", optarg, 1, (long long)BENCH_REPEAT_MAX, &repeat) != 0) {
        return CLI_EXIT_USAGE;
      }
      b->budget.repeat = (unsigned long)repeat;
      break;
    default:
      return CLI_EXIT_USAGE; /* reported by cli_next */
    }
  }
  return cli_no_operands(&cli, argc, argv);
}

static uint32_t run_capacity(const bench_budget_t *budget) {
  return budget->repeat ? (uint32_t)budget->repeat : budget->max_runs;
}

static bool wants_more(const bench_meter_t *m, const bench_budget_t *budget, uint64_t wall_ns) {
  if (!m->fns) {
    return false;
  }
  if (budget->repeat) {
    return m->runs < budget->repeat;
  }
  if (m->runs >= budget->max_runs) {
    return false;
  }
  if (m->runs < budget->min_runs) {
    return true;
  }
  return m->timed_ns < budget->target_ns && wall_ns < budget->wall_ns;
}

/* One reset + timed run; the time is kept when @p record is set. */
static int measure_once(bench_meter_t *m, bool record) {
  int st = m->fns->reset ? m->fns->reset(m->user, m->n) : 0;
  if (st != 0) {
    return st;
  }
  uint64_t t0 = now_ns();
  st = m->fns->run(m->user, m->n);
  uint64_t t = now_ns() - t0;
  if (st != 0) {
    return st;
  }
  if (m->fns->quantity) {
    double q = m->fns->quantity(m->user, m->n);
    t = q > 0.0 ? (uint64_t)(q + 0.5) : 0u;
  }
  if (record) {
    m->samples[m->runs++] = t;
    m->timed_ns += t;
  }
  return 0;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a;
  uint64_t y = *(const uint64_t *)b;
  return (x > y) - (x < y);
}

static bench_stats_t summarize(bench_meter_t *m) {
  bench_stats_t s = {.runs = m->runs};
  if (m->runs == 0) {
    return s;
  }
  qsort(m->samples, m->runs, sizeof *m->samples, cmp_u64);
  s.min_ns = (double)m->samples[0];
  s.max_ns = (double)m->samples[m->runs - 1];
  uint32_t mid = m->runs / 2;
  s.median_ns = m->runs % 2 ? (double)m->samples[mid] : ((double)m->samples[mid - 1] + (double)m->samples[mid]) / 2.0;
  return s;
}

static void fail(bench_result_t *r, const char *what, int status) {
  if (!r->failed) {
    r->failed = true;
    snprintf(r->error, sizeof r->error, "%s returned %d", what, status);
  }
}

/* Measures a case and its baseline: setup both, one warm-up each, then
 * timed runs interleaved so that both see the same machine conditions. */
static void measure_case(const bench_t *b, const bench_case_t *c, bench_result_t *r) {
  const bench_budget_t *budget = &b->budget;
  uint32_t cap = run_capacity(budget);
  bench_meter_t meters[2] = {
      {.fns = &c->d.fns, .user = c->d.user, .n = c->d.n},
      {.fns = c->d.baseline.run ? &c->d.baseline : NULL, .user = c->d.baseline_user, .n = c->d.n},
  };
  static const char *const labels[2] = {"case", "baseline"};
  *r = (bench_result_t){.c = c, .has_base = meters[1].fns != NULL};
  for (int k = 0; k < 2; ++k) {
    if (!meters[k].fns) {
      continue;
    }
    meters[k].samples = malloc((size_t)cap * sizeof *meters[k].samples);
    if (!meters[k].samples) {
      r->failed = true;
      snprintf(r->error, sizeof r->error, "out of memory");
      goto out_teardown;
    }
  }
  for (int k = 0; k < 2 && !r->failed; ++k) {
    if (!meters[k].fns) {
      continue;
    }
    int st = meters[k].fns->setup ? meters[k].fns->setup(meters[k].user, meters[k].n) : 0;
    meters[k].set_up = true; /* teardown runs even after a failed setup */
    if (st != 0) {
      fail(r, k == 0 ? "case setup" : "baseline setup", st);
    }
  }
  for (int k = 0; k < 2 && !r->failed; ++k) {
    int st = meters[k].fns ? measure_once(&meters[k], false) : 0;
    if (st != 0) {
      fail(r, k == 0 ? "case warm-up" : "baseline warm-up", st);
    }
  }
  uint64_t start = now_ns();
  while (!r->failed) {
    uint64_t wall = now_ns() - start;
    bool more[2] = {wants_more(&meters[0], budget, wall), wants_more(&meters[1], budget, wall)};
    if (!more[0] && !more[1]) {
      break;
    }
    for (int k = 0; k < 2 && !r->failed; ++k) {
      int st = more[k] ? measure_once(&meters[k], true) : 0;
      if (st != 0) {
        fail(r, labels[k], st);
      }
    }
  }
  r->main = summarize(&meters[0]);
  r->base = summarize(&meters[1]);

out_teardown:
  for (int k = 0; k < 2; ++k) {
    if (meters[k].set_up && meters[k].fns->teardown) {
      meters[k].fns->teardown(meters[k].user, meters[k].n);
    }
    free(meters[k].samples);
  }
}

static double per_op(double ns, size_t n) {
  return ns / (double)n;
}

static int name_width(const bench_t *b) {
  size_t w = strlen("case");
  for (size_t i = 0; i < b->count; ++i) {
    size_t len = strlen(b->cases[i].name);
    if (selected(b, &b->cases[i]) && len > w) {
      w = len;
    }
  }
  return (int)w;
}

static void print_header(int width) {
  printf("%-*s %6s %12s %12s %12s %12s %8s\n", width, "case", "runs", "min ns/op", "median ns/op", "max ns/op",
         "base ns/op", "ratio");
}

static void print_result(int width, const bench_result_t *r) {
  const bench_case_t *c = r->c;
  if (r->failed) {
    printf("%-*s FAILED: %s\n", width, c->name, r->error);
    return;
  }
  printf("%-*s %6u %12.3f %12.3f %12.3f", width, c->name, r->main.runs, per_op(r->main.min_ns, c->d.n),
         per_op(r->main.median_ns, c->d.n), per_op(r->main.max_ns, c->d.n));
  if (r->has_base && r->base.median_ns > 0) {
    printf(" %12.3f %8.2f", per_op(r->base.median_ns, c->d.n), r->main.median_ns / r->base.median_ns);
  } else {
    printf(" %12s %8s", "-", "-");
  }
  printf(c->d.unit ? "  (%s per op, not ns)\n" : "\n", c->d.unit);
}

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; ++s) {
    unsigned char ch = (unsigned char)*s;
    if (ch == '"' || ch == '\\') {
      fprintf(f, "\\%c", ch);
    } else if (ch < 0x20) {
      fprintf(f, "\\u%04x", ch);
    } else {
      fputc(ch, f);
    }
  }
  fputc('"', f);
}

/* Writes the successful results to @p f (opened on @p path before the
 * run, so a bad path fails at once) and closes it; returns 0, or -1 if the
 * file could not be written (reported). */
static int write_json(FILE *f, const char *path, const bench_result_t *results, size_t count) {
  fputs("[", f);
  bool first = true;
  for (size_t i = 0; i < count; ++i) {
    const bench_result_t *r = &results[i];
    if (r->failed) {
      continue;
    }
    const bench_case_t *c = r->c;
    fputs(first ? "\n  {" : ",\n  {", f);
    first = false;
    fputs("\"workload\": ", f);
    json_string(f, c->d.workload);
    fputs(", \"storage\": ", f);
    json_string(f, c->d.storage);
    fputs(", \"unit\": ", f);
    json_string(f, c->d.unit ? c->d.unit : "ns");
    fprintf(f, ", \"threads\": %d, \"n\": %zu, \"ns_per_op_median\": %.4f, \"ns_per_op_min\": %.4f", c->d.threads,
            c->d.n, per_op(r->main.median_ns, c->d.n), per_op(r->main.min_ns, c->d.n));
    if (r->has_base && r->base.median_ns > 0) {
      fprintf(f, ", \"baseline_ns_per_op_median\": %.4f, \"ratio_to_baseline\": %.4f}",
              per_op(r->base.median_ns, c->d.n), r->main.median_ns / r->base.median_ns);
    } else {
      fputs(", \"baseline_ns_per_op_median\": null, \"ratio_to_baseline\": null}", f);
    }
  }
  fputs(first ? "]\n" : "\n]\n", f);
  bool bad = ferror(f) != 0;
  if (fclose(f) != 0 || bad) {
    fprintf(stderr, BENCH_PROG ": --json: cannot write '%s'\n", path);
    return -1;
  }
  return 0;
}

int bench_main(bench_t *b, int argc, char **argv) {
  if (!b) {
    return 1;
  }
  int st = parse_args(b, argc, argv);
  if (st != 0) {
    return st;
  }
  if (b->opts.help) {
    return 0; /* parse_args printed it */
  }
  if (b->opts.list) {
    for (size_t i = 0; i < b->count; ++i) {
      if (selected(b, &b->cases[i])) {
        printf("%s\n", b->cases[i].name);
      }
    }
    return 0;
  }
  size_t matching = 0;
  for (size_t i = 0; i < b->count; ++i) {
    matching += selected(b, &b->cases[i]);
  }
  if (matching == 0) {
    fprintf(stderr, BENCH_PROG ": --filter: no case matches '%s' (see --list)\n", b->opts.filter ? b->opts.filter : "");
    return 2;
  }
  FILE *json = b->opts.json_path ? cli_fopen(BENCH_PROG, "--json", b->opts.json_path, "w") : NULL;
  if (b->opts.json_path && !json) {
    return 1;
  }
  bench_result_t *results = calloc(matching, sizeof *results);
  if (!results) {
    fprintf(stderr, BENCH_PROG ": out of memory\n");
    if (json) {
      fclose(json);
    }
    return 1;
  }
  int width = name_width(b);
  if (b->budget.repeat) {
    printf("%lu timed run(s) per case and baseline after one warm-up; ns per operation\n", b->budget.repeat);
  } else {
    printf("adaptive runs (>= %u, ~%.1f s, <= %u) after one warm-up; ns per operation\n", b->budget.min_runs,
           (double)b->budget.target_ns / 1e9, b->budget.max_runs);
  }
  print_header(width);
  fflush(stdout);
  size_t ran = 0;
  size_t failed = 0;
  for (size_t i = 0; i < b->count; ++i) {
    const bench_case_t *c = &b->cases[i];
    if (!selected(b, c)) {
      continue;
    }
    bench_result_t *r = &results[ran++];
    measure_case(b, c, r);
    failed += r->failed;
    print_result(width, r);
    fflush(stdout);
  }
  printf("%zu case(s) run, %zu failed\n", ran, failed);
  int rc = failed ? 1 : 0;
  if (json && write_json(json, b->opts.json_path, results, ran) != 0) {
    rc = 1;
  }
  free(results);
  return rc;
}
