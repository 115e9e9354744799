/* Relationships: pairs (relation, target) as component ids registered on
 * demand, the wildcard id of each relation, and what destroying a target
 * does to the pairs that name it (relation.h).
 *
 * A pair is an ordinary component record named "(Rel,<index>v<gen>)" with
 * its relation and target beside it; every storage, query, command and
 * snapshot path handles it as a component. The world indexes pairs by
 * (relation, target) for ecs_pair() and by target for destroys; records are
 * never dropped (ids stay valid for the world's life, and a rollback may
 * bring a dead target back). */
#include "private.h"
#include "storage/archetype.h"

#include <stdio.h>
#include <string.h>

typedef struct pair_key_t {
  ecs_entity_t target;
  ecs_component_t rel;
  uint32_t pad; /* zero: the key is hashed as bytes */
} pair_key_t;

typedef struct pair_entry_t {
  pair_key_t key;
  ecs_component_t id;
  UT_hash_handle hh;
} pair_entry_t;

/* The pairs naming one target, in registration order. */
typedef struct target_entry_t {
  ecs_entity_t target;
  ecs_component_t *pairs;
  uint32_t count;
  uint32_t cap;
  UT_hash_handle hh;
} target_entry_t;

/* A relation's pairs in registration order, its wildcard and policy. */
typedef struct ecs__rel_t {
  ecs_component_t wildcard;
  ecs_target_policy_t policy;
  ecs_component_t *pairs;
  uint32_t count;
  uint32_t cap;
} ecs__rel_t;

typedef struct ecs__rels_t {
  pair_entry_t *by_pair;
  target_entry_t *by_target;
} ecs__rels_t;

static ecs__rels_t *rels_get(ecs_world_t *w) {
  if (!w->rels) {
    w->rels = ecs__calloc(w, sizeof *w->rels);
  }
  return w->rels;
}

void ecs__rels_fini(ecs_world_t *w) {
  const ecs_allocator_t *hash_alloc = &w->alloc;
  for (uint32_t id = 1; id < w->component_count; ++id) {
    ecs__component_t *c = w->components[id];
    if (c->rel) {
      ecs__free(w, c->rel->pairs, (size_t)c->rel->cap * sizeof *c->rel->pairs);
      ecs__free(w, c->rel, sizeof *c->rel);
      c->rel = NULL;
    }
  }
  if (!w->rels) {
    return;
  }
  pair_entry_t *p, *ptmp;
  HASH_ITER(hh, w->rels->by_pair, p, ptmp) {
    HASH_DEL(w->rels->by_pair, p);
    ecs__free(w, p, sizeof *p);
  }
  target_entry_t *t, *ttmp;
  HASH_ITER(hh, w->rels->by_target, t, ttmp) {
    HASH_DEL(w->rels->by_target, t);
    ecs__free(w, t->pairs, (size_t)t->cap * sizeof *t->pairs);
    ecs__free(w, t, sizeof *t);
  }
  ecs__free(w, w->rels, sizeof *w->rels);
  w->rels = NULL;
}

/* The relation record of rel, checked; NULL with the last error set. */
static ecs__component_t *relation_check(ecs_world_t *w, ecs_component_t rel) {
  ecs__component_t *r = ecs__component_get(w, rel);
  if (!r) {
    ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "relation id %u is not registered", rel);
    return NULL;
  }
  if (!(r->flags & ECS_COMPONENT_RELATION) || r->relation != 0) {
    ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "component '%s' is not a relation (register it with ECS_COMPONENT_RELATION)",
              r->name);
    return NULL;
  }
  return r;
}

ecs_component_t ecs__pair_find(const ecs_world_t *w, ecs_component_t rel, ecs_entity_t target) {
  if (!w->rels) {
    return ECS_COMPONENT_NULL;
  }
  pair_key_t key;
  memset(&key, 0, sizeof key);
  key.target = target;
  key.rel = rel;
  pair_entry_t *found = NULL;
  HASH_FIND(hh, w->rels->by_pair, &key, sizeof key, found);
  return found ? found->id : ECS_COMPONENT_NULL;
}

