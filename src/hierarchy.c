/* The built-in hierarchy and entity names (hierarchy.h).
 *
 * A child's parent is the value of "ecs.Parent" ({parent, depth}), so the
 * children of every parent share the tables of their other components; the
 * world indexes each parent's children (ascending slot order) and each
 * (parent, name) pair. The values are the state (saved, checksummed); the
 * indices are derived from them, and rebuilt from the values on first use
 * after a snapshot load. */
#include "private.h"

#include <stdio.h>
#include <string.h>

typedef struct kids_t {
  ecs_entity_t parent;
  ecs_entity_t *v; /* ascending slot index */
  uint32_t n;
  uint32_t cap;
  UT_hash_handle hh;
} kids_t;

typedef struct name_key_t {
  ecs_entity_t parent; /* 0: the roots */
  char name[ECS_NAME_MAX];
} name_key_t;

typedef struct name_entry_t {
  name_key_t key;
  ecs_entity_t e;
  UT_hash_handle hh;
} name_entry_t;

typedef struct ecs_name_value_t {
  char str[ECS_NAME_MAX];
} ecs_name_value_t;

struct ecs__hier_t {
  ecs_component_t parent_c;
  ecs_component_t name_c;
  ecs_target_policy_t policy;
  kids_t *kids;
  name_entry_t *names;
  bool dirty; /* the indices do not reflect the values (a snapshot load) */
};

static void index_clear(ecs_world_t *w, ecs__hier_t *h) {
  const ecs_allocator_t *hash_alloc = &w->alloc;
  kids_t *k, *kt;
  HASH_ITER(hh, h->kids, k, kt) {
    HASH_DEL(h->kids, k);
    ecs__free(w, k->v, (size_t)k->cap * sizeof *k->v);
    ecs__free(w, k, sizeof *k);
  }
  name_entry_t *n, *nt;
  HASH_ITER(hh, h->names, n, nt) {
    HASH_DEL(h->names, n);
    ecs__free(w, n, sizeof *n);
  }
}

void ecs__hier_fini(ecs_world_t *w) {
  if (w->hier) {
    index_clear(w, w->hier);
    ecs__free(w, w->hier, sizeof *w->hier);
    w->hier = NULL;
  }
}

void ecs__hier_loaded(ecs_world_t *w) {
  if (w->hier) {
    w->hier->dirty = true;
  }
}

static ecs_component_t builtin(ecs_world_t *w, const char *name, size_t size, size_t align) {
  ecs_component_desc_t d = {.name = name, .size = size, .alignment = align};
  ecs_component_t id = ecs_component_register(w, &d);
  if (id) {
    w->components[id]->managed = true;
  }
  return id;
}

/* The hierarchy state with both built-in components; NULL with the last
 * error set (registration is refused during a tick, not recorded). */
ecs__hier_t *ecs__hier_get(ecs_world_t *w) {
  if (w->hier) {
    return w->hier;
  }
  if (w->in_tick) {
    return NULL;
  }
  ecs__hier_t *h = ecs__calloc(w, sizeof *h);
  if (!h) {
    ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot set up the hierarchy");
    return NULL;
  }
  h->policy = ECS_TARGET_DELETE;
  h->parent_c = builtin(w, "ecs.Parent", sizeof(ecs_parent_t), ECS_ALIGNOF(ecs_parent_t));
  h->name_c = h->parent_c ? builtin(w, "ecs.Name", sizeof(ecs_name_value_t), 1) : ECS_COMPONENT_NULL;
  if (!h->name_c) {
    ecs__free(w, h, sizeof *h);
    return NULL; /* the registration's error; a component registered stays (harmless) */
  }
  w->hier = h;
  return h;
}

static const ecs_parent_t *parent_value(const ecs_world_t *w, ecs_entity_t e) {
  const ecs__component_t *c = w->components[w->hier->parent_c];
  return c->vt->get(c->storage, e);
}

static const char *name_value(const ecs_world_t *w, ecs_entity_t e) {
  const ecs__component_t *c = w->components[w->hier->name_c];
  const ecs_name_value_t *v = c->vt->get(c->storage, e);
  return v ? v->str : NULL;
}

