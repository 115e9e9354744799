/* The platform layer: everything the library needs from the operating
 * system, behind one header. One backend per OS family is compiled in
 * (platform_posix.c or platform_win32.c, chosen by the build); nothing
 * outside src/platform calls pthreads, POSIX clocks, sysconf, getpid or a
 * Win32 function (a ctest, platform_calls_confined, checks it).
 *
 * On POSIX the calls that sit on the worker pool's per-task paths (mutex,
 * condition variable, thread identity, the clock) are static inline
 * wrappers around pthreads and clock_gettime, so a POSIX build runs the
 * same code as before the layer existed. On Windows every call is out of
 * line in platform_win32.c, so that <windows.h> and its macros stay out of
 * the rest of the library: the types below only reserve storage of the
 * right size and alignment (an SRWLOCK and a CONDITION_VARIABLE are one
 * pointer each).
 *
 * Thread-safety: the primitives are what threads synchronise with; the
 * queries (ecs__cpu_count, ecs__process_id, ecs__now_ns) may be called from
 * any thread. */
#ifndef ECS_PLATFORM_H
#define ECS_PLATFORM_H

#include "platform/atomic.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#if defined(_WIN32)
#define ECS__PLATFORM_WIN32 1
#else
#define ECS__PLATFORM_POSIX 1
#endif

/* ECS__PLATFORM_THREADS: 1 where threads can be created (every POSIX system
 * with pthreads, Windows, emscripten built with -pthread); 0 for a
 * WebAssembly build without threads, where ecs__thread_create() always
 * fails (emscripten's single-threaded pthread stubs) and only an inline
 * pool can run: ecs_pool_create() refuses worker threads there with
 * ECS_ERR_UNSUPPORTED. */
#if defined(__EMSCRIPTEN__) && !defined(__EMSCRIPTEN_PTHREADS__)
#define ECS__PLATFORM_THREADS 0
#else
#define ECS__PLATFORM_THREADS 1
#endif

#if ECS__PLATFORM_POSIX
/* clock_gettime and CLOCK_MONOTONIC are POSIX, hidden by a strict C11
 * glibc or musl unless asked for (stdint.h above has read the request) */
#if (defined(__linux__) || defined(__EMSCRIPTEN__)) && !defined(_POSIX_C_SOURCE) && !defined(_GNU_SOURCE) &&           \
    !defined(_DEFAULT_SOURCE)
#error "define _POSIX_C_SOURCE 200809L before the first #include of a file that includes platform/platform.h"
#endif
#include <pthread.h>
#include <time.h>
#endif

/* ---- types ---------------------------------------------------------------- */

typedef void (*ecs__thread_fn)(void *arg);

#if ECS__PLATFORM_POSIX
typedef pthread_mutex_t ecs__mutex_t;
typedef pthread_cond_t ecs__cond_t;
typedef pthread_t ecs__thread_id_t;
#else
typedef struct ecs__mutex_t {
  void *opaque; /* an SRWLOCK */
} ecs__mutex_t;
typedef struct ecs__cond_t {
  void *opaque; /* a CONDITION_VARIABLE */
} ecs__cond_t;
typedef uint32_t ecs__thread_id_t; /* GetCurrentThreadId() */
#endif

/* A thread started by ecs__thread_create(). The struct is the thread's
 * start record: it must stay at its address until ecs__thread_join(). */
typedef struct ecs__thread_t {
#if ECS__PLATFORM_POSIX
  pthread_t handle;
#else
  void *handle;                    /* a HANDLE from _beginthreadex() */
#endif
  ecs__thread_fn fn;
  void *arg;
} ecs__thread_t;

/* ---- threads -------------------------------------------------------------- */

/* Starts fn(arg) on a new thread. False if the system refused (or has no
 * threads: ECS__PLATFORM_THREADS is 0). */
bool ecs__thread_create(ecs__thread_t *t, ecs__thread_fn fn, void *arg);
/* Waits for the thread to return and releases it. */
void ecs__thread_join(ecs__thread_t *t);
/* Names the calling thread for debuggers and profilers where the system
 * allows it (Linux keeps 15 bytes, the rest is cut); a no-op elsewhere. */
void ecs__thread_set_name(const char *name);
/* Writes the calling thread's name into buf (NUL-terminated); false where
 * the system cannot tell. */
bool ecs__thread_get_name(char *buf, size_t size);
/* Sleeps for at least ns nanoseconds. */
void ecs__sleep_ns(uint64_t ns);

/* ---- queries -------------------------------------------------------------- */

/* Logical CPUs online (at least 1). */
uint32_t ecs__cpu_count(void);
/* The process id, as trace files record it. */
long ecs__process_id(void);

/* ---- inline primitives ------------------------------------------------------ */

#if ECS__PLATFORM_POSIX

static inline ecs__thread_id_t ecs__thread_self(void) {
  return pthread_self();
}
static inline bool ecs__thread_id_equal(ecs__thread_id_t a, ecs__thread_id_t b) {
  return pthread_equal(a, b) != 0;
}

static inline bool ecs__mutex_init(ecs__mutex_t *m) {
  return pthread_mutex_init(m, NULL) == 0;
}
static inline void ecs__mutex_destroy(ecs__mutex_t *m) {
  pthread_mutex_destroy(m);
}
static inline void ecs__mutex_lock(ecs__mutex_t *m) {
  pthread_mutex_lock(m);
}
static inline void ecs__mutex_unlock(ecs__mutex_t *m) {
  pthread_mutex_unlock(m);
}

static inline bool ecs__cond_init(ecs__cond_t *c) {
  return pthread_cond_init(c, NULL) == 0;
}
static inline void ecs__cond_destroy(ecs__cond_t *c) {
  pthread_cond_destroy(c);
}
/* Releases m, sleeps until signalled (or spuriously), takes m again. */
static inline void ecs__cond_wait(ecs__cond_t *c, ecs__mutex_t *m) {
  pthread_cond_wait(c, m);
}
static inline void ecs__cond_signal(ecs__cond_t *c) {
  pthread_cond_signal(c);
}
static inline void ecs__cond_broadcast(ecs__cond_t *c) {
  pthread_cond_broadcast(c);
}

/* Monotonic clock in nanoseconds (CLOCK_MONOTONIC). */
static inline uint64_t ecs__now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

#else /* Win32: out of line in platform_win32.c */

ecs__thread_id_t ecs__thread_self(void);
static inline bool ecs__thread_id_equal(ecs__thread_id_t a, ecs__thread_id_t b) {
  return a == b;
}
bool ecs__mutex_init(ecs__mutex_t *m);
void ecs__mutex_destroy(ecs__mutex_t *m);
void ecs__mutex_lock(ecs__mutex_t *m);
void ecs__mutex_unlock(ecs__mutex_t *m);
bool ecs__cond_init(ecs__cond_t *c);
void ecs__cond_destroy(ecs__cond_t *c);
void ecs__cond_wait(ecs__cond_t *c, ecs__mutex_t *m);
void ecs__cond_signal(ecs__cond_t *c);
void ecs__cond_broadcast(ecs__cond_t *c);
/* Monotonic clock in nanoseconds (QueryPerformanceCounter). */
uint64_t ecs__now_ns(void);

#endif

#endif /* ECS_PLATFORM_H */
