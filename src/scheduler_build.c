/* Scheduler builder: validation of groups and systems (names, dependencies,
 * cycles, access conflicts inside ASYNC groups) and the assembly of the
 * immutable schedule. */
#include "scheduler_internal.h"

#include <stdio.h>
#include <string.h>

ecs_scheduler_builder_t *ecs_scheduler_builder_new(ecs_world_t *world) {
  if (!world) {
    return NULL;
  }
  ecs_scheduler_builder_t *b = ecs__calloc(world, sizeof *b);
  if (!b) {
    ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate a scheduler builder");
    return NULL;
  }
  b->world = world;
  return b;
}

static void b_group_free(ecs_world_t *w, b_group_t *g) {
  ecs__strfree(w, g->name);
  for (int i = 0; i < ECS_GROUP_MAX_DEPS; ++i) {
    ecs__strfree(w, g->after[i]);
    ecs__strfree(w, g->before[i]);
  }
}

void ecs_scheduler_builder_free(ecs_scheduler_builder_t *b) {
  if (!b) {
    return;
  }
  ecs_world_t *w = b->world;
  for (uint32_t i = 0; i < b->group_count; ++i) {
    b_group_free(w, &b->groups[i]);
  }
  for (uint32_t i = 0; i < b->system_count; ++i) {
    ecs__strfree(w, b->systems[i].name);
  }
  ecs__free(w, b->groups, (size_t)b->group_cap * sizeof *b->groups);
  ecs__free(w, b->systems, (size_t)b->system_cap * sizeof *b->systems);
  ecs__free(w, b->name_index, (size_t)b->name_index_cap * sizeof *b->name_index);
  ecs__free(w, b, sizeof *b);
}

/* Remembers the first error for ecs_scheduler_build(). */
static ecs_status_t b_error(ecs_scheduler_builder_t *b, ecs_status_t st) {
  if (b->error == ECS_OK) {
    b->error = st;
    snprintf(b->error_msg, sizeof b->error_msg, "%s", ecs_last_error(b->world));
  }
  return st;
}

static int32_t b_find_group(const ecs_scheduler_builder_t *b, const char *name) {
  for (uint32_t i = 0; i < b->group_count; ++i) {
    if (strcmp(b->groups[i].name, name) == 0) {
      return (int32_t)i;
    }
  }
  return -1;
}

/* FNV-1a: system names are short. */
static uint32_t name_hash(const char *s) {
  uint64_t h = 14695981039346656037ull;
  for (; *s; ++s) {
    h = (h ^ (unsigned char)*s) * 1099511628211ull;
  }
  return (uint32_t)(h ^ (h >> 32));
}

/* Whether a system of the builder is named `name`: a probe of the name
 * index (so that adding N systems costs O(N), not N^2/2 string compares;
 * the stored hashes spare most compares and every rehash a visit to the
 * names), or a scan when the index could not be allocated. */
static bool b_has_system(const ecs_scheduler_builder_t *b, const char *name, uint32_t h) {
  if (!b->name_index) {
    for (uint32_t i = 0; i < b->system_count; ++i) {
      if (strcmp(b->systems[i].name, name) == 0) {
        return true;
      }
    }
    return false;
  }
  uint32_t mask = b->name_index_cap - 1;
  for (uint32_t k = h & mask;; k = (k + 1) & mask) {
    uint64_t v = b->name_index[k];
    if (v == 0) {
      return false;
    }
    if ((uint32_t)(v >> 32) == h && strcmp(b->systems[(uint32_t)v - 1].name, name) == 0) {
      return true;
    }
  }
}

static void b_index_put(uint64_t *index, uint32_t cap, uint64_t entry) {
  uint32_t mask = cap - 1;
  uint32_t k = (uint32_t)(entry >> 32) & mask;
  while (index[k] != 0) {
    k = (k + 1) & mask;
  }
  index[k] = entry;
}

/* Indexes the newest system (its name's hash h), at most half full; out of
 * memory drops the index (lookups scan, the next add tries again), never
 * the system. */