/* Copies a name of at most ECS_NAME_MAX - 1 bytes (checked by callers)
 * into a zeroed field; the rest of the field stays zero. */
static void name_copy(char *dst, const char *name) {
  size_t len = 0;
  while (len < ECS_NAME_MAX - 1 && name[len] != '\0') {
    ++len;
  }
  memcpy(dst, name, len);
  dst[len] = '\0';
}

static kids_t *kids_find(const ecs__hier_t *h, ecs_entity_t parent) {
  kids_t *k = NULL;
  HASH_FIND(hh, h->kids, &parent, sizeof parent, k);
  return k;
}

static name_entry_t *name_find(const ecs__hier_t *h, ecs_entity_t parent, const char *name) {
  name_key_t key;
  memset(&key, 0, sizeof key);
  key.parent = parent;
  name_copy(key.name, name);
  name_entry_t *n = NULL;
  HASH_FIND(hh, h->names, &key, sizeof key, n);
  return n;
}

/* Room for one more child of parent (its entry made when new). */
static kids_t *kids_reserve(ecs_world_t *w, ecs__hier_t *h, ecs_entity_t parent) {
  kids_t *k = kids_find(h, parent);
  if (!k) {
    k = ecs__calloc(w, sizeof *k);
    if (!k) {
      return NULL;
    }
    k->parent = parent;
    const ecs_allocator_t *hash_alloc = &w->alloc;
    bool hash_oom = false;
    HASH_ADD(hh, h->kids, parent, sizeof k->parent, k);
    if (hash_oom) {
      ecs__free(w, k, sizeof *k);
      return NULL;
    }
  }
  if (!ecs__grow(&w->alloc, (void **)&k->v, sizeof *k->v, &k->cap, (size_t)k->n + 1, 4)) {
    return NULL;
  }
  return k;
}

static void kids_insert(kids_t *k, ecs_entity_t e) {
  uint32_t at = k->n;
  while (at > 0 && ECS_ENTITY_INDEX(k->v[at - 1]) > ECS_ENTITY_INDEX(e)) {
    --at;
  }
  memmove(k->v + at + 1, k->v + at, (size_t)(k->n - at) * sizeof *k->v);
  k->v[at] = e;
  k->n++;
}

static void kids_erase(ecs_world_t *w, ecs__hier_t *h, ecs_entity_t parent, ecs_entity_t e) {
  kids_t *k = kids_find(h, parent);
  if (!k) {
    return;
  }
  for (uint32_t i = 0; i < k->n; ++i) {
    if (k->v[i] == e) {
      memmove(k->v + i, k->v + i + 1, (size_t)(k->n - i - 1) * sizeof *k->v);
      k->n--;
      break;
    }
  }
  if (k->n == 0) {
    const ecs_allocator_t *hash_alloc = &w->alloc;
    HASH_DEL(h->kids, k);
    ecs__free(w, k->v, (size_t)k->cap * sizeof *k->v);
    ecs__free(w, k, sizeof *k);
  }
}

static name_entry_t *name_new(ecs_world_t *w, ecs_entity_t parent, const char *name, ecs_entity_t e) {
  name_entry_t *n = ecs__calloc(w, sizeof *n);
  if (!n) {
    return NULL;
  }
  n->key.parent = parent;
  name_copy(n->key.name, name);
  n->e = e;
  return n;
}

static bool name_add(ecs_world_t *w, ecs__hier_t *h, name_entry_t *n) {
  const ecs_allocator_t *hash_alloc = &w->alloc;
  bool hash_oom = false;
  HASH_ADD(hh, h->names, key, sizeof n->key, n);
  if (hash_oom) {
    ecs__free(w, n, sizeof *n);
    return false;
  }
  return true;
}

static void name_drop(ecs_world_t *w, ecs__hier_t *h, ecs_entity_t parent, const char *name) {
  name_entry_t *n = name_find(h, parent, name);
  if (n) {
    const ecs_allocator_t *hash_alloc = &w->alloc;
    HASH_DEL(h->names, n);
    ecs__free(w, n, sizeof *n);
  }
}

