/* The ecs-trace workloads; see workloads.h for what each one exercises. */
#include "workloads.h"

#include "../plugins/ai.h"
#include "../plugins/physics.h"

#include <stdlib.h>
#include <string.h>

/* particles: Position and Velocity come from physics.h (same layout). */
typedef struct Age {
  float seconds;
} Age;

typedef struct Box { /* resource: the box, gravity and the respawn generator */
  float half, gravity, max_age;
  uint64_t rng;
} Box;

/* mixed */
typedef struct Transform {
  float x, y;
} Transform;

typedef struct Motion {
  float vx, vy;
} Motion;

typedef struct Health {
  float hp, max;
} Health;

typedef struct Burning { /* SPARSE: a few entities at a time */
  float seconds_left, dps;
} Burning;

typedef struct Rules { /* resource */
  float size, fire_x0, fire_x1;
  uint32_t population;
  uint64_t rng;
} Rules;

struct workload_t {
  ecs_component_t pos, vel, age, box;
  ecs_component_t transform, motion, health, burning, rules;
  ecs_metric_t *respawned; /* NULL when metrics are compiled out */
};

const char *const workload_names[] = {"particles", "boids", "mixed", NULL};

const char *workload_summary(const char *name) {
  if (strcmp(name, "particles") == 0) {
    return "ARCHETYPE integration: ASYNC parallel_for + ageing, SYNC respawn through commands";
  }
  if (strcmp(name, "boids") == 0) {
    return "the physics and ai plugins of examples/plugins (5 groups, 7 systems)";
  }
  if (strcmp(name, "mixed") == 0) {
    return "DENSE + SPARSE + ARCHETYPE, mixed queries, a serialized conflicting pair";
  }
  return "";
}

uint32_t workload_default_agents(const char *name) {
  return strcmp(name, "boids") == 0 ? 5000u : strcmp(name, "mixed") == 0 ? 10000u : 20000u;
}

/* A linear congruential generator: [0, 1), the same on every platform. */
static float frand(uint64_t *state) {
  *state = *state * 6364136223846793005ull + 1442695040888963407ull;
  return (float)(uint32_t)(*state >> 40) / 16777216.0f;
}

static ecs_component_t add_component(ecs_world_t *w, const char *name, size_t size, size_t align,
                                     ecs_storage_kind_t kind) {
  return ecs_component_register(
      w, &(ecs_component_desc_t){.name = name, .size = size, .alignment = align, .storage = kind});
}

/* ---- particles -------------------------------------------------------------- */

static void new_particle(Box *box, Position *p, Velocity *v) {
  *p = (Position){(frand(&box->rng) - 0.5f) * box->half, (frand(&box->rng) - 0.5f) * box->half};
  *v = (Velocity){(frand(&box->rng) - 0.5f) * 60.0f, frand(&box->rng) * 40.0f};
}

typedef struct step_t {
  float dt, gravity;
} step_t;

static ecs_status_t integrate_slice(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  const step_t *step = user;
  Position *p = ecs_field(it, 0);
  Velocity *v = ecs_field(it, 1);
  for (int32_t i = 0; i < it->count; ++i) {
    Position *pi = p ? &p[i] : ecs_field_at(it, 0, i);
    Velocity *vi = v ? &v[i] : ecs_field_at(it, 1, i);
    vi->y -= step->gravity * step->dt;
    pi->x += vi->x * step->dt;
    pi->y += vi->y * step->dt;
  }
  return ECS_OK;
}

static ecs_status_t particles_integrate(ecs_system_ctx_t *ctx) {
  const workload_t *w = ctx->user;
  const Box *box = ecs_system_resource(ctx, w->box);
  if (!box) {
    return ECS_ERR_NOT_FOUND;
  }
  step_t step = {(float)ctx->dt, box->gravity};
  return ecs_parallel_for(ctx, 512, integrate_slice, &step);
}

static ecs_status_t particles_age(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    Age *a = ecs_field(&ctx->it, 0);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Age *ai = a ? &a[i] : ecs_field_at(&ctx->it, 0, i);
      ai->seconds += (float)ctx->dt;
    }
  }
  return ECS_OK;
}

