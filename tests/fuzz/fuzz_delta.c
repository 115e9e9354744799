/* Fuzz target: ecs_delta_apply from memory into a world at the baseline of
 * the seed deltas, with components of every storage kind, a tag and a
 * component with serialize hooks owning heap memory; mirror deltas, and
 * with mode bit 1 peer deltas through a network id map.
 *
 * Input: byte 0 is a mode, the rest a delta. With bit 0 of the mode set
 * the header and payload CRCs are recomputed before applying, so that
 * mutations reach the parser behind them; bit 1 picks a peer receiver
 * (an empty world and map) instead of a mirror one (the populated world).
 *
 * Checked after every apply: on error, the world is exactly as before
 * (checksum), the map too, and no hooked value leaked or was freed twice;
 * on success, the world iterates, takes structural changes, saves a
 * snapshot that loads into a fresh world with the same checksum, and every
 * mapped network id maps back.
 *
 * Built like fuzz_snapshot: the libFuzzer binary, and with ECS_FUZZ_REPLAY
 * a plain program that runs the files given once (ctest), or writes the
 * seed corpus with --write-seeds DIR. */
#include "ecs.h"
#include "snapshot_internal.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                                    \
  do {                                                                                                                 \
    if (!(cond)) {                                                                                                     \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);                                         \
      abort();                                                                                                         \
    }                                                                                                                  \
  } while (0)

typedef struct pos_t {
  float x, y;
} pos_t;
typedef struct name_t {
  char *s;
} name_t;

static int live_names;
static ecs_status_t last_status;

static void name_dtor(void *ptr, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    if (((name_t *)ptr)[i].s) {
      live_names--;
    }
    free(((name_t *)ptr)[i].s);
  }
}

static void name_move(void *dst, void *src, int32_t n, void *user) {
  (void)user;
  memcpy(dst, src, (size_t)n * sizeof(name_t));
  memset(src, 0, (size_t)n * sizeof(name_t));
}

static ecs_status_t name_ser(const void *v, const ecs_writer_t *out, void *user) {
  (void)user;
  const name_t *n = v;
  return ecs_write(out, n->s, strlen(n->s));
}

static ecs_status_t name_de(void *dst, const void *data, size_t size, void *user) {
  (void)user;
  if (size > 64 || memchr(data, 0, size)) {
    return ECS_ERR_SNAPSHOT_CORRUPT;
  }
  name_t *n = dst;
  n->s = malloc(size + 1);
  CHECK(n->s != NULL);
  memcpy(n->s, data, size);
  n->s[size] = 0;
  live_names++;
  return ECS_OK;
}

typedef struct fz_t {
  ecs_world_t *w;
  ecs_component_t pos, hp, vel, tag, name;
} fz_t;

static fz_t fz_new(void) {
  fz_t f;
  f.w = ecs_world_new(NULL);
  CHECK(f.w != NULL);
  f.pos = ecs_component_register(
      f.w, &(ecs_component_desc_t){.name = "Pos", .size = sizeof(pos_t), .storage = ECS_STORAGE_DENSE});
  f.hp = ecs_component_register(
      f.w, &(ecs_component_desc_t){.name = "Hp", .size = sizeof(int32_t), .storage = ECS_STORAGE_SPARSE});
  f.vel = ecs_component_register(
      f.w, &(ecs_component_desc_t){.name = "Vel", .size = sizeof(pos_t), .storage = ECS_STORAGE_ARCHETYPE});
  f.tag = ecs_component_register(f.w, &(ecs_component_desc_t){.name = "Tag"});
  f.name = ecs_component_register(f.w, &(ecs_component_desc_t){.name = "Name",
                                                               .size = sizeof(name_t),
                                                               .hooks = {.dtor = name_dtor, .move = name_move},
                                                               .serialize = name_ser,
                                                               .deserialize = name_de});
  CHECK(f.pos && f.hp && f.vel && f.tag && f.name);
  return f;
}

/* The mirror baseline: a few entities with a mix of components and a hole
 * in the registry. No Name: its values are pointers, which the world
 * checksum (the baseline's name) hashes as they are; names arrive in the
 * deltas. */