static void b_index_system(ecs_scheduler_builder_t *b, uint32_t h) {
  ecs_world_t *w = b->world;
  uint32_t n = b->system_count;
  uint64_t entry = (uint64_t)h << 32 | n;
  if (b->name_index && (size_t)n * 2 <= b->name_index_cap) {
    b_index_put(b->name_index, b->name_index_cap, entry);
    return;
  }
  uint32_t cap = 64;
  while (cap < (size_t)n * 2 && cap < UINT32_MAX / 2) {
    cap *= 2;
  }
  uint64_t *index = ecs__calloc(w, (size_t)cap * sizeof *index);
  if (index && b->name_index) {
    for (uint32_t k = 0; k < b->name_index_cap; ++k) {
      if (b->name_index[k]) {
        b_index_put(index, cap, b->name_index[k]);
      }
    }
    b_index_put(index, cap, entry);
  } else if (index) { /* none yet, or dropped: every system */
    for (uint32_t i = 0; i < n; ++i) {
      b_index_put(index, cap, (uint64_t)name_hash(b->systems[i].name) << 32 | (i + 1));
    }
  }
  ecs__free(w, b->name_index, (size_t)b->name_index_cap * sizeof *b->name_index);
  b->name_index = index;
  b->name_index_cap = index ? cap : 0;
}

/* Copies a NULL-ended name list; false when out of memory. */
static bool copy_names(ecs_world_t *w, char **dst, const char *const *src) {
  for (int i = 0; i < ECS_GROUP_MAX_DEPS && src[i]; ++i) {
    if (!(dst[i] = ecs__strdup(w, src[i]))) {
      return false;
    }
  }
  return true;
}

