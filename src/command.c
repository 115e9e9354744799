/* Deferred command buffers.
 *
 * Commands live in a growable array reused across applies; values passed to
 * ecs_cmd_set are copy-constructed into an arena of fixed blocks that never
 * move (so values with move hooks need no relocation) and are reused after
 * each apply. Steady-state recording therefore allocates nothing.
 *
 * A provisional handle packs the create's ordinal in its recording round
 * and a stamp the world hands out once for the (buffer, round): a handle of
 * another buffer, or kept past its apply, never matches (private.h). */
#include "private.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define CMD_BLOCK_SIZE ((size_t)64 * 1024)
#define CMD_BLOCK_ALIGN ((size_t)64)

typedef enum cmd_kind_t {
  CMD_CREATE,
  CMD_DESTROY,
  CMD_ADD,
  CMD_SET,
  CMD_REMOVE,
  CMD_BULK,
  /* the kinds from here on are applied by apply_more(). Pairs are resolved
   * at apply time: component is the relation. A kind with a target keeps
   * it in the arena, at value; a pair's value follows it (pair_value). */
  CMD_ADD_PAIR,
  CMD_SET_PAIR,
  CMD_REMOVE_PAIR,
  CMD_SET_PARENT,  /* entity: the child; target: the parent (possibly provisional) */
  CMD_ENABLE,      /* component: 0 for the entity itself */
  CMD_DISABLE,     /* component: 0 for the entity itself */
  CMD_INSTANTIATE, /* entity: the provisional root; target: the prefab */
  CMD_SET_NAME     /* value: the name in the arena, or NULL to clear */
} cmd_kind_t;

/* CMD_BULK: the descriptor with its value arrays copied into the arena;
 * the command's entity is the first provisional handle. */
typedef struct cmd_bulk_t {
  ecs_bulk_desc_t desc;
  void *copies[ECS_BULK_MAX_COMPONENTS]; /* desc.values, owned: destructed after apply or discard */
} cmd_bulk_t;

typedef struct cmd_t {
  ecs_entity_t entity;
  void *value; /* CMD_SET(_PAIR): constructed value in the arena; CMD_BULK: its cmd_bulk_t */
  ecs_component_t component;
  uint8_t kind;
} cmd_t;

typedef struct cmd_block_t {
  char *data;
  size_t size;
  size_t align;
  size_t used;
} cmd_block_t;

struct ecs_cmd_buffer_t {
  ecs_world_t *world;
  uint64_t stamp; /* of this round's provisional handles; 0: none issued yet */
  cmd_t *cmds;
  uint32_t count;
  uint32_t cap;
  cmd_block_t *blocks;
  uint32_t block_count;
  uint32_t block_cap;
  uint32_t block_cur;     /* first block that may still have room */
  uint32_t creates;       /* provisional handles issued this round */
  ecs_entity_t *resolved; /* provisional ordinal -> real entity, last apply */
  uint32_t resolved_count;
  uint32_t resolved_cap;
  uint64_t resolved_stamp;
  char error[ECS_ERROR_MAX];
};

static ecs_status_t buf_fail(ecs_cmd_buffer_t *b, ecs_status_t st, const char *fmt, ...) ECS_PRINTF(3, 4);
static ecs_status_t buf_fail(ecs_cmd_buffer_t *b, ecs_status_t st, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->error, sizeof b->error, fmt, ap);
  va_end(ap);
  return st;
}

ecs_cmd_buffer_t *ecs_cmd_buffer_new(ecs_world_t *world) {
  if (!world) {
    return NULL;
  }
  ecs_cmd_buffer_t *b = ecs__calloc(world, sizeof *b);
  if (!b) {
    return NULL;
  }
  b->world = world;
  return b;
}

/* Destructs the value arrays of a bulk command (copies in the arena). */
static void bulk_discard(const ecs_world_t *w, const cmd_bulk_t *bk) {
  for (uint32_t k = 0; k < ECS_BULK_MAX_COMPONENTS && bk->desc.components[k]; ++k) {
    const ecs__component_t *c = ecs__component_get(w, bk->desc.components[k]);
    if (bk->copies[k] && c->hooks.dtor && c->size > 0) {
      c->hooks.dtor(bk->copies[k], (int32_t)bk->desc.count, c->hooks.user);
    }
  }
}

/* The target a command keeps in the arena (pair, parent, prefab). */
static ecs_entity_t cmd_target(const cmd_t *cmd) {
  ecs_entity_t t;
  memcpy(&t, cmd->value, sizeof t);
  return t;
}

/* Where a pair's value follows its target: aligned for the value. */
static size_t pair_offset(const ecs__component_t *c) {
  return c->alignment > sizeof(ecs_entity_t) ? c->alignment : sizeof(ecs_entity_t);
}

/* The value of a CMD_SET or CMD_SET_PAIR (c: the component or relation). */
static void *set_value(const cmd_t *cmd, const ecs__component_t *c) {
  return cmd->kind == CMD_SET_PAIR ? (char *)cmd->value + pair_offset(c) : cmd->value;
}

static void discard_values(ecs_cmd_buffer_t *b) {
  for (uint32_t i = 0; i < b->count; ++i) {
    cmd_t *cmd = &b->cmds[i];
    if (cmd->kind == CMD_BULK) {
      bulk_discard(b->world, cmd->value);
      continue;
    }
    if ((cmd->kind == CMD_SET || cmd->kind == CMD_SET_PAIR) && cmd->value) {
      const ecs__component_t *c = ecs__component_get(b->world, cmd->component);
      if (c && c->hooks.dtor && c->size > 0) {
        c->hooks.dtor(set_value(cmd, c), 1, c->hooks.user);
      }
    }
  }
}