/* Rebuilds both indices from the values (after a snapshot load). */
ecs_status_t ecs__hier_ready(ecs_world_t *w) {
  ecs__hier_t *h = w->hier;
  if (!h || !h->dirty) {
    return ECS_OK;
  }
  index_clear(w, h);
  ecs__component_t *pc = w->components[h->parent_c];
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (pc->vt->chunk(pc->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      const ecs_parent_t *v = pc->vt->get(pc->storage, ch.entities[i]);
      kids_t *k = kids_reserve(w, h, v->parent);
      if (!k) {
        index_clear(w, h);
        return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot rebuild the hierarchy index");
      }
      kids_insert(k, ch.entities[i]);
    }
  }
  ecs__component_t *nc = w->components[h->name_c];
  cursor = 0;
  while (nc->vt->chunk(nc->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      ecs_entity_t e = ch.entities[i];
      const ecs_parent_t *p = parent_value(w, e);
      name_entry_t *n = name_new(w, p ? p->parent : ECS_ENTITY_NULL, name_value(w, e), e);
      if (!n || !name_add(w, h, n)) {
        index_clear(w, h);
        return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot rebuild the name index");
      }
    }
  }
  h->dirty = false;
  return ECS_OK;
}

ecs_component_t ecs_parent_component(ecs_world_t *world) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  ecs__hier_t *h = ecs__hier_get(world);
  return h ? h->parent_c : ECS_COMPONENT_NULL;
}

ecs_entity_t ecs_parent(const ecs_world_t *world, ecs_entity_t e) {
  if (!world || !world->hier || !ecs__entity_alive(world, e)) {
    return ECS_ENTITY_NULL;
  }
  const ecs_parent_t *p = parent_value(world, e);
  return p ? p->parent : ECS_ENTITY_NULL;
}

int32_t ecs_depth(const ecs_world_t *world, ecs_entity_t e) {
  if (!world || !ecs__entity_alive(world, e)) {
    return -1;
  }
  const ecs_parent_t *p = world->hier ? parent_value(world, e) : NULL;
  return p ? p->depth : 0;
}

int32_t ecs__depth_of(const ecs_world_t *w, ecs_entity_t e) {
  const ecs_parent_t *p = w->hier ? parent_value(w, e) : NULL;
  return p ? p->depth : 0;
}

size_t ecs_children(ecs_world_t *world, ecs_entity_t parent, ecs_entity_t *out, size_t cap) {
  if (!world || !world->hier || !ecs__entity_alive(world, parent) || ecs__hier_ready(world) != ECS_OK) {
    return 0;
  }
  const kids_t *k = kids_find(world->hier, parent);
  if (!k) {
    return 0;
  }
  for (size_t i = 0; out && i < cap && i < k->n; ++i) {
    out[i] = k->v[i];
  }
  return k->n;
}

const ecs_entity_t *ecs__hier_kids(const ecs_world_t *w, ecs_entity_t parent, uint32_t *n) {
  const kids_t *k = w->hier ? kids_find(w->hier, parent) : NULL;
  *n = k ? k->n : 0;
  return k ? k->v : NULL;
}

ecs_target_policy_t ecs__hier_policy(const ecs_world_t *w) {
  return w->hier ? w->hier->policy : ECS_TARGET_DELETE;
}

ecs_status_t ecs_hierarchy_set_policy(ecs_world_t *world, ecs_target_policy_t policy) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_hierarchy_set_policy during a tick");
  }
  if ((unsigned)policy > (unsigned)ECS_TARGET_REFUSE) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "unknown hierarchy policy %d", (int)policy);
  }
  ecs__hier_t *h = ecs__hier_get(world);
  if (!h) {
    return world->last_status;
  }
  h->policy = policy;
  ecs__ok(world);
  return ECS_OK;
}

/* Sets the depth of every descendant of e (whose own depth is d). */
static void fix_depths(ecs_world_t *w, ecs_entity_t e, int32_t d) {
  const kids_t *k = kids_find(w->hier, e);
  const ecs__component_t *pc = w->components[w->hier->parent_c];
  for (uint32_t i = 0; k && i < k->n; ++i) {
    ecs_parent_t *v = pc->vt->get(pc->storage, k->v[i]);
    v->depth = d + 1;
    fix_depths(w, k->v[i], d + 1);
  }
}

