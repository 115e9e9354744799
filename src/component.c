/* Component registry and the per-entity component operations. The world
 * runs the lifecycle hooks here; storages only hold and move bytes. */
#include "private.h"
#include "storage/archetype.h"

#include <string.h>

#define ECS__MAX_ALIGN 4096u

static size_t default_alignment(size_t size) {
  size_t a = 1;
  while (a < 16 && size % (a * 2) == 0 && size != 0) {
    a *= 2;
  }
  return a;
}

static void component_free(ecs_world_t *w, ecs__component_t *c) {
  ecs__resource_fini(w, c);
  ecs__meta_free(w, c->meta);
  ecs__free(w, c->changed_at, (size_t)c->track_cap * sizeof *c->changed_at);
  ecs__free(w, c->added_at, (size_t)c->track_cap * sizeof *c->added_at);
  ecs__free(w, (void *)c->changed_blk, (size_t)c->blk_cap * sizeof *c->changed_blk);
  ecs__free(w, c->observers, (size_t)c->observer_cap * sizeof *c->observers);
  if (c->storage) {
    /* destruct every live value before the storage goes */
    if (c->hooks.dtor && c->size > 0) {
      size_t cursor = 0;
      ecs_storage_chunk_t ch;
      while (c->vt->chunk(c->storage, &cursor, &ch)) {
        for (size_t i = 0; i < ch.count; ++i) {
          void *v = ch.data ? (char *)ch.data + i * c->params.stride : c->vt->get(c->storage, ch.entities[i]);
          c->hooks.dtor(v, 1, c->hooks.user);
        }
      }
    }
    c->vt->destroy(c->storage);
  }
  ecs__free(w, c->name, c->name_len + 1);
  ecs__free(w, c, sizeof *c);
}

void ecs__component_fini_all(ecs_world_t *w) {
  const ecs_allocator_t *hash_alloc = &w->alloc;
  HASH_CLEAR(hh, w->components_by_name);
  for (uint32_t i = 1; i < w->component_count; ++i) {
    component_free(w, w->components[i]);
  }
  w->component_count = 1;
  ecs__oindex_free(w, &w->others);
  ecs__free(w, w->other_ids, (size_t)w->other_cap * sizeof *w->other_ids);
  w->other_ids = NULL;
  w->other_count = w->other_cap = 0;
  w->others_listed = false;
}

/* Fills in defaults and validates; the name was checked by the caller. */
static ecs_status_t desc_resolve(ecs_world_t *w, const ecs_component_desc_t *d, ecs_component_desc_t *out) {
  *out = *d;
  out->storage = ecs__storage_resolve(w, d->storage);
  if (out->alignment == 0) {
    out->alignment = default_alignment(d->size);
  }
  if (d->flags & ~(uint32_t)(ECS_COMPONENT_TRANSIENT | ECS_COMPONENT_RELATION)) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "component '%s': unknown flags 0x%x", d->name, d->flags);
  }
  if ((d->serialize == NULL) != (d->deserialize == NULL)) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "component '%s': serialize and deserialize hooks go together",
                     d->name);
  }
  if ((out->alignment & (out->alignment - 1)) != 0 || out->alignment > ECS__MAX_ALIGN) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "component '%s': alignment %zu is not a power of two <= %u", d->name,
                     d->alignment, ECS__MAX_ALIGN);
  }
  if (d->size > (size_t)INT32_MAX) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "component '%s': size %zu too large", d->name, d->size);
  }
  if (!ecs__storage_kind(w, out->storage)) {
    return ecs__fail(w, ECS_ERR_UNSUPPORTED, "component '%s': storage kind %d is not available", d->name,
                     (int)out->storage);
  }
  return ECS_OK;
}