static void reset(ecs_cmd_buffer_t *b) {
  b->count = 0;
  for (uint32_t i = 0; i < b->block_count; ++i) {
    b->blocks[i].used = 0;
  }
  b->block_cur = 0;
  b->creates = 0;
  b->stamp = 0; /* a new round: the next create takes a new stamp */
}

void ecs_cmd_buffer_clear(ecs_cmd_buffer_t *buf) {
  if (!buf) {
    return;
  }
  discard_values(buf);
  reset(buf);
}

void ecs_cmd_buffer_free(ecs_cmd_buffer_t *buf) {
  if (!buf) {
    return;
  }
  ecs_world_t *w = buf->world;
  discard_values(buf);
  for (uint32_t i = 0; i < buf->block_count; ++i) {
    ecs__aligned_free(&w->alloc, buf->blocks[i].data, buf->blocks[i].size, buf->blocks[i].align);
  }
  ecs__free(w, buf->blocks, (size_t)buf->block_cap * sizeof *buf->blocks);
  ecs__free(w, buf->cmds, (size_t)buf->cap * sizeof *buf->cmds);
  ecs__free(w, buf->resolved, (size_t)buf->resolved_cap * sizeof *buf->resolved);
  ecs__free(w, buf, sizeof *buf);
}

size_t ecs_cmd_buffer_count(const ecs_cmd_buffer_t *buf) {
  return buf ? buf->count : 0;
}

const char *ecs_cmd_buffer_last_error(const ecs_cmd_buffer_t *buf) {
  return buf ? buf->error : "command buffer is NULL";
}

static ecs_entity_t prov_make(uint64_t stamp, uint32_t ordinal) {
  uint32_t index = ordinal | (uint32_t)(stamp & 0xffu) << ECS__PROV_ORDINAL_BITS;
  return ECS_ENTITY_MAKE(index, 0x80000000u | (uint32_t)(stamp >> 8));
}

static uint64_t prov_stamp(ecs_entity_t e) {
  return (uint64_t)(ECS_ENTITY_GENERATION(e) & 0x7fffffffu) << 8 | ECS_ENTITY_INDEX(e) >> ECS__PROV_ORDINAL_BITS;
}

static uint32_t prov_ordinal(ecs_entity_t e) {
  return ECS_ENTITY_INDEX(e) & ECS__PROV_ORDINAL_MAX;
}

/* The round's stamp, taken from the world by its first create. */
static ecs_status_t take_stamp(ecs_cmd_buffer_t *b) {
  if (b->stamp != 0) {
    return ECS_OK;
  }
  uint64_t stamp = atomic_fetch_add(&b->world->next_prov_stamp, 1u) + 1u;
  if (stamp > ECS__PROV_STAMP_MAX) {
    atomic_store(&b->world->next_prov_stamp, ECS__PROV_STAMP_MAX); /* stays exhausted */
    return buf_fail(b, ECS_ERR_LIMIT, "this world has used every provisional handle stamp");
  }
  b->stamp = stamp;
  return ECS_OK;
}

/* Room for n more provisional handles this round, and the round's stamp. */
static ecs_status_t reserve_creates(ecs_cmd_buffer_t *b, size_t n) {
  if (n > (size_t)ECS__PROV_ORDINAL_MAX + 1u - b->creates) {
    return buf_fail(b, ECS_ERR_LIMIT, "too many creates in one round (at most %u)", ECS__PROV_ORDINAL_MAX + 1u);
  }
  return take_stamp(b);
}

/* Memory for one value in the arena; blocks are never moved or freed until
 * the buffer is. */
static void *arena_alloc(ecs_cmd_buffer_t *b, size_t size, size_t align) {
  const ecs_allocator_t *a = &b->world->alloc;
  for (uint32_t i = b->block_cur; i < b->block_count; ++i) {
    cmd_block_t *blk = &b->blocks[i];
    if (align <= blk->align) {
      size_t off = (blk->used + align - 1) & ~(align - 1);
      if (off + size <= blk->size) {
        blk->used = off + size;
        return blk->data + off;
      }
    }
    if (i == b->block_cur && blk->size - blk->used < 64) {
      b->block_cur++; /* nearly full: stop scanning it */
    }
  }
  if (!ecs__grow(a, (void **)&b->blocks, sizeof *b->blocks, &b->block_cap, (size_t)b->block_count + 1, 4)) {
    return NULL;
  }
  size_t bsize = size > CMD_BLOCK_SIZE ? size : CMD_BLOCK_SIZE;
  size_t balign = align > CMD_BLOCK_ALIGN ? align : CMD_BLOCK_ALIGN;
  char *data = ecs__aligned_alloc(a, bsize, balign);
  if (!data) {
    return NULL;
  }
  b->blocks[b->block_count++] = (cmd_block_t){data, bsize, balign, size};
  return data;
}

