/* A seeded xorshift64 for randomised tests: the same seed gives the same
 * sequence on every platform, so a failing seed can be replayed. */
#ifndef ECS_TEST_RNG_H
#define ECS_TEST_RNG_H

#include <stdint.h>

typedef struct rng_t {
  uint64_t s; /* the state; any non-zero seed */
} rng_t;

/* A number in [0, n); n > 0. */
static inline uint32_t rnd(rng_t *r, uint32_t n) {
  r->s ^= r->s << 13;
  r->s ^= r->s >> 7;
  r->s ^= r->s << 17;
  return (uint32_t)(r->s >> 11) % n;
}

#endif /* ECS_TEST_RNG_H */
