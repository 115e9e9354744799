/* Scheduler: builder validation (names, dependencies, cycles), topological
 * group order, and the tick loop with barriers. */
#define _POSIX_C_SOURCE 200809L
#include "private.h"
#include "util/time.h"

#include <stdio.h>
#include <string.h>

typedef struct b_group_t {
  char *name;
  ecs_group_mode_t mode;
  char *after[ECS_GROUP_MAX_DEPS];
  char *before[ECS_GROUP_MAX_DEPS];
} b_group_t;

typedef struct b_system_t {
  char *name;
  uint32_t group; /* index into groups */
  ecs_system_desc_t desc;
} b_system_t;

struct ecs_scheduler_builder_t {
  ecs_world_t *world;
  b_group_t *groups;
  uint32_t group_count;
  uint32_t group_cap;
  b_system_t *systems;
  uint32_t system_count;
  uint32_t system_cap;
  ecs_status_t error; /* first error of an add call */
  char error_msg[ECS_ERROR_MAX];
};

typedef struct s_system_t {
  char *name;
  ecs_query_t *query;
  ecs_cmd_buffer_t *commands;
  ecs_system_fn callback;
  void *user;
  ecs_error_policy_t policy;
  uint32_t attempts;
} s_system_t;

typedef struct s_group_t {
  char *name;
  uint32_t first; /* systems[first, first + count) */
  uint32_t count;
} s_group_t;

struct ecs_scheduler_t {
  ecs_world_t *world;
  s_group_t *groups; /* in run order */
  uint32_t group_count;
  s_system_t *systems; /* grouped by run order, declared order within */
  uint32_t system_count;
  uint32_t group_cap;
  uint32_t system_cap;
  ecs_group_stats_t *stats;
  uint64_t tick;
};

