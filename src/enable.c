/* Disabled entities and components (enable.h): ARCHETYPE tags, so that
 * the archetype walk of a query drops their tables once (nothing per row)
 * and snapshots and checksums carry them like any value. */
#include "private.h"

#include <stdio.h>
#include <string.h>

static ecs_component_t tag(ecs_world_t *w, const char *name) {
  ecs_component_desc_t d = {.name = name, .storage = ECS_STORAGE_ARCHETYPE};
  ecs_component_t id = ecs_component_register(w, &d);
  if (id) {
    w->components[id]->builtin_tag = true;
  }
  return id;
}

ecs_component_t ecs_disabled_tag(ecs_world_t *world) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  if (!world->disabled_tag && !world->in_tick) {
    world->disabled_tag = tag(world, "ecs.Disabled");
  }
  return world->disabled_tag;
}

ecs_component_t ecs_prefab_tag(ecs_world_t *world) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  if (!world->prefab_tag && !world->in_tick) {
    world->prefab_tag = tag(world, "ecs.Prefab");
  }
  return world->prefab_tag;
}

/* The marker tag of c, registered when asked to (make). */
static ecs_component_t marker(ecs_world_t *w, ecs__component_t *c, bool make) {
  if (c->toggle || !make) {
    return c->toggle;
  }
  char name[ECS_ERROR_MAX];
  int n = snprintf(name, sizeof name, "ecs.Disabled(%s)", c->name);
  if (n < 0 || (size_t)n >= sizeof name) {
    ecs__fail(w, ECS_ERR_LIMIT, "component name '%s' too long for its disabled marker", c->name);
    return ECS_COMPONENT_NULL;
  }
  ecs_component_t id = tag(w, name);
  c->toggle = id;
  return id;
}

ecs_status_t ecs__builtin_from_name(ecs_world_t *w, const char *name, size_t len) {
  if (len == 12 && memcmp(name, "ecs.Disabled", 12) == 0) {
    return ecs_disabled_tag(w) ? ECS_OK : w->last_status;
  }
  if (len == 10 && memcmp(name, "ecs.Prefab", 10) == 0) {
    return ecs_prefab_tag(w) ? ECS_OK : w->last_status;
  }
  /* "ecs.Disabled(<component>)": the marker of a component the world has */
  if (len > 14 && memcmp(name, "ecs.Disabled(", 13) == 0 && name[len - 1] == ')' && len - 14 < ECS_ERROR_MAX) {
    char inner[ECS_ERROR_MAX];
    memcpy(inner, name + 13, len - 14);
    inner[len - 14] = '\0';
    ecs__component_t *c = ecs__component_get(w, ecs_component_lookup(w, inner));
    if (c && !c->builtin_tag && !(c->relation != 0 && c->target == 0) && !marker(w, c, true)) {
      return w->last_status != ECS_OK ? w->last_status : ECS_ERR_NO_MEMORY;
    }
  }
  return ECS_OK;
}

ecs_status_t ecs__toggle(ecs_world_t *w, ecs_entity_t e, ecs_component_t c, bool enabled) {
  ecs_component_t t = ECS_COMPONENT_NULL;
  if (c == ECS_COMPONENT_NULL) {
    t = ecs_disabled_tag(w);
  } else {
    ecs__component_t *r = ecs__component_get(w, c);
    if (!r) {
      return ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
    }
    if (r->builtin_tag || (r->relation != 0 && r->target == 0)) {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "'%s' cannot be disabled per entity", r->name);
    }
    t = marker(w, r, !enabled);
    if (!t) {
      return enabled ? ECS_OK : (w->last_status != ECS_OK ? w->last_status : ECS_ERR_NO_MEMORY);
    }
  }
  if (!t) {
    return w->last_status != ECS_OK ? w->last_status : ECS_ERR_NO_MEMORY;
  }
  ecs__component_t *tr = w->components[t];
  return enabled ? ecs__remove(w, tr, e) : ecs__add(w, tr, e);
}

static ecs_status_t direct(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, bool enabled) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "enabling or disabling during a tick: use the system's command buffer");
  }
  ecs_status_t st = ecs__entity_check(world, e);
  if (st == ECS_OK && (st = ecs__toggle(world, e, c, enabled)) == ECS_OK) {
    ecs__ok(world);
    st = ecs__observers_flush(world, NULL);
  }
  return st;
}

ecs_status_t ecs_enable(ecs_world_t *world, ecs_entity_t e, bool enabled) {
  return direct(world, e, ECS_COMPONENT_NULL, enabled);
}

ecs_status_t ecs_enable_component(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, bool enabled) {
  if (world && c == ECS_COMPONENT_NULL) {
    return ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "component id 0 is not registered");
  }
  return direct(world, e, c, enabled);
}

static bool has_tag(const ecs_world_t *w, ecs_component_t t, ecs_entity_t e) {
  const ecs__component_t *tr = ecs__component_get(w, t);
  return tr && tr->vt->get(tr->storage, e) != NULL;
}

bool ecs_is_enabled(const ecs_world_t *world, ecs_entity_t e) {
  return world && ecs__entity_alive(world, e) && !has_tag(world, world->disabled_tag, e);
}

bool ecs_is_component_enabled(const ecs_world_t *world, ecs_entity_t e, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r && ecs__entity_alive(world, e) && !has_tag(world, r->toggle, e);
}
