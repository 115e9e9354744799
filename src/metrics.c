/* Metrics: host counters, gauges and histograms (atomic updates from any
 * thread), and the Prometheus text rendering of those and of the built-in
 * families read from the world and its schedulers. */
#include "scheduler_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const double ecs__hist_bounds[ECS__HIST_BOUNDS] = {1e-6, 5e-6, 1e-5, 5e-5, 1e-4, 5e-4, 1e-3,
                                                   5e-3, 1e-2, 5e-2, 0.1,  0.5,  1.0};

void ecs__hist_observe(ecs__histogram_t *h, double value) {
  uint32_t b = 0;
  while (b < ECS__HIST_BOUNDS && value > ecs__hist_bounds[b]) {
    ++b;
  }
  h->counts[b]++;
  h->count++;
  h->sum += value;
}

ecs_status_t ecs__world_add_scheduler(ecs_world_t *w, struct ecs_scheduler_t *s) {
  if (!ecs__grow(&w->alloc, (void **)&w->schedulers, sizeof(struct ecs_scheduler_t *), &w->scheduler_cap,
                 (size_t)w->scheduler_count + 1, 4)) {
    return ECS_ERR_NO_MEMORY;
  }
  w->schedulers[w->scheduler_count++] = s;
  return ECS_OK;
}

void ecs__world_remove_scheduler(ecs_world_t *w, const struct ecs_scheduler_t *s) {
  for (uint32_t i = 0; i < w->scheduler_count; ++i) {
    if (w->schedulers[i] == s) {
      memmove(&w->schedulers[i], &w->schedulers[i + 1],
              (w->scheduler_count - i - 1) * sizeof(struct ecs_scheduler_t *));
      w->scheduler_count--;
      return;
    }
  }
}

#if ECS_PROFILE

/* Host metric values are doubles kept as bits in atomics so that systems
 * on several threads may update them without a lock. */
struct ecs_metric_t {
  struct ecs_metric_t *next;
  ecs_metric_kind_t kind;
  char *name;
  char *help;
  _Atomic uint64_t value; /* double bits: counter/gauge value, histogram sum */
  _Atomic uint64_t counts[ECS__HIST_BOUNDS + 1];
  _Atomic uint64_t count;
};

static double bits_to_double(uint64_t b) {
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

static uint64_t double_to_bits(double d) {
  uint64_t b;
  memcpy(&b, &d, sizeof b);
  return b;
}

static void atomic_add_double(_Atomic uint64_t *slot, double delta) {
  uint64_t old = atomic_load(slot);
  while (!atomic_compare_exchange_weak(slot, &old, double_to_bits(bits_to_double(old) + delta))) {
  }
}

static bool valid_name(const char *n) {
  if (!n || !*n || !((*n >= 'a' && *n <= 'z') || (*n >= 'A' && *n <= 'Z') || *n == '_' || *n == ':')) {
    return false;
  }
  for (const char *p = n + 1; *p; ++p) {
    if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_' || *p == ':')) {
      return false;
    }
  }
  return true;
}

ecs_metric_t *ecs_metric_register(ecs_world_t *world, ecs_metric_kind_t kind, const char *name, const char *help) {
  if (!world) {
    return NULL;
  }
  if (world->in_tick) {
    return NULL; /* the metric list is not for systems to change (no detail: see ecs__ok) */
  }
  if ((unsigned)kind > (unsigned)ECS_METRIC_HISTOGRAM || !valid_name(name) || strncmp(name, "ecs_", 4) == 0 ||
      (help && strchr(help, '\n'))) {
    ecs__fail(world, ECS_ERR_INVALID_ARGUMENT, "metric name '%s' is invalid or reserved (or help has a newline)",
              name ? name : "(null)");
    return NULL;
  }
  for (ecs_metric_t *m = world->metrics; m; m = m->next) {
    if (strcmp(m->name, name) == 0) {
      ecs__fail(world, ECS_ERR_DUPLICATE, "metric '%s' is registered already", name);
      return NULL;
    }
  }
  ecs_metric_t *m = ecs__calloc(world, sizeof *m);
  char *n = ecs__strdup(world, name);
  char *h = ecs__strdup(world, help ? help : name);
  if (!m || !n || !h) {
    ecs__free(world, m, sizeof *m);
    ecs__strfree(world, n);
    ecs__strfree(world, h);
    ecs__fail(world, ECS_ERR_NO_MEMORY, "cannot register metric '%s'", name);
    return NULL;
  }
  m->kind = kind;
  m->name = n;
  m->help = h;
  m->next = world->metrics;
  world->metrics = m;
  ecs__ok(world);
  return m;
}

