/* metrics_server: a tiny Prometheus endpoint beside a running simulation.
 *
 * A boids world (the physics and ai plugins) ticks at 60 Hz; between ticks
 * one thread polls a listening socket on 127.0.0.1 and answers
 * `GET /metrics` with ecs_metrics_write_prometheus() rendered into an
 * ecs_membuf_t (HTTP/1.0, Content-Type text/plain; version=0.0.4); any
 * other path is a 404. Plain POSIX sockets, no threads of its own: one
 * connection at a time, requests capped at 8 KiB (431 beyond), 5 s per
 * connection, and the whole run bounded by --seconds and --max-requests.
 *
 * --self-check scrapes the server from the same thread over loopback (a
 * non-blocking client socket polled with the server's), checks the status
 * lines and headers of /metrics, a 404 and an oversized request, and with
 * --dump FILE writes the /metrics body it received, for a format checker.
 *
 * usage: metrics_server [options]; metrics_server --help lists them.
 * Exit status: 0 done, 1 runtime error, 2 usage error. */
#define _POSIX_C_SOURCE 200809L
#include "../common/cli.h"
#include "../plugins/ai.h"
#include "../plugins/physics.h"

#include <ecs.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX 8192            /* bytes of request line + headers */
#define CONN_TIMEOUT_NS 5000000000u /* per connection, from accept to close */
#define TICK_NS 16666667u           /* 60 Hz */
#define CONTENT_TYPE "text/plain; version=0.0.4"

typedef struct options_t {
  long long port, max_requests, seconds, agents, threads;
  bool self_check;
  const char *dump;
} options_t;

typedef enum conn_state_t { CONN_IDLE, CONN_READ, CONN_WRITE, CONN_DRAIN } conn_state_t;

/* The one connection being served. */
typedef struct conn_t {
  int fd;
  conn_state_t state;
  uint64_t deadline;
  char in[REQUEST_MAX + 1]; /* + a NUL */
  size_t in_len;
  ecs_membuf_t out; /* status line, headers and body */
  size_t out_pos;
} conn_t;

/* The self-check's client: one probe at a time. */
typedef struct client_t {
  int fd;
  int probe; /* index in probes[]; -1 before the start */
  enum { CLIENT_OFF, CLIENT_CONNECTING, CLIENT_SENDING, CLIENT_RECEIVING, CLIENT_DONE } state;
  char req[REQUEST_MAX + 1024];
  size_t req_len, req_pos;
  ecs_membuf_t resp;
  bool failed;
} client_t;

static const struct {
  const char *path;
  int status;
  size_t padding; /* header bytes added to make the request oversized */
} probes[] = {{"/metrics", 200, 0}, {"/no-such-page", 404, 0}, {"/metrics", 431, REQUEST_MAX + 100}};

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static bool nonblocking(int fd) {
  int flags = fcntl(fd, F_GETFL);
  return flags >= 0 && fcntl(fd, F_SETFL, flags | O_NONBLOCK) == 0;
}

enum { OPT_PORT = CLI_LONG_ONLY, OPT_MAX_REQUESTS, OPT_SECONDS, OPT_AGENTS, OPT_THREADS, OPT_SELF_CHECK, OPT_DUMP };

