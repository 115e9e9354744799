/* The inspector's JSON endpoints and what it records between ticks. Every
 * function here runs on the host's thread inside ecs_inspector_poll() or
 * ecs_inspector_record_tick(), between ticks. */
#define _POSIX_C_SOURCE 200809L
#include "inspector_internal.h"

#include "ecs/hierarchy.h"

#include <jansson.h>

#include <ctype.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LIST_DEFAULT 50
#define LIST_MAX 500

static void putf(const ecs_writer_t *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(const ecs_writer_t *w, const char *fmt, ...) {
  char buf[128];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  if (n > 0) {
    ecs_write(w, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
  }
}

enum MHD_Result ecs__insp_world(ecs_inspector_t *in, struct MHD_Connection *c) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  putf(&w, "{\"version\":\"%s\",\"entities\":%zu,\"components\":%u,\"tick\":%" PRIu64, ecs_version(),
       ecs_entity_count(in->world), (unsigned)ecs_component_last(in->world),
       in->sched ? ecs_scheduler_tick_count(in->sched) : 0);
  putf(&w, ",\"writes\":%s,\"schedule\":%s,\"checksum\":\"%016" PRIx64 "\"}\n", in->writes ? "true" : "false",
       in->sched ? "true" : "false", ecs_world_checksum(in->world));
  return ecs__insp_json(in, c, 200, &buf);
}

enum MHD_Result ecs__insp_schema(ecs_inspector_t *in, struct MHD_Connection *c) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  if (ecs_meta_write_schema(in->world, &w) != ECS_OK) {
    ecs_membuf_free(&buf);
    return ecs__insp_error(in, c, 500, "cannot write the schema", NULL);
  }
  return ecs__insp_json(in, c, 200, &buf);
}

/* Case-insensitive substring. */
static bool contains(const char *hay, const char *needle) {
  size_t n = strlen(needle);
  for (; *hay; ++hay) {
    size_t i = 0;
    while (i < n && hay[i] && tolower((unsigned char)hay[i]) == tolower((unsigned char)needle[i])) {
      ++i;
    }
    if (i == n) {
      return true;
    }
  }
  return n == 0;
}

/* A search: the components whose names match are found once per request,
 * so each entity costs one ecs_has() per matching component; its label is
 * only formatted when the text could be part of one (digits and 'v'). */
/* Writes @p v in decimal at @p p (no NUL); returns the end. Faster than
 * snprintf, which a search over every entity would call once each. */
