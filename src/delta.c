/* Delta snapshots, sending side: what changed is recorded as it happens
 * (value writes in each component's change ticks and a per-64-slot
 * summary of them, structural changes per slot here), and a save walks
 * only the blocks with a change after the baseline. Peers remember what
 * they were sent per tick. The receiving side is delta_apply.c; the bytes
 * are in docs/snapshot-format.md ("Delta snapshots"). */
#include "delta_internal.h"

#include <stdlib.h>

#define BLOCK ((uint32_t)1u << ECS__DELTA_BLOCK_SHIFT)
#define PEER_HISTORY_MAX 256u /* unacknowledged deltas a peer remembers */

const ecs__snap_format_t ecs__delta_format = {ECS__DELTA_MAGIC, ECS_DELTA_FORMAT_VERSION, ECS_DELTA_FORMAT_VERSION,
                                              "delta"};

/* ---- recording ----------------------------------------------------------- */

static uint32_t blocks_for(uint32_t slots) {
  return (uint32_t)(((uint64_t)slots + BLOCK - 1) >> ECS__DELTA_BLOCK_SHIFT);
}

/* Grows the structural record to cover slot. */
static bool struct_grow(ecs_world_t *w, ecs__delta_track_t *d, uint32_t slot) {
  uint64_t want = (uint64_t)slot + 1;
  uint32_t cap = d->cap ? d->cap : 1024u;
  while (cap < want) {
    if (cap > UINT32_MAX / 2) {
      cap = (uint32_t)(UINT32_MAX & ~(BLOCK - 1));
      break;
    }
    cap *= 2;
  }
  if (cap < want) {
    return false;
  }
  uint32_t nb = blocks_for(cap);
  uint32_t ob = blocks_for(d->cap);
  uint64_t *at = ecs__calloc(w, (size_t)cap * sizeof *at);
  uint64_t *blk = at ? ecs__calloc(w, (size_t)nb * sizeof *blk) : NULL;
  if (!blk) {
    ecs__free(w, at, (size_t)cap * sizeof *at);
    return false;
  }
  if (d->cap) {
    memcpy(at, d->struct_at, (size_t)d->cap * sizeof *at);
    memcpy(blk, d->struct_blk, (size_t)ob * sizeof *blk);
  }
  ecs__free(w, d->struct_at, (size_t)d->cap * sizeof *at);
  ecs__free(w, d->struct_blk, (size_t)ob * sizeof *blk);
  d->struct_at = at;
  d->struct_blk = blk;
  d->cap = cap;
  return true;
}

void ecs__delta_struct_slow(ecs_world_t *w, uint32_t slot) {
  ecs__delta_track_t *d = w->delta;
  uint64_t tick = ecs__change_tick(w);
  if (slot >= d->cap && !struct_grow(w, d, slot)) {
    d->floor = tick; /* not recorded: no earlier baseline can be diffed */
    return;
  }
  d->struct_at[slot] = tick;
  d->struct_blk[slot >> ECS__DELTA_BLOCK_SHIFT] = tick;
}

void ecs__delta_reset(ecs_world_t *w) {
  if (w->delta) {
    w->delta->floor = ecs__change_tick(w); /* the tick of the load: before every later baseline */
  }
}

void ecs__delta_fini(ecs_world_t *w) {
  ecs__delta_track_t *d = w->delta;
  if (!d) {
    return;
  }
  ecs__free(w, d->struct_at, (size_t)d->cap * sizeof *d->struct_at);
  ecs__free(w, d->struct_blk, (size_t)blocks_for(d->cap) * sizeof *d->struct_blk);
  ecs__free(w, d, sizeof *d);
  w->delta = NULL;
}

bool ecs__delta_blk_grow(ecs_world_t *w, ecs__component_t *c, uint32_t slots) {
  uint32_t nb = blocks_for(slots);
  if (nb <= c->blk_cap) {
    return true;
  }
  _Atomic uint64_t *blk = ecs__alloc(w, (size_t)nb * sizeof *blk);
  if (!blk) {
    return false;
  }
  for (uint32_t b = 0; b < nb; ++b) {
    atomic_init(&blk[b], b < c->blk_cap ? atomic_load_explicit(&c->changed_blk[b], memory_order_relaxed) : 0u);
  }
  ecs__free(w, (void *)c->changed_blk, (size_t)c->blk_cap * sizeof *blk);
  c->changed_blk = blk;
  c->blk_cap = nb;
  return true;
}