ecs_component_t ecs_component_register(ecs_world_t *world, const ecs_component_desc_t *desc) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  if (!desc || !desc->name || desc->name[0] == '\0') {
    ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "component descriptor or its name is NULL or empty");
    return ECS_COMPONENT_NULL;
  }
  if (world->in_tick) {
    ecs__fail(world, ECS_ERR_BUSY, "components cannot be registered during a tick");
    return ECS_COMPONENT_NULL;
  }
  ecs_component_desc_t d = {0};
  if (desc_resolve(world, desc, &d) != ECS_OK) {
    return ECS_COMPONENT_NULL;
  }
  size_t len = strlen(d.name);
  ecs__component_t *found = NULL;
  HASH_FIND(hh, world->components_by_name, d.name, len, found);
  if (found) {
    /* the same definition again; the default storage matches whatever
     * kind the component has now (it may have moved) */
    bool same_kind = desc->storage == ECS_STORAGE_DEFAULT || found->kind == d.storage;
    if (found->size == d.size && found->alignment == d.alignment && same_kind && found->flags == d.flags &&
        found->version == d.version) {
      ecs__ok(world);
      return found->id;
    }
    ecs__fail(world, ECS_ERR_DUPLICATE, "component '%s' already registered with size %zu, alignment %zu", d.name,
              found->size, found->alignment);
    return ECS_COMPONENT_NULL;
  }
  if (world->component_count == UINT32_MAX) {
    ecs__fail(world, ECS_ERR_LIMIT, "too many components");
    return ECS_COMPONENT_NULL;
  }
  ecs_status_t st = ECS_ERR_NO_MEMORY;
  if (!ecs__grow(&world->alloc, (void **)&world->components, sizeof(ecs__component_t *), &world->component_cap,
                 (size_t)world->component_count + 1, 16)) {
    goto out_oom;
  }
  if (d.storage != ECS_STORAGE_ARCHETYPE && !ecs__others_prepare_join(world, 0)) {
    goto out_oom;
  }
  ecs__component_t *c = ecs__calloc(world, sizeof *c);
  if (!c) {
    goto out_oom;
  }
  c->name = ecs__alloc(world, len + 1);
  if (!c->name) {
    goto out_free_record;
  }
  memcpy(c->name, d.name, len + 1);
  c->name_len = len;
  c->id = world->component_count;
  c->size = d.size;
  c->alignment = d.alignment;
  c->kind = d.storage;
  c->hooks = d.hooks;
  c->flags = d.flags;
  c->serialize = d.serialize;
  c->deserialize = d.deserialize;
  c->migrate = d.migrate;
  c->version = d.version;
  c->vtable = *ecs__storage_kind(world, d.storage);
  c->vt = &c->vtable;
  c->params = (ecs_storage_params_t){
      .component = c->id,
      .size = d.size,
      .alignment = d.alignment,
      .stride = (d.size + d.alignment - 1) & ~(d.alignment - 1),
      .move = d.hooks.move,
      .dtor = d.hooks.dtor,
      .hooks_user = d.hooks.user,
      .kind_user = c->vtable.user,
      .allocator = &world->alloc,
  };
  st = c->vt->create(&c->params, &c->storage);
  if (st != ECS_OK) {
    goto out_free_name;
  }
  const ecs_allocator_t *hash_alloc = &world->alloc;
  bool hash_oom = false;
  HASH_ADD_KEYPTR(hh, world->components_by_name, c->name, c->name_len, c);
  if (hash_oom) {
    c->vt->destroy(c->storage);
    st = ECS_ERR_NO_MEMORY;
    goto out_free_name;
  }
  world->components[world->component_count++] = c;
  if (c->kind != ECS_STORAGE_ARCHETYPE) {
    ecs__others_join(world, c);
  }
  ecs__ok(world);
  return c->id;

out_free_name:
  ecs__free(world, c->name, len + 1);
out_free_record:
  ecs__free(world, c, sizeof *c);
out_oom:
  ecs__fail(world, st, "cannot register component '%s' (%s storage)", d.name,
            ecs__storage_kind(world, d.storage)->name);
  return ECS_COMPONENT_NULL;
}

ecs_component_t ecs_component_register_type(ecs_world_t *world, const char *name, size_t size, size_t alignment) {
  ecs_component_desc_t d = {.name = name, .size = size, .alignment = alignment};
  return ecs_component_register(world, &d);
}

ecs_component_t ecs_component_lookup(const ecs_world_t *world, const char *name) {
  if (!world || !name) {
    return ECS_COMPONENT_NULL;
  }
  ecs__component_t *found = NULL;
  HASH_FIND(hh, world->components_by_name, name, strlen(name), found);
  return found ? found->id : ECS_COMPONENT_NULL;
}