/* Registers a record for a pair or the wildcard (target 0) of r. */
static ecs__component_t *register_record(ecs_world_t *w, ecs__component_t *r, ecs_entity_t target) {
  char name[ECS_ERROR_MAX];
  int n = target ? snprintf(name, sizeof name, "(%s,%uv%u)", r->name, ECS_ENTITY_INDEX(target),
                            ECS_ENTITY_GENERATION(target))
                 : snprintf(name, sizeof name, "(%s,*)", r->name);
  if (n < 0 || (size_t)n >= sizeof name) {
    ecs__fail(w, ECS_ERR_LIMIT, "relation name '%s' too long for a pair", r->name);
    return NULL;
  }
  if (ecs_component_lookup(w, name) != ECS_COMPONENT_NULL) {
    ecs__fail(w, ECS_ERR_DUPLICATE, "component name '%s' is taken by a component that is not this pair", name);
    return NULL;
  }
  uint32_t flags = r->flags & ~(uint32_t)ECS_COMPONENT_RELATION;
  ecs_component_desc_t d = {
      .name = name,
      .size = r->size,
      .alignment = r->alignment,
      .storage = r->kind,
      .hooks = r->hooks,
      /* the wildcard holds nothing: never saved, never required */
      .flags = target ? flags : flags | ECS_COMPONENT_TRANSIENT,
      .serialize = r->serialize,
      .deserialize = r->deserialize,
      .version = r->version,
      .migrate = r->migrate,
  };
  ecs_component_t id = ecs_component_register(w, &d);
  if (id == ECS_COMPONENT_NULL) {
    return NULL;
  }
  ecs__component_t *c = w->components[id];
  c->relation = r->id;
  c->target = target;
  return c;
}

static ecs__rel_t *rel_state(ecs_world_t *w, ecs__component_t *r) {
  if (!r->rel) {
    r->rel = ecs__calloc(w, sizeof *r->rel);
    if (!r->rel) {
      ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot make '%s' a relation", r->name);
    }
  }
  return r->rel;
}

static ecs_component_t wildcard_ensure(ecs_world_t *w, ecs__component_t *r) {
  ecs__rel_t *rs = rel_state(w, r);
  if (!rs) {
    return ECS_COMPONENT_NULL;
  }
  if (rs->wildcard == ECS_COMPONENT_NULL) {
    ecs__component_t *c = register_record(w, r, ECS_ENTITY_NULL);
    if (!c) {
      return ECS_COMPONENT_NULL;
    }
    rs->wildcard = c->id;
  }
  return rs->wildcard;
}

ecs_component_t ecs__pair_ensure(ecs_world_t *w, ecs_component_t rel, ecs_entity_t target) {
  ecs_component_t found = ecs__pair_find(w, rel, target);
  if (found) {
    return found;
  }
  ecs__component_t *r = relation_check(w, rel);
  if (!r) {
    return ECS_COMPONENT_NULL;
  }
  if (w->in_tick) {
    return ECS_COMPONENT_NULL; /* registration is refused during a tick (not recorded) */
  }
  ecs__rels_t *rl = rels_get(w);
  ecs__rel_t *rs = rel_state(w, r);
  if (!rl || !rs || wildcard_ensure(w, r) == ECS_COMPONENT_NULL) {
    ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot register a pair of '%s'", r->name);
    return ECS_COMPONENT_NULL;
  }
  /* every allocation before the registration, which cannot be undone */
  target_entry_t *te = NULL;
  HASH_FIND(hh, rl->by_target, &target, sizeof target, te);
  const ecs_allocator_t *hash_alloc = &w->alloc;
  bool hash_oom = false;
  bool te_new = te == NULL;
  pair_entry_t *pe = ecs__calloc(w, sizeof *pe);
  if (te_new) {
    te = ecs__calloc(w, sizeof *te);
  }
  if (!pe || !te || !ecs__grow(&w->alloc, (void **)&te->pairs, sizeof *te->pairs, &te->cap, (size_t)te->count + 1, 4) ||
      !ecs__grow(&w->alloc, (void **)&rs->pairs, sizeof *rs->pairs, &rs->cap, (size_t)rs->count + 1, 8)) {
    goto oom;
  }
  if (te_new) {
    te->target = target;
    HASH_ADD(hh, rl->by_target, target, sizeof te->target, te);
    if (hash_oom) {
      goto oom;
    }
  }
  pe->key = (pair_key_t){.target = target, .rel = rel, .pad = 0};
  HASH_ADD(hh, rl->by_pair, key, sizeof pe->key, pe);
  if (hash_oom) {
    pe->id = ECS_COMPONENT_NULL;
    if (te_new) {
      HASH_DEL(rl->by_target, te);
    }
    goto oom;
  }
  ecs__component_t *c = register_record(w, r, target);
  if (!c) {
    HASH_DEL(rl->by_pair, pe);
    ecs__free(w, pe, sizeof *pe);
    if (te_new) {
      HASH_DEL(rl->by_target, te);
      ecs__free(w, te->pairs, (size_t)te->cap * sizeof *te->pairs);
      ecs__free(w, te, sizeof *te);
    }
    return ECS_COMPONENT_NULL;
  }
  pe->id = c->id;
  te->pairs[te->count++] = c->id;
  rs->pairs[rs->count++] = c->id;
  ecs__ok(w);
  return c->id;
oom:
  ecs__free(w, pe, pe ? sizeof *pe : 0);
  if (te_new && te) {
    ecs__free(w, te->pairs, (size_t)te->cap * sizeof *te->pairs);
    ecs__free(w, te, sizeof *te);
  }
  ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot register a pair of '%s'", r->name);
  return ECS_COMPONENT_NULL;
}

