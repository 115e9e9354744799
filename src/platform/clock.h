/* Clocks: the monotonic clock in nanoseconds (ecs__now_ns, platform.h),
 * and a cheaper counter for short intervals on the tick's hot path. */
#ifndef ECS_PLATFORM_CLOCK_H
#define ECS_PLATFORM_CLOCK_H

#include "platform/platform.h"

#include <stdbool.h>
#include <stdint.h>

/* ecs__cycles(): a free-running hardware counter, in its own units, that
 * costs about half a monotonic clock read (the x86 time-stamp counter, the ARM
 * generic timer's virtual count). Its rate is not known here: a caller
 * converts with a ratio measured against ecs__now_ns() (the scheduler
 * calibrates one from its ticks), and uses it only when ecs__cycles_usable()
 * says the counter ticks at a constant rate on every core. Elsewhere it is
 * ecs__now_ns() itself. Never use it for timestamps that other threads or
 * files compare: traces keep ecs__now_ns(). */
#if (defined(__x86_64__) || defined(__i386__)) && (defined(__GNUC__) || defined(__clang__))
#include <cpuid.h>
static inline uint64_t ecs__cycles(void) {
  return __builtin_ia32_rdtsc();
}
/* The invariant TSC (CPUID 0x80000007, EDX bit 8): constant rate in every
 * power state, the counter the kernel's own clock reads on such CPUs. */
static inline bool ecs__cycles_usable(void) {
  unsigned a = 0, b = 0, c = 0, d = 0;
  return __get_cpuid(0x80000007u, &a, &b, &c, &d) && (d & (1u << 8)) != 0;
}
#elif defined(__aarch64__) && (defined(__GNUC__) || defined(__clang__))
static inline uint64_t ecs__cycles(void) {
  uint64_t v;
  __asm__ __volatile__("mrs %0, cntvct_el0" : "=r"(v));
  return v;
}
/* the architected timer: one system-wide count at a fixed frequency */
static inline bool ecs__cycles_usable(void) {
  return true;
}
#else
static inline uint64_t ecs__cycles(void) {
  return ecs__now_ns();
}
static inline bool ecs__cycles_usable(void) {
  return false;
}
#endif

#endif /* ECS_PLATFORM_CLOCK_H */