const char *ecs_component_name(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->name : NULL;
}

size_t ecs_component_size(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->size : 0;
}

size_t ecs_component_count(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->vt->count(r->storage) : 0;
}

size_t ecs_component_memory(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->vt->memory(r->storage) : 0;
}

/* Validates world, entity and component for the mutating calls. */
static ecs_status_t op_check(ecs_world_t *w, ecs_entity_t e, ecs_component_t c, ecs__component_t **out) {
  if (!w) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = ecs__entity_check(w, e);
  if (st != ECS_OK) {
    return st;
  }
  *out = ecs__component_get(w, c);
  if (!*out) {
    return ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  if (ECS_UNLIKELY((*out)->relation != 0)) {
    if ((*out)->target == 0) {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "'%s' is a wildcard: a query term, never held by an entity",
                       (*out)->name);
    }
    if (!ecs__entity_alive(w, (*out)->target)) {
      return ecs__fail(w, ECS_ERR_STALE_ENTITY, "pair '%s': its target is no longer alive", (*out)->name);
    }
  }
  return ECS_OK;
}

/* e's value of c, inserted when absent (*added tells) and then constructed
 * unless the caller fills it. One lookup on the default storage, get then
 * insert on the others. NULL when out of memory (nothing changed). */
static void *component_ensure(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, bool construct, bool *added) {
  if (c->changed_at && ecs__track_reserve(w, c, ECS_ENTITY_INDEX(e)) != ECS_OK) {
    ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot add component '%s'", c->name);
    return NULL;
  }
  void *v;
  if (c->kind == ECS_STORAGE_ARCHETYPE) {
    v = ecs__arch_ensure(c->storage, e, added);
  } else {
    v = c->vt->get(c->storage, e);
    *added = v == NULL;
    if (!v) {
      v = ecs__store_insert(w, c, e);
    }
  }
  if (!v) {
    ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot add component '%s'", c->name);
    return NULL;
  }
  if (!*added) {
    return v;
  }
  if (construct) {
    ecs__value_init(c, v, 1);
  }
  if (c->changed_at) {
    ecs__mark(c, e, ecs__change_tick(w), true);
  }
  return v;
}

/* Tracking arrays cover slot (grown with zeroes: never written). */
ecs_status_t ecs__track_reserve(ecs_world_t *w, ecs__component_t *c, uint32_t slot) {
  if (slot < c->track_cap) {
    return ECS_OK;
  }
  uint32_t cap = c->track_cap ? c->track_cap : 64;
  while (cap <= slot) {
    cap = cap > UINT32_MAX / 2 ? UINT32_MAX : cap * 2;
  }
  /* both arrays move or neither does: they share track_cap, which is the
   * size their realloc and free are given */
  const size_t old_bytes = (size_t)c->track_cap * sizeof(uint64_t);
  const size_t new_bytes = (size_t)cap * sizeof(uint64_t);
  uint64_t *ch = ecs__alloc(w, new_bytes);
  uint64_t *ad = ch ? ecs__alloc(w, new_bytes) : NULL;
  if (!ad) {
    ecs__free(w, ch, new_bytes);
    return ECS_ERR_NO_MEMORY;
  }
  if (c->changed_blk && !ecs__delta_blk_grow(w, c, cap)) {
    ecs__free(w, ch, new_bytes);
    ecs__free(w, ad, new_bytes);
    return ECS_ERR_NO_MEMORY;
  }
  if (old_bytes > 0) {
    memcpy(ch, c->changed_at, old_bytes);
    memcpy(ad, c->added_at, old_bytes);
  }
  memset(ch + c->track_cap, 0, new_bytes - old_bytes);
  memset(ad + c->track_cap, 0, new_bytes - old_bytes);
  ecs__free(w, c->changed_at, old_bytes);
  ecs__free(w, c->added_at, old_bytes);
  c->changed_at = ch;
  c->added_at = ad;
  c->track_cap = cap;
  return ECS_OK;
}

/* Starts change tracking of c; its current holders count as just written
 * and just added, so a first filtered iteration sees them. */
