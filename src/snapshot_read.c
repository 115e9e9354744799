/* The byte-level part of a load, for snapshots and the files framed like
 * them (replays, digest logs, deltas): reading and checking the header,
 * then the payload whole (ecs__snap_read_as) or, for a snapshot from a
 * host's reader, a section at a time through a window (ecs__snap_open and
 * what follows). Parsing is in snapshot_load.c. */
#include "private.h"
#include "snapshot_internal.h"

#include <string.h>

#define READ_CHUNK ((size_t)64 * 1024)

static ecs_status_t corrupt_as(ecs_world_t *w, const ecs__snap_format_t *fmt, const char *what) {
  (void)ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "%s is corrupt: %s", fmt->what, what);
  return ECS_ERR_SNAPSHOT_CORRUPT;
}

/* A failed read: running out of data is a truncated snapshot when the
 * reader is one whose end we can recognise; anything else passes through. */
static ecs_status_t read_failed(ecs_world_t *w, const ecs_reader_t *in, ecs_status_t st,
                                const ecs__snap_format_t *fmt) {
  FILE *f = ecs__snap_file(in);
  if (f && feof(f)) {
    return corrupt_as(w, fmt, "truncated");
  }
  return ecs__fail(w, st, "reading the %s: %s", fmt->what, ecs_strerror(st));
}

/* len bytes into *buf, grown (from *cap) with what actually arrives, so
 * that a lying length costs nothing. */
static ecs_status_t read_grown(ecs_world_t *w, const ecs_reader_t *in, uint64_t len, uint8_t **buf, size_t *cap,
                               const ecs__snap_format_t *fmt, uint32_t *crc) {
  size_t have = 0;
  while (have < len) {
    size_t chunk = len - have < READ_CHUNK ? (size_t)(len - have) : READ_CHUNK;
    if (have + chunk > *cap) {
      size_t grown = *cap ? *cap * 2 : READ_CHUNK;
      if (grown > len || grown < *cap) {
        grown = (size_t)len;
      }
      uint8_t *p = *buf ? ecs__realloc(w, *buf, *cap, grown) : ecs__alloc(w, grown);
      if (!p) {
        return ecs__fail(w, ECS_ERR_NO_MEMORY, "cannot allocate %zu bytes for the %s", grown, fmt->what);
      }
      *buf = p;
      *cap = grown;
    }
    ecs_status_t st = in->read(in->user, *buf + have, chunk);
    if (st != ECS_OK) {
      return read_failed(w, in, st, fmt);
    }
    if (crc) {
      *crc = ecs__crc32(*crc, *buf + have, chunk);
    }
    have += chunk;
  }
  return ECS_OK;
}

/* The 32-byte header at h: magic, version, its own CRC, byte order, flags;
 * the payload's length into *len. */
static ecs_status_t header_check(ecs_world_t *w, const uint8_t *h, ecs__snap_blob_t *b, const ecs__snap_format_t *fmt,
                                 uint64_t *len) {
  /* magic and version first: they stay where they are in every version */
  if (memcmp(h, fmt->magic, ECS__SNAP_MAGIC_SIZE) != 0) {
    (void)ecs__fail(w, ECS_ERR_SNAPSHOT_CORRUPT, "not a %s (bad magic)", fmt->what);
    return ECS_ERR_SNAPSHOT_CORRUPT;
  }
  uint16_t version = ecs__le16(h + 8);
  if (version < fmt->oldest || version > fmt->newest) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_VERSION, "%s format version %u; this library reads versions %u to %u",
                     fmt->what, version, fmt->oldest, fmt->newest);
  }
  b->version = version;
  if (ecs__crc32(0, h, 28) != ecs__le32(h + 28)) {
    return corrupt_as(w, fmt, "header checksum mismatch");
  }
  b->order = h[10];
  if ((b->order != ECS__SNAP_LITTLE_ENDIAN && b->order != ECS__SNAP_BIG_ENDIAN) || h[11] != 0) {
    return corrupt_as(w, fmt, "bad byte order or reserved byte");
  }
  uint32_t flags = ecs__le32(h + 12);
  if (flags != 0) {
    return ecs__fail(w, ECS_ERR_SNAPSHOT_VERSION, "%s uses features this library does not know (flags 0x%x)", fmt->what,
                     flags);
  }
  *len = ecs__le64(h + 16);
  if (*len > SIZE_MAX) {
    return corrupt_as(w, fmt, "payload length too large");
  }
  return ECS_OK;
}

/* The header from in: peeked from a memory source (*src, not advanced), or
 * read. */
