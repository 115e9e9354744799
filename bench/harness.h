/* A small benchmark harness: named cases, each with an optional raw-C
 * baseline measured in the same process, adaptive repetition, min/median/max
 * per case, an aligned table on stdout and an optional JSON report.
 *
 * Usage: bench_new(), bench_add() per case, bench_main(b, argc, argv) to
 * parse the command line and run, bench_free(). All state lives in the
 * bench_t; nothing is global. The harness pins no thread to a core and sets
 * no priority: figures are what an ordinary process sees. */
#ifndef ECS_BENCH_HARNESS_H
#define ECS_BENCH_HARNESS_H

#include <stddef.h>
#include <stdint.h>

/* Keeps the compiler from discarding work whose result is only reachable
 * through @p p: the pointer escapes and memory is treated as read. */
#if defined(__GNUC__) || defined(__clang__)
static inline void bench_do_not_optimize(const void *p) {
  __asm__ __volatile__("" : : "r"(p) : "memory");
}
#else
/* An out-of-line call in another translation unit has the same effect
 * without link-time optimisation. */
void bench_escape(const void *p);
static inline void bench_do_not_optimize(const void *p) {
  bench_escape(p);
}
#endif

/* Consumes a computed value so the computation cannot be removed. */
static inline void bench_sink(uint64_t v) {
  volatile uint64_t sink = v;
  (void)sink;
}

/* The functions of one measured body. @p user is the pointer given with
 * them, @p n the case's operation count. Return 0 on success; any other
 * value marks the case failed (it is reported and the exit status is 1).
 * Only run() is timed. */
typedef struct bench_fns_t {
  int (*setup)(void *user, size_t n);     /* once, before the warm-up; may be NULL */
  int (*reset)(void *user, size_t n);     /* before every run, warm-up included; may be NULL */
  int (*run)(void *user, size_t n);       /* the timed body; required */
  void (*teardown)(void *user, size_t n); /* once, after the last run (also after a failure); may be NULL */
  /* A case that measures something other than time (bench_case_desc_t.unit)
   * gives, after each run, that run's quantity for all n operations (e.g.
   * bytes); it then replaces the run's time. NULL: time. */
  double (*quantity)(void *user, size_t n);
} bench_fns_t;

/* One case. Strings are not copied: they must outlive the bench_t. */
typedef struct bench_case_desc_t {
  const char *workload; /* e.g. "simple_iter" */
  const char *storage;  /* e.g. "dense" */
  int threads;          /* threads the workload uses; 0 means 1 */
  size_t n;             /* operations per run; ns/op = run time / n */
  bench_fns_t fns;
  void *user;
  bench_fns_t baseline; /* baseline.run == NULL: no baseline */
  void *baseline_user;
  const char *unit; /* what a per-op figure is: NULL means "ns"; with quantity(), e.g. "bytes" */
} bench_case_desc_t;

typedef struct bench_t bench_t;

/* NULL when out of memory. */
bench_t *bench_new(void);

/* NULL is a no-op. */
void bench_free(bench_t *b);

/* Registers a case; its name is "workload/storage/n" (plus "/tT" when it
 * uses more than one thread). Returns 0, or -1 on bad input or out of
 * memory. */
int bench_add(bench_t *b, const bench_case_desc_t *desc);

/* Parses the command line (--help, --list, --filter, --repeat, --json) and
 * runs the selected cases. Returns the process exit status: 0 when every
 * selected case ran, 1 when one failed or the JSON file could not be
 * written, 2 on a usage error or a filter that matches no case. */
int bench_main(bench_t *b, int argc, char **argv);

#endif /* ECS_BENCH_HARNESS_H */