ecs_component_t ecs_pair(ecs_world_t *world, ecs_component_t relation, ecs_entity_t target) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  ecs_component_t found = ecs__pair_find(world, relation, target);
  if (found && ecs__entity_alive(world, target)) {
    return found; /* the lookup path: no write to the world, also in a tick */
  }
  if (world->in_tick) {
    return ECS_COMPONENT_NULL;
  }
  if (!relation_check(world, relation)) {
    return ECS_COMPONENT_NULL;
  }
  if (ECS_ENTITY_IS_PROVISIONAL(target)) {
    ecs__fail(world, ECS_ERR_STALE_ENTITY,
              "pair target %uv%u is a provisional handle: record the pair with ecs_cmd_add_pair()",
              ECS_ENTITY_INDEX(target), ECS_ENTITY_GENERATION(target) & 0x7fffffffu);
    return ECS_COMPONENT_NULL;
  }
  if (ecs__entity_check(world, target) != ECS_OK) {
    return ECS_COMPONENT_NULL;
  }
  return ecs__pair_ensure(world, relation, target);
}

ecs_component_t ecs_pair_wildcard(ecs_world_t *world, ecs_component_t relation) {
  if (!world) {
    return ECS_COMPONENT_NULL;
  }
  ecs__component_t *r = ecs__component_get(world, relation);
  if (r && r->rel && r->rel->wildcard) {
    return r->rel->wildcard;
  }
  if (world->in_tick || !(r = relation_check(world, relation))) {
    return ECS_COMPONENT_NULL;
  }
  ecs_component_t id = wildcard_ensure(world, r);
  if (id) {
    ecs__ok(world);
  }
  return id;
}

bool ecs_component_is_pair(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r && r->relation != 0 && r->target != 0;
}

ecs_component_t ecs_pair_relation(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->relation : ECS_COMPONENT_NULL;
}

ecs_entity_t ecs_pair_target(const ecs_world_t *world, ecs_component_t c) {
  const ecs__component_t *r = world ? ecs__component_get(world, c) : NULL;
  return r ? r->target : ECS_ENTITY_NULL;
}

ecs_entity_t ecs_target(const ecs_world_t *world, ecs_entity_t e, ecs_component_t relation, int32_t index) {
  if (!world || index < 0 || !ecs__entity_alive(world, e)) {
    return ECS_ENTITY_NULL;
  }
  const ecs__component_t *r = ecs__component_get(world, relation);
  if (!r || !r->rel) {
    return ECS_ENTITY_NULL;
  }
  if (r->kind == ECS_STORAGE_ARCHETYPE) {
    /* the entity's own (sorted) type: ids ascend in registration order */
    const ecs_component_t *ids;
    uint32_t n = ecs__arch_entity_type(world->arch, e, &ids);
    for (uint32_t k = 0; k < n; ++k) {
      const ecs__component_t *p = world->components[ids[k]];
      if (p->relation == relation && p->target != 0 && index-- == 0) {
        return p->target;
      }
    }
    return ECS_ENTITY_NULL;
  }
  for (uint32_t k = 0; k < r->rel->count; ++k) {
    const ecs__component_t *p = world->components[r->rel->pairs[k]];
    if (p->vt->get(p->storage, e) != NULL && index-- == 0) {
      return p->target;
    }
  }
  return ECS_ENTITY_NULL;
}

