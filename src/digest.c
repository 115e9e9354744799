/* Digest logs (digest.h): records in one array, their per-entity hashes
 * in another, names interned once. The scheduler side (what is digested
 * when) is in scheduler_digest.c; this file keeps, trims, saves, loads
 * and compares logs. A file is framed like a snapshot (same header, other
 * magic), so it gets the same checks and checksums. */
#include "digest_internal.h"
#include "snapshot_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define DIGEST_MAGIC                                                                                                   \
  "\x89"                                                                                                               \
  "ECD\r\n\x1a\n"

static const ecs__snap_format_t digest_format = {DIGEST_MAGIC, 1, ECS_DIGEST_FORMAT_VERSION, "digest log"};

ecs_digest_log_t *ecs_digest_log_new(ecs_world_t *world) {
  if (!world) {
    return NULL;
  }
  ecs_digest_log_t *log = ecs__calloc(world, sizeof *log);
  if (!log) {
    (void)ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate a digest log");
    return NULL;
  }
  log->world = world;
  return log;
}

static void free_content(ecs_world_t *w, ecs__dlog_content_t *c) {
  for (uint32_t i = 0; i < c->name_count; ++i) {
    ecs__strfree(w, c->names[i]);
  }
  ecs__free(w, c->names, (size_t)c->name_cap * sizeof *c->names);
  ecs__free(w, c->recs, (size_t)c->rec_cap * sizeof *c->recs);
  ecs__free(w, c->entries, (size_t)c->entry_cap * sizeof *c->entries);
  *c = (ecs__dlog_content_t){0};
}

void ecs_digest_log_free(ecs_digest_log_t *log) {
  if (!log) {
    return;
  }
  ecs_world_t *w = log->world;
  ecs__digest_log_detach(log); /* a scheduler still recording into it stops */
  free_content(w, &log->c);
  ecs__free(w, log, sizeof *log);
}

ecs_status_t ecs_digest_log_status(const ecs_digest_log_t *log) {
  return log ? log->error : ECS_ERR_INVALID_ARGUMENT;
}

void ecs_digest_log_clear(ecs_digest_log_t *log) {
  if (log) {
    log->c.rec_count = 0;
    log->c.entry_count = 0;
    log->error = ECS_OK;
  }
}

/* The first record of a tick at or after @p tick (records are in tick order). */
static uint32_t lower_bound(const ecs__dlog_content_t *c, uint64_t tick) {
  uint32_t lo = 0;
  uint32_t hi = c->rec_count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (c->recs[mid].tick < tick) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo;
}

void ecs__digest_log_truncate(ecs_digest_log_t *log, uint64_t tick) {
  ecs__dlog_content_t *c = &log->c;
  if (c->rec_count == 0 || c->recs[c->rec_count - 1].tick < tick) {
    return;
  }
  uint32_t i = lower_bound(c, tick);
  c->entry_count = i < c->rec_count ? c->recs[i].entry : c->entry_count;
  c->rec_count = i;
}

void ecs_digest_log_drop_before(ecs_digest_log_t *log, uint64_t tick) {
  if (!log) {
    return;
  }
  ecs__dlog_content_t *c = &log->c;
  uint32_t i = lower_bound(c, tick);
  if (i == 0) {
    return;
  }
  size_t first_entry = i < c->rec_count ? c->recs[i].entry : c->entry_count;
  if (i < c->rec_count) {
    memmove(c->recs, c->recs + i, (size_t)(c->rec_count - i) * sizeof *c->recs);
  }
  c->rec_count -= i;
  if (first_entry < c->entry_count) {
    memmove(c->entries, c->entries + first_entry, (c->entry_count - first_entry) * sizeof *c->entries);
  }
  c->entry_count -= first_entry;
  for (uint32_t k = 0; k < c->rec_count; ++k) {
    c->recs[k].entry -= first_entry;
  }
}

size_t ecs_digest_log_count(const ecs_digest_log_t *log) {
  return log ? log->c.rec_count : 0;
}

uint64_t ecs_digest_log_first_tick(const ecs_digest_log_t *log) {
  return log && log->c.rec_count ? log->c.recs[0].tick : 0;
}

