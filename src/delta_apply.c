/* Delta snapshots, receiving side: a delta is read and checked whole
 * against the world (header, checksums, baseline checksum, schema, every
 * registry entry, entity and value) before anything changes; then it is
 * applied through the world's own operations. A change that can need
 * memory is guarded by a snapshot taken first, loaded back on failure.
 * The network id map is delta_netmap.c. */
#include "delta_internal.h"

/* ---- parse ------------------------------------------------------------------ */

typedef struct dcol_t {
  ecs__component_t *c;
  bool serialized;
} dcol_t;

typedef struct dent_t {
  uint64_t id;
  uint8_t op;
  uint16_t set_n;
  const uint8_t *set; /* set_n u16 schema indices */
  uint16_t val_n;
  const uint8_t *vals; /* val_n (u16 index, value) */
  ecs_entity_t local;  /* the entity it changes (peer: 0 until created) */
} dent_t;

typedef struct dapply_t {
  ecs_world_t *w;
  ecs_netmap_t *map;
  uint32_t kind;
  dcol_t *cols;
  uint32_t col_n;
  size_t cols_bytes;
  /* mirror registry */
  uint32_t rec_count, free_head, reg_n;
  const uint8_t *reg;
  dent_t *ents;
  uint32_t ent_n;
  size_t ents_bytes;
  bool guard; /* a change may need memory */
  void *scratch;
  size_t scratch_size, scratch_align;
  uint32_t res_n;
  const uint8_t *res; /* res_n (u16 index, value) */
  ecs_delta_info_t info;
} dapply_t;

static ecs_status_t corrupt(ecs_world_t *w, const char *what) {
  return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "delta is corrupt: %s", what);
}

static ecs_status_t parse_schema(dapply_t *a, ecs__cur_t *c, uint8_t order) {
  ecs_world_t *w = a->w;
  uint32_t n = ecs__cur32(c);
  if (c->bad || n > ecs__cur_left(c) / 18 || n > UINT16_MAX) {
    return corrupt(w, "schema count");
  }
  a->cols_bytes = (size_t)(n ? n : 1) * sizeof *a->cols;
  a->cols = ecs__calloc(w, a->cols_bytes);
  if (!a->cols) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: no memory for the schema");
  }
  a->col_n = n;
  size_t max_size = 1;
  size_t max_align = 1;
  for (uint32_t i = 0; i < n; ++i) {
    uint16_t len = ecs__cur16(c);
    const uint8_t *name = ecs__cur_take(c, len);
    uint32_t size = ecs__cur32(c);
    uint32_t align = ecs__cur32(c);
    uint32_t version = ecs__cur32(c);
    uint32_t flags = ecs__cur32(c);
    if (c->bad || len == 0 || memchr(name, 0, len) || (flags & ~ECS__DELTA_SERIALIZED)) {
      return corrupt(w, "schema entry");
    }
    ecs__component_t *wc = NULL;
    HASH_FIND(hh, w->components_by_name, name, len, wc);
    if (!wc || (wc->flags & ECS_COMPONENT_TRANSIENT)) {
      return ecs__fail(w, ECS_ERR_SNAPSHOT_SCHEMA,
                       "delta: component '%.*s' is not registered in the world (or transient)", (int)len,
                       (const char *)name);
    }
    bool ser = (flags & ECS__DELTA_SERIALIZED) != 0;
    if (wc->size != size || wc->alignment != align || wc->version != version || ser != (wc->serialize != NULL) ||
        (!ser && size > 0 && order != ecs__snap_host_order())) {
      return ecs__fail(w, ECS_ERR_SNAPSHOT_SCHEMA,
                       "delta: component '%s' differs (size, alignment, schema version, hooks or byte order)",
                       wc->name);
    }
    for (uint32_t k = 0; k < i; ++k) {
      if (a->cols[k].c == wc) {
        return corrupt(w, "a component twice in the schema");
      }
    }
    a->cols[i] = (dcol_t){wc, ser};
    max_size = wc->size > max_size ? wc->size : max_size;
    max_align = wc->alignment > max_align ? wc->alignment : max_align;
  }
  a->scratch_size = max_size;
  a->scratch_align = max_align;
  a->scratch = ecs__aligned_alloc(&w->alloc, max_size, max_align);
  return a->scratch ? ECS_OK : ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: no memory for a value");
}

