/* Atomics: the one place the library gets them from. C11 <stdatomic.h>
 * (gcc, clang, MinGW-w64's gcc, emscripten; MSVC 17.5+ with
 * /experimental:c11atomics), and two relaxed accessors for a plain
 * uint32_t that a public struct holds (a cache hint shared by threads),
 * where C11 atomics would need an _Atomic member in the public header. */
#ifndef ECS_PLATFORM_ATOMIC_H
#define ECS_PLATFORM_ATOMIC_H

#if defined(__STDC_NO_ATOMICS__)
#error "libecs needs C11 atomics (<stdatomic.h>); this compiler defines __STDC_NO_ATOMICS__"
#endif

#include <stdatomic.h>
#include <stdint.h>

#if defined(__GNUC__) || defined(__clang__)
static inline uint32_t ecs__relaxed_load_u32(const uint32_t *p) {
  return __atomic_load_n(p, __ATOMIC_RELAXED);
}
/* NOLINTNEXTLINE(readability-non-const-parameter): the builtin writes *p */
static inline void ecs__relaxed_store_u32(uint32_t *p, uint32_t v) {
  __atomic_store_n(p, v, __ATOMIC_RELAXED);
}
#else
/* An aligned 32-bit volatile access is a single load or store on every
 * target such a compiler has (x86, x64, Arm). */
static inline uint32_t ecs__relaxed_load_u32(const uint32_t *p) {
  return *(const volatile uint32_t *)p;
}
static inline void ecs__relaxed_store_u32(uint32_t *p, uint32_t v) {
  *(volatile uint32_t *)p = v;
}
#endif

#endif /* ECS_PLATFORM_ATOMIC_H */
