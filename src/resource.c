/* Resources: one optional value per component type, held by the component
 * record itself (so lookups are an array index). */
#include "private.h"

#include <string.h>

static void resource_drop(ecs_world_t *w, ecs__component_t *c) {
  if (!c->resource) {
    return;
  }
  if (c->size > 0) {
    if (c->hooks.dtor) {
      c->hooks.dtor(c->resource, 1, c->hooks.user);
    }
    ecs__aligned_free(&w->alloc, c->resource, c->size, c->alignment);
  }
  c->resource = NULL;
}

void ecs__resource_fini(ecs_world_t *w, ecs__component_t *c) {
  resource_drop(w, c);
}

ecs_status_t ecs_resource_set(ecs_world_t *world, ecs_component_t c, const void *value) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs__component_t *r = ecs__component_get(world, c);
  if (!r) {
    return ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "resource type id %u is not registered", c);
  }
  if (!r->resource && world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "resource '%s' cannot be created during a tick", r->name);
  }
  if (r->size == 0) {
    r->resource = r; /* presence only */
    ecs__ok(world);
    return ECS_OK;
  }
  if (!value) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_resource_set: value is NULL for '%s'", r->name);
  }
  if (r->resource) {
    if (r->hooks.dtor) {
      r->hooks.dtor(r->resource, 1, r->hooks.user);
    }
  } else {
    r->resource = ecs__aligned_alloc(&world->alloc, r->size, r->alignment);
    if (!r->resource) {
      return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate resource '%s'", r->name);
    }
  }
  if (r->hooks.copy) {
    r->hooks.copy(r->resource, value, 1, r->hooks.user);
  } else {
    memcpy(r->resource, value, r->size);
  }
  ecs__ok(world);
  return ECS_OK;
}

void *ecs_resource_get(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return (r && r->size > 0) ? r->resource : NULL;
}

bool ecs_resource_has(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r && r->resource;
}

ecs_status_t ecs_resource_remove(ecs_world_t *world, ecs_component_t c) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs__component_t *r = ecs__component_get(world, c);
  if (!r) {
    return ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "resource type id %u is not registered", c);
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "resource '%s' cannot be removed during a tick", r->name);
  }
  resource_drop(world, r);
  ecs__ok(world);
  return ECS_OK;
}