/* Entry k of d's component set. */
static uint16_t set_at(const dent_t *d, uint32_t k) {
  return ecs__le16(d->set + (size_t)k * 2);
}

/* The registry entry of slot in the delta, or NULL. Entries ascend. */
static const uint8_t *reg_find(const dapply_t *a, uint32_t slot) {
  uint32_t lo = 0;
  uint32_t hi = a->reg_n;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    uint32_t s = ecs__le32(a->reg + (size_t)mid * 12);
    if (s == slot) {
      return a->reg + (size_t)mid * 12;
    }
    if (s < slot) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return NULL;
}

/* Mirror: is e alive after the delta? */
static bool mirror_alive_after(const dapply_t *a, ecs_entity_t e) {
  uint32_t slot = ECS_ENTITY_INDEX(e);
  if (slot == 0 || slot >= a->rec_count) {
    return false;
  }
  const uint8_t *r = reg_find(a, slot);
  if (r) {
    return ecs__le32(r + 4) == (ECS_ENTITY_GENERATION(e) | ECS__SNAP_ALIVE_BIT);
  }
  return ecs__entity_alive(a->w, e);
}

static ecs_status_t parse_registry(dapply_t *a, ecs__cur_t *c) {
  ecs_world_t *w = a->w;
  a->rec_count = ecs__cur32(c);
  a->free_head = ecs__cur32(c);
  a->reg_n = ecs__cur32(c);
  if (c->bad || a->rec_count < w->record_count || a->free_head >= a->rec_count || a->reg_n > ecs__cur_left(c) / 12 ||
      a->reg_n > a->rec_count) {
    return corrupt(w, "registry header");
  }
  a->reg = ecs__cur_take(c, (size_t)a->reg_n * 12);
  uint32_t prev = 0;
  uint32_t fresh = 0;
  for (uint32_t i = 0; i < a->reg_n; ++i) {
    const uint8_t *r = a->reg + (size_t)i * 12;
    uint32_t slot = ecs__le32(r);
    uint32_t gen = ecs__le32(r + 4) & ~ECS__SNAP_ALIVE_BIT;
    bool alive = (ecs__le32(r + 4) & ECS__SNAP_ALIVE_BIT) != 0;
    uint32_t next = ecs__le32(r + 8);
    if (slot <= prev || slot >= a->rec_count || gen > ECS__GENERATION_MAX || next >= a->rec_count ||
        (alive && (next != 0 || gen == ECS__GENERATION_MAX)) || (!alive && gen == ECS__GENERATION_MAX && next != 0)) {
      return corrupt(w, "registry entry");
    }
    fresh += slot >= w->record_count;
    prev = slot;
    a->guard = true;
  }
  if (fresh != a->rec_count - w->record_count) {
    return corrupt(w, "new registry slots missing");
  }
  /* the free list after the delta: dead slots only, no cycle */
  size_t bits = ((size_t)a->rec_count + 63) / 64 * sizeof(uint64_t);
  uint64_t *seen = ecs__calloc(w, bits);
  if (!seen) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: no memory to check the free list");
  }
  /* ... and every dead slot that is not retired on it */
  size_t dead = 0;
  for (uint32_t s = 1; s < w->record_count; ++s) {
    dead += !w->records[s].alive && w->records[s].generation < ECS__GENERATION_MAX;
  }
  for (uint32_t i = 0; i < a->reg_n; ++i) {
    const uint8_t *r = a->reg + (size_t)i * 12;
    uint32_t slot = ecs__le32(r);
    uint32_t word = ecs__le32(r + 4);
    if (slot < w->record_count) {
      dead -= !w->records[slot].alive && w->records[slot].generation < ECS__GENERATION_MAX;
    }
    dead += !(word & ECS__SNAP_ALIVE_BIT) && (word & ~ECS__SNAP_ALIVE_BIT) < ECS__GENERATION_MAX;
  }
  size_t listed = 0;
  ecs_status_t st = ECS_OK;
  for (uint32_t s = a->free_head; s != 0; ++listed) {
    const uint8_t *r = reg_find(a, s);
    bool alive;
    uint32_t gen;
    uint32_t next;
    if (r) {
      alive = (ecs__le32(r + 4) & ECS__SNAP_ALIVE_BIT) != 0;
      gen = ecs__le32(r + 4) & ~ECS__SNAP_ALIVE_BIT;
      next = ecs__le32(r + 8);
    } else {
      alive = w->records[s].alive;
      gen = w->records[s].generation;
      next = w->records[s].next_free;
    }
    if (alive || gen >= ECS__GENERATION_MAX || (seen[s / 64] >> (s % 64) & 1u)) {
      st = corrupt(w, "free list");
      break;
    }
    seen[s / 64] |= (uint64_t)1 << (s % 64);
    s = next;
  }
  ecs__free(w, seen, bits);
  if (st == ECS_OK && listed != dead) {
    st = corrupt(w, "a free slot missing from the free list");
  }
  return st;
}