ecs_status_t ecs__track_enable(ecs_world_t *w, ecs__component_t *c) {
  if (c->changed_at) {
    return ECS_OK;
  }
  uint32_t slots = w->record_count ? w->record_count : 1;
  c->changed_at = ecs__calloc(w, (size_t)slots * sizeof *c->changed_at);
  c->added_at = ecs__calloc(w, (size_t)slots * sizeof *c->added_at);
  if (!c->changed_at || !c->added_at) {
    ecs__free(w, c->changed_at, (size_t)slots * sizeof *c->changed_at);
    ecs__free(w, c->added_at, (size_t)slots * sizeof *c->added_at);
    c->changed_at = c->added_at = NULL;
    return ECS_ERR_NO_MEMORY;
  }
  c->track_cap = slots;
  uint64_t tick = ecs__change_tick(w);
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (c->vt->chunk(c->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      ecs__mark(c, ch.entities[i], tick, true);
    }
  }
  return ECS_OK;
}

bool ecs__ensure_run(ecs_world_t *w, ecs_entity_t e, ecs__component_t *const *comps, uint32_t n, void **cells,
                     bool *added) {
  void *states[ECS__RUN_MAX] = {0};
  for (uint32_t k = 0; k < n; ++k) {
    if (comps[k]->changed_at && ecs__track_reserve(w, comps[k], ECS_ENTITY_INDEX(e)) != ECS_OK) {
      return false;
    }
    states[k] = comps[k]->storage;
  }
  if (!ecs__arch_ensure_n(states, n, e, cells, added)) {
    return false;
  }
  uint64_t tick = 0;
  for (uint32_t k = 0; k < n; ++k) {
    if (added[k] && comps[k]->changed_at) {
      tick = tick ? tick : ecs__change_tick(w);
      ecs__mark(comps[k], e, tick, true);
    }
  }
  return true;
}

ecs_status_t ecs__add(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e) {
  bool added;
  void *v = component_ensure(w, c, e, true, &added);
  if (!v) {
    return ECS_ERR_NO_MEMORY;
  }
  if (added) {
    ecs__observe(w, c, e, ECS_ON_ADD, v);
  }
  return ECS_OK;
}

/* Makes room for a new value of e: destructs the old one, or inserts
 * (*added tells which). */
static void *component_prepare_write(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, bool *added) {
  void *v = component_ensure(w, c, e, false, added);
  if (v && !*added && c->size > 0 && c->hooks.dtor) {
    c->hooks.dtor(v, 1, c->hooks.user);
  }
  return v;
}

/* Observers of a write that is complete: ON_ADD first when it added. The
 * write is recorded for change detection too. */
static void observe_write(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, void *v, bool added) {
  if (c->changed_at) {
    ecs__mark(c, e, ecs__change_tick(w), false);
  }
  if (added) {
    ecs__observe(w, c, e, ECS_ON_ADD, v);
  }
  ecs__observe(w, c, e, ECS_ON_SET, v);
}

ecs_status_t ecs__set_move(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, void *src) {
  bool added;
  void *v = component_prepare_write(w, c, e, &added);
  if (!v) {
    return ECS_ERR_NO_MEMORY;
  }
  ecs__value_move(c, v, src);
  observe_write(w, c, e, v, added);
  return ECS_OK;
}

ecs_status_t ecs__remove(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e) {
  ecs__delta_struct(w, ECS_ENTITY_INDEX(e));
  if (c->kind == ECS_STORAGE_ARCHETYPE && c->observer_count == 0) {
    return ecs__arch_remove_if(c->storage, e); /* one lookup: no value for an observer to see */
  }
  void *v = c->vt->get(c->storage, e);
  if (!v) {
    return ECS_OK;
  }
  ecs__observe(w, c, e, ECS_ON_REMOVE, v);
  return ecs__store_remove(w, c, e);
}

/* After a direct world call: what its observers queued is applied now. */
static ecs_status_t after_direct_call(ecs_world_t *w, ecs_status_t st) {
  ecs_status_t obs = ecs__observers_flush(w, NULL);
  if (st == ECS_OK && obs != ECS_OK) {
    return ecs__fail(w, obs, "observers: %s", ecs_strerror(obs));
  }
  return st;
}

