/* What a scheduler records into its digest log (digest.h), and when. The
 * tick loop (scheduler.c) calls in here only when a log is attached: two
 * branches per group run and two per tick otherwise.
 *
 * Every record is computed on the ticking thread at a point where the
 * world does not depend on the thread count: after a system of a SYNC
 * group (systems run one after another), after the whole of an ASYNC
 * group (its systems may run at once, so no state between them is the
 * same on every run), after each system's commands at the barrier
 * (applied in declared order), at the end of the tick. */
#include "digest_internal.h"
#include "scheduler_internal.h"

#include <stdlib.h>
#include <string.h>

struct ecs__digest_t {
  ecs_world_t *world; /* the scheduler's: this state's allocations */
  ecs_digest_log_t *log;
  ecs_digest_level_t level;
  uint32_t *group_name;  /* name index per group of the scheduler */
  uint32_t *system_name; /* per system */
  uint32_t *comp_name;   /* per component id; ECS__DLOG_NO_NAME until resolved */
  uint32_t comp_cap;
  uint32_t empty_name;    /* "" */
  uint32_t entities_name; /* "(entities)" */
  uint32_t world_name;    /* "(world)" */
  uint8_t *touched;       /* per component id: named by the commands being applied */
  uint32_t touched_cap;
  bool touched_all;
  bool commands; /* the system whose buffers are being applied had commands */
  ecs__dlog_entry_t *scratch;
  size_t scratch_count;
  size_t scratch_cap;
  uint64_t tick;
};

/* name tables have a slot even for no group or system (calloc of 0) */
static uint32_t slots(uint32_t n) {
  return n ? n : 1;
}

static void digest_free(ecs_world_t *w, ecs__digest_t *d, uint32_t groups, uint32_t systems) {
  if (!d) {
    return;
  }
  ecs__free(w, d->group_name, (size_t)slots(groups) * sizeof *d->group_name);
  ecs__free(w, d->system_name, (size_t)slots(systems) * sizeof *d->system_name);
  ecs__free(w, d->comp_name, (size_t)d->comp_cap * sizeof *d->comp_name);
  ecs__free(w, d->touched, d->touched_cap);
  ecs__free(w, d->scratch, d->scratch_cap * sizeof *d->scratch);
  ecs__free(w, d, sizeof *d);
}

void ecs__digest_detach(ecs_scheduler_t *s) {
  if (s->digest) {
    s->digest->log->sched = NULL;
    digest_free(s->world, s->digest, s->group_count, s->system_count);
    s->digest = NULL;
  }
}

void ecs__digest_log_detach(ecs_digest_log_t *log) {
  if (log->sched) {
    ecs__digest_detach(log->sched);
  }
}

ecs_status_t ecs_scheduler_set_digests(ecs_scheduler_t *s, ecs_digest_log_t *log, ecs_digest_level_t level) {
  if (!s || (uint32_t)level > ECS_DIGEST_ENTITIES) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = s->world;
  if (w->in_tick) {
    return ecs__fail(w, ECS_ERR_BUSY, "ecs_scheduler_set_digests called during a tick");
  }
  if (!log || level == ECS_DIGEST_OFF) {
    ecs__digest_detach(s);
    ecs__ok(w);
    return ECS_OK;
  }
  if (log->sched && log->sched != s) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_scheduler_set_digests: the log records another scheduler");
  }
  ecs__digest_t *d = ecs__calloc(w, sizeof *d);
  bool ok = d != NULL;
  if (ok) {
    d->world = w;
    d->log = log;
    d->level = level;
    d->group_name = ecs__calloc(w, (size_t)slots(s->group_count) * sizeof *d->group_name);
    d->system_name = ecs__calloc(w, (size_t)slots(s->system_count) * sizeof *d->system_name);
    ok = d->group_name && d->system_name;
  }
  for (uint32_t i = 0; ok && i < s->group_count; ++i) {
    d->group_name[i] = ecs__digest_log_name(log, s->groups[i].name);
    ok = d->group_name[i] != ECS__DLOG_NO_NAME;
  }
  for (uint32_t i = 0; ok && i < s->system_count; ++i) {
    d->system_name[i] = ecs__digest_log_name(log, s->systems[i].name);
    ok = d->system_name[i] != ECS__DLOG_NO_NAME;
  }
  if (ok) {
    d->empty_name = ecs__digest_log_name(log, "");
    d->entities_name = ecs__digest_log_name(log, "(entities)");
    d->world_name = ecs__digest_log_name(log, "(world)");
    ok = d->empty_name != ECS__DLOG_NO_NAME && d->entities_name != ECS__DLOG_NO_NAME &&
         d->world_name != ECS__DLOG_NO_NAME;
  }
  if (!ok) {
    digest_free(w, d, s->group_count, s->system_count);
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot attach the digest log");
  }
  ecs__digest_detach(s);
  log->sched = s;
  s->digest = d;
  ecs__ok(w);
  return ECS_OK;
}

