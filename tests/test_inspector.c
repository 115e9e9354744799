#define _POSIX_C_SOURCE 200809L
/* The inspector (inspector.h) in-process: the server runs in this thread's
 * ecs_inspector_poll() between ticks while client threads talk to it over
 * plain sockets on 127.0.0.1: good requests, bad ones (malformed JSON,
 * unknown entity or component, wrong type, huge bodies, wrong token or
 * Host, bad methods, garbage), many clients at once; the world intact. */
#include <ecs.h>
#include <ecs/inspector.h>
#include <ecs/json.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct Pos {
  float x, y;
} Pos;

typedef struct Health {
  int32_t hp;
  bool alive;
} Health;

static const ecs_meta_field_t pos_fields[] = {ECS_META_AUTO(Pos, x), ECS_META_AUTO(Pos, y)};
static const ecs_meta_field_t health_fields[] = {ECS_META_AUTO(Health, hp), ECS_META_AUTO(Health, alive)};

static ecs_status_t move(ecs_system_ctx_t *ctx) {
  (void)ctx;
  return ECS_OK;
}

typedef struct fixture_t {
  ecs_world_t *w;
  ecs_scheduler_t *s;
  ecs_component_t pos, health;
  ecs_entity_t e[8];
} fixture_t;

static void fixture_init(fixture_t *f) {
  f->w = ecs_world_new(NULL);
  f->pos = ecs_component_register_type(f->w, "Pos", sizeof(Pos), ECS_ALIGNOF(Pos));
  f->health = ecs_component_register_type(f->w, "Health", sizeof(Health), ECS_ALIGNOF(Health));
  assert_int_equal(ecs_meta_set(f->w, f->pos, &(ecs_meta_type_t){.fields = pos_fields, .field_count = 2}), ECS_OK);
  assert_int_equal(ecs_meta_set(f->w, f->health, &(ecs_meta_type_t){.fields = health_fields, .field_count = 2}),
                   ECS_OK);
  assert_int_equal(ecs_entity_create_n(f->w, 8, f->e), ECS_OK);
  for (int i = 0; i < 8; ++i) {
    Pos p = {(float)i, 1.0f};
    assert_int_equal(ecs_set(f->w, f->e[i], f->pos, &p), ECS_OK);
    if (i % 2 == 0) {
      Health h = {100, true};
      assert_int_equal(ecs_set(f->w, f->e[i], f->health, &h), ECS_OK);
    }
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(f->w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "sim"});
  assert_int_equal(
      ecs_builder_add_system(
          b, g,
          &(ecs_system_desc_t){.name = "sim.move", .query = {.terms = {{f->pos, ECS_ACCESS_READ}}}, .callback = move}),
      ECS_OK);
  assert_int_equal(ecs_scheduler_build(b, &f->s), ECS_OK);
}

static void fixture_fini(fixture_t *f) {
  ecs_scheduler_free(f->s);
  ecs_world_free(f->w);
}

/* ---- a small HTTP client on plain sockets ---- */

typedef struct reply_t {
  int status; /* 0: no answer */
  char body[16384];
} reply_t;

/* Sends @p raw (a whole request) and reads the answer until the server
 * closes; status 0 when it could not connect or no status line came. */
static void http_raw(uint16_t port, const char *raw, size_t len, reply_t *out) {
  memset(out, 0, sizeof *out);
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  struct timeval tv = {10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons(port)};
  inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
  if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
    close(fd);
    return;
  }
  size_t sent = 0;
  while (sent < len) {
    ssize_t n = send(fd, raw + sent, len - sent, MSG_NOSIGNAL);
    if (n <= 0) {
      break; /* the server may answer (413) and close before the body is sent */
    }
    sent += (size_t)n;
  }
  char buf[sizeof out->body + 4096];
  size_t got = 0;
  for (;;) {
    ssize_t n = recv(fd, buf + got, sizeof buf - 1 - got, 0);
    if (n <= 0) {
      break;
    }
    got += (size_t)n;
    if (got == sizeof buf - 1) {
      break;
    }
  }
  buf[got] = '\0';
  close(fd);
  if (sscanf(buf, "HTTP/1.%*d %d", &out->status) != 1) {
    out->status = 0;
  }
  const char *body = strstr(buf, "\r\n\r\n");
  if (body) {
    snprintf(out->body, sizeof out->body, "%s", body + 4);
  }
}

