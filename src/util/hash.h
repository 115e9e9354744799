/* The one place uthash is included. It is configured for a library:
 * - allocation goes through the world's allocator, never plain malloc;
 * - running out of memory is reported, never exit()s the host.
 *
 * Every HASH_ADD* call site must have two locals in scope:
 *   const ecs_allocator_t *hash_alloc;  the allocator to use
 *   bool hash_oom;                      set to true when an add failed
 * After a failed add the table is unchanged and the element not added. */
#ifndef ECS_UTIL_HASH_H
#define ECS_UTIL_HASH_H

#include "ecs/world.h"

#define HASH_NONFATAL_OOM 1
#define uthash_malloc(sz) (hash_alloc->alloc(hash_alloc->user, (sz)))
#define uthash_free(ptr, sz) (hash_alloc->free(hash_alloc->user, (ptr), (sz)))
#define uthash_nonfatal_oom(elt) ((void)(elt), hash_oom = true)

#include <uthash.h>

#endif /* ECS_UTIL_HASH_H */
