/* ai plugin: boids steering with a state machine, and the agents' life. */
#include "ai.h"

#include <math.h>
#include <stdlib.h>

/* The spawner's random state, a resource so that it is part of the world. */
typedef struct AiSpawner {
  uint64_t rng;
  uint32_t spawned;
  uint32_t unused; /* explicit: values are hashed byte for byte, padding included */
} AiSpawner;

/* Field descriptions (meta.h): what the inspector and the JSON module show. */
static const ecs_meta_constant_t agent_states[] = {
    {"WANDER", AGENT_WANDER}, {"SEEK", AGENT_SEEK}, {"FLEE", AGENT_FLEE}};
static const ecs_meta_field_t agent_fields[] = {ECS_META_AUTO(Agent, rng), ECS_META_ENUM(Agent, state, agent_states),
                                                ECS_META_AUTO(Agent, timer), ECS_META_AUTO(Agent, energy)};
static const ecs_meta_field_t spawner_fields[] = {ECS_META_AUTO(AiSpawner, rng), ECS_META_AUTO(AiSpawner, spawned),
                                                  ECS_META_AUTO(AiSpawner, unused)};

typedef struct ai_state_t {
  ai_config_t cfg;
  ecs_component_t position, velocity, acceleration, collided, grid, agent, spawner;
} ai_state_t;

static uint32_t xorshift(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static float unit(uint32_t *s) { /* [-1, 1) */
  return (float)(xorshift(s) & 0xffffff) / (float)0x800000 - 1.0f;
}

/* ---- steer ---------------------------------------------------------------- */

typedef struct flock_t {
  ecs_entity_t self;
  float x, y, size;
  float sep_x, sep_y, vel_x, vel_y, cen_x, cen_y;
  uint32_t n;
} flock_t;

static void add_neighbour(const grid_body_t *b, void *user) {
  flock_t *f = user;
  if (b->entity == f->self) {
    return;
  }
  float dx = b->x - f->x;
  float dy = b->y - f->y;
  dx = dx > f->size * 0.5f ? dx - f->size : dx < -f->size * 0.5f ? dx + f->size : dx;
  dy = dy > f->size * 0.5f ? dy - f->size : dy < -f->size * 0.5f ? dy + f->size : dy;
  float d2 = dx * dx + dy * dy + 0.01f;
  f->sep_x -= dx / d2;
  f->sep_y -= dy / d2;
  f->vel_x += b->vx;
  f->vel_y += b->vy;
  f->cen_x += dx;
  f->cen_y += dy;
  f->n++;
}

typedef struct steer_ctx_t {
  const ai_state_t *st;
  const SpatialGrid *grid;
  float dt;
} steer_ctx_t;

static ecs_status_t steer_slice(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  const steer_ctx_t *c = user;
  float size = physics_world_size(c->grid);
  for (int32_t i = 0; i < it->count; ++i) {
    const Position *p = ecs_field_at(it, 0, i);
    const Velocity *v = ecs_field_at(it, 1, i);
    Agent *ag = ecs_field_at(it, 2, i);
    Acceleration *acc = ecs_field_at(it, 3, i);
    flock_t f = {.self = it->entities[i], .x = p->x, .y = p->y, .size = size};
    physics_grid_visit(c->grid, p->x, p->y, c->st->cfg.view_radius, add_neighbour, &f);
    float ax = 0.0f;
    float ay = 0.0f;
    if (f.n > 0) {
      float inv = 1.0f / (float)f.n;
      ax += 6.0f * f.sep_x + 0.5f * (f.vel_x * inv - v->x) + 0.3f * f.cen_x * inv;
      ay += 6.0f * f.sep_y + 0.5f * (f.vel_y * inv - v->y) + 0.3f * f.cen_y * inv;
    }
    ag->timer -= c->dt;
    switch ((agent_state_t)ag->state) {
    case AGENT_WANDER:
      ax += 20.0f * unit(&ag->rng);
      ay += 20.0f * unit(&ag->rng);
      if (f.n > 6) {
        ag->state = AGENT_FLEE;
        ag->timer = 1.0f;
      } else if (ag->timer <= 0.0f) {
        ag->state = AGENT_SEEK;
        ag->timer = 3.0f;
      }
      break;
    case AGENT_SEEK: {
      float dx = size * 0.5f - p->x;
      float dy = size * 0.5f - p->y;
      float d = sqrtf(dx * dx + dy * dy) + 1.0f;
      ax += 15.0f * dx / d;
      ay += 15.0f * dy / d;
      if (ag->timer <= 0.0f) {
        ag->state = AGENT_WANDER;
        ag->timer = 2.0f;
      }
      break;
    }
    case AGENT_FLEE:
      if (f.n > 0) {
        ax -= 2.0f * f.cen_x;
        ay -= 2.0f * f.cen_y;
      }
      if (ag->timer <= 0.0f) {
        ag->state = AGENT_WANDER;
        ag->timer = 2.0f;
      }
      break;
    }
    acc->x = ax;
    acc->y = ay;
  }
  return ECS_OK;
}

static ecs_status_t steer(ecs_system_ctx_t *ctx) {
  const ai_state_t *st = ctx->user;
  steer_ctx_t c = {st, ecs_system_resource(ctx, st->grid), (float)ctx->dt};
  if (!c.grid) {
    return ECS_ERR_NOT_FOUND;
  }
  return ecs_parallel_for(ctx, 256, steer_slice, &c);
}

/* ---- life ----------------------------------------------------------------- */

/* Collisions hurt; the tag is cleared so the next contact counts again. */
static ecs_status_t hurt(ecs_system_ctx_t *ctx) {
  const ai_state_t *st = ctx->user;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Agent *ag = ecs_field_at(&ctx->it, 0, i);
      ag->energy -= 2.0f;
      ecs_cmd_remove(ctx->commands, ctx->it.entities[i], st->collided);
    }
  }
  return ECS_OK;
}