ecs_status_t ecs_relation_set_policy(ecs_world_t *world, ecs_component_t relation, ecs_target_policy_t policy) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_relation_set_policy during a tick");
  }
  if ((unsigned)policy > (unsigned)ECS_TARGET_REFUSE) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "unknown target policy %d", (int)policy);
  }
  ecs__component_t *r = relation_check(world, relation);
  if (!r) {
    return world->last_status;
  }
  ecs__rel_t *rs = rel_state(world, r);
  if (!rs) {
    return ECS_ERR_NO_MEMORY;
  }
  rs->policy = policy;
  ecs__ok(world);
  return ECS_OK;
}

ecs_status_t ecs__pair_from_name(ecs_world_t *w, const char *name, size_t len) {
  /* "(Rel,<index>v<gen>)" */
  if (len < 6 || name[0] != '(' || name[len - 1] != ')') {
    return ECS_OK;
  }
  size_t comma = len - 1;
  while (comma > 1 && name[comma] != ',') {
    --comma;
  }
  if (comma <= 1) {
    return ECS_OK;
  }
  uint64_t idx = 0;
  uint64_t gen = 0;
  size_t i = comma + 1;
  size_t digits = 0;
  for (; i < len - 1 && name[i] >= '0' && name[i] <= '9' && idx <= UINT32_MAX; ++i, ++digits) {
    idx = idx * 10u + (uint64_t)(name[i] - '0');
  }
  if (digits == 0 || i >= len - 1 || name[i] != 'v' || idx == 0 || idx > UINT32_MAX) {
    return ECS_OK;
  }
  digits = 0;
  for (++i; i < len - 1 && name[i] >= '0' && name[i] <= '9' && gen <= ECS__GENERATION_MAX; ++i, ++digits) {
    gen = gen * 10u + (uint64_t)(name[i] - '0');
  }
  if (digits == 0 || i != len - 1 || gen >= ECS__GENERATION_MAX) {
    return ECS_OK;
  }
  char rel_name[ECS_ERROR_MAX];
  size_t rl = comma - 1;
  if (rl >= sizeof rel_name) {
    return ECS_OK;
  }
  memcpy(rel_name, name + 1, rl);
  rel_name[rl] = '\0';
  ecs_component_t rel = ecs_component_lookup(w, rel_name);
  const ecs__component_t *r = ecs__component_get(w, rel);
  if (!r || !(r->flags & ECS_COMPONENT_RELATION) || r->relation != 0) {
    return ECS_OK; /* the schema check names it as unknown */
  }
  ecs_entity_t target = ECS_ENTITY_MAKE((uint32_t)idx, (uint32_t)gen);
  if (ecs__pair_find(w, rel, target)) {
    return ECS_OK;
  }
  return ecs__pair_ensure(w, rel, target) ? ECS_OK : w->last_status;
}

/* ---- destroy under the target policies ---------------------------------- */

/* An open-addressing set of entity handles (never 0). */
typedef struct eset_t {
  ecs_entity_t *slots;
  size_t cap; /* a power of two */
  size_t count;
} eset_t;

static size_t eset_hash(ecs_entity_t e) {
  uint64_t x = e * UINT64_C(0x9e3779b97f4a7c15);
  return (size_t)(x ^ (x >> 32));
}

static bool eset_grow(ecs_world_t *w, eset_t *s) {
  size_t cap = s->cap ? s->cap * 2 : 64;
  ecs_entity_t *slots = ecs__calloc(w, cap * sizeof *slots);
  if (!slots) {
    return false;
  }
  for (size_t i = 0; i < s->cap; ++i) {
    if (s->slots[i]) {
      size_t h = eset_hash(s->slots[i]) & (cap - 1);
      while (slots[h]) {
        h = (h + 1) & (cap - 1);
      }
      slots[h] = s->slots[i];
    }
  }
  ecs__free(w, s->slots, s->cap * sizeof *s->slots);
  s->slots = slots;
  s->cap = cap;
  return true;
}

static bool eset_has(const eset_t *s, ecs_entity_t e) {
  if (!s->cap) {
    return false;
  }
  for (size_t h = eset_hash(e) & (s->cap - 1); s->slots[h]; h = (h + 1) & (s->cap - 1)) {
    if (s->slots[h] == e) {
      return true;
    }
  }
  return false;
}