static ecs_status_t header_read(ecs_world_t *w, const ecs_reader_t *in, ecs_memsrc_t *src, uint8_t *h,
                                const ecs__snap_format_t *fmt) {
  if (src) {
    if (!src->data || src->pos > src->size || src->size - src->pos < ECS__SNAP_HEADER_SIZE) {
      return corrupt_as(w, fmt, "truncated header");
    }
    memcpy(h, src->data + src->pos, ECS__SNAP_HEADER_SIZE);
    return ECS_OK;
  }
  ecs_status_t st = in->read(in->user, h, ECS__SNAP_HEADER_SIZE);
  return st == ECS_OK ? ECS_OK : read_failed(w, in, st, fmt);
}

ecs_status_t ecs__snap_read_as(ecs_world_t *w, const ecs_reader_t *in, ecs__snap_blob_t *b,
                               const ecs__snap_format_t *fmt) {
  uint8_t h[ECS__SNAP_HEADER_SIZE];
  ecs_memsrc_t *src = ecs__snap_memsrc(in);
  uint64_t len = 0;
  ecs_status_t st = header_read(w, in, src, h, fmt);
  if (st != ECS_OK || (st = header_check(w, h, b, fmt, &len)) != ECS_OK) {
    return st;
  }
  b->payload_len = (size_t)len;
  if (src) {
    size_t avail = src->size - src->pos - sizeof h;
    if (len > avail) {
      return corrupt_as(w, fmt, "truncated payload");
    }
    b->payload = src->data + src->pos + sizeof h;
    src->pos += sizeof h + (size_t)len;
  } else {
    if ((st = read_grown(w, in, len, &b->owned, &b->owned_cap, fmt, NULL)) != ECS_OK) {
      return st;
    }
    b->payload = b->owned;
  }
  if (ecs__crc32(0, b->payload, b->payload_len) != ecs__le32(h + 24)) {
    return corrupt_as(w, fmt, "payload checksum mismatch");
  }
  return ECS_OK;
}

/* ---- reading a section at a time ----------------------------------------
 * From a host's reader a snapshot is not held whole: the small sections
 * the loader keeps pointers into (schema, resources, scheduler state) are
 * read whole, the others (entity table, tables, values, change ticks) are
 * parsed in file order through a window of READ_CHUNK bytes (more for a
 * larger single value). The payload's CRC is taken as the bytes arrive
 * and checked at the end, before anything is committed. */

ecs_status_t ecs__snap_open(ecs_world_t *w, const ecs_reader_t *in, ecs__snap_blob_t *b) {
  const ecs__snap_format_t *fmt = &ecs__snap_format;
  ecs_memsrc_t *src = ecs__snap_memsrc(in);
  b->stream = (ecs__snap_stream_t){.w = w, .in = in, .fmt = fmt};
  b->next = 0;
  if (src) {
    b->streamed = false;
    return ecs__snap_read_as(w, in, b, fmt);
  }
  uint8_t h[ECS__SNAP_HEADER_SIZE];
  uint64_t len = 0;
  ecs_status_t st = header_read(w, in, NULL, h, fmt);
  if (st != ECS_OK || (st = header_check(w, h, b, fmt, &len)) != ECS_OK) {
    return st;
  }
  b->streamed = true;
  b->payload_len = (size_t)len;
  b->stream.left = len;
  b->stream.expect_crc = ecs__le32(h + 24);
  return ECS_OK;
}

/* Records the stream's first failure and its message (just set on w). */
static ecs_status_t stream_failed(ecs__snap_stream_t *st, ecs_status_t status) {
  if (st->status == ECS_OK) {
    st->status = status;
    snprintf(st->why, sizeof st->why, "%s", ecs_last_error(st->w));
  }
  return status;
}

/* n payload bytes from the stream (n at most what is left). */
static ecs_status_t stream_read(ecs__snap_stream_t *st, uint8_t *dst, size_t n) {
  ecs_status_t rs = st->in->read(st->in->user, dst, n);
  if (rs != ECS_OK) {
    return stream_failed(st, read_failed(st->w, st->in, rs, st->fmt));
  }
  st->crc = ecs__crc32(st->crc, dst, n);
  st->left -= n;
  return ECS_OK;
}