/* Checks an entity entry's component set and values; notes whether it
 * can need memory. */
static ecs_status_t parse_entity(dapply_t *a, ecs__cur_t *c, dent_t *d) {
  ecs_world_t *w = a->w;
  if (d->op == ECS__DELTA_OP_SHAPE) {
    d->set_n = ecs__cur16(c);
    d->set = ecs__cur_take(c, (size_t)d->set_n * 2);
    for (uint32_t k = 0; !c->bad && k < d->set_n; ++k) {
      uint16_t i = set_at(d, k);
      if (i >= a->col_n || (k > 0 && i <= set_at(d, k - 1))) {
        return corrupt(w, "component set");
      }
    }
    a->guard = true;
  }
  d->val_n = ecs__cur16(c);
  d->vals = c->p + c->pos;
  uint32_t prev = 0;
  uint32_t in_set = 0;
  for (uint32_t k = 0; !c->bad && k < d->val_n; ++k) {
    uint16_t i = ecs__cur16(c);
    if (c->bad || i >= a->col_n || (k > 0 && i <= prev)) {
      return corrupt(w, "value index");
    }
    prev = i;
    if (d->op == ECS__DELTA_OP_SHAPE) {
      while (in_set < d->set_n && set_at(d, in_set) < i) {
        in_set++;
      }
      if (in_set == d->set_n || set_at(d, in_set) != i) {
        return corrupt(w, "a value outside the entity's component set");
      }
    }
    const dcol_t *col = &a->cols[i];
    if (col->serialized) {
      uint32_t len = ecs__cur32(c);
      (void)ecs__cur_take(c, len);
      a->guard = true;
    } else {
      (void)ecs__cur_take(c, col->c->size);
      if (!a->guard && (!d->local || !col->c->vt->get(col->c->storage, d->local))) {
        a->guard = true; /* an add */
      }
    }
  }
  return c->bad ? corrupt(w, "truncated entity") : ECS_OK;
}

