/* Queries: a term list resolved to component records. A query whose terms
 * are all archetype-stored walks its cached list of matching tables, with a
 * contiguous column per term (the fast path). A query requiring every
 * member of a DENSE pack walks the pack's front part, with a contiguous
 * column per member, probing only its other terms. Any other query walks
 * the smallest storage among its required terms and probes the others. */
#include "private.h"
#include "storage/archetype.h"
#include "storage/pack.h"
#include "storage/storage_internal.h"

#include <string.h>

/* A table matching an archetype-only query, with each term's column. */
typedef struct query_table_t {
  uint32_t table;
  int16_t cols[ECS_QUERY_MAX_TERMS]; /* -1: not in the table */
} query_table_t;

/* A cached matching table: what a visit reads, so that the walk over many
 * tables reads the cache in order and the tables' row counts
 * (ecs__arch_walk), never a table struct. data[i] is term i's values (NULL
 * for no field: a tag, WITH/WITHOUT, an absent OPTIONAL); the pointers are
 * those of the table's arrays at layout version `version`. Slots are
 * slot_size bytes apart (data[] has term_count entries). */
typedef struct query_slot_t {
  uint64_t version;
  const ecs_entity_t *entities;
  uint32_t table;
  char *data[];
} query_slot_t;

/* How far ahead of the visited table the walk prefetches: far enough to
 * cover a miss to memory behind the work of a few small tables. */
#define ECS__PREFETCH_AHEAD 8u
#if defined(__GNUC__) || defined(__clang__)
#define ECS__PREFETCH(p) __builtin_prefetch((p), 1, 3)
#else
#define ECS__PREFETCH(p) ((void)(p))
#endif

struct ecs_query_t {
  ecs_world_t *world;
  ecs_query_t *prev;
  ecs_query_t *next;
  int32_t term_count;
  bool changes;       /* some term filters on changes: rows are probed, driver included */
  bool skip_disabled; /* no term names ecs.Disabled: disabled entities are skipped */
  bool skip_prefab;   /* no term names ecs.Prefab: prefabs are skipped */
  uint32_t checked;   /* terms that can reject a row (all but OPTIONAL), a bit each */
  uint64_t last_tick; /* change tick of the previous iteration */
  /* term_count entries each, in the query's block after comps (a
   * scheduler with thousands of systems has as many queries, mostly of 2
   * or 3 terms) */
  ecs_term_t *terms;
  uint32_t *filters; /* ECS_PRIV_ACCESS_CHANGED_BIT / _ADDED_BIT per term */
  /* the table cache: tables are appended to the world's set (and only
   * ecs_world_shrink removes empty ones, renumbering the rest: see
   * ecs__queries_tables_remapped), so the tables created since the last
   * scan are all that must be checked */
  char *slots; /* table_count query_slot_t of slot_size bytes */
  uint32_t table_count;
  uint32_t table_cap;
  uint32_t scanned;
  uint32_t slot_size;
  uint64_t layout_seen;      /* the set's layout clock when every slot was last current */
  const uint32_t *rows;      /* the set's row counts by table, as of the last ecs_query_iter() */
  ecs__component_t *comps[]; /* term_count: read on every iteration, so no pointer to follow */
};

static inline query_slot_t *slot_at(const ecs_query_t *q, size_t i) {
  return (query_slot_t *)(void *)(q->slots + i * q->slot_size);
}

/* A query and its term arrays, in one block. */
static size_t query_bytes(int32_t terms) {
  return sizeof(ecs_query_t) + (size_t)terms * (sizeof(ecs__component_t *) + sizeof(ecs_term_t) + sizeof(uint32_t));
}

static bool term_required(ecs_access_t a) {
  return a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_WITH;
}

static bool term_has_field(ecs_access_t a) {
  return a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_OPTIONAL;
}

static bool is_wildcard(const ecs__component_t *c) {
  return c->relation != 0 && c->target == 0;
}

/* Column of term i in table t: for a wildcard, of the first pair of its
 * relation in the table's (sorted) type, the earliest registered. */
static int32_t term_column(const ecs_query_t *q, uint32_t t, int32_t i) {
  const ecs__component_t *c = q->comps[i];
  if (ECS_LIKELY(!is_wildcard(c))) {
    return ecs__arch_table_column(q->world->arch, t, c->id);
  }
  const ecs_component_t *ids;
  uint32_t n = ecs__arch_table_type(q->world->arch, t, &ids);
  for (uint32_t k = 0; k < n; ++k) {
    const ecs__component_t *p = q->world->components[ids[k]];
    if (p->relation == c->relation && p->target != 0) {
      return ecs__arch_table_column(q->world->arch, t, ids[k]);
    }
  }
  return -1;
}

