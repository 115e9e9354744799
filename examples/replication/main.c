/* replication: a server process runs a flock of boids (moving, perching,
 * hatching and dying) and streams delta snapshots (ecs/delta.h) to a
 * client process over ENet; the client rebuilds the same world from them.
 *
 * Protocol (docs/netcode.md, "Server replication with deltas"):
 *   client -> server  HELLO   checksum of its empty world (the first baseline)
 *   server -> client  DELTA   game tick, server checksum after it, a mirror
 *                             delta from the last state the client acked
 *                             (unreliable: a lost one is covered by the next)
 *   client -> server  ACK     the delta's tick, the client's checksum, the game tick
 *   server -> client  END     the last game tick and its checksum
 * The client compares its checksum with the server's after every delta it
 * applies; a delta whose baseline it has left already (an ack in flight)
 * is refused by ecs_delta_apply (ECS_ERR_DELTA_BASELINE) and skipped.
 *
 * By default one run forks: the server binds a free port on 127.0.0.1
 * (port 0, then asks the socket), the child connects to it as the client.
 * --serve PORT and --connect PORT run one side each.
 * The server runs at most --max-lead ticks ahead of the client's last ack
 * (default 0: lockstep, so that every tick is applied and compared; a game
 * server runs ahead and its clients skip to the latest state they can).
 * Exit: 0 when every checksum matched, the last state is the server's and
 * (in lockstep) every tick was applied; 1 otherwise; 2 for a usage error.
 * Bounded: --ticks (default 600), one per --tick-ms slot (default 4) at
 * most, and a 60 s limit on every wait. */
#define _POSIX_C_SOURCE 200809L
#include "../common/cli.h"

#include <ecs.h>
#include <enet/enet.h>

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

enum { MSG_HELLO = 1, MSG_DELTA = 2, MSG_ACK = 3, MSG_END = 4 };
enum { WAIT_LIMIT_MS = 60000 };

typedef struct Pos {
  float x, y;
} Pos;
typedef struct Vel {
  float x, y;
} Vel;
typedef struct Life {
  int32_t dies_at;    /* tick of its death */
  int32_t lands_till; /* perched (no Vel) until this tick */
} Life;
typedef struct Rng { /* the world's clock and random numbers: a resource */
  uint64_t state;
  int32_t tick;
  int32_t pad;
} Rng;

typedef struct world_t {
  ecs_world_t *w;
  ecs_component_t pos, vel, life, rng;
  ecs_query_t *centre, *flying, *living;
} world_t;

static uint32_t rng_next(Rng *r) {
  r->state = r->state * 6364136223846793005ull + 1442695040888963407ull;
  return (uint32_t)(r->state >> 33);
}

static double now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* Both sides register the same components in the same order. */
static int world_init(world_t *s) {
  s->w = ecs_world_new(NULL);
  if (!s->w) {
    return -1;
  }
  s->pos = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "Pos", .size = sizeof(Pos)});
  s->vel = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "Vel", .size = sizeof(Vel)});
  s->life = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "Life", .size = sizeof(Life)});
  s->rng = ecs_component_register(s->w, &(ecs_component_desc_t){.name = "Rng", .size = sizeof(Rng)});
  s->centre = ecs_query_new(s->w, &(ecs_query_desc_t){.terms = {{s->pos, ECS_ACCESS_READ}, {s->vel, ECS_ACCESS_READ}}});
  s->flying =
      ecs_query_new(s->w, &(ecs_query_desc_t){.terms = {{s->pos, ECS_ACCESS_WRITE}, {s->vel, ECS_ACCESS_WRITE}}});
  s->living = ecs_query_new(s->w, &(ecs_query_desc_t){.terms = {{s->life, ECS_ACCESS_READ}}});
  return s->pos && s->vel && s->life && s->rng && s->centre && s->flying && s->living ? 0 : -1;
}

static void world_fini(world_t *s) {
  ecs_query_free(s->centre);
  ecs_query_free(s->flying);
  ecs_query_free(s->living);
  ecs_world_free(s->w);
}

