/* clock.h: a monotonic wall clock in seconds, for the rates and timings
 * the examples print. POSIX clock_gettime, or Windows'
 * QueryPerformanceCounter. Header-only, like cli.h. A POSIX program
 * defines _POSIX_C_SOURCE before its first include. */
#ifndef ECS_EXAMPLES_CLOCK_H
#define ECS_EXAMPLES_CLOCK_H

#if defined(_WIN32)
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#include <windows.h>

static inline double example_now_s(void) {
  LARGE_INTEGER count, freq;
  QueryPerformanceCounter(&count);
  QueryPerformanceFrequency(&freq);
  return (double)count.QuadPart / (double)freq.QuadPart;
}
#else
#include <time.h>

static inline double example_now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
#endif

#endif /* ECS_EXAMPLES_CLOCK_H */
