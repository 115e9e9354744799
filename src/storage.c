/* The table of storage kinds a world knows: built-ins first, then the
 * host's own, registered through ecs_storage_register(). */
#include "private.h"

#include "storage/archetype.h"
#include "storage/storage_internal.h"

#include <string.h>

#define ECS__MAX_CUSTOM_KINDS 64u

ecs_status_t ecs__storage_kinds_init(ecs_world_t *w) {
  w->kind_count = ECS_STORAGE_CUSTOM_BASE;
  w->kinds = ecs__calloc(w, sizeof *w->kinds * w->kind_count);
  if (!w->kinds) {
    return ECS_ERR_NO_MEMORY;
  }
  w->kinds[ECS_STORAGE_DENSE] = (ecs__storage_kind_t){*ecs_storage_dense_vtable(), true};
  w->kinds[ECS_STORAGE_SPARSE] = (ecs__storage_kind_t){*ecs_storage_sparse_vtable(), true};
  w->arch = ecs__arch_set_new(&w->alloc);
  if (!w->arch) {
    ecs__free(w, w->kinds, sizeof *w->kinds * w->kind_count);
    return ECS_ERR_NO_MEMORY;
  }
  w->kinds[ECS_STORAGE_ARCHETYPE] = (ecs__storage_kind_t){*ecs__arch_vtable(), true};
  w->kinds[ECS_STORAGE_ARCHETYPE].vt.user = w->arch;
  return ECS_OK;
}

void ecs__storage_kinds_fini(ecs_world_t *w) {
  ecs__arch_set_free(w->arch);
  w->arch = NULL;
  ecs__free(w, w->kinds, sizeof *w->kinds * w->kind_count);
  w->kinds = NULL;
  w->kind_count = 0;
}

const ecs_storage_vtable_t *ecs__storage_kind(const ecs_world_t *w, ecs_storage_kind_t kind) {
  if ((uint32_t)kind >= w->kind_count || !w->kinds[kind].present) {
    return NULL;
  }
  return &w->kinds[kind].vt;
}

static bool vtable_complete(const ecs_storage_vtable_t *vt) {
  return vt->create && vt->destroy && vt->insert && vt->remove && vt->get && vt->count && vt->chunk && vt->memory;
}

ecs_status_t ecs_storage_register(ecs_world_t *world, const ecs_storage_vtable_t *vtable,
                                  ecs_storage_kind_t *out_kind) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ECS_ERR_BUSY;
  }
  if (!vtable || !out_kind || !vtable_complete(vtable)) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "storage vtable is NULL or has a NULL function");
  }
  if (world->kind_count >= ECS_STORAGE_CUSTOM_BASE + ECS__MAX_CUSTOM_KINDS) {
    return ecs__fail(world, ECS_ERR_LIMIT, "at most %u host storage kinds", ECS__MAX_CUSTOM_KINDS);
  }
  size_t old = sizeof *world->kinds * world->kind_count;
  ecs__storage_kind_t *k = ecs__realloc(world, world->kinds, old, old + sizeof *world->kinds);
  if (!k) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot register storage kind");
  }
  world->kinds = k;
  k[world->kind_count] = (ecs__storage_kind_t){*vtable, true};
  *out_kind = (ecs_storage_kind_t)world->kind_count++;
  ecs__ok(world);
  return ECS_OK;
}

ecs_storage_kind_t ecs_component_storage(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->kind : ECS_STORAGE_DENSE;
}

ecs_status_t ecs_component_set_storage(ecs_world_t *world, ecs_component_t c, ecs_storage_kind_t kind) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs__component_t *r = ecs__component_get(world, c);
  if (!r) {
    return ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "component '%s' cannot change storage during a tick", r->name);
  }
  const ecs_storage_vtable_t *vt = ecs__storage_kind(world, kind);
  if (!vt) {
    return ecs__fail(world, ECS_ERR_UNSUPPORTED, "storage kind %d is not available", (int)kind);
  }
  if (kind == r->kind) {
    ecs__ok(world);
    return ECS_OK;
  }
  /* leaving archetype storage moves every holder's row: make sure that
   * cannot run out of memory half-way */
  if (r->kind == ECS_STORAGE_ARCHETYPE && !ecs__arch_prepare_leave(r->storage)) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot move '%s' out of archetype storage", r->name);
  }
  void *fresh = NULL;
  ecs_storage_params_t params = r->params;
  params.kind_user = vt->user;
  ecs_status_t created = vt->create(&params, &fresh);
  if (created != ECS_OK) {
    return ecs__fail(world, created, "cannot create %s storage for '%s': %s", vt->name, r->name, ecs_strerror(created));
  }
  /* First reserve a slot for every holder: the only step that can fail, and
   * it touches nothing in the old storage. */
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (r->vt->chunk(r->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      if (!vt->insert(fresh, ch.entities[i])) {
        vt->destroy(fresh);
        return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot move '%s' to %s storage", r->name, vt->name);
      }
    }
  }
  /* Then move the values across; the old storage is freed without dtors. */
  cursor = 0;
  while (r->vt->chunk(r->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      void *src = ch.data ? (char *)ch.data + i * r->params.stride : r->vt->get(r->storage, ch.entities[i]);
      ecs__relocate(&r->params, vt->get(fresh, ch.entities[i]), src, 1);
    }
  }
  r->vt->destroy(r->storage);
  r->storage = fresh;
  r->vtable = *vt;
  r->params = params;
  r->kind = kind;
  ecs__ok(world);
  return ECS_OK;
}
