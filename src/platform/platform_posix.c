/* The platform layer on POSIX systems: pthreads, clock_gettime, sysconf,
 * getpid (Linux, the BSDs, macOS, emscripten). What sits on hot paths is
 * inline in platform.h; here are the calls made once per thread or per
 * run. */
#if defined(__linux__) && !defined(__EMSCRIPTEN__)
#define _GNU_SOURCE /* pthread_setname_np, pthread_getname_np */
#elif defined(__APPLE__)
#define _DARWIN_C_SOURCE /* pthread_setname_np, pthread_getname_np */
#endif
#define _POSIX_C_SOURCE 200809L
#include "platform/platform.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#if (defined(__linux__) && !defined(__EMSCRIPTEN__)) || defined(__APPLE__)
#define ECS__HAVE_THREAD_NAMES 1
#else
#define ECS__HAVE_THREAD_NAMES 0
#endif

static void *thread_start(void *arg) {
  ecs__thread_t *t = arg;
  t->fn(t->arg);
  return NULL;
}

bool ecs__thread_create(ecs__thread_t *t, ecs__thread_fn fn, void *arg) {
  t->fn = fn;
  t->arg = arg;
#if ECS__PLATFORM_THREADS
  return pthread_create(&t->handle, NULL, thread_start, t) == 0;
#else
  (void)thread_start;
  return false;
#endif
}

void ecs__thread_join(ecs__thread_t *t) {
  pthread_join(t->handle, NULL);
}

void ecs__thread_set_name(const char *name) {
#if ECS__HAVE_THREAD_NAMES
  char cut[16]; /* Linux allows 15 characters and the NUL */
  snprintf(cut, sizeof cut, "%s", name);
#if defined(__APPLE__)
  (void)pthread_setname_np(cut);
#else
  (void)pthread_setname_np(pthread_self(), cut);
#endif
#else
  (void)name;
#endif
}

bool ecs__thread_get_name(char *buf, size_t size) {
#if ECS__HAVE_THREAD_NAMES
  return size > 0 && pthread_getname_np(pthread_self(), buf, size) == 0;
#else
  (void)buf;
  (void)size;
  return false;
#endif
}

void ecs__sleep_ns(uint64_t ns) {
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
  }
}

uint32_t ecs__cpu_count(void) {
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n < 1 ? 1u : n > (long)UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

long ecs__process_id(void) {
  return (long)getpid();
}