ecs_scheduler_builder_t *ecs_scheduler_builder_new(ecs_world_t *world) {
  if (!world) {
    return NULL;
  }
  ecs_scheduler_builder_t *b = ecs__calloc(world, sizeof *b);
  if (b) {
    b->world = world;
  }
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
  if ((unsigned)desc->on_error > (unsigned)ECS_ON_ERROR_RETRY) {
    return b_error(b, ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "system '%s': invalid error policy", desc->name));
  }
  for (uint32_t i = 0; i < b->system_count; ++i) {
    if (strcmp(b->systems[i].name, desc->name) == 0) {
      return b_error(b, ecs__fail(w, ECS_ERR_DUPLICATE, "system '%s' is added twice", desc->name));
    }
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

void ecs_scheduler_free(ecs_scheduler_t *s) {
  if (!s) {
    return;
  }
  ecs_world_t *w = s->world;
  for (uint32_t i = 0; i < s->system_count; ++i) {
    ecs__strfree(w, s->systems[i].name);
    ecs_query_free(s->systems[i].query);
    ecs_cmd_buffer_free(s->systems[i].commands);
  }
  for (uint32_t i = 0; i < s->group_count; ++i) {
    ecs__strfree(w, s->groups[i].name);
  }
  ecs__free(w, s->systems, (size_t)s->system_cap * sizeof *s->systems);
  ecs__free(w, s->groups, (size_t)s->group_cap * sizeof *s->groups);
  ecs__free(w, s->stats, (size_t)s->group_cap * sizeof *s->stats);
  ecs__free(w, s, sizeof *s);
}

static ecs_status_t build_system(ecs_world_t *w, b_system_t *src, s_system_t *dst) {
  dst->callback = src->desc.callback;
  dst->user = src->desc.user;
  dst->policy = src->desc.on_error;
  uint32_t retries = src->desc.max_retries ? src->desc.max_retries : 1;
  dst->attempts = dst->policy == ECS_ON_ERROR_RETRY ? 1 + retries : 1;
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

static ecs_status_t build(ecs_scheduler_builder_t *b, ecs_scheduler_t **out) {
  ecs_world_t *w = b->world;
  if (b->error != ECS_OK) {
    return ecs__fail(w, b->error, "%s", b->error_msg);
  }
  for (uint32_t i = 0; i < b->group_count; ++i) {
    if (b->groups[i].mode == ECS_GROUP_ASYNC) {
      return ecs__fail(w, ECS_ERR_UNSUPPORTED, "group '%s': ASYNC groups need the worker pool, not built yet",
                       b->groups[i].name);
    }
  }
  ecs_scheduler_t *s = ecs__calloc(w, sizeof *s);
  if (!s) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot allocate scheduler");
  }
  s->world = w;
  /* arrays are sized for at least one element so that an empty schedule
   * needs no special case; free() uses the caps */
  s->group_count = b->group_count;
  s->group_cap = b->group_count ? b->group_count : 1;
  s->system_count = b->system_count;
  s->system_cap = b->system_count ? b->system_count : 1;
  uint32_t *order = ecs__alloc(w, s->group_cap * sizeof *order);
  s->groups = ecs__calloc(w, s->group_cap * sizeof *s->groups);
  s->stats = ecs__calloc(w, s->group_cap * sizeof *s->stats);
  s->systems = ecs__calloc(w, s->system_cap * sizeof *s->systems);
  ecs_status_t st = ECS_OK;
  if (!order || !s->groups || !s->stats || !s->systems) {
    st = ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot allocate scheduler");
    goto out_free;
  }
  if ((st = topo_order(b, order)) != ECS_OK) {
    goto out_free;
  }
  uint32_t next = 0;
  for (uint32_t k = 0; k < b->group_count; ++k) {
    uint32_t gi = order[k];
    s_group_t *g = &s->groups[k];
    g->name = b->groups[gi].name; /* ownership moves from the builder */
    b->groups[gi].name = NULL;
    g->first = next;
    for (uint32_t i = 0; i < b->system_count; ++i) {
      if (b->systems[i].group == gi && (st = build_system(w, &b->systems[i], &s->systems[next++])) != ECS_OK) {
        goto out_free;
      }
    }
    g->count = next - g->first;
    s->stats[k].name = g->name;
  }
  ecs__free(w, order, s->group_cap * sizeof *order);
  *out = s;
  ecs__ok(w);
  return ECS_OK;

out_free:
  ecs__free(w, order, s->group_cap * sizeof *order);
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
  ecs_status_t st = out ? build(b, out) : ecs__fail(b->world, ECS_ERR_INVALID_ARGUMENT, "out is NULL");
  ecs_scheduler_builder_free(b);
  return st;
}

uint64_t ecs_scheduler_tick_count(const ecs_scheduler_t *s) {
  return s ? s->tick : 0;
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

/* Runs one system under its error policy. Returns false when the tick must
 * stop (FAIL, or RETRY exhausted). */
static bool run_system(ecs_scheduler_t *s, s_system_t *sys, double dt, ecs_tick_result_t *r) {
  ecs_system_ctx_t ctx = {
      .world = s->world,
      .dt = dt,
      .tick = s->tick,
      .commands = sys->commands,
      .user = sys->user,
      .name = sys->name,
  };
  ecs_status_t st = ECS_OK;
  for (uint32_t attempt = 0; attempt < sys->attempts; ++attempt) {
    ctx.it = ecs_query_iter(sys->query);
    st = sys->callback(&ctx);
    if (st == ECS_OK) {
      r->systems_run++;
      return true;
    }
    /* a failed run leaves nothing behind */
    ecs_cmd_buffer_clear(sys->commands);
  }
  r->systems_failed++;
  if (!r->failed_system) {
    r->failed_system = sys->name;
    r->failed_status = st;
  }
  ecs__log(s->world, ECS_LOG_WARN, "tick=%llu system=%s failed: %s", (unsigned long long)s->tick, sys->name,
           ecs_err_name(st));
  return sys->policy == ECS_ON_ERROR_SKIP;
}

ecs_status_t ecs_scheduler_tick(ecs_scheduler_t *s, double dt, ecs_tick_result_t *result) {
  if (!s) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = s->world;
  ecs_tick_result_t local = {0};
  ecs_tick_result_t *r = result ? result : &local;
  *r = (ecs_tick_result_t){0};
  if (w->in_tick) {
    r->status = ecs__fail(w, ECS_ERR_BUSY, "ecs_scheduler_tick called from inside a tick");
    return r->status;
  }
  uint64_t t0 = ecs__now_ns();
  r->tick = ++s->tick;
  r->groups = s->stats;
  r->group_count = s->group_count;
  ecs_status_t apply_error = ECS_OK;
  bool stop = false;
  for (uint32_t gi = 0; gi < s->group_count; ++gi) {
    s_group_t *g = &s->groups[gi];
    ecs_group_stats_t *gs = &s->stats[gi];
    gs->commands_applied = 0;
    gs->systems_run = 0;
    gs->run_ns = gs->apply_ns = 0;
    if (stop) {
      r->systems_skipped += g->count;
      continue;
    }
    uint64_t g0 = ecs__now_ns();
    uint32_t run_before = r->systems_run;
    w->in_tick = true;
    for (uint32_t i = 0; i < g->count && !stop; ++i) {
      stop = !run_system(s, &s->systems[g->first + i], dt, r);
      if (stop) {
        r->systems_skipped += g->count - i - 1;
      }
    }
    w->in_tick = false;
    uint64_t g1 = ecs__now_ns();
    /* the barrier: buffers in system order, never completion order */
    for (uint32_t i = 0; i < g->count; ++i) {
      ecs_cmd_stats_t cs;
      ecs_status_t st = ecs__cmd_buffer_apply(s->systems[g->first + i].commands, &cs);
      gs->commands_applied += cs.applied;
      r->commands_skipped += cs.skipped;
      if (st != ECS_OK && apply_error == ECS_OK) {
        apply_error = st;
      }
    }
    r->commands_applied += gs->commands_applied;
    gs->systems_run = r->systems_run - run_before;
    gs->run_ns = g1 - g0;
    gs->apply_ns = ecs__now_ns() - g1;
  }
  r->duration_ns = ecs__now_ns() - t0;
  r->status = stop ? ECS_ERR_SYSTEM_FAILED : apply_error;
  ecs__log(w, ECS_LOG_DEBUG, "tick=%llu duration_us=%.1f commands_applied=%zu systems_run=%u systems_failed=%u",
           (unsigned long long)r->tick, (double)r->duration_ns / 1000.0, r->commands_applied, r->systems_run,
           r->systems_failed);
  if (r->status == ECS_OK) {
    ecs__ok(w);
  } else if (stop) {
    ecs__fail(w, r->status, "system '%s' failed: %s", r->failed_system, ecs_strerror(r->failed_status));
  } else {
    ecs__fail(w, r->status, "command apply failed: %s", ecs_strerror(r->status));
  }
  return r->status;
}
