/* The scheduler state that decides what a tick does, saved in snapshots
 * (section 6, docs/snapshot-format.md): per scheduler its tick count, per
 * group its fixed-step accumulator, per system its failure streak,
 * quarantine and change-detection position (what its query has seen). Everything else a scheduler keeps (timings, the
 * inline or dispatch choice) changes how fast a tick runs, never what it does.
 *
 * A load parses the section without touching anything (all or nothing),
 * then at commit hands each entry to the first scheduler of the world whose
 * groups and systems have the same names in the same order. Entries no
 * scheduler took stay with the world until a scheduler built later takes
 * them, so "load, then build the schedule" restores the state too. */
#include "scheduler_internal.h"
#include "snapshot_internal.h"

#include <math.h>
#include <string.h>

typedef struct st_name_t {
  const uint8_t *name; /* into the state's copy of the section */
  uint16_t len;
} st_name_t;

typedef struct st_entry_t {
  uint64_t tick;
  uint32_t first_group, group_count;   /* into groups[] */
  uint32_t first_system, system_count; /* into systems[] */
  bool claimed;
} st_entry_t;

typedef struct st_group_t {
  st_name_t name;
  double accumulator;
} st_group_t;

typedef struct st_system_t {
  st_name_t name;
  uint32_t fail_streak;
  bool quarantined;
  uint64_t position; /* its query's change-detection position */
} st_system_t;

struct ecs__sched_state_t {
  size_t block_size;
  uint8_t *bytes; /* the section, copied */
  st_entry_t *entries;
  st_group_t *groups;
  st_system_t *systems;
  uint32_t entry_count, group_count, system_count;
};

#define ST_QUARANTINED 1u

/* ---- save ---------------------------------------------------------------- */

static size_t name_size(const char *name) {
  return 2 + strlen(name);
}

static uint8_t *put_name(uint8_t *p, const char *name) {
  size_t n = strlen(name);
  p[0] = (uint8_t)n;
  p[1] = (uint8_t)(n >> 8);
  memcpy(p + 2, name, n); // NOLINT(bugprone-not-null-terminated-result): length-prefixed, no NUL
  return p + 2 + n;
}

/* Bytes of one scheduler's entry; 0 when a name is too long to save. */
static size_t entry_size(const ecs_scheduler_t *s) {
  size_t n = 8 + 4 + 4;
  for (uint32_t i = 0; i < s->group_count; ++i) {
    if (strlen(s->groups[i].name) > UINT16_MAX) {
      return 0;
    }
    n += name_size(s->groups[i].name) + 8;
  }
  for (uint32_t i = 0; i < s->system_count; ++i) {
    if (strlen(s->systems[i].name) > UINT16_MAX) {
      return 0;
    }
    n += name_size(s->systems[i].name) + 16;
  }
  return n;
}

ecs_status_t ecs__sched_state_save(ecs_world_t *w, const ecs_writer_t *out) {
  uint8_t head[4];
  ecs__put_le32(head, w->scheduler_count);
  ecs_status_t st = out->write(out->user, head, sizeof head);
  for (uint32_t k = 0; k < w->scheduler_count && st == ECS_OK; ++k) {
    const ecs_scheduler_t *s = w->schedulers[k];
    size_t n = entry_size(s);
    if (n == 0) {
      return ecs__fail(w, ECS_ERR_LIMIT, "a group or system name over 65535 bytes cannot be saved");
    }
    uint8_t *buf = ecs__alloc(w, n);
    if (!buf) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot save the scheduler state");
    }
    uint8_t *p = buf;
    ecs__put_le64(p, s->tick);
    ecs__put_le32(p + 8, s->group_count);
    p += 12;
    for (uint32_t i = 0; i < s->group_count; ++i) {
      p = put_name(p, s->groups[i].name);
      uint64_t bits;
      memcpy(&bits, &s->groups[i].accumulator, sizeof bits);
      ecs__put_le64(p, bits);
      p += 8;
    }
    ecs__put_le32(p, s->system_count);
    p += 4;
    for (uint32_t i = 0; i < s->system_count; ++i) {
      const s_system_t *sys = &s->systems[i];
      p = put_name(p, sys->name);
      ecs__put_le32(p, sys->fail_streak);
      ecs__put_le32(p + 4, sys->quarantined ? ST_QUARANTINED : 0u);
      ecs__put_le64(p + 8, sys->query ? ecs__query_position(sys->query) : 0);
      p += 16;
    }
    st = out->write(out->user, buf, n);
    ecs__free(w, buf, n);
  }
  return st;
}

/* ---- parse ----------------------------------------------------------------- */

static st_name_t rd_name(ecs__cur_t *r) {
  const uint8_t *p = ecs__cur_take(r, 2);
  st_name_t nm = {NULL, p ? ecs__le16(p) : 0};
  nm.name = ecs__cur_take(r, nm.len);
  if (nm.len == 0) {
    r->bad = true; /* names are never empty */
  }
  return nm;
}

