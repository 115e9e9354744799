/* The default path, beside raw arrays:
 * - readme_loop_K: the loop the README teaches (ecs_field() arrays, one
 *   WRITE term plus K-1 READ terms added into it) on the default storage,
 *   over 10,000 and 1,000,000 entities, K = 2, 4, 8;
 * - bulk_insert_values: ecs_bulk_create of 100,000 entities with 4
 *   components and their values into a fresh world;
 * - join_dense / join_dense_lookup: Position += Velocity over 1,000,000
 *   DENSE entities (unpacked), Velocity added in the same order as Position
 *   (arrays) or in shuffled order (a lookup per row);
 * - checksum: ecs_world_checksum of 1,000,000 entities with one 32-byte
 *   component (ns per entity; 32 / ns = GB/s), beside a plain sum of the
 *   same bytes;
 * - memory_rss: peak resident memory of a fresh process that creates
 *   1,000,000 entities with Position and Velocity one ecs_set at a time,
 *   against one that fills two arrays; bytes per entity (unit "bytes"). */
#define _POSIX_C_SOURCE 200809L
#include "bench_default.h"

#include "workloads.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
  LOOP_SMALL = 10000,
  LOOP_LARGE = 1000000,
  BULK_N = 100000,
  JOIN_N = 1000000,
  MEMORY_N = 1000000,
  CHECKSUM_N = 1000000
};
enum { MAX_TERMS = 8 };

/* ---- readme_loop ---------------------------------------------------------- */

typedef struct loop_ctx_t {
  int terms;
  ecs_world_t *world;
  ecs_query_t *query;
} loop_ctx_t;

typedef struct loop_base_t {
  int terms;
  Position *cols[MAX_TERMS];
} loop_base_t;

static Position value_of(size_t i, int t) {
  return (Position){(float)i * 0.001f + (float)t, (float)t, 1.0f};
}

static void loop_teardown(void *user, size_t n) {
  loop_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
  c->query = NULL;
}

static int loop_setup(void *user, size_t n) {
  loop_ctx_t *c = user;
  if (!(c->world = ecs_world_new(NULL))) {
    return -1;
  }
  ecs_component_t comp[MAX_TERMS];
  ecs_query_desc_t q = {0};
  int bad = 0;
  for (int t = 0; t < c->terms; ++t) {
    char name[16];
    snprintf(name, sizeof name, "V%d", t);
    comp[t] = ecs_component_register(c->world, &(ecs_component_desc_t){.name = name, .size = sizeof(Position)});
    bad |= comp[t] == ECS_COMPONENT_NULL;
    q.terms[t] = (ecs_term_t){comp[t], t == 0 ? ECS_ACCESS_WRITE : ECS_ACCESS_READ};
  }
  for (size_t i = 0; i < n && !bad; ++i) {
    ecs_entity_t e = ecs_entity_create(c->world);
    for (int t = 0; t < c->terms; ++t) {
      Position v = value_of(i, t);
      bad |= ecs_set(c->world, e, comp[t], &v) != ECS_OK;
    }
  }
  c->query = bad ? NULL : ecs_query_new(c->world, &q);
  return c->query ? 0 : -1;
}