/* Replaces every particle out of the box or too old by a new one. */
static ecs_status_t particles_respawn(ecs_system_ctx_t *ctx) {
  const workload_t *w = ctx->user;
  Box *box = ecs_system_resource_mut(ctx, w->box);
  if (!box) {
    return ECS_ERR_NOT_FOUND;
  }
  ecs_status_t st = ECS_OK;
  uint32_t respawned = 0;
  ECS_TRACE_REGION(ctx, "respawn.scan") {
    while (ecs_iter_next(&ctx->it)) {
      for (int32_t i = 0; i < ctx->it.count && st == ECS_OK; ++i) {
        const Position *p = ecs_field_at(&ctx->it, 0, i);
        const Age *a = ecs_field_at(&ctx->it, 1, i);
        if (p->x > -box->half && p->x < box->half && p->y > -box->half && p->y < box->half &&
            a->seconds < box->max_age) {
          continue;
        }
        Position np;
        Velocity nv;
        new_particle(box, &np, &nv);
        ecs_entity_t e = ecs_cmd_create(ctx->commands);
        st = ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
        st = st == ECS_OK ? ecs_cmd_set(ctx->commands, e, w->pos, &np) : st;
        st = st == ECS_OK ? ecs_cmd_set(ctx->commands, e, w->vel, &nv) : st;
        st = st == ECS_OK ? ecs_cmd_add(ctx->commands, e, w->age) : st;
        respawned++;
      }
    }
  }
  ecs_metric_add(w->respawned, (double)respawned);
  return st;
}

static ecs_status_t particles_setup(workload_t *w, ecs_world_t *world, ecs_scheduler_builder_t *b, uint32_t n) {
  w->pos = add_component(world, "Position", sizeof(Position), ECS_ALIGNOF(Position), ECS_STORAGE_ARCHETYPE);
  w->vel = add_component(world, "Velocity", sizeof(Velocity), ECS_ALIGNOF(Velocity), ECS_STORAGE_ARCHETYPE);
  w->age = add_component(world, "Age", sizeof(Age), ECS_ALIGNOF(Age), ECS_STORAGE_ARCHETYPE);
  w->box = ECS_COMPONENT(world, Box);
  if (!w->pos || !w->vel || !w->age || !w->box) {
    return ecs_last_status(world);
  }
  /* host metrics sit beside the built-in ones in the exposition */
  w->respawned = ecs_metric_register(world, ECS_METRIC_COUNTER, "particles_respawned_total",
                                     "Particles replaced after leaving the box or ageing out.");
  /* the padding after max_age is hashed with the resource (checksums,
   * digests): zeroed, not left to the stack */
  Box box;
  memset(&box, 0, sizeof box);
  box.half = 100.0f;
  box.gravity = 30.0f;
  box.max_age = 4.0f;
  box.rng = 7;
  for (uint32_t i = 0; i < n; ++i) {
    Position p;
    Velocity v;
    new_particle(&box, &p, &v);
    ecs_entity_t e = ecs_entity_create(world);
    Age a = {frand(&box.rng) * box.max_age}; /* staggered, so respawns spread over the ticks */
    if (!e || ecs_set(world, e, w->pos, &p) != ECS_OK || ecs_set(world, e, w->vel, &v) != ECS_OK ||
        ecs_set(world, e, w->age, &a) != ECS_OK) {
      return ecs_last_status(world);
    }
  }
  ecs_status_t st = ecs_resource_set(world, w->box, &box);
  if (st != ECS_OK) {
    return st;
  }
  ecs_group_t sim = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "particles", .mode = ECS_GROUP_ASYNC});
  ecs_group_t respawn =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "particles.respawn", .after = {"particles"}});
  /* integrate and age share nothing, so they run at the same time */
  ecs_builder_add_system(
      b, sim,
      &(ecs_system_desc_t){.name = "particles.integrate",
                           .query = {.terms = {{w->pos, ECS_ACCESS_WRITE}, {w->vel, ECS_ACCESS_WRITE}}},
                           .reads = {w->box},
                           .callback = particles_integrate,
                           .user = w});
  ecs_builder_add_system(b, sim,
                         &(ecs_system_desc_t){.name = "particles.age",
                                              .query = {.terms = {{w->age, ECS_ACCESS_WRITE}}},
                                              .callback = particles_age});
  return ecs_builder_add_system(
      b, respawn,
      &(ecs_system_desc_t){.name = "particles.respawn",
                           .query = {.terms = {{w->pos, ECS_ACCESS_READ}, {w->age, ECS_ACCESS_READ}}},
                           .writes = {w->box},
                           .callback = particles_respawn,
                           .user = w});
}

/* ---- mixed ------------------------------------------------------------------ */

static ecs_status_t move_slice(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  const float *step = user; /* dt, world size */
  for (int32_t i = 0; i < it->count; ++i) {
    Transform *t = ecs_field_at(it, 0, i);
    const Motion *m = ecs_field_at(it, 1, i);
    t->x += m->vx * step[0];
    t->y += m->vy * step[0];
    t->x = t->x < 0.0f ? t->x + step[1] : t->x >= step[1] ? t->x - step[1] : t->x;
    t->y = t->y < 0.0f ? t->y + step[1] : t->y >= step[1] ? t->y - step[1] : t->y;
  }
  return ECS_OK;
}