static void http(uint16_t port, const char *method, const char *path, const char *extra_headers, const char *body,
                 reply_t *out) {
  size_t blen = body ? strlen(body) : 0;
  size_t cap = blen + 1024;
  char *req = malloc(cap);
  int n =
      snprintf(req, cap, "%s %s HTTP/1.1\r\nHost: 127.0.0.1:%u\r\nConnection: close\r\n%sContent-Length: %zu\r\n\r\n",
               method, path, port, extra_headers ? extra_headers : "", blen);
  memcpy(req + n, body ? body : "", blen);
  http_raw(port, req, (size_t)n + blen, out);
  free(req);
}

/* ---- running the server while clients talk to it ---- */

typedef struct job_t {
  uint16_t port;
  void (*run)(struct job_t *job);
  volatile int done;
  int failures;
  char why[512];
  void *user;
} job_t;

static void *job_main(void *arg) {
  job_t *j = arg;
  j->run(j);
  __atomic_store_n(&j->done, 1, __ATOMIC_SEQ_CST);
  return NULL;
}

/* Polls @p insp (and ticks @p s between polls, as a host does) until every
 * job is done; fails after 60 s. */
static void serve_until_done(ecs_inspector_t *insp, ecs_scheduler_t *s, job_t *jobs, int n) {
  pthread_t t[64];
  for (int i = 0; i < n; ++i) {
    jobs[i].port = ecs_inspector_port(insp);
    assert_int_equal(pthread_create(&t[i], NULL, job_main, &jobs[i]), 0);
  }
  time_t start = time(NULL);
  for (;;) {
    int done = 0;
    for (int i = 0; i < n; ++i) {
      done += __atomic_load_n(&jobs[i].done, __ATOMIC_SEQ_CST);
    }
    if (done == n) {
      break;
    }
    assert_true(time(NULL) - start < 60);
    if (s) {
      ecs_tick_result_t r;
      assert_int_equal(ecs_scheduler_tick(s, 1.0 / 60.0, &r), ECS_OK);
      ecs_inspector_record_tick(insp, &r);
    }
    assert_int_equal(ecs_inspector_poll(insp, 5), ECS_OK);
  }
  for (int i = 0; i < n; ++i) {
    pthread_join(t[i], NULL);
  }
}

#define EXPECT(job, cond, ...)                                                                                         \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      (job)->failures++;                                                                                               \
      snprintf((job)->why, sizeof(job)->why, __VA_ARGS__);                                                             \
      return;                                                                                                          \
    }                                                                                                                  \
  } while (0)

typedef struct probe_t {
  const char *method, *path, *headers, *body;
  int status;
  const char *contains; /* in the body */
} probe_t;

static void run_probes(job_t *j) {
  const probe_t *p = j->user;
  for (; p->method; ++p) {
    reply_t r;
    http(j->port, p->method, p->path, p->headers, p->body, &r);
    EXPECT(j, r.status == p->status && (!p->contains || strstr(r.body, p->contains)), "%s %s: %d '%.150s'", p->method,
           p->path, r.status, r.body);
  }
}

#define JSON_TYPE "Content-Type: application/json\r\n"

