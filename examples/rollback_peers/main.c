/* rollback_peers: two peer processes play the same flock over loopback on
 * ENet, GGPO-style: each simulates at once with its own input and a
 * prediction of the other's (the last one it got), and when the real
 * input arrives and differs it restores the snapshot before that tick
 * (ecs_rollback_restore) and simulates again. The network is made worse
 * in the send path, deterministically from a seeded generator: every
 * packet waits LATENCY loop steps (100 ms at 60 steps a second) and 5% of
 * the unreliable input packets are dropped (each carries every input the
 * other side has not acknowledged, so a loss only delays). Time is in
 * loop steps, not wall clock, so the run goes faster than real time.
 *
 * Every CHECK_EVERY ticks, once a tick is confirmed (both inputs real),
 * the peers exchange its world checksum on a reliable channel. On a
 * mismatch each peer writes its digest log (digest.h: what each system
 * and barrier changed, per tick, per entity) and the parent process loads
 * both and prints where they first diverged: tick, group, system,
 * component, entity. --desync-at T makes peer 1 nudge one agent in its
 * steer system at tick T, to see that report.
 *
 * usage: rollback_peers [--ticks N] [--agents N] [--desync-at T] [--seed S]
 * Exit status: 0 in sync, 1 error, 2 usage error, 3 desync (reported). */
#define _POSIX_C_SOURCE 200809L
#include "../common/cli.h"

#include <ecs.h>
#include <enet/enet.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

enum {
  LATENCY = 6,         /* loop steps a packet waits before it is sent (100 ms at 60/s) */
  LOSS_PERCENT = 5,    /* of unreliable input packets, dropped */
  MAX_PREDICTION = 12, /* ticks a peer may run ahead of the other's last input */
  RING = MAX_PREDICTION + 4,
  CHECK_EVERY = 30,     /* ticks between checksum exchanges */
  MAX_SEND_INPUTS = 64, /* inputs per packet at most */
  QUEUE = 512,          /* delayed packets in flight at most */
};

enum { MSG_INPUT = 1, MSG_CHECKSUM = 2, MSG_DONE = 3, MSG_DESYNC = 4 };

/* ---- the game: a flock steered toward two attractors, one per player ---- */

typedef struct Position {
  float x, y;
} Position;
typedef struct Velocity {
  float x, y;
} Velocity;
/* resource: this tick's inputs (set by the host before each tick) */
typedef struct Inputs {
  uint8_t player[2];
  uint8_t pad[6];
} Inputs;
/* resource: where each player's attractor is */
typedef struct Attractors {
  float x[2], y[2];
} Attractors;

typedef struct game_t {
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_rollback_t *ring;
  ecs_digest_log_t *digests;
  ecs_component_t pos, vel, inputs, attractors;
  int peer;
  uint64_t desync_at; /* peer 1 nudges an agent at this tick (0: never) */
} game_t;

/* players: an input moves the player's attractor (bits: left right up down) */
static ecs_status_t apply_inputs(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  const Inputs *in = ecs_system_resource(ctx, g->inputs);
  Attractors *a = ecs_system_resource_mut(ctx, g->attractors);
  for (int p = 0; p < 2; ++p) {
    uint8_t b = in->player[p];
    a->x[p] += (float)((b >> 1 & 1) - (b & 1)) * 0.5f;
    a->y[p] += (float)((b >> 3 & 1) - (b >> 2 & 1)) * 0.5f;
  }
  return ECS_OK;
}

static ecs_status_t steer_slice(ecs_iter_t *it, ecs_cmd_buffer_t *commands, void *user) {
  (void)commands;
  const ecs_system_ctx_t *ctx = user;
  const game_t *g = ctx->user;
  const Attractors *a = ecs_system_resource(ctx, g->attractors);
  const Position *p = ecs_field(it, 0);
  Velocity *v = ecs_field(it, 1);
  for (int32_t i = 0; i < it->count; ++i) {
    int k = ECS_ENTITY_INDEX(it->entities[i]) & 1; /* half the flock follows each player */
    v[i].x = v[i].x * 0.95f + (a->x[k] - p[i].x) * 0.002f;
    v[i].y = v[i].y * 0.95f + (a->y[k] - p[i].y) * 0.002f;
    if (g->peer == 1 && ctx->tick == g->desync_at && ECS_ENTITY_INDEX(it->entities[i]) == 7) {
      v[i].x += 0.25f; /* the injected desync: peer 1 only */
    }
  }
  return ECS_OK;
}