/* The first pair (in registration order) of wildcard w that e holds. */
static const ecs__component_t *wildcard_pair(const ecs_world_t *world, const ecs__component_t *w, ecs_entity_t e) {
  const ecs__component_t *r = world->components[w->relation];
  if (w->kind == ECS_STORAGE_ARCHETYPE) {
    const ecs_component_t *ids;
    uint32_t n = ecs__arch_entity_type(world->arch, e, &ids);
    for (uint32_t k = 0; k < n; ++k) {
      const ecs__component_t *p = world->components[ids[k]];
      if (p->relation == w->relation && p->target != 0) {
        return p;
      }
    }
    return NULL;
  }
  for (uint32_t k = 0; r->rel && k < ecs__rel_pair_count(r); ++k) {
    const ecs__component_t *p = world->components[ecs__rel_pair_at(r, k)];
    if (p->kind == w->kind && p->vt->get(p->storage, e) != NULL) {
      return p;
    }
  }
  return NULL;
}

ecs_query_t *ecs_query_new(ecs_world_t *world, const ecs_query_desc_t *desc) {
  if (!world) {
    return NULL;
  }
  if (!desc) {
    ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "query descriptor is NULL");
    return NULL;
  }
  if (world->in_tick) {
    return NULL; /* the world's query list is not for systems to change */
  }
  ecs__component_t *comps[ECS_QUERY_MAX_TERMS];
  ecs_term_t terms[ECS_QUERY_MAX_TERMS];
  uint32_t filters[ECS_QUERY_MAX_TERMS];
  ecs_query_t q = {.world = world, .terms = terms, .filters = filters, .skip_disabled = true, .skip_prefab = true};
  bool any_required = false;
  bool plain_required = false;
  bool arch_only = true;
  for (int32_t i = 0; i < ECS_QUERY_MAX_TERMS && desc->terms[i].component != ECS_COMPONENT_NULL; ++i) {
    const ecs_term_t *t = &desc->terms[i];
    ecs__component_t *c = ecs__component_get(world, t->component);
    if (!c) {
      ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "query term %d: component id %u is not registered", (int)i,
                t->component);
      return NULL;
    }
    /* the change bits are split off: terms keep the plain access */
    uint32_t bits = (uint32_t)t->access & (ECS_PRIV_ACCESS_CHANGED_BIT | ECS_PRIV_ACCESS_ADDED_BIT);
    ecs_access_t access = (ecs_access_t)((uint32_t)t->access & ~bits);
    if ((unsigned)access > (unsigned)ECS_ACCESS_OPTIONAL) {
      ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "query term %d: invalid access %d", (int)i, (int)t->access);
      return NULL;
    }
    if (c->managed && access == ECS_ACCESS_WRITE) {
      ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "query term %d: '%s' is read-only (written by its own calls)", (int)i,
                c->name);
      return NULL;
    }
    if (bits && is_wildcard(c)) {
      ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "query term %d: ECS_CHANGED or ECS_ADDED on wildcard '%s'", (int)i,
                c->name);
      return NULL;
    }
    if (bits == (ECS_PRIV_ACCESS_CHANGED_BIT | ECS_PRIV_ACCESS_ADDED_BIT) || (bits && !term_required(access))) {
      ecs__fail(world, ECS_ERR_INVALID_ARGUMENT,
                "query term %d: ECS_CHANGED or ECS_ADDED (not both) wraps a READ, WRITE or WITH access", (int)i);
      return NULL;
    }
    for (int32_t j = 0; j < i; ++j) {
      if (q.terms[j].component == t->component) {
        ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "query terms %d and %d both name component '%s'", (int)j, (int)i,
                  c->name);
        return NULL;
      }
    }
    any_required |= term_required(access);
    q.skip_disabled &= t->component != world->disabled_tag;
    q.skip_prefab &= t->component != world->prefab_tag;
    plain_required |= term_required(access) && !is_wildcard(c);
    arch_only &= c->kind == ECS_STORAGE_ARCHETYPE;
    q.terms[i] = (ecs_term_t){t->component, access};
    q.filters[i] = bits;
    comps[i] = c;
    q.term_count = i + 1;
  }
  if (!any_required) {
    ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "query needs at least one READ, WRITE or WITH term");
    return NULL;
  }
  if (!plain_required && !arch_only) {
    /* the probing walk drives from a storage that holds the rows */
    ecs__fail(world, ECS_ERR_UNSUPPORTED,
              "query: a wildcard as the only required term needs every term in ARCHETYPE storage");
    return NULL;
  }
  for (int32_t i = 0; i < q.term_count; ++i) {
    q.checked |= (uint32_t)(q.terms[i].access != ECS_ACCESS_OPTIONAL) << i;
    if (q.filters[i]) {
      q.changes = true;
      if (ecs__track_enable(world, comps[i]) != ECS_OK) {
        ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot track changes of '%s'", comps[i]->name);
        return NULL;
      }
    }
  }
  q.slot_size = (uint32_t)(sizeof(query_slot_t) + (size_t)q.term_count * sizeof(char *));
  ecs_query_t *out = ecs__alloc(world, query_bytes(q.term_count));
  if (!out) {
    ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate query");
    return NULL;
  }
  *out = q;
  size_t n = (size_t)q.term_count;
  out->terms = (ecs_term_t *)(void *)(out->comps + n);
  out->filters = (uint32_t *)(void *)(out->terms + n);
  for (size_t i = 0; i < n; ++i) {
    out->comps[i] = comps[i];
  }
  memcpy(out->terms, terms, n * sizeof *terms);
  memcpy(out->filters, filters, n * sizeof *filters);
  out->next = world->queries;
  if (world->queries) {
    world->queries->prev = out;
  }
  world->queries = out;
  ecs__ok(world);
  return out;
}

