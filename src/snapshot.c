/* Snapshot save, the file helpers, the rollback ring, recognising io.h's
 * own writers and readers, and the header every file framed like a
 * snapshot shares. The format is described in docs/snapshot-format.md;
 * reading is in snapshot_read.c, parsing, staging and commit in
 * snapshot_load.c. */
#include "private.h"
#include "snapshot_internal.h"
#include "storage/archetype.h"

#include <string.h>

/* io.h keeps its implementations static; comparing function pointers with
 * those of a probe tells them apart from a host's. */
ecs_membuf_t *ecs__snap_membuf(const ecs_writer_t *w) {
  ecs_membuf_t probe_buf;
  ecs_writer_t probe = ecs_membuf_writer(&probe_buf);
  return w->write == probe.write ? w->user : NULL;
}

ecs_memsrc_t *ecs__snap_memsrc(const ecs_reader_t *r) {
  ecs_memsrc_t probe_src;
  ecs_reader_t probe = ecs_memreader(&probe_src);
  return r->read == probe.read ? r->user : NULL;
}

FILE *ecs__snap_file(const ecs_reader_t *r) {
  ecs_reader_t probe = ecs_file_reader(stderr); /* any open FILE* */
  return (probe.read && r->read == probe.read) ? r->user : NULL;
}

const ecs__snap_format_t ecs__snap_format = {ECS__SNAP_MAGIC, ECS__SNAP_OLDEST_VERSION, ECS_SNAPSHOT_FORMAT_VERSION,
                                             "snapshot"};

void ecs__snap_seal(uint8_t *h, const ecs__snap_format_t *fmt, uint64_t payload_len) {
  const uint8_t *payload = h + ECS__SNAP_HEADER_SIZE;
  ecs__snap_header(h, fmt, payload_len, ecs__crc32(0, payload, (size_t)payload_len));
}

void ecs__snap_header(uint8_t *h, const ecs__snap_format_t *fmt, uint64_t payload_len, uint32_t payload_crc) {
  memcpy(h, fmt->magic, ECS__SNAP_MAGIC_SIZE);
  h[8] = (uint8_t)fmt->newest;
  h[9] = (uint8_t)(fmt->newest >> 8);
  h[10] = ecs__snap_host_order();
  h[11] = 0;
  ecs__put_le32(h + 12, 0); /* flags */
  ecs__put_le64(h + 16, payload_len);
  ecs__put_le32(h + 24, payload_crc);
  ecs__put_le32(h + 28, ecs__crc32(0, h, 28));
}

/* ---- save ---------------------------------------------------------------
 * Three ways, one walk of the world (save_into):
 * - BUFFER: into a memory buffer (an ecs_membuf_t writer, the rollback
 *   ring), lengths and counts patched in place once known, then sealed.
 * - MEASURE then STREAM, for any other writer: the header comes first and
 *   holds the payload's length and CRC, which are known only at the end. A
 *   first walk keeps no bytes: it counts them, takes the CRC of the runs
 *   between the holes (the lengths and counts not known yet) and records
 *   what goes in each hole; the CRC of the whole payload is then combined
 *   from the runs and the holes' values (ecs__crc32_combine). A second walk
 *   writes the header and streams the same bytes through a small staging
 *   array, filling the holes from the record. Extra memory: the record, a
 *   few words per component, and one serialized value at a time.
 * Small writes go through the staging array in every mode. */

enum { SAVE_BUFFER, SAVE_MEASURE, SAVE_STREAM };

typedef struct save_hole_t {
  uint32_t run_crc; /* CRC of the bytes between the previous hole and this one */
  uint64_t run_len;
  uint64_t value;
  uint32_t width; /* 4 or 8 */
} save_hole_t;

typedef struct save_t {
  ecs_world_t *w;
  int mode;
  ecs_membuf_t *buf;        /* BUFFER: the snapshot is built here */
  const ecs_writer_t *sink; /* STREAM: the host's writer */
  ecs_writer_t out;         /* handed to hooks: bytes go through put() */
  ecs_membuf_t value;       /* one serialized value, its length put first */
  ecs_status_t st;
  bool reported; /* st's detail is in the world's last error already */
  uint64_t done; /* bytes flushed (and, measuring, holes skipped): tell() is done + n */
  /* MEASURE and STREAM */
  save_hole_t *holes;
  uint32_t hole_count;
  uint32_t hole_cap;
  uint32_t next_hole; /* STREAM: the next hole to fill from the record */
  uint32_t run_crc;   /* MEASURE: CRC of the bytes since the last hole; STREAM: of the payload */
  uint64_t run_start;
  size_t n;
  uint8_t tmp[4096];
} save_t;

