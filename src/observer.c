/* Observers. Each component record keeps its observers; firing costs one
 * test of the count when there are none. Commands queued by observers go
 * to two world buffers used in turn: while one is applied, observers it
 * fires record into the other, so rounds are bounded and ordered. */
#include "private.h"

#define OBS_MAX_ROUNDS 16

ecs_status_t ecs_observer_register(ecs_world_t *world, const ecs_observer_desc_t *desc) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (!desc || !desc->callback || (unsigned)desc->event > (unsigned)ECS_ON_REMOVE) {
    return ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "observer descriptor, callback or event is invalid");
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "observers are registered outside a tick");
  }
  ecs__component_t *c = ecs__component_get(world, desc->component);
  if (!c) {
    return ecs__fail(world, ECS_ERR_UNKNOWN_COMPONENT, "component id %u is not registered", desc->component);
  }
  for (int i = 0; i < 2; ++i) {
    if (!world->obs[i] && !(world->obs[i] = ecs_cmd_buffer_new(world))) {
      return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot create the observers' command buffer");
    }
  }
  if (!ecs__grow(&world->alloc, (void **)&c->observers, sizeof *c->observers, &c->observer_cap,
                 (size_t)c->observer_count + 1, 2)) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot register an observer of '%s'", c->name);
  }
  c->observers[c->observer_count++] = (ecs__observer_t){desc->event, desc->callback, desc->user};
  ecs__ok(world);
  return ECS_OK;
}

void ecs__observers_fini(ecs_world_t *w) {
  for (int i = 0; i < 2; ++i) {
    ecs_cmd_buffer_free(w->obs[i]);
    w->obs[i] = NULL;
  }
}

void ecs__observe_slow(ecs_world_t *w, ecs__component_t *c, ecs_entity_t e, ecs_observer_event_t event,
                       const void *value) {
  ecs_observer_ctx_t ctx = {
      .world = w,
      .entity = e,
      .component = c->id,
      .event = event,
      .value = c->size ? value : NULL,
      .commands = w->obs[w->obs_cur],
  };
  /* structural calls are refused inside observers, as inside systems */
  bool was = w->in_tick;
  w->in_tick = true;
  for (uint32_t i = 0; i < c->observer_count; ++i) {
    if (c->observers[i].event == event) {
      ctx.user = c->observers[i].user;
      c->observers[i].callback(&ctx);
    }
  }
  w->in_tick = was;
}

ecs_status_t ecs__observers_flush_queued(ecs_world_t *w, ecs_cmd_stats_t *acc) {
  w->obs_flushing = true;
  ecs_status_t st = ECS_OK;
  uint32_t rounds = 0;
  while (ecs_cmd_buffer_count(w->obs[w->obs_cur]) > 0) {
    if (++rounds > OBS_MAX_ROUNDS) {
      ecs_cmd_buffer_clear(w->obs[0]);
      ecs_cmd_buffer_clear(w->obs[1]);
      ecs__log(w, ECS_LOG_ERROR, "observers queued commands for more than %d rounds: the rest is discarded",
               OBS_MAX_ROUNDS);
      st = ECS_ERR_LIMIT;
      break;
    }
    ecs_cmd_buffer_t *round = w->obs[w->obs_cur];
    w->obs_cur ^= 1u; /* observers fired by this round record into the other */
    ecs_cmd_stats_t cs;
    ecs_status_t s = ecs__cmd_buffer_apply(round, &cs);
    if (s != ECS_OK && st == ECS_OK) {
      st = s;
    }
    if (acc) {
      acc->applied += cs.applied;
      acc->skipped += cs.skipped;
      acc->failed += cs.failed;
    }
  }
  w->obs_flushing = false;
  return st;
}
