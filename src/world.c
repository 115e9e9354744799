/* World lifetime and the memory helpers every other file allocates through. */
#include "private.h"
#include "storage/archetype.h"

#include <stdlib.h>
#include <string.h>

#define ECS__STR2(x) #x
#define ECS__STR(x) ECS__STR2(x)

const char *ecs_version(void) {
  return ECS__STR(ECS_VERSION_MAJOR) "." ECS__STR(ECS_VERSION_MINOR) "." ECS__STR(ECS_VERSION_PATCH);
}

static void *libc_alloc(void *user, size_t size) {
  (void)user;
  return malloc(size);
}

static void *libc_realloc(void *user, void *ptr, size_t old_size, size_t new_size) {
  (void)user;
  (void)old_size;
  return realloc(ptr, new_size);
}

static void libc_free(void *user, void *ptr, size_t size) {
  (void)user;
  (void)size;
  free(ptr);
}

bool ecs__allocator_resolve(ecs_allocator_t *a) {
  int set = (a->alloc != NULL) + (a->realloc != NULL) + (a->free != NULL);
  if (set == 0) {
    *a = (ecs_allocator_t){libc_alloc, libc_realloc, libc_free, NULL};
  }
  return set == 0 || set == 3;
}

void *ecs__alloc(ecs_world_t *w, size_t size) {
  return w->alloc.alloc(w->alloc.user, size);
}

void *ecs__calloc(ecs_world_t *w, size_t size) {
  void *p = w->alloc.alloc(w->alloc.user, size);
  if (p) {
    memset(p, 0, size);
  }
  return p;
}

void *ecs__realloc(ecs_world_t *w, void *ptr, size_t old_size, size_t new_size) {
  return w->alloc.realloc(w->alloc.user, ptr, old_size, new_size);
}

void ecs__free(ecs_world_t *w, void *ptr, size_t size) {
  if (ptr) {
    w->alloc.free(w->alloc.user, ptr, size);
  }
}

bool ecs__grow(const ecs_allocator_t *a, void **arr, size_t elem, uint32_t *cap, size_t need, uint32_t min_cap) {
  if (need <= *cap) {
    return true;
  }
  if (need > UINT32_MAX) {
    return false;
  }
  size_t new_cap = *cap ? *cap : min_cap;
  while (new_cap < need) {
    new_cap *= 2;
  }
  if (new_cap > UINT32_MAX) {
    new_cap = UINT32_MAX;
  }
  if (new_cap > SIZE_MAX / elem) {
    return false;
  }
  void *p = *arr ? a->realloc(a->user, *arr, (size_t)*cap * elem, new_cap * elem) : a->alloc(a->user, new_cap * elem);
  if (!p) {
    return false;
  }
  *arr = p;
  *cap = (uint32_t)new_cap;
  return true;
}

/* The raw block pointer is kept just below the aligned address so that any
 * alignment works with an allocator that only promises malloc's. */
void *ecs__aligned_alloc(const ecs_allocator_t *a, size_t size, size_t align) {
  if (align < sizeof(void *)) {
    align = sizeof(void *);
  }
  if (size > SIZE_MAX - align - sizeof(void *)) {
    return NULL;
  }
  char *raw = a->alloc(a->user, size + align + sizeof(void *));
  if (!raw) {
    return NULL;
  }
  uintptr_t base = (uintptr_t)(raw + sizeof(void *));
  char *aligned = raw + sizeof(void *) + ((align - (base & (align - 1))) & (align - 1));
  memcpy(aligned - sizeof(void *), &raw, sizeof raw);
  return aligned;
}

void *ecs__aligned_realloc(const ecs_allocator_t *a, void *ptr, size_t old_size, size_t new_size, size_t align) {
  if (!ptr) {
    return ecs__aligned_alloc(a, new_size, align);
  }
  if (align < sizeof(void *)) {
    align = sizeof(void *);
  }
  if (new_size > SIZE_MAX - align - sizeof(void *)) {
    return NULL;
  }
  char *raw;
  memcpy(&raw, (char *)ptr - sizeof(void *), sizeof raw);
  size_t old_off = (size_t)((char *)ptr - raw);
  char *fresh = a->realloc(a->user, raw, old_size + align + sizeof(void *), new_size + align + sizeof(void *));
  if (!fresh) {
    return NULL;
  }
  uintptr_t base = (uintptr_t)(fresh + sizeof(void *));
  char *aligned = fresh + sizeof(void *) + ((align - (base & (align - 1))) & (align - 1));
  if ((size_t)(aligned - fresh) != old_off) { /* the block moved to another alignment: shift the bytes */
    memmove(aligned, fresh + old_off, old_size < new_size ? old_size : new_size);
  }
  memcpy(aligned - sizeof(void *), &fresh, sizeof fresh);
  return aligned;
}

void ecs__aligned_free(const ecs_allocator_t *a, void *ptr, size_t size, size_t align) {
  if (!ptr) {
    return;
  }
  if (align < sizeof(void *)) {
    align = sizeof(void *);
  }
  char *raw;
  memcpy(&raw, (char *)ptr - sizeof(void *), sizeof raw);
  a->free(a->user, raw, size + align + sizeof(void *));
}

static ecs_status_t world_desc_resolve(const ecs_world_desc_t *desc, ecs_world_desc_t *out) {
  ecs_world_desc_t d = {0};
  if (desc) {
    d = *desc;
  }
  if (!ecs__allocator_resolve(&d.allocator)) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!d.log) {
    d.log = ecs_log_stderr;
  }
  if (d.log_level == ECS_LOG_DEFAULT) {
    d.log_level = ECS_LOG_WARN;
  }
  if ((unsigned)d.log_level > (unsigned)ECS_LOG_OFF) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (d.default_storage == (int32_t)ECS_STORAGE_DEFAULT) {
    d.default_storage = (int32_t)ECS_STORAGE_ARCHETYPE;
  }
  if (d.default_storage != (int32_t)ECS_STORAGE_ARCHETYPE && d.default_storage != (int32_t)ECS_STORAGE_DENSE &&
      d.default_storage != (int32_t)ECS_STORAGE_SPARSE) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  *out = d;
  return ECS_OK;
}