/* Records a failure with its detail; the first one wins. */
static void save_fail(save_t *s, ecs_status_t st, const char *what, const char *name) {
  if (s->st == ECS_OK) {
    s->st = ecs__fail(s->w, st, "%s '%s': %s", what, name, ecs_strerror(st));
    s->reported = true;
  }
}

/* A streamed save wrote other bytes than it measured. */
static void stream_differs(save_t *s) {
  if (s->st == ECS_OK) {
    s->st = ecs__fail(s->w, ECS_ERR_MISUSE,
                      "snapshot save: the bytes written differ from those measured (a serialize hook whose output "
                      "changes from call to call?); what the writer received is not a valid snapshot");
    s->reported = true;
  }
}

/* Sends the staged bytes where this mode's bytes go. */
/* Bytes put so far (in BUFFER mode, the header's too). */
static inline uint64_t tell(const save_t *s) {
  return s->done + s->n;
}

static void flush(save_t *s) {
  s->done += s->n;
  if (s->n > 0 && s->st == ECS_OK) {
    if (s->mode == SAVE_BUFFER) {
      ecs_writer_t wr = ecs_membuf_writer(s->buf);
      s->st = wr.write(wr.user, s->tmp, s->n);
    } else {
      s->run_crc = ecs__crc32(s->run_crc, s->tmp, s->n);
      if (s->mode == SAVE_STREAM) {
        s->st = s->sink->write(s->sink->user, s->tmp, s->n);
      }
    }
  }
  s->n = 0;
}

static void put_slow(save_t *s, const void *data, size_t size) {
  while (size > 0 && s->st == ECS_OK) {
    if (s->n == sizeof s->tmp) {
      flush(s);
    }
    size_t k = sizeof s->tmp - s->n < size ? sizeof s->tmp - s->n : size;
    memcpy(s->tmp + s->n, data, k);
    s->n += k;
    data = (const uint8_t *)data + k;
    size -= k;
  }
}

static inline void put(save_t *s, const void *data, size_t size) {
  if (s->n + size <= sizeof s->tmp) {
    memcpy(s->tmp + s->n, data, size);
    s->n += size;
    return;
  }
  put_slow(s, data, size);
}

static ecs_status_t put_writer(void *user, const void *data, size_t size) {
  save_t *s = user;
  put(s, data, size);
  return s->st;
}

static inline void put32(save_t *s, uint32_t v) {
  uint8_t b[4];
  ecs__put_le32(b, v);
  put(s, b, sizeof b);
}

static inline void put64(save_t *s, uint64_t v) {
  uint8_t b[8];
  ecs__put_le64(b, v);
  put(s, b, sizeof b);
}

static void put_width(save_t *s, uint64_t v, uint32_t width) {
  if (width == 8) {
    put64(s, v);
  } else {
    put32(s, (uint32_t)v);
  }
}

/* Room for a length or count known later (4 or 8 bytes); returns what
 * fill() takes: the offset in the buffer, or the hole's number. */
static size_t hole(save_t *s, uint32_t width) {
  if (s->mode == SAVE_BUFFER) {
    size_t at = s->buf->size + s->n;
    put_width(s, 0, width);
    return at;
  }
  if (s->mode == SAVE_STREAM) {
    if (s->next_hole >= s->hole_count || s->holes[s->next_hole].width != width) {
      stream_differs(s);
      return 0;
    }
    put_width(s, s->holes[s->next_hole].value, width);
    return s->next_hole++;
  }
  if (s->hole_count == s->hole_cap &&
      !ecs__grow(&s->w->alloc, (void **)&s->holes, sizeof *s->holes, &s->hole_cap, (size_t)s->hole_count + 1, 32)) {
    save_fail(s, ECS_ERR_NO_MEMORY, "out of memory measuring", "the snapshot");
    return 0;
  }
  flush(s);
  s->holes[s->hole_count] = (save_hole_t){s->run_crc, tell(s) - s->run_start, 0, width};
  s->done += width;
  s->run_crc = 0;
  s->run_start = tell(s);
  return s->hole_count++;
}

