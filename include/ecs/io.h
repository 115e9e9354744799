/** @file ecs/io.h
 *  Byte sinks and sources shared by snapshots, traces and metrics: small
 *  vtables so that a host can stream to its own files, sockets or buffers,
 *  plus ready-made memory and FILE* implementations. */
#ifndef ECS_IO_H
#define ECS_IO_H

#include "config.h"
#include "error.h"
#include "world.h"

#include <stdio.h>

ECS_EXTERN_C_BEGIN

/** A byte sink. write() takes all @p size bytes or fails (ECS_ERR_IO or
 *  ECS_ERR_NO_MEMORY); the library stops at the first failure. */
typedef struct ecs_writer_t {
  ecs_status_t (*write)(void *user, const void *data, size_t size);
  void *user;
} ecs_writer_t;

/** A byte source. read() fills all @p size bytes or fails (a short source
 *  is ECS_ERR_IO or, for snapshots, reported as truncated). */
typedef struct ecs_reader_t {
  ecs_status_t (*read)(void *user, void *data, size_t size);
  void *user;
} ecs_reader_t;

/** Writes @p size bytes through @p w; a size of 0 is ECS_OK and calls
 *  nothing. Errors: ECS_ERR_INVALID_ARGUMENT (NULL or incomplete writer,
 *  NULL @p data with a size), else the writer's status.
 *  Thread-safety: as the writer. */
ECS_API ecs_status_t ecs_write(const ecs_writer_t *w, const void *data, size_t size);

/** Writes a NUL-terminated string through @p w (without the NUL).
 *  Errors and thread-safety as ecs_write(); a NULL @p s is
 *  ECS_ERR_INVALID_ARGUMENT. */
ECS_API ecs_status_t ecs_write_str(const ecs_writer_t *w, const char *s);

/** Reads exactly @p size bytes through @p r into @p data; a size of 0 is
 *  ECS_OK and calls nothing. Errors: ECS_ERR_INVALID_ARGUMENT (NULL or
 *  incomplete reader, NULL @p data with a size), else the reader's status.
 *  Thread-safety: as the reader. */
ECS_API ecs_status_t ecs_read(const ecs_reader_t *r, void *data, size_t size);

/** A growable memory buffer to write into; zero-initialise it, then get its
 *  writer with ecs_membuf_writer(). Allocates with @p allocator (NULL:
 *  libc). Free with ecs_membuf_free(). Thread-safety: one thread. */
typedef struct ecs_membuf_t {
  unsigned char *data;              /**< the bytes written; moves as it grows */
  size_t size;                      /**< bytes written */
  size_t cap;                       /**< bytes allocated (the library's) */
  const ecs_allocator_t *allocator; /**< complete, or NULL; must outlive the buffer */
} ecs_membuf_t;

/** A writer appending to @p buf (which must outlive it); a write that
 *  cannot grow the buffer fails with ECS_ERR_NO_MEMORY and appends nothing.
 *  A NULL @p buf gives a writer that ecs_write() rejects.
 *  Thread-safety: any thread; writes through it as the buffer. */
ECS_API ecs_writer_t ecs_membuf_writer(ecs_membuf_t *buf);

/** Empties @p buf, keeping its memory. NULL is a no-op.
 *  Thread-safety: as the buffer. */
ECS_API void ecs_membuf_reset(ecs_membuf_t *buf);

/** Releases @p buf's memory and leaves it empty and reusable (the
 *  allocator is kept). NULL is a no-op. Thread-safety: as the buffer. */
ECS_API void ecs_membuf_free(ecs_membuf_t *buf);

/** A cursor over caller-owned bytes, for ecs_memreader(). */
typedef struct ecs_memsrc_t {
  const unsigned char *data; /**< not copied; must outlive the reads */
  size_t size;
  size_t pos; /**< next byte to read; advanced by each read */
} ecs_memsrc_t;

/** A reader over @p src (which must outlive it). A read past the end fails
 *  with ECS_ERR_IO and reads nothing. A NULL @p src gives a reader that
 *  ecs_read() rejects. Thread-safety: any thread; reads through it on one
 *  thread at a time. */
ECS_API ecs_reader_t ecs_memreader(ecs_memsrc_t *src);

/** A writer to an open FILE* (the caller opens and closes it, after the
 *  last write); a short write is ECS_ERR_IO. A NULL @p file gives a writer
 *  that ecs_write() rejects. Thread-safety: any thread; writes through it
 *  as stdio allows for the FILE. */
ECS_API ecs_writer_t ecs_file_writer(FILE *file);

/** A reader from an open FILE* (the caller's, as ecs_file_writer()); a
 *  short read is ECS_ERR_IO. Thread-safety as ecs_file_writer(). */
ECS_API ecs_reader_t ecs_file_reader(FILE *file);

ECS_EXTERN_C_END

#endif /* ECS_IO_H */