/* Adds e; false when out of memory. *added tells whether it was new. */
static bool eset_add(ecs_world_t *w, eset_t *s, ecs_entity_t e, bool *added) {
  *added = false;
  if (eset_has(s, e)) {
    return true;
  }
  if ((s->count + 1) * 2 > s->cap && !eset_grow(w, s)) {
    return false;
  }
  size_t h = eset_hash(e) & (s->cap - 1);
  while (s->slots[h]) {
    h = (h + 1) & (s->cap - 1);
  }
  s->slots[h] = e;
  s->count++;
  *added = true;
  return true;
}

/* A pending change: holder h loses pair p, or refuses. */
typedef struct hold_t {
  ecs_entity_t holder;
  ecs_component_t pair;
} hold_t;

typedef struct plan_t {
  ecs_entity_t *doomed; /* in discovery order; [0] is the entity destroyed */
  uint32_t doomed_count;
  uint32_t doomed_cap;
  hold_t *holds; /* REMOVE and REFUSE pairs, in discovery order */
  uint32_t hold_count;
  uint32_t hold_cap;
  eset_t set;
} plan_t;

static void plan_free(ecs_world_t *w, plan_t *p) {
  ecs__free(w, p->doomed, (size_t)p->doomed_cap * sizeof *p->doomed);
  ecs__free(w, p->holds, (size_t)p->hold_cap * sizeof *p->holds);
  ecs__free(w, p->set.slots, p->set.cap * sizeof *p->set.slots);
}

static bool plan_doom(ecs_world_t *w, plan_t *p, ecs_entity_t e) {
  bool added;
  if (!eset_add(w, &p->set, e, &added)) {
    return false;
  }
  if (!added) {
    return true;
  }
  if (!ecs__grow(&w->alloc, (void **)&p->doomed, sizeof *p->doomed, &p->doomed_cap, (size_t)p->doomed_count + 1, 16)) {
    return false;
  }
  p->doomed[p->doomed_count++] = e;
  return true;
}

/* Walks what names each doomed entity: the pairs with it as target,
 * holder by holder in storage order, then its children (ascending slot
 * order): the cascade, and the pairs to remove or refusing (a hold with
 * pair 0 is a child under a REMOVE or REFUSE hierarchy policy). */
static bool plan_build(ecs_world_t *w, plan_t *p) {
  for (uint32_t i = 0; i < p->doomed_count; ++i) {
    ecs_entity_t x = p->doomed[i];
    target_entry_t *te = NULL;
    if (w->rels) {
      HASH_FIND(hh, w->rels->by_target, &x, sizeof x, te);
    }
    for (uint32_t k = 0; te && k < te->count; ++k) {
      ecs__component_t *c = w->components[te->pairs[k]];
      const ecs__rel_t *rs = w->components[c->relation]->rel;
      size_t cursor = 0;
      ecs_storage_chunk_t ch;
      while (c->vt->chunk(c->storage, &cursor, &ch)) {
        for (size_t r = 0; r < ch.count; ++r) {
          ecs_entity_t h = ch.entities[r];
          if (rs->policy == ECS_TARGET_DELETE) {
            if (!plan_doom(w, p, h)) {
              return false;
            }
            continue;
          }
          if (!ecs__grow(&w->alloc, (void **)&p->holds, sizeof *p->holds, &p->hold_cap, (size_t)p->hold_count + 1,
                         16)) {
            return false;
          }
          p->holds[p->hold_count++] = (hold_t){h, c->id};
        }
      }
    }
    uint32_t nk = 0;
    const ecs_entity_t *kids = ecs__hier_kids(w, x, &nk);
    bool cascade = ecs__hier_policy(w) == ECS_TARGET_DELETE;
    for (uint32_t k = 0; k < nk; ++k) {
      if (cascade) {
        if (!plan_doom(w, p, kids[k])) {
          return false;
        }
        continue;
      }
      if (!ecs__grow(&w->alloc, (void **)&p->holds, sizeof *p->holds, &p->hold_cap, (size_t)p->hold_count + 1, 16)) {
        return false;
      }
      p->holds[p->hold_count++] = (hold_t){kids[k], ECS_COMPONENT_NULL};
    }
  }
  return true;
}