static const cli_flag_t flags[] = {
    {"port", OPT_PORT, "N", "TCP port on 127.0.0.1, 0 to 65535 (default 9464; 0 picks a free one, printed)"},
    {"max-requests", OPT_MAX_REQUESTS, "N", "stop after answering N requests, 0 to 1000000000 (default 0: no limit)"},
    {"seconds", OPT_SECONDS, "N", "stop after N seconds, 0 to 1000000000 (default 60; 0: no limit)"},
    {"agents", OPT_AGENTS, "N", "boids to keep alive, 1 to 10000000 (default 2000)"},
    {"threads", OPT_THREADS, "N", "threads in all for the simulation, 0 to 256 (default 2; 0: one per CPU)"},
    {"self-check", OPT_SELF_CHECK, NULL,
     "scrape itself over loopback, check the answers, exit 0 if right (default: off)"},
    {"dump", OPT_DUMP, "FILE", "with --self-check: write the /metrics body received to FILE (default: none)"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

/* 0: run; 1: --help printed; 2: usage error (message printed). */
static int parse(int argc, char **argv, options_t *o) {
  *o = (options_t){.port = 9464, .seconds = 60, .agents = 2000, .threads = 2};
  cli_t cli;
  cli_begin(&cli, "metrics_server", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = 0;
    switch (k) {
    case OPT_PORT:
      rc = cli_int("metrics_server", "--port", optarg, 0, 65535, &o->port);
      break;
    case OPT_MAX_REQUESTS:
      rc = cli_int("metrics_server", "--max-requests", optarg, 0, 1000000000, &o->max_requests);
      break;
    case OPT_SECONDS:
      rc = cli_int("metrics_server", "--seconds", optarg, 0, 1000000000, &o->seconds);
      break;
    case OPT_AGENTS:
      rc = cli_int("metrics_server", "--agents", optarg, 1, 10000000, &o->agents);
      break;
    case OPT_THREADS:
      rc = cli_int("metrics_server", "--threads", optarg, 0, ECS_POOL_MAX_THREADS, &o->threads);
      break;
    case OPT_SELF_CHECK:
      o->self_check = true;
      break;
    case OPT_DUMP:
      o->dump = optarg;
      break;
    case 'h':
      printf("usage: metrics_server [options]\n"
             "Serves GET /metrics on 127.0.0.1 while a boids world ticks at 60 Hz.\n\n");
      cli_print_flags(&cli, stdout);
      printf("\nExit status: 0 done, 1 runtime error, 2 usage error.\n");
      return 1;
    default:
      return CLI_EXIT_USAGE;
    }
    if (rc != 0) {
      return rc;
    }
  }
  if (cli_no_operands(&cli, argc, argv) != 0) {
    return CLI_EXIT_USAGE;
  }
  if (o->dump && !o->self_check) {
    fprintf(stderr, "metrics_server: --dump needs --self-check (try 'metrics_server --help')\n");
    return CLI_EXIT_USAGE;
  }
  return 0;
}

/* Builds the answer to the request in c->in (or to an oversized one). */
static void respond(conn_t *c, ecs_world_t *world, bool oversized) {
  int status = 404;
  const char *reason = "Not Found";
  ecs_membuf_t body = {0};
  ecs_writer_t bw = ecs_membuf_writer(&body);
  char method[16], target[256], version[16];
  if (oversized) {
    status = 431;
    reason = "Request Header Fields Too Large";
  } else if (sscanf(c->in, "%15s %255s %15s", method, target, version) != 3 || strncmp(version, "HTTP/", 5) != 0) {
    status = 400;
    reason = "Bad Request";
  } else if (strcmp(method, "GET") == 0 && (strcmp(target, "/metrics") == 0 || strncmp(target, "/metrics?", 9) == 0)) {
    ecs_status_t st = ecs_metrics_write_prometheus(world, &bw); /* between ticks, on the owner thread */
    status = st == ECS_OK ? 200 : 500;
    reason = st == ECS_OK ? "OK" : "Internal Server Error";
    if (st != ECS_OK) {
      ecs_membuf_reset(&body);
      ecs_write_str(&bw, ecs_last_error(world));
    }
  }
  if (status != 200 && body.size == 0) {
    ecs_write_str(&bw, reason);
    ecs_write_str(&bw, "\n");
  }
  char head[256];
  snprintf(head, sizeof head, "HTTP/1.0 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
           status, reason, status == 200 ? CONTENT_TYPE : "text/plain; charset=utf-8", body.size);
  ecs_writer_t ow = ecs_membuf_writer(&c->out);
  ecs_membuf_reset(&c->out);
  if (ecs_write_str(&ow, head) != ECS_OK || (body.size && ecs_write(&ow, body.data, body.size) != ECS_OK)) {
    ecs_membuf_reset(&c->out); /* out of memory: close without an answer */
  }
  ecs_membuf_free(&body);
  c->out_pos = 0;
  c->state = CONN_WRITE;
}

static void conn_close(conn_t *c) {
  close(c->fd);
  c->fd = -1;
  c->state = CONN_IDLE;
}

/* Advances the connection on a poll event; true once a request is answered. */
static bool conn_step(conn_t *c, ecs_world_t *world) {
  if (c->state == CONN_READ) {
    ssize_t n = recv(c->fd, c->in + c->in_len, REQUEST_MAX - c->in_len, 0);
    if (n <= 0) {
      if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
        conn_close(c); /* gone before a whole request */
      }
      return false;
    }
    c->in_len += (size_t)n;
    c->in[c->in_len] = '\0';
    if (strstr(c->in, "\r\n\r\n") || strstr(c->in, "\n\n")) {
      respond(c, world, false);
      return true;
    }
    if (c->in_len == REQUEST_MAX) { /* full, and still no blank line */
      respond(c, world, true);
      return true;
    }
  } else if (c->state == CONN_WRITE) {
    if (c->out.size == 0) { /* no answer could be built */
      conn_close(c);
      return false;
    }
    ssize_t n = send(c->fd, c->out.data + c->out_pos, c->out.size - c->out_pos, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      conn_close(c);
    } else if (n > 0 && (c->out_pos += (size_t)n) == c->out.size) {
      /* a lingering close: read what the client still sends until it
       * closes, so that unread input never turns our close into a reset */
      shutdown(c->fd, SHUT_WR);
      c->state = CONN_DRAIN;
    }
  } else if (c->state == CONN_DRAIN) {
    char sink[4096];
    ssize_t n = recv(c->fd, sink, sizeof sink, 0);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      conn_close(c);
    }
  }
  return false;
}

