/* The schedule as data: JSON and Graphviz DOT, every ordering edge with
 * its reason, and the critical path by the last measured times. */
#include "scheduler_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

typedef struct out_t {
  ecs_writer_t w;
  const ecs_world_t *world;
} out_t;

static void put(out_t *o, const char *fmt, ...) ECS_PRINTF(2, 3);
static void put(out_t *o, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) {
    ecs_write(&o->w, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
}

/* A quoted string for JSON or DOT (both escape \ and "). */
static void put_quoted(out_t *o, const char *s) {
  ecs_write(&o->w, "\"", 1);
  for (const char *p = s ? s : ""; *p; ++p) {
    if (*p == '"' || *p == '\\') {
      ecs_write(&o->w, "\\", 1);
    }
    if ((unsigned char)*p < 0x20) {
      put(o, "\\u%04x", (unsigned)(unsigned char)*p);
      continue;
    }
    ecs_write(&o->w, p, 1);
  }
  ecs_write(&o->w, "\"", 1);
}

static const char *comp_name(const out_t *o, ecs_component_t c) {
  const char *n = ecs_component_name(o->world, c);
  return n ? n : "?";
}

/* The longest chain of one group by last measured times; fills `on_path`
 * (per system of the group) and returns its length in ns. */
static uint64_t group_critical(const ecs_scheduler_t *s, const s_group_t *g, bool *on_path) {
  s_system_t *first = &s->systems[g->first];
  memset(on_path, 0, g->count * sizeof *on_path);
  if (g->count == 0) {
    return 0;
  }
  if (g->mode != ECS_GROUP_ASYNC || !s->exec.enqueue) {
    uint64_t sum = 0;
    for (uint32_t i = 0; i < g->count; ++i) {
      sum += first[i].run_ns;
      on_path[i] = true;
    }
    return sum;
  }
  /* successors only point forward in declared order: one pass suffices */
  uint64_t dist[256] = {0};
  uint32_t prev[256] = {0};
  uint32_t n = g->count < 256 ? g->count : 256;
  for (uint32_t i = 0; i < n; ++i) {
    dist[i] = first[i].run_ns;
    prev[i] = UINT32_MAX;
  }
  for (uint32_t i = 0; i < n; ++i) {
    for (uint32_t k = 0; k < first[i].succ_count; ++k) {
      uint32_t j = first[i].succ[k] - g->first;
      if (j < n && dist[i] + first[j].run_ns > dist[j]) {
        dist[j] = dist[i] + first[j].run_ns;
        prev[j] = i;
      }
    }
  }
  uint32_t end = 0;
  for (uint32_t i = 1; i < n; ++i) {
    end = dist[i] > dist[end] ? i : end;
  }
  for (uint32_t i = end; i != UINT32_MAX; i = prev[i]) {
    on_path[i] = true;
  }
  return dist[end];
}

static void json_names(out_t *o, const s_system_t *sys, bool resource, bool write) {
  bool first = true;
  ecs_write_str(&o->w, "[");
  for (uint32_t i = 0; i < sys->access_count; ++i) {
    const access_t *a = &sys->access[i];
    if (a->resource == resource && a->write == write) {
      ecs_write_str(&o->w, first ? "" : ",");
      put_quoted(o, comp_name(o, a->id));
      first = false;
    }
  }
  ecs_write_str(&o->w, "]");
}

static void json_edge(out_t *o, bool *first, const char *from, const char *to, const char *kind) {
  ecs_write_str(&o->w, *first ? "\n    {\"from\":" : ",\n    {\"from\":");
  *first = false;
  put_quoted(o, from);
  ecs_write_str(&o->w, ",\"to\":");
  put_quoted(o, to);
  put(o, ",\"kind\":\"%s\"", kind);
}

static void describe_json(out_t *o, const ecs_scheduler_t *s) {
  ecs_write_str(&o->w, "{\n  \"groups\": [");
  for (uint32_t k = 0; k < s->group_count; ++k) {
    const s_group_t *g = &s->groups[k];
    ecs_write_str(&o->w, k ? ",\n    {\"name\":" : "\n    {\"name\":");
    put_quoted(o, g->name);
    put(o, ",\"stage\":%u,\"mode\":\"%s\",\"budget_ns\":%llu,\"last_run_ns\":%llu,\"systems\":[", k,
        g->mode == ECS_GROUP_ASYNC ? "async" : "sync", (unsigned long long)g->budget_ns,
        (unsigned long long)s->stats[k].run_ns);
    for (uint32_t i = 0; i < g->count; ++i) {
      ecs_write_str(&o->w, i ? "," : "");
      put_quoted(o, s->systems[g->first + i].name);
    }
    ecs_write_str(&o->w, "]}");
  }
  ecs_write_str(&o->w, "\n  ],\n  \"systems\": [");
  for (uint32_t i = 0; i < s->system_count; ++i) {
    const s_system_t *sys = &s->systems[i];
    ecs_write_str(&o->w, i ? ",\n    {\"name\":" : "\n    {\"name\":");
    put_quoted(o, sys->name);
    ecs_write_str(&o->w, ",\"group\":");
    put_quoted(o, sys->group);
    ecs_write_str(&o->w, ",\"reads\":");
    json_names(o, sys, false, false);
    ecs_write_str(&o->w, ",\"writes\":");
    json_names(o, sys, false, true);
    ecs_write_str(&o->w, ",\"resource_reads\":");
    json_names(o, sys, true, false);
    ecs_write_str(&o->w, ",\"resource_writes\":");
    json_names(o, sys, true, true);
    put(o, ",\"last_run_ns\":%llu,\"budget_ns\":%llu,\"quarantined\":%s}", (unsigned long long)sys->run_ns,
        (unsigned long long)sys->budget_ns, sys->quarantined ? "true" : "false");
  }
  ecs_write_str(&o->w, "\n  ],\n  \"edges\": [");
  bool first = true;
  for (uint32_t e = 0; e < s->group_edge_count; ++e) {
    const s_group_edge_t *ge = &s->group_edges[e];
    json_edge(o, &first, s->groups[ge->from].name, s->groups[ge->to].name, ge->before ? "before" : "after");
    ecs_write_str(&o->w, ",\"between\":\"groups\"}");
  }
  for (uint32_t k = 0; k + 1 < s->group_count; ++k) {
    json_edge(o, &first, s->groups[k].name, s->groups[k + 1].name, "barrier");
    ecs_write_str(&o->w, ",\"between\":\"groups\"}");
  }
  for (uint32_t k = 0; k < s->group_count; ++k) {
    const s_group_t *g = &s->groups[k];
    for (uint32_t i = g->first; i < g->first + g->count; ++i) {
      const s_system_t *sys = &s->systems[i];
      if (g->mode != ECS_GROUP_ASYNC && i + 1 < g->first + g->count) {
        json_edge(o, &first, sys->name, s->systems[i + 1].name, "order");
        ecs_write_str(&o->w, ",\"between\":\"systems\"}");
      }
      for (uint32_t c = 0; c < sys->succ_count; ++c) {
        const s_conflict_t *why = &sys->succ_why[c];
        json_edge(o, &first, sys->name, s->systems[sys->succ[c]].name,
                  why->resource ? "resource_conflict" : "conflict");
        ecs_write_str(&o->w, ",\"between\":\"systems\",\"component\":");
        put_quoted(o, comp_name(o, why->id));
        put(o, ",\"from_access\":\"%s\",\"to_access\":\"%s\"}", why->first_writes ? "write" : "read",
            why->second_writes ? "write" : "read");
      }
    }
  }
  ecs_write_str(&o->w, "\n  ],\n  \"critical_path\": {\"systems\":[");
  uint64_t total = 0;
  bool any = false;
  for (uint32_t k = 0; k < s->group_count; ++k) {
    const s_group_t *g = &s->groups[k];
    bool on_path[256];
    total += group_critical(s, g, on_path) + s->stats[k].apply_ns;
    for (uint32_t i = 0; i < g->count && i < 256; ++i) {
      if (on_path[i]) {
        ecs_write_str(&o->w, any ? "," : "");
        put_quoted(o, s->systems[g->first + i].name);
        any = true;
      }
    }
  }
  put(o, "],\"ns\":%llu}\n}\n", (unsigned long long)total);
}

static void dot_node(out_t *o, const s_system_t *sys, bool critical) {
  ecs_write_str(&o->w, "    ");
  put_quoted(o, sys->name);
  put(o, " [shape=box%s%s];\n", critical ? ",penwidth=2,color=red" : "", sys->quarantined ? ",style=dashed" : "");
}

static void describe_dot(out_t *o, const ecs_scheduler_t *s) {
  ecs_write_str(&o->w, "digraph schedule {\n  rankdir=LR;\n  compound=true;\n  node [fontname=\"sans\"];\n");
  for (uint32_t k = 0; k < s->group_count; ++k) {
    const s_group_t *g = &s->groups[k];
    bool on_path[256];
    group_critical(s, g, on_path);
    put(o, "  subgraph cluster_%u {\n    label=", k);
    char label[300];
    snprintf(label, sizeof label, "%s (%s)", g->name, g->mode == ECS_GROUP_ASYNC ? "async" : "sync");
    put_quoted(o, label);
    ecs_write_str(&o->w, ";\n");
    put(o, "    barrier_%u [shape=point,label=\"\"];\n", k);
    for (uint32_t i = 0; i < g->count; ++i) {
      dot_node(o, &s->systems[g->first + i], i < 256 && on_path[i]);
    }
    ecs_write_str(&o->w, "  }\n");
  }
  for (uint32_t k = 0; k < s->group_count; ++k) {
    const s_group_t *g = &s->groups[k];
    for (uint32_t i = g->first; i < g->first + g->count; ++i) {
      const s_system_t *sys = &s->systems[i];
      ecs_write_str(&o->w, "  ");
      put_quoted(o, sys->name);
      put(o, " -> barrier_%u [style=dotted,label=\"barrier\"];\n", k);
      if (k > 0) {
        put(o, "  barrier_%u -> ", k - 1);
        put_quoted(o, sys->name);
        ecs_write_str(&o->w, " [style=dotted];\n");
      }
      if (g->mode != ECS_GROUP_ASYNC && i + 1 < g->first + g->count) {
        ecs_write_str(&o->w, "  ");
        put_quoted(o, sys->name);
        ecs_write_str(&o->w, " -> ");
        put_quoted(o, s->systems[i + 1].name);
        ecs_write_str(&o->w, " [label=\"order\"];\n");
      }
      for (uint32_t c = 0; c < sys->succ_count; ++c) {
        const s_conflict_t *why = &sys->succ_why[c];
        char label[300];
        snprintf(label, sizeof label, "%s %s: %s/%s", why->resource ? "resource" : "conflict", comp_name(o, why->id),
                 why->first_writes ? "write" : "read", why->second_writes ? "write" : "read");
        ecs_write_str(&o->w, "  ");
        put_quoted(o, sys->name);
        ecs_write_str(&o->w, " -> ");
        put_quoted(o, s->systems[sys->succ[c]].name);
        ecs_write_str(&o->w, " [color=orange,label=");
        put_quoted(o, label);
        ecs_write_str(&o->w, "];\n");
      }
    }
  }
  for (uint32_t e = 0; e < s->group_edge_count; ++e) {
    const s_group_edge_t *ge = &s->group_edges[e];
    put(o, "  barrier_%u -> barrier_%u [color=blue,label=\"%s\"];\n", ge->from, ge->to,
        ge->before ? "before" : "after");
  }
  ecs_write_str(&o->w, "}\n");
}

ecs_status_t ecs_scheduler_describe(const ecs_scheduler_t *s, const ecs_writer_t *out, ecs_describe_format_t format) {
  if (!s || !out || !out->write || (unsigned)format > (unsigned)ECS_DESCRIBE_DOT) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  /* rendered into memory first: the writer sees one complete document */
  ecs_membuf_t buf = {.allocator = &s->world->alloc};
  ecs__sticky_t sticky = {ecs_membuf_writer(&buf), ECS_OK};
  out_t o = {ecs__sticky_writer(&sticky), s->world};
  if (format == ECS_DESCRIBE_JSON) {
    describe_json(&o, s);
  } else {
    describe_dot(&o, s);
  }
  ecs_status_t st = sticky.error == ECS_OK ? ecs_write(out, buf.data, buf.size) : sticky.error;
  ecs_membuf_free(&buf);
  return st;
}