/* Change tracking and its block summary for c (a saved component). */
static ecs_status_t track_component(ecs_world_t *w, ecs__component_t *c) {
  ecs_status_t st = ecs__track_enable(w, c);
  if (st != ECS_OK || c->changed_blk) {
    return st;
  }
  uint32_t nb = blocks_for(c->track_cap);
  _Atomic uint64_t *blk = ecs__alloc(w, (size_t)(nb ? nb : 1u) * sizeof *blk);
  if (!blk) {
    return ECS_ERR_NO_MEMORY;
  }
  for (uint32_t b = 0; b < nb; ++b) {
    uint64_t m = 0;
    for (uint32_t s = b * BLOCK; s < c->track_cap && s < (b + 1) * BLOCK; ++s) {
      m = c->changed_at[s] > m ? c->changed_at[s] : m;
    }
    atomic_init(&blk[b], m);
  }
  c->changed_blk = blk;
  c->blk_cap = nb ? nb : 1u;
  if (!nb) {
    atomic_init(&blk[0], 0u);
  }
  return ECS_OK;
}

static bool saved(const ecs__component_t *c) {
  return !(c->flags & ECS_COMPONENT_TRANSIENT);
}

/* Tracks every saved component (also those registered since enable). */
static ecs_status_t track_all(ecs_world_t *w) {
  for (uint32_t id = 1; id < w->component_count; ++id) {
    ecs__component_t *c = w->components[id];
    if (saved(c) && (!c->changed_at || !c->changed_blk)) {
      ecs_status_t st = track_component(w, c);
      if (st != ECS_OK) {
        return ecs__fail(w, st, "cannot track changes of component '%s'", c->name);
      }
    }
  }
  return ECS_OK;
}

ecs_status_t ecs_delta_enable(ecs_world_t *world) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_delta_enable during a tick");
  }
  if (world->delta) {
    ecs__ok(world);
    return ECS_OK;
  }
  ecs__delta_track_t *d = ecs__calloc(world, sizeof *d);
  if (!d || !struct_grow(world, d, world->record_count)) {
    if (d) {
      ecs__free(world, d->struct_at, (size_t)d->cap * sizeof *d->struct_at);
      ecs__free(world, d, sizeof *d);
    }
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "ecs_delta_enable: no memory for the structural record");
  }
  ecs_status_t st = track_all(world);
  if (st != ECS_OK) {
    /* tracking already enabled stays (queries may use it); the record goes */
    ecs__free(world, d->struct_at, (size_t)d->cap * sizeof *d->struct_at);
    ecs__free(world, d->struct_blk, (size_t)blocks_for(d->cap) * sizeof *d->struct_blk);
    ecs__free(world, d, sizeof *d);
    return st;
  }
  d->floor = atomic_load(&world->change_counter);
  world->delta = d;
  ecs__ok(world);
  return ECS_OK;
}

uint64_t ecs_delta_tick(const ecs_world_t *world) {
  return world ? atomic_load(&((ecs_world_t *)world)->change_counter) : 0;
}

/* ---- peers ----------------------------------------------------------------- */

typedef struct peer_sent_t {
  uint64_t tick;
  ecs_entity_t *ents; /* what the peer was sent, by slot */
  uint32_t n;
} peer_sent_t;

struct ecs_delta_peer_t {
  ecs_world_t *world;
  ecs_interest_fn interest;
  void *user;
  peer_sent_t *sent; /* by tick, ascending */
  uint32_t count;
  uint32_t cap;
};

ecs_delta_peer_t *ecs_delta_peer_new(ecs_world_t *world, ecs_interest_fn interest, void *user) {
  if (!world) {
    return NULL;
  }
  ecs_delta_peer_t *p = ecs__calloc(world, sizeof *p);
  if (!p) {
    ecs__fail(world, ECS_ERR_NO_MEMORY, "ecs_delta_peer_new: out of memory");
    return NULL;
  }
  p->world = world;
  p->interest = interest;
  p->user = user;
  return p;
}