/* ---- the self-check's client -------------------------------------------------- */

static void client_fail(client_t *cl, const char *what) {
  fprintf(stderr, "self-check: %s %s: %s\n", probes[cl->probe].path, what, strerror(errno));
  cl->failed = true;
  cl->state = CLIENT_DONE;
}

/* Starts the next probe: a non-blocking connect to ourselves. */
static void client_next(client_t *cl, uint16_t port) {
  if (cl->fd >= 0) {
    close(cl->fd);
    cl->fd = -1;
  }
  if (cl->failed || ++cl->probe == (int)(sizeof probes / sizeof probes[0])) {
    cl->state = CLIENT_DONE;
    return;
  }
  int n = snprintf(cl->req, sizeof cl->req, "GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n", probes[cl->probe].path);
  for (size_t k = 0; k < probes[cl->probe].padding; k += 63) { /* 63-byte lines */
    n += snprintf(cl->req + n, sizeof cl->req - (size_t)n, "X-Padding: %050zu\r\n", k);
  }
  n += snprintf(cl->req + n, sizeof cl->req - (size_t)n, "\r\n");
  cl->req_len = (size_t)n;
  cl->req_pos = 0;
  ecs_membuf_reset(&cl->resp);
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  cl->fd = socket(AF_INET, SOCK_STREAM, 0);
  if (cl->fd < 0 || !nonblocking(cl->fd)) {
    client_fail(cl, "socket");
  } else if (connect(cl->fd, (struct sockaddr *)&addr, sizeof addr) == 0) {
    cl->state = CLIENT_SENDING;
  } else if (errno == EINPROGRESS) {
    cl->state = CLIENT_CONNECTING;
  } else {
    client_fail(cl, "connect");
  }
}

/* True when header block @p head (NUL-terminated) has "name: value". */
static bool header_is(const char *head, const char *name, const char *value) {
  char key[64];
  snprintf(key, sizeof key, "\r\n%s: ", name);
  const char *at = strstr(head, key);
  size_t n = strlen(value);
  return at && strncmp(at + strlen(key), value, n) == 0 && (at[strlen(key) + n] == '\r' || at[strlen(key) + n] == '\0');
}

/* Checks a whole response to the current probe. */
static void client_check(client_t *cl, const char *dump) {
  char *text = (char *)cl->resp.data;
  char *end = text ? strstr(text, "\r\n\r\n") : NULL;
  int status = 0;
  const char *path = probes[cl->probe].path;
  if (!end || sscanf(text, "HTTP/1.0 %d ", &status) != 1 || status != probes[cl->probe].status) {
    fprintf(stderr, "self-check: GET %s: expected status %d, got '%.40s'\n", path, probes[cl->probe].status,
            text ? text : "");
    cl->failed = true;
    return;
  }
  *end = '\0'; /* text is now the status line and headers */
  const char *body = end + 4;
  size_t body_len = cl->resp.size - (size_t)(body - text);
  char length[32];
  snprintf(length, sizeof length, "%zu", body_len);
  bool ok = header_is(text, "Content-Length", length) && header_is(text, "Connection", "close");
  if (status == 200) {
    ok = ok && header_is(text, "Content-Type", CONTENT_TYPE) && strncmp(body, "# HELP ", 7) == 0;
  }
  if (!ok) {
    fprintf(stderr, "self-check: GET %s: wrong headers or body (%zu bytes):\n%s\n", path, body_len, text);
    cl->failed = true;
    return;
  }
  printf("self-check: GET %s -> %d, %zu bytes%s\n", path, status, body_len,
         status == 200 ? ", Content-Type: " CONTENT_TYPE : "");
  if (status == 200 && dump) {
    FILE *f = cli_fopen("metrics_server", "--dump", dump, "wb");
    bool written = f && fwrite(body, 1, body_len, f) == body_len;
    if (f && fclose(f) != 0) {
      written = false;
    }
    if (f && !written) {
      fprintf(stderr, "metrics_server: --dump: cannot write '%s': %s\n", dump, strerror(errno));
    }
    cl->failed = cl->failed || !written;
  }
}