static ecs_status_t age(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Agent *ag = ecs_field_at(&ctx->it, 0, i);
      ag->energy -= (float)ctx->dt;
      if (ag->energy <= 0.0f) {
        ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
      }
    }
  }
  return ECS_OK;
}

/* Keeps the population near its target: a few newcomers per tick. */
static ecs_status_t spawn(ecs_system_ctx_t *ctx) {
  const ai_state_t *st = ctx->user;
  AiSpawner *sp = ecs_system_resource_mut(ctx, st->spawner);
  const SpatialGrid *grid = ecs_system_resource(ctx, st->grid);
  if (!sp || !grid) {
    return ECS_ERR_NOT_FOUND;
  }
  size_t alive = 0;
  while (ecs_iter_next(&ctx->it)) {
    alive += (size_t)ctx->it.count;
  }
  uint32_t target = st->cfg.population;
  uint32_t batch = target / 60 + 1;
  float size = physics_world_size(grid);
  for (uint32_t k = 0; alive + k < target && k < batch; ++k) {
    uint32_t r = (uint32_t)(sp->rng >> 32) | 1u;
    sp->rng = sp->rng * 6364136223846793005ull + 1442695040888963407ull;
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    Position p = {(unit(&r) * 0.5f + 0.5f) * size, (unit(&r) * 0.5f + 0.5f) * size};
    Velocity v = {10.0f * unit(&r), 10.0f * unit(&r)};
    Agent ag = {.rng = r, .state = AGENT_WANDER, .timer = 2.0f, .energy = 8.0f + 8.0f * (unit(&r) + 1.0f)};
    ecs_cmd_set(ctx->commands, e, st->position, &p);
    ecs_cmd_set(ctx->commands, e, st->velocity, &v);
    ecs_cmd_add(ctx->commands, e, st->acceleration);
    ecs_cmd_set(ctx->commands, e, st->agent, &ag);
    sp->spawned++;
  }
  return ECS_OK;
}

/* ---- the plugin ----------------------------------------------------------- */

static void ai_fini(ecs_world_t *world, void *state) {
  (void)world;
  free(state);
}