void ecs__metrics_fini(ecs_world_t *w) {
  while (w->metrics) {
    ecs_metric_t *m = w->metrics;
    w->metrics = m->next;
    ecs__strfree(w, m->name);
    ecs__strfree(w, m->help);
    ecs__free(w, m, sizeof *m);
  }
}

void ecs_metric_add(ecs_metric_t *metric, double delta) {
  if (!metric || metric->kind == ECS_METRIC_HISTOGRAM || (metric->kind == ECS_METRIC_COUNTER && !(delta >= 0))) {
    return;
  }
  atomic_add_double(&metric->value, delta);
}

void ecs_metric_set(ecs_metric_t *metric, double value) {
  if (metric && metric->kind == ECS_METRIC_GAUGE) {
    atomic_store(&metric->value, double_to_bits(value));
  }
}

void ecs_metric_observe(ecs_metric_t *metric, double value) {
  if (!metric || metric->kind != ECS_METRIC_HISTOGRAM) {
    return;
  }
  uint32_t b = 0;
  while (b < ECS__HIST_BOUNDS && value > ecs__hist_bounds[b]) {
    ++b;
  }
  atomic_fetch_add(&metric->counts[b], 1u);
  atomic_fetch_add(&metric->count, 1u);
  atomic_add_double(&metric->value, value);
}

double ecs_metric_value(const ecs_metric_t *metric) {
  return metric ? bits_to_double(atomic_load(&metric->value)) : 0.0;
}

/* ---- rendering -------------------------------------------------------------- */

static void put(const ecs_writer_t *w, const char *fmt, ...) ECS_PRINTF(2, 3);