/* Advances the client on a poll event. */
static void client_step(client_t *cl, uint16_t port, const char *dump) {
  if (cl->state == CLIENT_CONNECTING) {
    int err = 0;
    socklen_t len = sizeof err;
    if (getsockopt(cl->fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
      errno = err ? err : errno;
      client_fail(cl, "connect");
      return;
    }
    cl->state = CLIENT_SENDING;
  }
  if (cl->state == CLIENT_SENDING) {
    ssize_t n = send(cl->fd, cl->req + cl->req_pos, cl->req_len - cl->req_pos, MSG_NOSIGNAL);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
      client_fail(cl, "send");
    } else if (n > 0 && (cl->req_pos += (size_t)n) == cl->req_len) {
      shutdown(cl->fd, SHUT_WR); /* the whole request is out */
      cl->state = CLIENT_RECEIVING;
    }
  } else if (cl->state == CLIENT_RECEIVING) {
    char buf[16384];
    ssize_t n = recv(cl->fd, buf, sizeof buf, 0);
    ecs_writer_t w = ecs_membuf_writer(&cl->resp);
    if (n > 0 && cl->resp.size + (size_t)n < (64u << 20)) {
      ecs_write(&w, buf, (size_t)n);
    } else if (n == 0) {
      ecs_write(&w, "", 1); /* a terminating NUL, not counted below */
      cl->resp.size--;
      client_check(cl, dump);
      client_next(cl, port);
    } else if (n > 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
      client_fail(cl, "recv");
    }
  }
}

/* ---- main --------------------------------------------------------------------- */

static int listen_loopback(uint16_t port, uint16_t *bound) {
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons(port)};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only, never a public interface */
  socklen_t len = sizeof addr;
  int one = 1;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) != 0 ||
      bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 8) != 0 || !nonblocking(fd) ||
      getsockname(fd, (struct sockaddr *)&addr, &len) != 0) {
    if (fd >= 0) {
      close(fd);
    }
    return -1;
  }
  *bound = ntohs(addr.sin_port);
  return fd;
}