static int loop_run(void *user, size_t n) {
  loop_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    Position *p = ecs_field(&it, 0);
    if (!p) {
      return -1; /* the promise: every READ/WRITE field is an array */
    }
    for (int t = 1; t < c->terms; ++t) {
      const Position *v = ecs_field(&it, t);
      if (!v) {
        return -1;
      }
      for (int32_t i = 0; i < it.count; ++i) {
        p[i].x += v[i].x;
        p[i].y += v[i].y;
        p[i].z += v[i].z;
      }
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

static void loop_base_teardown(void *user, size_t n) {
  loop_base_t *b = user;
  (void)n;
  for (int t = 0; t < MAX_TERMS; ++t) {
    free(b->cols[t]);
    b->cols[t] = NULL;
  }
}

static int loop_base_setup(void *user, size_t n) {
  loop_base_t *b = user;
  for (int t = 0; t < b->terms; ++t) {
    if (!(b->cols[t] = malloc(n * sizeof(Position)))) {
      return -1;
    }
    for (size_t i = 0; i < n; ++i) {
      b->cols[t][i] = value_of(i, t);
    }
  }
  return 0;
}

static int loop_base_run(void *user, size_t n) {
  loop_base_t *b = user;
  Position *p = b->cols[0];
  for (int t = 1; t < b->terms; ++t) {
    const Position *v = b->cols[t];
    for (size_t i = 0; i < n; ++i) {
      p[i].x += v[i].x;
      p[i].y += v[i].y;
      p[i].z += v[i].z;
    }
  }
  bench_do_not_optimize(p);
  return 0;
}

/* ---- bulk_insert_values ----------------------------------------------------- */

typedef struct bulk_values_t {
  Transform *t;
  Position *p;
  Rotation *r;
  Velocity *v;
} bulk_values_t;

typedef struct bulk_ctx_t {
  bulk_values_t in;
  ecs_world_t *world;
  ecs_entity_t *out;
} bulk_ctx_t;

typedef struct bulk_base_t {
  bulk_values_t in;
  bulk_values_t copy;
} bulk_base_t;

static void values_free(bulk_values_t *v) {
  free(v->t);
  free(v->p);
  free(v->r);
  free(v->v);
  *v = (bulk_values_t){0};
}

static int values_fill(bulk_values_t *v, size_t n) {
  v->t = malloc(n * sizeof *v->t);
  v->p = malloc(n * sizeof *v->p);
  v->r = malloc(n * sizeof *v->r);
  v->v = malloc(n * sizeof *v->v);
  if (!v->t || !v->p || !v->r || !v->v) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    float x = (float)i;
    v->t[i] = (Transform){{1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0, x, 0, 0, 1}};
    v->p[i] = (Position){x, 0, 0};
    v->r[i] = (Rotation){0, 0, 0, 1};
    v->v[i] = (Velocity){1, 0, 0};
  }
  return 0;
}

static void bulk_teardown(void *user, size_t n) {
  bulk_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  values_free(&c->in);
  free(c->out);
  *c = (bulk_ctx_t){0};
}

static int bulk_setup(void *user, size_t n) {
  bulk_ctx_t *c = user;
  c->out = malloc(n * sizeof *c->out);
  return c->out ? values_fill(&c->in, n) : -1;
}

static int bulk_reset(void *user, size_t n) {
  bulk_ctx_t *c = user;
  ecs_world_free(c->world);
  c->world = ecs_world_new(&(ecs_world_desc_t){.initial_entities = (uint32_t)n});
  return c->world ? 0 : -1;
}

static int bulk_run(void *user, size_t n) {
  bulk_ctx_t *c = user;
  ecs_world_t *w = c->world;
  ecs_component_t t = ECS_COMPONENT(w, Transform), p = ECS_COMPONENT(w, Position), r = ECS_COMPONENT(w, Rotation),
                  v = ECS_COMPONENT(w, Velocity);
  ecs_bulk_desc_t d = {.count = n, .components = {t, p, r, v}, .values = {c->in.t, c->in.p, c->in.r, c->in.v}};
  if (ecs_bulk_create(w, &d, c->out) != ECS_OK || ecs_entity_count(w) != n) {
    return -1;
  }
  bench_do_not_optimize(c->out);
  return 0;
}

static void bulk_base_teardown(void *user, size_t n) {
  bulk_base_t *b = user;
  (void)n;
  values_free(&b->in);
  values_free(&b->copy);
}

static int bulk_base_setup(void *user, size_t n) {
  return values_fill(&((bulk_base_t *)user)->in, n);
}

static int bulk_base_reset(void *user, size_t n) {
  (void)n;
  values_free(&((bulk_base_t *)user)->copy);
  return 0;
}

static int bulk_base_run(void *user, size_t n) {
  bulk_base_t *b = user;
  b->copy.t = malloc(n * sizeof *b->copy.t);
  b->copy.p = malloc(n * sizeof *b->copy.p);
  b->copy.r = malloc(n * sizeof *b->copy.r);
  b->copy.v = malloc(n * sizeof *b->copy.v);
  if (!b->copy.t || !b->copy.p || !b->copy.r || !b->copy.v) {
    return -1;
  }
  memcpy(b->copy.t, b->in.t, n * sizeof *b->copy.t);
  memcpy(b->copy.p, b->in.p, n * sizeof *b->copy.p);
  memcpy(b->copy.r, b->in.r, n * sizeof *b->copy.r);
  memcpy(b->copy.v, b->in.v, n * sizeof *b->copy.v);
  bench_do_not_optimize(b->copy.t);
  bench_do_not_optimize(b->copy.v);
  return 0;
}

/* ---- join_dense ------------------------------------------------------------- */

typedef struct join_ctx_t {
  bool shuffled;
  ecs_world_t *world;
  ecs_query_t *query;
} join_ctx_t;

static void join_teardown(void *user, size_t n) {
  join_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  c->world = NULL;
  c->query = NULL;
}

static int join_setup(void *user, size_t n) {
  join_ctx_t *c = user;
  c->world = ecs_world_new(&(ecs_world_desc_t){.default_storage = ECS_STORAGE_DENSE});
  ecs_entity_t *ents = malloc(n * sizeof *ents);
  if (!c->world || !ents) {
    free(ents);
    return -1;
  }
  ecs_component_t pos = ECS_COMPONENT(c->world, Position), vel = ECS_COMPONENT(c->world, Velocity);
  int bad = 0;
  for (size_t i = 0; i < n; ++i) {
    ents[i] = ecs_entity_create(c->world);
    bad |= ecs_set(c->world, ents[i], pos, &(Position){(float)i, 0, 0}) != ECS_OK;
  }
  uint64_t state = 12345;
  for (size_t i = n; c->shuffled && i > 1; --i) { /* Fisher-Yates with a fixed LCG */
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    size_t k = (size_t)(state >> 33) % i;
    ecs_entity_t tmp = ents[i - 1];
    ents[i - 1] = ents[k];
    ents[k] = tmp;
  }
  for (size_t i = 0; i < n; ++i) {
    bad |= ecs_set(c->world, ents[i], vel, &(Velocity){0.001f, 0.002f, 0.003f}) != ECS_OK;
  }
  free(ents);
  c->query = ecs_query_new(c->world, &(ecs_query_desc_t){.terms = {{pos, ECS_ACCESS_WRITE}, {vel, ECS_ACCESS_READ}}});
  return bad || !c->query ? -1 : 0;
}

/* The loop a host writes for a query that may mix storages: arrays where
 * the chunk has them, ecs_field_at() otherwise. */
static int join_run(void *user, size_t n) {
  join_ctx_t *c = user;
  size_t rows = 0;
  ecs_iter_t it = ecs_query_iter(c->query);
  while (ecs_iter_next(&it)) {
    Position *p = ecs_field(&it, 0);
    const Velocity *v = ecs_field(&it, 1);
    if (p && v) {
      for (int32_t i = 0; i < it.count; ++i) {
        p[i].x += v[i].x;
        p[i].y += v[i].y;
        p[i].z += v[i].z;
      }
    } else {
      for (int32_t i = 0; i < it.count; ++i) {
        Position *pi = ecs_field_at(&it, 0, i);
        const Velocity *vi = ecs_field_at(&it, 1, i);
        pi->x += vi->x;
        pi->y += vi->y;
        pi->z += vi->z;
      }
    }
    rows += (size_t)it.count;
  }
  return rows == n ? 0 : -1;
}

/* ---- checksum --------------------------------------------------------------- */

typedef struct Blob32 {
  uint64_t w[4];
} Blob32;

typedef struct checksum_ctx_t {
  ecs_world_t *world;
  Blob32 *raw; /* baseline */
} checksum_ctx_t;

static Blob32 blob_of(size_t i) {
  return (Blob32){{i, i * 3, ~(uint64_t)i, i ^ 0x5555}};
}

static void checksum_teardown(void *user, size_t n) {
  checksum_ctx_t *c = user;
  (void)n;
  ecs_world_free(c->world);
  free(c->raw);
  *c = (checksum_ctx_t){0};
}

static int checksum_setup(void *user, size_t n) {
  checksum_ctx_t *c = user;
  Blob32 *values = malloc(n * sizeof *values);
  c->world = ecs_world_new(NULL);
  if (!values || !c->world) {
    free(values);
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    values[i] = blob_of(i);
  }
  ecs_component_t blob = ECS_COMPONENT(c->world, Blob32);
  int st = ecs_bulk_create(c->world, &(ecs_bulk_desc_t){.count = n, .components = {blob}, .values = {values}}, NULL);
  free(values);
  return st == ECS_OK ? 0 : -1;
}

static int checksum_run(void *user, size_t n) {
  (void)n;
  uint64_t h = ecs_world_checksum(((checksum_ctx_t *)user)->world);
  bench_sink(h);
  return h ? 0 : -1;
}

static int checksum_base_setup(void *user, size_t n) {
  checksum_ctx_t *c = user;
  if (!(c->raw = malloc(n * sizeof *c->raw))) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    c->raw[i] = blob_of(i);
  }
  return 0;
}