static void sent_free(ecs_world_t *w, peer_sent_t *s) {
  ecs__free(w, s->ents, (size_t)s->n * sizeof *s->ents);
  s->ents = NULL;
  s->n = 0;
}

static void peer_drop_front(ecs_delta_peer_t *p, uint32_t k) {
  for (uint32_t i = 0; i < k; ++i) {
    sent_free(p->world, &p->sent[i]);
  }
  if (k > 0 && k < p->count) {
    memmove(p->sent, p->sent + k, (size_t)(p->count - k) * sizeof *p->sent);
  }
  p->count -= k;
}

ecs_status_t ecs_delta_peer_ack(ecs_delta_peer_t *peer, uint64_t tick) {
  if (!peer) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  for (uint32_t i = 0; i < peer->count; ++i) {
    if (peer->sent[i].tick == tick) {
      peer_drop_front(peer, i);
      return ECS_OK;
    }
  }
  return ecs__fail(peer->world, ECS_ERR_NOT_FOUND, "ecs_delta_peer_ack: no delta of tick %llu was sent to the peer",
                   (unsigned long long)tick);
}

void ecs_delta_peer_free(ecs_delta_peer_t *peer) {
  if (!peer) {
    return;
  }
  peer_drop_front(peer, peer->count);
  ecs__free(peer->world, peer->sent, (size_t)peer->cap * sizeof *peer->sent);
  ecs__free(peer->world, peer, sizeof *peer);
}

/* Records ents (taken) as sent at tick; false when out of memory. */
static bool peer_record(ecs_delta_peer_t *p, uint64_t tick, ecs_entity_t *ents, uint32_t n) {
  ecs_world_t *w = p->world;
  for (uint32_t i = 0; i < p->count; ++i) {
    if (p->sent[i].tick == tick) {
      sent_free(w, &p->sent[i]);
      p->sent[i].ents = ents;
      p->sent[i].n = n;
      return true;
    }
  }
  if (p->count == PEER_HISTORY_MAX) {
    peer_drop_front(p, 1);
  }
  if (!ecs__grow(&w->alloc, (void **)&p->sent, sizeof *p->sent, &p->cap, (size_t)p->count + 1, 8)) {
    return false;
  }
  uint32_t at = p->count;
  while (at > 0 && p->sent[at - 1].tick > tick) {
    p->sent[at] = p->sent[at - 1];
    at--;
  }
  p->sent[at] = (peer_sent_t){tick, ents, n};
  p->count++;
  return true;
}

/* ---- save ------------------------------------------------------------------ */

typedef struct dsave_t {
  ecs_world_t *w;
  ecs_membuf_t *buf;
  ecs_writer_t out;
  ecs_status_t st;
  bool reported;
  uint64_t since;
  uint16_t *schema_of; /* world component id -> schema index + 1, 0 when not saved */
  uint32_t schema_n;
  ecs__component_t **cols; /* saved components, by schema index */
  ecs__component_t **hot;  /* per block: the components changed in it */
  uint32_t hot_n;
  uint32_t entities; /* entity entries written */
} dsave_t;

static void put(dsave_t *s, const void *data, size_t n) {
  if (s->st == ECS_OK && n > 0) {
    s->st = s->out.write(s->out.user, data, n);
  }
}

static void put8(dsave_t *s, uint8_t v) {
  put(s, &v, 1);
}