static char *put_u32(char *p, uint32_t v) {
  char tmp[10];
  int n = 0;
  do {
    tmp[n++] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  while (n) {
    *p++ = tmp[--n];
  }
  return p;
}

typedef struct search_t {
  const char *q;
  bool label;            /* q may match a label like "12v3" */
  ecs_component_t *hits; /* components whose name matches q */
  uint32_t hit_count;
} search_t;

static bool search_init(search_t *s, ecs_world_t *w, const char *q) {
  memset(s, 0, sizeof *s);
  s->q = q && q[0] ? q : NULL;
  if (!s->q) {
    return true;
  }
  s->label = strspn(q, "0123456789vV") == strlen(q);
  ecs_component_t last = ecs_component_last(w);
  s->hits = malloc(((size_t)last + 1) * sizeof *s->hits);
  if (!s->hits) {
    return false;
  }
  for (ecs_component_t k = 1; k <= last; ++k) {
    if (contains(ecs_component_name(w, k), q)) {
      s->hits[s->hit_count++] = k;
    }
  }
  return true;
}

static bool matches(ecs_world_t *w, ecs_entity_t e, const search_t *s) {
  if (!s->q) {
    return true;
  }
  const char *name = ecs_get_name(w, e);
  if (name && contains(name, s->q)) {
    return true;
  }
  for (uint32_t i = 0; i < s->hit_count; ++i) {
    if (ecs_has(w, e, s->hits[i])) {
      return true;
    }
  }
  if (s->label) {
    char label[32];
    char *end = put_u32(label, ECS_ENTITY_INDEX(e));
    *end++ = 'v';
    *put_u32(end, ECS_ENTITY_GENERATION(e)) = '\0';
    return contains(label, s->q);
  }
  return false;
}

static bool parse_count(const char *s, size_t *out) {
  if (!s) {
    return true;
  }
  if (!*s || strlen(s) > 9) {
    return false;
  }
  for (const char *p = s; *p; ++p) {
    if (!isdigit((unsigned char)*p)) {
      return false;
    }
  }
  *out = (size_t)strtoul(s, NULL, 10);
  return true;
}

/* An entity's name (hierarchy.h) as a JSON string, or null. */
static void put_name(const ecs_writer_t *out, const ecs_world_t *w, ecs_entity_t e) {
  const char *name = e ? ecs_get_name(w, e) : NULL;
  if (name) {
    ecs__insp_str(out, name);
  } else {
    ecs_write_str(out, "null");
  }
}

/* One list item: its name and its parent's (hierarchy.h) when it has them,
 * the parent's label otherwise; null for none. */
static void list_item(ecs_world_t *w, const ecs_writer_t *out, ecs_entity_t e) {
  putf(out,
       "{\"id\":%" PRIu64 ",\"index\":%" PRIu32 ",\"generation\":%" PRIu32 ",\"label\":\"%" PRIu32 "v%" PRIu32
       "\",\"name\":",
       (uint64_t)e, ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e), ECS_ENTITY_INDEX(e), ECS_ENTITY_GENERATION(e));
  put_name(out, w, e);
  ecs_entity_t parent = ecs_parent(w, e);
  if (!parent) {
    ecs_write_str(out, ",\"parent\":null");
  } else if (ecs_get_name(w, parent)) {
    ecs_write_str(out, ",\"parent\":");
    put_name(out, w, parent);
  } else {
    putf(out, ",\"parent\":\"%" PRIu32 "v%" PRIu32 "\"", ECS_ENTITY_INDEX(parent), ECS_ENTITY_GENERATION(parent));
  }
  ecs_write_str(out, ",\"components\":[");
  bool first = true;
  ecs_component_t last = ecs_component_last(w);
  for (ecs_component_t k = 1; k <= last; ++k) {
    if (ecs_has(w, e, k)) {
      ecs_write_str(out, first ? "" : ",");
      ecs__insp_str(out, ecs_component_name(w, k));
      first = false;
    }
  }
  ecs_write_str(out, "]}");
}

enum MHD_Result ecs__insp_entities(ecs_inspector_t *in, struct MHD_Connection *c) {
  size_t offset = 0, limit = LIST_DEFAULT;
  if (!parse_count(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "offset"), &offset) ||
      !parse_count(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "limit"), &limit)) {
    return ecs__insp_error(in, c, 400, "offset and limit are whole numbers", NULL);
  }
  limit = limit > LIST_MAX ? LIST_MAX : limit;
  const char *q = MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "q");
  if (q && strlen(q) > 128) {
    return ecs__insp_error(in, c, 400, "search text over 128 bytes", NULL);
  }
  search_t search;
  if (!search_init(&search, in->world, q)) {
    return ecs__insp_error(in, c, 500, "out of memory", NULL);
  }
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  ecs_write_str(&w, "{\"entities\":[");
  size_t total = 0, shown = 0;
  uint32_t slots = ecs_entity_slot_count(in->world);
  for (uint32_t i = 1; i < slots; ++i) {
    ecs_entity_t e = ecs_entity_at(in->world, i);
    if (!e || !matches(in->world, e, &search)) {
      continue;
    }
    if (total >= offset && shown < limit) {
      ecs_write_str(&w, shown ? ",\n" : "\n");
      list_item(in->world, &w, e);
      ++shown;
    }
    ++total;
  }
  free(search.hits);
  putf(&w, "\n],\"total\":%zu,\"offset\":%zu,\"limit\":%zu}\n", total, offset, limit);
  return ecs__insp_json(in, c, 200, &buf);
}

enum MHD_Result ecs__insp_entity(ecs_inspector_t *in, struct MHD_Connection *c, ecs_entity_t e) {
  if (!ecs_entity_alive(in->world, e)) {
    return ecs__insp_error(in, c, 404, "no such entity (destroyed or never created)", NULL);
  }
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  if (ecs_json_write_entity(in->world, e, &w) != ECS_OK) {
    ecs_membuf_free(&buf);
    return ecs__insp_error(in, c, 500, "cannot write the entity", NULL);
  }
  return ecs__insp_json(in, c, 200, &buf);
}