void ecs_query_free(ecs_query_t *query) {
  if (!query) {
    return;
  }
  ecs_world_t *w = query->world;
  ecs__free(w, query->slots, (size_t)query->table_cap * query->slot_size);
  if (query->prev) {
    query->prev->next = query->next;
  } else {
    w->queries = query->next;
  }
  if (query->next) {
    query->next->prev = query->prev;
  }
  ecs__free(w, query, query_bytes(query->term_count));
}

void ecs__query_free_all(ecs_world_t *w) {
  while (w->queries) {
    ecs_query_free(w->queries);
  }
}

int32_t ecs_query_term_count(const ecs_query_t *query) {
  return query ? query->term_count : 0;
}

static bool all_archetype(const ecs_query_t *q) {
  for (int32_t i = 0; i < q->term_count; ++i) {
    if (q->comps[i]->kind != ECS_STORAGE_ARCHETYPE) {
      return false;
    }
  }
  return true;
}

/* Whether table t holds entities the query skips: disabled ones, prefabs,
 * or ones with a required term's component disabled (ARCHETYPE tags). */
static bool table_hidden(const ecs_query_t *q, uint32_t t) {
  const ecs_world_t *w = q->world;
  if (q->skip_disabled && w->disabled_tag && ecs__arch_table_column(w->arch, t, w->disabled_tag) >= 0) {
    return true;
  }
  if (q->skip_prefab && w->prefab_tag && ecs__arch_table_column(w->arch, t, w->prefab_tag) >= 0) {
    return true;
  }
  for (int32_t i = 0; i < q->term_count; ++i) {
    ecs_component_t m = q->comps[i]->toggle;
    if (m && term_required(q->terms[i].access) && ecs__arch_table_column(w->arch, t, m) >= 0) {
      return true;
    }
  }
  return false;
}

/* Whether the probing walk must check rows for hidden entities. */
static bool any_hidden(const ecs_query_t *q) {
  const ecs_world_t *w = q->world;
  if (q->skip_disabled && w->disabled_tag && ecs_component_count(w, w->disabled_tag) > 0) {
    return true;
  }
  if (q->skip_prefab && w->prefab_tag && ecs_component_count(w, w->prefab_tag) > 0) {
    return true;
  }
  for (int32_t i = 0; i < q->term_count; ++i) {
    ecs_component_t m = q->comps[i]->toggle;
    if (m && term_required(q->terms[i].access) && ecs_component_count(w, m) > 0) {
      return true;
    }
  }
  return false;
}

static bool tagged(const ecs_world_t *w, ecs_component_t tag, ecs_entity_t e) {
  const ecs__component_t *t = w->components[tag];
  return t->vt->get(t->storage, e) != NULL;
}

static bool row_hidden(const ecs_query_t *q, ecs_entity_t e) {
  const ecs_world_t *w = q->world;
  if (q->skip_disabled && w->disabled_tag && tagged(w, w->disabled_tag, e)) {
    return true;
  }
  if (q->skip_prefab && w->prefab_tag && tagged(w, w->prefab_tag, e)) {
    return true;
  }
  for (int32_t i = 0; i < q->term_count; ++i) {
    ecs_component_t m = q->comps[i]->toggle;
    if (m && term_required(q->terms[i].access) && tagged(w, m, e)) {
      return true;
    }
  }
  return false;
}

/* Whether world table t matches the query; fills entry. */
static bool table_match(const ecs_query_t *q, uint32_t t, query_table_t *entry) {
  entry->table = t;
  memset(entry->cols, 0xff, sizeof entry->cols); /* -1 everywhere, past a mismatch too */
  bool match = true;
  for (int32_t i = 0; i < q->term_count && match; ++i) {
    int32_t col = term_column(q, t, i);
    entry->cols[i] = (int16_t)col;
    if (q->terms[i].access == ECS_ACCESS_WITHOUT) {
      match = col < 0;
    } else if (q->terms[i].access != ECS_ACCESS_OPTIONAL) {
      match = col >= 0;
    }
  }
  return match && !table_hidden(q, t);
}