static void test_api_reads_and_bad_requests(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_inspector_t *insp;
  assert_int_equal(
      ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.allow_writes = true, .scheduler = f.s, .sample_every = 1}, &insp),
      ECS_OK);
  assert_int_not_equal(ecs_inspector_port(insp), 0);
  char e2[32], e2_pos[64], dead[32];
  snprintf(e2, sizeof e2, "/api/entities/%uv%u", ECS_ENTITY_INDEX(f.e[2]), ECS_ENTITY_GENERATION(f.e[2]));
  snprintf(e2_pos, sizeof e2_pos, "%s/components/Pos", e2);
  snprintf(dead, sizeof dead, "/api/entities/%uv%u", ECS_ENTITY_INDEX(f.e[2]), ECS_ENTITY_GENERATION(f.e[2]) + 1);
  char e2_health[64];
  snprintf(e2_health, sizeof e2_health, "%s/components/Health", e2);
  probe_t probes[] = {
      {"GET", "/", NULL, NULL, 200, "libecs inspector"},
      {"GET", "/api/world", NULL, NULL, 200, "\"entities\":8,"},
      {"GET", "/api/schema", NULL, NULL, 200, "\"name\":\"hp\",\"kind\":\"i32\""},
      {"GET", "/api/entities?limit=3", NULL, NULL, 200, "\"total\":8,\"offset\":0,\"limit\":3"},
      {"GET", "/api/entities?q=health", NULL, NULL, 200, "\"total\":4,"},
      {"GET", "/api/entities?q=3v0", NULL, NULL, 200,
       "\"label\":\"3v0\",\"name\":null,\"parent\":null,\"components\":[\"Pos\",\"Health\"]}\n],\"total\":1,"},
      {"GET", "/api/entities?q=nothing", NULL, NULL, 200, "{\"entities\":[\n],\"total\":0,"},
      {"GET", "/api/entities?limit=2&offset=1", NULL, NULL, 200, "\"name\":null,\"parent\":null"},
      {"GET", "/api/entities?limit=abc", NULL, NULL, 400, "whole numbers"},
      {"GET", "/api/entities?offset=-1", NULL, NULL, 400, "whole numbers"},
      {"GET", e2, NULL, NULL, 200, "\"Pos\":{\"x\":2,\"y\":1},\"Health\":{\"hp\":100,\"alive\":true}"},
      {"GET", dead, NULL, NULL, 404, "no such entity"},
      {"GET", "/api/entities/999999v0", NULL, NULL, 404, "no such entity"},
      {"GET", "/api/entities/zz", NULL, NULL, 400, "bad entity id"},
      {"GET", "/api/entities/1v", NULL, NULL, 400, "bad entity id"},
      {"GET", "/api/schedule", NULL, NULL, 200, "\"name\":\"sim.move\""},
      {"GET", "/api/metrics", NULL, NULL, 200, "\"groups\":[\"sim\"]"},
      {"GET", "/metrics", NULL, NULL, 200, NULL}, /* 501 where metrics are compiled out: see below */
      {"GET", "/api/nothing", NULL, NULL, 404, "no such endpoint"},
      {"GET", "/elsewhere", NULL, NULL, 404, "no such page"},
      {"DELETE", e2, NULL, NULL, 405, "method not allowed"},
      {"GET", e2_pos, NULL, NULL, 405, "use PUT"},
      /* edits: bad ones first, each refused with its reason */
      {"PUT", e2_pos, JSON_TYPE, "{\"x\":", 400, "malformed JSON"},
      {"PUT", e2_pos, JSON_TYPE, "{\"x\":\"fast\"}", 400, "\"error\":\"Pos.x: expected a number, got a string\""},
      {"PUT", e2_pos, JSON_TYPE, "{\"z\":1}", 400, "\"path\":\"Pos.z\""},
      {"PUT", e2_pos, JSON_TYPE, "[1,2]", 400, "expected an object"},
      {"PUT", e2_health, JSON_TYPE, "{\"hp\":1e3}", 400, "expected an integer"},
      {"PUT", e2_health, JSON_TYPE, "{\"alive\":\"yes\"}", 400, "expected a boolean"},
      {"PUT", "/api/entities/1v0/components/Nope", JSON_TYPE, "{}", 404, "no such component"},
      {"PUT", "/api/entities/999v0/components/Pos", JSON_TYPE, "{}", 404, "no such entity"},
      {"PUT", e2_pos, "Content-Type: text/plain\r\n", "{\"x\":1}", 415, "application/json"},
      {"PUT", e2_pos, NULL, "{\"x\":1}", 415, "application/json"},
      {NULL, NULL, NULL, NULL, 0, NULL},
  };
  /* a libecs built with ECS_PROFILE=OFF has no metrics: a clear 501 */
  ecs_membuf_t prom = {0};
  ecs_writer_t prom_out = ecs_membuf_writer(&prom);
  bool have_metrics = ecs_metrics_write_prometheus(f.w, &prom_out) == ECS_OK;
  ecs_membuf_free(&prom);
  for (size_t i = 0; probes[i].method; ++i) {
    if (!have_metrics && strcmp(probes[i].path, "/metrics") == 0) {
      probes[i].status = 501;
      probes[i].contains = "compiled out";
    }
  }
  uint64_t before = ecs_world_checksum(f.w);
  job_t job = {.run = run_probes, .user = (void *)probes};
  serve_until_done(insp, f.s, &job, 1);
  if (job.failures) {
    fail_msg("%s", job.why);
  }
  assert_int_equal(ecs_world_checksum(f.w), before); /* every edit was refused */

  /* a good edit, applied between ticks, answered with the new value */
  const probe_t good[] = {
      {"PUT", e2_pos, JSON_TYPE, "{\"x\":42.5}", 200, "\"Pos\":{\"x\":42.5,\"y\":1}"},
      {"POST", e2_health, JSON_TYPE "Authorization: Bearer ignored\r\n", "{\"hp\":7}", 200, "\"hp\":7,\"alive\":true"},
      {NULL, NULL, NULL, NULL, 0, NULL},
  };
  job_t job2 = {.run = run_probes, .user = (void *)good};
  serve_until_done(insp, f.s, &job2, 1);
  if (job2.failures) {
    fail_msg("%s", job2.why);
  }
  assert_true(((const Pos *)ecs_get(f.w, f.e[2], f.pos))->x == 42.5f);
  assert_int_equal(((const Health *)ecs_get(f.w, f.e[2], f.health))->hp, 7);
  uint64_t counts[3];
  ecs_inspector_counts(insp, counts);
  assert_true(counts[0] >= 10 && counts[1] >= 20);
  assert_int_equal(counts[2], have_metrics ? 0 : 1); /* the 501 */
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