enum MHD_Result ecs__insp_set(ecs_inspector_t *in, struct MHD_Connection *c, ecs_entity_t e, const char *component,
                              const char *body, size_t len) {
  if (!ecs_entity_alive(in->world, e)) {
    return ecs__insp_error(in, c, 404, "no such entity (destroyed or never created)", NULL);
  }
  ecs_component_t k = ecs_component_lookup(in->world, component);
  if (!k) {
    return ecs__insp_error(in, c, 404, "no such component", component);
  }
  ecs_json_error_t err;
  ecs_status_t st = ecs_json_set_component(in->world, e, k, body, len, &err);
  if (st == ECS_ERR_BUSY) {
    return ecs__insp_error(in, c, 503, err.message, err.path);
  }
  if (st != ECS_OK) {
    return ecs__insp_error(in, c, st == ECS_ERR_NO_MEMORY ? 500 : 400, err.message, err.path);
  }
  return ecs__insp_entity(in, c, e);
}

enum MHD_Result ecs__insp_prometheus(ecs_inspector_t *in, struct MHD_Connection *c) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  ecs_status_t st = ecs_metrics_write_prometheus(in->world, &w);
  if (st != ECS_OK) {
    ecs_membuf_free(&buf);
    return st == ECS_ERR_UNSUPPORTED
               ? ecs__insp_error(in, c, 501, "metrics are compiled out of this libecs (ECS_PROFILE=OFF)", NULL)
               : ecs__insp_error(in, c, 500, "cannot write the metrics", NULL);
  }
  struct MHD_Response *r = MHD_create_response_from_buffer(buf.size, buf.data, MHD_RESPMEM_MUST_COPY);
  ecs_membuf_free(&buf);
  if (!r) {
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", "text/plain; version=0.0.4");
  MHD_add_response_header(r, "Cache-Control", "no-store");
  enum MHD_Result ok = MHD_queue_response(c, 200, r);
  MHD_destroy_response(r);
  in->counts[0]++;
  return ok;
}

/* ---- schedule and ticks ------------------------------------------------- */

static ecs__insp_system_t *system_slot(ecs_inspector_t *in, const char *name) {
  for (uint32_t i = 0; i < in->system_count; ++i) {
    if (strcmp(in->systems[i].name, name) == 0) {
      return &in->systems[i];
    }
  }
  if (in->system_count == ECS__INSP_SYSTEMS) {
    return NULL;
  }
  ecs__insp_system_t *s = &in->systems[in->system_count++];
  memset(s, 0, sizeof *s);
  snprintf(s->name, sizeof s->name, "%s", name);
  return s;
}

/* Per-system times of the last tick, from the schedule's description. */
static void sample_systems(ecs_inspector_t *in) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  if (ecs_scheduler_describe(in->sched, &w, ECS_DESCRIBE_JSON) == ECS_OK) {
    json_t *root = json_loadb((const char *)buf.data, buf.size, 0, NULL);
    json_t *systems = json_object_get(root, "systems");
    size_t i;
    json_t *s;
    json_array_foreach(systems, i, s) {
      const char *name = json_string_value(json_object_get(s, "name"));
      ecs__insp_system_t *slot = name ? system_slot(in, name) : NULL;
      if (slot) {
        slot->ns[(slot->head + slot->count) % ECS__INSP_SAMPLES] =
            (uint64_t)json_integer_value(json_object_get(s, "last_run_ns"));
        if (slot->count < ECS__INSP_SAMPLES) {
          slot->count++;
        } else {
          slot->head = (slot->head + 1) % ECS__INSP_SAMPLES;
        }
      }
    }
    json_decref(root);
  }
  ecs_membuf_free(&buf);
}