/* Points slot s at the arrays of its table (now at layout version
 * `version`), by the columns in cols. */
static void slot_fill(const ecs_query_t *q, query_slot_t *s, const int16_t *cols, uint64_t version) {
  const ecs__arch_set_t *set = q->world->arch;
  s->version = version;
  (void)ecs__arch_table_rows(set, s->table, &s->entities);
  for (int32_t i = 0; i < q->term_count; ++i) {
    bool field = cols[i] >= 0 && term_has_field(q->terms[i].access) && q->comps[i]->size > 0;
    s->data[i] = field ? ecs__arch_table_data(set, s->table, cols[i]) : NULL;
  }
}

/* Brings the cache up to date: slots whose table's arrays moved since they
 * were filled are filled again (nothing to check while the set's layout
 * clock stands still, as it does once tables stop growing), and the tables
 * created since the last scan that match are added. When the cache cannot
 * grow it stops there: the walk checks the tables after the last one
 * scanned as it goes (slower, same arrays). */
static void update_table_cache(ecs_query_t *q) {
  const ecs__arch_walk_t *walk = ecs__arch_walk(q->world->arch);
  q->rows = walk->rows; /* stays valid while the world's structure does, as iterators do */
  if (walk->layout_clock != q->layout_seen) {
    for (uint32_t k = 0; k < q->table_count; ++k) {
      query_slot_t *s = slot_at(q, k);
      if (s->version != walk->layout[s->table]) {
        int16_t cols[ECS_QUERY_MAX_TERMS];
        for (int32_t i = 0; i < q->term_count; ++i) {
          cols[i] = (int16_t)term_column(q, s->table, i);
        }
        slot_fill(q, s, cols, walk->layout[s->table]);
      }
    }
    q->layout_seen = walk->layout_clock;
  }
  uint32_t n = walk->table_count;
  for (; q->scanned < n; ++q->scanned) {
    query_table_t entry;
    if (!table_match(q, q->scanned, &entry)) {
      continue;
    }
    if (!ecs__grow(&q->world->alloc, (void **)&q->slots, q->slot_size, &q->table_cap, (size_t)q->table_count + 1, 8)) {
      return;
    }
    query_slot_t *s = slot_at(q, q->table_count++);
    s->table = entry.table;
    slot_fill(q, s, entry.cols, walk->layout[entry.table]);
  }
}

void ecs__queries_tables_remapped(ecs_world_t *w, const uint32_t *remap, uint32_t old_count) {
  for (ecs_query_t *q = w->queries; q; q = q->next) {
    uint32_t kept = 0;
    for (uint32_t k = 0; k < q->table_count; ++k) {
      query_slot_t *from = slot_at(q, k);
      if (remap[from->table] == UINT32_MAX) {
        continue;
      }
      from->table = remap[from->table];
      if (kept != k) {
        memcpy(slot_at(q, kept), from, q->slot_size);
      }
      kept++;
    }
    q->table_count = kept;
    uint32_t scanned = 0; /* the tables scanned that remain */
    for (uint32_t t = 0; t < q->scanned && t < old_count; ++t) {
      scanned += remap[t] != UINT32_MAX;
    }
    q->scanned = scanned;
  }
}

/* The matching table at walk position *pos >= table_count (the world's
 * tables the cache has not scanned), advancing *pos past it; false at the
 * end. */
static bool next_uncached_table(const ecs_query_t *q, size_t *pos, query_table_t *out) {
  uint32_t n = ecs__arch_table_count(q->world->arch);
  for (size_t t = q->scanned + (*pos - q->table_count); t < n; ++t) {
    *pos = q->table_count + (t - q->scanned) + 1;
    if (table_match(q, (uint32_t)t, out)) {
      return true;
    }
  }
  *pos = q->table_count + (n - q->scanned);
  return false;
}

static int32_t term_of(const ecs_query_t *q, ecs_component_t c) {
  for (int32_t i = 0; i < q->term_count; ++i) {
    if (q->terms[i].component == c) {
      return i;
    }
  }
  return -1;
}

/* Drives the iteration from a pack's front part when the query requires
 * every member of one, and no other required term is much smaller. */
static void iter_use_pack(const ecs_query_t *q, ecs_iter_t *it) {
  for (int32_t i = 0; i < q->term_count; ++i) {
    const ecs__component_t *c = q->comps[i];
    const ecs__pack_t *k = c->kind == ECS_STORAGE_DENSE ? ecs__dense_pack(c->storage) : NULL;
    if (!k || !term_required(q->terms[i].access)) {
      continue;
    }
    uint32_t known = 0;
    int32_t m = 0;
    for (; m < k->count; ++m) {
      int32_t t = term_of(q, k->ids[m]);
      if (t < 0 || !term_required(q->terms[t].access)) {
        break;
      }
      known |= 1u << t;
    }
    if (m < k->count) {
      continue;
    }
    /* probing a few rows of a small storage beats walking a large pack */
    for (int32_t t = 0; t < q->term_count; ++t) {
      const ecs__component_t *o = q->comps[t];
      if (!(known & (1u << t)) && term_required(q->terms[t].access) && o->vt->count(o->storage) * 4 < k->len) {
        return;
      }
    }
    it->priv.pack = true;
    it->priv.driver = i;
    it->priv.known = known;
    it->priv.chunk_entities = ecs__dense_entities(c->storage);
    it->priv.chunk_data = ecs__dense_data(c->storage);
    it->priv.chunk_count = k->len;
    return;
  }
}

