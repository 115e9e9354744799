/* Bulk creation: N entities with a set of components and their values in
 * one call. Everything that can fail comes first (registry room, the
 * archetype table and its rows, change-tracking arrays, then the values of
 * components in other storages, undone on failure); the archetype values
 * are then copied column by column, which cannot fail. */
#include "private.h"
#include "storage/archetype.h"
#include "storage/storage_internal.h"

#include <string.h>

typedef struct bulk_t {
  ecs_world_t *w;
  const ecs_bulk_desc_t *d;
  size_t count;
  ecs__component_t *comps[ECS_BULK_MAX_COMPONENTS];
  uint32_t n; /* components */
  ecs_component_t arch_ids[ECS_BULK_MAX_COMPONENTS];
  uint32_t arch_n;
  uint32_t table;
  /* the registry before the creation, to undo it exactly */
  uint32_t free_head;
  uint32_t record_count;
  size_t alive_count;
} bulk_t;

static ecs_status_t bulk_check(bulk_t *b) {
  ecs_world_t *w = b->w;
  for (uint32_t i = 0; i < ECS_BULK_MAX_COMPONENTS && b->d->components[i]; ++i) {
    ecs__component_t *c = ecs__component_get(w, b->d->components[i]);
    if (!c) {
      return ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "ecs_bulk_create: component id %u is not registered",
                       b->d->components[i]);
    }
    if (c->managed || (c->relation != 0 && (c->target == 0 || !ecs__entity_alive(w, c->target)))) {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT,
                       "ecs_bulk_create: '%s' is a wildcard, a pair of a dead target or a built-in component", c->name);
    }
    for (uint32_t k = 0; k < b->n; ++k) {
      if (b->comps[k] == c) {
        return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_bulk_create: component '%s' given twice", c->name);
      }
    }
    b->comps[b->n++] = c;
    if (c->kind == ECS_STORAGE_ARCHETYPE) {
      /* sorted: the table's type */
      uint32_t at = b->arch_n++;
      while (at > 0 && b->arch_ids[at - 1] > c->id) {
        b->arch_ids[at] = b->arch_ids[at - 1];
        at--;
      }
      b->arch_ids[at] = c->id;
    }
  }
  return ECS_OK;
}

/* Gives back the registry slots of out[0..count) (popped from the free list
 * in order, or fresh ones) as they were before. */
static void registry_undo(bulk_t *b, const ecs_entity_t *out, size_t count) {
  ecs_world_t *w = b->w;
  uint32_t next = w->free_head;
  for (size_t i = count; i-- > 0;) {
    uint32_t idx = ECS_ENTITY_INDEX(out[i]);
    ecs__entity_record_t *r = &w->records[idx];
    r->alive = false;
    if (idx < b->record_count) {
      r->next_free = next;
      next = idx;
    } else {
      r->next_free = 0;
    }
  }
  w->free_head = b->free_head;
  w->record_count = b->record_count;
  w->alive_count = b->alive_count;
}

/* Copies (or constructs) component c's values of rows [first, first+count). */
static void fill_column(const ecs__component_t *c, char *data, uint32_t first, size_t count, const void *values) {
  if (c->size == 0 || !data) {
    return;
  }
  char *dst = data + (size_t)first * c->params.stride;
  if (values) {
    if (c->hooks.copy) {
      c->hooks.copy(dst, values, (int32_t)count, c->hooks.user);
    } else if (c->params.stride == c->size) {
      memcpy(dst, values, count * c->size);
    } else {
      for (size_t i = 0; i < count; ++i) {
        memcpy(dst + i * c->params.stride, (const char *)values + i * c->size, c->size);
      }
    }
  } else if (c->hooks.ctor) {
    c->hooks.ctor(dst, (int32_t)count, c->hooks.user);
  } else {
    memset(dst, 0, count * c->params.stride);
  }
}

/* One value of a component in another storage, for entity i. */
static ecs_status_t insert_other(bulk_t *b, ecs__component_t *c, uint32_t k, ecs_entity_t e, size_t i) {
  void *v = ecs__store_insert(b->w, c, e);
  if (!v) {
    return ECS_ERR_NO_MEMORY;
  }
  const void *src = b->d->values[k] ? (const char *)b->d->values[k] + i * c->size : NULL;
  if (src) {
    ecs__value_copy(c, v, src, 1);
  } else {
    ecs__value_init(c, v, 1);
  }
  return ECS_OK;
}

/* Values in non-archetype storages, entity by entity; on failure those
 * already inserted are removed again (their remove destructs them). */
static ecs_status_t insert_others(bulk_t *b, const ecs_entity_t *out) {
  for (size_t i = 0; i < b->count; ++i) {
    for (uint32_t k = 0; k < b->n; ++k) {
      ecs__component_t *c = b->comps[k];
      if (c->kind == ECS_STORAGE_ARCHETYPE) {
        continue;
      }
      ecs_status_t st = insert_other(b, c, k, out[i], i);
      if (st == ECS_OK) {
        continue;
      }
      /* undo: this entity's earlier components, then every earlier entity */
      for (size_t j = i + 1; j-- > 0;) {
        for (uint32_t m = (j == i ? k : b->n); m-- > 0;) {
          ecs__component_t *u = b->comps[m];
          if (u->kind != ECS_STORAGE_ARCHETYPE) {
            (void)ecs__store_remove(b->w, u, out[j]);
          }
        }
      }
      return ecs__fail(b->w, st, "ecs_bulk_create: cannot store '%s' for %zu entities", c->name, b->count);
    }
  }
  return ECS_OK;
}

