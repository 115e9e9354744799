/* Plugin registry: dependency and cycle checks at load, the init call, and
 * the finis at world free. Loads in progress form a chain of frames on the
 * loaders' own stacks, so nested loads need no allocation to track. */
#include "scheduler_internal.h"

#include <stdio.h>
#include <string.h>

typedef struct ecs__plugin_t {
  char *name;
  uint32_t version;
  void (*fini)(ecs_world_t *world, void *state);
  void *state;
} ecs__plugin_t;

typedef struct ecs__plugin_frame_t {
  const char *name; /* the caller's string: valid for the whole load */
  const struct ecs__plugin_frame_t *outer;
  uint32_t depth; /* loads in progress, this one included */
} ecs__plugin_frame_t;

static const ecs__plugin_t *plugin_find(const ecs_world_t *w, const char *name) {
  for (uint32_t i = 0; i < w->plugin_count; ++i) {
    if (strcmp(w->plugins[i].name, name) == 0) {
      return &w->plugins[i];
    }
  }
  return NULL;
}

/* The outermost load in progress of plugin @p name, or NULL: a cycle runs
 * from there down to the current load. */
static const ecs__plugin_frame_t *frame_find(const ecs_world_t *w, const char *name) {
  const ecs__plugin_frame_t *found = NULL;
  for (const ecs__plugin_frame_t *f = w->plugin_loading; f; f = f->outer) {
    if (strcmp(f->name, name) == 0) {
      found = f;
    }
  }
  return found;
}

/* Appends the names from @p from (outermost) down to @p f, " -> " between. */
static void chain_append(char *buf, size_t cap, const ecs__plugin_frame_t *f, const ecs__plugin_frame_t *from) {
  if (f != from) {
    chain_append(buf, cap, f->outer, from);
  }
  size_t n = strlen(buf);
  if (n < cap) {
    snprintf(buf + n, cap - n, "%s%s", n ? " -> " : "", f->name);
  }
}

/* "a -> b -> c": from the load of @p from through every nested load to the
 * plugin being loaded now, then @p dep when the cycle closes through a
 * dependency (NULL when the plugin itself is being loaded again). */
static ecs_status_t fail_cycle(ecs_world_t *w, const ecs__plugin_frame_t *from, const char *name, const char *dep) {
  char chain[ECS_ERROR_MAX];
  chain[0] = '\0';
  chain_append(chain, sizeof chain, w->plugin_loading, from);
  size_t n = strlen(chain);
  snprintf(chain + n, sizeof chain - n, " -> %s%s%s", name, dep ? " -> " : "", dep ? dep : "");
  return ecs__fail(w, ECS_ERR_CYCLE, "plugin dependency cycle: %s", chain);
}

static ecs_status_t check_args(ecs_world_t *w, const ecs_scheduler_builder_t *builder, const ecs_plugin_t *p) {
  if (!p || !p->name || p->name[0] == '\0' || !p->init) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "plugin is NULL, or its name is NULL or empty, or it has no init");
  }
  if (builder && builder->world != w) {
    return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "plugin '%s': the builder belongs to another world", p->name);
  }
  for (int i = 0; i < ECS_PLUGIN_MAX_DEPS && p->dependencies[i]; ++i) {
    if (p->dependencies[i][0] == '\0') {
      return ecs__fail(w, ECS_ERR_INVALID_ARGUMENT, "plugin '%s': dependency %d is an empty name", p->name, i);
    }
  }
  if (w->in_tick) {
    return ecs__fail(w, ECS_ERR_BUSY, "plugin '%s' cannot be loaded during a tick", p->name);
  }
  if (w->plugins_closing) {
    return ecs__fail(w, ECS_ERR_MISUSE, "plugin '%s' cannot be loaded while the world is freed", p->name);
  }
  return ECS_OK;
}

static ecs_status_t check_deps(ecs_world_t *w, const ecs_plugin_t *p) {
  const ecs__plugin_frame_t *again = frame_find(w, p->name);
  if (again) {
    return fail_cycle(w, again, p->name, NULL);
  }
  for (int i = 0; i < ECS_PLUGIN_MAX_DEPS && p->dependencies[i]; ++i) {
    const char *dep = p->dependencies[i];
    if (strcmp(dep, p->name) == 0) {
      return ecs__fail(w, ECS_ERR_CYCLE, "plugin '%s' depends on itself: %s -> %s", p->name, p->name, p->name);
    }
    if (plugin_find(w, dep)) {
      continue;
    }
    const ecs__plugin_frame_t *loading = frame_find(w, dep);
    if (loading) {
      return fail_cycle(w, loading, p->name, dep);
    }
    return ecs__fail(w, ECS_ERR_NOT_FOUND, "plugin '%s' depends on '%s', which is not loaded (load it first)", p->name,
                     dep);
  }
  return ECS_OK;
}