ecs_group_t ecs_builder_add_group(ecs_scheduler_builder_t *b, const ecs_group_desc_t *desc) {
  if (!b) {
    return 0;
  }
  ecs_world_t *w = b->world;
  if (!desc || !desc->name || !desc->name[0]) {
    b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "group descriptor or its name is NULL"));
    return 0;
  }
  if (!(desc->fixed_dt >= 0.0) || desc->fixed_dt > 3600.0) {
    b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "group '%s': fixed_dt must be in [0, 3600] seconds", desc->name));
    return 0;
  }
  if ((unsigned)desc->mode > (unsigned)ECS_GROUP_ASYNC) {
    b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "group '%s': invalid mode %d", desc->name, (int)desc->mode));
    return 0;
  }
  if (b_find_group(b, desc->name) >= 0) {
    b_error(b, ecs__fail(w, ECS_ERR_DUPLICATE, "group '%s' is added twice", desc->name));
    return 0;
  }
  if (!ecs__grow(&w->alloc, (void **)&b->groups, sizeof *b->groups, &b->group_cap, (size_t)b->group_count + 1, 8)) {
    b_error(b, ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot add group '%s'", desc->name));
    return 0;
  }
  b_group_t *g = &b->groups[b->group_count];
  memset(g, 0, sizeof *g);
  g->mode = desc->mode;
  g->budget_ns = desc->budget_ns;
  g->run_if = desc->run_if;
  g->run_if_user = desc->run_if_user;
  g->fixed_dt = desc->fixed_dt;
  g->max_steps = desc->max_steps ? desc->max_steps : 8;
  g->every_n_ticks = desc->every_n_ticks;
  if (!(g->name = ecs__strdup(w, desc->name)) || !copy_names(w, g->after, desc->after) ||
      !copy_names(w, g->before, desc->before)) {
    b_group_free(w, g);
    b_error(b, ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot add group '%s'", desc->name));
    return 0;
  }
  ecs__ok(w);
  return ++b->group_count;
}

static ecs_status_t check_resources(ecs_world_t *w, const char *sys, const ecs_component_t *list) {
  for (int i = 0; i < ECS_SYSTEM_MAX_RESOURCES && list[i]; ++i) {
    if (!ecs__component_get(w, list[i])) {
      return ecs__fail(w, ECS_ERR_UNKNOWN_COMPONENT, "system '%s': resource type id %u is not registered", sys,
                       list[i]);
    }
  }
  return ECS_OK;
}

ecs_status_t ecs_builder_add_system(ecs_scheduler_builder_t *b, ecs_group_t g, const ecs_system_desc_t *desc) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = b->world;
  if (!desc || !desc->name || !desc->name[0] || !desc->callback) {
    return b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "system descriptor, its name or callback is NULL"));
  }
  if (g == 0 || g > b->group_count) {
    return b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "system '%s': group handle %u is invalid", desc->name, g));
  }
  if ((unsigned)desc->on_error > (unsigned)ECS_ON_ERROR_QUARANTINE) {
    return b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "system '%s': invalid error policy", desc->name));
  }
  uint32_t hash = name_hash(desc->name);
  if (b_has_system(b, desc->name, hash)) {
    return b_error(b, ecs__fail(w, ECS_ERR_DUPLICATE, "system '%s' is added twice", desc->name));
  }
  ecs_status_t st = check_resources(w, desc->name, desc->reads);
  if (st == ECS_OK) {
    st = check_resources(w, desc->name, desc->writes);
  }
  if (st != ECS_OK) {
    return b_error(b, st);
  }
  if (!ecs__grow(&w->alloc, (void **)&b->systems, sizeof *b->systems, &b->system_cap, (size_t)b->system_count + 1,
                 16)) {
    return b_error(b, ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot add system '%s'", desc->name));
  }
  b_system_t *s = &b->systems[b->system_count];
  s->desc = *desc;
  s->group = g - 1;
  if (!(s->name = ecs__strdup(w, desc->name))) {
    return b_error(b, ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot add system '%s'", desc->name));
  }
  s->desc.name = s->name;
  b->system_count++;
  b_index_system(b, hash);
  ecs__ok(w);
  return ECS_OK;
}

/* Dependency matrix: dep[i * n + j] means group i runs before group j. */
static ecs_status_t build_edges(ecs_scheduler_builder_t *b, bool *dep) {
  uint32_t n = b->group_count;
  for (uint32_t j = 0; j < n; ++j) {
    const b_group_t *g = &b->groups[j];
    for (int k = 0; k < ECS_GROUP_MAX_DEPS; ++k) {
      const char *const names[2] = {g->after[k], g->before[k]};
      for (int dir = 0; dir < 2; ++dir) {
        if (!names[dir]) {
          continue;
        }
        int32_t other = b_find_group(b, names[dir]);
        if (other < 0) {
          return ecs__fail(b->world, ECS_ERR_NOT_FOUND, "group '%s' lists unknown group '%s' in %s", g->name,
                           names[dir], dir == 0 ? "after" : "before");
        }
        if ((uint32_t)other == j) {
          return ecs__fail(b->world, ECS_ERR_CYCLE, "group cycle: %s -> %s", g->name, g->name);
        }
        if (dir == 0) {
          dep[(size_t)other * n + j] = true;
        } else {
          dep[(size_t)j * n + other] = true;
        }
      }
    }
  }
  return ECS_OK;
}

/* Names one cycle among the groups left unsorted by Kahn's algorithm:
 * every such group has an unsorted predecessor, so walking predecessors
 * must revisit a group. */
static ecs_status_t report_cycle(ecs_scheduler_builder_t *b, const bool *dep, const bool *placed, uint32_t *path) {
  uint32_t n = b->group_count;
  uint32_t start = 0;
  while (placed[start]) {
    ++start;
  }
  uint32_t len = 0;
  uint32_t cur = start;
  for (;;) {
    for (uint32_t k = 0; k < len; ++k) {
      if (path[k] == cur) {
        /* path[k..len) is the cycle, walked backwards along predecessors */
        char msg[ECS_ERROR_MAX];
        size_t off = (size_t)snprintf(msg, sizeof msg, "group cycle: %s", b->groups[cur].name);
        for (uint32_t m = len; m-- > k && off < sizeof msg;) {
          off += (size_t)snprintf(msg + off, sizeof msg - off, " -> %s", b->groups[path[m]].name);
        }
        return ecs__fail(b->world, ECS_ERR_CYCLE, "%s", msg);
      }
    }
    path[len++] = cur;
    uint32_t pred = 0;
    while (pred < n && (placed[pred] || !dep[(size_t)pred * n + cur])) {
      ++pred;
    }
    ECS_ASSERT(pred < n);
    cur = pred;
  }
}

/* Kahn's algorithm, always taking the earliest-registered ready group, so
 * the order depends only on the descriptors. */
static ecs_status_t topo_order(ecs_scheduler_builder_t *b, uint32_t *order) {
  ecs_world_t *w = b->world;
  uint32_t n = b->group_count;
  size_t matrix = (size_t)n * n;
  size_t bytes = matrix * sizeof(bool) + (size_t)n * sizeof(bool);
  bool *dep = ecs__calloc(w, bytes ? bytes : 1);
  if (!dep) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot order groups");
  }
  bool *placed = dep + matrix;
  ecs_status_t st = build_edges(b, dep);
  for (uint32_t k = 0; st == ECS_OK && k < n; ++k) {
    uint32_t pick = n;
    for (uint32_t j = 0; j < n && pick == n; ++j) {
      if (placed[j]) {
        continue;
      }
      bool ready = true;
      for (uint32_t i = 0; i < n && ready; ++i) {
        ready = placed[i] || !dep[(size_t)i * n + j];
      }
      if (ready) {
        pick = j;
      }
    }
    if (pick == n) {
      st = report_cycle(b, dep, placed, order + k);
      break;
    }
    placed[pick] = true;
    order[k] = pick;
  }
  ecs__free(w, dep, bytes ? bytes : 1);
  return st;
}

