/* Conflict analysis of ASYNC groups: which systems must run before which. */

#include "scheduler_internal.h"

#include <stdlib.h>
#include <string.h>

/* Conflict analysis of an ASYNC group by access sets. Two systems
 * conflict when they touch the same component (or the same resource) and
 * one of them writes it; their first conflict is the first access of the
 * earlier system, in its access list's order, that meets one of the later
 * one, and the first such access of the later one. Rather than comparing
 * every pair of systems, the accesses of the group are sorted by what they
 * touch (a counting sort by id, stable, so each component's accesses stay
 * in declared order), so that each system meets only the later systems
 * that share something with it, through a cursor per component that only
 * moves forward: the cost is the accesses plus the conflicts found, and
 * the edges, their order and their reasons are those of a pairwise scan
 * (tests/test_sched_conflicts.c checks this against one). */

/* One access of a system of the group: system `sys` (its place in the
 * group) touches `id` at position `pos` of its access list. */
typedef struct c_access_t {
  ecs_component_t id;
  uint32_t sys;
  uint16_t pos;
  bool resource;
  bool write;
} c_access_t;

/* The accesses to one component or resource, in [all, all_end) of the
 * sorted accesses and [wr, wr_end) of the sorted writes; all and wr move
 * past the systems already ordered. */
typedef struct c_key_t {
  uint32_t all;
  uint32_t all_end;
  uint32_t wr;
  uint32_t wr_end;
} c_key_t;

/* A later system j met by system i: its first conflict is i's access p
 * with j's access q (a write or not). */
typedef struct c_meet_t {
  uint32_t j;
  uint16_t p;
  uint16_t q;
  bool q_writes;
} c_meet_t;

static int c_meet_cmp(const void *pa, const void *pb) {
  const c_meet_t *a = pa;
  const c_meet_t *b = pb;
  return (a->j > b->j) - (a->j < b->j);
}

void ecs__c_lists_free(ecs_world_t *w, c_lists_t *l, uint32_t systems) {
  ecs__free(w, l->own, (size_t)l->cap * sizeof *l->own);
  ecs__free(w, l->offset, ((size_t)systems + 1) * sizeof *l->offset);
}

#define WILD_EXPAND_MAX 1024u /* keeps a system's list within its uint16 positions */

static void c_list_push(c_lists_t *l, access_t a) {
  l->own[l->len++] = a;
  l->writes += a.write;
  l->ids = a.id >= l->ids ? (size_t)a.id + 1 : l->ids;
}

/* Appends the list of system i of the group; false when out of memory. */
bool ecs__c_lists_add(ecs_world_t *w, c_lists_t *l, uint32_t i, const s_system_t *sys) {
  /* Pairs (relation.h): a wildcard access stands for an access to every
   * pair of its relation registered now (every pair a system names is);
   * past WILD_EXPAND_MAX pairs, for the relation's wildcard id itself,
   * which every pair access then also touches (coarser: two systems
   * writing different pairs of such a relation are ordered too). */
  size_t need = sys->access_count;
  for (uint32_t p = 0; p < sys->access_count; ++p) {
    const ecs__component_t *c = sys->access[p].resource ? NULL : ecs__component_get(w, sys->access[p].id);
    if (c && c->relation) {
      uint32_t pairs = ecs__rel_pair_count(w->components[c->relation]);
      need += c->target == 0 ? (pairs <= WILD_EXPAND_MAX ? pairs : 0) : 1;
    }
  }
  if (!ecs__grow(&w->alloc, (void **)&l->own, sizeof *l->own, &l->cap, (size_t)l->len + need, 64)) {
    return false;
  }
  l->offset[i] = l->len;
  for (uint32_t p = 0; p < sys->access_count; ++p) {
    const access_t *a = &sys->access[p];
    c_list_push(l, *a);
    const ecs__component_t *c = a->resource ? NULL : ecs__component_get(w, a->id);
    if (ECS_LIKELY(!c || !c->relation)) {
      continue;
    }
    const ecs__component_t *r = w->components[c->relation];
    bool coarse = ecs__rel_pair_count(r) > WILD_EXPAND_MAX;
    if (c->target == 0 && !coarse) {
      for (uint32_t k = 0; k < ecs__rel_pair_count(r); ++k) {
        c_list_push(l, (access_t){ecs__rel_pair_at(r, k), a->write, false});
      }
    } else if (c->target != 0 && coarse) {
      c_list_push(l, (access_t){ecs_pair_wildcard(w, c->relation), a->write, false});
    }
  }
  l->offset[i + 1] = l->len;
  return true;
}