static void put(const ecs_writer_t *w, const char *fmt, ...) {
  char line[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(line, sizeof line, fmt, ap);
  va_end(ap);
  if (n > 0) {
    ecs_write(w, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1);
  }
}

static void family(const ecs_writer_t *w, const char *name, const char *type, const char *help) {
  put(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value with \, " and newline escaped, as the format asks. */
static void label_value(char *out, size_t cap, const char *v) {
  size_t n = 0;
  for (const char *p = v; *p && n + 3 < cap; ++p) {
    if (*p == '\\' || *p == '"') {
      out[n++] = '\\';
      out[n++] = *p;
    } else if (*p == '\n') {
      out[n++] = '\\';
      out[n++] = 'n';
    } else {
      out[n++] = *p;
    }
  }
  out[n] = '\0';
}

/* Writes one histogram series; labels is "" or `a="b",` (trailing comma). */
static void histogram(const ecs_writer_t *w, const char *name, const char *labels, const uint64_t *counts,
                      uint64_t count, double sum) {
  uint64_t cumulative = 0;
  for (uint32_t b = 0; b < ECS__HIST_BOUNDS; ++b) {
    cumulative += counts[b];
    put(w, "%s_bucket{%sle=\"%g\"} %llu\n", name, labels, ecs__hist_bounds[b], (unsigned long long)cumulative);
  }
  put(w, "%s_bucket{%sle=\"+Inf\"} %llu\n", name, labels, (unsigned long long)count);
  size_t len = strlen(labels);
  if (len > 0) {
    put(w, "%s_sum{%.*s} %.9g\n%s_count{%.*s} %llu\n", name, (int)len - 1, labels, sum, name, (int)len - 1, labels,
        (unsigned long long)count);
  } else {
    put(w, "%s_sum %.9g\n%s_count %llu\n", name, sum, name, (unsigned long long)count);
  }
}

static void world_families(const ecs_world_t *world, const ecs_writer_t *w) {
  family(w, "ecs_entities_alive", "gauge", "Live entities.");
  put(w, "ecs_entities_alive %zu\n", world->alive_count);
  family(w, "ecs_component_entities", "gauge", "Entities holding each component.");
  for (uint32_t c = 1; c < world->component_count; ++c) {
    const ecs__component_t *r = world->components[c];
    char name[256];
    label_value(name, sizeof name, r->name);
    put(w, "ecs_component_entities{component=\"%s\",storage=\"%s\"} %zu\n", name, r->vtable.name,
        r->vt->count(r->storage));
  }
  family(w, "ecs_component_memory_bytes", "gauge", "Bytes held by each component's storage.");
  for (uint32_t c = 1; c < world->component_count; ++c) {
    const ecs__component_t *r = world->components[c];
    char name[256];
    label_value(name, sizeof name, r->name);
    put(w, "ecs_component_memory_bytes{component=\"%s\",storage=\"%s\"} %zu\n", name, r->vtable.name,
        r->vt->memory(r->storage));
  }
}

/* The scheduler families: one HELP/TYPE per family, a series per scheduler
 * (label scheduler="<index in the world>"). */
static void scheduler_families(const ecs_world_t *world, const ecs_writer_t *w) {
  static const struct {
    const char *name, *type, *help;
  } counters[] = {
      {"ecs_ticks_total", "counter", "Ticks run."},
      {"ecs_commands_applied_total", "counter", "Commands applied at barriers."},
      {"ecs_commands_skipped_total", "counter", "Commands skipped (entity not alive at apply)."},
      {"ecs_access_violations_total", "counter", "Undeclared accesses refused by the access checks."},
      {"ecs_pool_tasks_total", "counter", "Tasks the worker pool ran."},
      {"ecs_pool_queue_depth_high_water", "gauge", "Deepest the pool's task queue has been."},
      {"ecs_pool_idle_seconds_total", "counter", "Time the pool's workers spent idle."},
  };
  for (size_t f = 0; f < sizeof counters / sizeof counters[0]; ++f) {
    family(w, counters[f].name, counters[f].type, counters[f].help);
    for (uint32_t i = 0; i < world->scheduler_count; ++i) {
      const ecs_scheduler_t *s = world->schedulers[i];
      ecs_pool_stats_t ps = {0};
      ecs_pool_stats(s->pool, &ps);
      double v = 0;
      switch (f) {
      case 0:
        v = (double)s->tick;
        break;
      case 1:
        v = (double)s->commands_applied_total;
        break;
      case 2:
        v = (double)s->commands_skipped_total;
        break;
      case 3:
        v = (double)s->access_violations_total;
        break;
      case 4:
        v = (double)ps.tasks_run;
        break;
      case 5:
        v = (double)ps.queue_high_water;
        break;
      default:
        v = (double)ps.idle_ns / 1e9;
        break;
      }
      put(w, "%s{scheduler=\"%u\"} %.9g\n", counters[f].name, i, v);
    }
  }
  family(w, "ecs_tick_duration_seconds", "histogram", "Duration of a whole tick.");
  for (uint32_t i = 0; i < world->scheduler_count; ++i) {
    const ecs_scheduler_t *s = world->schedulers[i];
    char labels[64];
    snprintf(labels, sizeof labels, "scheduler=\"%u\",", i);
    histogram(w, "ecs_tick_duration_seconds", labels, s->tick_hist.counts, s->tick_hist.count, s->tick_hist.sum);
  }
  family(w, "ecs_system_duration_seconds", "histogram", "Duration of one system's run (retries included).");
  for (uint32_t i = 0; i < world->scheduler_count; ++i) {
    const ecs_scheduler_t *s = world->schedulers[i];
    for (uint32_t k = 0; k < s->system_count; ++k) {
      const s_system_t *sys = &s->systems[k];
      char name[256];
      char labels[320];
      label_value(name, sizeof name, sys->name);
      snprintf(labels, sizeof labels, "scheduler=\"%u\",system=\"%s\",", i, name);
      histogram(w, "ecs_system_duration_seconds", labels, sys->hist.counts, sys->hist.count, sys->hist.sum);
    }
  }
  family(w, "ecs_system_failures_total", "counter", "Runs of a system that ended in an error.");
  for (uint32_t i = 0; i < world->scheduler_count; ++i) {
    const ecs_scheduler_t *s = world->schedulers[i];
    for (uint32_t k = 0; k < s->system_count; ++k) {
      char name[256];
      label_value(name, sizeof name, s->systems[k].name);
      put(w, "ecs_system_failures_total{scheduler=\"%u\",system=\"%s\"} %llu\n", i, name,
          (unsigned long long)s->systems[k].failures_total);
    }
  }
}

/* Budgets and quarantine, per system and per group. */
static void guard_families(const ecs_world_t *world, const ecs_writer_t *w) {
  family(w, "ecs_system_over_budget_total", "counter", "Runs of a system over its time budget.");
  for (uint32_t i = 0; i < world->scheduler_count; ++i) {
    const ecs_scheduler_t *s = world->schedulers[i];
    for (uint32_t k = 0; k < s->system_count; ++k) {
      char name[256];
      label_value(name, sizeof name, s->systems[k].name);
      put(w, "ecs_system_over_budget_total{scheduler=\"%u\",system=\"%s\"} %llu\n", i, name,
          (unsigned long long)s->systems[k].over_budget_total);
    }
  }
  family(w, "ecs_group_over_budget_total", "counter", "Runs of a group over its time budget.");
  for (uint32_t i = 0; i < world->scheduler_count; ++i) {
    const ecs_scheduler_t *s = world->schedulers[i];
    for (uint32_t k = 0; k < s->group_count; ++k) {
      char name[256];
      label_value(name, sizeof name, s->groups[k].name);
      put(w, "ecs_group_over_budget_total{scheduler=\"%u\",group=\"%s\"} %llu\n", i, name,
          (unsigned long long)s->groups[k].over_budget_total);
    }
  }
  family(w, "ecs_system_quarantined", "gauge", "1 while a system is disabled by quarantine.");
  for (uint32_t i = 0; i < world->scheduler_count; ++i) {
    const ecs_scheduler_t *s = world->schedulers[i];
    for (uint32_t k = 0; k < s->system_count; ++k) {
      char name[256];
      label_value(name, sizeof name, s->systems[k].name);
      put(w, "ecs_system_quarantined{scheduler=\"%u\",system=\"%s\"} %d\n", i, name, s->systems[k].quarantined ? 1 : 0);
    }
  }
}

static void host_families(const ecs_world_t *world, const ecs_writer_t *w) {
  static const char *const types[] = {"counter", "gauge", "histogram"};
  for (const ecs_metric_t *m = world->metrics; m; m = m->next) {
    family(w, m->name, types[m->kind], m->help);
    if (m->kind == ECS_METRIC_HISTOGRAM) {
      uint64_t counts[ECS__HIST_BOUNDS + 1];
      for (uint32_t b = 0; b <= ECS__HIST_BOUNDS; ++b) {
        counts[b] = atomic_load(&m->counts[b]);
      }
      uint64_t total = 0;
      for (uint32_t b = 0; b <= ECS__HIST_BOUNDS; ++b) {
        total += counts[b]; /* consistent with the buckets read */
      }
      histogram(w, m->name, "", counts, total, ecs_metric_value(m));
    } else {
      put(w, "%s %.17g\n", m->name, ecs_metric_value(m));
    }
  }
}

ecs_status_t ecs_metrics_write_prometheus(ecs_world_t *world, const ecs_writer_t *out) {
  if (!world || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (world->in_tick) {
    return ecs__fail(world, ECS_ERR_BUSY, "metrics are rendered outside a tick");
  }
  /* rendered into memory first: the writer sees one complete exposition */
  ecs_membuf_t buf = {.allocator = &world->alloc};
  ecs__sticky_t sticky = {ecs_membuf_writer(&buf), ECS_OK};
  ecs_writer_t w = ecs__sticky_writer(&sticky);
  world_families(world, &w);
  scheduler_families(world, &w);
  guard_families(world, &w);
  host_families(world, &w);
  ecs_status_t st = sticky.error == ECS_OK ? ecs_write(out, buf.data, buf.size) : sticky.error;
  ecs_membuf_free(&buf);
  if (st != ECS_OK) {
    return ecs__fail(world, st, "metrics could not be written: %s", ecs_strerror(st));
  }
  ecs__ok(world);
  return ECS_OK;
}

#else /* !ECS_PROFILE: metrics compiled out */

ecs_metric_t *ecs_metric_register(ecs_world_t *world, ecs_metric_kind_t kind, const char *name, const char *help) {
  (void)kind, (void)name, (void)help;
  if (world) {
    ecs__fail(world, ECS_ERR_UNSUPPORTED, "built without ECS_PROFILE: no metrics");
  }
  return NULL;
}

void ecs__metrics_fini(ecs_world_t *w) {
  (void)w;
}

void ecs_metric_add(ecs_metric_t *metric, double delta) {
  (void)metric, (void)delta;
}

void ecs_metric_set(ecs_metric_t *metric, double value) {
  (void)metric, (void)value;
}

void ecs_metric_observe(ecs_metric_t *metric, double value) {
  (void)metric, (void)value;
}

double ecs_metric_value(const ecs_metric_t *metric) {
  (void)metric;
  return 0.0;
}

ecs_status_t ecs_metrics_write_prometheus(ecs_world_t *world, const ecs_writer_t *out) {
  if (!world || !out || !out->write) {
    return ECS_ERR_INVALID_ARGUMENT; /* the same checks as a profiling build */
  }
  return ecs__fail(world, ECS_ERR_UNSUPPORTED, "built without ECS_PROFILE: no metrics");
}

#endif