static ecs_status_t build_system(ecs_world_t *w, b_system_t *src, s_system_t *dst) {
  dst->access_count = ecs__access_list(&src->desc, dst->access);
  dst->callback = src->desc.callback;
  dst->user = src->desc.user;
  dst->policy = src->desc.on_error;
  uint32_t retries = src->desc.max_retries ? src->desc.max_retries : 1;
  dst->attempts = dst->policy == ECS_ON_ERROR_RETRY ? 1 + retries : 1;
  dst->budget_ns = src->desc.budget_ns;
  dst->run_if = src->desc.run_if;
  dst->run_if_user = src->desc.run_if_user;
  if (dst->policy == ECS_ON_ERROR_QUARANTINE) {
    dst->quarantine_after = src->desc.quarantine_after ? src->desc.quarantine_after : 3;
  }
  dst->name = src->name; /* ownership moves from the builder */
  src->name = NULL;
  if (src->desc.query.terms[0].component != ECS_COMPONENT_NULL) {
    dst->query = ecs_query_new(w, &src->desc.query);
    if (!dst->query) {
      char detail[ECS_ERROR_MAX]; /* the world's buffer is about to be rewritten */
      snprintf(detail, sizeof detail, "%s", ecs_last_error(w));
      return ecs__fail(w, ecs_last_status(w), "system '%s': %s", dst->name, detail);
    }
  }
  dst->commands = ecs_cmd_buffer_new(w);
  if (!dst->commands) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "system '%s': cannot create its command buffer", dst->name);
  }
  return ECS_OK;
}

uint32_t ecs__access_list(const ecs_system_desc_t *d, access_t *out) {
  uint32_t n = 0;
  for (int i = 0; i < ECS_QUERY_MAX_TERMS && d->query.terms[i].component; ++i) {
    ecs_access_t a = (ecs_access_t)((uint32_t)d->query.terms[i].access &
                                    ~(uint32_t)(ECS_PRIV_ACCESS_CHANGED_BIT | ECS_PRIV_ACCESS_ADDED_BIT));
    /* WITH/WITHOUT only test presence, which no system changes in a stage */
    if (a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_OPTIONAL) {
      out[n++] = (access_t){d->query.terms[i].component, a == ECS_ACCESS_WRITE, false};
    }
  }
  for (int i = 0; i < ECS_SYSTEM_MAX_RESOURCES && d->reads[i]; ++i) {
    out[n++] = (access_t){d->reads[i], false, true};
  }
  for (int i = 0; i < ECS_SYSTEM_MAX_RESOURCES && d->writes[i]; ++i) {
    out[n++] = (access_t){d->writes[i], true, true};
  }
  return n;
}

