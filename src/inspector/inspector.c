/* The inspector's server: libmicrohttpd without a thread of its own (the
 * host's ecs_inspector_poll() runs it), the checks every request passes
 * (Host, token, sizes, methods) and the routes. The JSON bodies are
 * written in inspector_api.c. */
#define _POSIX_C_SOURCE 200809L
#include "inspector_internal.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

extern const unsigned char ecs__inspector_page[];
extern const size_t ecs__inspector_page_size;

/* What one request collects across the handler's calls. */
typedef struct req_t {
  char *body;
  size_t len, cap;
  bool too_big;
} req_t;

static enum MHD_Result send_body(ecs_inspector_t *in, struct MHD_Connection *c, unsigned status, const char *type,
                                 const void *body, size_t len) {
  struct MHD_Response *r = MHD_create_response_from_buffer(len, (void *)body, MHD_RESPMEM_MUST_COPY);
  if (!r) {
    return MHD_NO;
  }
  MHD_add_response_header(r, "Content-Type", type);
  MHD_add_response_header(r, "Cache-Control", "no-store");
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  if (strncmp(type, "text/html", 9) == 0) {
    MHD_add_response_header(r, "Content-Security-Policy",
                            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                            "connect-src 'self'; img-src data:; frame-ancestors 'none'");
  }
  enum MHD_Result ok = MHD_queue_response(c, status, r);
  MHD_destroy_response(r);
  in->counts[status >= 500 ? 2 : status >= 400 ? 1 : 0]++;
  return ok;
}

enum MHD_Result ecs__insp_json(ecs_inspector_t *in, struct MHD_Connection *c, unsigned status, ecs_membuf_t *buf) {
  enum MHD_Result ok =
      send_body(in, c, status, "application/json", buf->data ? (const char *)buf->data : "", buf->size);
  ecs_membuf_free(buf);
  return ok;
}

enum MHD_Result ecs__insp_error(ecs_inspector_t *in, struct MHD_Connection *c, unsigned status, const char *message,
                                const char *path) {
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  ecs_write_str(&w, "{\"status\":");
  char num[16];
  snprintf(num, sizeof num, "%u", status);
  ecs_write_str(&w, num);
  ecs_write_str(&w, ",\"error\":");
  ecs__insp_str(&w, message);
  if (path) {
    ecs_write_str(&w, ",\"path\":");
    ecs__insp_str(&w, path);
  }
  ecs_write_str(&w, "}\n");
  return ecs__insp_json(in, c, status, &buf);
}

void ecs__insp_str(const ecs_writer_t *w, const char *s) {
  ecs_write(w, "\"", 1);
  for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p; ++p) {
    if (*p == '"' || *p == '\\') {
      char esc[2] = {'\\', (char)*p};
      ecs_write(w, esc, 2);
    } else if (*p < 0x20 || *p == 0x7f) {
      char esc[8];
      snprintf(esc, sizeof esc, "\\u%04x", (unsigned)*p);
      ecs_write(w, esc, 6);
    } else {
      ecs_write(w, p, 1);
    }
  }
  ecs_write(w, "\"", 1);
}

/* "127.0.0.1:8080", "localhost", "[::1]:80": the part before the port. */
static bool host_is_local(const char *host) {
  static const char *names[] = {"127.0.0.1", "localhost", "[::1]"};
  for (size_t i = 0; i < sizeof names / sizeof names[0]; ++i) {
    size_t n = strlen(names[i]);
    if (strncmp(host, names[i], n) == 0 && (host[n] == '\0' || host[n] == ':')) {
      return true;
    }
  }
  return false;
}

/* Compares all of both strings whatever they hold, so the time taken
 * tells nothing of where they differ. */
static bool same_secret(const char *a, const char *b) {
  size_t la = strlen(a), lb = strlen(b);
  unsigned char diff = (unsigned char)(la != lb);
  for (size_t i = 0; i < lb; ++i) {
    diff |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
  }
  return diff == 0;
}

static enum MHD_Result serve_page(ecs_inspector_t *in, struct MHD_Connection *c) {
  if (!in->page_path) {
    return send_body(in, c, 200, "text/html; charset=utf-8", ecs__inspector_page, ecs__inspector_page_size);
  }
  FILE *f = fopen(in->page_path, "rb");
  if (!f) {
    return ecs__insp_error(in, c, 500, "cannot open the page file", NULL);
  }
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  char chunk[4096];
  size_t n;
  while ((n = fread(chunk, 1, sizeof chunk, f)) > 0) {
    ecs_write(&w, chunk, n);
  }
  fclose(f);
  enum MHD_Result ok =
      send_body(in, c, 200, "text/html; charset=utf-8", buf.data ? (const char *)buf.data : "", buf.size);
  ecs_membuf_free(&buf);
  return ok;
}