ecs_status_t ecs__snap_section(ecs__snap_blob_t *b, uint32_t id, bool whole, ecs__cur_t *out) {
  ecs__snap_stream_t *st = &b->stream;
  uint8_t h[ECS__SNAP_SECTION_HEADER_SIZE];
  uint64_t left;
  if (!b->streamed) {
    if (b->payload_len - b->next < sizeof h) {
      return corrupt_as(st->w, st->fmt, "bad section table");
    }
    memcpy(h, b->payload + b->next, sizeof h);
    b->next += sizeof h;
    left = b->payload_len - b->next;
  } else {
    if (st->status != ECS_OK) {
      return st->status;
    }
    if (st->sec_left != 0 || st->left < sizeof h) {
      return corrupt_as(st->w, st->fmt, "bad section table");
    }
    if (stream_read(st, h, sizeof h) != ECS_OK) {
      return st->status;
    }
    left = st->left;
  }
  uint64_t len = ecs__le64(h + 4);
  if (ecs__le32(h) != id || len > left) {
    return corrupt_as(st->w, st->fmt, "bad section table");
  }
  if (!b->streamed) {
    *out = (ecs__cur_t){b->payload + b->next, (size_t)len, 0, false, NULL};
    b->next += (size_t)len;
    return ECS_OK;
  }
  if (!whole) {
    st->sec_left = len;
    *out = (ecs__cur_t){st->buf, 0, 0, false, st};
    return ECS_OK;
  }
  uint8_t **held = &b->held[id - 1];
  ecs_status_t rs = read_grown(st->w, st->in, len, held, &b->held_cap[id - 1], st->fmt, &st->crc);
  if (rs != ECS_OK) {
    return stream_failed(st, rs);
  }
  st->left -= len;
  *out = (ecs__cur_t){*held, (size_t)len, 0, false, NULL};
  return ECS_OK;
}

const uint8_t *ecs__cur_more(ecs__cur_t *c, size_t n) {
  ecs__snap_stream_t *st = c->src;
  size_t have = c->n - c->pos;
  if (st->status != ECS_OK || n - have > st->sec_left) {
    c->bad = true;
    return NULL;
  }
  size_t offset = c->pos;
  size_t cap = n > READ_CHUNK ? n : READ_CHUNK;
  if (st->cap < cap) {
    uint8_t *p = st->buf ? ecs__realloc(st->w, st->buf, st->cap, cap) : ecs__alloc(st->w, cap);
    if (!p) {
      stream_failed(st, ecs__fail(st->w, ECS_ERR_NO_MEMORY, "cannot allocate %zu bytes to read the snapshot", cap));
      c->bad = true;
      return NULL;
    }
    st->buf = p;
    st->cap = cap;
  }
  /* what is left of the window moves to its start, the rest is read after */
  memmove(st->buf, st->buf + offset, have);
  size_t room = st->cap - have;
  size_t get = room < st->sec_left ? room : (size_t)st->sec_left;
  if (stream_read(st, st->buf + have, get) != ECS_OK) {
    c->bad = true;
    return NULL;
  }
  st->sec_left -= get;
  c->p = st->buf;
  c->n = have + get;
  c->pos = n;
  return st->buf;
}

size_t ecs__cur_stream_left(const ecs__cur_t *c) {
  return c->n - c->pos + (size_t)c->src->sec_left;
}

ecs_status_t ecs__snap_explain(ecs__snap_blob_t *b, ecs_status_t st) {
  ecs__snap_stream_t *s = &b->stream;
  if (!b->streamed || st == ECS_OK) {
    return st;
  }
  if (s->status != ECS_OK) {
    return ecs__fail(s->w, s->status, "%s", s->why);
  }
  if (st == ECS_ERR_NO_MEMORY) {
    return st; /* not the bytes' fault: no need to read the rest */
  }
  /* the rest of the payload, for its CRC: damaged bytes explain a parse
   * error or a hook's refusal better than the error itself */
  uint8_t chunk[4096];
  while (s->left > 0) {
    size_t n = s->left < sizeof chunk ? (size_t)s->left : sizeof chunk;
    if (stream_read(s, chunk, n) != ECS_OK) {
      return ecs__fail(s->w, s->status, "%s", s->why);
    }
  }
  return s->crc == s->expect_crc ? st : corrupt_as(s->w, s->fmt, "payload checksum mismatch");
}

ecs_status_t ecs__snap_finish(ecs__snap_blob_t *b) {
  ecs__snap_stream_t *st = &b->stream;
  if (!b->streamed) {
    return b->next == b->payload_len ? ECS_OK : corrupt_as(st->w, st->fmt, "bytes after the last section");
  }
  if (st->status != ECS_OK) {
    return st->status;
  }
  if (st->left != 0 || st->sec_left != 0) {
    return corrupt_as(st->w, st->fmt, "bytes after the last section");
  }
  return st->crc == st->expect_crc ? ECS_OK : corrupt_as(st->w, st->fmt, "payload checksum mismatch");
}

void ecs__snap_blob_free(ecs_world_t *w, ecs__snap_blob_t *b) {
  ecs__free(w, b->owned, b->owned_cap);
  b->owned = NULL;
  b->owned_cap = 0;
  ecs__free(w, b->stream.buf, b->stream.cap);
  b->stream.buf = NULL;
  b->stream.cap = 0;
  for (uint32_t k = 0; k < ECS__SNAP_SECTION_COUNT; ++k) {
    ecs__free(w, b->held[k], b->held_cap[k]);
    b->held[k] = NULL;
    b->held_cap[k] = 0;
  }
}