static void fz_populate(fz_t *f) {
  ecs_entity_t e[8];
  for (int i = 0; i < 8; ++i) {
    e[i] = ecs_entity_create(f->w);
    CHECK(ecs_set(f->w, e[i], f->pos, &(pos_t){(float)i, (float)-i}) == ECS_OK);
    if (i % 2) {
      CHECK(ecs_set(f->w, e[i], f->hp, &(int32_t){i * 10}) == ECS_OK);
    }
    if (i % 3 == 0) {
      CHECK(ecs_set(f->w, e[i], f->vel, &(pos_t){1, 1}) == ECS_OK);
      CHECK(ecs_add(f->w, e[i], f->tag) == ECS_OK);
    }
  }
  CHECK(ecs_entity_destroy(f->w, e[4]) == ECS_OK);
}

static bool bit(uint8_t mode, int b) {
  return (mode >> b) & 1u;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  if (size < 1) {
    return 0;
  }
  uint8_t mode = data[0];
  size_t n = size - 1;
  uint8_t *d = malloc(n ? n : 1);
  CHECK(d != NULL);
  memcpy(d, data + 1, n);
  if (bit(mode, 0) && n >= ECS__SNAP_HEADER_SIZE) {
    uint64_t len = ecs__le64(d + 16);
    size_t avail = n - ECS__SNAP_HEADER_SIZE;
    ecs__put_le32(d + 24, ecs__crc32(0, d + ECS__SNAP_HEADER_SIZE, len < avail ? (size_t)len : avail));
    ecs__put_le32(d + 28, ecs__crc32(0, d, 28));
  }
  fz_t f = fz_new();
  ecs_netmap_t *map = NULL;
  if (bit(mode, 1)) {
    map = ecs_netmap_new(f.w);
    CHECK(map != NULL);
  } else {
    fz_populate(&f);
  }
  uint64_t before = ecs_world_checksum(f.w);
  int live = live_names;
  ecs_memsrc_t src = {.data = d, .size = n};
  ecs_reader_t in = ecs_memreader(&src);
  ecs_status_t st = ecs_delta_apply(f.w, &in, map, NULL);
  last_status = st;
  if (st != ECS_OK) {
    CHECK(ecs_world_checksum(f.w) == before);
    CHECK(live_names == live);
    CHECK(ecs_netmap_count(map) == 0);
  } else {
    /* every mapped id maps back */
    size_t mapped = 0;
    for (uint32_t slot = 1; slot < 4096; ++slot) {
      for (uint32_t gen = 0; gen < 4; ++gen) {
        ecs_entity_t e = ECS_ENTITY_MAKE(slot, gen);
        uint64_t net = ecs_netmap_net(map, e);
        if (net) {
          CHECK(ecs_netmap_local(map, net) == e && ecs_entity_alive(f.w, e));
          mapped++;
        }
      }
    }
    CHECK(mapped == ecs_netmap_count(map));
    /* it works: structure, iteration, a snapshot round trip */
    ecs_entity_t e = ecs_entity_create(f.w);
    CHECK(e != ECS_ENTITY_NULL && ecs_set(f.w, e, f.pos, &(pos_t){1, 2}) == ECS_OK);
    CHECK(ecs_entity_destroy(f.w, e) == ECS_OK);
    ecs_membuf_t snap = {0};
    ecs_writer_t out = ecs_membuf_writer(&snap);
    CHECK(ecs_snapshot_save(f.w, &out) == ECS_OK);
    fz_t g = fz_new();
    ecs_memsrc_t ssrc = {.data = snap.data, .size = snap.size};
    ecs_reader_t sin = ecs_memreader(&ssrc);
    CHECK(ecs_snapshot_load(g.w, &sin) == ECS_OK);
    /* Name holds pointers: the world checksums differ; the rest agrees */
    CHECK(ecs_component_checksum(g.w, g.pos) == ecs_component_checksum(f.w, f.pos));
    CHECK(ecs_component_checksum(g.w, g.hp) == ecs_component_checksum(f.w, f.hp));
    CHECK(ecs_component_checksum(g.w, g.vel) == ecs_component_checksum(f.w, f.vel));
    CHECK(ecs_component_checksum(g.w, g.tag) == ecs_component_checksum(f.w, f.tag));
    CHECK(ecs_entity_count(g.w) == ecs_entity_count(f.w));
    ecs_world_free(g.w);
    ecs_membuf_free(&snap);
  }
  ecs_netmap_free(map);
  ecs_world_free(f.w);
  CHECK(live_names == 0);
  free(d);
  return 0;
}