/* Puts v (of the hole's width) in the hole at. */
static void fill(save_t *s, size_t at, uint64_t v, uint32_t width) {
  if (s->st != ECS_OK) {
    return;
  }
  if (s->mode == SAVE_BUFFER) {
    flush(s);
    if (s->st == ECS_OK && width == 8) {
      ecs__put_le64(s->buf->data + at, v);
    } else if (s->st == ECS_OK) {
      ecs__put_le32(s->buf->data + at, (uint32_t)v);
    }
  } else if (s->mode == SAVE_MEASURE) {
    s->holes[at].value = v;
  } else if (s->holes[at].value != v) {
    stream_differs(s);
  }
}

/* A section: its id, then its length, known at section_end. */
typedef struct save_section_t {
  size_t hole;
  uint64_t begin;
} save_section_t;

static save_section_t section_begin(save_t *s, uint32_t id) {
  put32(s, id);
  size_t h = hole(s, 8);
  return (save_section_t){h, tell(s)};
}

static void section_end(save_t *s, save_section_t sec) {
  fill(s, sec.hole, tell(s) - sec.begin, 8);
}
static bool saved(const ecs__component_t *c) {
  return !(c->flags & ECS_COMPONENT_TRANSIENT);
}

static void save_schema(save_t *s) {
  ecs_world_t *w = s->w;
  save_section_t start = section_begin(s, ECS__SNAP_SCHEMA);
  put32(s, w->component_count - 1);
  for (uint32_t id = 1; id < w->component_count; ++id) {
    const ecs__component_t *c = w->components[id];
    if (c->name_len > UINT16_MAX) {
      save_fail(s, ECS_ERR_LIMIT, "name over 65535 bytes, component", c->name);
      return;
    }
    uint8_t len[2] = {(uint8_t)c->name_len, (uint8_t)(c->name_len >> 8)};
    put(s, len, 2);
    put(s, c->name, c->name_len);
    put32(s, (uint32_t)c->size);
    put32(s, (uint32_t)c->alignment);
    put32(s, (uint32_t)c->kind);
    put32(s, c->version);
    uint32_t flags = saved(c) ? (c->serialize ? ECS__SNAP_SERIALIZED : 0u) : ECS__SNAP_TRANSIENT;
    put32(s, flags);
  }
  section_end(s, start);
}

static void save_entities(save_t *s) {
  const ecs_world_t *w = s->w;
  save_section_t start = section_begin(s, ECS__SNAP_ENTITIES);
  put32(s, w->record_count);
  put32(s, w->free_head);
  for (uint32_t i = 1; i < w->record_count; ++i) {
    const ecs__entity_record_t *r = &w->records[i];
    put32(s, r->generation | (r->alive ? ECS__SNAP_ALIVE_BIT : 0u));
    put32(s, r->alive ? 0u : r->next_free); /* a live slot's link heads its other-storage list */
  }
  section_end(s, start);
}

/* Table t's type without transient components, into out (the saved type). */
static uint32_t saved_type(const ecs_world_t *w, uint32_t t, ecs_component_t *out) {
  const ecs_component_t *ids;
  uint32_t k = ecs__arch_table_type(w->arch, t, &ids);
  uint32_t m = 0;
  for (uint32_t i = 0; i < k; ++i) {
    if (saved(w->components[ids[i]])) {
      out[m++] = ids[i];
    }
  }
  return m;
}

static uint64_t type_hash(const ecs_component_t *ids, uint32_t k) {
  uint64_t h = 0x9e3779b97f4a7c15ull ^ k;
  for (uint32_t i = 0; i < k; ++i) {
    h = (h ^ ids[i]) * 0x100000001b3ull;
  }
  return h;
}

/* Tables grouped by saved type: next[t] is the next table (in creation
 * order) whose type without transient components equals t's, head[t] is
 * true for the first of each group. A load merges such tables (it drops
 * transient components from types), so the save writes them as one: what
 * it writes is what a load reproduces. False when out of memory. */