static int spawn(world_t *s, Rng *r) {
  ecs_entity_t e = ecs_entity_create(s->w);
  float a = (float)(rng_next(r) % 6283) / 1000.0f;
  Pos p = {(float)(rng_next(r) % 1000), (float)(rng_next(r) % 1000)};
  Vel v = {cosf(a) * 2.0f, sinf(a) * 2.0f};
  Life l = {r->tick + 200 + (int32_t)(rng_next(r) % 400), 0};
  return e && ecs_set(s->w, e, s->pos, &p) == ECS_OK && ecs_set(s->w, e, s->vel, &v) == ECS_OK &&
                 ecs_set(s->w, e, s->life, &l) == ECS_OK
             ? 0
             : -1;
}

/* One tick of the flock: flying boids steer towards the flock's centre
 * and away from the walls; some perch (lose Vel) for a while; old ones die
 * and new ones hatch. Perched boids change nothing: their values stay out
 * of the deltas. */
static int world_tick(world_t *s, int32_t target) {
  Rng *r = ecs_resource_get(s->w, s->rng);
  r->tick++;
  double cx = 0, cy = 0;
  size_t n = 0;
  ecs_iter_t it = ecs_query_iter(s->centre);
  while (ecs_iter_next(&it)) {
    const Pos *p = ecs_field(&it, 0);
    for (int32_t i = 0; i < it.count; ++i) {
      cx += p[i].x;
      cy += p[i].y;
    }
    n += (size_t)it.count;
  }
  if (n) {
    cx /= (double)n;
    cy /= (double)n;
  }
  it = ecs_query_iter(s->flying);
  while (ecs_iter_next(&it)) {
    Pos *p = ecs_field(&it, 0);
    Vel *v = ecs_field(&it, 1);
    for (int32_t i = 0; i < it.count; ++i) {
      v[i].x += (float)((cx - p[i].x) * 0.001);
      v[i].y += (float)((cy - p[i].y) * 0.001);
      float speed = sqrtf(v[i].x * v[i].x + v[i].y * v[i].y);
      if (speed > 3.0f) {
        v[i].x *= 3.0f / speed;
        v[i].y *= 3.0f / speed;
      }
      p[i].x += v[i].x;
      p[i].y += v[i].y;
      if (p[i].x < 0 || p[i].x > 1000) {
        v[i].x = -v[i].x;
      }
      if (p[i].y < 0 || p[i].y > 1000) {
        v[i].y = -v[i].y;
      }
    }
  }
  /* ageing, perching, deaths: structural changes after the walk */
  ecs_cmd_buffer_t *cmd = ecs_cmd_buffer_new(s->w);
  if (!cmd) {
    return -1;
  }
  it = ecs_query_iter(s->living);
  while (ecs_iter_next(&it)) {
    const Life *l = ecs_field(&it, 0);
    for (int32_t i = 0; i < it.count; ++i) {
      ecs_entity_t e = it.entities[i];
      if (l[i].dies_at <= r->tick) {
        ecs_cmd_destroy(cmd, e);
      } else if (l[i].lands_till == r->tick) { /* takes off */
        float a = (float)(rng_next(r) % 6283) / 1000.0f;
        ecs_cmd_set(cmd, e, s->vel, &(Vel){cosf(a) * 2.0f, sinf(a) * 2.0f});
      } else if (l[i].lands_till < r->tick && rng_next(r) % 100 == 0) { /* lands */
        ecs_cmd_set(cmd, e, s->life, &(Life){l[i].dies_at, r->tick + 30 + (int32_t)(rng_next(r) % 90)});
        ecs_cmd_remove(cmd, e, s->vel);
      }
    }
  }
  ecs_status_t st = ecs_cmd_buffer_apply(cmd, NULL);
  ecs_cmd_buffer_free(cmd);
  if (st != ECS_OK) {
    return -1;
  }
  for (size_t k = ecs_entity_count(s->w); k < (size_t)target; ++k) {
    if (rng_next(r) % 4 == 0 && spawn(s, r) != 0) {
      return -1;
    }
  }
  return 0;
}

