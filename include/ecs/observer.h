/** @file ecs/observer.h
 *  Observers: callbacks on a component being added, set or removed.
 *
 *  They run when the change happens outside any iteration: when command
 *  buffers are applied (scheduler barriers, ecs_cmd_buffer_apply) and on
 *  direct world calls from the host (ecs_add, ecs_set, ecs_remove,
 *  ecs_entity_destroy). Never while a system iterates. Order: the order of
 *  the changes, and for one change the order observers were registered:
 *  deterministic. An observer may queue further commands in ctx->commands;
 *  they are applied in the same barrier (or before the direct call
 *  returns), and may fire observers in turn, up to 16 rounds: beyond that
 *  the rest is discarded and the apply reports ECS_ERR_LIMIT (a runaway). */
#ifndef ECS_OBSERVER_H
#define ECS_OBSERVER_H

#include "command.h"
#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

typedef enum ecs_observer_event_t {
  ECS_ON_ADD = 0, /**< after the component was added (value constructed or set) */
  ECS_ON_SET,     /**< after a value was set (after ECS_ON_ADD when it was also added) */
  ECS_ON_REMOVE,  /**< before the component is removed (value still readable), also on entity destroy */
  ECS_PRIV_OBSERVER_FORCE_U32 = 0x7fffffff
} ecs_observer_event_t;

/** What an observer gets; valid only during the call. */
typedef struct ecs_observer_ctx_t {
  const ecs_world_t *world; /**< read freely; change it only through commands */
  ecs_entity_t entity;
  ecs_component_t component;
  ecs_observer_event_t event;
  const void *value; /**< the component's value (NULL for tags) */
  ecs_cmd_buffer_t *commands;
  void *user;
} ecs_observer_ctx_t;

typedef void (*ecs_observer_fn)(ecs_observer_ctx_t *ctx);

typedef struct ecs_observer_desc_t {
  ecs_component_t component;
  ecs_observer_event_t event;
  ecs_observer_fn callback; /**< required */
  void *user;
} ecs_observer_desc_t;

/** Registers an observer for the world's lifetime (there is no way to
 *  unregister one). The descriptor is copied; desc->user is kept and must
 *  stay valid while the observer can fire.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world or desc, no callback, bad
 *          event), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY,
 *          ECS_ERR_BUSY (during a tick or from an observer).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_observer_register(ecs_world_t *world, const ecs_observer_desc_t *desc);

ECS_EXTERN_C_END

#endif /* ECS_OBSERVER_H */