static bool group_tables(save_t *s, uint32_t n, uint32_t *next, bool *head) {
  ecs_world_t *w = s->w;
  uint32_t cap = 16;
  while (cap < 2 * n) {
    cap *= 2;
  }
  uint32_t *slots = ecs__calloc(w, (size_t)cap * sizeof *slots); /* a group's last table; 0: empty */
  ecs_component_t *a = ecs__alloc(w, (size_t)w->component_count * 2 * sizeof *a);
  bool ok = slots && a;
  for (uint32_t t = 1; ok && t < n; ++t) {
    uint32_t ka = saved_type(w, t, a);
    next[t] = 0;
    head[t] = true;
    for (uint64_t i = type_hash(a, ka) & (cap - 1);; i = (i + 1) & (cap - 1)) {
      uint32_t last = slots[i];
      if (last == 0) {
        slots[i] = t;
        break;
      }
      ecs_component_t *b = a + w->component_count;
      uint32_t kb = saved_type(w, last, b);
      if (ka == kb && memcmp(a, b, ka * sizeof *a) == 0) {
        next[last] = t;
        head[t] = false;
        slots[i] = t;
        break;
      }
    }
  }
  ecs__free(w, a, (size_t)w->component_count * 2 * sizeof *a);
  ecs__free(w, slots, (size_t)cap * sizeof *slots);
  return ok;
}

/* The archetype tables in creation order with their rows, so that a load
 * recreates the same tables in the same order and the same row order.
 * Types are written without transient components (tables that differ only
 * by those are written as one, rows in table order); tables left with no
 * saved component are left out. Only a world with transient ARCHETYPE
 * components needs that grouping (and allocates for it). */
static void save_tables(save_t *s) {
  ecs_world_t *w = s->w;
  const ecs__arch_set_t *set = w->arch;
  save_section_t start = section_begin(s, ECS__SNAP_TABLES);
  uint32_t n = ecs__arch_table_count(set);
  bool transient_tables = false; /* the common case, false: types are saved as they are */
  for (uint32_t id = 1; id < w->component_count && !transient_tables; ++id) {
    transient_tables = !saved(w->components[id]) && w->components[id]->kind == ECS_STORAGE_ARCHETYPE;
  }
  if (!transient_tables) {
    put32(s, n - 1);
    for (uint32_t t = 1; t < n; ++t) {
      const ecs_component_t *ids;
      uint32_t k = ecs__arch_table_type(set, t, &ids);
      put32(s, k);
      for (uint32_t i = 0; i < k; ++i) {
        put32(s, ids[i] - 1); /* schema index */
      }
      const ecs_entity_t *rows;
      uint32_t count = ecs__arch_table_rows(set, t, &rows);
      put32(s, count);
      for (uint32_t r = 0; r < count; ++r) {
        put32(s, ECS_ENTITY_INDEX(rows[r]));
      }
    }
    section_end(s, start);
    return;
  }
  /* one block: a saved type, next[] and head[] */
  size_t group_bytes = (size_t)w->component_count * sizeof(ecs_component_t) + (size_t)n * sizeof(uint32_t) + n;
  ecs_component_t *type = ecs__alloc(w, group_bytes);
  uint32_t *next = type ? (uint32_t *)(type + w->component_count) : NULL;
  bool *head = next ? (bool *)(next + n) : NULL;
  if (!type || !group_tables(s, n, next, head)) {
    ecs__free(w, type, group_bytes);
    save_fail(s, ECS_ERR_NO_MEMORY, "out of memory grouping the tables of", "the archetype set");
    return;
  }
  size_t at = hole(s, 4);
  uint32_t written = 0;
  for (uint32_t t = 1; t < n && s->st == ECS_OK; ++t) {
    uint32_t k = head[t] ? saved_type(w, t, type) : 0;
    if (k == 0) {
      continue;
    }
    put32(s, k);
    for (uint32_t i = 0; i < k; ++i) {
      put32(s, type[i] - 1); /* schema index */
    }
    uint32_t count = 0;
    const ecs_entity_t *rows;
    for (uint32_t u = t; u != 0; u = next[u]) {
      count += ecs__arch_table_rows(set, u, &rows);
    }
    put32(s, count);
    for (uint32_t u = t; u != 0; u = next[u]) {
      uint32_t c = ecs__arch_table_rows(set, u, &rows);
      for (uint32_t r = 0; r < c; ++r) {
        put32(s, ECS_ENTITY_INDEX(rows[r]));
      }
    }
    written++;
  }
  fill(s, at, written, 4);
  ecs__free(w, type, group_bytes);
  section_end(s, start);
}

static void save_serialized(save_t *s, const ecs__component_t *c, const void *v);