ecs_iter_t ecs_query_iter(ecs_query_t *query) {
  ecs_iter_t it = {0};
  if (!query) {
    it.priv.done = true;
    return it;
  }
  it.world = query->world;
  it.term_count = query->term_count;
  it.priv.query = query;
  it.priv.tables = all_archetype(query);
  if (it.priv.tables) {
    update_table_cache(query);
  }
  /* an iteration that filters on changes, or hands out tracked values for
   * writing, takes a fresh tick: it sees writes after the previous one and
   * records its own after it. Others skip the atomic counter. */
  bool ticks = query->changes;
  for (int32_t i = 0; i < query->term_count && !ticks; ++i) {
    ticks = query->comps[i]->changed_at && query->terms[i].access == ECS_ACCESS_WRITE;
  }
  if (ticks) {
    it.priv.since = query->last_tick;
    it.priv.change_tick = ecs__change_tick(query->world);
    query->last_tick = it.priv.change_tick;
  }
  if (it.priv.tables) {
    return it;
  }
  size_t best = SIZE_MAX;
  for (int32_t i = 0; i < query->term_count; ++i) {
    if (term_required(query->terms[i].access) && !is_wildcard(query->comps[i])) {
      const ecs__component_t *c = query->comps[i];
      size_t n = c->vt->count(c->storage);
      if (n < best) {
        best = n;
        it.priv.driver = i;
      }
    }
  }
  it.priv.known = 1u << it.priv.driver;
  iter_use_pack(query, &it);
  it.priv.hidden = any_hidden(query);
  it.priv.filtered = query->changes || (query->checked & ~it.priv.known) != 0 || it.priv.hidden;
  return it;
}

/* The change filter of a term on e (present there already). */
static bool change_matches(uint32_t filter, const ecs__component_t *c, ecs_entity_t e, uint64_t since) {
  uint32_t idx = ECS_ENTITY_INDEX(e);
  const uint64_t *ticks = filter == ECS_PRIV_ACCESS_ADDED_BIT ? c->added_at : c->changed_at;
  return idx < c->track_cap && ticks[idx] > since;
}

/* known: the terms present on every row walked (the driver, pack members) */
static bool row_matches(const ecs_query_t *q, uint32_t known, ecs_entity_t e, uint64_t since) {
  for (int32_t i = 0; i < q->term_count; ++i) {
    const ecs_term_t *t = &q->terms[i];
    const ecs__component_t *c = q->comps[i];
    if (t->access == ECS_ACCESS_OPTIONAL) {
      continue;
    }
    if (!(known & (1u << i))) {
      bool has =
          ECS_LIKELY(!is_wildcard(c)) ? c->vt->get(c->storage, e) != NULL : wildcard_pair(q->world, c, e) != NULL;
      if (has == (t->access == ECS_ACCESS_WITHOUT)) {
        return false;
      }
    }
    if (q->filters[i] && !change_matches(q->filters[i], c, e, since)) {
      return false;
    }
  }
  return true;
}

/* ecs_query_iter_depth(): whether e is at this walk's depth (noting a
 * deeper row, which calls for another walk). */
static bool depth_ok(ecs_iter_t *it, ecs_entity_t e) {
  int32_t d = ecs__depth_of(it->world, e);
  it->priv.deeper |= d > it->priv.depth;
  return d == it->priv.depth;
}

static bool row_ok(ecs_iter_t *it, uint32_t known, ecs_entity_t e) {
  const ecs_query_t *q = it->priv.query;
  if (q->changes && !row_matches(q, known, e, it->priv.since)) {
    return false;
  }
  if (!q->changes && (q->checked & ~known) != 0 && !row_matches(q, known, e, it->priv.since)) {
    return false;
  }
  if (it->priv.hidden && row_hidden(q, e)) {
    return false;
  }
  return !it->priv.by_depth || depth_ok(it, e);
}

/* Starts the walk of the next depth when a deeper row was seen. */
static bool depth_next(ecs_iter_t *it) {
  if (!it->priv.by_depth || !it->priv.deeper) {
    return false;
  }
  it->priv.depth++;
  it->priv.deeper = false;
  it->priv.cursor = 0;
  it->priv.chunk_row = 0;
  if (!it->priv.pack) {
    it->priv.chunk_count = 0;
  }
  return true;
}

