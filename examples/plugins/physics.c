/* physics plugin: integration, a uniform spatial grid, broad-phase contacts. */
#include "physics.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

struct physics_grid_t {
  physics_config_t cfg;
  uint32_t dim;         /* cells per side */
  uint32_t *cell_start; /* dim*dim + 1 offsets into bodies, by cell */
  uint32_t *cursor;     /* dim*dim write positions while sorting */
  grid_body_t *bodies;  /* sorted by cell, in query order within a cell */
  uint32_t *cell_of;    /* scratch: cell of each collected body */
  grid_body_t *scratch; /* scratch: bodies in query order */
  uint32_t count;
  uint32_t cap;
};

typedef struct physics_state_t {
  struct physics_grid_t grid;
  ecs_component_t position, velocity, acceleration, collided, grid_res;
  float dt; /* of the running tick, for the integrate slices */
} physics_state_t;

static float wrap(float v, float size) {
  v = fmodf(v, size);
  return v < 0.0f ? v + size : v;
}

static float wrapped_delta(float d, float size) {
  if (d > size * 0.5f) {
    return d - size;
  }
  return d < -size * 0.5f ? d + size : d;
}

static uint32_t cell_index(const struct physics_grid_t *g, float x, float y) {
  uint32_t cx = (uint32_t)(x / g->cfg.cell_size) % g->dim;
  uint32_t cy = (uint32_t)(y / g->cfg.cell_size) % g->dim;
  return cy * g->dim + cx;
}

/* ---- integrate ------------------------------------------------------------ */

static ecs_status_t integrate_slice(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  const physics_state_t *st = user;
  const physics_config_t *cfg = &st->grid.cfg;
  Position *p = ecs_field(it, 0);
  Velocity *v = ecs_field(it, 1);
  const Acceleration *a = ecs_field(it, 2);
  for (int32_t i = 0; i < it->count; ++i) {
    Position *pi = p ? &p[i] : ecs_field_at(it, 0, i);
    Velocity *vi = v ? &v[i] : ecs_field_at(it, 1, i);
    const Acceleration *ai = a ? &a[i] : ecs_field_at(it, 2, i);
    vi->x += ai->x * st->dt;
    vi->y += ai->y * st->dt;
    float speed = sqrtf(vi->x * vi->x + vi->y * vi->y);
    if (speed > cfg->max_speed) {
      vi->x *= cfg->max_speed / speed;
      vi->y *= cfg->max_speed / speed;
    }
    pi->x = wrap(pi->x + vi->x * st->dt, cfg->world_size);
    pi->y = wrap(pi->y + vi->y * st->dt, cfg->world_size);
  }
  return ECS_OK;
}

static ecs_status_t integrate(ecs_system_ctx_t *ctx) {
  physics_state_t *st = ctx->user;
  st->dt = (float)ctx->dt;
  return ecs_parallel_for(ctx, 256, integrate_slice, st);
}

/* ---- grid ----------------------------------------------------------------- */

static bool grid_reserve(struct physics_grid_t *g, uint32_t n) {
  if (n <= g->cap) {
    return true;
  }
  uint32_t cap = g->cap ? g->cap : 1024;
  while (cap < n) {
    cap *= 2;
  }
  grid_body_t *bodies = realloc(g->bodies, cap * sizeof *bodies);
  if (bodies) {
    g->bodies = bodies;
  }
  grid_body_t *scratch = realloc(g->scratch, cap * sizeof *scratch);
  if (scratch) {
    g->scratch = scratch;
  }
  uint32_t *cell_of = realloc(g->cell_of, cap * sizeof *cell_of);
  if (cell_of) {
    g->cell_of = cell_of;
  }
  if (!bodies || !scratch || !cell_of) {
    return false;
  }
  g->cap = cap;
  return true;
}

/* A counting sort of every body by cell, in query order within a cell, so
 * neighbour visits come in the same order on every run. */
static ecs_status_t grid_build(ecs_system_ctx_t *ctx) {
  physics_state_t *st = ctx->user;
  struct physics_grid_t *g = &st->grid;
  uint32_t cells = g->dim * g->dim;
  g->count = 0;
  while (ecs_iter_next(&ctx->it)) {
    if (!grid_reserve(g, g->count + (uint32_t)ctx->it.count)) {
      return ECS_ERR_NO_MEMORY;
    }
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      const Position *p = ecs_field_at(&ctx->it, 0, i);
      const Velocity *v = ecs_field_at(&ctx->it, 1, i);
      g->scratch[g->count] = (grid_body_t){ctx->it.entities[i], p->x, p->y, v->x, v->y};
      g->cell_of[g->count++] = cell_index(g, p->x, p->y);
    }
  }
  memset(g->cell_start, 0, (cells + 1) * sizeof *g->cell_start);
  for (uint32_t i = 0; i < g->count; ++i) {
    g->cell_start[g->cell_of[i] + 1]++;
  }
  for (uint32_t c = 0; c < cells; ++c) {
    g->cell_start[c + 1] += g->cell_start[c];
  }
  /* stable placement: one write cursor per cell, from the cell's start */
  memcpy(g->cursor, g->cell_start, cells * sizeof *g->cursor);
  for (uint32_t i = 0; i < g->count; ++i) {
    g->bodies[g->cursor[g->cell_of[i]]++] = g->scratch[i];
  }
  return ECS_OK;
}