static void fail(ecs__digest_t *d) {
  if (d->log->error == ECS_OK) {
    d->log->error = ECS_ERR_NO_MEMORY;
  }
}

/* The name index of component c (resolved once; components registered
 * after the attach are resolved when first digested). */
static uint32_t comp_name(ecs__digest_t *d, const ecs_world_t *w, ecs_component_t c) {
  if (c >= d->comp_cap) {
    uint32_t old = d->comp_cap;
    uint32_t cap = w->component_count > c ? w->component_count : c + 1;
    void *p =
        ecs__realloc(d->world, d->comp_name, (size_t)old * sizeof *d->comp_name, (size_t)cap * sizeof *d->comp_name);
    if (!p) {
      return ECS__DLOG_NO_NAME;
    }
    d->comp_name = p;
    d->comp_cap = cap;
    for (uint32_t i = old; i < cap; ++i) {
      d->comp_name[i] = ECS__DLOG_NO_NAME;
    }
  }
  if (d->comp_name[c] == ECS__DLOG_NO_NAME) {
    const ecs__component_t *comp = ecs__component_get(w, c);
    d->comp_name[c] = ecs__digest_log_name(d->log, comp ? comp->name : "?");
  }
  return d->comp_name[c];
}

static void scratch_add(void *user, ecs_entity_t e, uint64_t hash) {
  ecs__digest_t *d = user;
  if (d->scratch_count == d->scratch_cap) {
    size_t cap = d->scratch_cap ? d->scratch_cap * 2 : 1024;
    void *p = ecs__realloc(d->world, d->scratch, d->scratch_cap * sizeof *d->scratch, cap * sizeof *d->scratch);
    if (!p) {
      fail(d);
      return;
    }
    d->scratch = p;
    d->scratch_cap = cap;
  }
  d->scratch[d->scratch_count++] = (ecs__dlog_entry_t){e, hash};
}

static int entry_cmp(const void *a, const void *b) {
  const ecs__dlog_entry_t *x = a;
  const ecs__dlog_entry_t *y = b;
  return x->entity < y->entity ? -1 : x->entity > y->entity;
}

/* Appends the record; with entity hashes, those in the scratch (sorted
 * by entity, so the storage order does not matter). */
static void append(ecs__digest_t *d, ecs__dlog_rec_t *rec) {
  rec->tick = d->tick;
  size_t n = 0;
  if (d->level >= ECS_DIGEST_ENTITIES && d->scratch_count > 0) {
    qsort(d->scratch, d->scratch_count, sizeof *d->scratch, entry_cmp);
    n = d->scratch_count;
  }
  (void)ecs__digest_log_append(d->log, rec, d->scratch, n);
  d->scratch_count = 0;
}

/* The digest of one component's values: as ecs_component_checksum()
 * (0 for a transient one), with its entity hashes in the scratch. */
static void record_component(ecs__digest_t *d, const ecs_world_t *w, ecs__dlog_rec_t *rec, ecs_component_t c) {
  const ecs__component_t *comp = ecs__component_get(w, c);
  if (!comp || (comp->flags & ECS_COMPONENT_TRANSIENT)) {
    return;
  }
  rec->component = comp_name(d, w, c);
  rec->digest = ecs_component_checksum(w, c);
  if (d->level >= ECS_DIGEST_ENTITIES) {
    ecs__component_hashes(w, c, scratch_add, d);
    if (comp->resource) {
      scratch_add(d, ECS_ENTITY_NULL, ecs__resource_hash(w, c));
    }
  }
  append(d, rec);
}

void ecs__digest_tick_begin(ecs_scheduler_t *s) {
  ecs__digest_t *d = s->digest;
  d->tick = s->tick;
  if (d->log->error == ECS_OK) {
    ecs__digest_log_truncate(d->log, s->tick);
  }
}