/* Entity names and parents (hierarchy.h) show in the list, and a search
 * finds an entity by its name. */
static void test_api_names_and_parents(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  assert_int_equal(ecs_set_name(f.w, f.e[0], "ship"), ECS_OK);
  assert_int_equal(ecs_set_name(f.w, f.e[1], "turret_2"), ECS_OK);
  assert_int_equal(ecs_set_parent(f.w, f.e[1], f.e[0]), ECS_OK);
  assert_int_equal(ecs_set_parent(f.w, f.e[2], f.e[0]), ECS_OK);
  ecs_inspector_t *insp;
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.scheduler = f.s}, &insp), ECS_OK);
  const probe_t probes[] = {
      {"GET", "/api/entities?q=turret", NULL, NULL, 200, "\"name\":\"turret_2\",\"parent\":\"ship\""},
      {"GET", "/api/entities?q=turret", NULL, NULL, 200, "\"total\":1,"},
      {"GET", "/api/entities?q=ship", NULL, NULL, 200, "\"name\":\"ship\",\"parent\":null"},
      {"GET", "/api/entities?limit=8", NULL, NULL, 200, "\"name\":null,\"parent\":\"ship\""},
      {NULL, NULL, NULL, NULL, 0, NULL},
  };
  job_t job = {.run = run_probes, .user = (void *)probes};
  serve_until_done(insp, f.s, &job, 1);
  if (job.failures) {
    fail_msg("%s", job.why);
  }
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

