/* Prefabs and instances (prefab.h). An instance is a deep copy made
 * through the components' copy hooks; nothing is shared with the prefab
 * afterwards (a later change of the prefab does not reach instances). */
#include "private.h"
#include "storage/archetype.h"

#include <string.h>

static bool is_prefab(const ecs_world_t *w, ecs_entity_t e) {
  const ecs__component_t *t = ecs__component_get(w, w->prefab_tag);
  return t && t->vt->get(t->storage, e) != NULL;
}

ecs_entity_t ecs_prefab_new(ecs_world_t *world, ecs_entity_t parent) {
  if (!world || world->in_tick) {
    return ECS_ENTITY_NULL;
  }
  if (parent != ECS_ENTITY_NULL) {
    if (ecs__entity_check(world, parent) != ECS_OK) {
      return ECS_ENTITY_NULL;
    }
    if (!is_prefab(world, parent)) {
      char label[ECS__LABEL_MAX];
      ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "prefab parent %s is not a prefab",
                ecs__entity_label(world, parent, label, sizeof label));
      return ECS_ENTITY_NULL;
    }
  }
  ecs_component_t tag = ecs_prefab_tag(world);
  if (!tag) {
    return ECS_ENTITY_NULL;
  }
  ecs_entity_t e = ecs__entity_create(world);
  if (!e) {
    return ECS_ENTITY_NULL;
  }
  ecs_status_t st = ecs__add(world, world->components[tag], e);
  if (st == ECS_OK && parent) {
    st = ecs__set_parent(world, e, parent);
  }
  if (st != ECS_OK) {
    ecs__entity_destroy(world, e);
    ecs__fail(world, st, "cannot create a prefab");
    return ECS_ENTITY_NULL;
  }
  ecs__ok(world);
  return e;
}

/* The prefab's tree in preorder (parents first, children in index order). */
typedef struct tree_t {
  ecs_entity_t *src;
  ecs_entity_t *dst;
  uint32_t *parent; /* position of each node's parent; UINT32_MAX for the root */
  uint32_t n;
  uint32_t cap;
} tree_t;

static void tree_free(ecs_world_t *w, tree_t *t) {
  ecs__free(w, t->src, (size_t)t->cap * sizeof *t->src);
  ecs__free(w, t->dst, (size_t)t->cap * sizeof *t->dst);
  ecs__free(w, t->parent, (size_t)t->cap * sizeof *t->parent);
}

static bool tree_push(ecs_world_t *w, tree_t *t, ecs_entity_t e, uint32_t parent) {
  if (t->n == t->cap) {
    uint32_t cap = t->cap ? t->cap * 2 : 8;
    ecs_entity_t *s = ecs__alloc(w, (size_t)cap * sizeof *s);
    ecs_entity_t *d = ecs__alloc(w, (size_t)cap * sizeof *d);
    uint32_t *p = ecs__alloc(w, (size_t)cap * sizeof *p);
    if (!s || !d || !p) {
      ecs__free(w, s, s ? (size_t)cap * sizeof *s : 0);
      ecs__free(w, d, d ? (size_t)cap * sizeof *d : 0);
      ecs__free(w, p, p ? (size_t)cap * sizeof *p : 0);
      return false;
    }
    if (t->n) {
      memcpy(s, t->src, (size_t)t->n * sizeof *s);
      memcpy(d, t->dst, (size_t)t->n * sizeof *d);
      memcpy(p, t->parent, (size_t)t->n * sizeof *p);
    }
    tree_free(w, t);
    t->src = s;
    t->dst = d;
    t->parent = p;
    t->cap = cap;
  }
  t->src[t->n] = e;
  t->dst[t->n] = ECS_ENTITY_NULL;
  t->parent[t->n] = parent;
  t->n++;
  return true;
}

static uint32_t tree_find(const tree_t *t, ecs_entity_t e) {
  for (uint32_t i = 0; i < t->n; ++i) {
    if (t->src[i] == e) {
      return i;
    }
  }
  return UINT32_MAX;
}

/* Copies the value of c on src to dst (through a scratch copy: both may
 * live in one table, which the insert may move). */
static ecs_status_t copy_value(ecs_world_t *w, ecs__component_t *c, ecs__component_t *into, ecs_entity_t src,
                               ecs_entity_t dst, const void *override) {
  if (c->size == 0) {
    return ecs__add(w, into, dst);
  }
  void *tmp = ecs__aligned_alloc(&w->alloc, c->size, c->alignment);
  if (!tmp) {
    return ECS_ERR_NO_MEMORY;
  }
  ecs__value_copy(c, tmp, override ? override : c->vt->get(c->storage, src), 1);
  ecs_status_t st = ecs__set_move(w, into, dst, tmp);
  if (st != ECS_OK && c->hooks.dtor) {
    c->hooks.dtor(tmp, 1, c->hooks.user);
  }
  ecs__aligned_free(&w->alloc, tmp, c->size, c->alignment);
  return st;
}

static const void *override_of(const ecs_override_t *ov, int32_t count, ecs_component_t c, bool *used) {
  for (int32_t k = 0; k < count; ++k) {
    if (ov[k].component == c) {
      used[k] = true;
      return ov[k].value;
    }
  }
  return NULL;
}