const char *ecs__entity_label(const ecs_world_t *w, ecs_entity_t e, char *buf, size_t cap) {
  const char *n = w->hier && ecs__entity_alive(w, e) ? name_value(w, e) : NULL;
  if (n) {
    snprintf(buf, cap, "'%s' (%uv%u)", n, ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
  } else {
    snprintf(buf, cap, "%uv%u", ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
  }
  return buf;
}

static void describe(const ecs_world_t *w, ecs_entity_t e, char *buf, size_t cap) {
  (void)ecs__entity_label(w, e, buf, cap);
}

ecs_status_t ecs__set_parent(ecs_world_t *w, ecs_entity_t child, ecs_entity_t parent) {
  ecs__hier_t *h = ecs__hier_get(w);
  if (!h) {
    return w->last_status != ECS_OK ? w->last_status : ECS_ERR_BUSY;
  }
  ecs_status_t st = ecs__hier_ready(w);
  if (st != ECS_OK) {
    return st;
  }
  const ecs_parent_t *cur = parent_value(w, child);
  ecs_entity_t old = cur ? cur->parent : ECS_ENTITY_NULL;
  if (old == parent) {
    return ECS_OK;
  }
  /* a cycle: parent is child or below it */
  for (ecs_entity_t up = parent; up != ECS_ENTITY_NULL;) {
    if (up == child) {
      char a[ECS_NAME_MAX + 32], b[ECS_NAME_MAX + 32];
      describe(w, child, a, sizeof a);
      describe(w, parent, b, sizeof b);
      return ecs__fail(w, ECS_ERR_CYCLE, "entity %s cannot be a child of %s: %s is %s or one of its descendants", a, b,
                       b, a);
    }
    const ecs_parent_t *p = parent_value(w, up);
    up = p ? p->parent : ECS_ENTITY_NULL;
  }
  char nm[ECS_NAME_MAX] = ""; /* a copy: the value may move with the row */
  const char *name = name_value(w, child);
  if (name) {
    memcpy(nm, name, sizeof nm);
    name = nm;
  }
  name_entry_t *moved = NULL;
  if (name) {
    if (name_find(h, parent, name)) {
      char b[ECS_NAME_MAX + 32];
      describe(w, parent, b, sizeof b);
      return ecs__fail(w, ECS_ERR_DUPLICATE, "entity %uv%u: its name '%s' is taken among the children of %s",
                       ECS_ENTITY_INDEX(child), ECS_ENTITY_GENERATION(child), name, parent ? b : "the roots");
    }
    if (!(moved = name_new(w, parent, name, child))) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot move a name");
    }
  }
  kids_t *k = parent ? kids_reserve(w, h, parent) : NULL;
  if (parent && !k) {
    ecs__free(w, moved, sizeof *moved);
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot index the children of %uv%u", ECS_ENTITY_INDEX(parent),
                     ECS_ENTITY_GENERATION(parent));
  }
  ecs__component_t *pc = w->components[h->parent_c];
  if (parent) {
    const ecs_parent_t *pp = parent_value(w, parent);
    ecs_parent_t v = {.parent = parent, .depth = (pp ? pp->depth : 0) + 1, .reserved = 0};
    st = ecs__set_move(w, pc, child, &v);
  } else {
    st = ecs__remove(w, pc, child);
  }
  if (st != ECS_OK) {
    ecs__free(w, moved, sizeof *moved);
    return ecs__fail(w, st, "cannot set the parent of %uv%u", ECS_ENTITY_INDEX(child), ECS_ENTITY_GENERATION(child));
  }
  if (old) {
    kids_erase(w, h, old, child);
  }
  if (k) {
    kids_insert(k, child);
  }
  if (name) {
    name_drop(w, h, old, name);
    if (!name_add(w, h, moved)) {
      h->dirty = true; /* the next use rebuilds it from the values */
    }
  }
  fix_depths(w, child, parent ? parent_value(w, child)->depth : 0);
  return ECS_OK;
}