static inline void save_value(save_t *s, const ecs__component_t *c, const void *v) {
  if (c->size == 0) {
    return;
  }
  if (!c->serialize) {
    put(s, v, c->size);
    return;
  }
  save_serialized(s, c, v);
}

static void save_serialized(save_t *s, const ecs__component_t *c, const void *v) {
  /* the hook writes into a buffer of one value, put after its length */
  ecs_membuf_reset(&s->value);
  ecs_writer_t one = ecs_membuf_writer(&s->value);
  ecs_status_t st = c->serialize(v, &one, c->hooks.user);
  if (st != ECS_OK) {
    save_fail(s, st, "serialize hook failed, component", c->name);
    return;
  }
  if (s->value.size > UINT32_MAX) {
    save_fail(s, ECS_ERR_LIMIT, "serialized value over 4 GiB, component", c->name);
    return;
  }
  put32(s, (uint32_t)s->value.size);
  put(s, s->value.data, s->value.size);
}

/* Values in storage walk order, so a load rebuilds the same order. */
static void save_values(save_t *s) {
  ecs_world_t *w = s->w;
  save_section_t start = section_begin(s, ECS__SNAP_VALUES);
  for (uint32_t id = 1; id < w->component_count && s->st == ECS_OK; ++id) {
    const ecs__component_t *c = w->components[id];
    size_t at = hole(s, 4);
    uint32_t count = 0;
    size_t cursor = 0;
    ecs_storage_chunk_t ch;
    while (saved(c) && s->st == ECS_OK && c->vt->chunk(c->storage, &cursor, &ch)) {
      for (size_t i = 0; i < ch.count && s->st == ECS_OK; ++i) {
        const void *v = ch.data ? (const char *)ch.data + i * c->params.stride : c->vt->get(c->storage, ch.entities[i]);
        put32(s, ECS_ENTITY_INDEX(ch.entities[i]));
        save_value(s, c, v);
        count++;
      }
    }
    fill(s, at, count, 4);
  }
  section_end(s, start);
}

static void save_resources(save_t *s) {
  ecs_world_t *w = s->w;
  save_section_t start = section_begin(s, ECS__SNAP_RESOURCES);
  size_t at = hole(s, 4);
  uint32_t count = 0;
  for (uint32_t id = 1; id < w->component_count && s->st == ECS_OK; ++id) {
    const ecs__component_t *c = w->components[id];
    if (saved(c) && c->resource) {
      put32(s, id - 1);
      save_value(s, c, c->resource);
      count++;
    }
  }
  fill(s, at, count, 4);
  section_end(s, start);
}

/* What decides the next ticks besides the world: scheduler state. */
static void save_schedulers(save_t *s) {
  save_section_t start = section_begin(s, ECS__SNAP_SCHEDULERS);
  flush(s);
  if (s->st == ECS_OK) {
    s->st = ecs__sched_state_save(s->w, &s->out);
    s->reported = s->st != ECS_OK && s->st != ECS_ERR_NO_MEMORY ? true : s->reported;
  }
  section_end(s, start);
}

/* Change detection: the world's tick counter and, per tracked component,
 * the change and add ticks of its holders, so that ECS_CHANGED() and
 * ECS_ADDED() queries see after a restore what they saw the first time. */
static void save_changes(save_t *s) {
  ecs_world_t *w = s->w;
  save_section_t start = section_begin(s, ECS__SNAP_CHANGES);
  put64(s, atomic_load(&w->change_counter));
  size_t at = hole(s, 4);
  uint32_t count = 0;
  for (uint32_t id = 1; id < w->component_count && s->st == ECS_OK; ++id) {
    const ecs__component_t *c = w->components[id];
    if (!saved(c) || !c->changed_at) {
      continue;
    }
    put32(s, id - 1);
    size_t n_at = hole(s, 4);
    uint32_t n = 0;
    size_t cursor = 0;
    ecs_storage_chunk_t ch;
    while (s->st == ECS_OK && c->vt->chunk(c->storage, &cursor, &ch)) {
      for (size_t i = 0; i < ch.count; ++i) {
        uint32_t idx = ECS_ENTITY_INDEX(ch.entities[i]);
        put32(s, idx);
        put64(s, idx < c->track_cap ? c->changed_at[idx] : 0);
        put64(s, idx < c->track_cap ? c->added_at[idx] : 0);
        n++;
      }
    }
    fill(s, n_at, n, 4);
    count++;
  }
  fill(s, at, count, 4);
  section_end(s, start);
}