static ecs_status_t parse_entities(dapply_t *a, ecs__cur_t *c) {
  ecs_world_t *w = a->w;
  uint32_t n = ecs__cur32(c);
  if (c->bad || n > ecs__cur_left(c) / 11) {
    return corrupt(w, "entity count");
  }
  a->ents_bytes = (size_t)(n ? n : 1) * sizeof *a->ents;
  a->ents = ecs__calloc(w, a->ents_bytes);
  if (!a->ents) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: no memory for %u entities", n);
  }
  a->ent_n = n;
  size_t creates = 0;
  for (uint32_t k = 0; k < n; ++k) {
    dent_t *d = &a->ents[k];
    d->id = ecs__cur64(c);
    const uint8_t *op = ecs__cur_take(c, 1);
    d->op = op ? *op : 0;
    if (c->bad || d->op > ECS__DELTA_OP_DESTROY || ECS_ENTITY_INDEX(d->id) == 0 ||
        ECS_ENTITY_GENERATION(d->id) >= ECS__GENERATION_MAX) {
      return corrupt(w, "entity entry");
    }
    if (k > 0) { /* by slot; a peer's slot may hold a destroy, then a new entity */
      const dent_t *p = &a->ents[k - 1];
      uint32_t ps = ECS_ENTITY_INDEX(p->id);
      uint32_t s = ECS_ENTITY_INDEX(d->id);
      bool ok = ps < s || (a->kind == ECS__DELTA_PEER && ps == s && p->op == ECS__DELTA_OP_DESTROY &&
                           d->op != ECS__DELTA_OP_DESTROY && p->id != d->id);
      if (!ok) {
        return corrupt(w, "entity entries out of order");
      }
    }
    if (a->kind == ECS__DELTA_MIRROR) {
      if (d->op == ECS__DELTA_OP_DESTROY || !mirror_alive_after(a, d->id)) {
        return corrupt(w, "an entity entry for an entity not alive after the delta");
      }
      d->local = ecs__entity_alive(w, d->id) ? d->id : ECS_ENTITY_NULL;
    } else {
      d->local = ecs_netmap_local(a->map, d->id);
      if (d->local && !ecs__entity_alive(w, d->local)) {
        return ecs__fail(w, ECS_ERR_DELTA_BASELINE, "delta: network id %llu maps to a dead entity",
                         (unsigned long long)d->id);
      }
      if (!d->local && d->op != ECS__DELTA_OP_SHAPE) {
        return ecs__fail(w, ECS_ERR_DELTA_BASELINE, "delta: network id %llu is unknown here",
                         (unsigned long long)d->id);
      }
      if (d->op == ECS__DELTA_OP_DESTROY) {
        a->guard = true;
        a->info.destroyed++;
        continue;
      }
      creates += !d->local;
    }
    ecs_status_t st = parse_entity(a, c, d);
    if (st != ECS_OK) {
      return st;
    }
  }
  a->info.created = (uint32_t)creates;
  if (a->map && !ecs__netmap_reserve(a->map, creates, (uint32_t)(w->record_count + creates + 1))) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: no memory for the network id map");
  }
  return ECS_OK;
}

static ecs_status_t parse_resources(dapply_t *a, ecs__cur_t *c) {
  uint32_t n = ecs__cur32(c);
  if (c->bad || n > a->col_n) {
    return corrupt(a->w, "resource count");
  }
  a->res_n = n;
  a->res = c->p + c->pos;
  uint32_t prev = 0;
  for (uint32_t k = 0; k < n && !c->bad; ++k) {
    uint16_t i = ecs__cur16(c);
    if (c->bad || i >= a->col_n || (k > 0 && i <= prev)) {
      return corrupt(a->w, "resource index");
    }
    prev = i;
    const dcol_t *col = &a->cols[i];
    if (col->c->size == 0) {
      return corrupt(a->w, "a resource of a tag");
    }
    if (col->serialized) {
      uint32_t len = ecs__cur32(c);
      (void)ecs__cur_take(c, len);
      a->guard = true;
    } else {
      (void)ecs__cur_take(c, col->c->size);
    }
    a->guard |= col->c->resource == NULL; /* allocates */
  }
  return c->bad ? corrupt(a->w, "truncated resources") : ECS_OK;
}

/* ---- apply ------------------------------------------------------------------ */