uint64_t ecs_digest_log_last_tick(const ecs_digest_log_t *log) {
  return log && log->c.rec_count ? log->c.recs[log->c.rec_count - 1].tick : 0;
}

uint32_t ecs__digest_log_name(ecs_digest_log_t *log, const char *name) {
  ecs__dlog_content_t *c = &log->c;
  for (uint32_t i = 0; i < c->name_count; ++i) {
    if (strcmp(c->names[i], name) == 0) {
      return i;
    }
  }
  ecs_world_t *w = log->world;
  if (!ecs__grow(&w->alloc, (void **)&c->names, sizeof *c->names, &c->name_cap, (size_t)c->name_count + 1, 16)) {
    return ECS__DLOG_NO_NAME;
  }
  char *copy = ecs__strdup(w, name);
  if (!copy) {
    return ECS__DLOG_NO_NAME;
  }
  c->names[c->name_count] = copy;
  return c->name_count++;
}

bool ecs__digest_log_append(ecs_digest_log_t *log, const ecs__dlog_rec_t *rec, const ecs__dlog_entry_t *entries,
                            size_t n) {
  ecs__dlog_content_t *c = &log->c;
  ecs_world_t *w = log->world;
  if (log->error != ECS_OK) {
    return false;
  }
  if (rec->group == ECS__DLOG_NO_NAME || rec->system == ECS__DLOG_NO_NAME || rec->component == ECS__DLOG_NO_NAME ||
      c->rec_count == UINT32_MAX || n > UINT32_MAX ||
      !ecs__grow(&w->alloc, (void **)&c->recs, sizeof *c->recs, &c->rec_cap, (size_t)c->rec_count + 1, 64)) {
    log->error = ECS_ERR_NO_MEMORY;
    return false;
  }
  if (n > 0) {
    size_t need = c->entry_count + n;
    if (need > c->entry_cap) {
      size_t cap = c->entry_cap ? c->entry_cap : 256;
      while (cap < need) {
        cap *= 2;
      }
      void *p = ecs__realloc(w, c->entries, c->entry_cap * sizeof *c->entries, cap * sizeof *c->entries);
      if (!p) {
        log->error = ECS_ERR_NO_MEMORY;
        return false;
      }
      c->entries = p;
      c->entry_cap = cap;
    }
    memcpy(c->entries + c->entry_count, entries, n * sizeof *entries);
  }
  ecs__dlog_rec_t r = *rec;
  r.entry = c->entry_count;
  r.entry_count = (uint32_t)n;
  c->entry_count += n;
  c->recs[c->rec_count++] = r;
  return true;
}

