/* Input logs and replays (replay.h): the start snapshot, then one record
 * per tick (its input bytes and, when marked, the checksum after it).
 * Records live in one array, their bytes in one buffer, both from the
 * world's allocator; a file is framed like a snapshot (same header, other
 * magic) so it gets the same checks and checksums. */
#include "private.h"
#include "scheduler_internal.h"
#include "snapshot_internal.h"

#include <stdio.h>
#include <string.h>

#define REPLAY_MAGIC                                                                                                   \
  "\x89"                                                                                                               \
  "ECR\r\n\x1a\n"

static const ecs__snap_format_t replay_format = {REPLAY_MAGIC, 1, ECS_REPLAY_FORMAT_VERSION, "replay"};

/* record flags */
#define REC_CHECKSUM 1u

typedef struct replay_rec_t {
  uint64_t tick;
  uint64_t checksum;
  size_t offset; /* of its input in bytes */
  size_t size;
  uint32_t flags;
} replay_rec_t;

struct ecs_replay_t {
  ecs_world_t *world;
  bool started;
  uint64_t start;
  ecs_membuf_t snapshot;
  replay_rec_t *recs;
  uint32_t count;
  uint32_t cap;
  ecs_membuf_t bytes;
};

ecs_replay_t *ecs_replay_new(ecs_world_t *world) {
  if (!world) {
    return NULL;
  }
  ecs_replay_t *r = ecs__calloc(world, sizeof *r);
  if (!r) {
    (void)ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate a replay");
    return NULL;
  }
  r->world = world;
  r->snapshot.allocator = &world->alloc;
  r->bytes.allocator = &world->alloc;
  return r;
}

void ecs_replay_free(ecs_replay_t *r) {
  if (!r) {
    return;
  }
  ecs_world_t *w = r->world;
  ecs_membuf_free(&r->snapshot);
  ecs_membuf_free(&r->bytes);
  ecs__free(w, r->recs, (size_t)r->cap * sizeof *r->recs);
  ecs__free(w, r, sizeof *r);
}

ecs_status_t ecs_replay_start(ecs_replay_t *r, uint64_t tick) {
  if (!r) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  /* built beside the old one and swapped in: on error nothing changed */
  ecs_membuf_t fresh = {.allocator = &r->world->alloc};
  ecs_writer_t out = ecs_membuf_writer(&fresh);
  ecs_status_t st = ecs_snapshot_save(r->world, &out);
  if (st != ECS_OK) {
    ecs_membuf_free(&fresh);
    return st;
  }
  ecs_membuf_free(&r->snapshot);
  r->snapshot = fresh;
  r->started = true;
  r->start = tick;
  r->count = 0;
  ecs_membuf_reset(&r->bytes);
  return ECS_OK;
}

/* The index of tick's record, or r->count. Records ascend by tick. */
static uint32_t find(const ecs_replay_t *r, uint64_t tick) {
  uint32_t lo = 0;
  uint32_t hi = r->count;
  while (lo < hi) {
    uint32_t mid = lo + (hi - lo) / 2;
    if (r->recs[mid].tick < tick) {
      lo = mid + 1;
    } else {
      hi = mid;
    }
  }
  return lo < r->count && r->recs[lo].tick == tick ? lo : r->count;
}

ecs_status_t ecs_replay_record(ecs_replay_t *r, uint64_t tick, const void *input, size_t size) {
  if (!r) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = r->world;
  if (!input && size > 0) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_replay_record: input is NULL for %zu bytes", size);
  }
  if (!r->started || tick <= r->start) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_replay_record: tick %llu is not after the start",
                     (unsigned long long)tick);
  }
  /* a tick recorded again (a corrected input after a rollback) replaces
   * that record and drops the later ones */
  uint32_t keep = r->count;
  while (keep > 0 && r->recs[keep - 1].tick >= tick) {
    keep--;
  }
  size_t bytes_keep = keep < r->count ? r->recs[keep].offset : r->bytes.size;
  if (!ecs__grow(&w->alloc, (void **)&r->recs, sizeof *r->recs, &r->cap, (size_t)keep + 1, 16)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot record the input of tick %llu", (unsigned long long)tick);
  }
  size_t old_size = r->bytes.size;
  r->bytes.size = bytes_keep;
  ecs_writer_t out = ecs_membuf_writer(&r->bytes);
  if (size > 0 && out.write(out.user, input, size) != ECS_OK) {
    r->bytes.size = old_size; /* the dropped bytes are still there: nothing changed */
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot record the input of tick %llu", (unsigned long long)tick);
  }
  r->recs[keep] = (replay_rec_t){.tick = tick, .offset = bytes_keep, .size = size};
  r->count = keep + 1;
  ecs__ok(w);
  return ECS_OK;
}