static ecs_status_t apply_values(dapply_t *a, const dent_t *d, ecs_entity_t e) {
  ecs_world_t *w = a->w;
  ecs__cur_t c = {.p = d->vals, .n = SIZE_MAX}; /* bounds checked by the parse */
  for (uint32_t k = 0; k < d->val_n; ++k) {
    const dcol_t *col = &a->cols[ecs__cur16(&c)];
    ecs__component_t *cc = col->c;
    ecs_status_t st;
    if (cc->size == 0) {
      st = ecs__add(w, cc, e);
    } else {
      if (col->serialized) {
        uint32_t len = ecs__cur32(&c);
        st = cc->deserialize(a->scratch, ecs__cur_take(&c, len), len, cc->hooks.user);
        if (st != ECS_OK) {
          return ecs__fail(w, st, "delta: deserialize hook of '%s' failed: %s", cc->name, ecs_strerror(st));
        }
      } else {
        memcpy(a->scratch, ecs__cur_take(&c, cc->size), cc->size);
      }
      st = ecs__set_move(w, cc, e, a->scratch);
      if (st != ECS_OK && col->serialized && cc->hooks.dtor) {
        cc->hooks.dtor(a->scratch, 1, cc->hooks.user);
      }
    }
    if (st != ECS_OK) {
      return ecs__fail(w, st, "delta: cannot store '%s': %s", cc->name, ecs_strerror(st));
    }
    a->info.values++;
  }
  return ECS_OK;
}

/* Removes e's saved components outside d's set. */
static ecs_status_t apply_shape(dapply_t *a, const dent_t *d, ecs_entity_t e) {
  uint32_t in = 0;
  for (uint32_t i = 0; i < a->col_n; ++i) {
    while (in < d->set_n && set_at(d, in) < i) {
      in++;
    }
    bool keep = in < d->set_n && set_at(d, in) == i;
    ecs__component_t *c = a->cols[i].c;
    if (!keep && c->vt->get(c->storage, e)) {
      ecs_status_t st = ecs__remove(a->w, c, e);
      if (st != ECS_OK) {
        return ecs__fail(a->w, st, "delta: cannot remove '%s': %s", c->name, ecs_strerror(st));
      }
    }
  }
  a->info.reshaped++;
  return ECS_OK;
}