/* The scratch of one group's analysis, carved from one block. */
typedef struct c_scratch_t {
  const access_t *own; /* the group's lists (c_lists_t) */
  const uint32_t *offset;
  uint32_t *key_of; /* by offset[sys] + pos: the key of that access */
  c_access_t *acc;  /* every access, sorted */
  c_access_t *wr;   /* the writes, in the same order */
  c_key_t *keys;
  uint32_t *stamp;  /* by system: 1 + the last system that met it */
  c_meet_t *met;    /* the systems met by the one being ordered */
  uint32_t *pred;   /* by system: edges into it (added to the systems at the end, in order) */
  uint32_t *bucket; /* by id (components, then resources): where its accesses go */
  size_t bytes;
} c_scratch_t;

static bool c_scratch_new(ecs_world_t *w, c_scratch_t *c, uint32_t systems, const c_lists_t *l) {
  size_t accesses = l->len;
  size_t keys = accesses < 2 * l->ids ? accesses : 2 * l->ids;
  size_t zeroed = (2 * (size_t)systems + 2 * l->ids + 1) * sizeof(uint32_t); /* stamp, pred, bucket */
  size_t bytes = accesses * sizeof(uint32_t) + (accesses + l->writes) * sizeof(c_access_t) + keys * sizeof(c_key_t) +
                 (size_t)systems * sizeof(c_meet_t) + zeroed;
  char *p = ecs__alloc(w, bytes);
  if (!p) {
    return false;
  }
  /* every member is 4-byte aligned: each array starts where the last ends */
  c->bytes = bytes;
  c->own = l->own;
  c->offset = l->offset;
  c->key_of = (uint32_t *)(void *)p;
  c->acc = (c_access_t *)(void *)(c->key_of + accesses);
  c->wr = c->acc + accesses;
  c->keys = (c_key_t *)(void *)(c->wr + l->writes);
  c->met = (c_meet_t *)(void *)(c->keys + keys);
  c->stamp = (uint32_t *)(void *)(c->met + systems);
  c->pred = c->stamp + systems;
  c->bucket = c->pred + systems;
  memset(c->stamp, 0, zeroed);
  return true;
}

/* Sorts the group's accesses by what they touch and indexes them. */
static void c_index(uint32_t m, size_t ids, c_scratch_t *c) {
  uint32_t n = c->offset[m];
  for (uint32_t k = 0; k < n; ++k) {
    c->bucket[(c->own[k].resource ? ids : 0) + c->own[k].id + 1]++;
  }
  for (size_t k = 1; k <= 2 * ids; ++k) {
    c->bucket[k] += c->bucket[k - 1];
  }
  for (uint32_t i = 0; i < m; ++i) {
    for (uint32_t k = c->offset[i]; k < c->offset[i + 1]; ++k) {
      const access_t *a = &c->own[k];
      c->acc[c->bucket[(a->resource ? ids : 0) + a->id]++] =
          (c_access_t){a->id, i, (uint16_t)(k - c->offset[i]), a->resource, a->write};
    }
  }
  uint32_t key = UINT32_MAX;
  uint32_t writes = 0;
  for (uint32_t k = 0; k < n; ++k) {
    const c_access_t *a = &c->acc[k];
    if (k == 0 || a->id != c->acc[k - 1].id || a->resource != c->acc[k - 1].resource) {
      c->keys[++key] = (c_key_t){k, k, writes, writes};
    }
    c->keys[key].all_end = k + 1;
    if (a->write) {
      c->wr[writes++] = *a;
      c->keys[key].wr_end = writes;
    }
    c->key_of[c->offset[a->sys] + a->pos] = key;
  }
}

/* The later systems that system i conflicts with, each with its first
 * conflict, ascending; returns their count. Systems must be met in
 * declared order (the cursors only move forward). */