/* reading the bytes once: what any digest must at least do */
static int checksum_base_run(void *user, size_t n) {
  const Blob32 *v = ((checksum_ctx_t *)user)->raw;
  uint64_t sum = 0;
  for (size_t i = 0; i < n; ++i) {
    sum += v[i].w[0] ^ v[i].w[1] ^ v[i].w[2] ^ v[i].w[3];
  }
  bench_sink(sum);
  return 0;
}

/* ---- memory_rss ------------------------------------------------------------- */

/* In a fresh process (this program run again with --memory-child), so that
 * nothing this one allocated before counts. */

static int memory_run(void *user, size_t n) {
  bench_memory_ctx_t *c = user;
  int fds[2];
  if (pipe(fds) != 0) {
    return -1;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fds[0]);
    close(fds[1]);
    return -1;
  }
  if (pid == 0) {
    char count[32];
    snprintf(count, sizeof count, "%zu", n);
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execl("/proc/self/exe", "ecs_bench", "--memory-child", c->what, count, (char *)NULL);
    _exit(127);
  }
  close(fds[1]);
  char buf[64] = {0};
  ssize_t got = read(fds[0], buf, sizeof buf - 1);
  close(fds[0]);
  int status = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 || got <= 0) {
    return -1;
  }
  c->peak_bytes = strtod(buf, NULL) * 1024.0;
  return c->peak_bytes > 0 ? 0 : -1;
}