static ecs_status_t apply_mirror(dapply_t *a) {
  ecs_world_t *w = a->w;
  uint32_t old_count = w->record_count;
  /* entities that die or whose slot is taken by a new one */
  for (uint32_t i = 0; i < a->reg_n; ++i) {
    const uint8_t *r = a->reg + (size_t)i * 12;
    uint32_t slot = ecs__le32(r);
    uint32_t word = ecs__le32(r + 4);
    if (slot < old_count && w->records[slot].alive && word != (w->records[slot].generation | ECS__SNAP_ALIVE_BIT)) {
      ecs__entity_destroy(w, ECS_ENTITY_MAKE(slot, w->records[slot].generation));
      a->info.destroyed++;
    }
  }
  if (!ecs__grow(&w->alloc, (void **)&w->records, sizeof *w->records, &w->record_cap, a->rec_count, 16)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: cannot grow the entity registry");
  }
  for (uint32_t i = 0; i < a->reg_n; ++i) {
    const uint8_t *r = a->reg + (size_t)i * 12;
    uint32_t slot = ecs__le32(r);
    uint32_t word = ecs__le32(r + 4);
    bool was = slot < old_count && w->records[slot].alive;
    bool alive = (word & ECS__SNAP_ALIVE_BIT) != 0;
    /* a live slot's link heads its list of non-ARCHETYPE components: kept
     * for an entity that lives on, empty for a new one */
    uint32_t link = alive ? (was ? w->records[slot].others : 0u) : ecs__le32(r + 8);
    w->records[slot] =
        (ecs__entity_record_t){.generation = word & ~ECS__SNAP_ALIVE_BIT, .alive = alive, .next_free = link};
    if (alive && !was) {
      w->alive_count++;
      a->info.created++;
    }
    ecs__delta_struct(w, slot);
  }
  w->record_count = a->rec_count;
  w->free_head = a->free_head;
  for (uint32_t k = 0; k < a->ent_n; ++k) {
    const dent_t *d = &a->ents[k];
    ecs_status_t st = d->op == ECS__DELTA_OP_SHAPE ? apply_shape(a, d, d->id) : ECS_OK;
    if (st == ECS_OK) {
      st = apply_values(a, d, d->id);
    }
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

/* locals: per entry, the entity created for it (peer) */
static ecs_status_t apply_peer(dapply_t *a, ecs_entity_t *locals) {
  ecs_world_t *w = a->w;
  for (uint32_t k = 0; k < a->ent_n; ++k) {
    dent_t *d = &a->ents[k];
    if (d->op == ECS__DELTA_OP_DESTROY) {
      ecs__entity_destroy(w, d->local);
      continue;
    }
    ecs_entity_t e = d->local;
    if (!e) {
      e = locals[k] = ecs__entity_create(w);
      if (!e) {
        return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: cannot create an entity");
      }
    }
    ecs_status_t st = d->op == ECS__DELTA_OP_SHAPE ? apply_shape(a, d, e) : ECS_OK;
    if (st == ECS_OK) {
      st = apply_values(a, d, e);
    }
    if (st != ECS_OK) {
      return st;
    }
  }
  return ECS_OK;
}

/* The resources the delta lists take its values; the others go. */
static ecs_status_t apply_resources(dapply_t *a) {
  ecs_world_t *w = a->w;
  ecs__cur_t c = {.p = a->res, .n = SIZE_MAX}; /* bounds checked by the parse */
  uint32_t k = 0;
  uint32_t next = a->res_n ? ecs__le16(a->res) : UINT32_MAX;
  for (uint32_t i = 0; i < a->col_n; ++i) {
    ecs__component_t *cc = a->cols[i].c;
    if (i != next) {
      if (cc->resource) {
        (void)ecs_resource_remove(w, cc->id);
      }
      continue;
    }
    (void)ecs__cur16(&c);
    ecs_status_t st = ECS_OK;
    if (a->cols[i].serialized) {
      uint32_t len = ecs__cur32(&c);
      st = cc->deserialize(a->scratch, ecs__cur_take(&c, len), len, cc->hooks.user);
    } else {
      memcpy(a->scratch, ecs__cur_take(&c, cc->size), cc->size);
    }
    /* the value built in scratch moves into the resource */
    if (st == ECS_OK) {
      bool fresh = cc->resource == NULL;
      if (fresh && !(cc->resource = ecs__aligned_alloc(&w->alloc, cc->size, cc->alignment))) {
        st = ECS_ERR_NO_MEMORY;
        if (a->cols[i].serialized && cc->hooks.dtor) {
          cc->hooks.dtor(a->scratch, 1, cc->hooks.user);
        }
      } else {
        if (!fresh && cc->hooks.dtor) {
          cc->hooks.dtor(cc->resource, 1, cc->hooks.user);
        }
        ecs__value_move(cc, cc->resource, a->scratch);
      }
    }
    if (st != ECS_OK) {
      return ecs__fail(w, st, "delta: cannot set resource '%s': %s", cc->name, ecs_strerror(st));
    }
    next = ++k < a->res_n ? ecs__le16(a->res + (c.pos)) : UINT32_MAX;
  }
  return ECS_OK;
}

static ecs_status_t apply(dapply_t *a) {
  ecs_world_t *w = a->w;
  ecs_membuf_t guard = {.allocator = &w->alloc};
  ecs_entity_t *locals = NULL;
  size_t locals_bytes = (size_t)(a->ent_n ? a->ent_n : 1) * sizeof *locals;
  if (a->kind == ECS__DELTA_PEER && !(locals = ecs__calloc(w, locals_bytes))) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "delta: no memory for new entities");
  }
  ecs_status_t st = ECS_OK;
  if (a->guard) {
    ecs_writer_t gw = ecs_membuf_writer(&guard);
    st = ecs_snapshot_save(w, &gw);
  }
  if (st == ECS_OK) {
    st = a->kind == ECS__DELTA_MIRROR ? apply_mirror(a) : apply_peer(a, locals);
    if (st == ECS_OK) {
      st = apply_resources(a);
    }
    if (st != ECS_OK) {
      char why[ECS_ERROR_MAX];
      memcpy(why, w->last_error, sizeof why);
      ecs_memsrc_t src = {.data = guard.data, .size = guard.size};
      ecs_reader_t gr = ecs_memreader(&src);
      ecs_status_t back = ecs_snapshot_load(w, &gr);
      (void)ecs__fail(w, st, "%s%s", why, back == ECS_OK ? "" : " (and the world could not be restored)");
    } else if (a->map) {
      for (uint32_t k = 0; k < a->ent_n; ++k) {
        if (a->ents[k].op == ECS__DELTA_OP_DESTROY) {
          ecs__netmap_erase(a->map, a->ents[k].id);
        } else if (locals[k]) {
          ecs__netmap_insert(a->map, a->ents[k].id, locals[k]);
        }
      }
    }
  }
  ecs_membuf_free(&guard);
  ecs__free(w, locals, locals_bytes);
  return st;
}