/* Keeps the declared group edges, in run-order indices, for describe(). */
static ecs_status_t record_group_edges(ecs_scheduler_builder_t *b, ecs_scheduler_t *s, const uint32_t *order) {
  uint32_t pos[256];
  uint32_t *run_pos = b->group_count <= 256 ? pos : ecs__alloc(b->world, b->group_count * sizeof *run_pos);
  if (!run_pos) {
    return ecs__fail(b->world, ECS_ERR_NO_MEMORY, "cannot record group edges");
  }
  for (uint32_t k = 0; k < b->group_count; ++k) {
    run_pos[order[k]] = k;
  }
  uint32_t n = 0;
  for (int pass = 0; pass < 2; ++pass) {
    for (uint32_t j = 0; j < b->group_count; ++j) {
      for (int k = 0; k < ECS_GROUP_MAX_DEPS; ++k) {
        for (int dir = 0; dir < 2; ++dir) {
          const char *other = dir == 0 ? b->groups[j].after[k] : b->groups[j].before[k];
          if (!other) {
            continue;
          }
          if (pass == 1) {
            uint32_t o = run_pos[b_find_group(b, other)];
            s->group_edges[n] =
                dir == 0 ? (s_group_edge_t){o, run_pos[j], false} : (s_group_edge_t){run_pos[j], o, true};
          }
          ++n;
        }
      }
    }
    if (pass == 0) {
      s->group_edge_count = n;
      s->group_edges = n ? ecs__alloc(b->world, n * sizeof *s->group_edges) : NULL;
      if (n && !s->group_edges) {
        s->group_edge_count = 0;
        break;
      }
      n = 0;
    }
  }
  if (run_pos != pos) {
    ecs__free(b->world, run_pos, b->group_count * sizeof *run_pos);
  }
  return s->group_edge_count == n ? ECS_OK : ecs__fail(b->world, ECS_ERR_NO_MEMORY, "cannot record group edges");
}

/* Where the work goes: the host's executor, else the pool given, else one
 * of our own when something can use it; a pool through its executor, so
 * both take the same path. */
static ecs_status_t attach_pool(ecs_scheduler_builder_t *b, ecs_scheduler_t *s) {
  if (b->options.executor.enqueue) {
    s->exec = b->options.executor;
    return ECS_OK;
  }
  if (b->options.pool) {
    s->pool = b->options.pool;
    return ecs_pool_executor(s->pool, &s->exec);
  }
  bool async = false;
  for (uint32_t i = 0; i < s->group_count; ++i) {
    async |= s->groups[i].mode == ECS_GROUP_ASYNC;
  }
  if (!async && b->options.threads == 0) {
    return ECS_OK;
  }
  ecs_pool_desc_t pd = {.threads = b->options.threads, .allocator = b->world->alloc};
  ecs_status_t st = ecs_pool_create(&pd, &s->pool);
  if (st != ECS_OK) {
    return ecs__fail(b->world, st, "cannot create the worker pool: %s", ecs_strerror(st));
  }
  s->owns_pool = true;
  return ecs_pool_executor(s->pool, &s->exec);
}

ecs_status_t ecs_builder_set_options(ecs_scheduler_builder_t *b, const ecs_scheduler_desc_t *desc) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!desc || desc->threads < ECS_POOL_INLINE || desc->threads > ECS_POOL_MAX_THREADS ||
      (unsigned)desc->on_conflict > (unsigned)ECS_CONFLICT_SERIALIZE ||
      (unsigned)desc->check_access > (unsigned)ECS_ACCESS_CHECK_OFF ||
      (unsigned)desc->timing > (unsigned)ECS_TIMING_OFF) {
    return b_error(b, ecs__fail(b->world, ECS_ERR_INVALID_ARGUMENT, "scheduler options are NULL or out of range"));
  }
  if (!ecs__executor_valid(&desc->executor)) {
    return b_error(b, ecs__fail(b->world, ECS_ERR_INVALID_ARGUMENT,
                                "executor needs both enqueue and finish, and at most %u workers",
                                ECS_EXECUTOR_MAX_WORKERS));
  }
  if (desc->executor.enqueue && (desc->pool || desc->threads != 0)) {
    return b_error(
        b, ecs__fail(b->world, ECS_ERR_INVALID_ARGUMENT, "an executor runs the work: pool and threads must be left 0"));
  }
  b->options = *desc;
  ecs__ok(b->world);
  return ECS_OK;
}