static double memory_quantity(void *user, size_t n) {
  (void)n;
  return ((bench_memory_ctx_t *)user)->peak_bytes;
}

/* The peak resident set of this process image in KiB: VmHWM belongs to
 * the address space exec made, whereas getrusage's ru_maxrss keeps the
 * peak of the image before exec (the forking parent's). */
static long peak_rss_kib(void) {
  long kib = -1;
  FILE *f = fopen("/proc/self/status", "r");
  char line[128];
  while (f && kib < 0 && fgets(line, sizeof line, f)) {
    if (strncmp(line, "VmHWM:", 6) == 0) {
      kib = strtol(line + 6, NULL, 10);
    }
  }
  if (f) {
    fclose(f);
  }
  struct rusage ru;
  if (kib < 0 && getrusage(RUSAGE_SELF, &ru) == 0) {
    kib = ru.ru_maxrss;
  }
  return kib;
}

static ecs_status_t drop_write(void *user, const void *data, size_t size) {
  (void)user;
  (void)data;
  (void)size;
  return ECS_OK;
}

bench_fns_t bench_memory_fns(void) {
  return (bench_fns_t){.run = memory_run, .quantity = memory_quantity};
}

int bench_memory_child(int argc, char **argv) {
  if (argc != 4) {
    return 2;
  }
  size_t n = strtoul(argv[3], NULL, 10);
  bool snapshot = strcmp(argv[2], "ecs+snapshot") == 0; /* then saved to a writer that drops the bytes */
  bool load = strcmp(argv[2], "ecs+load") == 0;         /* then saved to a file and loaded back from it */
  if (snapshot || load || strcmp(argv[2], "ecs") == 0) {
    ecs_world_t *w = ecs_world_new(NULL);
    if (!w) {
      return 1;
    }
    ecs_component_t pos = ECS_COMPONENT(w, Position), vel = ECS_COMPONENT(w, Velocity);
    for (size_t i = 0; i < n; ++i) {
      ecs_entity_t e = ecs_entity_create(w);
      if (ecs_set(w, e, pos, &(Position){(float)i, 0, 0}) != ECS_OK ||
          ecs_set(w, e, vel, &(Velocity){1, 0, 0}) != ECS_OK) {
        return 1;
      }
    }
    if (snapshot && ecs_snapshot_save(w, &(ecs_writer_t){drop_write, NULL}) != ECS_OK) {
      return 1;
    }
    if (load) { /* the save streams: the file's pages are the kernel's, not this process's */
      FILE *f = tmpfile();
      ecs_writer_t out = ecs_file_writer(f);
      ecs_reader_t in = ecs_file_reader(f);
      if (!f || ecs_snapshot_save(w, &out) != ECS_OK || fflush(f) != 0 || fseek(f, 0, SEEK_SET) != 0 ||
          ecs_snapshot_load(w, &in) != ECS_OK || ecs_entity_count(w) != n) {
        return 1;
      }
      fclose(f);
    }
  } else {
    Position *p = malloc(n * sizeof *p);
    Velocity *v = malloc(n * sizeof *v);
    if (!p || !v) {
      return 1;
    }
    for (size_t i = 0; i < n; ++i) {
      p[i] = (Position){(float)i, 0, 0};
      v[i] = (Velocity){1, 0, 0};
    }
    bench_do_not_optimize(p);
    bench_do_not_optimize(v);
  }
  printf("%ld\n", peak_rss_kib());
  return 0;
}

