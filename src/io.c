/* Writers and readers: memory buffers and FILE* streams. */
#include "private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

ecs_status_t ecs_write(const ecs_writer_t *w, const void *data, size_t size) {
  if (!w || !w->write || (!data && size > 0)) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return size ? w->write(w->user, data, size) : ECS_OK;
}

ecs_status_t ecs_write_str(const ecs_writer_t *w, const char *s) {
  return s ? ecs_write(w, s, strlen(s)) : ECS_ERR_INVALID_ARGUMENT;
}

ecs_status_t ecs_read(const ecs_reader_t *r, void *data, size_t size) {
  if (!r || !r->read || (!data && size > 0)) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  return size ? r->read(r->user, data, size) : ECS_OK;
}

static void *mb_realloc(ecs_membuf_t *b, size_t cap) {
  const ecs_allocator_t *a = b->allocator;
  if (!a) {
    return realloc(b->data, cap);
  }
  return b->data ? a->realloc(a->user, b->data, b->cap, cap) : a->alloc(a->user, cap);
}

static ecs_status_t membuf_write(void *user, const void *data, size_t size) {
  ecs_membuf_t *b = user;
  if (size == 0) {
    return ECS_OK; /* an empty buffer's data may be NULL: no arithmetic on it */
  }
  if (size > SIZE_MAX - b->size) {
    return ECS_ERR_NO_MEMORY;
  }
  if (b->size + size > b->cap) {
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->size + size) {
      cap = cap > SIZE_MAX / 2 ? b->size + size : cap * 2;
    }
    unsigned char *p = mb_realloc(b, cap);
    if (!p) {
      return ECS_ERR_NO_MEMORY;
    }
    b->data = p;
    b->cap = cap;
  }
  memcpy(b->data + b->size, data, size);
  b->size += size;
  return ECS_OK;
}

ecs_writer_t ecs_membuf_writer(ecs_membuf_t *buf) {
  return (ecs_writer_t){buf ? membuf_write : NULL, buf};
}

void ecs_membuf_reset(ecs_membuf_t *buf) {
  if (buf) {
    buf->size = 0;
  }
}

void ecs_membuf_free(ecs_membuf_t *buf) {
  if (!buf || !buf->data) {
    return;
  }
  if (buf->allocator) {
    buf->allocator->free(buf->allocator->user, buf->data, buf->cap);
  } else {
    free(buf->data);
  }
  buf->data = NULL;
  buf->size = buf->cap = 0;
}

static ecs_status_t memsrc_read(void *user, void *data, size_t size) {
  ecs_memsrc_t *s = user;
  if (size > s->size - s->pos) {
    return ECS_ERR_IO;
  }
  memcpy(data, s->data + s->pos, size);
  s->pos += size;
  return ECS_OK;
}

ecs_reader_t ecs_memreader(ecs_memsrc_t *src) {
  return (ecs_reader_t){src ? memsrc_read : NULL, src};
}

static ecs_status_t file_write(void *user, const void *data, size_t size) {
  return fwrite(data, 1, size, (FILE *)user) == size ? ECS_OK : ECS_ERR_IO;
}

static ecs_status_t file_read(void *user, void *data, size_t size) {
  return fread(data, 1, size, (FILE *)user) == size ? ECS_OK : ECS_ERR_IO;
}

ecs_writer_t ecs_file_writer(FILE *file) {
  return (ecs_writer_t){file ? file_write : NULL, file};
}

ecs_reader_t ecs_file_reader(FILE *file) {
  return (ecs_reader_t){file ? file_read : NULL, file};
}

static ecs_status_t sticky_write(void *user, const void *data, size_t size) {
  ecs__sticky_t *s = user;
  if (s->error == ECS_OK) {
    s->error = ecs_write(&s->inner, data, size);
  }
  return s->error;
}

ecs_writer_t ecs__sticky_writer(ecs__sticky_t *s) {
  return (ecs_writer_t){sticky_write, s};
}

/* ---- files for the save/load pairs (snapshots, replays, digest logs) ---- */

ecs_status_t ecs__save_file(ecs_world_t *w, const char *path, ecs__save_fn save, const void *what) {
  FILE *f = fopen(path, "wb");
  if (!f) {
    return ecs__fail(w, ECS_ERR_IO, "cannot open '%s' for writing: %s", path, strerror(errno));
  }
  ecs_writer_t out = ecs_file_writer(f);
  ecs_status_t st = save(what, &out);
  if (fclose(f) != 0 && st == ECS_OK) {
    st = ecs__fail(w, ECS_ERR_IO, "cannot close '%s': %s", path, strerror(errno));
  }
  return st;
}

ecs_status_t ecs__load_file(ecs_world_t *w, const char *path, ecs__load_fn load, void *into) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    return ecs__fail(w, ECS_ERR_IO, "cannot open '%s': %s", path, strerror(errno));
  }
  ecs_reader_t in = ecs_file_reader(f);
  ecs_status_t st = load(into, &in);
  (void)fclose(f); /* read only: nothing to lose */
  return st;
}