static ecs_status_t build(ecs_scheduler_builder_t *b, ecs_scheduler_t **out) {
  ecs_world_t *w = b->world;
  if (b->error != ECS_OK) {
    return ecs__fail(w, b->error, "%s", b->error_msg);
  }
  ecs_scheduler_t *s = ecs__calloc(w, sizeof *s);
  if (!s) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot allocate scheduler");
  }
  s->world = w;
  s->inline_below_ns = b->options.inline_below_ns ? b->options.inline_below_ns : 20000;
#ifdef NDEBUG
  s->check_access = b->options.check_access == ECS_ACCESS_CHECK_ON;
#else
  s->check_access = b->options.check_access != ECS_ACCESS_CHECK_OFF;
#endif
  /* the default keeps what each build always did: a build without
   * metrics had no use for system times, and still reports group times */
  s->time_systems = b->options.timing == ECS_TIMING_ON || (b->options.timing == ECS_TIMING_DEFAULT && ECS_PROFILE);
  s->time_groups = b->options.timing != ECS_TIMING_OFF;
  /* arrays are sized for at least one element so that an empty schedule
   * needs no special case; free() uses the caps */
  s->group_count = b->group_count;
  s->group_cap = b->group_count ? b->group_count : 1;
  s->system_cap = b->system_count ? b->system_count : 1;
  uint32_t *order = ecs__alloc(w, s->group_cap * sizeof *order);
  c_lists_t lists = {.offset = ecs__alloc(w, ((size_t)s->system_cap + 1) * sizeof *lists.offset)};
  s->groups = ecs__calloc(w, s->group_cap * sizeof *s->groups);
  s->stats = ecs__calloc(w, s->group_cap * sizeof *s->stats);
  /* each system is zeroed as it is built (system_count counts them, for
   * ecs_scheduler_free() on failure): with thousands of systems, zeroing
   * the array first would be one more pass over memory beyond the cache */
  s->systems = ecs__alloc(w, s->system_cap * sizeof *s->systems);
  ecs_status_t st = ECS_OK;
  if (!order || !lists.offset || !s->groups || !s->stats || !s->systems) {
    /* ecs_scheduler_free() walks the counts: there is nothing to walk */
    s->group_count = 0;
    st = ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot allocate scheduler");
    goto out_free;
  }
  if ((st = topo_order(b, order)) != ECS_OK || (st = record_group_edges(b, s, order)) != ECS_OK) {
    goto out_free;
  }
  uint32_t next = 0;
  for (uint32_t k = 0; k < b->group_count; ++k) {
    uint32_t gi = order[k];
    s_group_t *g = &s->groups[k];
    g->name = b->groups[gi].name; /* ownership moves from the builder */
    b->groups[gi].name = NULL;
    g->mode = b->groups[gi].mode;
    g->budget_ns = b->groups[gi].budget_ns;
    g->run_if = b->groups[gi].run_if;
    g->run_if_user = b->groups[gi].run_if_user;
    g->fixed_dt = b->groups[gi].fixed_dt;
    g->max_steps = b->groups[gi].max_steps;
    g->every_n_ticks = b->groups[gi].every_n_ticks;
    g->first = next;
    lists.len = 0;
    lists.writes = 0;
    lists.ids = 0;
    for (uint32_t i = 0; i < b->system_count; ++i) {
      if (b->systems[i].group == gi) {
        memset(&s->systems[next], 0, sizeof s->systems[next]);
        s->system_count = next + 1;
        s->systems[next].sched = s;
        s->systems[next].group = g->name;
        s_system_t *built = &s->systems[next++];
        if ((st = build_system(w, &b->systems[i], built)) != ECS_OK) {
          goto out_free;
        }
        if (g->mode == ECS_GROUP_ASYNC && !ecs__c_lists_add(w, &lists, next - 1 - g->first, built)) {
          st = ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot order async group '%s'", g->name);
          goto out_free;
        }
      }
    }
    g->count = next - g->first;
    s->stats[k].name = g->name;
    if (g->mode == ECS_GROUP_ASYNC && (st = ecs__order_conflicts(b, s, g, &lists)) != ECS_OK) {
      goto out_free;
    }
  }
  if ((st = attach_pool(b, s)) != ECS_OK) {
    goto out_free;
  }
  if ((st = ecs__world_add_scheduler(w, s)) != ECS_OK) {
    st = ecs__fail(w, st, "cannot register the scheduler with its world");
    goto out_free;
  }
  ecs__sched_state_adopt(s);
  ecs__free(w, order, s->group_cap * sizeof *order);
  ecs__c_lists_free(w, &lists, s->system_cap);
  *out = s;
  ecs__ok(w);
  return ECS_OK;