static void run_huge(job_t *j) {
  char path[64];
  snprintf(path, sizeof path, "/api/entities/1v0/components/Pos");
  /* announced too large: refused before the body is read */
  char head[256];
  int n = snprintf(head, sizeof head,
                   "PUT %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
                   "Content-Length: 100000000\r\n\r\n{\"x\":",
                   path);
  reply_t r;
  http_raw(j->port, head, (size_t)n, &r);
  EXPECT(j, r.status == 413, "announced huge body: %d %.150s", r.status, r.body);
  /* sent, a little over the limit */
  size_t big = 5000;
  char *body = malloc(big + 1);
  memset(body, ' ', big);
  body[0] = '{';
  body[big - 1] = '}';
  body[big] = '\0';
  http(j->port, "PUT", path, JSON_TYPE, body, &r);
  free(body);
  EXPECT(j, r.status == 413, "big body: %d %.150s", r.status, r.body);
  /* chunked, no length given: counted as it comes */
  char chunked[8192];
  n = snprintf(chunked, sizeof chunked,
               "PUT %s HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\nContent-Type: application/json\r\n"
               "Transfer-Encoding: chunked\r\n\r\n",
               path);
  for (int k = 0; k < 6; ++k) {
    n += snprintf(chunked + n, sizeof chunked - (size_t)n, "400\r\n");
    memset(chunked + n, ' ', 0x400);
    n += 0x400;
    n += snprintf(chunked + n, sizeof chunked - (size_t)n, "\r\n");
  }
  n += snprintf(chunked + n, sizeof chunked - (size_t)n, "0\r\n\r\n");
  http_raw(j->port, chunked, (size_t)n, &r);
  EXPECT(j, r.status == 413, "chunked body: %d %.150s", r.status, r.body);
  /* huge header block: refused by the server's memory limit */
  size_t hsize = 70000;
  char *hdr = malloc(hsize + 256);
  n = snprintf(hdr, 256, "GET /api/world HTTP/1.1\r\nHost: localhost\r\nX-Pad: ");
  memset(hdr + n, 'a', hsize);
  n += (int)hsize;
  n += snprintf(hdr + n, 64, "\r\n\r\n");
  http_raw(j->port, hdr, (size_t)n, &r);
  free(hdr);
  EXPECT(j, r.status == 431 || r.status == 413 || r.status == 0, "huge headers: %d", r.status);
  /* garbage */
  http_raw(j->port, "HELLO\r\n\r\n", 9, &r);
  EXPECT(j, r.status == 400 || r.status == 0, "garbage: %d", r.status);
  http_raw(j->port, "\x01\x02\x03\xff\r\n\r\n", 8, &r);
  EXPECT(j, r.status == 400 || r.status == 0, "binary garbage: %d", r.status);
  /* and the server still answers */
  http(j->port, "GET", "/api/world", NULL, NULL, &r);
  EXPECT(j, r.status == 200, "after the bad requests: %d", r.status);
}

static void test_huge_and_garbage_requests(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_inspector_t *insp;
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.allow_writes = true, .max_body = 4096}, &insp),
                   ECS_OK);
  uint64_t before = ecs_world_checksum(f.w);
  job_t job = {.run = run_huge};
  serve_until_done(insp, f.s, &job, 1);
  if (job.failures) {
    fail_msg("%s", job.why);
  }
  assert_int_equal(ecs_world_checksum(f.w), before);
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