/* Starts the walk on the next matching table with rows: the cached
 * slots first, then the tables past the cache; false at the end. While
 * visiting slot k it prefetches the columns of slot k + AHEAD, which a
 * walk over thousands of small tables would otherwise wait for one miss
 * at a time. */
static bool next_table(ecs_iter_t *it) {
  const ecs_query_t *q = it->priv.query;
  const uint32_t *rows = q->rows;
  size_t pos = it->priv.cursor;
  while (pos < q->table_count) {
    const query_slot_t *s = slot_at(q, pos++);
    if (pos + ECS__PREFETCH_AHEAD <= q->table_count) {
      const query_slot_t *ahead = slot_at(q, pos - 1 + ECS__PREFETCH_AHEAD);
      ECS__PREFETCH(&rows[ahead->table]);
      for (int32_t i = 0; i < q->term_count; ++i) {
        if (ahead->data[i]) {
          ECS__PREFETCH(ahead->data[i]);
          ECS__PREFETCH(ahead->data[i] + 64);
        }
      }
    }
    uint32_t n = rows[s->table];
    if (n > 0) {
      it->priv.cursor = pos;
      it->priv.chunk_entities = s->entities;
      it->priv.chunk_count = n;
      it->priv.chunk_row = 0;
      return true;
    }
  }
  it->priv.cursor = pos;
  query_table_t qt;
  while (next_uncached_table(q, &it->priv.cursor, &qt)) {
    uint32_t n = ecs__arch_table_rows(q->world->arch, qt.table, &it->priv.chunk_entities);
    if (n > 0) {
      it->priv.driver = (int32_t)qt.table; /* the table walked, for the runs that follow */
      it->priv.chunk_count = n;
      it->priv.chunk_row = 0;
      return true;
    }
  }
  return false;
}

/* The fast path: one chunk per non-empty cached table, every field an
 * array; with change filters, one chunk per run of matching rows. */
static bool iter_next_table(ecs_iter_t *it) {
  const ecs_query_t *q = it->priv.query;
  for (;;) {
    if (it->priv.chunk_row >= it->priv.chunk_count && !next_table(it)) {
      if (depth_next(it)) {
        continue;
      }
      it->priv.done = true;
      it->count = 0;
      it->entities = NULL;
      return false;
    }
    size_t start = it->priv.chunk_row;
    size_t end = it->priv.chunk_count;
    if (q->changes || it->priv.by_depth) { /* the table decided presence: only the filters remain */
      const uint32_t all = ~0u;
      while (start < end && !row_ok(it, all, it->priv.chunk_entities[start])) {
        ++start;
      }
      size_t run = start;
      while (run < end && row_ok(it, all, it->priv.chunk_entities[run])) {
        ++run;
      }
      end = run;
    }
    it->priv.chunk_row = end;
    if (start == end) {
      continue;
    }
    it->entities = it->priv.chunk_entities + start;
    it->count = (int32_t)(end - start);
    /* the table's columns: from its slot, or looked up past the cache */
    if (it->priv.cursor <= q->table_count) {
      const query_slot_t *s = slot_at(q, it->priv.cursor - 1);
      for (int32_t i = 0; i < q->term_count; ++i) {
        it->priv.columns[i] = s->data[i] ? s->data[i] + start * q->comps[i]->params.stride : NULL;
      }
    } else {
      const ecs__arch_set_t *set = q->world->arch;
      query_table_t qt;
      (void)table_match(q, (uint32_t)it->priv.driver, &qt);
      for (int32_t i = 0; i < q->term_count; ++i) {
        const ecs__component_t *c = q->comps[i];
        bool field = qt.cols[i] >= 0 && term_has_field(q->terms[i].access) && c->size > 0;
        it->priv.columns[i] =
            field ? (char *)ecs__arch_table_data(set, qt.table, qt.cols[i]) + start * c->params.stride : NULL;
      }
    }
    return true;
  }
}

/* Rows in a run before DENSE alignment pays: a shorter match is left to
 * per-row lookups rather than splitting the run. */
#define ECS__ALIGN_MIN 16u

/* The entity and value arrays of a DENSE or SPARSE component and e's row
 * in them; false for other kinds and when e is absent. */
static bool array_view(const ecs__component_t *c, ecs_entity_t e, const ecs_entity_t **ents, char **data, uint32_t *row,
                       uint32_t *len) {
  if (c->kind == ECS_STORAGE_DENSE) {
    *row = ecs__dense_row(c->storage, e);
    *ents = ecs__dense_entities(c->storage);
    *data = ecs__dense_data(c->storage);
    *len = ecs__dense_len(c->storage);
  } else if (c->kind == ECS_STORAGE_SPARSE) {
    *row = ecs__sparse_row(c->storage, e);
    *ents = ecs__sparse_entities(c->storage);
    *data = ecs__sparse_data(c->storage);
    *len = ecs__sparse_len(c->storage);
  } else {
    return false;
  }
  return *row != UINT32_MAX;
}