static ecs_status_t managed_refused(ecs_world_t *w, const ecs__component_t *c) {
  return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "'%s' is written only by %s", c->name,
                   strcmp(c->name, "ecs.Name") == 0 ? "ecs_set_name()" : "ecs_set_parent()");
}

/* Structural calls are refused while a tick runs: systems record them in
 * their command buffers instead. */
static ecs_status_t op_check_structural(ecs_world_t *w, ecs_entity_t e, ecs_component_t c, ecs__component_t **out,
                                        const char *what) {
  ecs_status_t st = op_check(w, e, c, out);
  if (st == ECS_OK && *out && (*out)->managed) {
    st = managed_refused(w, *out);
  }
  if (st == ECS_OK && w->in_tick) {
    st = ecs__fail(w, ECS_ERR_BUSY, "%s during a tick: use the system's command buffer", what);
  }
  return st;
}

ecs_status_t ecs_add(ecs_world_t *world, ecs_entity_t e, ecs_component_t c) {
  ecs__component_t *r;
  ecs_status_t st = op_check_structural(world, e, c, &r, "ecs_add");
  if (st == ECS_OK && (st = ecs__add(world, r, e)) == ECS_OK) {
    ecs__ok(world);
  }
  return st == ECS_OK ? after_direct_call(world, st) : st;
}

ecs_status_t ecs_set(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, const void *value) {
  ecs__component_t *r;
  ecs_status_t st = op_check(world, e, c, &r);
  if (st != ECS_OK) {
    return st;
  }
  if (r->managed) {
    return managed_refused(world, r);
  }
  if (!value && r->size > 0) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_set: value is NULL for component '%s'", r->name);
  }
  /* during a tick only an existing value may be overwritten in place */
  if (world->in_tick && !r->vt->get(r->storage, e)) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_set adds '%s' during a tick: use the system's command buffer", r->name);
  }
  bool added;
  void *v = component_prepare_write(world, r, e, &added);
  if (!v) {
    return ECS_ERR_NO_MEMORY;
  }
  if (r->size > 0 && value) { /* value is not NULL here (checked above); said for the analyser */
    if (r->hooks.copy) {
      r->hooks.copy(v, value, 1, r->hooks.user);
    } else {
      memcpy(v, value, r->size);
    }
  }
  if (world->in_tick) {
    /* an in-place write from a system: observers are for structural changes */
    if (r->changed_at) {
      ecs__mark(r, e, ecs__change_tick(world), false);
    }
    ecs__ok(world);
    return ECS_OK;
  }
  observe_write(world, r, e, v, added);
  ecs__ok(world);
  return after_direct_call(world, ECS_OK);
}

ecs_status_t ecs_remove(ecs_world_t *world, ecs_entity_t e, ecs_component_t c) {
  ecs__component_t *r;
  ecs_status_t st = op_check_structural(world, e, c, &r, "ecs_remove");
  if (st != ECS_OK) {
    return st;
  }
  if ((st = ecs__remove(world, r, e)) != ECS_OK) {
    char label[ECS__LABEL_MAX];
    return ecs__fail(world, st, "cannot remove '%s' from entity %s", r->name,
                     ecs__entity_label(world, e, label, sizeof label));
  }
  ecs__ok(world);
  return after_direct_call(world, ECS_OK);
}

void ecs__component_remove_all(ecs_world_t *w, ecs_entity_t e) {
  /* The entity's own table gives its ARCHETYPE components, the other-
   * storage index the rest: O(components of e) when the world keeps the
   * lists, a lookup per non-ARCHETYPE component while there are few. Both
   * ascend and are walked as one, so ON_REMOVE observers run in component
   * id order. Archetype values go in one step with their row, not one
   * table move per component. A host storage whose remove fails keeps that
   * value until the storage goes; the slot forgets it. Observers cannot
   * change structure here (they queue commands), so the table's type and
   * the list stay valid during the walk. */
  const ecs_component_t *own = NULL;
  uint32_t own_count = ecs__arch_entity_type(w->arch, e, &own);
  uint32_t *head = &w->records[ECS_ENTITY_INDEX(e)].others;
  ecs__others_it_t it = ecs__others_first(w, e);
  ecs__component_t *other = ecs__others_next(w, e, &it);
  uint32_t j = 0;
  while (other || j < own_count) {
    bool take_other = other && (j >= own_count || other->id < own[j]);
    ecs__component_t *c = take_other ? other : w->components[own[j++]];
    if (c->observer_count) {
      ecs__observe(w, c, e, ECS_ON_REMOVE, c->vt->get(c->storage, e));
    }
    if (take_other) {
      (void)c->vt->remove(c->storage, e);
      if (it.listed) {
        ecs__oindex_drop_at(&w->others, head); /* the list's first node is c's */
      }
      other = ecs__others_next(w, e, &it);
    }
  }
  ECS_ASSERT(*head == 0); /* observers run with structure frozen: no registration */
  ecs__arch_drop(w->arch, e);
}