static void test_read_only_token_and_host(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_inspector_t *insp;
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.token = "s3cret"}, &insp), ECS_OK);
  const probe_t probes[] = {
      {"GET", "/", NULL, NULL, 200, "<script>"}, /* the page needs no token: it holds no data */
      {"GET", "/api/world", NULL, NULL, 401, "bearer token"},
      {"GET", "/api/world", "Authorization: Bearer wrong\r\n", NULL, 401, NULL},
      {"GET", "/api/world", "Authorization: Bearer s3cre\r\n", NULL, 401, NULL},
      {"GET", "/api/world", "Authorization: Bearer s3cret-and-more\r\n", NULL, 401, NULL},
      {"GET", "/metrics", NULL, NULL, 401, NULL},
      {"GET", "/api/world", "Authorization: Bearer s3cret\r\n", NULL, 200, "\"writes\":false"},
      {"PUT", "/api/entities/1v0/components/Pos", "Authorization: Bearer s3cret\r\n" JSON_TYPE, "{\"x\":1}", 403,
       "read-only"},
      {NULL, NULL, NULL, NULL, 0, NULL},
  };
  job_t job = {.run = run_probes, .user = (void *)probes};
  uint64_t before = ecs_world_checksum(f.w);
  serve_until_done(insp, NULL, &job, 1);
  if (job.failures) {
    fail_msg("%s", job.why);
  }
  assert_int_equal(ecs_world_checksum(f.w), before);
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

static void run_rebind(job_t *j) {
  const char *rebind = "GET /api/world HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n";
  reply_t r;
  http_raw(j->port, rebind, strlen(rebind), &r);
  EXPECT(j, r.status == 403 && strstr(r.body, "Host header"), "rebinding: %d %.150s", r.status, r.body);
  const char *nohost = "GET /api/world HTTP/1.0\r\n\r\n";
  http_raw(j->port, nohost, strlen(nohost), &r);
  EXPECT(j, r.status == 403, "no Host: %d %.150s", r.status, r.body);
  const char *local = "GET /api/world HTTP/1.1\r\nHost: localhost:1\r\nConnection: close\r\n\r\n";
  http_raw(j->port, local, strlen(local), &r);
  EXPECT(j, r.status == 200, "localhost: %d %.150s", r.status, r.body);
}

static void test_host_header_checked(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_inspector_t *insp;
  assert_int_equal(ecs_inspector_new(f.w, NULL, &insp), ECS_OK);
  job_t job = {.run = run_rebind};
  serve_until_done(insp, NULL, &job, 1);
  if (job.failures) {
    fail_msg("%s", job.why);
  }
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

static void run_many(job_t *j) {
  char path[96];
  const ecs_entity_t *e = j->user;
  for (int k = 0; k < 15; ++k) {
    reply_t r;
    switch (k % 3) {
    case 0:
      http(j->port, "GET", "/api/entities?limit=8", NULL, NULL, &r);
      EXPECT(j, r.status == 200 && strstr(r.body, "\"total\":8"), "list: %d", r.status);
      break;
    case 1:
      snprintf(path, sizeof path, "/api/entities/%uv%u", ECS_ENTITY_INDEX(*e), ECS_ENTITY_GENERATION(*e));
      http(j->port, "GET", path, NULL, NULL, &r);
      EXPECT(j, r.status == 200, "entity: %d", r.status);
      break;
    default:
      snprintf(path, sizeof path, "/api/entities/%uv%u/components/Pos", ECS_ENTITY_INDEX(*e),
               ECS_ENTITY_GENERATION(*e));
      http(j->port, "PUT", path, JSON_TYPE, "{\"y\":\"bad\"}", &r);
      EXPECT(j, r.status == 400, "bad edit: %d", r.status);
      break;
    }
  }
}

static void test_many_concurrent_clients(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_inspector_t *insp;
  assert_int_equal(
      ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.allow_writes = true, .scheduler = f.s, .max_connections = 64},
                        &insp),
      ECS_OK);
  uint64_t before = ecs_world_checksum(f.w);
  enum { CLIENTS = 32 };
  job_t jobs[CLIENTS];
  memset(jobs, 0, sizeof jobs);
  for (int i = 0; i < CLIENTS; ++i) {
    jobs[i].run = run_many;
    jobs[i].user = &f.e[i % 8];
  }
  serve_until_done(insp, f.s, jobs, CLIENTS);
  for (int i = 0; i < CLIENTS; ++i) {
    if (jobs[i].failures) {
      fail_msg("client %d: %s", i, jobs[i].why);
    }
  }
  assert_int_equal(ecs_world_checksum(f.w), before);
  uint64_t counts[3];
  ecs_inspector_counts(insp, counts);
  assert_int_equal(counts[0], CLIENTS * 10);
  assert_int_equal(counts[1], CLIENTS * 5);
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