/* For each DENSE or SPARSE term (not the driver, not known present) whose
 * array holds the driver's entities from row start on, in the same order,
 * for at least ECS__ALIGN_MIN rows (or to *end): sets its column to the run
 * and shortens *end to the shortest such match. Returns those terms' bits.
 * Components added to entities in the same order (the usual case) line up
 * like this, so such joins get arrays without a pack. */
static uint32_t align_dense(ecs_iter_t *it, size_t start, size_t *end) {
  const ecs_query_t *q = it->priv.query;
  const ecs_entity_t *ents = it->priv.chunk_entities + start;
  uint32_t bits = 0;
  for (int32_t i = 0; i < q->term_count; ++i) {
    const ecs__component_t *c = q->comps[i];
    const ecs_entity_t *all;
    char *data;
    uint32_t row;
    uint32_t len;
    if ((it->priv.known & (1u << i)) || !term_has_field(q->terms[i].access) ||
        !array_view(c, ents[0], &all, &data, &row, &len)) {
      continue; /* another kind, or OPTIONAL and absent */
    }
    const ecs_entity_t *theirs = all + row;
    size_t limit = *end - start;
    size_t avail = len - row;
    size_t k = 1;
    for (size_t stop = limit < avail ? limit : avail; k < stop && theirs[k] == ents[k];) {
      ++k;
    }
    if (k < limit && k < ECS__ALIGN_MIN) {
      continue;
    }
    *end = start + k;
    bits |= 1u << i;
    it->priv.columns[i] = c->size > 0 && data ? data + (size_t)row * c->params.stride : NULL;
  }
  return bits;
}

bool ecs_iter_next(ecs_iter_t *it) {
  if (!it || it->priv.done) {
    return false;
  }
  if (it->priv.tables) {
    return iter_next_table(it);
  }
  const ecs_query_t *q = it->priv.query;
  const int32_t driver = it->priv.driver;
  for (;;) {
    if (it->priv.chunk_row >= it->priv.chunk_count) {
      const ecs__component_t *dc = q->comps[driver];
      ecs_storage_chunk_t ch;
      if (it->priv.pack || !dc->vt->chunk(dc->storage, &it->priv.cursor, &ch)) {
        if (depth_next(it)) {
          continue;
        }
        it->priv.done = true;
        it->count = 0;
        it->entities = NULL;
        return false;
      }
      it->priv.chunk_entities = ch.entities;
      it->priv.chunk_data = ch.data;
      it->priv.chunk_count = ch.count;
      it->priv.chunk_row = 0;
      continue;
    }
    size_t start = it->priv.chunk_row;
    size_t end = it->priv.chunk_count;
    if (end - start > INT32_MAX) {
      end = start + INT32_MAX;
    }
    for (int32_t i = 0; i < q->term_count; ++i) {
      it->priv.columns[i] = NULL;
    }
    if (it->priv.filtered) {
      const ecs_entity_t *ents = it->priv.chunk_entities;
      while (start < end && !row_ok(it, it->priv.known, ents[start])) {
        ++start;
      }
      if (start == end) {
        it->priv.chunk_row = end;
        continue;
      }
      bool checked = it->priv.by_depth || it->priv.hidden;
      if (checked) {
        /* runs are cut by depth or hidden rows: find the run first, so
         * that the alignment below scans only it */
        size_t cut = start + 1;
        while (cut < end && row_ok(it, it->priv.known, ents[cut])) {
          ++cut;
        }
        end = cut;
      }
      /* DENSE terms in the driver's order from this row on are arrays for
       * the run: present on every row of it, and no lookups */
      uint32_t known = it->priv.known | align_dense(it, start, &end);
      size_t run = start + 1;
      if (checked || ((q->checked & ~known) == 0 && !q->changes)) {
        run = end; /* every row of [start, end) matches already */
      }
      while (run < end && row_ok(it, known, ents[run])) {
        ++run;
      }
      end = run;
    }
    it->priv.chunk_row = end;
    if (start == end) {
      continue;
    }
    it->entities = it->priv.chunk_entities + start;
    it->count = (int32_t)(end - start);
    const ecs__component_t *dc = q->comps[driver];
    if (it->priv.chunk_data && dc->size > 0 && term_has_field(q->terms[driver].access)) {
      it->priv.columns[driver] = it->priv.chunk_data + start * dc->params.stride;
    }
    if (it->priv.pack) {
      for (int32_t i = 0; i < q->term_count; ++i) {
        const ecs__component_t *c = q->comps[i];
        if (i != driver && (it->priv.known & (1u << i)) && c->size > 0 && term_has_field(q->terms[i].access)) {
          it->priv.columns[i] = ecs__dense_data(c->storage) + start * c->params.stride;
        }
      }
    }
    return true;
  }
}