void *ecs_get(ecs_world_t *world, ecs_entity_t e, ecs_component_t c) {
  ecs__component_t *r;
  if (op_check(world, e, c, &r) != ECS_OK) {
    return NULL;
  }
  return r->size > 0 ? r->vt->get(r->storage, e) : NULL;
}

bool ecs_has(const ecs_world_t *world, ecs_entity_t e, ecs_component_t c) {
  if (!world || !ecs__entity_alive(world, e)) {
    return false;
  }
  const ecs__component_t *r = ecs__component_get(world, c);
  return r != NULL && r->vt->get(r->storage, e) != NULL;
}

/* ---- sized and typed entry points (component.h, typed.h) ---------------- */

ecs_status_t ecs_set_sized(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, const void *value, size_t size) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  const ecs__component_t *r = ecs__component_get(world, c);
  if (r && r->size != size) {
    return ecs__fail(world, ECS_ERR_TYPE_MISMATCH, "ecs_set_sized: component '%s' is %zu bytes, the value %zu bytes",
                     r->name, r->size, size);
  }
  return ecs_set(world, e, c, value);
}

/* The cached id of a type is shared by every world and thread that uses
 * the type: a relaxed atomic, since it is only a hint checked on use. */
static uint32_t type_hint_load(const ecs_type_t *t) {
  return ecs__relaxed_load_u32(&t->priv.hint);
}

static void type_hint_store(ecs_type_t *t, uint32_t id) {
  ecs__relaxed_store_u32(&t->priv.hint, id);
}

/* The world's component named as t, whatever its size; NULL if none. A
 * hint that names another component (ids differ between worlds) falls
 * back to the hash lookup and is updated. */
static ecs__component_t *type_find(const ecs_world_t *w, ecs_type_t *t) {
  uint32_t hint = type_hint_load(t);
  if (hint > 0 && hint < w->component_count && strcmp(w->components[hint]->name, t->name) == 0) {
    return w->components[hint];
  }
  ecs__component_t *found = NULL;
  HASH_FIND(hh, w->components_by_name, t->name, strlen(t->name), found);
  if (found) {
    type_hint_store(t, found->id);
  }
  return found;
}

/* t's component in w, or NULL with *st set and the detail recorded. */
static ecs__component_t *type_resolve(ecs_world_t *w, ecs_type_t *t, ecs_status_t *st) {
  if (!t || !t->name) {
    *st = ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "typed call: the type is NULL or has no name");
    return NULL;
  }
  ecs__component_t *c = type_find(w, t);
  if (!c) {
    *st = ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "type '%s' is not registered in this world", t->name);
    return NULL;
  }
  if (c->size != t->size) {
    *st = ecs__fail(w, ECS_ERR_TYPE_MISMATCH, "type '%s' is %zu bytes, the world's component '%s' %zu bytes", t->name,
                    t->size, c->name, c->size);
    return NULL;
  }
  *st = ECS_OK;
  return c;
}

ecs_component_t ecs_type_register(ecs_world_t *world, ecs_type_t *type) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  if (!type || !type->name) {
    ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_type_register: the type is NULL or has no name");
    return ECS_COMPONENT_NULL;
  }
  ecs_component_desc_t d = {0};
  if (type->desc) {
    d = *type->desc;
  }
  d.name = type->name;
  d.size = type->size;
  d.alignment = type->alignment;
  ecs_component_t id = ecs_component_register(world, &d);
  if (id != ECS_COMPONENT_NULL) {
    type_hint_store(type, id);
  }
  return id;
}