uint32_t physics_grid_visit(const SpatialGrid *res, float x, float y, float radius,
                            void (*fn)(const grid_body_t *body, void *user), void *user) {
  const struct physics_grid_t *g = res->grid;
  if (g->count == 0) {
    return 0;
  }
  int32_t reach = (int32_t)ceilf(radius / g->cfg.cell_size);
  int32_t span = 2 * reach + 1 > (int32_t)g->dim ? (int32_t)g->dim : 2 * reach + 1;
  int32_t cx = (int32_t)(x / g->cfg.cell_size) % (int32_t)g->dim;
  int32_t cy = (int32_t)(y / g->cfg.cell_size) % (int32_t)g->dim;
  uint32_t visited = 0;
  float size = g->cfg.world_size;
  for (int32_t dy = 0; dy < span; ++dy) {
    for (int32_t dx = 0; dx < span; ++dx) {
      int32_t gx = ((cx - reach + dx) % (int32_t)g->dim + (int32_t)g->dim) % (int32_t)g->dim;
      int32_t gy = ((cy - reach + dy) % (int32_t)g->dim + (int32_t)g->dim) % (int32_t)g->dim;
      uint32_t c = (uint32_t)gy * g->dim + (uint32_t)gx;
      for (uint32_t k = g->cell_start[c]; k < g->cell_start[c + 1]; ++k) {
        const grid_body_t *b = &g->bodies[k];
        float ddx = wrapped_delta(b->x - x, size);
        float ddy = wrapped_delta(b->y - y, size);
        if (ddx * ddx + ddy * ddy <= radius * radius) {
          fn(b, user);
          ++visited;
        }
      }
    }
  }
  return visited;
}

float physics_world_size(const SpatialGrid *res) {
  return res->grid->cfg.world_size;
}

/* ---- collide -------------------------------------------------------------- */

typedef struct contact_t {
  ecs_entity_t self;
  bool hit;
} contact_t;

static void note_contact(const grid_body_t *b, void *user) {
  contact_t *c = user;
  c->hit |= b->entity != c->self;
}

typedef struct collide_ctx_t {
  const physics_state_t *st;
  const SpatialGrid *grid;
} collide_ctx_t;

static ecs_status_t collide_slice(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  const collide_ctx_t *c = user;
  for (int32_t i = 0; i < it->count; ++i) {
    const Position *p = ecs_field_at(it, 0, i);
    contact_t contact = {it->entities[i], false};
    physics_grid_visit(c->grid, p->x, p->y, 2.0f * c->st->grid.cfg.radius, note_contact, &contact);
    if (contact.hit) {
      ecs_status_t s = ecs_cmd_add(commands, it->entities[i], c->st->collided);
      if (s != ECS_OK) {
        return s;
      }
    }
  }
  return ECS_OK;
}

static ecs_status_t collide(ecs_system_ctx_t *ctx) {
  physics_state_t *st = ctx->user;
  collide_ctx_t c = {st, ecs_system_resource(ctx, st->grid_res)};
  if (!c.grid) {
    return ECS_ERR_NOT_FOUND;
  }
  return ecs_parallel_for(ctx, 256, collide_slice, &c);
}

/* ---- the plugin ----------------------------------------------------------- */

static void physics_fini(ecs_world_t *world, void *state) {
  (void)world;
  physics_state_t *st = state;
  free(st->grid.cell_start);
  free(st->grid.cursor);
  free(st->grid.bodies);
  free(st->grid.scratch);
  free(st->grid.cell_of);
  free(st);
}

/* Field descriptions (meta.h): what the inspector and the JSON module show. */
static const ecs_meta_field_t position_fields[] = {ECS_META_AUTO(Position, x), ECS_META_AUTO(Position, y)};
static const ecs_meta_field_t velocity_fields[] = {ECS_META_AUTO(Velocity, x), ECS_META_AUTO(Velocity, y)};
static const ecs_meta_field_t acceleration_fields[] = {ECS_META_AUTO(Acceleration, x), ECS_META_AUTO(Acceleration, y)};

static ecs_status_t describe(ecs_world_t *w, ecs_component_t c, const ecs_meta_field_t *fields, uint32_t count) {
  return ecs_meta_set(w, c, &(ecs_meta_type_t){.fields = fields, .field_count = count});
}

static ecs_component_t reg(ecs_world_t *w, const char *name, size_t size, ecs_storage_kind_t kind) {
  return ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = size, .storage = kind});
}