ecs_status_t ecs_replay_mark(ecs_replay_t *r, uint64_t tick, uint64_t checksum) {
  if (!r) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (r->count == 0 || r->recs[r->count - 1].tick != tick) {
    return ecs__fail(r->world, ECS_ERR_NOT_FOUND, "ecs_replay_mark: tick %llu is not the last one recorded",
                     (unsigned long long)tick);
  }
  r->recs[r->count - 1].checksum = checksum;
  r->recs[r->count - 1].flags |= REC_CHECKSUM;
  return ECS_OK;
}

ecs_status_t ecs_replay_input(const ecs_replay_t *r, uint64_t tick, const void **data, size_t *size) {
  if (!r || !data || !size) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  uint32_t i = find(r, tick);
  if (i == r->count) {
    return ECS_ERR_NOT_FOUND;
  }
  *data = r->recs[i].size ? r->bytes.data + r->recs[i].offset : NULL;
  *size = r->recs[i].size;
  return ECS_OK;
}

ecs_status_t ecs_replay_checksum(const ecs_replay_t *r, uint64_t tick, uint64_t *checksum) {
  if (!r || !checksum) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  uint32_t i = find(r, tick);
  if (i == r->count || !(r->recs[i].flags & REC_CHECKSUM)) {
    return ECS_ERR_NOT_FOUND;
  }
  *checksum = r->recs[i].checksum;
  return ECS_OK;
}

uint64_t ecs_replay_start_tick(const ecs_replay_t *r) {
  return r && r->started ? r->start : 0;
}

size_t ecs_replay_count(const ecs_replay_t *r) {
  return r ? r->count : 0;
}

ecs_status_t ecs_replay_restore(const ecs_replay_t *r) {
  if (!r) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!r->started) {
    return ecs__fail(r->world, ECS_ERR_INVALID_ARGUMENT, "ecs_replay_restore: the replay has no start");
  }
  ecs_memsrc_t src = {r->snapshot.data, r->snapshot.size, 0};
  ecs_reader_t in = ecs_memreader(&src);
  return ecs_snapshot_load(r->world, &in);
}

ecs_status_t ecs_replay_verify(const ecs_replay_t *r, ecs_scheduler_t *s, double dt, ecs_replay_apply_fn apply,
                               void *user, uint64_t *first_mismatch) {
  if (first_mismatch) {
    *first_mismatch = 0;
  }
  if (!r || !s || !apply || !first_mismatch) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = r->world;
  if (s->world != w) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_replay_verify: the scheduler is of another world");
  }
  ecs_status_t st = ecs_replay_restore(r);
  if (st != ECS_OK) {
    return st;
  }
  uint64_t last = r->count ? r->recs[r->count - 1].tick : r->start;
  uint32_t i = 0; /* the next record */
  for (uint64_t t = r->start + 1; t <= last; ++t) {
    const replay_rec_t *rec = i < r->count && r->recs[i].tick == t ? &r->recs[i++] : NULL;
    st = apply(w, t, rec && rec->size ? r->bytes.data + rec->offset : NULL, rec ? rec->size : 0, user);
    if (st != ECS_OK) {
      return ecs__fail(w, st, "ecs_replay_verify: applying the input of tick %llu failed: %s", (unsigned long long)t,
                       ecs_strerror(st));
    }
    st = ecs_scheduler_tick(s, dt, NULL);
    if (st != ECS_OK) {
      return st;
    }
    if (rec && (rec->flags & REC_CHECKSUM) && ecs_world_checksum(w) != rec->checksum) {
      *first_mismatch = t;
      break;
    }
  }
  ecs__ok(w);
  return ECS_OK;
}

/* ---- files ---------------------------------------------------------------
 * Payload: u64 start tick, u64 snapshot length, the snapshot, u32 record
 * count, then per record u64 tick (ascending, after the start), u32 flags
 * (bit 0: a checksum follows), [u64 checksum], u32 input length, input. */

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

static void put_bytes(ecs_membuf_t *b, ecs_status_t *st, const void *data, size_t n) {
  ecs_writer_t out = ecs_membuf_writer(b);
  if (*st == ECS_OK && n > 0) {
    *st = out.write(out.user, data, n);
  }
}

ecs_status_t ecs_replay_save(const ecs_replay_t *r, const ecs_writer_t *out) {
  if (!r || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = r->world;
  if (!r->started) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "ecs_replay_save: the replay has no start");
  }
  ecs_membuf_t b = {.allocator = &w->alloc};
  ecs_status_t st = ECS_OK;
  uint8_t header[ECS__SNAP_HEADER_SIZE] = {0};
  put_bytes(&b, &st, header, sizeof header);
  put_le(&b, &st, r->start, 8);
  put_le(&b, &st, r->snapshot.size, 8);
  put_bytes(&b, &st, r->snapshot.data, r->snapshot.size);
  put_le(&b, &st, r->count, 4);
  for (uint32_t i = 0; i < r->count && st == ECS_OK; ++i) {
    const replay_rec_t *rec = &r->recs[i];
    if (rec->size > UINT32_MAX) {
      st = ECS_ERR_LIMIT;
      break;
    }
    put_le(&b, &st, rec->tick, 8);
    put_le(&b, &st, rec->flags, 4);
    if (rec->flags & REC_CHECKSUM) {
      put_le(&b, &st, rec->checksum, 8);
    }
    put_le(&b, &st, rec->size, 4);
    put_bytes(&b, &st, r->bytes.data + rec->offset, rec->size);
  }
  if (st == ECS_OK) {
    ecs__snap_seal(b.data, &replay_format, b.size - ECS__SNAP_HEADER_SIZE);
    st = out->write(out->user, b.data, b.size);
  }
  ecs_membuf_free(&b);
  return st == ECS_OK ? ECS_OK : ecs__fail(w, st, "cannot save the replay: %s", ecs_strerror(st));
}