out_free:
  ecs__free(w, order, s->group_cap * sizeof *order);
  ecs__c_lists_free(w, &lists, s->system_cap);
  ecs_scheduler_free(s);
  return st;
}

ecs_status_t ecs_scheduler_build(ecs_scheduler_builder_t *b, ecs_scheduler_t **out) {
  if (out) {
    *out = NULL;
  }
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st;
  if (!out) {
    st = ecs__fail(b->world, ECS_ERR_INVALID_ARGUMENT, "out is NULL");
  } else if (b->world->in_tick) {
    /* systems' queries cannot be created while the world's structure is frozen */
    st = ecs__fail(b->world, ECS_ERR_BUSY, "ecs_scheduler_build during a tick");
  } else {
    st = build(b, out);
  }
  ecs_scheduler_builder_free(b);
  return st;
}

static s_system_t *find_system(const ecs_scheduler_t *s, const char *name) {
  for (uint32_t i = 0; s && name && i < s->system_count; ++i) {
    if (strcmp(s->systems[i].name, name) == 0) {
      return &s->systems[i];
    }
  }
  return NULL;
}

ecs_status_t ecs_scheduler_enable_system(ecs_scheduler_t *s, const char *name) {
  if (!s || !name) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (s->world->in_tick) {
    return ECS_ERR_BUSY;
  }
  s_system_t *sys = find_system(s, name);
  if (!sys) {
    return ecs__fail(s->world, ECS_ERR_NOT_FOUND, "no system '%s' in this scheduler", name);
  }
  sys->quarantined = false;
  sys->fail_streak = 0;
  ecs__ok(s->world);
  return ECS_OK;
}

bool ecs_scheduler_system_enabled(const ecs_scheduler_t *s, const char *name) {
  const s_system_t *sys = find_system(s, name);
  return sys && !sys->quarantined;
}

ecs_status_t ecs_scheduler_set_tick(ecs_scheduler_t *s, uint64_t tick) {
  if (!s) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (s->world->in_tick) {
    return ECS_ERR_BUSY;
  }
  s->tick = tick;
  return ECS_OK;
}

uint64_t ecs_scheduler_tick_count(const ecs_scheduler_t *s) {
  return s ? s->tick : 0;
}

ecs_status_t ecs_scheduler_fixed_step(const ecs_scheduler_t *s, const char *group, ecs_fixed_step_t *out) {
  if (!s || !group || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  for (uint32_t i = 0; i < s->group_count; ++i) {
    const s_group_t *g = &s->groups[i];
    if (strcmp(g->name, group) != 0) {
      continue;
    }
    if (g->fixed_dt <= 0.0) {
      return ECS_ERR_INVALID_ARGUMENT;
    }
    double alpha = g->accumulator / g->fixed_dt;
    out->fixed_dt = g->fixed_dt;
    out->accumulator = g->accumulator;
    out->alpha = alpha < 0.0 ? 0.0 : alpha < 1.0 ? alpha : 0x1.fffffffffffffp-1; /* below 1 whatever the rounding */
    return ECS_OK;
  }
  return ECS_ERR_NOT_FOUND;
}

uint32_t ecs_scheduler_group_order(const ecs_scheduler_t *s, const char **names, uint32_t cap) {
  if (!s) {
    return 0;
  }
  for (uint32_t i = 0; i < s->group_count && i < cap && names; ++i) {
    names[i] = s->groups[i].name;
  }
  return s->group_count;
}