/* "12v3" (index v generation) or a whole handle in decimal. */
static bool parse_entity(const char *s, size_t n, ecs_entity_t *out) {
  if (n == 0 || n > 24) {
    return false;
  }
  char tmp[32];
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  char *end;
  errno = 0;
  if (!isdigit((unsigned char)tmp[0])) {
    return false;
  }
  unsigned long long a = strtoull(tmp, &end, 10);
  if (errno) {
    return false;
  }
  if (*end == '\0') {
    *out = (ecs_entity_t)a;
    return true;
  }
  if (*end != 'v' || a > UINT32_MAX || !isdigit((unsigned char)end[1])) {
    return false;
  }
  unsigned long long g = strtoull(end + 1, &end, 10);
  if (errno || *end || g > UINT32_MAX) {
    return false;
  }
  *out = ECS_ENTITY_MAKE(a, g);
  return true;
}

static enum MHD_Result route(ecs_inspector_t *in, struct MHD_Connection *c, const char *url, const char *method,
                             const req_t *r) {
  bool get = strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
  bool put = strcmp(method, "PUT") == 0 || strcmp(method, "POST") == 0;
  if (strcmp(url, "/") == 0 || strcmp(url, "/index.html") == 0) {
    return get ? serve_page(in, c) : ecs__insp_error(in, c, 405, "method not allowed", NULL);
  }
  if (strncmp(url, "/api/", 5) != 0 && strcmp(url, "/metrics") != 0) {
    return ecs__insp_error(in, c, 404, "no such page", NULL);
  }
  if (in->token) {
    const char *auth = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
    if (!auth || strncmp(auth, "Bearer ", 7) != 0 || !same_secret(auth + 7, in->token)) {
      return ecs__insp_error(in, c, 401, "missing or wrong bearer token", NULL);
    }
  }
  if (strcmp(url, "/metrics") == 0) {
    return get ? ecs__insp_prometheus(in, c) : ecs__insp_error(in, c, 405, "method not allowed", NULL);
  }
  const char *rest = url + 5;
  if (!put && !get) {
    return ecs__insp_error(in, c, 405, "method not allowed", NULL);
  }
  if (get && strcmp(rest, "world") == 0) {
    return ecs__insp_world(in, c);
  }
  if (get && strcmp(rest, "schema") == 0) {
    return ecs__insp_schema(in, c);
  }
  if (get && strcmp(rest, "schedule") == 0) {
    return ecs__insp_schedule(in, c);
  }
  if (get && strcmp(rest, "metrics") == 0) {
    return ecs__insp_metrics(in, c);
  }
  if (get && strcmp(rest, "entities") == 0) {
    return ecs__insp_entities(in, c);
  }
  if (strncmp(rest, "entities/", 9) == 0) {
    const char *id = rest + 9;
    const char *slash = strchr(id, '/');
    ecs_entity_t e;
    if (!parse_entity(id, slash ? (size_t)(slash - id) : strlen(id), &e)) {
      return ecs__insp_error(in, c, 400, "bad entity id: use INDEXvGENERATION (e.g. 12v1) or the handle", NULL);
    }
    if (!slash) {
      return get ? ecs__insp_entity(in, c, e) : ecs__insp_error(in, c, 405, "method not allowed", NULL);
    }
    if (strncmp(slash, "/components/", 12) == 0 && slash[12]) {
      if (!put) {
        return ecs__insp_error(in, c, 405, "use PUT to set a value", NULL);
      }
      if (!in->writes) {
        return ecs__insp_error(in, c, 403, "the inspector is read-only (the host did not allow writes)", NULL);
      }
      const char *type = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
      if (!type || strncmp(type, "application/json", 16) != 0) {
        return ecs__insp_error(in, c, 415, "the body must be application/json", NULL);
      }
      return ecs__insp_set(in, c, e, slash + 12, r->body ? r->body : "", r->len);
    }
  }
  return ecs__insp_error(in, c, 404, "no such endpoint", NULL);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                                  const char *version, const char *upload, size_t *upload_size, void **con_cls) {
  (void)version;
  ecs_inspector_t *in = cls;
  req_t *r = *con_cls;
  if (!r) { /* the headers are in: check what can be checked before any body */
    r = calloc(1, sizeof *r);
    if (!r) {
      return MHD_NO;
    }
    *con_cls = r;
    const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
    if (in->loopback && (!host || !host_is_local(host))) {
      return ecs__insp_error(in, c, 403, "the Host header must name this machine (127.0.0.1 or localhost)", NULL);
    }
    const char *length = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Length");
    if (length && strtoull(length, NULL, 10) > in->max_body) {
      r->too_big = true;
      return ecs__insp_error(in, c, 413, "request body too large", NULL);
    }
    return MHD_YES;
  }
  if (*upload_size) {
    size_t n = *upload_size;
    *upload_size = 0;
    if (r->too_big || r->len + n > in->max_body) {
      r->too_big = true;
      return MHD_YES;
    }
    if (r->len + n + 1 > r->cap) {
      size_t cap = r->cap ? r->cap : 1024;
      while (cap < r->len + n + 1) {
        cap *= 2;
      }
      char *b = realloc(r->body, cap);
      if (!b) {
        return MHD_NO;
      }
      r->body = b;
      r->cap = cap;
    }
    memcpy(r->body + r->len, upload, n);
    r->len += n;
    r->body[r->len] = '\0';
    return MHD_YES;
  }
  if (r->too_big) {
    return ecs__insp_error(in, c, 413, "request body too large", NULL);
  }
  return route(in, c, url, method, r);
}