static void put16(dsave_t *s, uint16_t v) {
  uint8_t b[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
  put(s, b, 2);
}

static void put32(dsave_t *s, uint32_t v) {
  uint8_t b[4];
  ecs__put_le32(b, v);
  put(s, b, 4);
}

static void put64(dsave_t *s, uint64_t v) {
  uint8_t b[8];
  ecs__put_le64(b, v);
  put(s, b, 8);
}

static void patch16(dsave_t *s, size_t at, uint16_t v) {
  if (s->st == ECS_OK) {
    s->buf->data[at] = (uint8_t)v;
    s->buf->data[at + 1] = (uint8_t)(v >> 8);
  }
}

static void patch32(dsave_t *s, size_t at, uint32_t v) {
  if (s->st == ECS_OK) {
    ecs__put_le32(s->buf->data + at, v);
  }
}

static void fail(dsave_t *s, ecs_status_t st, const char *what, const char *name) {
  if (s->st == ECS_OK) {
    s->st = ecs__fail(s->w, st, "%s '%s': %s", what, name, ecs_strerror(st));
    s->reported = true;
  }
}

static void put_schema(dsave_t *s) {
  ecs_world_t *w = s->w;
  size_t at = s->buf->size;
  put32(s, 0);
  uint32_t n = 0;
  for (uint32_t id = 1; id < w->component_count; ++id) {
    ecs__component_t *c = w->components[id];
    if (!saved(c)) {
      continue;
    }
    if (c->name_len > UINT16_MAX) {
      fail(s, ECS_ERR_LIMIT, "name over 65535 bytes, component", c->name);
      return;
    }
    put16(s, (uint16_t)c->name_len);
    put(s, c->name, c->name_len);
    put32(s, (uint32_t)c->size);
    put32(s, (uint32_t)c->alignment);
    put32(s, c->version);
    put32(s, c->serialize ? ECS__DELTA_SERIALIZED : 0u);
    s->cols[n] = c;
    s->schema_of[id] = (uint16_t)(n + 1);
    n++;
  }
  s->schema_n = n;
  patch32(s, at, n);
}

static void put_value(dsave_t *s, const ecs__component_t *c, const void *v) {
  if (c->size == 0) {
    return;
  }
  if (!c->serialize) {
    put(s, v, c->size);
    return;
  }
  size_t at = s->buf->size;
  put32(s, 0);
  if (s->st != ECS_OK) {
    return;
  }
  ecs_status_t st = c->serialize(v, &s->out, c->hooks.user);
  if (st != ECS_OK) {
    fail(s, st, "serialize hook failed, component", c->name);
    return;
  }
  size_t len = s->buf->size - at - 4;
  if (len > UINT32_MAX) {
    fail(s, ECS_ERR_LIMIT, "serialized value over 4 GiB, component", c->name);
    return;
  }
  patch32(s, at, (uint32_t)len);
}

static bool changed_since(const ecs__component_t *c, uint32_t slot, uint64_t since) {
  return slot < c->track_cap && c->changed_at[slot] > since;
}

/* One entity entry: id, op, the component set for SHAPE, then the values
 * of the components in hot (all present ones when all is set) changed
 * since the baseline. Nothing for a VALUES entry without a value. */
static void put_entity(dsave_t *s, uint64_t id, ecs_entity_t e, uint32_t op, ecs__component_t **hot, uint32_t hot_n,
                       bool all) {
  uint32_t slot = ECS_ENTITY_INDEX(e);
  if (op == ECS__DELTA_OP_VALUES) {
    bool any = false;
    for (uint32_t k = 0; k < hot_n && !any; ++k) {
      any = changed_since(hot[k], slot, s->since) && hot[k]->vt->get(hot[k]->storage, e);
    }
    if (!any) {
      return;
    }
  }
  put64(s, id);
  put8(s, (uint8_t)op);
  s->entities++;
  if (op == ECS__DELTA_OP_DESTROY) {
    return;
  }
  if (op == ECS__DELTA_OP_SHAPE) {
    size_t at = s->buf->size;
    put16(s, 0);
    uint16_t k = 0;
    for (uint32_t i = 0; i < s->schema_n; ++i) {
      if (s->cols[i]->vt->get(s->cols[i]->storage, e)) {
        put16(s, (uint16_t)i);
        k++;
      }
    }
    patch16(s, at, k);
  }
  size_t at = s->buf->size;
  put16(s, 0);
  uint16_t k = 0;
  if (all) {
    hot = s->cols;
    hot_n = s->schema_n;
  }
  for (uint32_t i = 0; i < hot_n && s->st == ECS_OK; ++i) {
    ecs__component_t *c = hot[i];
    if (!all && !changed_since(c, slot, s->since)) {
      continue;
    }
    const void *v = c->vt->get(c->storage, e);
    if (!v) {
      continue;
    }
    put16(s, (uint16_t)(s->schema_of[c->id] - 1));
    put_value(s, c, v);
    k++;
  }
  patch16(s, at, k);
}

/* Every resource of a saved component, in schema order: few and small,
 * and without change ticks, so always sent whole. */
static void put_resources(dsave_t *s) {
  size_t at = s->buf->size;
  put32(s, 0);
  uint32_t n = 0;
  for (uint32_t i = 0; i < s->schema_n && s->st == ECS_OK; ++i) {
    const ecs__component_t *c = s->cols[i];
    if (c->resource) {
      put16(s, (uint16_t)i);
      put_value(s, c, c->resource);
      n++;
    }
  }
  patch32(s, at, n);
}

static bool struct_since(const ecs__delta_track_t *d, uint32_t slot, uint64_t since) {
  return slot < d->cap && d->struct_at[slot] > since;
}

/* The components with a change in block b after the baseline (those
 * whose summary does not reach b count as changed). */
static void block_hot(dsave_t *s, uint32_t b) {
  s->hot_n = 0;
  for (uint32_t i = 0; i < s->schema_n; ++i) {
    ecs__component_t *c = s->cols[i];
    if ((uint64_t)b * BLOCK >= c->track_cap) {
      continue;
    }
    if (b >= c->blk_cap || atomic_load_explicit(&c->changed_blk[b], memory_order_relaxed) > s->since) {
      s->hot[s->hot_n++] = c;
    }
  }
}

static bool block_struct(const ecs__delta_track_t *d, uint32_t b, uint64_t since) {
  return (uint64_t)b * BLOCK < d->cap && d->struct_blk[b] > since;
}

/* Mirror delta: the registry entries of the slots whose structure changed,
 * then the entities, both in slot order. */
static void put_mirror(dsave_t *s) {
  ecs_world_t *w = s->w;
  const ecs__delta_track_t *d = w->delta;
  uint32_t nb = blocks_for(w->record_count);
  put32(s, w->record_count);
  put32(s, w->free_head);
  size_t at = s->buf->size;
  put32(s, 0);
  uint32_t n = 0;
  for (uint32_t b = 0; b < nb && s->st == ECS_OK; ++b) {
    if (!block_struct(d, b, s->since)) {
      continue;
    }
    for (uint32_t slot = b * BLOCK; slot < w->record_count && slot < (b + 1) * BLOCK; ++slot) {
      if (slot != 0 && struct_since(d, slot, s->since)) {
        const ecs__entity_record_t *r = &w->records[slot];
        put32(s, slot);
        put32(s, r->generation | (r->alive ? ECS__SNAP_ALIVE_BIT : 0u));
        put32(s, r->alive ? 0u : r->next_free); /* a live slot's link heads its other-storage list */
        n++;
      }
    }
  }
  patch32(s, at, n);
  at = s->buf->size;
  put32(s, 0);
  for (uint32_t b = 0; b < nb && s->st == ECS_OK; ++b) {
    bool shaped = block_struct(d, b, s->since);
    block_hot(s, b);
    if (!shaped && s->hot_n == 0) {
      continue;
    }
    for (uint32_t slot = b * BLOCK; slot < w->record_count && slot < (b + 1) * BLOCK && s->st == ECS_OK; ++slot) {
      const ecs__entity_record_t *r = &w->records[slot];
      if (slot == 0 || !r->alive) {
        continue;
      }
      ecs_entity_t e = ECS_ENTITY_MAKE(slot, r->generation);
      bool shape = shaped && struct_since(d, slot, s->since);
      put_entity(s, e, e, shape ? ECS__DELTA_OP_SHAPE : ECS__DELTA_OP_VALUES, s->hot, s->hot_n, false);
    }
  }
  patch32(s, at, s->entities);
}

/* Peer delta: the entities the peer sees now against those it was sent at
 * the baseline, merged by slot. *now receives what it sees (the caller
 * records it). */
static void put_peer(dsave_t *s, ecs_delta_peer_t *p, const peer_sent_t *base, ecs_entity_t **now, uint32_t *now_n) {
  ecs_world_t *w = s->w;
  const ecs__delta_track_t *d = w->delta;
  size_t bytes = (size_t)(w->alive_count ? w->alive_count : 1) * sizeof(ecs_entity_t);
  ecs_entity_t *vis = ecs__alloc(w, bytes);
  if (!vis) {
    s->st = ECS_ERR_NO_MEMORY;
    return;
  }
  uint32_t n = 0;
  for (uint32_t slot = 1; slot < w->record_count; ++slot) {
    const ecs__entity_record_t *r = &w->records[slot];
    if (r->alive) {
      ecs_entity_t e = ECS_ENTITY_MAKE(slot, r->generation);
      if (!p->interest || p->interest(w, e, p->user)) {
        vis[n++] = e;
      }
    }
  }
  size_t at = s->buf->size;
  put32(s, 0);
  uint32_t i = 0;
  uint32_t j = 0;
  uint32_t bn = base ? base->n : 0;
  uint32_t hot_block = UINT32_MAX;
  while ((i < bn || j < n) && s->st == ECS_OK) {
    ecs_entity_t old = i < bn ? base->ents[i] : 0;
    ecs_entity_t cur = j < n ? vis[j] : 0;
    uint32_t os = i < bn ? ECS_ENTITY_INDEX(old) : UINT32_MAX;
    uint32_t cs = j < n ? ECS_ENTITY_INDEX(cur) : UINT32_MAX;
    if (os < cs || (os == cs && old != cur)) {
      put_entity(s, old, old, ECS__DELTA_OP_DESTROY, NULL, 0, false); /* gone, or out of interest */
      i++;
      continue;
    }
    if (cs < os) {
      put_entity(s, cur, cur, ECS__DELTA_OP_SHAPE, NULL, 0, true); /* enters: in full */
      j++;
      continue;
    }
    /* known to the peer: its changes since the baseline */
    uint32_t b = cs >> ECS__DELTA_BLOCK_SHIFT;
    if (b != hot_block) {
      block_hot(s, b);
      hot_block = b;
    }
    bool shape = struct_since(d, cs, s->since);
    put_entity(s, cur, cur, shape ? ECS__DELTA_OP_SHAPE : ECS__DELTA_OP_VALUES, s->hot, s->hot_n, false);
    i++;
    j++;
  }
  patch32(s, at, s->entities);
  if (s->st != ECS_OK) {
    ecs__free(w, vis, bytes);
    return;
  }
  /* shrink to what is kept */
  ecs_entity_t *kept = n ? ecs__realloc(w, vis, bytes, (size_t)n * sizeof *vis) : NULL;
  if (n && !kept) {
    ecs__free(w, vis, bytes);
    s->st = ECS_ERR_NO_MEMORY;
    return;
  }
  if (!n) {
    ecs__free(w, vis, bytes);
  }
  *now = kept;
  *now_n = n;
}

static ecs_status_t check_baseline(ecs_world_t *w, const ecs_delta_desc_t *desc, const peer_sent_t **base,
                                   uint64_t now) {
  const ecs__delta_track_t *d = w->delta;
  ecs_delta_peer_t *p = desc->peer;
  *base = NULL;
  if (p && desc->baseline_tick == 0) {
    return ECS_OK; /* the peer has nothing */
  }
  if (desc->baseline_tick < d->floor || desc->baseline_tick > now) {
    return ecs__fail(w, ECS_ERR_DELTA_BASELINE,
                     "ecs_delta_save: baseline tick %llu is not between %llu (deltas enabled, or the last snapshot "
                     "load) and now (%llu)",
                     (unsigned long long)desc->baseline_tick, (unsigned long long)d->floor, (unsigned long long)now);
  }
  if (p) {
    for (uint32_t i = 0; i < p->count; ++i) {
      if (p->sent[i].tick == desc->baseline_tick) {
        *base = &p->sent[i];
        return ECS_OK;
      }
    }
    return ecs__fail(w, ECS_ERR_DELTA_BASELINE,
                     "ecs_delta_save: the peer was sent no delta of tick %llu (or acknowledged a later one)",
                     (unsigned long long)desc->baseline_tick);
  }
  return ECS_OK;
}

static ecs_status_t save_into(ecs_world_t *w, const ecs_delta_desc_t *desc, ecs_membuf_t *buf, uint64_t *out_now) {
  /* first: tracking newly enabled marks its holders with a fresh tick */
  ecs_status_t st = track_all(w);
  if (st != ECS_OK) {
    return st;
  }
  const uint64_t now = atomic_load(&w->change_counter);
  *out_now = now;
  const peer_sent_t *base = NULL;
  if ((st = check_baseline(w, desc, &base, now)) != ECS_OK) {
    return st;
  }
  if (w->component_count > UINT16_MAX) {
    return ecs__fail(w, ECS_ERR_LIMIT, "ecs_delta_save: over 65535 components");
  }
  dsave_t state = {.w = w, .buf = buf, .out = ecs_membuf_writer(buf), .since = desc->baseline_tick};
  dsave_t *s = &state;
  size_t schema_bytes = (size_t)w->component_count * sizeof *s->schema_of;
  size_t cols_bytes = (size_t)w->component_count * sizeof(ecs__component_t *);
  s->schema_of = ecs__calloc(w, schema_bytes);
  s->cols = ecs__alloc(w, cols_bytes);
  s->hot = ecs__alloc(w, cols_bytes);
  size_t start = buf->size;
  ecs_entity_t *now_ents = NULL;
  uint32_t now_n = 0;
  if (!s->schema_of || !s->cols || !s->hot) {
    s->st = ECS_ERR_NO_MEMORY;
  } else {
    uint8_t header[ECS__SNAP_HEADER_SIZE] = {0};
    put(s, header, sizeof header);
    put32(s, desc->peer ? ECS__DELTA_PEER : ECS__DELTA_MIRROR);
    put64(s, desc->peer && !base ? 0 : desc->baseline_tick);
    put64(s, now);
    put64(s, desc->baseline_checksum);
    put_schema(s);
    if (desc->peer) {
      put_peer(s, desc->peer, base, &now_ents, &now_n);
    } else {
      put_mirror(s);
    }
    put_resources(s);
  }
  ecs__free(w, s->schema_of, schema_bytes);
  ecs__free(w, s->cols, cols_bytes);
  ecs__free(w, s->hot, cols_bytes);
  if (s->st == ECS_OK && desc->peer && !peer_record(desc->peer, now, now_ents, now_n)) {
    s->st = ECS_ERR_NO_MEMORY;
  } else {
    now_ents = NULL; /* taken */
  }
  ecs__free(w, now_ents, (size_t)now_n * sizeof *now_ents);
  if (s->st != ECS_OK) {
    buf->size = start;
    return s->reported ? s->st : ecs__fail(w, s->st, "cannot build the delta: %s", ecs_strerror(s->st));
  }
  ecs__snap_seal(buf->data + start, &ecs__delta_format, buf->size - start - ECS__SNAP_HEADER_SIZE);
  return ECS_OK;
}

ecs_status_t ecs_delta_save(ecs_world_t *world, const ecs_delta_desc_t *desc, const ecs_writer_t *out,
                            uint64_t *out_tick) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!desc || !out || !out->write) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_delta_save: NULL desc or writer, or a writer without write");
  }
  if (desc->peer && desc->peer->world != world) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_delta_save: the peer belongs to another world");
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_delta_save during a tick");
  }
  if (!world->delta) {
    return ecs__fail(world, ECS_ERR_UNSUPPORTED, "ecs_delta_save: call ecs_delta_enable() first");
  }
  uint64_t now = 0;
  ecs_membuf_t *mb = ecs__snap_membuf(out);
  ecs_membuf_t tmp = {.allocator = &world->alloc};
  ecs_status_t st = save_into(world, desc, mb ? mb : &tmp, &now);
  if (st == ECS_OK && !mb) {
    st = out->write(out->user, tmp.data, tmp.size);
    if (st != ECS_OK) {
      ecs__fail(world, st, "writing the delta: %s", ecs_strerror(st));
    }
  }
  ecs_membuf_free(&tmp);
  if (st == ECS_OK) {
    if (out_tick) {
      *out_tick = now;
    }
    ecs__ok(world);
  }
  return st;
}