static ecs_status_t check_entity(ecs_cmd_buffer_t *b, ecs_entity_t e) {
  if (ECS_ENTITY_IS_PROVISIONAL(e)) {
    if (b->stamp == 0 || prov_stamp(e) != b->stamp || prov_ordinal(e) >= b->creates) {
      return buf_fail(b, ECS_ERR_STALE_ENTITY, "provisional entity %u belongs to another buffer or an applied round",
                      prov_ordinal(e));
    }
    return ECS_OK;
  }
  if (!ecs__entity_alive(b->world, e)) {
    return buf_fail(b, ECS_ERR_STALE_ENTITY, "entity %uv%u is stale or was never created", ECS_ENTITY_INDEX(e),
                    ECS_ENTITY_GENERATION(e));
  }
  return ECS_OK;
}

static cmd_t *push(ecs_cmd_buffer_t *b, cmd_kind_t kind, ecs_entity_t e, ecs_component_t c) {
  if (!ecs__grow(&b->world->alloc, (void **)&b->cmds, sizeof *b->cmds, &b->cap, (size_t)b->count + 1, 64)) {
    buf_fail(b, ECS_ERR_NO_MEMORY, "cannot grow command buffer");
    return NULL;
  }
  cmd_t *cmd = &b->cmds[b->count++];
  *cmd = (cmd_t){.entity = e, .value = NULL, .component = c, .kind = (uint8_t)kind};
  return cmd;
}

ecs_entity_t ecs_cmd_create(ecs_cmd_buffer_t *buf) {
  if (!buf) {
    return ECS_ENTITY_NULL;
  }
  if (reserve_creates(buf, 1) != ECS_OK) {
    return ECS_ENTITY_NULL;
  }
  ecs_entity_t e = prov_make(buf->stamp, buf->creates);
  if (!push(buf, CMD_CREATE, e, ECS_COMPONENT_NULL)) {
    return ECS_ENTITY_NULL;
  }
  buf->creates++;
  return e;
}

ecs_entity_t ecs_cmd_instantiate(ecs_cmd_buffer_t *buf, ecs_entity_t prefab) {
  if (!buf) {
    return ECS_ENTITY_NULL;
  }
  if (ECS_ENTITY_IS_PROVISIONAL(prefab)) {
    buf_fail(buf, ECS_ERR_STALE_ENTITY, "ecs_cmd_instantiate: the prefab must be a real entity");
    return ECS_ENTITY_NULL;
  }
  if (check_entity(buf, prefab) != ECS_OK) {
    return ECS_ENTITY_NULL;
  }
  if (reserve_creates(buf, 1) != ECS_OK) {
    return ECS_ENTITY_NULL;
  }
  ecs_entity_t e = prov_make(buf->stamp, buf->creates);
  ecs_entity_t *slot = arena_alloc(buf, sizeof prefab, _Alignof(ecs_entity_t));
  cmd_t *cmd = slot ? push(buf, CMD_INSTANTIATE, e, ECS_COMPONENT_NULL) : NULL;
  if (!cmd) {
    buf_fail(buf, ECS_ERR_NO_MEMORY, "cannot record an instantiation");
    return ECS_ENTITY_NULL;
  }
  *slot = prefab;
  cmd->value = slot;
  buf->creates++;
  return e;
}

ecs_status_t ecs_cmd_destroy(ecs_cmd_buffer_t *buf, ecs_entity_t e) {
  if (!buf) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = check_entity(buf, e);
  if (st == ECS_OK && !push(buf, CMD_DESTROY, e, ECS_COMPONENT_NULL)) {
    st = ECS_ERR_NO_MEMORY;
  }
  return st;
}