/* ---- registration ----------------------------------------------------------- */

struct default_suite_t {
  loop_ctx_t loop[3][2];
  loop_base_t loop_base[3][2];
  bulk_ctx_t bulk;
  bulk_base_t bulk_base;
  join_ctx_t join[2];
  loop_base_t join_base[2];
  bench_memory_ctx_t memory, memory_base;
  checksum_ctx_t checksum, checksum_base;
};

default_suite_t *bench_default_new(void) {
  return calloc(1, sizeof(default_suite_t));
}

void bench_default_free(default_suite_t *s) {
  free(s);
}

static int add(bench_t *b, const char *workload, const char *storage, size_t n, const bench_fns_t *fns, void *user,
               const bench_fns_t *base, void *base_user, const char *unit) {
  bench_case_desc_t d = {.workload = workload,
                         .storage = storage,
                         .threads = 1,
                         .n = n,
                         .fns = *fns,
                         .user = user,
                         .baseline = *base,
                         .baseline_user = base_user,
                         .unit = unit};
  return bench_add(b, &d);
}

int bench_default_register(bench_t *b, default_suite_t *s) {
  static const bench_fns_t loop_fns = {.setup = loop_setup, .run = loop_run, .teardown = loop_teardown};
  static const bench_fns_t loop_base_fns = {
      .setup = loop_base_setup, .run = loop_base_run, .teardown = loop_base_teardown};
  static const bench_fns_t bulk_fns = {
      .setup = bulk_setup, .reset = bulk_reset, .run = bulk_run, .teardown = bulk_teardown};
  static const bench_fns_t bulk_base_fns = {
      .setup = bulk_base_setup, .reset = bulk_base_reset, .run = bulk_base_run, .teardown = bulk_base_teardown};
  static const bench_fns_t join_fns = {.setup = join_setup, .run = join_run, .teardown = join_teardown};
  static const char *const loop_names[3] = {"readme_loop_2", "readme_loop_4", "readme_loop_8"};
  static const int loop_terms[3] = {2, 4, 8};
  static const size_t loop_sizes[2] = {LOOP_SMALL, LOOP_LARGE};
  int bad = 0;
  for (int k = 0; k < 3; ++k) {
    for (int z = 0; z < 2; ++z) {
      s->loop[k][z].terms = loop_terms[k];
      s->loop_base[k][z].terms = loop_terms[k];
      bad |= add(b, loop_names[k], "default", loop_sizes[z], &loop_fns, &s->loop[k][z], &loop_base_fns,
                 &s->loop_base[k][z], NULL);
    }
  }
  bad |= add(b, "bulk_insert_values", "default", BULK_N, &bulk_fns, &s->bulk, &bulk_base_fns, &s->bulk_base, NULL);
  s->join[1].shuffled = true;
  for (int k = 0; k < 2; ++k) {
    s->join_base[k].terms = 2;
    bad |= add(b, k ? "join_dense_lookup" : "join_dense", "dense", JOIN_N, &join_fns, &s->join[k], &loop_base_fns,
               &s->join_base[k], NULL);
  }
  static const bench_fns_t checksum_fns = {.setup = checksum_setup, .run = checksum_run, .teardown = checksum_teardown};
  static const bench_fns_t checksum_base_fns = {
      .setup = checksum_base_setup, .run = checksum_base_run, .teardown = checksum_teardown};
  bad |= add(b, "checksum", "default", CHECKSUM_N, &checksum_fns, &s->checksum, &checksum_base_fns, &s->checksum_base,
             NULL);
  s->memory.what = "ecs";
  s->memory_base.what = "raw";
  bench_fns_t memory_fns = bench_memory_fns();
  bad |= add(b, "memory_rss", "default", MEMORY_N, &memory_fns, &s->memory, &memory_fns, &s->memory_base, "bytes");
  return bad ? -1 : 0;
}