ecs_status_t ecs_world_create(const ecs_world_desc_t *desc, ecs_world_t **out) {
  if (!out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  *out = NULL;
  ecs_world_desc_t d;
  ecs_status_t st = world_desc_resolve(desc, &d);
  if (st != ECS_OK) {
    return st;
  }
  ecs_world_t *w = d.allocator.alloc(d.allocator.user, sizeof *w);
  if (!w) {
    return ECS_ERR_NO_MEMORY;
  }
  memset(w, 0, sizeof *w);
  w->alloc = d.allocator;
  w->log = d.log;
  w->log_user = d.log_user;
  w->log_level = d.log_level;
  w->default_storage = (ecs_storage_kind_t)d.default_storage;

  uint32_t cap = d.initial_entities < 16 ? 16 : d.initial_entities;
  w->records = NULL; /* zero already; said for the static analyser, which loses track of a large memset */
  w->record_cap = 0;
  if (!ecs__grow(&w->alloc, (void **)&w->records, sizeof *w->records, &w->record_cap, cap, cap)) {
    goto out_free_world;
  }
  memset(&w->records[0], 0, sizeof w->records[0]);
  w->record_count = 1;
  if (!ecs__grow(&w->alloc, (void **)&w->components, sizeof(ecs__component_t *), &w->component_cap, 16, 16)) {
    goto out_free_records;
  }
  w->components[0] = NULL;
  w->component_count = 1;
  if (ecs__storage_kinds_init(w) != ECS_OK) {
    goto out_free_components;
  }
  *out = w;
  return ECS_OK;

out_free_components:
  ecs__free(w, w->components, (size_t)w->component_cap * sizeof(ecs__component_t *));
out_free_records:
  ecs__free(w, w->records, (size_t)w->record_cap * sizeof *w->records);
out_free_world:
  d.allocator.free(d.allocator.user, w, sizeof *w);
  return ECS_ERR_NO_MEMORY;
}

ecs_world_t *ecs_world_new(const ecs_world_desc_t *desc) {
  ecs_world_t *w = NULL;
  (void)ecs_world_create(desc, &w);
  return w;
}

void ecs_world_free(ecs_world_t *world) {
  if (!world) {
    return;
  }
  /* first, so that a plugin's fini still sees the whole world */
  ecs__plugins_fini(world);
  ecs__query_free_all(world);
  ecs__metrics_fini(world);
  ecs__observers_fini(world);
  ecs__free(world, world->schedulers, (size_t)world->scheduler_cap * sizeof(struct ecs_scheduler_t *));
  ecs__sched_state_free(world, world->sched_pending);
  ecs__arch_set_closing(world->arch);
  ecs__rels_fini(world);
  ecs__hier_fini(world);
  ecs__component_fini_all(world);
  ecs__delta_fini(world);
  ecs__packs_fini(world);
  ecs__storage_kinds_fini(world);
  ecs__free(world, world->components, (size_t)world->component_cap * sizeof(ecs__component_t *));
  ecs__free(world, world->records, (size_t)world->record_cap * sizeof *world->records);
  ecs_allocator_t a = world->alloc;
  a.free(a.user, world, sizeof *world);
}

char *ecs__strdup(ecs_world_t *w, const char *s) {
  size_t n = strlen(s) + 1;
  char *d = ecs__alloc(w, n);
  if (d) {
    memcpy(d, s, n);
  }
  return d;
}

void ecs__strfree(ecs_world_t *w, char *s) {
  if (s) {
    ecs__free(w, s, strlen(s) + 1);
  }
}

_Static_assert(ECS_VERSION_MINOR < 100 && ECS_VERSION_PATCH < 100, "ECS_VERSION holds MINOR and PATCH below 100");

int32_t ecs_version_number(void) {
  return ECS_VERSION;
}

/* The sink and level are read without a lock by workers during a tick, so
 * both setters refuse to run inside one. */
ecs_status_t ecs_world_set_log(ecs_world_t *world, ecs_log_fn fn, void *user) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ECS_ERR_BUSY;
  }
  world->log = fn ? fn : ecs_log_stderr;
  world->log_user = user;
  ecs__ok(world);
  return ECS_OK;
}

ecs_status_t ecs_world_set_log_level(ecs_world_t *world, ecs_log_level_t level) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ECS_ERR_BUSY;
  }
  if ((unsigned)level > (unsigned)ECS_LOG_OFF) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "log level %u is out of range", (unsigned)level);
  }
  world->log_level = level == ECS_LOG_DEFAULT ? ECS_LOG_WARN : level;
  ecs__ok(world);
  return ECS_OK;
}

ecs_status_t ecs_world_shrink(ecs_world_t *world, size_t *freed) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "ecs_world_shrink during a tick or an observer");
  }
  size_t bytes = ecs__arch_shrink(world->arch);
  /* then the empty tables themselves; without memory for the map they stay */
  uint32_t n = ecs__arch_table_count(world->arch);
  uint32_t *remap = ecs__alloc(world, (size_t)n * sizeof *remap);
  if (remap && ecs__arch_compact(world->arch, remap, &bytes) > 0) {
    ecs__queries_tables_remapped(world, remap, n);
  }
  ecs__free(world, remap, (size_t)n * sizeof *remap);
  if (freed) {
    *freed = bytes;
  }
  ecs__ok(world);
  return ECS_OK;
}