ecs_component_t ecs_type_id(ecs_world_t *world, ecs_type_t *type) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  ecs_status_t st;
  const ecs__component_t *c = type_resolve(world, type, &st);
  return c ? c->id : ECS_COMPONENT_NULL;
}

ecs_component_t ecs_type_lookup(const ecs_world_t *world, ecs_type_t *type) {
  if (!world || !type || !type->name) {
    return ECS_COMPONENT_NULL;
  }
  const ecs__component_t *c = type_find(world, type);
  return c && c->size == type->size ? c->id : ECS_COMPONENT_NULL;
}

ecs_status_t ecs_set_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type, const void *value, size_t size) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st;
  const ecs__component_t *c = type_resolve(world, type, &st);
  if (!c) {
    return st;
  }
  if (size != type->size) {
    return ecs__fail(world, ECS_ERR_TYPE_MISMATCH, "ecs_set_typed: a value of %zu bytes for type '%s' of %zu bytes",
                     size, type->name, type->size);
  }
  return ecs_set_sized(world, e, c->id, value, size);
}

void *ecs_get_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type) {
  if (!world) {
    return NULL;
  }
  ecs_status_t st;
  const ecs__component_t *c = type_resolve(world, type, &st);
  return c ? ecs_get(world, e, c->id) : NULL;
}

bool ecs_has_typed(const ecs_world_t *world, ecs_entity_t e, ecs_type_t *type) {
  ecs_component_t c = ecs_type_lookup(world, type);
  return c != ECS_COMPONENT_NULL && ecs_has(world, e, c);
}

ecs_status_t ecs_add_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st;
  const ecs__component_t *c = type_resolve(world, type, &st);
  return c ? ecs_add(world, e, c->id) : st;
}

ecs_status_t ecs_remove_typed(ecs_world_t *world, ecs_entity_t e, ecs_type_t *type) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st;
  const ecs__component_t *c = type_resolve(world, type, &st);
  return c ? ecs_remove(world, e, c->id) : st;
}

/* Whether the field value p of a row is the row's value of type t: the
 * same address as the component's own value of that entity. On a mismatch
 * the term's real component is found (the one holding p) and named. */
static bool field_matches(const ecs_iter_t *it, int32_t term, int32_t row, ecs_type_t *t, const void *p) {
  ecs_world_t *w = it->world;
  ecs_entity_t e = it->entities[row];
  const ecs__component_t *c = t && t->name ? type_find(w, t) : NULL;
  if (c && c->size == t->size && c->size > 0 && c->vt->get(c->storage, e) == p) {
    return true;
  }
  const ecs__component_t *actual = NULL;
  for (uint32_t i = 1; i < w->component_count && !actual; ++i) {
    const ecs__component_t *o = w->components[i];
    actual = o->size > 0 && o->vt->get(o->storage, e) == p ? o : NULL;
  }
  const char *name = actual ? actual->name : "?";
  size_t size = actual ? actual->size : 0;
  const char *type_name = t && t->name ? t->name : "(null)";
  size_t type_size = t ? t->size : 0;
  const char *note = c ? "" : ", not registered in this world";
#define FIELD_MISMATCH "ecs_field_t: term %d is component '%s' (%zu bytes), not type '%s' (%zu bytes%s)"
  ecs__log(w, ECS_LOG_ERROR, FIELD_MISMATCH, (int)term, name, size, type_name, type_size, note);
  ecs__fail(w, ECS_ERR_TYPE_MISMATCH, FIELD_MISMATCH, (int)term, name, size, type_name, type_size, note);
#undef FIELD_MISMATCH
  return false;
}

void *ecs_field_typed(const ecs_iter_t *it, int32_t term, ecs_type_t *type) {
  void *p = ecs_field(it, term);
  if (!p || it->count <= 0) {
    return p;
  }
  return field_matches(it, term, 0, type, p) ? p : NULL;
}

void *ecs_field_at_typed(const ecs_iter_t *it, int32_t term, int32_t row, ecs_type_t *type) {
  void *p = ecs_field_at(it, term, row);
  if (!p) {
    return NULL;
  }
  return field_matches(it, term, row, type, p) ? p : NULL;
}