/* ARCHETYPE only: parallel_for over the tables */
static ecs_status_t mixed_move(ecs_system_ctx_t *ctx) {
  const workload_t *w = ctx->user;
  const Rules *rules = ecs_system_resource(ctx, w->rules);
  if (!rules) {
    return ECS_ERR_NOT_FOUND;
  }
  float step[2] = {(float)ctx->dt, rules->size};
  return ecs_parallel_for(ctx, 512, move_slice, step);
}

/* DENSE Health x SPARSE Burning: driven by the smaller SPARSE storage */
static ecs_status_t mixed_burn(ecs_system_ctx_t *ctx) {
  const workload_t *w = ctx->user;
  ecs_status_t st = ECS_OK;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count && st == ECS_OK; ++i) {
      Health *h = ecs_field_at(&ctx->it, 0, i);
      Burning *b = ecs_field_at(&ctx->it, 1, i);
      h->hp -= b->dps * (float)ctx->dt;
      b->seconds_left -= (float)ctx->dt;
      if (h->hp <= 0.0f) {
        st = ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
      } else if (b->seconds_left <= 0.0f) {
        st = ecs_cmd_remove(ctx->commands, ctx->it.entities[i], w->burning);
      }
    }
  }
  return st;
}

/* Writes Health like mixed.burn: the builder serializes the pair. */
static ecs_status_t mixed_regen(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      Health *h = ecs_field_at(&ctx->it, 0, i);
      h->hp = h->hp + 2.0f * (float)ctx->dt < h->max ? h->hp + 2.0f * (float)ctx->dt : h->max;
    }
  }
  return ECS_OK;
}

/* ARCHETYPE Transform, WITH DENSE Health, OPTIONAL SPARSE Burning */
static ecs_status_t mixed_ignite(ecs_system_ctx_t *ctx) {
  const workload_t *w = ctx->user;
  const Rules *rules = ecs_system_resource(ctx, w->rules);
  if (!rules) {
    return ECS_ERR_NOT_FOUND;
  }
  ecs_status_t st = ECS_OK;
  while (ecs_iter_next(&ctx->it)) {
    for (int32_t i = 0; i < ctx->it.count && st == ECS_OK; ++i) {
      const Transform *t = ecs_field_at(&ctx->it, 0, i);
      if (t->x >= rules->fire_x0 && t->x < rules->fire_x1 && !ecs_field_at(&ctx->it, 2, i)) {
        st = ecs_cmd_set(ctx->commands, ctx->it.entities[i], w->burning, &(Burning){1.5f, 50.0f});
      }
    }
  }
  return st;
}

static ecs_status_t spawn_mixed(ecs_world_t *world, ecs_cmd_buffer_t *cmd, const workload_t *w, Rules *r) {
  Transform t = {frand(&r->rng) * r->size, frand(&r->rng) * r->size};
  Motion m = {(frand(&r->rng) - 0.5f) * 40.0f, (frand(&r->rng) - 0.5f) * 40.0f};
  Health h = {20.0f + 80.0f * frand(&r->rng), 100.0f}; /* some die of a single burn */
  ecs_entity_t e = cmd ? ecs_cmd_create(cmd) : ecs_entity_create(world);
  if (!e) {
    return ECS_ERR_NO_MEMORY;
  }
  ecs_status_t st = cmd ? ecs_cmd_set(cmd, e, w->transform, &t) : ecs_set(world, e, w->transform, &t);
  st = st != ECS_OK ? st : cmd ? ecs_cmd_set(cmd, e, w->motion, &m) : ecs_set(world, e, w->motion, &m);
  return st != ECS_OK ? st : cmd ? ecs_cmd_set(cmd, e, w->health, &h) : ecs_set(world, e, w->health, &h);
}

/* Keeps the population: up to 64 newcomers per tick, through commands. */
static ecs_status_t mixed_respawn(ecs_system_ctx_t *ctx) {
  const workload_t *w = ctx->user;
  Rules *rules = ecs_system_resource_mut(ctx, w->rules);
  if (!rules) {
    return ECS_ERR_NOT_FOUND;
  }
  uint32_t alive = 0;
  while (ecs_iter_next(&ctx->it)) {
    alive += (uint32_t)ctx->it.count;
  }
  ecs_status_t st = ECS_OK;
  uint32_t k = 0;
  for (; alive + k < rules->population && k < 64 && st == ECS_OK; ++k) {
    st = spawn_mixed(NULL, ctx->commands, w, rules);
  }
  if (k > 0) { /* dropped below the world's level (WARN by default) */
    ecs_system_log(ctx, ECS_LOG_DEBUG, "respawned %u of %u", (unsigned)k, (unsigned)(rules->population - alive));
  }
  return st;
}

