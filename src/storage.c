/* The table of storage kinds a world knows: built-ins first, then the
 * host's own, registered through ecs_storage_register(). */
#include "private.h"

#include "storage/archetype.h"
#include "storage/pack.h"
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
  kind = ecs__storage_resolve(w, kind);
  if ((uint32_t)kind >= w->kind_count || !w->kinds[kind].present) {
    return NULL;
  }
  return &w->kinds[kind].vt;
}

static bool vtable_complete(const ecs_storage_vtable_t *vt) {
  return vt->name && vt->create && vt->destroy && vt->insert && vt->remove && vt->get && vt->count && vt->chunk &&
         vt->memory;
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
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "storage vtable is NULL or has a NULL name or function");
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
  return r ? r->kind : ECS_STORAGE_DEFAULT;
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
  kind = ecs__storage_resolve(world, kind);
  const ecs_storage_vtable_t *vt = ecs__storage_kind(world, kind);
  if (!vt) {
    return ecs__fail(world, ECS_ERR_UNSUPPORTED, "storage kind %d is not available", (int)kind);
  }
  if (kind == r->kind) {
    ecs__ok(world);
    return ECS_OK;
  }
  if (r->kind == ECS_STORAGE_DENSE && ecs__dense_pack(r->storage)) {
    return ecs__fail(world, ECS_ERR_UNSUPPORTED, "component '%s' is packed: it stays DENSE", r->name);
  }
  if (r->relation != 0 || r->rel != NULL || r->builtin_tag) {
    /* a relation's pairs and wildcard share its kind (relation.h) */
    return ecs__fail(world, ECS_ERR_UNSUPPORTED, "'%s' is a relation, a pair or a built-in tag: its storage is fixed",
                     r->name);
  }
  bool joins = r->kind == ECS_STORAGE_ARCHETYPE; /* the non-ARCHETYPE components */
  if (joins && !ecs__others_prepare_join(world, r->vt->count(r->storage))) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot change the storage of '%s'", r->name);
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
  if (joins) {
    ecs__others_join(world, r);
  } else if (kind == ECS_STORAGE_ARCHETYPE) {
    ecs__others_leave(world, r);
  }
  ecs__ok(world);
  return ECS_OK;
}

/* ---- packs ----------------------------------------------------------------- */

static bool pack_same_set(const ecs__pack_t *k, const ecs_component_t *ids, int32_t count) {
  if (k->count != count) {
    return false;
  }
  for (int32_t i = 0; i < count; ++i) {
    bool found = false;
    for (int32_t j = 0; j < count && !found; ++j) {
      found = k->ids[j] == ids[i];
    }
    if (!found) {
      return false;
    }
  }
  return true;
}

/* Checks one member of a pack to be: registered, DENSE, named once, in no
 * other pack. */
static ecs_status_t pack_check_member(ecs_world_t *w, const ecs_component_t *ids, int32_t i) {
  const ecs__component_t *c = ecs__component_get(w, ids[i]);
  if (!c) {
    return ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "pack member %d: component id %u is not registered", (int)i, ids[i]);
  }
  if (c->kind != ECS_STORAGE_DENSE) {
    return ecs__fail(w, ECS_ERR_UNSUPPORTED, "pack member '%s' is %s-stored; only DENSE components pack", c->name,
                     c->vt->name);
  }
  for (int32_t j = 0; j < i; ++j) {
    if (ids[j] == ids[i]) {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "pack members %d and %d both name '%s'", (int)j, (int)i, c->name);
    }
  }
  if (ecs__dense_pack(c->storage)) {
    return ecs__fail(w, ECS_ERR_CONFLICT, "component '%s' is already in another pack", c->name);
  }
  return ECS_OK;
}

ecs_status_t ecs_component_pack(ecs_world_t *world, const ecs_component_t *components, int32_t count) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "components cannot be packed during a tick");
  }
  if (!components || count < 2 || count > ECS__PACK_MAX) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "a pack has 2 to %d components", ECS__PACK_MAX);
  }
  for (const ecs__pack_t *k = world->packs; k; k = k->next) {
    if (pack_same_set(k, components, count)) {
      ecs__ok(world);
      return ECS_OK;
    }
  }
  size_t scratch = 0;
  size_t align = 1;
  for (int32_t i = 0; i < count; ++i) {
    ecs_status_t st = pack_check_member(world, components, i);
    if (st != ECS_OK) {
      return st;
    }
    const ecs__component_t *c = ecs__component_get(world, components[i]);
    scratch = c->params.stride > scratch ? c->params.stride : scratch;
    align = c->params.alignment > align ? c->params.alignment : align;
  }
  ecs__pack_t *k = ecs__calloc(world, sizeof *k);
  void *buf = scratch ? ecs__aligned_alloc(&world->alloc, scratch, align) : NULL;
  if (!k || (scratch && !buf)) {
    ecs__free(world, k, sizeof *k);
    ecs__aligned_free(&world->alloc, buf, scratch, align);
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate a pack");
  }
  k->count = count;
  k->scratch = buf;
  k->scratch_size = scratch;
  k->scratch_align = align;
  for (int32_t i = 0; i < count; ++i) {
    k->ids[i] = components[i];
    k->members[i] = ecs__component_get(world, components[i])->storage;
  }
  ecs__pack_attach(k);
  k->next = world->packs;
  world->packs = k;
  ecs__ok(world);
  return ECS_OK;
}

void ecs__packs_reattach(ecs_world_t *w) {
  for (ecs__pack_t *k = w->packs; k; k = k->next) {
    for (int32_t i = 0; i < k->count; ++i) {
      k->members[i] = w->components[k->ids[i]]->storage;
    }
    ecs__pack_attach(k);
  }
}

void ecs__packs_fini(ecs_world_t *w) {
  while (w->packs) {
    ecs__pack_t *k = w->packs;
    w->packs = k->next;
    ecs__aligned_free(&w->alloc, k->scratch, k->scratch_size, k->scratch_align);
    ecs__free(w, k, sizeof *k);
  }
}