static ecs_status_t ai_init(ecs_world_t *world, ecs_scheduler_builder_t *b, const void *config, void **state) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ai_state_t *st = calloc(1, sizeof *st);
  if (!st) {
    return ECS_ERR_NO_MEMORY;
  }
  st->cfg = config ? *(const ai_config_t *)config : (ai_config_t){0};
  st->cfg.population = st->cfg.population ? st->cfg.population : 10000;
  st->cfg.view_radius = st->cfg.view_radius > 0 ? st->cfg.view_radius : 8.0f;
  st->cfg.seed = st->cfg.seed ? st->cfg.seed : 1;
  /* the physics plugin registered these; looked up by name */
  st->position = ecs_component_lookup(world, "Position");
  st->velocity = ecs_component_lookup(world, "Velocity");
  st->acceleration = ecs_component_lookup(world, "Acceleration");
  st->collided = ecs_component_lookup(world, "Collided");
  st->grid = ecs_component_lookup(world, "SpatialGrid");
  st->agent = ecs_component_register(
      world, &(ecs_component_desc_t){.name = "Agent", .size = sizeof(Agent), .storage = ECS_STORAGE_ARCHETYPE});
  st->spawner = ecs_component_register_type(world, "AiSpawner", sizeof(AiSpawner), 0);
  ecs_status_t s = ECS_ERR_NOT_FOUND;
  if (!st->position || !st->velocity || !st->acceleration || !st->collided || !st->grid || !st->agent || !st->spawner ||
      (s = ecs_resource_set(world, st->spawner, &(AiSpawner){st->cfg.seed, 0, 0})) != ECS_OK ||
      (s = ecs_meta_set(world, st->agent,
                        &(ecs_meta_type_t){.fields = agent_fields, .field_count = ECS_META_COUNT(agent_fields)})) !=
          ECS_OK ||
      (s = ecs_meta_set(world, st->spawner,
                        &(ecs_meta_type_t){.fields = spawner_fields, .field_count = ECS_META_COUNT(spawner_fields)})) !=
          ECS_OK) {
    free(st);
    return s;
  }
  ecs_group_t g_ai = ecs_builder_add_group(
      b, &(ecs_group_desc_t){.name = "ai", .mode = ECS_GROUP_ASYNC, .after = {"physics.grid"}, .before = {"physics"}});
  ecs_group_t g_life = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "life", .after = {"physics.collide"}});
  const ecs_system_desc_t steer_desc = {.name = "ai.steer",
                                        .query = {.terms = {{st->position, ECS_ACCESS_READ},
                                                            {st->velocity, ECS_ACCESS_READ},
                                                            {st->agent, ECS_ACCESS_WRITE},
                                                            {st->acceleration, ECS_ACCESS_WRITE}}},
                                        .reads = {st->grid},
                                        .callback = steer,
                                        .user = st};
  const ecs_system_desc_t life[3] = {
      {.name = "life.hurt",
       .query = {.terms = {{st->agent, ECS_ACCESS_WRITE}, {st->collided, ECS_ACCESS_WITH}}},
       .callback = hurt,
       .user = st},
      {.name = "life.age", .query = {.terms = {{st->agent, ECS_ACCESS_WRITE}}}, .callback = age},
      {.name = "life.spawn",
       .query = {.terms = {{st->agent, ECS_ACCESS_READ}}},
       .reads = {st->grid},
       .writes = {st->spawner},
       .callback = spawn,
       .user = st},
  };
  s = ecs_builder_add_system(b, g_ai, &steer_desc);
  for (int i = 0; i < 3 && s == ECS_OK; ++i) {
    s = ecs_builder_add_system(b, g_life, &life[i]);
  }
  if (s != ECS_OK) {
    ecs_resource_remove(world, st->spawner);
    free(st);
    return s;
  }
  *state = st;
  return ECS_OK;
}

static const ecs_plugin_t ai = {
    .name = "ai",
    .version = 10000,
    .dependencies = {"physics"},
    .init = ai_init,
    .fini = ai_fini,
};

const ecs_plugin_t *ai_plugin(void) {
  return &ai;
}