ecs_status_t ecs_set_parent(ecs_world_t *world, ecs_entity_t child, ecs_entity_t parent) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_set_parent during a tick: use ecs_cmd_set_parent");
  }
  ecs_status_t st = ecs__entity_check(world, child);
  if (st == ECS_OK && parent != ECS_ENTITY_NULL) {
    st = ecs__entity_check(world, parent);
  }
  if (st == ECS_OK && (st = ecs__set_parent(world, child, parent)) == ECS_OK) {
    ecs__ok(world);
    st = ecs__observers_flush(world, NULL);
  }
  return st;
}

/* Before e is destroyed: off its parent's list (unless the parent goes
 * too), its name out of the index, its own list dropped. */
void ecs__hier_forget(ecs_world_t *w, ecs_entity_t e, bool parent_going) {
  ecs__hier_t *h = w->hier;
  if (!h) {
    return;
  }
  const ecs_parent_t *p = parent_value(w, e);
  ecs_entity_t parent = p ? p->parent : ECS_ENTITY_NULL;
  const char *name = name_value(w, e);
  if (name) {
    name_drop(w, h, parent, name);
  }
  if (parent && !parent_going) { /* a parent going drops its whole list */
    kids_erase(w, h, parent, e);
  }
  kids_t *k = kids_find(h, e);
  if (k) {
    const ecs_allocator_t *hash_alloc = &w->alloc;
    HASH_DEL(h->kids, k);
    ecs__free(w, k->v, (size_t)k->cap * sizeof *k->v);
    ecs__free(w, k, sizeof *k);
  }
}

/* A child whose parent goes under ECS_TARGET_REMOVE becomes a root; a name
 * already taken among the roots is dropped (logged). */
void ecs__hier_orphan(ecs_world_t *w, ecs_entity_t child) {
  ecs__hier_t *h = w->hier;
  const ecs_parent_t *p = parent_value(w, child);
  if (!p) {
    return;
  }
  ecs_entity_t parent = p->parent;
  const char *name = name_value(w, child);
  if (name) {
    name_drop(w, h, parent, name);
    name_entry_t *n = name_find(h, ECS_ENTITY_NULL, name) ? NULL : name_new(w, ECS_ENTITY_NULL, name, child);
    if (!n || !name_add(w, h, n)) {
      ecs__log(w, ECS_LOG_WARN, "entity %uv%u lost its name '%s' as its parent was destroyed (taken among the roots)",
               ECS_ENTITY_INDEX(child), ECS_ENTITY_GENERATION(child), name);
      (void)ecs__remove(w, w->components[h->name_c], child);
    }
  }
  kids_erase(w, h, parent, child);
  (void)ecs__remove(w, w->components[h->parent_c], child);
  fix_depths(w, child, 0);
}

/* ---- names ---------------------------------------------------------------- */

ecs_status_t ecs__set_name(ecs_world_t *w, ecs_entity_t e, const char *name) {
  if (name) {
    size_t len = 0;
    while (len < ECS_NAME_MAX && name[len] != '\0') {
      ++len;
    }
    if (len == 0 || len >= ECS_NAME_MAX || memchr(name, '/', len)) {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT,
                       "entity name must be 1 to %d bytes without '/' (entity %uv%u, name \"%.*s\")", ECS_NAME_MAX - 1,
                       ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e), (int)(len < 80 ? len : 80), name);
    }
  }
  ecs__hier_t *h = ecs__hier_get(w);
  if (!h) {
    return w->last_status != ECS_OK ? w->last_status : ECS_ERR_BUSY;
  }
  ecs_status_t st = ecs__hier_ready(w);
  if (st != ECS_OK) {
    return st;
  }
  const ecs_parent_t *p = parent_value(w, e);
  ecs_entity_t parent = p ? p->parent : ECS_ENTITY_NULL;
  const char *old = name_value(w, e);
  ecs__component_t *nc = w->components[h->name_c];
  if (!name) {
    if (old) {
      name_drop(w, h, parent, old);
      return ecs__remove(w, nc, e);
    }
    return ECS_OK;
  }
  if (old && strcmp(old, name) == 0) {
    return ECS_OK;
  }
  if (name_find(h, parent, name)) {
    return ecs__fail(w, ECS_ERR_DUPLICATE, "entity %uv%u: the name '%s' is taken among its siblings",
                     ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e), name);
  }
  name_entry_t *n = name_new(w, parent, name, e);
  if (!n) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot name entity %uv%u", ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
  }
  ecs_name_value_t v;
  memset(&v, 0, sizeof v);
  name_copy(v.str, name);
  char prev[ECS_NAME_MAX] = "";
  if (old) {
    memcpy(prev, old, sizeof prev);
  }
  st = ecs__set_move(w, nc, e, &v);
  if (st != ECS_OK || !name_add(w, h, n)) {
    if (st == ECS_OK) {
      h->dirty = true; /* the value is set; the index follows on next use */
      return ECS_OK;
    }
    ecs__free(w, n, sizeof *n);
    return ecs__fail(w, st, "cannot name entity %uv%u", ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
  }
  if (prev[0]) {
    name_drop(w, h, parent, prev);
  }
  return ECS_OK;
}

