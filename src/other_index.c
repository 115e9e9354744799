/* The other-storage index: what a destroy visits besides the entity's own
 * archetype row (which already names its table components), so that it
 * costs O(components of the entity) whatever the registry holds
 * (docs/storages.md, "What a destroy costs").
 *
 * The world keeps its non-ARCHETYPE components (DENSE, SPARSE, host
 * storages) as an ascending id array. While there are at most
 * ECS__OTHERS_WALK_MAX of them, a destroy asks each one for the entity's
 * value: a few lookups, and inserts and removes pay nothing. Past that, the
 * world keeps per live entity the ascending list of those it holds, built
 * for every entity by the join that passes the limit and then kept by each
 * insert and remove (ecs__store_insert / ecs__store_remove, private.h).
 *
 * A list's head is the entity's registry record, which a destroy reads
 * anyway (while the slot is alive its free-list link is unused); the nodes
 * live in one array with a free list, node 0 being the list end. */
#include "private.h"

void ecs__oindex_free(ecs_world_t *w, ecs__oindex_t *x) { /* the nodes only */
  ecs__free(w, x->nodes, (size_t)x->node_cap * sizeof *x->nodes);
  *x = (ecs__oindex_t){0};
}

/* Room for `nodes` more nodes. */
bool ecs__oindex_reserve(ecs_world_t *w, ecs__oindex_t *x, uint32_t nodes) {
  uint64_t need = (uint64_t)x->node_live + nodes + 1;
  if (need <= x->node_cap) {
    return true;
  }
  uint32_t old = x->node_cap;
  if (need > UINT32_MAX || !ecs__grow(&w->alloc, (void **)&x->nodes, sizeof *x->nodes, &x->node_cap, need, 64)) {
    return false;
  }
  /* the new nodes join the free list, lowest first (node 0 stays unused) */
  for (uint32_t i = x->node_cap; i-- > (old ? old : 1);) {
    x->nodes[i].next = x->free;
    x->free = i;
  }
  return true;
}

void ecs__oindex_unlink(ecs__oindex_t *x, uint32_t *head, ecs_component_t id) {
  uint32_t *at = head;
  while (*at && x->nodes[*at].id < id) {
    at = &x->nodes[*at].next;
  }
  if (*at && x->nodes[*at].id == id) {
    ecs__oindex_drop_at(x, at);
  }
}

void ecs__oindex_drop_at(ecs__oindex_t *x, uint32_t *at) {
  uint32_t n = *at;
  *at = x->nodes[n].next;
  x->nodes[n].next = x->free;
  x->free = n;
  x->node_live--;
}

/* Links every holder of c in storage (an ascending link: any order of calls). */
static void link_holders(ecs__oindex_t *x, ecs__entity_record_t *records, const ecs__component_t *c, void *storage) {
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (c->vt->chunk(storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      ecs__oindex_link(x, &records[ECS_ENTITY_INDEX(ch.entities[i])].others, c->id);
    }
  }
}

void ecs__oindex_fill(const ecs_world_t *w, ecs__oindex_t *x, ecs__entity_record_t *records, void *const *storages,
                      uint32_t count) {
  for (uint32_t i = 0; i < w->other_count && w->other_ids[i] < count; ++i) {
    ecs_component_t id = w->other_ids[i];
    link_holders(x, records, w->components[id], storages[id]);
  }
}

bool ecs__others_prepare_join(ecs_world_t *w, size_t holders) {
  if (!ecs__grow(&w->alloc, (void **)&w->other_ids, sizeof *w->other_ids, &w->other_cap, (size_t)w->other_count + 1,
                 8)) {
    return false;
  }
  bool builds = !w->others_listed && w->other_count + 1 > ECS__OTHERS_WALK_MAX;
  if (!w->others_listed && !builds) {
    return true; /* no lists: nothing to link */
  }
  size_t nodes = holders;
  for (uint32_t i = 0; builds && i < w->other_count; ++i) { /* the lists about to be built */
    const ecs__component_t *c = w->components[w->other_ids[i]];
    nodes += c->vt->count(c->storage);
  }
  return nodes < UINT32_MAX && ecs__oindex_reserve(w, &w->others, (uint32_t)nodes);
}

void ecs__others_join(ecs_world_t *w, const ecs__component_t *c) {
  ECS_ASSERT(w->other_count < w->other_cap && c->kind != ECS_STORAGE_ARCHETYPE);
  uint32_t at = w->other_count;
  for (; at > 0 && w->other_ids[at - 1] > c->id; --at) {
    w->other_ids[at] = w->other_ids[at - 1];
  }
  w->other_ids[at] = c->id;
  w->other_count++;
  if (w->others_listed) {
    link_holders(&w->others, w->records, c, c->storage);
  } else if (w->other_count > ECS__OTHERS_WALK_MAX) {
    w->others_listed = true;
    for (uint32_t i = 0; i < w->other_count; ++i) {
      const ecs__component_t *held = w->components[w->other_ids[i]];
      link_holders(&w->others, w->records, held, held->storage);
    }
  }
}

void ecs__others_leave(ecs_world_t *w, const ecs__component_t *c) {
  uint32_t at = 0;
  while (at < w->other_count && w->other_ids[at] != c->id) {
    ++at;
  }
  ECS_ASSERT(at < w->other_count);
  memmove(&w->other_ids[at], &w->other_ids[at + 1], (size_t)(w->other_count - at - 1) * sizeof *w->other_ids);
  w->other_count--;
  if (!w->others_listed) {
    return;
  }
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (c->vt->chunk(c->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      ecs__oindex_unlink(&w->others, &w->records[ECS_ENTITY_INDEX(ch.entities[i])].others, c->id);
    }
  }
}