static uint32_t c_meet(uint32_t i, c_scratch_t *c) {
  uint32_t n = 0;
  for (uint32_t p = 0; p < c->offset[i + 1] - c->offset[i]; ++p) {
    c_key_t *k = &c->keys[c->key_of[c->offset[i] + p]];
    while (k->all < k->all_end && c->acc[k->all].sys <= i) {
      ++k->all;
    }
    while (k->wr < k->wr_end && c->wr[k->wr].sys <= i) {
      ++k->wr;
    }
    /* a write meets every later access, a read only the later writes; the
     * first access met of a system is its first that conflicts with p */
    bool writes = c->own[c->offset[i] + p].write;
    const c_access_t *e = writes ? c->acc + k->all : c->wr + k->wr;
    const c_access_t *end = writes ? c->acc + k->all_end : c->wr + k->wr_end;
    for (; e < end; ++e) {
      if (c->stamp[e->sys] != i + 1) {
        c->stamp[e->sys] = i + 1;
        c->met[n++] = (c_meet_t){e->sys, (uint16_t)p, e->pos, e->write};
      }
    }
  }
  /* each access met the systems in ascending order: the list is a few
   * sorted runs, most often one */
  if (n > 32) {
    qsort(c->met, n, sizeof *c->met, c_meet_cmp);
  } else {
    for (uint32_t k = 1; k < n; ++k) {
      c_meet_t x = c->met[k];
      uint32_t at = k;
      for (; at > 0 && c->met[at - 1].j > x.j; --at) {
        c->met[at] = c->met[at - 1];
      }
      c->met[at] = x;
    }
  }
  return n;
}

/* Orders the conflicting systems of ASYNC group g: a conflict is an error
 * under ECS_CONFLICT_REJECT (the first pair in declared order is named),
 * else an edge from the earlier-declared system to the later one. l: the
 * group's access lists. */
ecs_status_t ecs__order_conflicts(ecs_scheduler_builder_t *b, ecs_scheduler_t *s, const s_group_t *g,
                                  const c_lists_t *l) {
  ecs_world_t *w = b->world;
  s_system_t *sys = &s->systems[g->first];
  uint32_t m = g->count;
  if (l->len == 0) {
    return ECS_OK;
  }
  c_scratch_t c;
  if (!c_scratch_new(w, &c, m, l)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot order async group '%s'", g->name);
  }
  c_index(m, l->ids, &c);
  ecs_status_t st = ECS_OK;
  for (uint32_t i = 0; i < m && st == ECS_OK; ++i) {
    uint32_t n = c_meet(i, &c);
    if (n == 0) {
      continue;
    }
    s_system_t *si = &sys[i];
    const access_t *own = &c.own[c.offset[i]];
    if (b->options.on_conflict == ECS_CONFLICT_REJECT) {
      const s_system_t *sj = &sys[c.met[0].j];
      const access_t *ca = &own[c.met[0].p];
      st = ecs__fail(w, ECS_ERR_CONFLICT,
                     "systems '%s' and '%s' in async group '%s' conflict on %s '%s' ('%s' %s, '%s' %s)", si->name,
                     sj->name, g->name, ca->resource ? "resource" : "component", ecs_component_name(w, ca->id),
                     si->name, ca->write ? "writes" : "reads", sj->name, c.met[0].q_writes ? "writes" : "reads");
      break;
    }
    si->succ = ecs__alloc(w, n * sizeof *si->succ);
    si->succ_why = ecs__alloc(w, n * sizeof *si->succ_why);
    si->succ_cap = n;
    if (!si->succ || !si->succ_why) {
      st = ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot order async group '%s'", g->name);
      break;
    }
    for (uint32_t k = 0; k < n; ++k) {
      const access_t *ca = &own[c.met[k].p];
      si->succ_why[k] = (s_conflict_t){ca->id, ca->resource, ca->write, c.met[k].q_writes};
      si->succ[k] = g->first + c.met[k].j;
      c.pred[c.met[k].j]++;
    }
    si->succ_count = n;
  }
  for (uint32_t j = 0; j < m && st == ECS_OK; ++j) {
    if (c.pred[j]) {
      sys[j].pred_count += c.pred[j];
    }
  }
  ecs__free(w, c.key_of, c.bytes);
  return st;
}