void ecs__digest_system(ecs_scheduler_t *s, const s_group_t *g, const s_system_t *sys) {
  ecs__digest_t *d = s->digest;
  const ecs_world_t *w = s->world;
  ecs__dlog_rec_t rec = {.group = d->group_name[g - s->groups], .system = d->system_name[sys - s->systems]};
  for (uint32_t i = 0; i < sys->access_count && d->log->error == ECS_OK; ++i) {
    const access_t *a = &sys->access[i];
    bool seen = !a->write;
    for (uint32_t k = 0; k < i && !seen; ++k) {
      seen = sys->access[k].write && sys->access[k].id == a->id && sys->access[k].resource == a->resource;
    }
    if (seen) {
      continue;
    }
    if (a->resource) {
      const ecs__component_t *comp = ecs__component_get(w, a->id);
      if (!comp || (comp->flags & ECS_COMPONENT_TRANSIENT)) {
        continue;
      }
      rec.kind = ECS_DIGEST_RESOURCE;
      rec.component = comp_name(d, w, a->id);
      rec.digest = ecs__resource_hash(w, a->id);
      if (d->level >= ECS_DIGEST_ENTITIES) {
        scratch_add(d, ECS_ENTITY_NULL, rec.digest);
      }
      append(d, &rec);
    } else {
      rec.kind = ECS_DIGEST_WRITE;
      record_component(d, w, &rec, a->id);
    }
  }
}

void ecs__digest_group(ecs_scheduler_t *s, const s_group_t *g) {
  for (uint32_t i = 0; i < g->count; ++i) {
    ecs__digest_system(s, g, &s->systems[g->first + i]);
  }
}

void ecs__digest_commands_begin(ecs_scheduler_t *s, const s_system_t *sys) {
  ecs__digest_t *d = s->digest;
  const ecs_world_t *w = s->world;
  d->commands = ecs_cmd_buffer_count(sys->commands) != 0;
  for (uint32_t k = 0; k < sys->slice_count; ++k) {
    d->commands |= ecs_cmd_buffer_count(sys->slices[k].commands) != 0;
  }
  if (!d->commands || d->log->error != ECS_OK) {
    return;
  }
  if (d->touched_cap < w->component_count) {
    void *p = ecs__realloc(s->world, d->touched, d->touched_cap, w->component_count);
    if (!p) {
      fail(d);
      return;
    }
    d->touched = p;
    d->touched_cap = w->component_count;
  }
  memset(d->touched, 0, d->touched_cap);
  d->touched_all = false;
  ecs__cmd_buffer_touched(sys->commands, d->touched, &d->touched_all);
  for (uint32_t k = 0; k < sys->slice_count; ++k) {
    ecs__cmd_buffer_touched(sys->slices[k].commands, d->touched, &d->touched_all);
  }
  /* an observer of a named component may change any other */
  for (uint32_t c = 1; c < w->component_count && !d->touched_all; ++c) {
    d->touched_all = d->touched[c] && w->components[c]->observer_count != 0;
  }
}

void ecs__digest_commands_end(ecs_scheduler_t *s, const s_group_t *g, const s_system_t *sys) {
  ecs__digest_t *d = s->digest;
  if (!d->commands || d->log->error != ECS_OK) {
    return;
  }
  d->commands = false;
  const ecs_world_t *w = s->world;
  ecs__dlog_rec_t rec = {.kind = ECS_DIGEST_COMMANDS,
                         .group = d->group_name[g - s->groups],
                         .system = d->system_name[sys - s->systems],
                         .component = d->entities_name,
                         .digest = ecs__registry_digest(w)};
  if (d->level >= ECS_DIGEST_ENTITIES) {
    for (uint32_t i = 1; i < w->record_count; ++i) {
      const ecs__entity_record_t *r = &w->records[i];
      if (r->alive) {
        ecs_entity_t e = ECS_ENTITY_MAKE(i, r->generation);
        scratch_add(d, e, ecs__entities_hash(e));
      }
    }
  }
  append(d, &rec);
  for (uint32_t c = 1; c < w->component_count && c < d->touched_cap && d->log->error == ECS_OK; ++c) {
    if (d->touched_all || d->touched[c]) {
      record_component(d, w, &rec, c);
    }
  }
}

void ecs__digest_tick_end(ecs_scheduler_t *s) {
  ecs__digest_t *d = s->digest;
  if (d->log->error != ECS_OK) {
    return;
  }
  ecs__dlog_rec_t rec = {.tick = d->tick,
                         .kind = ECS_DIGEST_TICK,
                         .group = d->empty_name,
                         .system = d->empty_name,
                         .component = d->world_name,
                         .digest = ecs_world_checksum(s->world)};
  d->scratch_count = 0;
  (void)ecs__digest_log_append(d->log, &rec, NULL, 0);
}