int main(int argc, char **argv) {
  options_t o;
  int parsed = parse(argc, argv, &o);
  if (parsed != 0) {
    return parsed == 1 ? 0 : parsed;
  }
  ecs_world_t *world = ecs_world_new(&(ecs_world_desc_t){.initial_entities = (uint32_t)o.agents + 1024});
  ecs_scheduler_builder_t *b = world ? ecs_scheduler_builder_new(world) : NULL;
  ecs_scheduler_t *sched = NULL;
  physics_config_t pc = {.world_size = 1000.0f};
  ai_config_t ac = {.population = (uint32_t)o.agents, .seed = 1};
  int32_t workers = o.threads == 0 ? 0 : o.threads == 1 ? ECS_POOL_INLINE : (int32_t)o.threads - 1;
  ecs_status_t st = b ? ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = workers}) : ECS_ERR_NO_MEMORY;
  st = st == ECS_OK ? ecs_plugin_load(world, b, physics_plugin(), &pc) : st;
  st = st == ECS_OK ? ecs_plugin_load(world, b, ai_plugin(), &ac) : st;
  if (st == ECS_OK) {
    st = ecs_scheduler_build(b, &sched); /* frees the builder */
  } else {
    ecs_scheduler_builder_free(b); /* NULL is a no-op */
  }
  if (st != ECS_OK) {
    fprintf(stderr, "metrics_server: setup failed: %s (%s)\n", ecs_strerror(st), ecs_last_error(world));
    ecs_world_free(world);
    return 1;
  }
  /* a host metric, rendered after the built-in families */
  ecs_metric_t *requests = ecs_metric_register(world, ECS_METRIC_COUNTER, "metrics_server_requests_total",
                                               "HTTP requests answered, any status.");
  int rc = 1;
  int lfd = -1;
  conn_t conn = {.fd = -1};
  client_t cl = {.fd = -1, .probe = -1};
  ecs_membuf_t probe_buf = {0};
  ecs_writer_t probe_w = ecs_membuf_writer(&probe_buf);
  st = ecs_metrics_write_prometheus(world, &probe_w);
  ecs_membuf_free(&probe_buf);
  if (st == ECS_ERR_UNSUPPORTED) {
    fprintf(stderr, "metrics_server: this libecs was built with ECS_PROFILE=OFF, so metrics are compiled out;\n"
                    "configure with -DECS_PROFILE=ON (the default) to serve them\n");
    goto out;
  }
  uint16_t port = 0;
  lfd = listen_loopback((uint16_t)o.port, &port);
  if (lfd < 0) {
    fprintf(stderr, "metrics_server: --port: cannot listen on 127.0.0.1:%lld: %s\n", o.port, strerror(errno));
    goto out;
  }
  printf("listening on 127.0.0.1:%u\n", port);
  fflush(stdout);

  uint64_t start = now_ns();
  uint64_t end = o.seconds ? start + (uint64_t)o.seconds * 1000000000u : UINT64_MAX;
  uint64_t next_tick = start;
  long served = 0;
  bool ok = true;
  while (ok) {
    uint64_t t = now_ns();
    if (t >= end || (o.self_check && cl.state == CLIENT_DONE) ||
        (!o.self_check && o.max_requests && served >= o.max_requests && conn.state == CONN_IDLE)) {
      break;
    }
    if (t >= next_tick) {
      if (ecs_scheduler_tick(sched, 1.0 / 60.0, NULL) != ECS_OK) {
        fprintf(stderr, "metrics_server: tick failed: %s\n", ecs_last_error(world));
        ok = false;
        break;
      }
      next_tick = next_tick + TICK_NS > t ? next_tick + TICK_NS : t + TICK_NS; /* never catch up in a burst */
      if (o.self_check && cl.state == CLIENT_OFF && ecs_scheduler_tick_count(sched) >= 10) {
        client_next(&cl, port); /* a few ticks first, so the histograms hold something */
      }
    }
    if (conn.state != CONN_IDLE && t >= conn.deadline) {
      conn_close(&conn); /* too slow: the next client's turn */
    }
    struct pollfd fds[3];
    nfds_t n = 0;
    int li = -1, ci = -1, ki = -1;
    if (conn.state == CONN_IDLE) {
      li = (int)n;
      fds[n++] = (struct pollfd){.fd = lfd, .events = POLLIN};
    } else {
      ci = (int)n;
      fds[n++] = (struct pollfd){.fd = conn.fd, .events = conn.state == CONN_WRITE ? POLLOUT : POLLIN};
    }
    if (cl.state >= CLIENT_CONNECTING && cl.state <= CLIENT_RECEIVING) {
      ki = (int)n;
      fds[n++] = (struct pollfd){.fd = cl.fd, .events = cl.state == CLIENT_RECEIVING ? POLLIN : POLLOUT};
    }
    uint64_t wake = next_tick < end ? next_tick : end;
    wake = conn.state != CONN_IDLE && conn.deadline < wake ? conn.deadline : wake;
    t = now_ns();
    int timeout_ms = wake > t ? (int)((wake - t + 999999u) / 1000000u) : 0;
    if (poll(fds, n, timeout_ms) < 0) {
      if (errno == EINTR) {
        continue;
      }
      fprintf(stderr, "metrics_server: poll: %s\n", strerror(errno));
      ok = false;
      break;
    }
    if (li >= 0 && fds[li].revents) {
      int fd = accept(lfd, NULL, NULL);
      if (fd >= 0 && nonblocking(fd)) {
        conn.fd = fd;
        conn.state = CONN_READ;
        conn.deadline = now_ns() + CONN_TIMEOUT_NS;
        conn.in_len = 0;
      } else if (fd >= 0) {
        close(fd);
      }
    }
    if (ci >= 0 && fds[ci].revents && conn_step(&conn, world)) {
      served++;
      ecs_metric_add(requests, 1.0);
    }
    if (ki >= 0 && fds[ki].revents) {
      client_step(&cl, port, o.dump);
    }
  }
  unsigned long long ticks = (unsigned long long)ecs_scheduler_tick_count(sched);
  printf("served %ld request%s over %llu tick%s\n", served, served == 1 ? "" : "s", ticks, ticks == 1 ? "" : "s");
  if (o.self_check && cl.state != CLIENT_DONE) {
    fprintf(stderr, "self-check: not finished within --seconds %lld\n", o.seconds);
    ok = false;
  }
  rc = ok && !cl.failed ? 0 : 1;
  if (o.self_check && rc == 0) {
    printf("self-check: ok\n");
  }

out:
  if (conn.fd >= 0) {
    close(conn.fd);
  }
  if (cl.fd >= 0) {
    close(cl.fd);
  }
  if (lfd >= 0) {
    close(lfd);
  }
  ecs_membuf_free(&conn.out);
  ecs_membuf_free(&cl.resp);
  ecs_scheduler_free(sched);
  ecs_world_free(world);
  return rc;
}