void ecs_inspector_record_tick(ecs_inspector_t *in, const ecs_tick_result_t *r) {
  if (!in || !r) {
    return;
  }
  ecs__insp_tick_t *t = &in->ticks[(in->tick_head + in->tick_count) % ECS__INSP_TICKS];
  if (in->tick_count < ECS__INSP_TICKS) {
    in->tick_count++;
  } else {
    in->tick_head = (in->tick_head + 1) % ECS__INSP_TICKS;
  }
  memset(t, 0, sizeof *t);
  t->tick = r->tick;
  t->duration_ns = r->duration_ns;
  t->systems_run = r->systems_run;
  t->systems_failed = r->systems_failed;
  t->commands_applied = r->commands_applied;
  t->group_count = r->group_count < ECS__INSP_GROUPS ? r->group_count : ECS__INSP_GROUPS;
  for (uint32_t g = 0; g < t->group_count; ++g) {
    t->group_ns[g] = r->groups[g].run_ns + r->groups[g].apply_ns;
  }
  if (in->sched && in->recorded % in->sample_every == 0) {
    sample_systems(in);
  }
  in->recorded++;
}

void ecs_inspector_set_scheduler(ecs_inspector_t *in, ecs_scheduler_t *s) {
  if (in) {
    in->sched = s;
    in->system_count = 0;
  }
}

static void write_groups(ecs_inspector_t *in, const ecs_writer_t *w) {
  const char *names[ECS__INSP_GROUPS];
  uint32_t n = in->sched ? ecs_scheduler_group_order(in->sched, names, ECS__INSP_GROUPS) : 0;
  ecs_write_str(w, "[");
  for (uint32_t g = 0; g < n && g < ECS__INSP_GROUPS; ++g) {
    ecs_write_str(w, g ? "," : "");
    ecs__insp_str(w, names[g]);
  }
  ecs_write_str(w, "]");
}

enum MHD_Result ecs__insp_schedule(ecs_inspector_t *in, struct MHD_Connection *c) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  ecs_write_str(&w, "{\"graph\":");
  if (!in->sched || ecs_scheduler_describe(in->sched, &w, ECS_DESCRIBE_JSON) != ECS_OK) {
    ecs_write_str(&w, "null");
  }
  putf(&w, ",\"sample_every\":%u,\"recent\":[", in->sample_every);
  for (uint32_t i = 0; i < in->system_count; ++i) {
    const ecs__insp_system_t *s = &in->systems[i];
    ecs_write_str(&w, i ? ",\n{\"name\":" : "\n{\"name\":");
    ecs__insp_str(&w, s->name);
    uint64_t sum = 0, max = 0;
    ecs_write_str(&w, ",\"ns\":[");
    for (uint32_t k = 0; k < s->count; ++k) {
      uint64_t v = s->ns[(s->head + k) % ECS__INSP_SAMPLES];
      sum += v;
      max = v > max ? v : max;
      putf(&w, "%s%" PRIu64, k ? "," : "", v);
    }
    putf(&w, "],\"avg_ns\":%" PRIu64 ",\"max_ns\":%" PRIu64 "}", s->count ? sum / s->count : 0, max);
  }
  ecs_write_str(&w, "\n]}\n");
  return ecs__insp_json(in, c, 200, &buf);
}

enum MHD_Result ecs__insp_metrics(ecs_inspector_t *in, struct MHD_Connection *c) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  putf(&w, "{\"recorded\":%" PRIu64 ",\"entities\":%zu,\"requests\":[%" PRIu64 ",%" PRIu64 ",%" PRIu64 "],\"groups\":",
       in->recorded, ecs_entity_count(in->world), in->counts[0], in->counts[1], in->counts[2]);
  write_groups(in, &w);
  ecs_write_str(&w, ",\"ticks\":[");
  for (uint32_t i = 0; i < in->tick_count; ++i) {
    const ecs__insp_tick_t *t = &in->ticks[(in->tick_head + i) % ECS__INSP_TICKS];
    putf(&w, "%s\n{\"tick\":%" PRIu64 ",\"duration_ns\":%" PRIu64 ",\"systems_run\":%u,\"systems_failed\":%u",
         i ? "," : "", t->tick, t->duration_ns, t->systems_run, t->systems_failed);
    putf(&w, ",\"commands_applied\":%" PRIu64 ",\"group_ns\":[", t->commands_applied);
    for (uint32_t g = 0; g < t->group_count; ++g) {
      putf(&w, "%s%" PRIu64, g ? "," : "", t->group_ns[g]);
    }
    ecs_write_str(&w, "]}");
  }
  ecs_write_str(&w, "\n]}\n");
  return ecs__insp_json(in, c, 200, &buf);
}