static ecs_status_t steer(ecs_system_ctx_t *ctx) {
  return ecs_parallel_for(ctx, 64, steer_slice, ctx);
}

static ecs_status_t integrate(ecs_system_ctx_t *ctx) {
  while (ecs_iter_next(&ctx->it)) {
    Position *p = ecs_field(&ctx->it, 0);
    const Velocity *v = ecs_field(&ctx->it, 1);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      p[i].x += v[i].x;
      p[i].y += v[i].y;
    }
  }
  return ECS_OK;
}

static bool game_init(game_t *g, int peer, long long agents, uint64_t desync_at) {
  memset(g, 0, sizeof *g);
  g->peer = peer;
  g->desync_at = desync_at;
  g->world = ecs_world_new(NULL);
  if (!g->world) {
    return false;
  }
  g->pos = ECS_COMPONENT(g->world, Position);
  g->vel = ECS_COMPONENT(g->world, Velocity);
  g->inputs = ECS_COMPONENT(g->world, Inputs);
  g->attractors = ECS_COMPONENT(g->world, Attractors);
  Inputs in;
  memset(&in, 0, sizeof in); /* padding is hashed too: zero it */
  Attractors at = {{-20.0f, 20.0f}, {0.0f, 0.0f}};
  ecs_resource_set(g->world, g->inputs, &in);
  ecs_resource_set(g->world, g->attractors, &at);
  for (long long i = 0; i < agents; ++i) {
    ecs_entity_t e = ecs_entity_create(g->world);
    ecs_set(g->world, e, g->pos, &(Position){(float)(i % 32) - 16.0f, (float)(i / 32) - 8.0f});
    ecs_set(g->world, e, g->vel, &(Velocity){0.0f, 0.0f});
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(g->world);
  ecs_builder_set_options(b, &(ecs_scheduler_desc_t){.threads = 2});
  ecs_group_t players = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "players"});
  ecs_group_t flock =
      ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "flock", .mode = ECS_GROUP_ASYNC, .after = {"players"}});
  ecs_group_t motion = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "motion", .after = {"flock"}});
  ecs_builder_add_system(b, players,
                         &(ecs_system_desc_t){.name = "apply_inputs",
                                              .reads = {g->inputs},
                                              .writes = {g->attractors},
                                              .callback = apply_inputs,
                                              .user = g});
  ecs_builder_add_system(
      b, flock,
      &(ecs_system_desc_t){.name = "steer",
                           .query = {.terms = {{g->pos, ECS_ACCESS_READ}, {g->vel, ECS_ACCESS_WRITE}}},
                           .reads = {g->attractors},
                           .callback = steer,
                           .user = g});
  ecs_builder_add_system(
      b, motion,
      &(ecs_system_desc_t){.name = "integrate",
                           .query = {.terms = {{g->pos, ECS_ACCESS_WRITE}, {g->vel, ECS_ACCESS_READ}}},
                           .callback = integrate});
  if (ecs_scheduler_build(b, &g->sched) != ECS_OK) {
    fprintf(stderr, "peer %d: %s\n", peer, ecs_last_error(g->world));
    return false;
  }
  g->ring = ecs_rollback_new(g->world, RING);
  g->digests = ecs_digest_log_new(g->world);
  return g->ring && g->digests && ecs_scheduler_set_digests(g->sched, g->digests, ECS_DIGEST_ENTITIES) == ECS_OK &&
         ecs_rollback_save(g->ring, 0) == ECS_OK;
}

static void game_fini(game_t *g) {
  ecs_scheduler_free(g->sched); /* detaches the digest log */
  ecs_digest_log_free(g->digests);
  ecs_rollback_free(g->ring);
  ecs_world_free(g->world);
}

/* ---- deterministic helpers ---- */

static uint64_t mix(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 33);
}

/* A player's input at tick t: a direction held for a while, then another. */
static uint8_t input_of(uint64_t seed, int player, uint64_t t) {
  uint64_t h = mix(seed * 2 + (uint64_t)player + 1 + mix(t / 17));
  return (uint8_t)(h & 0x0f);
}