/* Keeps the failing init's own detail, if it left one, after the plugin's
 * name: "plugin 'ai' init failed: component 'brain_t' already registered". */
static ecs_status_t fail_init(ecs_world_t *w, const char *name, ecs_status_t st) {
  char detail[ECS_ERROR_MAX];
  snprintf(detail, sizeof detail, "%s", w->last_status != ECS_OK ? w->last_error : ecs_strerror(st));
  return ecs__fail(w, st, "plugin '%s' init failed: %s", name, detail);
}

ecs_status_t ecs_plugin_load(ecs_world_t *world, ecs_scheduler_builder_t *builder, const ecs_plugin_t *plugin,
                             const void *config) {
  if (!world) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_status_t st = check_args(world, builder, plugin);
  if (st != ECS_OK) {
    return st;
  }
  const ecs__plugin_t *loaded = plugin_find(world, plugin->name);
  if (loaded) {
    if (loaded->version != plugin->version) {
      return ecs__fail(world, ECS_ERR_DUPLICATE, "plugin '%s' version %u is loaded; cannot load version %u",
                       plugin->name, loaded->version, plugin->version);
    }
    ecs__ok(world);
    return ECS_OK;
  }
  st = check_deps(world, plugin);
  if (st != ECS_OK) {
    return st;
  }

  /* Everything recording needs is taken before init runs: a plugin whose
   * init succeeded cannot then fail to be recorded (the world has no way to
   * undo its registrations). Each load in progress holds one spare slot. */
  ecs__plugin_frame_t frame = {
      .name = plugin->name,
      .outer = world->plugin_loading,
      .depth = world->plugin_loading ? world->plugin_loading->depth + 1 : 1,
  };
  if (!ecs__grow(&world->alloc, (void **)&world->plugins, sizeof *world->plugins, &world->plugin_cap,
                 (size_t)world->plugin_count + frame.depth, 4)) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "plugin '%s': cannot grow the plugin registry", plugin->name);
  }
  ecs__plugin_t rec = {.version = plugin->version, .fini = plugin->fini};
  rec.name = ecs__strdup(world, plugin->name);
  if (!rec.name) {
    return ecs__fail(world, ECS_ERR_NO_MEMORY, "plugin '%s': cannot copy its name", plugin->name);
  }

  ecs__ok(world); /* so that fail_init can tell whether init left a detail */
  world->plugin_loading = &frame;
  st = plugin->init(world, builder, config, &rec.state);
  world->plugin_loading = frame.outer;
  if (st != ECS_OK) {
    ecs__strfree(world, rec.name);
    return fail_init(world, plugin->name, st);
  }
  ECS_ASSERT(world->plugin_count < world->plugin_cap);
  world->plugins[world->plugin_count++] = rec;
  ecs__log(world, ECS_LOG_DEBUG, "plugin '%s' version %u loaded", rec.name, rec.version);
  ecs__ok(world);
  return ECS_OK;
}

bool ecs_plugin_loaded(const ecs_world_t *world, const char *name) {
  return world && name && plugin_find(world, name) != NULL;
}

uint32_t ecs_plugin_count(const ecs_world_t *world) {
  return world ? world->plugin_count : 0;
}

void ecs__plugins_fini(ecs_world_t *w) {
  w->plugins_closing = true;
  /* dependents were recorded after their dependencies: they go first */
  for (uint32_t i = w->plugin_count; i-- > 0;) {
    if (w->plugins[i].fini) {
      w->plugins[i].fini(w, w->plugins[i].state);
    }
  }
  for (uint32_t i = 0; i < w->plugin_count; ++i) {
    ecs__strfree(w, w->plugins[i].name);
  }
  ecs__free(w, w->plugins, (size_t)w->plugin_cap * sizeof *w->plugins);
  w->plugins = NULL;
  w->plugin_count = 0;
  w->plugin_cap = 0;
}
