/* Shared by snapshot.c (save, rollback) and snapshot_load.c: the format's
 * constants (docs/snapshot-format.md), little-endian helpers, CRC-32 and
 * the recognition of the io.h memory and FILE* implementations. */
#ifndef ECS_SNAPSHOT_INTERNAL_H
#define ECS_SNAPSHOT_INTERNAL_H

#include "ecs/io.h"
#include "util/crc32.h"

#include <stdio.h>
#include <string.h>

#define ECS__SNAP_MAGIC                                                                                                \
  "\x89"                                                                                                               \
  "ECS\r\n\x1a\n"
#define ECS__SNAP_MAGIC_SIZE 8u
#define ECS__SNAP_HEADER_SIZE 32u
#define ECS__SNAP_SECTION_HEADER_SIZE 12u

/* byte order of raw values (header byte 10) */
#define ECS__SNAP_LITTLE_ENDIAN 1u
#define ECS__SNAP_BIG_ENDIAN 2u

/* payload sections, in this order, each exactly once */
enum {
  ECS__SNAP_SCHEMA = 1,
  ECS__SNAP_ENTITIES = 2,
  ECS__SNAP_TABLES = 3,
  ECS__SNAP_VALUES = 4,
  ECS__SNAP_RESOURCES = 5,
  ECS__SNAP_SCHEDULERS = 6, /* since format version 2 */
  ECS__SNAP_CHANGES = 7,    /* since format version 2 */
  ECS__SNAP_SECTION_COUNT = 7
};

/* The oldest format version this library still reads. */
#define ECS__SNAP_OLDEST_VERSION 1u

/* schema entry flags */
#define ECS__SNAP_TRANSIENT 1u
#define ECS__SNAP_SERIALIZED 2u /* values framed by a u32 length, written by a serialize hook */

/* entity table: bit 31 of a slot's generation word is its alive flag */
#define ECS__SNAP_ALIVE_BIT 0x80000000u