#ifdef ECS_FUZZ_REPLAY
static void set_name(fz_t *f, ecs_entity_t e, const char *s) {
  name_t n = {malloc(strlen(s) + 1)};
  CHECK(n.s != NULL);
  strcpy(n.s, s);
  live_names++;
  CHECK(ecs_set(f->w, e, f->name, &n) == ECS_OK); /* bytes copied: the world owns n.s */
}

/* Changes a sender makes after the baseline (seeds only). */
static void fz_change(fz_t *f, int round) {
  ecs_entity_t made = ecs_entity_create(f->w);
  CHECK(ecs_set(f->w, made, f->hp, &(int32_t){round}) == ECS_OK);
  set_name(f, made, "new");
  ecs_entity_t first = ECS_ENTITY_MAKE(1, 0);
  if (ecs_entity_alive(f->w, first)) {
    CHECK(ecs_set(f->w, first, f->pos, &(pos_t){9, 9}) == ECS_OK);
    CHECK(ecs_remove(f->w, first, f->tag) == ECS_OK);
  }
  ecs_entity_t third = ECS_ENTITY_MAKE(3, 0);
  if (round > 0 && ecs_entity_alive(f->w, third)) {
    CHECK(ecs_entity_destroy(f->w, third) == ECS_OK);
  }
}

static int write_file(const char *dir, const char *name, const ecs_membuf_t *buf) {
  char path[1024];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *file = fopen(path, "wb");
  if (!file || fwrite(buf->data, 1, buf->size, file) != buf->size || fclose(file) != 0) {
    fprintf(stderr, "cannot write %s\n", path);
    return 1;
  }
  return 0;
}

/* Seeds: mode byte 1 (reseal) or 3 (reseal, peer) and a delta a receiver
 * built by the target can apply. */
static int write_seeds(const char *dir) {
  int failed = 0;
  for (int round = 0; round < 3; ++round) {
    fz_t tx = fz_new();
    fz_populate(&tx);
    CHECK(ecs_delta_enable(tx.w) == ECS_OK);
    uint64_t base = ecs_delta_tick(tx.w);
    uint64_t sum = ecs_world_checksum(tx.w);
    for (int r = 0; r < round; ++r) {
      fz_change(&tx, r);
    }
    ecs_membuf_t buf = {0};
    ecs_writer_t out = ecs_membuf_writer(&buf);
    uint8_t m = 1;
    CHECK(ecs_write(&out, &m, 1) == ECS_OK);
    CHECK(ecs_delta_save(tx.w, &(ecs_delta_desc_t){.baseline_tick = base, .baseline_checksum = sum}, &out, NULL) ==
          ECS_OK);
    char name[32];
    snprintf(name, sizeof name, "mirror-%d.delta", round);
    failed |= write_file(dir, name, &buf);
    /* the same changes for a peer that has nothing yet */
    fz_t rx = fz_new();
    ecs_delta_peer_t *peer = ecs_delta_peer_new(tx.w, NULL, NULL);
    ecs_membuf_reset(&buf);
    m = 3;
    CHECK(ecs_write(&out, &m, 1) == ECS_OK);
    CHECK(ecs_delta_save(tx.w, &(ecs_delta_desc_t){.baseline_checksum = ecs_world_checksum(rx.w), .peer = peer}, &out,
                         NULL) == ECS_OK);
    snprintf(name, sizeof name, "peer-%d.delta", round);
    failed |= write_file(dir, name, &buf);
    ecs_delta_peer_free(peer);
    ecs_world_free(rx.w);
    ecs_membuf_free(&buf);
    ecs_world_free(tx.w);
  }
  return failed;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--write-seeds") == 0) {
    return write_seeds(argv[2]);
  }
  for (int i = 1; i < argc; ++i) {
    FILE *file = fopen(argv[i], "rb");
    if (!file) {
      fprintf(stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    uint8_t *buf = NULL;
    size_t size = 0, cap = 0, got;
    do {
      if (size == cap) {
        cap = cap ? cap * 2 : 4096;
        uint8_t *grown = realloc(buf, cap);
        CHECK(grown != NULL);
        buf = grown;
      }
      got = fread(buf + size, 1, cap - size, file);
      size += got;
    } while (got > 0);
    fclose(file);
    LLVMFuzzerTestOneInput(buf, size);
    free(buf);
    printf("%s: %s\n", argv[i], last_status == ECS_OK ? "applied" : ecs_err_name(last_status));
  }
  return 0;
}
#endif