static ecs_status_t physics_init(ecs_world_t *world, ecs_scheduler_builder_t *b, const void *config, void **state) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT; /* the plugin is its systems */
  }
  physics_config_t cfg = config ? *(const physics_config_t *)config : (physics_config_t){0};
  cfg.world_size = cfg.world_size > 0 ? cfg.world_size : 1000.0f;
  cfg.cell_size = cfg.cell_size > 0 ? cfg.cell_size : 20.0f;
  cfg.max_speed = cfg.max_speed > 0 ? cfg.max_speed : 40.0f;
  cfg.radius = cfg.radius > 0 ? cfg.radius : 1.5f;
  physics_state_t *st = calloc(1, sizeof *st);
  if (!st) {
    return ECS_ERR_NO_MEMORY;
  }
  st->grid.cfg = cfg;
  st->grid.dim = (uint32_t)ceilf(cfg.world_size / cfg.cell_size);
  st->grid.cell_start = calloc((size_t)st->grid.dim * st->grid.dim + 1, sizeof *st->grid.cell_start);
  st->grid.cursor = calloc((size_t)st->grid.dim * st->grid.dim, sizeof *st->grid.cursor);
  *state = st;
  st->position = reg(world, "Position", sizeof(Position), ECS_STORAGE_ARCHETYPE);
  st->velocity = reg(world, "Velocity", sizeof(Velocity), ECS_STORAGE_ARCHETYPE);
  st->acceleration = reg(world, "Acceleration", sizeof(Acceleration), ECS_STORAGE_ARCHETYPE);
  st->collided = reg(world, "Collided", 0, ECS_STORAGE_SPARSE);
  /* transient: it holds a pointer, which differs between processes */
  st->grid_res = ecs_component_register(
      world,
      &(ecs_component_desc_t){.name = "SpatialGrid", .size = sizeof(SpatialGrid), .flags = ECS_COMPONENT_TRANSIENT});
  if (!st->grid.cell_start || !st->grid.cursor || !st->position || !st->velocity || !st->acceleration ||
      !st->collided || !st->grid_res || ecs_resource_set(world, st->grid_res, &(SpatialGrid){&st->grid}) != ECS_OK ||
      describe(world, st->position, position_fields, ECS_META_COUNT(position_fields)) != ECS_OK ||
      describe(world, st->velocity, velocity_fields, ECS_META_COUNT(velocity_fields)) != ECS_OK ||
      describe(world, st->acceleration, acceleration_fields, ECS_META_COUNT(acceleration_fields)) != ECS_OK) {
    physics_fini(world, st);
    return ecs_last_status(world) != ECS_OK ? ecs_last_status(world) : ECS_ERR_NO_MEMORY;
  }

  /* The grid is rebuilt first in each tick, from the positions the tick
   * starts with: everything that reads it then depends only on the world,
   * so a world restored from a snapshot simulates on identically. */
  ecs_group_t g_grid = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "physics.grid"});
  ecs_group_t g_int = ecs_builder_add_group(
      b, &(ecs_group_desc_t){.name = "physics", .mode = ECS_GROUP_ASYNC, .after = {"physics.grid"}});
  ecs_group_t g_col = ecs_builder_add_group(
      b, &(ecs_group_desc_t){.name = "physics.collide", .mode = ECS_GROUP_ASYNC, .after = {"physics"}});
  ecs_system_desc_t systems[3] = {
      {.name = "physics.integrate",
       .query = {.terms = {{st->position, ECS_ACCESS_WRITE},
                           {st->velocity, ECS_ACCESS_WRITE},
                           {st->acceleration, ECS_ACCESS_READ}}},
       .callback = integrate,
       .user = st},
      {.name = "physics.grid_build",
       .query = {.terms = {{st->position, ECS_ACCESS_READ}, {st->velocity, ECS_ACCESS_READ}}},
       .writes = {st->grid_res},
       .callback = grid_build,
       .user = st},
      {.name = "physics.collide",
       .query = {.terms = {{st->position, ECS_ACCESS_READ}, {st->collided, ECS_ACCESS_WITHOUT}}},
       .reads = {st->grid_res},
       .callback = collide,
       .user = st},
  };
  ecs_group_t groups[3] = {g_int, g_grid, g_col};
  for (int i = 0; i < 3; ++i) {
    ecs_status_t s = ecs_builder_add_system(b, groups[i], &systems[i]);
    if (s != ECS_OK) {
      /* a failed init is not recorded and its fini never runs: undo here
       * (the components stay registered, harmless) */
      ecs_resource_remove(world, st->grid_res);
      physics_fini(world, st);
      return s;
    }
  }
  return ECS_OK;
}

static const ecs_plugin_t physics = {
    .name = "physics",
    .version = 10000,
    .init = physics_init,
    .fini = physics_fini,
};

const ecs_plugin_t *physics_plugin(void) {
  return &physics;
}
