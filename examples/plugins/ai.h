/* ai: a reference plugin that depends on physics. Boids steering
 * (separation, alignment, cohesion) over the physics plugin's spatial grid,
 * a small state machine per agent (wander / seek / flee), and a life cycle:
 * agents age and get hurt by collisions, die, and are replaced by newcomers,
 * all through command buffers.
 *
 * Groups it adds:
 *   "ai"    ASYNC  steer: before "physics"
 *   "life"  SYNC   hurt, age, spawn: after "physics.collide"
 */
#ifndef EXAMPLES_AI_H
#define EXAMPLES_AI_H

#include "physics.h"

typedef enum agent_state_t { AGENT_WANDER, AGENT_SEEK, AGENT_FLEE } agent_state_t;

/* Agent: ARCHETYPE, like the motion components: every agent has it and
 * the steering system reads it beside Position and Velocity. */
typedef struct Agent {
  uint32_t rng; /* per-agent random state: steering is independent of threads */
  uint32_t state;
  float timer;
  float energy;
} Agent;

typedef struct ai_config_t {
  uint32_t population; /* agents to keep alive; default 10000 */
  float view_radius;   /* neighbours seen; default 8 */
  uint64_t seed;       /* spawner seed; default 1 */
} ai_config_t;

/* The plugin; load it after physics. */
const ecs_plugin_t *ai_plugin(void);

#endif /* EXAMPLES_AI_H */
