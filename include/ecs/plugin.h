/** @file ecs/plugin.h
 *  Plugins: named, versioned bundles of registrations. A plugin's init
 *  registers its components, resources, storage kinds, groups and systems
 *  (the last two through a scheduler builder); its fini runs when the world
 *  is freed. A world records which plugins it loaded, so a plugin can state
 *  its dependencies by name and a host can load the same plugin twice
 *  without running its init twice.
 *
 *  A plugin is loaded once per world. Dependencies are not loaded for you:
 *  load them first, or let an init load its own dependencies before it
 *  registers anything (nested loads are allowed). The world has no way to
 *  unregister a component, resource type or storage kind, so a plugin cannot
 *  be unloaded; its fini runs only at ecs_world_free(). */
#ifndef ECS_PLUGIN_H
#define ECS_PLUGIN_H

#include "config.h"
#include "error.h"
#include "scheduler.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

#define ECS_PLUGIN_MAX_DEPS 8 /**< dependencies[] entries per plugin */

/** A plugin definition. Zero-initialise; typically a static const of the
 *  plugin's own translation unit. The world copies what it keeps (the name,
 *  the version and fini), so the struct and its strings may go once
 *  ecs_plugin_load() returns. */
typedef struct ecs_plugin_t {
  const char *name; /**< required, non-empty, unique per world */
  uint32_t version; /**< host-defined, e.g. 10203 for 1.2.3; compared for equality only */
  /** Names of plugins that must be loaded before this one; the list ends at
   *  the first NULL (or after ECS_PLUGIN_MAX_DEPS entries). No version
   *  constraint: any loaded version satisfies a dependency. */
  const char *dependencies[ECS_PLUGIN_MAX_DEPS];
  /** Required. Registers what the plugin provides. @p builder is the one
   *  given to ecs_plugin_load() and may be NULL: an init that needs it to
   *  add groups or systems decides what to do then (typically return
   *  ECS_ERR_INVALID_ARGUMENT). Builder calls keep their first error for
   *  ecs_scheduler_build(), so an init should check them too. @p config is
   *  the pointer given to ecs_plugin_load(), passed through untouched.
   *  @p state starts as NULL; what the init stores there is passed to fini.
   *  Returns ECS_OK, or an error that ecs_plugin_load() passes on. A failing
   *  init must undo its own registrations or leave only harmless ones (a
   *  registered component or resource type stays registered); a resource
   *  value it set can be removed with ecs_resource_remove(). Its fini is not
   *  called; plugins it loaded itself stay loaded. */
  ecs_status_t (*init)(ecs_world_t *world, ecs_scheduler_builder_t *builder, const void *config, void **state);
  /** Optional. Runs at ecs_world_free(), in reverse load order (dependents
   *  before their dependencies), before any component, resource, storage or
   *  query of the world is freed, so it may still read and change the world
   *  (e.g. read a resource, free what @p state owns). It must not load
   *  plugins, and the schedulers built with the plugin's systems should be
   *  freed already (as for any ecs_world_free()). */
  void (*fini)(ecs_world_t *world, void *state);
} ecs_plugin_t;

/** Loads @p plugin into @p world: checks its dependencies, runs its init
 *  with @p builder and @p config, and records it. Loading a plugin whose name
 *  is already loaded with the same version is ECS_OK and does nothing (init
 *  does not run again; the new @p config is ignored). An init may itself
 *  call ecs_plugin_load() on the same world, e.g. to load its dependencies;
 *  a plugin counts as loaded, and its fini as due, only once its init
 *  returned ECS_OK, so the plugins an init loads come first in load order.
 *  Ownership: @p plugin, its strings and @p config stay the caller's (only
 *             the init sees @p config). The builder stays the caller's too.
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL world, plugin, name or init;
 *          empty name or dependency name; @p builder made for another
 *          world), ECS_ERR_BUSY (called during a scheduler tick),
 *          ECS_ERR_MISUSE (called from a fini, while the world is freed),
 *          ECS_ERR_DUPLICATE (the name is loaded with another version; the
 *          detail names both versions), ECS_ERR_CYCLE (the plugin lists
 *          itself, or a dependency or the plugin itself is being loaded
 *          further up the call chain; the detail names the chain,
 *          "a -> b -> a"), ECS_ERR_NOT_FOUND (a dependency is not loaded;
 *          the detail names the plugin and the dependency),
 *          ECS_ERR_NO_MEMORY, or the status the init returned (the detail
 *          then names the plugin, followed by the init's own detail if it
 *          left one). On every error the plugin is not recorded and fini
 *          will not run for it; only a failing init can have changed the
 *          world.
 *  Thread-safety: world owner thread, outside a tick (not from a system). */
ECS_API ecs_status_t ecs_plugin_load(ecs_world_t *world, ecs_scheduler_builder_t *builder, const ecs_plugin_t *plugin,
                                     const void *config);

/** True when a plugin named @p name is loaded in @p world. False for NULL
 *  arguments and for a plugin whose init is still running.
 *  Thread-safety: any thread while no plugin is being loaded. */
ECS_API bool ecs_plugin_loaded(const ecs_world_t *world, const char *name);

/** Number of plugins loaded in @p world (0 for NULL); plugins whose init is
 *  still running are not counted.
 *  Thread-safety: as ecs_plugin_loaded(). */
ECS_API uint32_t ecs_plugin_count(const ecs_world_t *world);

ECS_EXTERN_C_END

#endif /* ECS_PLUGIN_H */