static void save_walk(save_t *s) {
  save_schema(s);
  save_entities(s);
  save_tables(s);
  save_values(s);
  save_resources(s);
  save_schedulers(s);
  save_changes(s);
  flush(s);
}

static void save_init(save_t *s, ecs_world_t *w, int mode) {
  s->w = w;
  s->mode = mode;
  s->st = ECS_OK;
  s->out = (ecs_writer_t){put_writer, s};
  s->value.allocator = &w->alloc;
}

static ecs_status_t save_end(save_t *s) {
  ecs__free(s->w, s->holes, (size_t)s->hole_cap * sizeof *s->holes);
  ecs_membuf_free(&s->value);
  if (s->st == ECS_OK || s->reported) {
    return s->st;
  }
  return ecs__fail(s->w, s->st, "cannot save the snapshot: %s", ecs_strerror(s->st));
}

/* Appends a whole snapshot to buf; on error buf is as it was. */
static ecs_status_t save_into(ecs_world_t *w, ecs_membuf_t *buf) {
  save_t state = {0};
  save_t *s = &state;
  save_init(s, w, SAVE_BUFFER);
  s->buf = buf;
  size_t start = buf->size;
  uint8_t header[ECS__SNAP_HEADER_SIZE] = {0};
  put(s, header, sizeof header);
  save_walk(s);
  if (s->st != ECS_OK) {
    buf->size = start;
  } else {
    ecs__snap_seal(buf->data + start, &ecs__snap_format, buf->size - start - ECS__SNAP_HEADER_SIZE);
  }
  return save_end(s);
}

/* Measures the snapshot, then writes its header and streams it to out. */
static ecs_status_t save_streamed(ecs_world_t *w, const ecs_writer_t *out) {
  save_t state = {0};
  save_t *s = &state;
  save_init(s, w, SAVE_MEASURE);
  save_walk(s);
  if (s->st != ECS_OK) {
    return save_end(s);
  }
  /* the payload's CRC: its runs and its holes' values, in order */
  uint32_t crc = 0;
  for (uint32_t k = 0; k < s->hole_count; ++k) {
    const save_hole_t *h = &s->holes[k];
    uint8_t b[8];
    ecs__put_le64(b, h->value); /* little-endian: a 4-byte hole is the first 4 */
    crc = ecs__crc32_combine(crc, h->run_crc, h->run_len);
    crc = ecs__crc32_combine(crc, ecs__crc32(0, b, h->width), h->width);
  }
  crc = ecs__crc32_combine(crc, s->run_crc, tell(s) - s->run_start);
  uint64_t len = tell(s);
  uint8_t header[ECS__SNAP_HEADER_SIZE];
  ecs__snap_header(header, &ecs__snap_format, len, crc);
  s->st = out->write(out->user, header, sizeof header);
  if (s->st == ECS_OK) {
    s->mode = SAVE_STREAM;
    s->sink = out;
    s->done = 0;
    s->run_crc = 0;
    save_walk(s);
  }
  if (s->st == ECS_OK && (tell(s) != len || s->run_crc != crc || s->next_hole != s->hole_count)) {
    stream_differs(s);
  }
  return save_end(s);
}

ecs_status_t ecs_snapshot_save(ecs_world_t *world, const ecs_writer_t *out) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!out || !out->write) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_snapshot_save: writer is NULL or has no write function");
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_snapshot_save during a tick");
  }
  ecs_membuf_t *mb = ecs__snap_membuf(out);
  ecs_status_t st = mb ? save_into(world, mb) : save_streamed(world, out);
  if (st == ECS_OK) {
    ecs__ok(world);
  }
  return st;
}

/* ecs__save_file hands its object as const: the world travels in a box */
typedef struct world_box_t {
  ecs_world_t *world;
} world_box_t;

static ecs_status_t snapshot_save(const void *box, const ecs_writer_t *out) {
  return ecs_snapshot_save(((const world_box_t *)box)->world, out);
}

static ecs_status_t snapshot_load(void *world, const ecs_reader_t *in) {
  return ecs_snapshot_load(world, in);
}

ecs_status_t ecs_snapshot_save_file(ecs_world_t *world, const char *path) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!path) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_snapshot_save_file: path is NULL");
  }
  world_box_t box = {world};
  return ecs__save_file(world, path, snapshot_save, &box);
}