/* Parses the payload into fresh (all-or-nothing: the caller swaps it in). */
static ecs_status_t parse(ecs_replay_t *fresh, const uint8_t *p, size_t n) {
  ecs_world_t *w = fresh->world;
  ecs__cur_t c = {p, n, 0, false, NULL};
  fresh->start = ecs__cur64(&c);
  uint64_t snap_len = ecs__cur64(&c);
  const uint8_t *snap = snap_len <= SIZE_MAX ? ecs__cur_take(&c, (size_t)snap_len) : NULL;
  c.bad |= snap == NULL;
  ecs_status_t st = ECS_OK;
  if (!c.bad) {
    ecs_writer_t out = ecs_membuf_writer(&fresh->snapshot);
    st = out.write(out.user, snap, (size_t)snap_len);
  }
  uint64_t count = ecs__cur32(&c);
  if (c.bad || count > (n - c.pos) / 16) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "replay is corrupt: bad header or record count");
  }
  if (st != ECS_OK ||
      !ecs__grow(&w->alloc, (void **)&fresh->recs, sizeof *fresh->recs, &fresh->cap, (size_t)count, 16)) {
    return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot load the replay");
  }
  uint64_t prev = fresh->start;
  for (uint64_t i = 0; i < count; ++i) {
    replay_rec_t rec = {.tick = ecs__cur64(&c)};
    rec.flags = (uint32_t)ecs__cur32(&c);
    if (rec.flags & ~REC_CHECKSUM) {
      return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "replay is corrupt: unknown record flags");
    }
    if (rec.flags & REC_CHECKSUM) {
      rec.checksum = ecs__cur64(&c);
    }
    rec.size = (size_t)ecs__cur32(&c);
    const uint8_t *input = ecs__cur_take(&c, rec.size);
    if (c.bad || rec.tick <= prev) {
      return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "replay is corrupt: bad record %llu", (unsigned long long)i);
    }
    prev = rec.tick;
    rec.offset = fresh->bytes.size;
    ecs_writer_t out = ecs_membuf_writer(&fresh->bytes);
    if (rec.size > 0 && out.write(out.user, input, rec.size) != ECS_OK) {
      return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot load the replay");
    }
    fresh->recs[fresh->count++] = rec;
  }
  if (c.pos != n) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "replay is corrupt: bytes after the last record");
  }
  return ECS_OK;
}

ecs_status_t ecs_replay_load(ecs_replay_t *r, const ecs_reader_t *in) {
  if (!r || !in || !in->read) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = r->world;
  ecs__snap_blob_t blob = {0};
  ecs_status_t st = ecs__snap_read_as(w, in, &blob, &replay_format);
  ecs_replay_t fresh = {.world = w, .started = true};
  fresh.snapshot.allocator = &w->alloc;
  fresh.bytes.allocator = &w->alloc;
  if (st == ECS_OK) {
    st = parse(&fresh, blob.payload, blob.payload_len);
  }
  ecs__snap_blob_free(w, &blob);
  if (st != ECS_OK) {
    ecs_membuf_free(&fresh.snapshot);
    ecs_membuf_free(&fresh.bytes);
    ecs__free(w, fresh.recs, (size_t)fresh.cap * sizeof *fresh.recs);
    return st;
  }
  ecs_membuf_free(&r->snapshot);
  ecs_membuf_free(&r->bytes);
  ecs__free(w, r->recs, (size_t)r->cap * sizeof *r->recs);
  *r = fresh;
  ecs__ok(w);
  return ECS_OK;
}

static ecs_status_t replay_save(const void *r, const ecs_writer_t *out) {
  return ecs_replay_save(r, out);
}

static ecs_status_t replay_load(void *r, const ecs_reader_t *in) {
  return ecs_replay_load(r, in);
}

ecs_status_t ecs_replay_save_file(const ecs_replay_t *r, const char *path) {
  if (!r || !path) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return ecs__save_file(r->world, path, replay_save, r);
}

ecs_status_t ecs_replay_load_file(ecs_replay_t *r, const char *path) {
  if (!r || !path) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return ecs__load_file(r->world, path, replay_load, r);
}