ecs_status_t ecs_digest_log_record(const ecs_digest_log_t *log, size_t index, ecs_digest_record_t *out) {
  if (!log || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  const ecs__dlog_content_t *c = &log->c;
  if (index >= c->rec_count) {
    return ECS_ERR_NOT_FOUND;
  }
  const ecs__dlog_rec_t *r = &c->recs[index];
  *out = (ecs_digest_record_t){
      .tick = r->tick,
      .kind = (ecs_digest_kind_t)r->kind,
      .group = c->names[r->group],
      .system = c->names[r->system],
      .component = c->names[r->component],
      .digest = r->digest,
      .entries = r->entry_count ? c->entries + r->entry : NULL,
      .entry_count = r->entry_count,
  };
  return ECS_OK;
}

/* ---- comparison ----------------------------------------------------------- */

static bool same_record(const ecs__dlog_content_t *ca, const ecs__dlog_rec_t *a, const ecs__dlog_content_t *cb,
                        const ecs__dlog_rec_t *b) {
  return a->kind == b->kind && strcmp(ca->names[a->group], cb->names[b->group]) == 0 &&
         strcmp(ca->names[a->system], cb->names[b->system]) == 0 &&
         strcmp(ca->names[a->component], cb->names[b->component]) == 0;
}

static void describe(ecs_divergence_t *d, const ecs__dlog_content_t *c, const ecs__dlog_rec_t *r) {
  d->tick = r->tick;
  d->kind = (ecs_digest_kind_t)r->kind;
  d->group = c->names[r->group];
  d->system = c->names[r->system];
  d->component = c->names[r->component];
}

/* The first entity (by id) whose hashes differ or that one side lacks. */
static void find_entity(ecs_divergence_t *d, const ecs__dlog_content_t *ca, const ecs__dlog_rec_t *a,
                        const ecs__dlog_content_t *cb, const ecs__dlog_rec_t *b) {
  const ecs__dlog_entry_t *ea = a->entry_count ? ca->entries + a->entry : NULL;
  const ecs__dlog_entry_t *eb = b->entry_count ? cb->entries + b->entry : NULL;
  uint32_t i = 0;
  uint32_t k = 0;
  while (i < a->entry_count || k < b->entry_count) {
    if (k >= b->entry_count || (i < a->entry_count && ea[i].entity < eb[k].entity)) {
      d->entity = ea[i].entity;
      d->entity_only_in_a = true;
      return;
    }
    if (i >= a->entry_count || eb[k].entity < ea[i].entity) {
      d->entity = eb[k].entity;
      d->entity_only_in_b = true;
      return;
    }
    if (ea[i].hash != eb[k].hash) {
      d->entity = ea[i].entity;
      return;
    }
    i++;
    k++;
  }
  d->entity_known = false; /* equal hashes: the difference is in what is not per entity */
}

ecs_status_t ecs_digest_log_compare(const ecs_digest_log_t *a, const ecs_digest_log_t *b, ecs_divergence_t *out) {
  if (!a || !b || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  *out = (ecs_divergence_t){.record_a = SIZE_MAX, .record_b = SIZE_MAX};
  if (a->error != ECS_OK) {
    return a->error;
  }
  if (b->error != ECS_OK) {
    return b->error;
  }
  const ecs__dlog_content_t *ca = &a->c;
  const ecs__dlog_content_t *cb = &b->c;
  if (ca->rec_count == 0 || cb->rec_count == 0) {
    return ECS_ERR_NOT_FOUND;
  }
  uint64_t lo = ca->recs[0].tick > cb->recs[0].tick ? ca->recs[0].tick : cb->recs[0].tick;
  uint64_t hia = ca->recs[ca->rec_count - 1].tick;
  uint64_t hib = cb->recs[cb->rec_count - 1].tick;
  uint64_t hi = hia < hib ? hia : hib;
  if (lo > hi) {
    return ECS_ERR_NOT_FOUND;
  }
  out->first_tick = lo;
  out->last_tick = hi;
  uint32_t ia = lower_bound(ca, lo);
  uint32_t ib = lower_bound(cb, lo);
  for (;;) {
    const ecs__dlog_rec_t *ra = ia < ca->rec_count && ca->recs[ia].tick <= hi ? &ca->recs[ia] : NULL;
    const ecs__dlog_rec_t *rb = ib < cb->rec_count && cb->recs[ib].tick <= hi ? &cb->recs[ib] : NULL;
    if (!ra && !rb) {
      return ECS_OK;
    }
    if (ra && rb && ra->tick == rb->tick && same_record(ca, ra, cb, rb)) {
      if (ra->digest != rb->digest) {
        out->reason = ECS_DIVERGENCE_DIGEST;
        describe(out, ca, ra);
        out->digest_a = ra->digest;
        out->digest_b = rb->digest;
        out->record_a = ia;
        out->record_b = ib;
        if (ra->kind != ECS_DIGEST_TICK && ra->entry_count + rb->entry_count > 0) {
          out->entity_known = true;
          find_entity(out, ca, ra, cb, rb);
        }
        return ECS_OK;
      }
      ia++;
      ib++;
      continue;
    }
    /* the records differ: report the earlier one's place (a's when both
     * are in the same tick) and what the other side has there */
    out->reason = ECS_DIVERGENCE_RECORD;
    if (ra && (!rb || ra->tick <= rb->tick)) {
      describe(out, ca, ra);
      out->digest_a = ra->digest;
      out->record_a = ia;
      if (rb && rb->tick == ra->tick) {
        out->b_group = cb->names[rb->group];
        out->b_system = cb->names[rb->system];
        out->b_component = cb->names[rb->component];
        out->digest_b = rb->digest;
        out->record_b = ib;
      }
    } else {
      describe(out, cb, rb);
      out->digest_b = rb->digest;
      out->record_b = ib;
      out->b_group = out->group;
      out->b_system = out->system;
      out->b_component = out->component;
      out->group = out->system = out->component = NULL;
    }
    return ECS_OK;
  }
}

static const char *kind_verb(ecs_digest_kind_t k) {
  switch (k) {
  case ECS_DIGEST_WRITE:
    return "wrote component";
  case ECS_DIGEST_RESOURCE:
    return "wrote resource";
  case ECS_DIGEST_COMMANDS:
    return "commands changed";
  default:
    return "left";
  }
}

size_t ecs_divergence_format(const ecs_divergence_t *d, char *buf, size_t cap) {
  if (!d) {
    return 0;
  }
  char tmp[1];
  if (!buf || cap == 0) {
    buf = tmp;
    cap = sizeof tmp;
  }
  int n;
  if (d->reason == ECS_DIVERGENCE_NONE) {
    n = snprintf(buf, cap, "no divergence in ticks %" PRIu64 "..%" PRIu64, d->first_tick, d->last_tick);
  } else if (d->reason == ECS_DIVERGENCE_DIGEST && d->kind == ECS_DIGEST_TICK) {
    n = snprintf(buf, cap,
                 "first divergence at tick %" PRIu64 ": the world checksum at the end of the tick (a %016" PRIx64
                 ", b %016" PRIx64 "); every system's declared writes and commands agreed, so a write no system "
                 "declared (or a change outside the scheduler) differs",
                 d->tick, d->digest_a, d->digest_b);
  } else if (d->reason == ECS_DIVERGENCE_DIGEST) {
    char ent[96];
    if (!d->entity_known) {
      snprintf(ent, sizeof ent, "%s", "entity unknown (record at ECS_DIGEST_ENTITIES to name it)");
    } else if (d->entity == ECS_ENTITY_NULL) {
      snprintf(ent, sizeof ent, "%s", "the resource differs");
    } else {
      snprintf(ent, sizeof ent, "entity %" PRIu32 "v%" PRIu32 " %s", ECS_ENTITY_INDEX(d->entity),
               ECS_ENTITY_GENERATION(d->entity),
               d->entity_only_in_a   ? "exists only in a"
               : d->entity_only_in_b ? "exists only in b"
                                     : "differs");
    }
    n = snprintf(buf, cap,
                 "first divergence at tick %" PRIu64 ": group '%s' system '%s' %s '%s', %s (a %016" PRIx64
                 ", b %016" PRIx64 ")",
                 d->tick, d->group, d->system, kind_verb(d->kind), d->component, ent, d->digest_a, d->digest_b);
  } else {
    n = snprintf(buf, cap,
                 "first divergence at tick %" PRIu64
                 ": the logs record different things: a has %s%s%s%s%s%s%s, b has %s%s%s%s%s%s%s",
                 d->tick, d->group ? "group '" : "", d->group ? d->group : "nothing", d->group ? "' system '" : "",
                 d->group ? d->system : "", d->group ? "' component '" : "", d->group ? d->component : "",
                 d->group ? "'" : "", d->b_group ? "group '" : "", d->b_group ? d->b_group : "nothing",
                 d->b_group ? "' system '" : "", d->b_group ? d->b_system : "", d->b_group ? "' component '" : "",
                 d->b_group ? d->b_component : "", d->b_group ? "'" : "");
  }
  return n > 0 ? (size_t)n : 0;
}

/* ---- files -----------------------------------------------------------------
 * Payload (little-endian): u32 flags (0), u32 name count, per name u16
 * length and its bytes; u32 record count, per record u64 tick, u8 kind,
 * u32 group, u32 system, u32 component (name indices), u64 digest, u32
 * entry count, per entry u64 entity and u64 hash (ascending entities). */

static void put_le(ecs_membuf_t *b, ecs_status_t *st, uint64_t v, int bytes) {
  uint8_t le[8];
  for (int i = 0; i < bytes; ++i) {
    le[i] = (uint8_t)(v >> (8 * i));
  }
  ecs_writer_t out = ecs_membuf_writer(b);
  if (*st == ECS_OK) {
    *st = out.write(out.user, le, (size_t)bytes);
  }
}

ecs_status_t ecs_digest_log_save(const ecs_digest_log_t *log, const ecs_writer_t *out) {
  if (!log || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = log->world;
  if (log->error != ECS_OK) {
    return ecs__fail(w, log->error, "ecs_digest_log_save: the log is incomplete (%s)", ecs_strerror(log->error));
  }
  const ecs__dlog_content_t *c = &log->c;
  ecs_membuf_t b = {.allocator = &w->alloc};
  ecs_status_t st = ECS_OK;
  uint8_t header[ECS__SNAP_HEADER_SIZE] = {0};
  ecs_writer_t mw = ecs_membuf_writer(&b);
  st = mw.write(mw.user, header, sizeof header);
  put_le(&b, &st, 0, 4);
  put_le(&b, &st, c->name_count, 4);
  for (uint32_t i = 0; i < c->name_count && st == ECS_OK; ++i) {
    size_t len = strlen(c->names[i]);
    if (len > UINT16_MAX) {
      st = ECS_ERR_LIMIT;
      break;
    }
    put_le(&b, &st, len, 2);
    if (st == ECS_OK && len > 0) {
      st = mw.write(mw.user, c->names[i], len);
    }
  }
  put_le(&b, &st, c->rec_count, 4);
  for (uint32_t i = 0; i < c->rec_count && st == ECS_OK; ++i) {
    const ecs__dlog_rec_t *r = &c->recs[i];
    put_le(&b, &st, r->tick, 8);
    put_le(&b, &st, r->kind, 1);
    put_le(&b, &st, r->group, 4);
    put_le(&b, &st, r->system, 4);
    put_le(&b, &st, r->component, 4);
    put_le(&b, &st, r->digest, 8);
    put_le(&b, &st, r->entry_count, 4);
    for (uint32_t k = 0; k < r->entry_count; ++k) {
      put_le(&b, &st, c->entries[r->entry + k].entity, 8);
      put_le(&b, &st, c->entries[r->entry + k].hash, 8);
    }
  }
  if (st == ECS_OK) {
    ecs__snap_seal(b.data, &digest_format, b.size - ECS__SNAP_HEADER_SIZE);
    st = out->write(out->user, b.data, b.size);
  }
  ecs_membuf_free(&b);
  return st == ECS_OK ? ECS_OK : ecs__fail(w, st, "cannot save the digest log: %s", ecs_strerror(st));
}

/* Parses the payload into fresh (all or nothing: the caller swaps it in). */
static ecs_status_t parse(ecs_world_t *w, ecs__dlog_content_t *fresh, const uint8_t *p, size_t n) {
  ecs__cur_t c = {p, n, 0, false, NULL};
  uint32_t flags = ecs__cur32(&c);
  if (!c.bad && flags != 0) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_VERSION, "digest log has unknown flags 0x%x", (unsigned)flags);
  }
  uint64_t names = ecs__cur32(&c);
  if (c.bad || names > ecs__cur_left(&c) / 2) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "digest log is corrupt: bad name count");
  }
  if (!ecs__grow(&w->alloc, (void **)&fresh->names, sizeof *fresh->names, &fresh->name_cap, (size_t)names, 16)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot load the digest log");
  }
  for (uint64_t i = 0; i < names; ++i) {
    uint16_t len = ecs__cur16(&c);
    const uint8_t *s = ecs__cur_take(&c, len);
    if (c.bad || memchr(s, 0, len) != NULL) {
      return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "digest log is corrupt: bad name %llu", (unsigned long long)i);
    }
    char *copy = ecs__calloc(w, (size_t)len + 1);
    if (!copy) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot load the digest log");
    }
    if (len > 0) {
      memcpy(copy, s, len);
    }
    copy[len] = '\0';
    fresh->names[fresh->name_count++] = copy;
  }
  uint64_t count = ecs__cur32(&c);
  if (c.bad || count > ecs__cur_left(&c) / 33) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "digest log is corrupt: bad record count");
  }
  if (!ecs__grow(&w->alloc, (void **)&fresh->recs, sizeof *fresh->recs, &fresh->rec_cap, (size_t)count, 16)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot load the digest log");
  }
  uint64_t prev = 0;
  for (uint64_t i = 0; i < count; ++i) {
    ecs__dlog_rec_t r = {.tick = ecs__cur64(&c)};
    const uint8_t *kind = ecs__cur_take(&c, 1);
    r.kind = kind ? kind[0] : 0;
    r.group = ecs__cur32(&c);
    r.system = ecs__cur32(&c);
    r.component = ecs__cur32(&c);
    r.digest = ecs__cur64(&c);
    uint64_t entries = ecs__cur32(&c);
    if (c.bad || r.tick < prev || r.kind > ECS_DIGEST_TICK || r.group >= names || r.system >= names ||
        r.component >= names || entries > ecs__cur_left(&c) / 16) {
      return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "digest log is corrupt: bad record %llu", (unsigned long long)i);
    }
    prev = r.tick;
    size_t need = fresh->entry_count + (size_t)entries;
    if (need > fresh->entry_cap) {
      size_t cap = fresh->entry_cap ? fresh->entry_cap : 256;
      while (cap < need) {
        cap *= 2;
      }
      void *q =
          ecs__realloc(w, fresh->entries, fresh->entry_cap * sizeof *fresh->entries, cap * sizeof *fresh->entries);
      if (!q) {
        return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot load the digest log");
      }
      fresh->entries = q;
      fresh->entry_cap = cap;
    }
    r.entry = fresh->entry_count;
    r.entry_count = (uint32_t)entries;
    for (uint64_t k = 0; k < entries; ++k) {
      ecs__dlog_entry_t e = {.entity = ecs__cur64(&c)};
      e.hash = ecs__cur64(&c);
      if (k > 0 && e.entity <= fresh->entries[fresh->entry_count - 1].entity) {
        return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "digest log is corrupt: entities out of order in record %llu",
                         (unsigned long long)i);
      }
      fresh->entries[fresh->entry_count++] = e;
    }
    fresh->recs[fresh->rec_count++] = r;
  }
  if (c.bad || c.pos != n) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "digest log is corrupt: bytes after the last record");
  }
  return ECS_OK;
}