ecs_status_t ecs_snapshot_load_file(ecs_world_t *world, const char *path) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!path) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_snapshot_load_file: path is NULL");
  }
  return ecs__load_file(world, path, snapshot_load, world);
}

/* ---- rollback ---------------------------------------------------------- */

typedef struct rb_slot_t {
  uint64_t tick;
  ecs_membuf_t buf;
} rb_slot_t;

struct ecs_rollback_t {
  ecs_world_t *world;
  rb_slot_t *slots;
  uint32_t capacity;
  uint32_t count;     /* slots [0, count) hold snapshots */
  uint32_t next;      /* the slot a new tick takes once the ring is full (the oldest) */
  ecs_membuf_t spare; /* a save is built here, then swapped into its slot */
};

ecs_rollback_t *ecs_rollback_new(ecs_world_t *world, uint32_t capacity) {
  if (!world) {
    return NULL;
  }
  if (capacity == 0) {
    ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "ecs_rollback_new: capacity is 0");
    return NULL;
  }
  ecs_rollback_t *rb = ecs__calloc(world, sizeof *rb);
  size_t bytes = (size_t)capacity * sizeof *rb->slots;
  if (rb && bytes / sizeof *rb->slots == capacity) {
    rb->slots = ecs__calloc(world, bytes);
  }
  if (!rb || !rb->slots) {
    ecs__free(world, rb, sizeof *rb);
    ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot allocate a rollback ring of %u snapshots", capacity);
    return NULL;
  }
  rb->world = world;
  rb->capacity = capacity;
  for (uint32_t i = 0; i < capacity; ++i) {
    rb->slots[i].buf.allocator = &world->alloc;
  }
  rb->spare.allocator = &world->alloc;
  ecs__ok(world);
  return rb;
}

void ecs_rollback_free(ecs_rollback_t *rb) {
  if (!rb) {
    return;
  }
  for (uint32_t i = 0; i < rb->capacity; ++i) {
    ecs_membuf_free(&rb->slots[i].buf);
  }
  ecs_membuf_free(&rb->spare);
  ecs_world_t *w = rb->world;
  ecs__free(w, rb->slots, (size_t)rb->capacity * sizeof *rb->slots);
  ecs__free(w, rb, sizeof *rb);
}

static rb_slot_t *rb_find(const ecs_rollback_t *rb, uint64_t tick) {
  for (uint32_t i = 0; i < rb->count; ++i) {
    if (rb->slots[i].tick == tick) {
      return &rb->slots[i];
    }
  }
  return NULL;
}

ecs_status_t ecs_rollback_save(ecs_rollback_t *rb, uint64_t tick) {
  if (!rb) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_membuf_reset(&rb->spare);
  ecs_writer_t out = ecs_membuf_writer(&rb->spare);
  ecs_status_t st = ecs_snapshot_save(rb->world, &out);
  if (st != ECS_OK) {
    return st;
  }
  rb_slot_t *slot = rb_find(rb, tick);
  if (!slot) {
    uint32_t i = rb->count < rb->capacity ? rb->count : rb->next;
    slot = &rb->slots[i];
    rb->next = (i + 1) % rb->capacity;
    if (rb->count < rb->capacity) {
      rb->count++;
    }
  }
  ecs_membuf_t old = slot->buf;
  slot->buf = rb->spare;
  slot->tick = tick;
  rb->spare = old;
  return ECS_OK;
}

ecs_status_t ecs_rollback_restore(const ecs_rollback_t *rb, uint64_t tick) {
  if (!rb) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  const rb_slot_t *slot = rb_find(rb, tick);
  if (!slot) {
    return ecs__fail(rb->world, ECS_ERR_NOT_FOUND, "no snapshot of tick %llu in the rollback ring",
                     (unsigned long long)tick);
  }
  ecs_memsrc_t src = {slot->buf.data, slot->buf.size, 0};
  ecs_reader_t in = ecs_memreader(&src);
  return ecs_snapshot_load(rb->world, &in);
}

uint32_t ecs_rollback_count(const ecs_rollback_t *rb) {
  return rb ? rb->count : 0;
}

bool ecs_rollback_has(const ecs_rollback_t *rb, uint64_t tick) {
  return rb && rb_find(rb, tick) != NULL;
}