/* ---- messages ------------------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    p[i] = (uint8_t)(v >> (8 * i));
  }
}

static void put_u64(uint8_t *p, uint64_t v) {
  for (int i = 0; i < 8; ++i) {
    p[i] = (uint8_t)(v >> (8 * i));
  }
}

static uint32_t get_u32(const uint8_t *p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) {
    v = (v << 8) | p[i];
  }
  return v;
}

static uint64_t get_u64(const uint8_t *p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) {
    v = (v << 8) | p[i];
  }
  return v;
}

static int send_msg(ENetPeer *peer, const void *data, size_t size, bool reliable) {
  ENetPacket *pkt = enet_packet_create(data, size, reliable ? ENET_PACKET_FLAG_RELIABLE : 0);
  if (!pkt || enet_peer_send(peer, 0, pkt) != 0) {
    if (pkt) {
      enet_packet_destroy(pkt);
    }
    return -1;
  }
  return 0;
}

/* ---- server ---------------------------------------------------------------- */

typedef struct options_t {
  long long ticks, boids, tick_ms, max_lead;
  long long serve, connect; /* ports, -1: not given */
} options_t;

static int server_run(ENetHost *host, const options_t *o) {
  world_t s;
  if (world_init(&s) != 0 || ecs_delta_enable(s.w) != ECS_OK) {
    fprintf(stderr, "server: cannot build the world\n");
    return 1;
  }
  /* the first baseline: the registered, empty world the client has too */
  uint64_t base_tick = ecs_delta_tick(s.w);
  uint64_t base_sum = ecs_world_checksum(s.w);
  uint64_t acked_tick = 0, acked_sum = 0; /* the delta baseline the client acked */
  bool have_ack = false;
  ENetPeer *client = NULL;
  ENetEvent ev;
  double start = now_ms();
  while (!have_ack) { /* connect, then HELLO */
    if (now_ms() - start > WAIT_LIMIT_MS) {
      fprintf(stderr, "server: no client\n");
      return 1;
    }
    if (enet_host_service(host, &ev, 50) <= 0) {
      continue;
    }
    if (ev.type == ENET_EVENT_TYPE_CONNECT) {
      client = ev.peer;
    } else if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
      if (ev.packet->dataLength == 9 && ev.packet->data[0] == MSG_HELLO) {
        acked_sum = get_u64(ev.packet->data + 1);
        acked_tick = base_tick;
        have_ack = true;
      }
      enet_packet_destroy(ev.packet);
    }
  }
  if (acked_sum != base_sum) {
    fprintf(stderr, "server: the client's world differs from ours before the first delta\n");
    return 1;
  }
  Rng seed = {12345, 0, 0};
  if (ecs_resource_set(s.w, s.rng, &seed) != ECS_OK) {
    return 1;
  }
  ecs_membuf_t buf = {0};
  uint64_t last_tick = 0; /* the last game tick simulated */
  uint64_t last_sum = 0;
  uint64_t acked_game = 0; /* the game tick of the state the client acked */
  size_t sent_bytes = 0, full_bytes = 0, sent = 0;
  bool final_acked = false;
  int rc = 0;
  start = now_ms();
  for (long long slot = 1; !final_acked && rc == 0; ++slot) {
    if (now_ms() - start > WAIT_LIMIT_MS) {
      fprintf(stderr, "server: the client did not acknowledge the last tick in time\n");
      rc = 1;
      break;
    }
    double tick_start = now_ms();
    /* a tick per slot, unless the client lags more than --max-lead ticks */
    if (last_tick < (uint64_t)o->ticks && last_tick - acked_game <= (uint64_t)o->max_lead) {
      if (world_tick(&s, (int32_t)o->boids) != 0) {
        fprintf(stderr, "server: tick failed: %s\n", ecs_last_error(s.w));
        rc = 1;
        break;
      }
      last_tick++;
      last_sum = ecs_world_checksum(s.w);
    }
    /* the state, from the client's last acked one; sent again each slot
     * until the client acks it */
    ecs_membuf_reset(&buf);
    uint8_t head[13] = {MSG_DELTA};
    put_u32(head + 1, (uint32_t)last_tick);
    put_u64(head + 5, last_sum);
    ecs_writer_t out = ecs_membuf_writer(&buf);
    uint64_t delta_tick = 0;
    if (ecs_write(&out, head, sizeof head) != ECS_OK ||
        ecs_delta_save(s.w, &(ecs_delta_desc_t){.baseline_tick = acked_tick, .baseline_checksum = acked_sum}, &out,
                       &delta_tick) != ECS_OK ||
        send_msg(client, buf.data, buf.size, false) != 0) {
      fprintf(stderr, "server: cannot send tick %llu: %s\n", (unsigned long long)last_tick, ecs_last_error(s.w));
      rc = 1;
      break;
    }
    sent_bytes += buf.size;
    sent++;
    if (slot % 100 == 0) { /* what a full snapshot would have cost */
      ecs_membuf_t full = {0};
      ecs_writer_t fw = ecs_membuf_writer(&full);
      if (ecs_snapshot_save(s.w, &fw) == ECS_OK) {
        full_bytes = full.size;
      }
      ecs_membuf_free(&full);
    }
    /* acks until the tick's time is up */
    while (rc == 0) {
      double left = (double)o->tick_ms - (now_ms() - tick_start);
      if (enet_host_service(host, &ev, left > 0 ? (enet_uint32)left : 0) <= 0) {
        break;
      }
      if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
        if (ev.packet->dataLength == 21 && ev.packet->data[0] == MSG_ACK) {
          uint64_t tick = get_u64(ev.packet->data + 1);
          if (tick > acked_tick) {
            acked_tick = tick;
            acked_sum = get_u64(ev.packet->data + 9);
            acked_game = get_u32(ev.packet->data + 17);
          }
          final_acked = last_tick == (uint64_t)o->ticks && acked_game == last_tick && acked_sum == last_sum;
        }
        enet_packet_destroy(ev.packet);
      } else if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
        fprintf(stderr, "server: the client left\n");
        rc = 1;
      }
    }
  }
  if (rc == 0) {
    uint8_t end[13] = {MSG_END};
    put_u32(end + 1, (uint32_t)last_tick);
    put_u64(end + 5, last_sum);
    rc = send_msg(client, end, sizeof end, true) != 0;
    enet_host_flush(host);
    printf("server: %lld ticks, %zu boids at the end, %zu deltas, %.0f bytes a delta on average (a full snapshot: "
           "%zu bytes)\n",
           o->ticks, ecs_entity_count(s.w), sent, sent ? (double)sent_bytes / (double)sent : 0.0, full_bytes);
    /* let the END reach the client before the host goes */
    start = now_ms();
    while (now_ms() - start < WAIT_LIMIT_MS && enet_host_service(host, &ev, 100) >= 0) {
      if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
        break;
      }
      if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
        enet_packet_destroy(ev.packet);
      }
    }
  }
  ecs_membuf_free(&buf);
  world_fini(&s);
  return rc;
}