static void on_completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe) {
  (void)cls;
  (void)c;
  (void)toe;
  req_t *r = *con_cls;
  if (r) {
    free(r->body);
    free(r);
    *con_cls = NULL;
  }
}

static char *dup_or_null(const char *s) {
  return s ? strdup(s) : NULL;
}

ecs_status_t ecs_inspector_new(ecs_world_t *world, const ecs_inspector_desc_t *desc, ecs_inspector_t **out) {
  if (out) {
    *out = NULL;
  }
  if (!world || !out) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_inspector_desc_t d = desc ? *desc : (ecs_inspector_desc_t){0};
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_port = htons(d.port);
  if (inet_pton(AF_INET, d.bind_address ? d.bind_address : "127.0.0.1", &addr.sin_addr) != 1) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  ecs_inspector_t *in = calloc(1, sizeof *in);
  if (!in) {
    return ECS_ERR_NO_MEMORY;
  }
  in->world = world;
  in->writes = d.allow_writes;
  in->max_body = d.max_body ? d.max_body : 65536;
  in->sample_every = d.sample_every ? d.sample_every : 10;
  in->sched = d.scheduler;
  in->loopback = (ntohl(addr.sin_addr.s_addr) >> 24) == 127;
  in->token = d.token && d.token[0] ? strdup(d.token) : NULL;
  in->page_path = dup_or_null(d.page_path);
  if ((d.token && d.token[0] && !in->token) || (d.page_path && !in->page_path)) {
    ecs_inspector_free(in);
    return ECS_ERR_NO_MEMORY;
  }
  unsigned conns = d.max_connections ? d.max_connections : 64;
  unsigned timeout = d.timeout_s ? d.timeout_s : 10;
  /* no MHD_USE_INTERNAL_POLLING_THREAD: requests run inside MHD_run(),
   * called by ecs_inspector_poll() on the host's thread */
  in->daemon = MHD_start_daemon(MHD_USE_AUTO, 0, NULL, NULL, on_request, in, MHD_OPTION_SOCK_ADDR,
                                (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT, conns,
                                MHD_OPTION_CONNECTION_TIMEOUT, timeout, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
                                (size_t)32768, MHD_OPTION_NOTIFY_COMPLETED, on_completed, in, MHD_OPTION_END);
  if (!in->daemon) {
    ecs_inspector_free(in);
    return ECS_ERR_IO;
  }
  const union MHD_DaemonInfo *info = MHD_get_daemon_info(in->daemon, MHD_DAEMON_INFO_BIND_PORT);
  in->port = info ? info->port : d.port;
  *out = in;
  return ECS_OK;
}

void ecs_inspector_free(ecs_inspector_t *in) {
  if (!in) {
    return;
  }
  if (in->daemon) {
    MHD_stop_daemon(in->daemon);
  }
  free(in->token);
  free(in->page_path);
  free(in);
}

uint16_t ecs_inspector_port(const ecs_inspector_t *in) {
  return in ? in->port : 0;
}

ecs_status_t ecs_inspector_poll(ecs_inspector_t *in, uint32_t timeout_ms) {
  if (!in) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  enum MHD_Result ok = timeout_ms ? MHD_run_wait(in->daemon, (int32_t)(timeout_ms > INT32_MAX ? INT32_MAX : timeout_ms))
                                  : MHD_run(in->daemon);
  return ok == MHD_YES ? ECS_OK : ECS_ERR_IO;
}

void ecs_inspector_counts(const ecs_inspector_t *in, uint64_t out[3]) {
  for (int i = 0; i < 3; ++i) {
    out[i] = in ? in->counts[i] : 0;
  }
}
