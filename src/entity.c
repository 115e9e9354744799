/* Entity registry: slot records with generations and a LIFO free list. */
#include "private.h"

bool ecs__entity_alive(const ecs_world_t *w, ecs_entity_t e) {
  uint32_t idx = ECS_ENTITY_INDEX(e);
  if (idx == 0 || idx >= w->record_count) {
    return false;
  }
  const ecs__entity_record_t *r = &w->records[idx];
  return r->alive && r->generation == ECS_ENTITY_GENERATION(e);
}

ecs_status_t ecs__entity_check(ecs_world_t *w, ecs_entity_t e) {
  if (ECS_LIKELY(ecs__entity_alive(w, e))) {
    return ECS_OK;
  }
  return ecs__fail(w, ECS_ERR_STALE_ENTITY, "entity %uv%u is stale or was never created", ECS_ENTITY_INDEX(e),
                   ECS_ENTITY_GENERATION(e));
}

ecs_entity_t ecs_entity_create(ecs_world_t *world) {
  if (!world) {
    return ECS_ENTITY_NULL;
  }
  if (world->in_tick) {
    ecs__fail(world, ECS_ERR_BUSY, "ecs_entity_create during a tick: use the system's command buffer");
    return ECS_ENTITY_NULL;
  }
  return ecs__entity_create(world);
}

/* A slot's record is written whole, never a bitfield at a time: a partial
 * store followed by a load of the whole word stalls the store forwarding
 * on every create and destroy. */
ecs_entity_t ecs__entity_create(ecs_world_t *world) {
  uint32_t idx = world->free_head;
  uint32_t generation = 0;
  if (idx != 0) {
    ecs__entity_record_t r = world->records[idx];
    world->free_head = r.next_free;
    generation = r.generation;
    world->records[idx] = (ecs__entity_record_t){.generation = generation, .next_free = 0, .alive = true};
  } else {
    if (world->record_count == UINT32_MAX) {
      ecs__fail(world, ECS_ERR_LIMIT, "all 2^32-1 entity slots are in use or retired");
      return ECS_ENTITY_NULL;
    }
    if (!ecs__grow(&world->alloc, (void **)&world->records, sizeof *world->records, &world->record_cap,
                   (size_t)world->record_count + 1, 16)) {
      ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot grow the entity registry");
      return ECS_ENTITY_NULL;
    }
    idx = world->record_count++;
    world->records[idx] = (ecs__entity_record_t){.generation = 0, .next_free = 0, .alive = true};
  }
  world->alive_count++;
  ecs__delta_struct(world, idx);
  ecs__ok(world);
  return ECS_ENTITY_MAKE(idx, generation);
}

ecs_status_t ecs_entity_create_n(ecs_world_t *world, size_t count, ecs_entity_t *out) {
  if (!world || (!out && count > 0)) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_entity_create_n during a tick: use the system's command buffer");
  }
  /* slots on the free list are reused first; only the rest need room */
  size_t reused = 0;
  for (uint32_t i = world->free_head; i != 0 && reused < count; i = world->records[i].next_free) {
    ++reused;
  }
  size_t fresh = count - reused;
  if (fresh > (size_t)(UINT32_MAX - world->record_count)) {
    return ecs__fail(world, ECS_ERR_LIMIT, "too many entities");
  }
  if (!ecs__grow(&world->alloc, (void **)&world->records, sizeof *world->records, &world->record_cap,
                 (size_t)world->record_count + fresh, 16)) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot grow the entity registry for %zu entities", count);
  }
  for (size_t i = 0; i < count; ++i) {
    out[i] = ecs__entity_create(world); /* cannot fail now */
  }
  ecs__ok(world);
  return ECS_OK;
}

ecs_status_t ecs_entity_destroy(ecs_world_t *world, ecs_entity_t e) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_entity_destroy during a tick: use the system's command buffer");
  }
  ecs_status_t st = ecs__entity_check(world, e);
  if (st != ECS_OK) {
    return st;
  }
  st = ecs__destroy(world, e); /* with the target policies of the pairs naming e */
  if (st != ECS_OK && ecs__entity_alive(world, e)) {
    return st; /* refused: nothing changed */
  }
  if (st == ECS_OK) {
    ecs__ok(world);
  }
  ecs_status_t obs = ecs__observers_flush(world, NULL);
  if (obs != ECS_OK) {
    return ecs__fail(world, obs, "observers: %s", ecs_strerror(obs));
  }
  return st;
}

void ecs__entity_destroy(ecs_world_t *world, ecs_entity_t e) {
  ecs__component_remove_all(world, e);
  uint32_t idx = ECS_ENTITY_INDEX(e);
  world->alive_count--;
  /* A slot that reaches the last generation below the provisional bit is
   * retired, never reused: reusing it could make an ancient handle valid
   * again. Live entities therefore stay below 2^31-1. */
  uint32_t generation = world->records[idx].generation;
  if (generation < ECS__GENERATION_MAX) {
    generation++;
  }
  bool reused = generation < ECS__GENERATION_MAX;
  world->records[idx] =
      (ecs__entity_record_t){.generation = generation, .alive = false, .next_free = reused ? world->free_head : 0};
  if (reused) {
    world->free_head = idx;
  }
  ecs__delta_struct(world, idx);
}

bool ecs_entity_alive(const ecs_world_t *world, ecs_entity_t e) {
  return world != NULL && ecs__entity_alive(world, e);
}

size_t ecs_entity_count(const ecs_world_t *world) {
  return world ? world->alive_count : 0;
}