/* Copies every component of node i (but the built-ins handled apart). */
static ecs_status_t copy_node(ecs_world_t *w, const tree_t *t, uint32_t i, const ecs_override_t *ov, int32_t count,
                              bool *used) {
  ecs_entity_t src = t->src[i];
  enum { MAX_COMPONENTS = 256 };
  ecs_component_t ids[MAX_COMPONENTS];
  uint32_t n = 0;
  const ecs_component_t *arch;
  uint32_t na = ecs__arch_entity_type(w->arch, src, &arch);
  /* its table's components, then those in other storages, each ascending */
  for (uint32_t k = 0; k < na && n < MAX_COMPONENTS; ++k) {
    ids[n++] = arch[k];
  }
  ecs__others_it_t it = ecs__others_first(w, src);
  const ecs__component_t *other = NULL;
  while (n < MAX_COMPONENTS && (other = ecs__others_next(w, src, &it)) != NULL) {
    ids[n++] = other->id;
  }
  if (n == MAX_COMPONENTS && (ecs__others_next(w, src, &it) != NULL || na > MAX_COMPONENTS)) {
    return ecs__fail(w, ECS_ERR_LIMIT, "ecs_instantiate: a prefab entity with over %d components", MAX_COMPONENTS);
  }
  for (uint32_t k = 0; k < n; ++k) {
    ecs__component_t *c = w->components[ids[k]];
    if (c->managed || c->id == w->prefab_tag) {
      continue;
    }
    ecs__component_t *into = c;
    if (c->relation && c->target) {
      uint32_t at = tree_find(t, c->target);
      if (at != UINT32_MAX) {
        ecs_component_t p = ecs__pair_ensure(w, c->relation, t->dst[at]);
        if (!p) {
          return w->last_status != ECS_OK ? w->last_status : ECS_ERR_NO_MEMORY;
        }
        into = w->components[p];
      }
    }
    const void *value = i == 0 ? override_of(ov, count, c->id, used) : NULL;
    ecs_status_t st = copy_value(w, c, into, src, t->dst[i], value);
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

ecs_status_t ecs__instantiate(ecs_world_t *w, ecs_entity_t prefab, const ecs_override_t *ov, int32_t count,
                              ecs_entity_t *out) {
  if (!is_prefab(w, prefab)) {
    char label[ECS__LABEL_MAX];
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "entity %s is not a prefab",
                     ecs__entity_label(w, prefab, label, sizeof label));
  }
  if (count < 0 || (count > 0 && !ov) || count > 256) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_instantiate: bad override list (%d)", (int)count);
  }
  for (int32_t k = 0; k < count; ++k) {
    const ecs__component_t *c = ecs__component_get(w, ov[k].component);
    if (!c) {
      return ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "override %d: component id %u is not registered", (int)k,
                       ov[k].component);
    }
    if (c->managed || c->builtin_tag || (c->relation && (!c->target || !ecs__entity_alive(w, c->target))) ||
        (c->size > 0 && !ov[k].value)) {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT,
                       "override %d: '%s' is built in, a wildcard, a pair of a dead target, or has no value", (int)k,
                       c->name);
    }
  }
  ecs_status_t st = ecs__hier_ready(w);
  if (st != ECS_OK) {
    return st;
  }
  tree_t t = {0};
  bool ok = tree_push(w, &t, prefab, UINT32_MAX);
  for (uint32_t i = 0; ok && i < t.n; ++i) {
    uint32_t nk = 0;
    const ecs_entity_t *kids = ecs__hier_kids(w, t.src[i], &nk);
    for (uint32_t k = 0; ok && k < nk; ++k) {
      ok = tree_push(w, &t, kids[k], i);
    }
  }
  for (uint32_t i = 0; ok && i < t.n; ++i) {
    ok = (t.dst[i] = ecs__entity_create(w)) != ECS_ENTITY_NULL;
  }
  bool used[256] = {false};
  st = ok ? ECS_OK : ECS_ERR_NO_MEMORY;
  for (uint32_t i = 1; st == ECS_OK && i < t.n; ++i) {
    st = ecs__set_parent(w, t.dst[i], t.dst[t.parent[i]]);
    const char *name = ecs_get_name(w, t.src[i]);
    if (st == ECS_OK && name) {
      char copy[ECS_NAME_MAX];
      memcpy(copy, name, sizeof copy);
      st = ecs__set_name(w, t.dst[i], copy);
    }
  }
  for (uint32_t i = 0; st == ECS_OK && i < t.n; ++i) {
    st = copy_node(w, &t, i, ov, count, used);
  }
  for (int32_t k = 0; st == ECS_OK && k < count; ++k) {
    if (!used[k]) {
      ecs__component_t *c = w->components[ov[k].component];
      st = copy_value(w, c, c, ECS_ENTITY_NULL, t.dst[0], ov[k].value);
    }
  }
  if (st != ECS_OK) {
    for (uint32_t i = t.n; i-- > 0;) {
      if (t.dst[i] && ecs__entity_alive(w, t.dst[i])) {
        ecs__hier_forget(w, t.dst[i], false);
        ecs__entity_destroy(w, t.dst[i]);
      }
    }
    tree_free(w, &t);
    return ecs__fail(w, st, "cannot instantiate prefab %uv%u", ECS_ENTITY_INDEX(prefab), ECS_ENTITY_GENERATION(prefab));
  }
  if (out) {
    *out = t.dst[0];
  }
  tree_free(w, &t);
  return ECS_OK;
}

ecs_status_t ecs_instantiate(ecs_world_t *world, ecs_entity_t prefab, const ecs_override_t *overrides, int32_t count,
                             ecs_entity_t *out) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_instantiate during a tick: use ecs_cmd_instantiate");
  }
  ecs_status_t st = ecs__entity_check(world, prefab);
  if (st == ECS_OK && (st = ecs__instantiate(world, prefab, overrides, count, out)) == ECS_OK) {
    ecs__ok(world);
    st = ecs__observers_flush(world, NULL);
  }
  return st;
}