ecs_status_t ecs_delta_apply(ecs_world_t *world, const ecs_reader_t *in, ecs_netmap_t *map, ecs_delta_info_t *info) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!in || !in->read) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_delta_apply: reader is NULL or has no read function");
  }
  if (map && ecs__netmap_world(map) != world) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_delta_apply: the map belongs to another world");
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_delta_apply during a tick");
  }
  ecs__snap_blob_t blob = {0};
  dapply_t a = {.w = world, .map = map};
  ecs_status_t st = ecs__snap_read_as(world, in, &blob, &ecs__delta_format);
  ecs__cur_t c = {.p = blob.payload, .n = blob.payload_len};
  if (st == ECS_OK) {
    a.kind = ecs__cur32(&c);
    a.info.baseline_tick = ecs__cur64(&c);
    a.info.tick = ecs__cur64(&c);
    uint64_t base_sum = ecs__cur64(&c);
    if (c.bad || (a.kind != ECS__DELTA_MIRROR && a.kind != ECS__DELTA_PEER)) {
      st = corrupt(world, "delta header");
    } else if ((a.kind == ECS__DELTA_PEER) != (map != NULL)) {
      st = ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_delta_apply: a %s delta needs %s",
                     a.kind == ECS__DELTA_PEER ? "peer" : "mirror", map ? "no network id map" : "a network id map");
    } else if (ecs_world_checksum(world) != base_sum) {
      st = ecs__fail(world, ECS_ERR_DELTA_BASELINE,
                     "ecs_delta_apply: the world is not at the delta's baseline (tick %llu): checksum %016llx, "
                     "expected %016llx",
                     (unsigned long long)a.info.baseline_tick, (unsigned long long)ecs_world_checksum(world),
                     (unsigned long long)base_sum);
    }
  }
  if (st == ECS_OK) {
    st = parse_schema(&a, &c, blob.order);
  }
  if (st == ECS_OK && a.kind == ECS__DELTA_MIRROR) {
    st = parse_registry(&a, &c);
  }
  if (st == ECS_OK) {
    st = parse_entities(&a, &c);
  }
  if (st == ECS_OK) {
    st = parse_resources(&a, &c);
  }
  if (st == ECS_OK && ecs__cur_left(&c) != 0) {
    st = corrupt(world, "bytes after the last entity");
  }
  if (st == ECS_OK) {
    st = apply(&a);
  }
  ecs__aligned_free(&world->alloc, a.scratch, a.scratch_size, a.scratch_align);
  ecs__free(world, a.cols, a.cols_bytes);
  ecs__free(world, a.ents, a.ents_bytes);
  ecs__snap_blob_free(world, &blob);
  if (st != ECS_OK) {
    return st;
  }
  ecs__ok(world);
  if (info) {
    *info = a.info;
  }
  ecs_status_t obs = ecs__observers_flush(world, NULL);
  return obs == ECS_OK ? ECS_OK : ecs__fail(world, obs, "observers: %s", ecs_strerror(obs));
}