/* The refusal of the first REFUSE hold whose holder survives, if any. */
static ecs_status_t plan_refused(ecs_world_t *w, const plan_t *p) {
  for (uint32_t k = 0; k < p->hold_count; ++k) {
    const hold_t *h = &p->holds[k];
    if (eset_has(&p->set, h->holder)) {
      continue;
    }
    if (h->pair == ECS_COMPONENT_NULL) {
      if (ecs__hier_policy(w) != ECS_TARGET_REFUSE) {
        continue;
      }
      ecs_entity_t parent = ecs_parent(w, h->holder);
      char a[ECS__LABEL_MAX], b[ECS__LABEL_MAX];
      return ecs__fail(w, ECS_ERR_CONFLICT,
                       "cannot destroy entity %s: it has children (%s first) and the hierarchy refuses the destroy "
                       "of parents",
                       ecs__entity_label(w, parent, a, sizeof a), ecs__entity_label(w, h->holder, b, sizeof b));
    }
    const ecs__component_t *c = w->components[h->pair];
    const ecs__component_t *r = w->components[c->relation];
    if (r->rel->policy == ECS_TARGET_REFUSE) {
      char a[ECS__LABEL_MAX], b[ECS__LABEL_MAX];
      return ecs__fail(w, ECS_ERR_CONFLICT,
                       "cannot destroy entity %s: entity %s holds pair '%s' and relation '%s' refuses the destroy of "
                       "its targets",
                       ecs__entity_label(w, c->target, a, sizeof a), ecs__entity_label(w, h->holder, b, sizeof b),
                       c->name, r->name);
    }
  }
  return ECS_OK;
}

ecs_status_t ecs__destroy_linked(ecs_world_t *w, ecs_entity_t e) {
  ecs_status_t st = ecs__hier_ready(w);
  if (st != ECS_OK) {
    return st;
  }
  target_entry_t *te = NULL;
  if (w->rels) {
    HASH_FIND(hh, w->rels->by_target, &e, sizeof e, te);
  }
  uint32_t nk = 0;
  (void)ecs__hier_kids(w, e, &nk);
  if (!te && nk == 0) {
    ecs__hier_forget(w, e, false);
    ecs__entity_destroy(w, e);
    return ECS_OK;
  }
  plan_t p = {0};
  if (!plan_doom(w, &p, e) || !plan_build(w, &p)) {
    plan_free(w, &p);
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot plan the destroy of entity %uv%u", ECS_ENTITY_INDEX(e),
                     ECS_ENTITY_GENERATION(e));
  }
  /* refusals first: nothing has changed yet */
  if ((st = plan_refused(w, &p)) != ECS_OK) {
    plan_free(w, &p);
    return st;
  }
  /* the tables the holders of removed ARCHETYPE pairs move to, made and
   * reserved now: the removals below then need no memory */
  for (uint32_t k = 0; k < p.hold_count; ++k) {
    const hold_t *h = &p.holds[k];
    ecs__component_t *c = h->pair ? w->components[h->pair] : NULL;
    if (c && c->kind == ECS_STORAGE_ARCHETYPE && (k == 0 || p.holds[k - 1].pair != h->pair) &&
        !ecs__arch_prepare_leave(c->storage)) {
      plan_free(w, &p);
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot destroy entity %uv%u: no memory to remove its pairs",
                       ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
    }
  }
  ecs_status_t first = ECS_OK;
  for (uint32_t k = 0; k < p.hold_count; ++k) {
    const hold_t *h = &p.holds[k];
    if (eset_has(&p.set, h->holder) || !ecs__entity_alive(w, h->holder)) {
      continue;
    }
    if (h->pair == ECS_COMPONENT_NULL) {
      ecs__hier_orphan(w, h->holder);
      continue;
    }
    st = ecs__remove(w, w->components[h->pair], h->holder);
    first = first == ECS_OK ? st : first;
  }
  /* holders before their targets: the cascade's last found goes first */
  for (uint32_t k = p.doomed_count; k-- > 0;) {
    ecs_entity_t x = p.doomed[k];
    if (ecs__entity_alive(w, x)) {
      ecs_entity_t parent = ecs_parent(w, x);
      ecs__hier_forget(w, x, parent != ECS_ENTITY_NULL && eset_has(&p.set, parent));
      ecs__entity_destroy(w, x);
    }
  }
  plan_free(w, &p);
  return first;
}

uint32_t ecs__rel_pair_count(const ecs__component_t *r) {
  return r->rel ? r->rel->count : 0;
}

ecs_component_t ecs__rel_pair_at(const ecs__component_t *r, uint32_t k) {
  return r->rel->pairs[k];
}
