/* The network id <-> local handle map of peer deltas (delta.h): an open
 * addressing table from network id to local entity, and an array from
 * local slot to network id. The apply (delta_apply.c) reserves room first,
 * so that its inserts cannot fail. */
#include "delta_internal.h"

typedef struct net_pair_t {
  uint64_t net; /* 0: empty (slot 0 is never an entity) */
  ecs_entity_t local;
} net_pair_t;

struct ecs_netmap_t {
  ecs_world_t *world;
  net_pair_t *tab; /* open addressing, linear probing, at most half full */
  uint32_t tab_cap;
  uint64_t *net_of; /* by local slot: the network id, 0 for none */
  uint32_t net_cap;
  size_t count;
};

static uint32_t net_hash(uint64_t x, uint32_t cap) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  return (uint32_t)x & (cap - 1);
}

ecs_netmap_t *ecs_netmap_new(ecs_world_t *world) {
  if (!world) {
    return NULL;
  }
  ecs_netmap_t *m = ecs__calloc(world, sizeof *m);
  if (!m) {
    ecs__fail(world, ECS_ERR_NO_MEMORY, "ecs_netmap_new: out of memory");
    return NULL;
  }
  m->world = world;
  return m;
}

void ecs_netmap_free(ecs_netmap_t *map) {
  if (!map) {
    return;
  }
  ecs__free(map->world, map->tab, (size_t)map->tab_cap * sizeof *map->tab);
  ecs__free(map->world, map->net_of, (size_t)map->net_cap * sizeof *map->net_of);
  ecs__free(map->world, map, sizeof *map);
}

static uint32_t net_find(const ecs_netmap_t *m, uint64_t net) {
  if (!m->tab_cap || net == 0) {
    return UINT32_MAX;
  }
  for (uint32_t i = net_hash(net, m->tab_cap);; i = (i + 1) & (m->tab_cap - 1)) {
    if (m->tab[i].net == net) {
      return i;
    }
    if (m->tab[i].net == 0) {
      return UINT32_MAX;
    }
  }
}

ecs_entity_t ecs_netmap_local(const ecs_netmap_t *map, uint64_t net) {
  uint32_t i = map ? net_find(map, net) : UINT32_MAX;
  return i == UINT32_MAX ? ECS_ENTITY_NULL : map->tab[i].local;
}

uint64_t ecs_netmap_net(const ecs_netmap_t *map, ecs_entity_t local) {
  uint32_t slot = ECS_ENTITY_INDEX(local);
  if (!map || slot >= map->net_cap || map->net_of[slot] == 0) {
    return 0;
  }
  return ecs_netmap_local(map, map->net_of[slot]) == local ? map->net_of[slot] : 0;
}

size_t ecs_netmap_count(const ecs_netmap_t *map) {
  return map ? map->count : 0;
}

bool ecs__netmap_reserve(ecs_netmap_t *m, size_t more, uint32_t slots) {
  ecs_world_t *w = m->world;
  if (slots > m->net_cap) {
    uint64_t *n = ecs__calloc(w, (size_t)slots * sizeof *n);
    if (!n) {
      return false;
    }
    if (m->net_cap) {
      memcpy(n, m->net_of, (size_t)m->net_cap * sizeof *n);
    }
    ecs__free(w, m->net_of, (size_t)m->net_cap * sizeof *n);
    m->net_of = n;
    m->net_cap = slots;
  }
  size_t need = (m->count + more) * 2;
  if (need <= m->tab_cap) {
    return true;
  }
  uint32_t cap = m->tab_cap ? m->tab_cap : 64u;
  while (cap < need) {
    if (cap > UINT32_MAX / 4) {
      return false;
    }
    cap *= 2;
  }
  net_pair_t *t = ecs__calloc(w, (size_t)cap * sizeof *t);
  if (!t) {
    return false;
  }
  for (uint32_t i = 0; i < m->tab_cap; ++i) {
    if (m->tab[i].net) {
      uint32_t j = net_hash(m->tab[i].net, cap);
      while (t[j].net) {
        j = (j + 1) & (cap - 1);
      }
      t[j] = m->tab[i];
    }
  }
  ecs__free(w, m->tab, (size_t)m->tab_cap * sizeof *t);
  m->tab = t;
  m->tab_cap = cap;
  return true;
}

void ecs__netmap_insert(ecs_netmap_t *m, uint64_t net, ecs_entity_t local) {
  uint32_t i = net_hash(net, m->tab_cap);
  while (m->tab[i].net) {
    i = (i + 1) & (m->tab_cap - 1);
  }
  m->tab[i] = (net_pair_t){net, local};
  m->net_of[ECS_ENTITY_INDEX(local)] = net;
  m->count++;
}

void ecs__netmap_erase(ecs_netmap_t *m, uint64_t net) {
  uint32_t i = net_find(m, net);
  if (i == UINT32_MAX) {
    return;
  }
  uint32_t slot = ECS_ENTITY_INDEX(m->tab[i].local);
  if (slot < m->net_cap && m->net_of[slot] == net) {
    m->net_of[slot] = 0;
  }
  m->tab[i].net = 0;
  m->count--;
  /* backward shift: keep every later pair of the run reachable */
  uint32_t mask = m->tab_cap - 1;
  for (uint32_t j = (i + 1) & mask; m->tab[j].net; j = (j + 1) & mask) {
    uint32_t home = net_hash(m->tab[j].net, m->tab_cap);
    bool movable = (j > i) ? (home <= i || home > j) : (home <= i && home > j);
    if (movable) {
      m->tab[i] = m->tab[j];
      m->tab[j].net = 0;
      i = j;
    }
  }
}

ecs_world_t *ecs__netmap_world(const ecs_netmap_t *map) {
  return map->world;
}