static ecs_status_t mixed_setup(workload_t *w, ecs_world_t *world, ecs_scheduler_builder_t *b, uint32_t n) {
  w->transform = add_component(world, "Transform", sizeof(Transform), ECS_ALIGNOF(Transform), ECS_STORAGE_ARCHETYPE);
  w->motion = add_component(world, "Motion", sizeof(Motion), ECS_ALIGNOF(Motion), ECS_STORAGE_ARCHETYPE);
  w->health = add_component(world, "Health", sizeof(Health), ECS_ALIGNOF(Health), ECS_STORAGE_DENSE);
  w->burning = add_component(world, "Burning", sizeof(Burning), ECS_ALIGNOF(Burning), ECS_STORAGE_SPARSE);
  w->rules = ECS_COMPONENT(world, Rules);
  if (!w->transform || !w->motion || !w->health || !w->burning || !w->rules) {
    return ecs_last_status(world);
  }
  Rules rules = {.size = 400.0f, .fire_x0 = 0.0f, .fire_x1 = 8.0f, .population = n, .rng = 11};
  for (uint32_t i = 0; i < n; ++i) {
    if (spawn_mixed(world, NULL, w, &rules) != ECS_OK) {
      return ecs_last_status(world);
    }
  }
  ecs_status_t st = ecs_resource_set(world, w->rules, &rules);
  if (st != ECS_OK) {
    return st;
  }
  ecs_group_t sim = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "mixed.sim", .mode = ECS_GROUP_ASYNC});
  ecs_group_t rule = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "mixed.rules", .after = {"mixed.sim"}});
  const ecs_system_desc_t systems[] = {
      {.name = "mixed.move",
       .query = {.terms = {{w->transform, ECS_ACCESS_WRITE}, {w->motion, ECS_ACCESS_READ}}},
       .reads = {w->rules},
       .callback = mixed_move},
      {.name = "mixed.burn",
       .query = {.terms = {{w->health, ECS_ACCESS_WRITE}, {w->burning, ECS_ACCESS_WRITE}}},
       .callback = mixed_burn},
      {.name = "mixed.regen",
       .query = {.terms = {{w->health, ECS_ACCESS_WRITE}, {w->burning, ECS_ACCESS_WITHOUT}}},
       .callback = mixed_regen},
      {.name = "mixed.ignite",
       .query = {.terms = {{w->transform, ECS_ACCESS_READ},
                           {w->health, ECS_ACCESS_WITH},
                           {w->burning, ECS_ACCESS_OPTIONAL}}},
       .reads = {w->rules},
       .callback = mixed_ignite},
      {.name = "mixed.respawn",
       .query = {.terms = {{w->health, ECS_ACCESS_READ}}},
       .writes = {w->rules},
       .callback = mixed_respawn},
  };
  for (size_t i = 0; i < sizeof systems / sizeof systems[0]; ++i) {
    ecs_system_desc_t d = systems[i];
    d.user = w;
    st = ecs_builder_add_system(b, i < 3 ? sim : rule, &d);
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

/* ---- boids ------------------------------------------------------------------ */

static ecs_status_t boids_setup(ecs_world_t *world, ecs_scheduler_builder_t *b, uint32_t n) {
  physics_config_t pc = {.world_size = 1000.0f};
  ai_config_t ac = {.population = n, .seed = 1};
  ecs_status_t st = ecs_plugin_load(world, b, physics_plugin(), &pc);
  return st != ECS_OK ? st : ecs_plugin_load(world, b, ai_plugin(), &ac);
}

ecs_status_t workload_create(const char *name, ecs_world_t *world, ecs_scheduler_builder_t *b, int32_t threads,
                             uint32_t agents, workload_t **out) {
  *out = NULL;
  if (workload_summary(name)[0] == '\0') {
    return ECS_ERR_NOT_FOUND;
  }
  workload_t *w = calloc(1, sizeof *w);
  if (!w) {
    return ECS_ERR_NO_MEMORY;
  }
  agents = agents ? agents : workload_default_agents(name);
  bool mixed = strcmp(name, "mixed") == 0;
  ecs_status_t st = ecs_builder_set_options(
      b,
      &(ecs_scheduler_desc_t){.threads = threads, .on_conflict = mixed ? ECS_CONFLICT_SERIALIZE : ECS_CONFLICT_REJECT});
  if (st == ECS_OK) {
    st = mixed                        ? mixed_setup(w, world, b, agents)
         : strcmp(name, "boids") == 0 ? boids_setup(world, b, agents)
                                      : particles_setup(w, world, b, agents);
  }
  if (st != ECS_OK) {
    free(w);
    return st;
  }
  *out = w;
  return ECS_OK;
}

void workload_free(workload_t *w) {
  free(w);
}