static ecs_status_t record(ecs_cmd_buffer_t *b, cmd_kind_t kind, ecs_entity_t e, ecs_component_t c, const void *value) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = check_entity(b, e);
  if (st != ECS_OK) {
    return st;
  }
  const ecs__component_t *comp = ecs__component_get(b->world, c);
  if (!comp) {
    return buf_fail(b, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  if (ECS_UNLIKELY(comp->relation != 0 && comp->target == 0)) {
    return buf_fail(b, ECS_ERR_INVALID_ARGUMENT, "'%s' is a wildcard: a query term, never held by an entity",
                    comp->name);
  }
  if (ECS_UNLIKELY(comp->managed)) {
    return buf_fail(b, ECS_ERR_INVALID_ARGUMENT, "'%s' is written only by ecs_cmd_set_parent() or ecs_set_name()",
                    comp->name);
  }
  void *copy = NULL;
  if (kind == CMD_SET && comp->size > 0) {
    if (!value) {
      return buf_fail(b, ECS_ERR_INVALID_ARGUMENT, "ecs_cmd_set: value is NULL for component '%s'", comp->name);
    }
    copy = arena_alloc(b, comp->size, comp->alignment);
    if (!copy) {
      return buf_fail(b, ECS_ERR_NO_MEMORY, "cannot copy value of '%s' into the command buffer", comp->name);
    }
    ecs__value_copy(comp, copy, value, 1);
  }
  cmd_t *cmd = push(b, kind, e, c);
  if (!cmd) {
    if (copy && comp->hooks.dtor) {
      comp->hooks.dtor(copy, 1, comp->hooks.user);
    }
    return ECS_ERR_NO_MEMORY;
  }
  cmd->value = copy;
  return ECS_OK;
}

ecs_status_t ecs_cmd_add(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c) {
  return record(buf, CMD_ADD, e, c, NULL);
}

ecs_status_t ecs_cmd_set(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c, const void *value) {
  return record(buf, CMD_SET, e, c, value);
}

ecs_status_t ecs_cmd_bulk_create(ecs_cmd_buffer_t *buf, const ecs_bulk_desc_t *desc, ecs_entity_t *out) {
  if (!buf || !desc) {
    return buf ? buf_fail(buf, ECS_ERR_INVALID_ARGUMENT, "ecs_cmd_bulk_create: desc is NULL")
               : ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_world_t *w = buf->world;
  uint32_t n = 0;
  for (; n < ECS_BULK_MAX_COMPONENTS && desc->components[n]; ++n) {
    const ecs__component_t *c = ecs__component_get(w, desc->components[n]);
    if (!c) {
      return buf_fail(buf, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", desc->components[n]);
    }
    for (uint32_t k = 0; k < n; ++k) {
      if (desc->components[k] == desc->components[n]) {
        return buf_fail(buf, ECS_ERR_INVALID_ARGUMENT, "ecs_cmd_bulk_create: component '%s' given twice", c->name);
      }
    }
  }
  if (desc->count == 0) {
    return ECS_OK;
  }
  ecs_status_t st = reserve_creates(buf, desc->count);
  if (st != ECS_OK) {
    return st;
  }
  /* the arena only grows within a round: what is taken here stays taken
   * on failure, and is reused after the next apply or clear */
  cmd_bulk_t *bk = arena_alloc(buf, sizeof *bk, _Alignof(cmd_bulk_t));
  if (!bk) {
    return buf_fail(buf, ECS_ERR_NO_MEMORY, "cannot record a bulk creation");
  }
  *bk = (cmd_bulk_t){.desc = {.count = desc->count}};
  for (uint32_t k = 0; k < n; ++k) {
    const ecs__component_t *c = ecs__component_get(w, desc->components[k]);
    bk->desc.components[k] = desc->components[k];
    if (!desc->values[k] || c->size == 0) {
      continue;
    }
    void *copy = desc->count <= SIZE_MAX / c->size ? arena_alloc(buf, desc->count * c->size, c->alignment) : NULL;
    if (!copy) {
      bulk_discard(w, bk);
      return buf_fail(buf, ECS_ERR_NO_MEMORY, "cannot copy %zu values of '%s' into the command buffer", desc->count,
                      c->name);
    }
    ecs__value_copy(c, copy, desc->values[k], desc->count);
    bk->desc.values[k] = copy;
    bk->copies[k] = copy;
  }
  cmd_t *cmd = push(buf, CMD_BULK, prov_make(buf->stamp, buf->creates), ECS_COMPONENT_NULL);
  if (!cmd) {
    bulk_discard(w, bk);
    return ECS_ERR_NO_MEMORY;
  }
  cmd->value = bk;
  for (size_t i = 0; out && i < desc->count; ++i) {
    out[i] = prov_make(buf->stamp, buf->creates + (uint32_t)i);
  }
  buf->creates += (uint32_t)desc->count;
  return ECS_OK;
}

ecs_status_t ecs_cmd_remove(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c) {
  return record(buf, CMD_REMOVE, e, c, NULL);
}

static ecs_status_t record_pair(ecs_cmd_buffer_t *b, cmd_kind_t kind, ecs_entity_t e, ecs_component_t rel,
                                ecs_entity_t target, const void *value) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  const ecs__component_t *r = ecs__component_get(b->world, rel);
  if (!r) {
    return buf_fail(b, ECS_ERR_UNKNOWN_COMPONENT, "relation id %u is not registered", rel);
  }
  if (!(r->flags & ECS_COMPONENT_RELATION) || r->relation != 0) {
    return buf_fail(b, ECS_ERR_INVALID_ARGUMENT,
                    "component '%s' is not a relation (register it with ECS_COMPONENT_RELATION)", r->name);
  }
  ecs_status_t st = check_entity(b, e);
  if (st == ECS_OK) {
    st = check_entity(b, target);
  }
  if (st != ECS_OK) {
    return st;
  }
  bool with_value = kind == CMD_SET_PAIR && r->size > 0;
  if (with_value && !value) {
    return buf_fail(b, ECS_ERR_INVALID_ARGUMENT, "ecs_cmd_set_pair: value is NULL for relation '%s'", r->name);
  }
  size_t off = pair_offset(r);
  size_t align = off; /* a power of two, at least the target's */
  char *slot = arena_alloc(b, with_value ? off + r->size : sizeof target, align);
  if (!slot) {
    return buf_fail(b, ECS_ERR_NO_MEMORY, "cannot record a pair of '%s'", r->name);
  }
  memcpy(slot, &target, sizeof target);
  if (with_value) {
    ecs__value_copy(r, slot + off, value, 1);
  }
  cmd_t *cmd = push(b, kind, e, rel);
  if (!cmd) {
    if (with_value && r->hooks.dtor) {
      r->hooks.dtor(slot + off, 1, r->hooks.user);
    }
    return ECS_ERR_NO_MEMORY;
  }
  cmd->value = slot;
  return ECS_OK;
}

ecs_status_t ecs_cmd_set_name(ecs_cmd_buffer_t *buf, ecs_entity_t e, const char *name) {
  if (!buf) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = check_entity(buf, e);
  if (st != ECS_OK) {
    return st;
  }
  char *copy = NULL;
  if (name) {
    size_t len = 0;
    while (len < ECS_NAME_MAX && name[len] != '\0') {
      ++len;
    }
    if (len == 0 || len >= ECS_NAME_MAX || memchr(name, '/', len)) {
      return buf_fail(buf, ECS_ERR_INVALID_ARGUMENT, "entity name must be 1 to %d bytes without '/'", ECS_NAME_MAX - 1);
    }
    if (!(copy = arena_alloc(buf, len + 1, 1))) {
      return buf_fail(buf, ECS_ERR_NO_MEMORY, "cannot copy a name into the command buffer");
    }
    memcpy(copy, name, len + 1);
  }
  cmd_t *cmd = push(buf, CMD_SET_NAME, e, ECS_COMPONENT_NULL);
  if (!cmd) {
    return ECS_ERR_NO_MEMORY;
  }
  cmd->value = copy;
  return ECS_OK;
}

static ecs_status_t record_toggle(ecs_cmd_buffer_t *b, ecs_entity_t e, ecs_component_t c, bool enabled) {
  if (!b) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = check_entity(b, e);
  if (st != ECS_OK) {
    return st;
  }
  if (c != ECS_COMPONENT_NULL && !ecs__component_get(b->world, c)) {
    return buf_fail(b, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", c);
  }
  return push(b, enabled ? CMD_ENABLE : CMD_DISABLE, e, c) ? ECS_OK : ECS_ERR_NO_MEMORY;
}

ecs_status_t ecs_cmd_enable(ecs_cmd_buffer_t *buf, ecs_entity_t e, bool enabled) {
  return record_toggle(buf, e, ECS_COMPONENT_NULL, enabled);
}

ecs_status_t ecs_cmd_enable_component(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c, bool enabled) {
  if (buf && c == ECS_COMPONENT_NULL) {
    return buf_fail(buf, ECS_ERR_UNKNOWN_COMPONENT, "component id 0 is not registered");
  }
  return record_toggle(buf, e, c, enabled);
}

ecs_status_t ecs_cmd_set_parent(ecs_cmd_buffer_t *buf, ecs_entity_t child, ecs_entity_t parent) {
  if (!buf) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = check_entity(buf, child);
  if (st == ECS_OK && parent != ECS_ENTITY_NULL) {
    st = check_entity(buf, parent);
  }
  if (st != ECS_OK) {
    return st;
  }
  ecs_entity_t *slot = arena_alloc(buf, sizeof parent, _Alignof(ecs_entity_t));
  cmd_t *cmd = slot ? push(buf, CMD_SET_PARENT, child, ECS_COMPONENT_NULL) : NULL;
  if (!cmd) {
    return slot ? ECS_ERR_NO_MEMORY : buf_fail(buf, ECS_ERR_NO_MEMORY, "cannot record a parent");
  }
  *slot = parent;
  cmd->value = slot;
  return ECS_OK;
}

ecs_status_t ecs_cmd_add_pair(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t relation, ecs_entity_t target) {
  return record_pair(buf, CMD_ADD_PAIR, e, relation, target, NULL);
}

ecs_status_t ecs_cmd_set_pair(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t relation, ecs_entity_t target,
                              const void *value) {
  return record_pair(buf, CMD_SET_PAIR, e, relation, target, value);
}

ecs_status_t ecs_cmd_remove_pair(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t relation, ecs_entity_t target) {
  return record_pair(buf, CMD_REMOVE_PAIR, e, relation, target, NULL);
}

ecs_entity_t ecs_cmd_buffer_resolve(const ecs_cmd_buffer_t *buf, ecs_entity_t provisional) {
  if (!ECS_ENTITY_IS_PROVISIONAL(provisional)) {
    return provisional;
  }
  if (!buf) {
    return ECS_ENTITY_NULL;
  }
  if (buf->resolved_stamp == 0 || prov_stamp(provisional) != buf->resolved_stamp ||
      prov_ordinal(provisional) >= buf->resolved_count) {
    return ECS_ENTITY_NULL;
  }
  return buf->resolved[prov_ordinal(provisional)];
}

static void count_failure(ecs_cmd_stats_t *s, ecs_status_t st) {
  s->failed++;
  if (s->first_error == ECS_OK) {
    s->first_error = st;
  }
}

/* A command that may join a run: an add or set of an ARCHETYPE component
 * without observers (nothing can watch the order within the run). */
static bool runnable(const ecs_world_t *w, const cmd_t *cmd) {
  if (cmd->kind != CMD_ADD && cmd->kind != CMD_SET) {
    return false;
  }
  const ecs__component_t *c = ecs__component_get(w, cmd->component);
  /* a pair's target is checked at apply time, one by one */
  return c->kind == ECS_STORAGE_ARCHETYPE && c->observer_count == 0 && c->relation == 0;
}

/* Applies commands [i, end) of one live entity, all runnable, with one row
 * move: what applying them one by one gives (values, change ticks, tables),
 * without the moves in between. False when out of memory: nothing was
 * applied, the caller applies them one by one. */
static bool apply_run(ecs_cmd_buffer_t *b, uint32_t i, uint32_t end, ecs_entity_t e, ecs_cmd_stats_t *s) {
  ecs_world_t *w = b->world;
  ecs__component_t *comps[ECS__RUN_MAX] = {0};
  void *cells[ECS__RUN_MAX];
  bool added[ECS__RUN_MAX];
  uint32_t n = end - i;
  for (uint32_t k = 0; k < n; ++k) {
    comps[k] = ecs__component_get(w, b->cmds[i + k].component);
  }
  if (!ecs__ensure_run(w, e, comps, n, cells, added)) {
    return false;
  }
  for (uint32_t k = 0; k < n; ++k) {
    const cmd_t *cmd = &b->cmds[i + k];
    ecs__component_t *c = comps[k];
    bool fresh = added[k]; /* false for a component named again: the earlier command constructed it */
    if (cmd->kind == CMD_ADD) {
      if (fresh) {
        ecs__value_init(c, cells[k], 1);
      }
    } else {
      if (!fresh && c->size > 0 && c->hooks.dtor) {
        c->hooks.dtor(cells[k], 1, c->hooks.user);
      }
      ecs__value_move(c, cells[k], cmd->value);
      if (c->changed_at) {
        ecs__mark(c, e, ecs__change_tick(w), false);
      }
    }
    s->applied++;
  }
  return true;
}

/* The pair of a pair command, registered when new: *c becomes its record
 * (NULL for a remove of a pair never registered). On failure *c stays the
 * relation's record (for the value's dtor). */
static ecs_status_t pair_of(ecs_cmd_buffer_t *b, const cmd_t *cmd, ecs__component_t **c) {
  ecs_world_t *w = b->world;
  ecs_entity_t recorded = cmd_target(cmd);
  ecs_entity_t t = ECS_ENTITY_IS_PROVISIONAL(recorded) ? ecs_cmd_buffer_resolve(b, recorded) : recorded;
  if (t == ECS_ENTITY_NULL || !ecs__entity_alive(w, t)) {
    return ecs__fail(w, ECS_ERR_STALE_ENTITY, "pair of '%s': target %uv%u is not alive", (*c)->name,
                     ECS_ENTITY_INDEX(recorded), ECS_ENTITY_GENERATION(recorded) & 0x7fffffffu);
  }
  ecs_component_t id = cmd->kind == CMD_REMOVE_PAIR ? ecs__pair_find(w, (*c)->id, t) : ecs__pair_ensure(w, (*c)->id, t);
  if (id == ECS_COMPONENT_NULL) {
    if (cmd->kind == CMD_REMOVE_PAIR) {
      *c = NULL;
      return ECS_OK;
    }
    return w->last_status != ECS_OK ? w->last_status : ECS_ERR_NO_MEMORY;
  }
  *c = w->components[id];
  return ECS_OK;
}

/* The writes of a command to the live entity e: c is the component, or a
 * pair command's pair. */
static inline ecs_status_t apply_write(ecs_world_t *w, const cmd_t *cmd, ecs__component_t *c, ecs_entity_t e) {
  switch ((cmd_kind_t)cmd->kind) {
  case CMD_DESTROY:
    if (!ecs__entity_alive(w, e)) {
      return ECS_OK; /* destroyed by an earlier cascade of this apply */
    }
    return ecs__destroy(w, e);
  case CMD_ADD_PAIR:
  case CMD_ADD:
    return ecs__add(w, c, e);
  case CMD_SET_PAIR:
  case CMD_SET: {
    /* a tag has no value: a set still fires ON_SET and records a write,
     * as ecs_set(w, e, tag, NULL) does */
    void *value = c->size > 0 ? set_value(cmd, c) : NULL;
    ecs_status_t st = ecs__set_move(w, c, e, value);
    if (st != ECS_OK && value && c->hooks.dtor) {
      c->hooks.dtor(value, 1, c->hooks.user);
    }
    return st;
  }
  case CMD_REMOVE_PAIR:
  case CMD_REMOVE:
    return ecs__remove(w, c, e);
  default: /* the others are applied by apply_more() or by the caller */
    return ECS_OK;
  }
}

/* The kinds from CMD_ADD_PAIR on, on the live entity e. Kept out of line,
 * off the path of the plain commands (whose locals it would otherwise
 * put in memory). */
static ECS_NOINLINE ecs_status_t apply_more(ecs_cmd_buffer_t *b, const cmd_t *cmd, ecs_entity_t e) {
  ecs_world_t *w = b->world;
  switch ((cmd_kind_t)cmd->kind) {
  case CMD_ADD_PAIR:
  case CMD_SET_PAIR:
  case CMD_REMOVE_PAIR: {
    ecs__component_t *c = ecs__component_get(w, cmd->component); /* the relation */
    ecs__component_t *rel = c;
    ecs_status_t st = pair_of(b, cmd, &c);
    if (st != ECS_OK) {
      if (cmd->kind == CMD_SET_PAIR && rel && rel->size > 0 && rel->hooks.dtor) {
        rel->hooks.dtor(set_value(cmd, rel), 1, rel->hooks.user);
      }
      return st;
    }
    return c ? apply_write(w, cmd, c, e) : ECS_OK; /* NULL: a remove of a pair never registered */
  }
  case CMD_SET_NAME:
    return ecs__set_name(w, e, cmd->value);
  case CMD_ENABLE:
  case CMD_DISABLE:
    return ecs__toggle(w, e, cmd->component, cmd->kind == CMD_ENABLE);
  case CMD_SET_PARENT: {
    ecs_entity_t recorded = cmd_target(cmd);
    ecs_entity_t parent = ECS_ENTITY_IS_PROVISIONAL(recorded) ? ecs_cmd_buffer_resolve(b, recorded) : recorded;
    if (recorded != ECS_ENTITY_NULL && !ecs__entity_alive(w, parent)) {
      char label[ECS__LABEL_MAX];
      return ecs__fail(w, ECS_ERR_STALE_ENTITY, "set parent of %s: the parent is not alive",
                       ecs__entity_label(w, e, label, sizeof label));
    }
    return ecs__set_parent(w, e, parent);
  }
  default: /* CMD_INSTANTIATE: applied by the caller */
    return ECS_OK;
  }
}

/* Applies one command; the entity has been resolved to a real handle. */
static void apply_one(ecs_cmd_buffer_t *b, cmd_t *cmd, ecs_entity_t e, ecs_cmd_stats_t *s) {
  ecs_world_t *w = b->world;
  if (!ecs__entity_alive(w, e)) {
    if ((cmd->kind == CMD_SET || cmd->kind == CMD_SET_PAIR) && cmd->value) {
      const ecs__component_t *c = ecs__component_get(w, cmd->component);
      if (c->hooks.dtor && c->size > 0) {
        c->hooks.dtor(set_value(cmd, c), 1, c->hooks.user);
      }
    }
    s->skipped++;
    ecs__log(w, ECS_LOG_DEBUG, "command %d skipped: entity %uv%u is not alive", (int)cmd->kind, ECS_ENTITY_INDEX(e),
             ECS_ENTITY_GENERATION(e));
    return;
  }
  ecs_status_t st;
  ecs__component_t *c = ecs__component_get(w, cmd->component);
  if (ECS_UNLIKELY(cmd->kind >= CMD_ADD_PAIR)) {
    st = apply_more(b, cmd, e);
  } else if (ECS_UNLIKELY(c && c->relation != 0 && !ecs__entity_alive(w, c->target))) {
    st = ecs__fail(w, ECS_ERR_STALE_ENTITY, "pair '%s': its target is no longer alive", c->name);
    if (cmd->kind == CMD_SET && cmd->value && c->hooks.dtor) {
      c->hooks.dtor(cmd->value, 1, c->hooks.user);
    }
  } else {
    st = apply_write(w, cmd, c, e);
  }
  if (st == ECS_OK) {
    s->applied++;
  } else {
    count_failure(s, st);
  }
}

/* A command that makes entities (CMD_CREATE, CMD_BULK, CMD_INSTANTIATE):
 * their handles go into the map of provisional ordinals, from
 * *next_create on (ECS_ENTITY_NULL for a failure). */
static void apply_create(ecs_cmd_buffer_t *b, const cmd_t *cmd, bool map_ok, uint32_t *next_create,
                         ecs_cmd_stats_t *s) {
  ecs_world_t *w = b->world;
  ecs_status_t st;
  if (cmd->kind == CMD_BULK) {
    cmd_bulk_t *bk = cmd->value;
    uint32_t first = prov_ordinal(cmd->entity);
    st = map_ok ? ecs_bulk_create(w, &bk->desc, b->resolved + first) : ECS_ERR_NO_MEMORY;
    for (size_t k = 0; st != ECS_OK && map_ok && k < bk->desc.count; ++k) {
      b->resolved[first + k] = ECS_ENTITY_NULL;
    }
    bulk_discard(w, bk); /* the values were copied into the world */
    *next_create = first + (uint32_t)bk->desc.count;
  } else {
    ecs_entity_t real = ECS_ENTITY_NULL;
    if (!map_ok) {
      st = ECS_ERR_NO_MEMORY;
    } else if (cmd->kind == CMD_CREATE) {
      real = ecs__entity_create(w);
      st = real == ECS_ENTITY_NULL ? ECS_ERR_NO_MEMORY : ECS_OK;
    } else {
      st = !ecs__entity_alive(w, cmd_target(cmd)) ? ECS_ERR_STALE_ENTITY
                                                  : ecs__instantiate(w, cmd_target(cmd), NULL, 0, &real);
    }
    if (map_ok) {
      b->resolved[*next_create] = st == ECS_OK ? real : ECS_ENTITY_NULL;
    }
    (*next_create)++;
  }
  if (st == ECS_OK) {
    s->applied++;
  } else {
    count_failure(s, st);
  }
}

ecs_status_t ecs__cmd_buffer_apply(ecs_cmd_buffer_t *b, ecs_cmd_stats_t *s) {
  ecs_world_t *w = b->world;
  *s = (ecs_cmd_stats_t){0};
  if (b->count == 0) {
    return ECS_OK; /* the common case at a barrier: nothing to do, not even a new round */
  }
  bool map_ok = ecs__grow(&w->alloc, (void **)&b->resolved, sizeof *b->resolved, &b->resolved_cap, b->creates, 16);
  b->resolved_count = map_ok ? b->creates : 0;
  b->resolved_stamp = b->stamp;
  uint32_t next_create = 0;
  for (uint32_t i = 0; i < b->count; ++i) {
    cmd_t *cmd = &b->cmds[i];
    ecs_entity_t e = cmd->entity;
    if (ECS_ENTITY_IS_PROVISIONAL(e)) { /* every create is; the other commands' entity may be */
      if (cmd->kind == CMD_CREATE || cmd->kind == CMD_BULK || cmd->kind == CMD_INSTANTIATE) {
        apply_create(b, cmd, map_ok, &next_create, s);
        continue;
      }
      /* recording checked the ordinal; a failed create leaves NULL here */
      e = map_ok ? b->resolved[prov_ordinal(e)] : ECS_ENTITY_NULL;
    }
    /* adds and sets of one entity in a row (a create and its sets, say)
     * move its row once */
    uint32_t end = i + 1;
    if (runnable(w, cmd)) {
      while (end < b->count && end - i < ECS__RUN_MAX && b->cmds[end].entity == cmd->entity &&
             runnable(w, &b->cmds[end])) {
        end++;
      }
    }
    if (end - i > 1 && ecs__entity_alive(w, e) && apply_run(b, i, end, e, s)) {
      i = end - 1;
      continue;
    }
    apply_one(b, cmd, e, s);
  }
  if (s->skipped > 0) {
    ecs__log(w, ECS_LOG_DEBUG, "command apply: %zu command(s) skipped on dead entities", s->skipped);
  }
  reset(b);
  /* what observers queued meanwhile joins this apply (not when this buffer
   * is itself one of theirs: the flush loop is running) */
  ecs_status_t obs = ecs__observers_flush(w, s);
  if (obs != ECS_OK && s->first_error == ECS_OK) {
    s->first_error = obs;
  }
  return s->first_error;
}

ecs_status_t ecs_cmd_buffer_apply(ecs_cmd_buffer_t *buf, ecs_cmd_stats_t *stats) {
  if (!buf) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_cmd_stats_t local = {0};
  ecs_cmd_stats_t *s = stats ? stats : &local;
  if (buf->world->in_tick) {
    *s = (ecs_cmd_stats_t){0};
    return ecs__fail(buf->world, ECS_ERR_BUSY, "ecs_cmd_buffer_apply during a tick");
  }
  ecs_status_t st = ecs__cmd_buffer_apply(buf, s);
  if (st == ECS_OK) {
    ecs__ok(buf->world);
  } else {
    ecs__fail(buf->world, st, "%zu command(s) failed, first: %s", s->failed, ecs_strerror(st));
  }
  return st;
}

/* ---- sized and typed entry points (command.h, typed.h) ------------------ */

ecs_status_t ecs_cmd_set_sized(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_component_t c, const void *value,
                               size_t size) {
  if (!buf) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  const ecs__component_t *comp = ecs__component_get(buf->world, c);
  if (comp && comp->size != size) {
    return buf_fail(buf, ECS_ERR_TYPE_MISMATCH, "ecs_cmd_set_sized: component '%s' is %zu bytes, the value %zu bytes",
                    comp->name, comp->size, size);
  }
  return ecs_cmd_set(buf, e, c, value);
}

/* The id of type t in the buffer's world; the detail of a failure goes to
 * the buffer (recording never writes to the world). */
static ecs_status_t cmd_type(ecs_cmd_buffer_t *b, ecs_type_t *t, ecs_component_t *out) {
  *out = ECS_COMPONENT_NULL;
  if (!t || !t->name) {
    return buf_fail(b, ECS_ERR_INVALID_ARGUMENT, "typed command: the type is NULL or has no name");
  }
  *out = ecs_type_lookup(b->world, t);
  if (*out != ECS_COMPONENT_NULL) {
    return ECS_OK;
  }
  ecs_component_t named = ecs_component_lookup(b->world, t->name);
  if (named == ECS_COMPONENT_NULL) {
    return buf_fail(b, ECS_ERR_UNKNOWN_COMPONENT, "type '%s' is not registered in this world", t->name);
  }
  return buf_fail(b, ECS_ERR_TYPE_MISMATCH, "type '%s' is %zu bytes, the world's component '%s' %zu bytes", t->name,
                  t->size, t->name, ecs_component_size(b->world, named));
}

ecs_status_t ecs_cmd_set_typed(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_type_t *type, const void *value,
                               size_t size) {
  if (!buf) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_component_t c = ECS_COMPONENT_NULL;
  ecs_status_t st = cmd_type(buf, type, &c);
  if (st != ECS_OK) {
    return st;
  }
  if (size != type->size) {
    return buf_fail(buf, ECS_ERR_TYPE_MISMATCH, "ecs_cmd_set_typed: a value of %zu bytes for type '%s' of %zu bytes",
                    size, type->name, type->size);
  }
  return ecs_cmd_set_sized(buf, e, c, value, size);
}

ecs_status_t ecs_cmd_add_typed(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_type_t *type) {
  ecs_component_t c = ECS_COMPONENT_NULL;
  ecs_status_t st = buf ? cmd_type(buf, type, &c) : ECS_ERR_INVALID_ARGUMENT;
  return st == ECS_OK ? ecs_cmd_add(buf, e, c) : st;
}

ecs_status_t ecs_cmd_remove_typed(ecs_cmd_buffer_t *buf, ecs_entity_t e, ecs_type_t *type) {
  ecs_component_t c = ECS_COMPONENT_NULL;
  ecs_status_t st = buf ? cmd_type(buf, type, &c) : ECS_ERR_INVALID_ARGUMENT;
  return st == ECS_OK ? ecs_cmd_remove(buf, e, c) : st;
}

void ecs__cmd_buffer_touched(const ecs_cmd_buffer_t *b, uint8_t *touched, bool *all) {
  const uint32_t n = b->world->component_count;
  for (uint32_t i = 0; i < b->count; ++i) {
    const cmd_t *cmd = &b->cmds[i];
    if (cmd->kind == CMD_DESTROY) {
      *all = true;
    } else if (cmd->kind == CMD_BULK) {
      const cmd_bulk_t *bk = cmd->value;
      for (int k = 0; k < ECS_BULK_MAX_COMPONENTS && bk->desc.components[k]; ++k) {
        if (bk->desc.components[k] < n) {
          touched[bk->desc.components[k]] = 1;
        }
      }
    } else if (cmd->component != ECS_COMPONENT_NULL && cmd->component < n) {
      touched[cmd->component] = 1;
    }
  }
}