ecs_status_t ecs_set_name(ecs_world_t *world, ecs_entity_t e, const char *name) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_set_name during a tick");
  }
  ecs_status_t st = ecs__entity_check(world, e);
  if (st == ECS_OK && (st = ecs__set_name(world, e, name)) == ECS_OK) {
    ecs__ok(world);
    st = ecs__observers_flush(world, NULL);
  }
  return st;
}

const char *ecs_get_name(const ecs_world_t *world, ecs_entity_t e) {
  if (!world || !world->hier || !ecs__entity_alive(world, e)) {
    return NULL;
  }
  return name_value(world, e);
}

ecs_entity_t ecs_lookup_path(ecs_world_t *world, ecs_entity_t scope, const char *path) {
  if (!world || !path || !world->hier || ecs__hier_ready(world) != ECS_OK) {
    return ECS_ENTITY_NULL;
  }
  if (scope != ECS_ENTITY_NULL && !ecs__entity_alive(world, scope)) {
    return ECS_ENTITY_NULL;
  }
  ecs_entity_t at = scope;
  const char *s = path;
  for (;;) {
    const char *slash = strchr(s, '/');
    size_t len = slash ? (size_t)(slash - s) : strlen(s);
    if (len == 0 || len >= ECS_NAME_MAX) {
      return ECS_ENTITY_NULL;
    }
    char part[ECS_NAME_MAX];
    memcpy(part, s, len);
    part[len] = '\0';
    const name_entry_t *n = name_find(world->hier, at, part);
    if (!n) {
      return ECS_ENTITY_NULL;
    }
    at = n->e;
    if (!slash) {
      return at;
    }
    s = slash + 1;
  }
}

size_t ecs_entity_path(const ecs_world_t *world, ecs_entity_t e, char *buf, size_t cap) {
  if (!world || !ecs__entity_alive(world, e)) {
    return 0;
  }
  /* the chain from e up, then written root first */
  ecs_entity_t chain[256];
  size_t n = 0;
  for (ecs_entity_t at = e; at != ECS_ENTITY_NULL && n < 256; at = ecs_parent(world, at)) {
    chain[n++] = at;
  }
  size_t len = 0;
  for (size_t i = n; i-- > 0;) {
    const char *name = ecs_get_name(world, chain[i]);
    char part[ECS_NAME_MAX + 24];
    int k = name ? snprintf(part, sizeof part, "%s%s", len ? "/" : "", name)
                 : snprintf(part, sizeof part, "%s#%uv%u", len ? "/" : "", ECS_ENTITY_INDEX(chain[i]),
                            ECS_ENTITY_GENERATION(chain[i]));
    if (k < 0) {
      return 0;
    }
    if (buf && len < cap) {
      size_t room = cap - len;
      memcpy(buf + len, part, (size_t)k < room ? (size_t)k : room);
    }
    len += (size_t)k;
  }
  if (buf && cap > 0) {
    buf[len < cap ? len : cap - 1] = '\0';
  }
  return len;
}