static ecs_status_t bulk_reserve(bulk_t *b) {
  ecs_world_t *w = b->w;
  if (b->arch_n > 0) {
    b->table = ecs__arch_table_ensure(w->arch, b->arch_ids, b->arch_n);
    if (b->table == UINT32_MAX) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "ecs_bulk_create: cannot create the table");
    }
  }
  /* the highest slot the new entities can take: the free list, then fresh */
  size_t reused = 0;
  for (uint32_t i = w->free_head; i != 0 && reused < b->count; i = w->records[i].next_free) {
    ++reused;
  }
  size_t fresh = b->count - reused;
  if (fresh > (size_t)(UINT32_MAX - 1u - w->record_count)) {
    return ecs__fail(w, ECS_ERR_LIMIT, "ecs_bulk_create: too many entities");
  }
  uint32_t max_index = (uint32_t)(w->record_count + fresh);
  if (!ecs__grow(&w->alloc, (void **)&w->records, sizeof *w->records, &w->record_cap, (size_t)max_index + 1, 16)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "ecs_bulk_create: cannot grow the entity registry");
  }
  if (b->arch_n > 0 && !ecs__arch_bulk_reserve(w->arch, b->table, b->count, max_index)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "ecs_bulk_create: cannot reserve %zu rows", b->count);
  }
  for (uint32_t k = 0; k < b->n; ++k) {
    if (b->comps[k]->changed_at && ecs__track_reserve(w, b->comps[k], max_index) != ECS_OK) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "ecs_bulk_create: cannot track changes of '%s'", b->comps[k]->name);
    }
  }
  return ECS_OK;
}

static ecs_status_t bulk_observe(bulk_t *b, const ecs_entity_t *out) {
  ecs_world_t *w = b->w;
  bool any = false;
  for (uint32_t k = 0; k < b->n; ++k) {
    any |= b->comps[k]->observer_count != 0;
  }
  for (size_t i = 0; any && i < b->count; ++i) {
    for (uint32_t k = 0; k < b->n; ++k) {
      ecs__component_t *c = b->comps[k];
      if (c->observer_count) {
        void *v = c->vt->get(c->storage, out[i]);
        ecs__observe(w, c, out[i], ECS_ON_ADD, v);
        ecs__observe(w, c, out[i], ECS_ON_SET, v);
      }
    }
  }
  ecs_status_t obs = ecs__observers_flush(w, NULL);
  return obs == ECS_OK ? ECS_OK : ecs__fail(w, obs, "observers: %s", ecs_strerror(obs));
}

ecs_status_t ecs_bulk_create(ecs_world_t *world, const ecs_bulk_desc_t *desc, ecs_entity_t *out) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!desc) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_bulk_create: desc is NULL");
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_bulk_create during a tick: use the system's command buffer");
  }
  bulk_t b = {.w = world, .d = desc, .count = desc->count};
  ecs_status_t st = bulk_check(&b);
  if (st != ECS_OK || b.count == 0) {
    if (st == ECS_OK) {
      ecs__ok(world);
    }
    return st;
  }
  ecs_entity_t *handles = out;
  size_t handles_bytes = b.count * sizeof *handles;
  if (!handles && (b.count > SIZE_MAX / sizeof *handles || !(handles = ecs__alloc(world, handles_bytes)))) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "ecs_bulk_create: no room for %zu handles", b.count);
  }
  if ((st = bulk_reserve(&b)) == ECS_OK) {
    b.free_head = world->free_head;
    b.record_count = world->record_count;
    b.alive_count = world->alive_count;
    for (size_t i = 0; i < b.count; ++i) {
      handles[i] = ecs__entity_create(world); /* cannot fail: the registry has room */
    }
    if ((st = insert_others(&b, handles)) != ECS_OK) {
      registry_undo(&b, handles, b.count);
    }
  }
  if (st == ECS_OK && b.arch_n > 0) {
    uint32_t first = ecs__arch_bulk_place(world->arch, b.table, handles, b.count);
    for (uint32_t k = 0; k < b.n; ++k) {
      const ecs__component_t *c = b.comps[k];
      if (c->kind == ECS_STORAGE_ARCHETYPE) {
        int32_t col = ecs__arch_table_column(world->arch, b.table, c->id);
        fill_column(c, ecs__arch_table_data(world->arch, b.table, col), first, b.count, desc->values[k]);
      }
    }
  }
  if (st == ECS_OK) {
    uint64_t tick = 0;
    for (uint32_t k = 0; k < b.n; ++k) {
      ecs__component_t *c = b.comps[k];
      if (c->changed_at) {
        tick = tick ? tick : ecs__change_tick(world);
        for (size_t i = 0; i < b.count; ++i) {
          ecs__mark(c, handles[i], tick, true);
        }
      }
    }
    ecs__ok(world);
    st = bulk_observe(&b, handles);
  }
  if (handles != out) {
    ecs__free(world, handles, handles_bytes);
  }
  return st;
}
