/* The other-storage index: for each live entity, the ascending list of its
 * components held outside ARCHETYPE tables (DENSE, SPARSE, host storages).
 * An archetype row already names the entity's table components; this list
 * names the rest, so a destroy visits the entity's own components and never
 * the registry (docs/storages.md, "What a destroy costs").
 *
 * A list's head is the entity's registry record, which a destroy reads
 * anyway (while the slot is alive its free-list link is unused); the nodes
 * live in one array with a free list, node 0 being the list end. Every
 * insert and remove of a value outside the archetype tables goes through
 * ecs__store_insert / ecs__store_remove (private.h) so the lists stay true. */
#include "private.h"

void ecs__oindex_free(ecs_world_t *w, ecs__oindex_t *x) {
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

void ecs__oindex_fill(ecs__oindex_t *x, ecs__entity_record_t *records, ecs__component_t *const *comps,
                      void *const *storages, uint32_t count) {
  for (uint32_t id = 1; id < count; ++id) {
    const ecs__component_t *c = comps[id];
    if (c->kind == ECS_STORAGE_ARCHETYPE) {
      continue;
    }
    size_t cursor = 0;
    ecs_storage_chunk_t ch;
    while (c->vt->chunk(storages[id], &cursor, &ch)) {
      for (size_t i = 0; i < ch.count; ++i) {
        ecs__oindex_link(x, &records[ECS_ENTITY_INDEX(ch.entities[i])].others, id);
      }
    }
  }
}

/* A component changes between ARCHETYPE and another kind: its holders join
 * or leave the lists. Joining needs a node per holder: reserve first. */
bool ecs__oindex_reserve_kind_change(ecs_world_t *w, const ecs__component_t *c) {
  if (c->kind != ECS_STORAGE_ARCHETYPE) {
    return true; /* leaving the lists, or staying in them: no new node */
  }
  size_t holders = c->vt->count(c->storage);
  return holders < UINT32_MAX && ecs__oindex_reserve(w, &w->others, (uint32_t)holders);
}

void ecs__oindex_kind_changed(ecs_world_t *w, const ecs__component_t *c, bool was_archetype) {
  bool is_archetype = c->kind == ECS_STORAGE_ARCHETYPE;
  if (was_archetype == is_archetype) {
    return;
  }
  size_t cursor = 0;
  ecs_storage_chunk_t ch;
  while (c->vt->chunk(c->storage, &cursor, &ch)) {
    for (size_t i = 0; i < ch.count; ++i) {
      uint32_t *head = &w->records[ECS_ENTITY_INDEX(ch.entities[i])].others;
      if (is_archetype) {
        ecs__oindex_unlink(&w->others, head, c->id);
      } else {
        ecs__oindex_link(&w->others, head, c->id);
      }
    }
  }
}