/* ---- client ----------------------------------------------------------------- */

static int client_run(ENetHost *host, ENetPeer *server, const options_t *o) {
  world_t s;
  if (world_init(&s) != 0) {
    fprintf(stderr, "client: cannot build the world\n");
    return 1;
  }
  ENetEvent ev;
  double start = now_ms();
  bool connected = false;
  while (!connected && now_ms() - start < WAIT_LIMIT_MS) {
    connected = enet_host_service(host, &ev, 100) > 0 && ev.type == ENET_EVENT_TYPE_CONNECT;
  }
  uint8_t hello[9] = {MSG_HELLO};
  put_u64(hello + 1, ecs_world_checksum(s.w));
  if (!connected || send_msg(server, hello, sizeof hello, true) != 0) {
    fprintf(stderr, "client: cannot reach the server\n");
    world_fini(&s);
    return 1;
  }
  size_t applied = 0, skipped = 0, mismatches = 0;
  uint32_t last_applied = 0;
  int rc = -1;
  start = now_ms();
  while (rc < 0) {
    if (now_ms() - start > WAIT_LIMIT_MS) {
      fprintf(stderr, "client: the server went silent\n");
      rc = 1;
      break;
    }
    int got = enet_host_service(host, &ev, 100);
    if (got < 0) {
      rc = 1;
      break;
    }
    if (got == 0) {
      continue;
    }
    if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
      fprintf(stderr, "client: disconnected\n");
      rc = 1;
      break;
    }
    if (ev.type != ENET_EVENT_TYPE_RECEIVE) {
      continue;
    }
    const uint8_t *d = ev.packet->data;
    size_t n = ev.packet->dataLength;
    if (n >= 13 && d[0] == MSG_DELTA) {
      uint32_t tick = get_u32(d + 1);
      uint64_t server_sum = get_u64(d + 5);
      ecs_memsrc_t src = {.data = d + 13, .size = n - 13};
      ecs_reader_t in = ecs_memreader(&src);
      ecs_delta_info_t info;
      ecs_status_t st = ecs_delta_apply(s.w, &in, NULL, &info);
      if (st == ECS_OK) {
        uint64_t sum = ecs_world_checksum(s.w);
        applied += tick != last_applied;
        last_applied = tick;
        if (sum != server_sum) {
          fprintf(stderr, "client: tick %u: checksum %016llx, the server's %016llx\n", tick, (unsigned long long)sum,
                  (unsigned long long)server_sum);
          mismatches++;
        }
        uint8_t ack[21] = {MSG_ACK};
        put_u64(ack + 1, info.tick);
        put_u64(ack + 9, sum);
        put_u32(ack + 17, tick);
        if (send_msg(server, ack, sizeof ack, true) != 0) {
          rc = 1;
        }
      } else if (st == ECS_ERR_DELTA_BASELINE) {
        skipped++; /* sent before our last ack arrived */
      } else {
        fprintf(stderr, "client: tick %u: %s\n", tick, ecs_last_error(s.w));
        rc = 1;
      }
    } else if (n == 13 && d[0] == MSG_END) {
      uint32_t tick = get_u32(d + 1);
      bool same = tick == last_applied && get_u64(d + 5) == ecs_world_checksum(s.w);
      printf("client: %zu of %lld ticks applied (%zu deltas skipped), %zu checksum mismatches, last state %s; "
             "%zu boids\n",
             applied, o->ticks, skipped, mismatches, same ? "identical" : "DIFFERENT", ecs_entity_count(s.w));
      /* in lockstep (--max-lead 0) every tick is applied and compared */
      bool all = o->max_lead > 0 || applied == (size_t)o->ticks;
      rc = (same && mismatches == 0 && all) ? 0 : 1;
    }
    enet_packet_destroy(ev.packet);
  }
  enet_peer_disconnect(server, 0);
  enet_host_flush(host);
  world_fini(&s);
  return rc;
}