static inline uint16_t ecs__le16(const uint8_t *p) {
  return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t ecs__le32(const uint8_t *p) {
  return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t ecs__le64(const uint8_t *p) {
  return (uint64_t)ecs__le32(p) | ((uint64_t)ecs__le32(p + 4) << 32);
}

static inline void ecs__put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

static inline void ecs__put_le64(uint8_t *p, uint64_t v) {
  ecs__put_le32(p, (uint32_t)v);
  ecs__put_le32(p + 4, (uint32_t)(v >> 32));
}

/* A bounds-checked cursor over a parsed payload (snapshots, scheduler
 * state, replays): a read past the end sets bad and yields 0. A cursor
 * over a snapshot section that is streamed (src set) refills from the
 * reader when a read needs more than it holds; a pointer it handed out is
 * valid until the next read. */
struct ecs__snap_stream_t;
typedef struct ecs__cur_t {
  const uint8_t *p;
  size_t n;
  size_t pos;
  bool bad;
  struct ecs__snap_stream_t *src;
} ecs__cur_t;

/* The refill of a streamed cursor (snapshot.c): the n bytes, or NULL with
 * bad set (past the section's end, or the stream failed). */
const uint8_t *ecs__cur_more(ecs__cur_t *c, size_t n);

static inline const uint8_t *ecs__cur_take(ecs__cur_t *c, size_t n) {
  if (c->bad || n > c->n - c->pos) {
    if (c->src && !c->bad) {
      return ecs__cur_more(c, n);
    }
    c->bad = true;
    return NULL;
  }
  const uint8_t *p = c->p + c->pos;
  c->pos += n;
  return p;
}

static inline uint16_t ecs__cur16(ecs__cur_t *c) {
  const uint8_t *p = ecs__cur_take(c, 2);
  return p ? ecs__le16(p) : 0;
}

static inline uint32_t ecs__cur32(ecs__cur_t *c) {
  const uint8_t *p = ecs__cur_take(c, 4);
  return p ? ecs__le32(p) : 0;
}

static inline uint64_t ecs__cur64(ecs__cur_t *c) {
  const uint8_t *p = ecs__cur_take(c, 8);
  return p ? ecs__le64(p) : 0;
}

size_t ecs__cur_stream_left(const ecs__cur_t *c); /* snapshot.c */
static inline size_t ecs__cur_left(const ecs__cur_t *c) {
  if (c->bad) {
    return 0;
  }
  return c->src ? ecs__cur_stream_left(c) : c->n - c->pos;
}

/* Byte order of this host, as stored in the header. */
static inline uint8_t ecs__snap_host_order(void) {
  const uint16_t probe = 1;
  uint8_t first;
  memcpy(&first, &probe, 1);
  return first == 1 ? ECS__SNAP_LITTLE_ENDIAN : ECS__SNAP_BIG_ENDIAN;
}

/* The state behind a writer or reader when it is one of io.h's own, else
 * NULL: lets a snapshot build in place in a memory buffer, parse a memory
 * source without copying, and tell a short source from an I/O error. */
ecs_membuf_t *ecs__snap_membuf(const ecs_writer_t *w);
ecs_memsrc_t *ecs__snap_memsrc(const ecs_reader_t *r);
FILE *ecs__snap_file(const ecs_reader_t *r);

/* A file format framed like a snapshot: magic, versions read, and the
 * name used in error messages. Snapshots and replays (replay.c) share the
 * header, its checks and its checksums. */
typedef struct ecs__snap_format_t {
  const char *magic; /* ECS__SNAP_MAGIC_SIZE bytes */
  uint16_t oldest;
  uint16_t newest; /* also the version written */
  const char *what;
} ecs__snap_format_t;
extern const ecs__snap_format_t ecs__snap_format;

/* Fills the 32-byte header at h for the payload of payload_len bytes that
 * follows it (version fmt->newest, this host's byte order). */
void ecs__snap_seal(uint8_t *h, const ecs__snap_format_t *fmt, uint64_t payload_len);
/* The header alone, for a payload of that length and CRC written after it. */
void ecs__snap_header(uint8_t *h, const ecs__snap_format_t *fmt, uint64_t payload_len, uint32_t payload_crc);

/* The state of a payload read from a host's reader a section at a time:
 * its CRC is taken as the bytes arrive and checked at the end. */
typedef struct ecs__snap_stream_t {
  ecs_world_t *w;
  const ecs_reader_t *in;
  const ecs__snap_format_t *fmt;
  uint64_t left;     /* payload bytes not read yet */
  uint64_t sec_left; /* of the streamed section: bytes not in its buffer yet */
  uint32_t crc;      /* of the payload bytes read so far */
  uint32_t expect_crc;
  uint8_t *buf; /* the streamed section's window */
  size_t cap;
  ecs_status_t status; /* the first read or memory error */
  char why[160];       /* its message, to report in place of the parse error it causes */
} ecs__snap_stream_t;

/* A snapshot opened for reading. From an io.h memory source the payload is
 * used in place and checked whole first; from any other reader only the
 * header is read, and the sections follow one by one (ecs__snap_section)
 * with the payload's CRC checked at the end (ecs__snap_finish). */
typedef struct ecs__snap_blob_t {
  const uint8_t *payload;
  size_t payload_len;
  uint8_t order; /* byte order of raw values */
  uint16_t version;
  uint8_t *owned; /* the payload when read whole from a stream (world allocator) */
  size_t owned_cap;
  bool streamed;
  size_t next; /* in place: offset of the next section header */
  ecs__snap_stream_t stream;
  uint8_t *held[ECS__SNAP_SECTION_COUNT]; /* streamed: the sections read whole */
  size_t held_cap[ECS__SNAP_SECTION_COUNT];
} ecs__snap_blob_t;

/* Reads the header and payload from in and checks magic, version, the
 * checksums and the lengths (an io.h memory source is used in place and
 * advanced). Errors are set on w. Free *b with ecs__snap_blob_free, also
 * after an error. */
ecs_status_t ecs__snap_read_as(ecs_world_t *w, const ecs_reader_t *in, ecs__snap_blob_t *b,
                               const ecs__snap_format_t *fmt);
/* A snapshot opened to be read section by section (see above). */
ecs_status_t ecs__snap_open(ecs_world_t *w, const ecs_reader_t *in, ecs__snap_blob_t *b);
/* The next section, which must be number id (1-based, in file order): a
 * cursor over all of it when whole, else a streamed cursor that must be
 * read to its end before the next section is opened. */
ecs_status_t ecs__snap_section(ecs__snap_blob_t *b, uint32_t id, bool whole, ecs__cur_t *out);
/* After the last section: no bytes left, and a streamed payload's CRC. */
ecs_status_t ecs__snap_finish(ecs__snap_blob_t *b);
/* What a load that failed with st reports: the stream's own failure (a
 * reader error, no memory) in place of the parse error it caused; else,
 * unless st is ECS_ERR_NO_MEMORY, a checksum mismatch when the rest of a
 * streamed payload shows one (damaged bytes explain a parse error or a
 * hook's refusal better than the error itself); else st. */
ecs_status_t ecs__snap_explain(ecs__snap_blob_t *b, ecs_status_t st);
void ecs__snap_blob_free(ecs_world_t *w, ecs__snap_blob_t *b);

#endif /* ECS_SNAPSHOT_INTERNAL_H */