static void put32(uint8_t *p, uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    p[i] = (uint8_t)(v >> (8 * i));
  }
}
static uint32_t get32(const uint8_t *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static void put64(uint8_t *p, uint64_t v) {
  put32(p, (uint32_t)v);
  put32(p + 4, (uint32_t)(v >> 32));
}
static uint64_t get64(const uint8_t *p) {
  return (uint64_t)get32(p) | (uint64_t)get32(p + 4) << 32;
}

/* ---- the session ---- */

typedef struct pending_t {
  uint64_t due; /* loop step it goes out at */
  uint8_t channel;
  bool reliable;
  size_t size;
  uint8_t data[16 + MAX_SEND_INPUTS];
} pending_t;

typedef struct session_t {
  game_t game;
  int me;
  uint64_t seed;
  long long ticks;
  uint8_t *inputs[2];     /* by tick: what each player pressed (remote: once known) */
  uint8_t *used;          /* by tick: the remote input the current simulation of it used */
  uint64_t frame;         /* last tick simulated */
  uint64_t remote_known;  /* remote inputs known for ticks 1..remote_known */
  uint64_t remote_acked;  /* the remote has our inputs up to this tick */
  uint64_t *checksum;     /* by tick: world checksum after it, when final */
  uint64_t final_through; /* checksums of ticks up to here are final (both inputs real) */
  uint64_t next_check;    /* next tick whose checksum we send */
  uint64_t *remote_sum;   /* by tick (CHECK_EVERY multiples): the remote's checksum, 0 unknown */
  uint64_t checked;       /* checksums compared equal */
  uint64_t rollbacks, resimulated;
  uint64_t mismatch; /* first tick whose checksums differ (0: none) */
  bool remote_done;
  bool remote_gone; /* disconnected */
  bool told;        /* the mismatch was found by the other side */
  uint64_t step;    /* loop steps (the simulated network's clock) */
  uint64_t rng;     /* the simulated network's generator */
  pending_t queue[QUEUE];
  size_t queued;
  ENetHost *host;
  ENetPeer *peer;
} session_t;

static bool enqueue(session_t *s, const uint8_t *data, size_t size, bool reliable) {
  if (s->queued == QUEUE) {
    return false; /* a full queue drops (only unreliable packets get here before it drains) */
  }
  pending_t *p = &s->queue[s->queued++];
  p->due = s->step + LATENCY;
  p->reliable = reliable;
  p->channel = reliable ? 1 : 0;
  p->size = size;
  memcpy(p->data, data, size);
  return true;
}

/* Sends what is due; drops LOSS_PERCENT of the unreliable ones. */
static void flush_queue(session_t *s) {
  size_t keep = 0;
  for (size_t i = 0; i < s->queued; ++i) {
    pending_t *p = &s->queue[i];
    if (p->due > s->step) {
      s->queue[keep++] = *p;
      continue;
    }
    s->rng = mix(s->rng + 0x9e3779b97f4a7c15ull);
    if (!p->reliable && s->rng % 100 < LOSS_PERCENT) {
      continue;
    }
    ENetPacket *pk = enet_packet_create(p->data, p->size, p->reliable ? ENET_PACKET_FLAG_RELIABLE : 0);
    if (pk && enet_peer_send(s->peer, p->channel, pk) != 0) {
      enet_packet_destroy(pk);
    }
  }
  s->queued = keep;
  enet_host_flush(s->host);
}

static void send_inputs(session_t *s) {
  uint8_t msg[9 + MAX_SEND_INPUTS]; /* [0] type, [1..4] ack, [5..8] first tick, then inputs */
  uint64_t first = s->remote_acked + 1;
  if (first > s->frame) {
    first = s->frame; /* nothing new: repeat the last, which also acknowledges */
  }
  uint64_t count = s->frame >= first ? s->frame - first + 1 : 0;
  count = count > MAX_SEND_INPUTS ? MAX_SEND_INPUTS : count;
  msg[0] = MSG_INPUT;
  put32(msg + 1, (uint32_t)s->remote_known); /* our acknowledgement of theirs */
  put32(msg + 5, (uint32_t)first);
  for (uint64_t i = 0; i < count; ++i) {
    msg[9 + i] = s->inputs[s->me][first + i];
  }
  (void)enqueue(s, msg, 9 + (size_t)count, false);
}

static void send_checksum(session_t *s, uint64_t tick) {
  uint8_t msg[13];
  msg[0] = MSG_CHECKSUM;
  put32(msg + 1, (uint32_t)tick);
  put64(msg + 5, s->checksum[tick]);
  (void)enqueue(s, msg, sizeof msg, true);
}

/* Simulates tick t with our input and the remote's (real, or predicted:
 * the last one known). */
static bool simulate(session_t *s, uint64_t t) {
  game_t *g = &s->game;
  int them = 1 - s->me;
  uint8_t remote = t <= s->remote_known ? s->inputs[them][t] : s->remote_known ? s->inputs[them][s->remote_known] : 0;
  s->used[t] = remote;
  Inputs in;
  memset(&in, 0, sizeof in);
  in.player[s->me] = s->inputs[s->me][t];
  in.player[them] = remote;
  if (ecs_resource_set(g->world, g->inputs, &in) != ECS_OK ||
      ecs_scheduler_tick(g->sched, 1.0 / 60.0, NULL) != ECS_OK || ecs_rollback_save(g->ring, t) != ECS_OK) {
    fprintf(stderr, "peer %d: tick %llu failed: %s\n", s->me, (unsigned long long)t, ecs_last_error(g->world));
    return false;
  }
  /* the digest log's last record is the world checksum after the tick
   * (ECS_DIGEST_TICK): no need to hash the world twice */
  ecs_digest_record_t last;
  size_t n = ecs_digest_log_count(g->digests);
  bool have = n > 0 && ecs_digest_log_record(g->digests, n - 1, &last) == ECS_OK && last.kind == ECS_DIGEST_TICK &&
              last.tick == t;
  s->checksum[t] = have ? last.digest : ecs_world_checksum(g->world);
  return true;
}

/* After new remote inputs: rolls back to the first tick predicted wrong
 * and simulates again up to the present; then marks the checksums that
 * are now final. */
static bool reconcile(session_t *s, uint64_t old_known) {
  uint64_t wrong = 0;
  for (uint64_t t = old_known + 1; t <= s->remote_known && t <= s->frame; ++t) {
    if (s->used[t] != s->inputs[1 - s->me][t]) {
      wrong = t;
      break;
    }
  }
  if (wrong) {
    game_t *g = &s->game;
    if (ecs_rollback_restore(g->ring, wrong - 1) != ECS_OK) {
      fprintf(stderr, "peer %d: no snapshot of tick %llu: %s\n", s->me, (unsigned long long)(wrong - 1),
              ecs_last_error(g->world));
      return false;
    }
    s->rollbacks++;
    for (uint64_t t = wrong; t <= s->frame; ++t) {
      if (!simulate(s, t)) {
        return false;
      }
      s->resimulated++;
    }
  }
  uint64_t final = s->remote_known < s->frame ? s->remote_known : s->frame;
  s->final_through = final > s->final_through ? final : s->final_through;
  return true;
}

/* Compares the checksums both sides have final. */
static void check(session_t *s) {
  while (s->next_check <= s->final_through) {
    send_checksum(s, s->next_check);
    s->next_check += CHECK_EVERY;
  }
  for (uint64_t t = CHECK_EVERY; t <= s->final_through && !s->mismatch; t += CHECK_EVERY) {
    if (s->remote_sum[t] == 0) {
      continue;
    }
    if (s->remote_sum[t] != s->checksum[t]) {
      s->mismatch = t;
      fprintf(stderr, "peer %d: checksum mismatch at confirmed tick %llu (mine %016llx, theirs %016llx)\n", s->me,
              (unsigned long long)t, (unsigned long long)s->checksum[t], (unsigned long long)s->remote_sum[t]);
    } else {
      s->checked++;
    }
    s->remote_sum[t] = 0;
  }
}

static bool receive(session_t *s, const uint8_t *d, size_t n) {
  int them = 1 - s->me;
  if (n >= 9 && d[0] == MSG_INPUT) {
    uint64_t ack = get32(d + 1);
    uint64_t first = get32(d + 5);
    s->remote_acked = ack > s->remote_acked ? ack : s->remote_acked;
    uint64_t old_known = s->remote_known;
    for (size_t i = 9; i < n; ++i) {
      uint64_t t = first + (i - 9);
      if (t == s->remote_known + 1 && t <= (uint64_t)s->ticks) {
        s->inputs[them][t] = d[i];
        s->remote_known = t;
      }
    }
    return s->remote_known == old_known || reconcile(s, old_known);
  }
  if (n == 13 && d[0] == MSG_CHECKSUM) {
    uint64_t t = get32(d + 1);
    if (t <= (uint64_t)s->ticks && t % CHECK_EVERY == 0) {
      s->remote_sum[t] = get64(d + 5);
    }
    return true;
  }
  if (n == 1 && d[0] == MSG_DONE) {
    s->remote_done = true;
  }
  if (n == 5 && d[0] == MSG_DESYNC && !s->mismatch) {
    s->mismatch = get32(d + 1); /* the other side found it: write our log too */
    s->told = true;
  }
  return true;
}

/* Services the network once (waiting up to wait_ms); false on a failure. */
static bool pump(session_t *s, uint32_t wait_ms) {
  ENetEvent ev;
  int r = enet_host_service(s->host, &ev, wait_ms);
  for (; r > 0; r = enet_host_service(s->host, &ev, 0)) {
    if (ev.type == ENET_EVENT_TYPE_RECEIVE) {
      bool ok = receive(s, ev.packet->data, ev.packet->dataLength);
      enet_packet_destroy(ev.packet);
      if (!ok) {
        return false;
      }
    } else if (ev.type == ENET_EVENT_TYPE_DISCONNECT) {
      s->remote_gone = true;
    }
  }
  return r == 0;
}

static bool connect_peers(session_t *s, int port_pipe[2]) {
  ENetAddress addr;
  enet_address_set_host(&addr, "127.0.0.1");
  if (s->me == 0) {
    addr.port = 0; /* any free port, told to peer 1 through the pipe */
    s->host = enet_host_create(&addr, 1, 2, 0, 0);
    ENetAddress bound;
    if (!s->host || enet_socket_get_address(s->host->socket, &bound) != 0) {
      fprintf(stderr, "peer 0: cannot open a UDP socket on 127.0.0.1\n");
      return false;
    }
    uint16_t port = bound.port;
    if (write(port_pipe[1], &port, sizeof port) != (ssize_t)sizeof port) {
      return false;
    }
  } else {
    uint16_t port = 0;
    if (read(port_pipe[0], &port, sizeof port) != (ssize_t)sizeof port || port == 0) {
      fprintf(stderr, "peer 1: peer 0 did not start\n");
      return false;
    }
    addr.port = port;
    s->host = enet_host_create(NULL, 1, 2, 0, 0);
    s->peer = s->host ? enet_host_connect(s->host, &addr, 2, 0) : NULL;
    if (!s->peer) {
      fprintf(stderr, "peer 1: cannot connect\n");
      return false;
    }
  }
  ENetEvent ev;
  for (int tries = 0; tries < 100; ++tries) {
    if (enet_host_service(s->host, &ev, 50) > 0 && ev.type == ENET_EVENT_TYPE_CONNECT) {
      s->peer = ev.peer;
      return true;
    }
  }
  fprintf(stderr, "peer %d: no connection after 5 s\n", s->me);
  return false;
}

/* One peer's whole run. Returns the exit status. */
static int run_peer(int me, long long ticks, long long agents, uint64_t seed, uint64_t desync_at, int port_pipe[2]) {
  session_t *s = calloc(1, sizeof *s);
  if (!s) {
    return 1;
  }
  s->me = me;
  s->seed = seed;
  s->ticks = ticks;
  s->rng = mix(seed ^ (uint64_t)(me + 1) * 0x1234567ull);
  s->next_check = CHECK_EVERY;
  size_t n = (size_t)ticks + 2;
  s->inputs[0] = calloc(n, 1);
  s->inputs[1] = calloc(n, 1);
  s->used = calloc(n, 1);
  s->checksum = calloc(n, sizeof *s->checksum);
  s->remote_sum = calloc(n, sizeof *s->remote_sum);
  int rc = 1;
  if (!s->inputs[0] || !s->inputs[1] || !s->used || !s->checksum || !s->remote_sum ||
      !game_init(&s->game, me, agents, desync_at)) {
    fprintf(stderr, "peer %d: cannot set up the game\n", me);
    goto out;
  }
  if (enet_initialize() != 0 || !connect_peers(s, port_pipe)) {
    goto out;
  }
  bool done_sent = false;
  for (;;) {
    s->step++;
    if (!pump(s, 0)) {
      goto out;
    }
    bool can_advance = s->frame < (uint64_t)ticks && s->frame < s->remote_known + MAX_PREDICTION;
    if (can_advance) {
      uint64_t t = ++s->frame;
      s->inputs[me][t] = input_of(seed, me, t);
      if (!simulate(s, t)) {
        goto out;
      }
      uint64_t final = s->remote_known < s->frame ? s->remote_known : s->frame;
      s->final_through = final > s->final_through ? final : s->final_through;
      /* the digest log keeps the ticks a checksum exchange may still question */
      if (t % 64 == 0 && s->final_through > 4 * CHECK_EVERY) {
        ecs_digest_log_drop_before(s->game.digests, s->final_through - 4 * CHECK_EVERY);
      }
    }
    if (!s->remote_done) { /* inputs, and acknowledgements of theirs, until they are done */
      send_inputs(s);
    }
    check(s);
    flush_queue(s);
    if (s->mismatch) {
      if (!s->told) { /* tell the other side at once, past the simulated latency */
        uint8_t msg[5] = {MSG_DESYNC};
        put32(msg + 1, (uint32_t)s->mismatch);
        ENetPacket *pk = enet_packet_create(msg, sizeof msg, ENET_PACKET_FLAG_RELIABLE);
        if (pk && enet_peer_send(s->peer, 1, pk) != 0) {
          enet_packet_destroy(pk);
        }
        enet_host_flush(s->host);
      }
      break;
    }
    if (s->remote_gone && !s->remote_done) {
      fprintf(stderr, "peer %d: the other peer left at tick %llu\n", me, (unsigned long long)s->frame);
      goto out;
    }
    bool finished = s->frame == (uint64_t)ticks && s->final_through == (uint64_t)ticks &&
                    s->next_check > (uint64_t)ticks && s->remote_acked == (uint64_t)ticks &&
                    s->checked == (uint64_t)ticks / CHECK_EVERY;
    if (finished && !done_sent) {
      uint8_t done = MSG_DONE;
      (void)enqueue(s, &done, 1, true);
      done_sent = true;
    }
    if (done_sent && s->remote_done && s->queued == 0) {
      break;
    }
    if (!can_advance && !pump(s, 1)) { /* waiting for the other peer: do not spin */
      goto out;
    }
  }
  if (s->mismatch) {
    char path[64];
    snprintf(path, sizeof path, "rollback_peer%d.dlog", me);
    ecs_status_t st = ecs_digest_log_save_file(s->game.digests, path);
    fprintf(stderr, "peer %d: wrote %s (%s)\n", me, path, ecs_strerror(st));
    rc = 3;
  } else {
    printf("peer %d: %lld ticks in sync, %llu checksums compared, %llu rollbacks, %llu ticks simulated again, "
           "final checksum %016llx\n",
           me, ticks, (unsigned long long)s->checked, (unsigned long long)s->rollbacks,
           (unsigned long long)s->resimulated, (unsigned long long)s->checksum[ticks]);
    rc = 0;
  }
  /* a clean goodbye, so the other side is not left waiting */
  enet_peer_disconnect_later(s->peer, 0);
  for (int i = 0; i < 20; ++i) {
    ENetEvent ev;
    if (enet_host_service(s->host, &ev, 10) > 0 && ev.type == ENET_EVENT_TYPE_RECEIVE) {
      enet_packet_destroy(ev.packet);
    }
  }
out:
  if (s->host) {
    enet_host_destroy(s->host);
    enet_deinitialize();
  }
  if (s->game.world) {
    game_fini(&s->game);
  }
  free(s->inputs[0]);
  free(s->inputs[1]);
  free(s->used);
  free(s->checksum);
  free(s->remote_sum);
  free(s);
  return rc;
}

/* Loads both peers' digest logs and prints where they first diverged. */
static int report_desync(void) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_digest_log_t *a = ecs_digest_log_new(w);
  ecs_digest_log_t *b = ecs_digest_log_new(w);
  ecs_divergence_t d;
  ecs_status_t st = ecs_digest_log_load_file(a, "rollback_peer0.dlog");
  st = st == ECS_OK ? ecs_digest_log_load_file(b, "rollback_peer1.dlog") : st;
  st = st == ECS_OK ? ecs_digest_log_compare(a, b, &d) : st;
  if (st == ECS_OK) {
    char text[1024];
    ecs_divergence_format(&d, text, sizeof text);
    printf("desync localised (a = peer 0, b = peer 1): %s\n"
           "the same report: ecs-trace --compare rollback_peer0.dlog rollback_peer1.dlog\n",
           text);
  } else {
    printf("desync: cannot compare the digest logs: %s (%s)\n", ecs_strerror(st), ecs_last_error(w));
  }
  ecs_digest_log_free(a);
  ecs_digest_log_free(b);
  ecs_world_free(w);
  return 3;
}