/* One pass over the section: counts only (out NULL), or fills out. */
static bool walk(const uint8_t *bytes, size_t n, ecs__sched_state_t *out, uint32_t *entries, uint32_t *groups,
                 uint32_t *systems) {
  ecs__cur_t r = {bytes, n, 0, false, NULL};
  uint32_t ne = ecs__cur32(&r);
  uint32_t ng = 0;
  uint32_t ns = 0;
  for (uint32_t e = 0; e < ne && !r.bad; ++e) {
    st_entry_t en = {.tick = ecs__cur64(&r), .first_group = ng, .first_system = ns};
    en.group_count = ecs__cur32(&r);
    if (en.group_count > (n - r.pos) / 10) {
      return false;
    }
    for (uint32_t i = 0; i < en.group_count && !r.bad; ++i, ++ng) {
      st_group_t g = {.name = rd_name(&r)};
      uint64_t bits = ecs__cur64(&r);
      memcpy(&g.accumulator, &bits, sizeof bits);
      if (!isfinite(g.accumulator) || g.accumulator < 0.0) {
        return false;
      }
      if (out) {
        out->groups[ng] = g;
      }
    }
    en.system_count = ecs__cur32(&r);
    if (en.system_count > (n - r.pos) / 10) {
      return false;
    }
    for (uint32_t i = 0; i < en.system_count && !r.bad; ++i, ++ns) {
      st_system_t sy = {.name = rd_name(&r), .fail_streak = ecs__cur32(&r)};
      uint32_t flags = ecs__cur32(&r);
      if (flags & ~ST_QUARANTINED) {
        return false;
      }
      sy.quarantined = (flags & ST_QUARANTINED) != 0;
      sy.position = ecs__cur64(&r);
      if (out) {
        out->systems[ns] = sy;
      }
    }
    if (out) {
      out->entries[e] = en;
    }
  }
  if (r.bad || r.pos != n) {
    return false;
  }
  *entries = ne;
  *groups = ng;
  *systems = ns;
  return true;
}

ecs_status_t ecs__sched_state_parse(ecs_world_t *w, const uint8_t *bytes, size_t n, ecs__sched_state_t **out) {
  *out = NULL;
  uint32_t ne, ng, ns;
  if (!walk(bytes, n, NULL, &ne, &ng, &ns)) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "snapshot is corrupt: bad scheduler state");
  }
  if (ne == 0) {
    return ECS_OK;
  }
  size_t size = sizeof(ecs__sched_state_t) + (size_t)ne * sizeof(st_entry_t) + (size_t)ng * sizeof(st_group_t) +
                (size_t)ns * sizeof(st_system_t) + n;
  ecs__sched_state_t *st = ecs__alloc(w, size);
  if (!st) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot stage the scheduler state");
  }
  /* one block: the header, then the arrays (8-byte aligned sizes), then the bytes */
  st->block_size = size;
  st->entries = (st_entry_t *)(st + 1);
  st->groups = (st_group_t *)(st->entries + ne);
  st->systems = (st_system_t *)(st->groups + ng);
  st->bytes = (uint8_t *)(st->systems + ns);
  memcpy(st->bytes, bytes, n);
  st->entry_count = ne;
  st->group_count = ng;
  st->system_count = ns;
  (void)walk(st->bytes, n, st, &ne, &ng, &ns);
  *out = st;
  return ECS_OK;
}

void ecs__sched_state_free(ecs_world_t *w, ecs__sched_state_t *st) {
  if (st) {
    ecs__free(w, st, st->block_size);
  }
}

/* ---- apply ------------------------------------------------------------------ */

static bool same_name(st_name_t a, const char *b) {
  return strlen(b) == a.len && memcmp(a.name, b, a.len) == 0;
}

static bool entry_matches(const ecs__sched_state_t *st, const st_entry_t *e, const ecs_scheduler_t *s) {
  if (e->group_count != s->group_count || e->system_count != s->system_count) {
    return false;
  }
  for (uint32_t i = 0; i < s->group_count; ++i) {
    if (!same_name(st->groups[e->first_group + i].name, s->groups[i].name)) {
      return false;
    }
  }
  for (uint32_t i = 0; i < s->system_count; ++i) {
    if (!same_name(st->systems[e->first_system + i].name, s->systems[i].name)) {
      return false;
    }
  }
  return true;
}

/* Gives s the first unclaimed entry of its shape; false when there is none. */
static bool claim(ecs__sched_state_t *st, ecs_scheduler_t *s) {
  for (uint32_t k = 0; k < st->entry_count; ++k) {
    st_entry_t *e = &st->entries[k];
    if (e->claimed || !entry_matches(st, e, s)) {
      continue;
    }
    e->claimed = true;
    s->tick = e->tick;
    for (uint32_t i = 0; i < s->group_count; ++i) {
      s->groups[i].accumulator = st->groups[e->first_group + i].accumulator;
    }
    for (uint32_t i = 0; i < s->system_count; ++i) {
      const st_system_t *sy = &st->systems[e->first_system + i];
      s->systems[i].fail_streak = sy->fail_streak;
      s->systems[i].quarantined = sy->quarantined;
      if (s->systems[i].query) {
        ecs__query_rewind(s->systems[i].query, sy->position);
      }
    }
    return true;
  }
  return false;
}

static bool all_claimed(const ecs__sched_state_t *st) {
  for (uint32_t k = 0; k < st->entry_count; ++k) {
    if (!st->entries[k].claimed) {
      return false;
    }
  }
  return true;
}

void ecs__sched_state_commit(ecs_world_t *w, ecs__sched_state_t *st) {
  ecs__sched_state_free(w, w->sched_pending);
  w->sched_pending = NULL;
  if (!st) {
    return;
  }
  for (uint32_t k = 0; k < w->scheduler_count; ++k) {
    (void)claim(st, w->schedulers[k]);
  }
  if (all_claimed(st)) {
    ecs__sched_state_free(w, st);
  } else {
    w->sched_pending = st; /* for a scheduler built later */
  }
}

void ecs__sched_state_adopt(ecs_scheduler_t *s) {
  ecs_world_t *w = s->world;
  if (w->sched_pending && claim(w->sched_pending, s) && all_claimed(w->sched_pending)) {
    ecs__sched_state_free(w, w->sched_pending);
    w->sched_pending = NULL;
  }
}