static ENetHost *client_host(uint16_t port, ENetPeer **server) {
  ENetHost *host = enet_host_create(NULL, 1, 1, 0, 0);
  ENetAddress addr = {0};
  if (!host || enet_address_set_host_ip(&addr, "127.0.0.1") != 0) {
    return host;
  }
  addr.port = port;
  *server = enet_host_connect(host, &addr, 1, 0);
  return host;
}

enum { OPT_TICKS = CLI_LONG_ONLY, OPT_BOIDS, OPT_TICK_MS, OPT_MAX_LEAD, OPT_SERVE, OPT_CONNECT };

static const cli_flag_t flags[] = {
    {"ticks", OPT_TICKS, "N", "ticks the server runs, 1 to 100000 (default 600)"},
    {"boids", OPT_BOIDS, "N", "boids the flock keeps about, 1 to 100000 (default 500)"},
    {"tick-ms", OPT_TICK_MS, "MS", "milliseconds a tick lasts on the server, 0 to 1000 (default 4)"},
    {"max-lead", OPT_MAX_LEAD, "N",
     "ticks the server may run ahead of the client's last ack, 0 to 100000 (default 0:\n"
     "lockstep, every tick compared; more: the client skips deltas built on states it left)"},
    {"serve", OPT_SERVE, "PORT", "run the server only, on this port of 127.0.0.1 (default: both, forked)"},
    {"connect", OPT_CONNECT, "PORT", "run the client only, connecting to this port of 127.0.0.1"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

int main(int argc, char **argv) {
  options_t o = {600, 500, 4, 0, -1, -1};
  cli_t cli;
  cli_begin(&cli, "replication", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = 0;
    switch (k) {
    case OPT_TICKS:
      rc = cli_int("replication", "--ticks", optarg, 1, 100000, &o.ticks);
      break;
    case OPT_BOIDS:
      rc = cli_int("replication", "--boids", optarg, 1, 100000, &o.boids);
      break;
    case OPT_TICK_MS:
      rc = cli_int("replication", "--tick-ms", optarg, 0, 1000, &o.tick_ms);
      break;
    case OPT_MAX_LEAD:
      rc = cli_int("replication", "--max-lead", optarg, 0, 100000, &o.max_lead);
      break;
    case OPT_SERVE:
      rc = cli_int("replication", "--serve", optarg, 1, 65535, &o.serve);
      break;
    case OPT_CONNECT:
      rc = cli_int("replication", "--connect", optarg, 1, 65535, &o.connect);
      break;
    case 'h':
      printf("usage: replication [options]\nA server streams delta snapshots of a flock to a client over ENet.\n");
      cli_print_flags(&cli, stdout);
      return CLI_EXIT_OK;
    default:
      return CLI_EXIT_USAGE;
    }
    if (rc) {
      return rc;
    }
  }
  if (cli_no_operands(&cli, argc, argv) != 0) {
    return CLI_EXIT_USAGE;
  }
  if (enet_initialize() != 0) {
    fprintf(stderr, "replication: cannot initialise ENet\n");
    return CLI_EXIT_RUNTIME;
  }
  int rc = CLI_EXIT_RUNTIME;
  if (o.connect > 0) {
    ENetPeer *server = NULL;
    ENetHost *host = client_host((uint16_t)o.connect, &server);
    rc = host && server ? client_run(host, server, &o) : CLI_EXIT_RUNTIME;
    if (host) {
      enet_host_destroy(host);
    }
    enet_deinitialize();
    return rc;
  }
  ENetAddress addr = {0};
  enet_address_set_host_ip(&addr, "127.0.0.1");
  addr.port = o.serve > 0 ? (uint16_t)o.serve : 0; /* 0: the system picks a free port */
  ENetHost *host = enet_host_create(&addr, 1, 1, 0, 0);
  ENetAddress bound = {0};
  if (!host || enet_socket_get_address(host->socket, &bound) != 0) {
    fprintf(stderr, "replication: cannot listen on 127.0.0.1:%u\n", (unsigned)addr.port);
    if (host) {
      enet_host_destroy(host);
    }
    enet_deinitialize();
    return CLI_EXIT_RUNTIME;
  }
  pid_t child = -1;
  if (o.serve <= 0) {
    fflush(stdout);
    child = fork();
    if (child == 0) { /* the client process: its own host */
      ENetPeer *server = NULL;
      ENetHost *mine = client_host(bound.port, &server);
      int crc = mine && server ? client_run(mine, server, &o) : CLI_EXIT_RUNTIME;
      if (mine) {
        enet_host_destroy(mine);
      }
      fflush(stdout);
      _exit(crc);
    }
    if (child < 0) {
      fprintf(stderr, "replication: cannot start the client process\n");
      enet_host_destroy(host);
      enet_deinitialize();
      return CLI_EXIT_RUNTIME;
    }
  } else {
    printf("server: listening on 127.0.0.1:%u\n", (unsigned)bound.port);
  }
  rc = server_run(host, &o);
  enet_host_destroy(host);
  enet_deinitialize();
  if (child > 0) {
    int status = 0;
    if (rc != 0) {
      kill(child, SIGTERM);
    }
    if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
      fprintf(stderr, "replication: the client failed\n");
      rc = 1;
    }
  }
  if (rc == 0) {
    printf("replication: the client rebuilt the server's world tick by tick\n");
  }
  return rc ? CLI_EXIT_RUNTIME : CLI_EXIT_OK;
}