enum { OPT_TICKS = CLI_LONG_ONLY, OPT_AGENTS, OPT_DESYNC, OPT_SEED };

static const cli_flag_t flags[] = {
    {"ticks", OPT_TICKS, "N", "ticks to play, 60 to 1000000 (default 10000)"},
    {"agents", OPT_AGENTS, "N", "agents in the flock, 2 to 100000 (default 256)"},
    {"desync-at", OPT_DESYNC, "T", "peer 1 nudges agent 7 in its steer system at tick T (default: never)"},
    {"seed", OPT_SEED, "S", "seed of the inputs and of the simulated network (default 1)"},
    {"help", 'h', NULL, "print this help and exit"},
    {0},
};

int main(int argc, char **argv) {
  long long ticks = 10000, agents = 256, desync_at = 0, seed = 1;
  cli_t cli;
  cli_begin(&cli, "rollback_peers", flags);
  for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
    int rc = 0;
    switch (k) {
    case OPT_TICKS:
      rc = cli_int("rollback_peers", "--ticks", optarg, 60, 1000000, &ticks);
      break;
    case OPT_AGENTS:
      rc = cli_int("rollback_peers", "--agents", optarg, 2, 100000, &agents);
      break;
    case OPT_DESYNC:
      rc = cli_int("rollback_peers", "--desync-at", optarg, 1, 1000000, &desync_at);
      break;
    case OPT_SEED:
      rc = cli_int("rollback_peers", "--seed", optarg, 0, 1000000000, &seed);
      break;
    case 'h':
      printf("usage: rollback_peers [options]\n\nTwo peer processes play one flock over ENet on loopback with "
             "prediction and rollback,\n100 ms of latency and 5%% loss simulated in the send path, and compare "
             "checksums.\n\n");
      cli_print_flags(&cli, stdout);
      printf("\nExit status: 0 in sync, 1 error, 2 usage error, 3 desync (localised from the digest logs).\n");
      return 0;
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
  int port_pipe[2];
  if (pipe(port_pipe) != 0) {
    perror("rollback_peers: pipe");
    return 1;
  }
  fflush(stdout);
  pid_t child = fork();
  if (child < 0) {
    perror("rollback_peers: fork");
    return 1;
  }
  if (child == 0) {
    int rc = run_peer(1, ticks, agents, (uint64_t)seed, (uint64_t)desync_at, port_pipe);
    fflush(stdout);
    _exit(rc);
  }
  int rc = run_peer(0, ticks, agents, (uint64_t)seed, (uint64_t)desync_at, port_pipe);
  if (rc != 0) {
    uint16_t none = 0; /* a peer 1 still waiting for the port gives up */
    (void)!write(port_pipe[1], &none, sizeof none);
  }
  int status = 0;
  waitpid(child, &status, 0);
  int child_rc = WIFEXITED(status) ? WEXITSTATUS(status) : 1;
  if (rc == 3 || child_rc == 3) {
    return report_desync();
  }
  if (rc != 0 || child_rc != 0) {
    fprintf(stderr, "rollback_peers: a peer failed (peer 0: %d, peer 1: %d)\n", rc, child_rc);
    return 1;
  }
  printf("rollback_peers: both peers in sync for %lld ticks\n", ticks);
  return 0;
}