/* A WRITE term handing out values of a tracked component records writes. */
static void mark_written(const ecs_iter_t *it, int32_t term, int32_t first, int32_t count) {
  const ecs_query_t *q = it->priv.query;
  ecs__component_t *c = q->comps[term];
  if (ECS_LIKELY(!c->changed_at) || q->terms[term].access != ECS_ACCESS_WRITE) {
    return;
  }
  /* the arrays and the tick in locals: the stores cannot alias them */
  uint64_t *const changed = c->changed_at;
  const uint32_t cap = c->track_cap;
  const uint64_t tick = it->priv.change_tick;
  const ecs_entity_t *ents = it->entities;
  _Atomic uint64_t *const blk = c->changed_blk;
  if (ECS_LIKELY(blk == NULL)) {
    for (int32_t r = first; r < first + count; ++r) {
      uint32_t idx = ECS_ENTITY_INDEX(ents[r]);
      if (idx < cap) {
        changed[idx] = tick;
      }
    }
    return;
  }
  /* deltas: the 64-slot summary too, stored once per run of a block */
  const uint32_t blk_cap = c->blk_cap;
  uint32_t last = UINT32_MAX;
  for (int32_t r = first; r < first + count; ++r) {
    uint32_t idx = ECS_ENTITY_INDEX(ents[r]);
    if (idx < cap) {
      changed[idx] = tick;
      uint32_t b = idx >> 6;
      if (b != last && b < blk_cap) {
        atomic_store_explicit(&blk[b], tick, memory_order_relaxed);
        last = b;
      }
    }
  }
}

void *ecs_field(const ecs_iter_t *it, int32_t term) {
  if (!it || term < 0 || term >= it->term_count) {
    return NULL;
  }
  if (it->priv.columns[term]) {
    mark_written(it, term, 0, it->count);
  }
  return it->priv.columns[term];
}

void *ecs__iter_column_at(const ecs_iter_t *it, int32_t term, int32_t row) {
  const ecs__component_t *c = it->priv.query->comps[term];
  return it->priv.columns[term] ? (char *)it->priv.columns[term] + (size_t)row * c->params.stride : NULL;
}

uint64_t ecs__query_position(const ecs_query_t *q) {
  return q->last_tick;
}

void ecs__query_rewind(ecs_query_t *q, uint64_t position) {
  q->last_tick = position;
}

void *ecs_field_at(const ecs_iter_t *it, int32_t term, int32_t row) {
  if (!it || !it->priv.query || term < 0 || term >= it->term_count || row < 0 || row >= it->count) {
    return NULL;
  }
  const ecs_query_t *q = it->priv.query;
  const ecs__component_t *c = q->comps[term];
  if (!term_has_field(q->terms[term].access) || c->size == 0) {
    return NULL;
  }
  mark_written(it, term, row, 1);
  if (it->priv.columns[term]) {
    return (char *)it->priv.columns[term] + (size_t)row * c->params.stride;
  }
  if (ECS_UNLIKELY(is_wildcard(c))) {
    const ecs__component_t *p = wildcard_pair(q->world, c, it->entities[row]);
    return p ? p->vt->get(p->storage, it->entities[row]) : NULL;
  }
  return c->vt->get(c->storage, it->entities[row]);
}

ecs_component_t ecs_iter_pair(const ecs_iter_t *it, int32_t term, int32_t row) {
  if (!it || !it->priv.query || term < 0 || term >= it->term_count || row < 0 || row >= it->count) {
    return ECS_COMPONENT_NULL;
  }
  const ecs_query_t *q = it->priv.query;
  const ecs__component_t *c = q->comps[term];
  if (c->relation == 0 || q->terms[term].access == ECS_ACCESS_WITHOUT) {
    return ECS_COMPONENT_NULL;
  }
  ecs_entity_t e = it->entities[row];
  if (is_wildcard(c)) {
    const ecs__component_t *p = wildcard_pair(q->world, c, e);
    return p ? p->id : ECS_COMPONENT_NULL;
  }
  return c->vt->get(c->storage, e) != NULL ? c->id : ECS_COMPONENT_NULL;
}

ecs_query_t *ecs_iter_query(const ecs_iter_t *it) {
  return it ? it->priv.query : NULL;
}

ecs_iter_t ecs_query_iter_depth(ecs_query_t *query) {
  ecs_iter_t it = ecs_query_iter(query);
  if (query && query->world->hier) {
    it.priv.by_depth = true;
    it.priv.filtered = true;
  }
  return it;
}

size_t ecs_query_count(ecs_query_t *query) {
  size_t n = 0;
  ecs_iter_t it = ecs_query_iter(query);
  while (ecs_iter_next(&it)) {
    n += (size_t)it.count;
  }
  return n;
}