ecs_status_t ecs_digest_log_load(ecs_digest_log_t *log, const ecs_reader_t *in) {
  if (!log || !in || !in->read) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = log->world;
  if (log->sched) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_digest_log_load: the log is attached to a scheduler");
  }
  ecs__snap_blob_t blob = {0};
  ecs_status_t st = ecs__snap_read_as(w, in, &blob, &digest_format);
  ecs__dlog_content_t fresh = {0};
  if (st == ECS_OK) {
    st = parse(w, &fresh, blob.payload, blob.payload_len);
  }
  ecs__snap_blob_free(w, &blob);
  if (st != ECS_OK) {
    free_content(w, &fresh);
    return st;
  }
  free_content(w, &log->c);
  log->c = fresh;
  log->error = ECS_OK;
  ecs__ok(w);
  return ECS_OK;
}

static ecs_status_t digest_save(const void *log, const ecs_writer_t *out) {
  return ecs_digest_log_save(log, out);
}

static ecs_status_t digest_load(void *log, const ecs_reader_t *in) {
  return ecs_digest_log_load(log, in);
}

ecs_status_t ecs_digest_log_save_file(const ecs_digest_log_t *log, const char *path) {
  if (!log || !path) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return ecs__save_file(log->world, path, digest_save, log);
}

ecs_status_t ecs_digest_log_load_file(ecs_digest_log_t *log, const char *path) {
  if (!log || !path) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return ecs__load_file(log->world, path, digest_load, log);
}
