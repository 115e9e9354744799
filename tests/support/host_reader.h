/* A host's reader over memory, for tests and fuzz targets: a snapshot load
 * from it streams (the library recognises only its own ecs_memreader()),
 * and, as a reader that cannot tell its end from an error, it fails with
 * ECS_ERR_SNAPSHOT_CORRUPT past the end. Its user pointer is an
 * ecs_memsrc_t. */
#ifndef ECS_TEST_SUPPORT_HOST_READER_H
#define ECS_TEST_SUPPORT_HOST_READER_H

#include "ecs.h"

#include <string.h>

static inline ecs_status_t host_read(void *user, void *data, size_t size) {
  ecs_memsrc_t *src = user;
  if (size > src->size - src->pos) {
    return ECS_ERR_SNAPSHOT_CORRUPT;
  }
  memcpy(data, src->data + src->pos, size);
  src->pos += size;
  return ECS_OK;
}

#endif /* ECS_TEST_SUPPORT_HOST_READER_H */