static void test_page_from_a_file(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  char path[] = "/tmp/ecs_inspector_pageXXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *html = "<html>a page being worked on</html>";
  assert_int_equal(write(fd, html, strlen(html)), (ssize_t)strlen(html));
  close(fd);
  ecs_inspector_t *insp;
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.page_path = path}, &insp), ECS_OK);
  const probe_t probes[] = {
      {"GET", "/index.html", NULL, NULL, 200, "a page being worked on"},
      {"PUT", "/", JSON_TYPE, "{}", 405, "method not allowed"},
      {NULL, NULL, NULL, NULL, 0, NULL},
  };
  job_t job = {.run = run_probes, .user = (void *)probes};
  serve_until_done(insp, NULL, &job, 1);
  if (job.failures) {
    fail_msg("%s", job.why);
  }
  ecs_inspector_free(insp);
  unlink(path);
  /* the file gone: a clear 500, the server still up */
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.page_path = path}, &insp), ECS_OK);
  const probe_t gone[] = {
      {"GET", "/", NULL, NULL, 500, "cannot open the page file"},
      {"GET", "/api/world", NULL, NULL, 200, NULL},
      {NULL, NULL, NULL, NULL, 0, NULL},
  };
  job_t job2 = {.run = run_probes, .user = (void *)gone};
  serve_until_done(insp, NULL, &job2, 1);
  if (job2.failures) {
    fail_msg("%s", job2.why);
  }
  ecs_inspector_free(insp);
  fixture_fini(&f);
}

static void test_new_errors_and_recording(void **state) {
  (void)state;
  fixture_t f;
  fixture_init(&f);
  ecs_inspector_t *insp = (ecs_inspector_t *)1;
  assert_int_equal(ecs_inspector_new(NULL, NULL, &insp), ECS_ERR_INVALID_ARGUMENT);
  assert_null(insp);
  assert_int_equal(ecs_inspector_new(f.w, NULL, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.bind_address = "not an address"}, &insp),
                   ECS_ERR_INVALID_ARGUMENT);
  ecs_inspector_t *a;
  assert_int_equal(ecs_inspector_new(f.w, NULL, &a), ECS_OK);
  ecs_inspector_t *b = NULL;
  assert_int_equal(ecs_inspector_new(f.w, &(ecs_inspector_desc_t){.port = ecs_inspector_port(a)}, &b), ECS_ERR_IO);
  assert_null(b);
  assert_int_equal(ecs_inspector_poll(NULL, 0), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_inspector_port(NULL), 0);
  ecs_inspector_record_tick(NULL, NULL);
  ecs_inspector_record_tick(a, NULL);
  /* more ticks than the ring holds, and a scheduler attached later */
  ecs_inspector_set_scheduler(a, f.s);
  for (int i = 0; i < 300; ++i) {
    ecs_tick_result_t r;
    assert_int_equal(ecs_scheduler_tick(f.s, 1.0 / 60.0, &r), ECS_OK);
    ecs_inspector_record_tick(a, &r);
  }
  ecs_inspector_set_scheduler(a, NULL);
  ecs_inspector_free(a);
  ecs_inspector_free(NULL);
  fixture_fini(&f);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_api_reads_and_bad_requests), cmocka_unit_test(test_api_names_and_parents),
      cmocka_unit_test(test_huge_and_garbage_requests),  cmocka_unit_test(test_read_only_token_and_host),
      cmocka_unit_test(test_host_header_checked),        cmocka_unit_test(test_many_concurrent_clients),
      cmocka_unit_test(test_new_errors_and_recording),   cmocka_unit_test(test_page_from_a_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
