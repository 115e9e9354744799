/* Input logs and replays: a recorded run replays to the same checksums
 * after every tick (in the same world and in a fresh one, from memory and
 * from a file); a wrong input shows at the tick it was made; a tick
 * recorded again after a rollback replaces the rest; corrupt files are
 * refused and change nothing; bad arguments and allocation failures are
 * reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/failing_alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct Pos {
  int32_t x, y;
} Pos;

typedef struct Input {
  int32_t dx, spawn;
} Input;

typedef struct game_t {
  ecs_world_t *world;
  ecs_scheduler_t *sched;
  ecs_component_t pos, input;
} game_t;

static ecs_status_t step(ecs_system_ctx_t *ctx) {
  const game_t *g = ctx->user;
  const Input *in = ecs_system_resource(ctx, g->input);
  while (ecs_iter_next(&ctx->it)) {
    Pos *p = ecs_field(&ctx->it, 0);
    for (int32_t i = 0; i < ctx->it.count; ++i) {
      p[i].x += in->dx;
      p[i].y += (p[i].x & 3) - 1;
      if (p[i].y < -20) {
        ecs_cmd_destroy(ctx->commands, ctx->it.entities[i]);
      }
    }
  }
  for (int32_t k = 0; k < in->spawn; ++k) {
    ecs_entity_t e = ecs_cmd_create(ctx->commands);
    ecs_cmd_set(ctx->commands, e, g->pos, &(Pos){k, (int32_t)ctx->tick});
  }
  return ECS_OK;
}

static void game_init(game_t *g, const ecs_world_desc_t *desc) {
  g->world = ecs_world_new(desc);
  assert_non_null(g->world);
  g->pos = ECS_COMPONENT(g->world, Pos);
  g->input = ECS_COMPONENT(g->world, Input);
  assert_int_equal(ecs_resource_set(g->world, g->input, &(Input){0, 0}), ECS_OK);
  for (int i = 0; i < 10; ++i) {
    ecs_set(g->world, ecs_entity_create(g->world), g->pos, &(Pos){i, 0});
  }
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(g->world);
  ecs_group_t grp = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "sim"});
  ecs_builder_add_system(b, grp,
                         &(ecs_system_desc_t){.name = "step",
                                              .query = {.terms = {{g->pos, ECS_ACCESS_WRITE}}},
                                              .reads = {g->input},
                                              .callback = step,
                                              .user = g});
  assert_int_equal(ecs_scheduler_build(b, &g->sched), ECS_OK);
}

static void game_fini(game_t *g) {
  ecs_scheduler_free(g->sched);
  ecs_world_free(g->world);
}

/* The host's input of a tick: made up here, from the tick. */
static Input input_of(uint64_t t) {
  return (Input){(int32_t)(t % 5) - 2, t % 4 == 0 ? (int32_t)(t % 3) + 1 : 0};
}

/* One tick as a host runs it: its input into the world, then the tick. */
static void play(game_t *g, const Input *in) {
  assert_int_equal(ecs_resource_set(g->world, g->input, in), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(g->sched, 0.0, NULL), ECS_OK);
}

enum { START = 5, END = 60 };

static ecs_replay_t *record_run(game_t *g) {
  for (uint64_t t = 1; t <= START; ++t) {
    Input in = input_of(t);
    play(g, &in);
  }
  ecs_replay_t *r = ecs_replay_new(g->world);
  assert_non_null(r);
  assert_int_equal(ecs_replay_start(r, START), ECS_OK);
  for (uint64_t t = START + 1; t <= END; ++t) {
    Input in = input_of(t);
    assert_int_equal(ecs_replay_record(r, t, &in, sizeof in), ECS_OK);
    play(g, &in);
    assert_int_equal(ecs_replay_mark(r, t, ecs_world_checksum(g->world)), ECS_OK);
  }
  return r;
}

/* Restores the replay's start and plays the recorded inputs; returns the
 * first tick whose checksum differs from the recorded one, 0 if none. */
static uint64_t replay_run(game_t *g, const ecs_replay_t *r) {
  assert_int_equal(ecs_replay_restore(r), ECS_OK);
  assert_int_equal(ecs_scheduler_tick_count(g->sched), ecs_replay_start_tick(r));
  for (uint64_t t = ecs_replay_start_tick(r) + 1; t <= ecs_replay_start_tick(r) + ecs_replay_count(r); ++t) {
    const void *data;
    size_t size;
    assert_int_equal(ecs_replay_input(r, t, &data, &size), ECS_OK);
    assert_int_equal(size, sizeof(Input));
    Input in;
    memcpy(&in, data, sizeof in);
    play(g, &in);
    uint64_t want;
    assert_int_equal(ecs_replay_checksum(r, t, &want), ECS_OK);
    if (ecs_world_checksum(g->world) != want) {
      return t;
    }
  }
  return 0;
}

static void test_replays_to_the_same_checksums(void **state) {
  (void)state;
  game_t g;
  game_init(&g, NULL);
  ecs_replay_t *r = record_run(&g);
  assert_int_equal(ecs_replay_count(r), END - START);
  /* the same world, rewound */
  assert_int_equal(replay_run(&g, r), 0);
  /* a fresh world through memory, and through a file */
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_replay_save(r, &out), ECS_OK);
  char path[512];
  const char *dir = getenv("TMPDIR");
  if (!dir || !*dir) {
    dir = getenv("TEMP"); /* Windows */
  }
  snprintf(path, sizeof path, "%s/libecs_test_replay_%ld.bin", dir && *dir ? dir : "/tmp", (long)getpid());
  assert_int_equal(ecs_replay_save_file(r, path), ECS_OK);
  for (int from_file = 0; from_file < 2; ++from_file) {
    game_t h;
    game_init(&h, NULL);
    ecs_replay_t *copy = ecs_replay_new(h.world);
    if (from_file) {
      assert_int_equal(ecs_replay_load_file(copy, path), ECS_OK);
    } else {
      ecs_memsrc_t src = {buf.data, buf.size, 0};
      ecs_reader_t in = ecs_memreader(&src);
      assert_int_equal(ecs_replay_load(copy, &in), ECS_OK);
    }
    assert_int_equal(ecs_replay_count(copy), END - START);
    assert_int_equal(replay_run(&h, copy), 0);
    assert_int_equal(ecs_world_checksum(h.world), ecs_world_checksum(g.world));
    ecs_replay_free(copy);
    game_fini(&h);
  }
  remove(path);
  ecs_membuf_free(&buf);
  ecs_replay_free(r);
  game_fini(&g);
}

/* A wrong input shows at its own tick: record with one input changed,
 * then replay the correct run's checksums. */
static void test_desync_found_at_its_tick(void **state) {
  (void)state;
  game_t g;
  game_init(&g, NULL);
  ecs_replay_t *r = record_run(&g);
  /* rewrite the input of tick 31 (and so drop the later records), keep
   * the recorded checksums of the earlier ticks */
  Input wrong = input_of(31);
  wrong.dx += 1;
  assert_int_equal(ecs_replay_record(r, 31, &wrong, sizeof wrong), ECS_OK);
  assert_int_equal(ecs_replay_count(r), 31 - START);
  uint64_t sum;
  assert_int_equal(ecs_replay_checksum(r, 31, &sum), ECS_ERR_NOT_FOUND); /* replaced, not marked */
  assert_int_equal(ecs_replay_mark(r, 31, 12345), ECS_OK);               /* what the first run had */
  assert_int_equal(replay_run(&g, r), 31);
  const void *data;
  size_t size;
  assert_int_equal(ecs_replay_input(r, 32, &data, &size), ECS_ERR_NOT_FOUND);
  ecs_replay_free(r);
  game_fini(&g);
}

/* Every byte flipped, every prefix: refused, and the replay keeps what it
 * had. */
static void test_corrupt_files(void **state) {
  (void)state;
  game_t g;
  game_init(&g, NULL);
  ecs_replay_t *r = record_run(&g);
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_replay_save(r, &out), ECS_OK);
  uint8_t *copy = malloc(buf.size);
  assert_non_null(copy);
  for (size_t i = 0; i < buf.size; i += (i < 64 ? 1 : 7)) {
    memcpy(copy, buf.data, buf.size);
    copy[i] ^= 0x41;
    ecs_memsrc_t src = {copy, buf.size, 0};
    ecs_reader_t in = ecs_memreader(&src);
    ecs_status_t st = ecs_replay_load(r, &in);
    if (st != ECS_ERR_SNAPSHOT_CORRUPT && st != ECS_ERR_SNAPSHOT_VERSION) {
      fail_msg("byte %zu flipped: %s", i, ecs_err_name(st));
    }
    assert_int_equal(ecs_replay_count(r), END - START);
  }
  for (size_t n = 0; n < buf.size; n += 13) {
    ecs_memsrc_t src = {buf.data, n, 0};
    ecs_reader_t in = ecs_memreader(&src);
    assert_int_equal(ecs_replay_load(r, &in), ECS_ERR_SNAPSHOT_CORRUPT);
  }
  /* a snapshot is not a replay */
  ecs_membuf_t snap = {0};
  ecs_writer_t sout = ecs_membuf_writer(&snap);
  assert_int_equal(ecs_snapshot_save(g.world, &sout), ECS_OK);
  ecs_memsrc_t ssrc = {snap.data, snap.size, 0};
  ecs_reader_t sin = ecs_memreader(&ssrc);
  assert_int_equal(ecs_replay_load(r, &sin), ECS_ERR_SNAPSHOT_CORRUPT);
  assert_non_null(strstr(ecs_last_error(g.world), "not a replay"));
  assert_int_equal(replay_run(&g, r), 0); /* still the recorded run */
  ecs_membuf_free(&snap);
  free(copy);
  ecs_membuf_free(&buf);
  ecs_replay_free(r);
  game_fini(&g);
}

static void test_bad_arguments(void **state) {
  (void)state;
  game_t g;
  game_init(&g, NULL);
  ecs_replay_t *r = ecs_replay_new(g.world);
  Input in = {1, 0};
  const void *data;
  size_t size;
  uint64_t sum;
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  assert_null(ecs_replay_new(NULL));
  assert_int_equal(ecs_replay_record(r, 1, &in, sizeof in), ECS_ERR_INVALID_ARGUMENT); /* no start */
  assert_int_equal(ecs_replay_restore(r), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_save(r, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_start(r, 10), ECS_OK);
  assert_int_equal(ecs_replay_record(r, 10, &in, sizeof in), ECS_ERR_INVALID_ARGUMENT); /* not after the start */
  assert_int_equal(ecs_replay_record(r, 11, NULL, 4), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_record(r, 11, NULL, 0), ECS_OK); /* an empty input */
  assert_int_equal(ecs_replay_input(r, 11, &data, &size), ECS_OK);
  assert_int_equal(size, 0);
  assert_int_equal(ecs_replay_mark(r, 12, 1), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_replay_checksum(r, 11, &sum), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_replay_input(r, 12, &data, &size), ECS_ERR_NOT_FOUND);
  assert_int_equal(ecs_replay_input(NULL, 11, &data, &size), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_input(r, 11, NULL, &size), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_checksum(r, 11, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_start(NULL, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_record(NULL, 1, &in, sizeof in), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_mark(NULL, 1, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_restore(NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_save(NULL, &out), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_save(r, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_load(r, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_save_file(r, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_load_file(r, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_save_file(r, "/nonexistent/dir/replay.bin"), ECS_ERR_IO);
  assert_int_equal(ecs_replay_load_file(r, "/nonexistent/dir/replay.bin"), ECS_ERR_IO);
  assert_int_equal(ecs_replay_start_tick(NULL), 0);
  assert_int_equal(ecs_replay_count(NULL), 0);
  assert_int_equal(ecs_replay_start_tick(r), 10);
  assert_int_equal(ecs_replay_count(r), 1);
  ecs_replay_free(NULL);
  ecs_membuf_free(&buf);
  ecs_replay_free(r);
  game_fini(&g);
}

/* Every allocation of recording, saving and loading failing in turn: an
 * error, nothing changed, then success. */
static void test_out_of_memory(void **state) {
  (void)state;
  for (int op = 0; op < 3; ++op) {
    bool done = false;
    for (size_t fail_at = 1; !done; ++fail_at) {
      failing_t f = {0, SIZE_MAX};
      game_t g;
      game_init(&g, &(ecs_world_desc_t){.allocator = failing_allocator(&f)});
      ecs_replay_t *r = record_run(&g);
      ecs_membuf_t buf = {0};
      ecs_writer_t out = ecs_membuf_writer(&buf);
      assert_int_equal(ecs_replay_save(r, &out), ECS_OK);
      size_t count = ecs_replay_count(r);
      Input big[64] = {{0}};
      f.fail_at = f.calls + fail_at;
      ecs_status_t st;
      if (op == 0) {
        st = ecs_replay_record(r, END + 1, big, sizeof big);
      } else if (op == 1) {
        ecs_membuf_t again = {.allocator = &(ecs_allocator_t){f_alloc, f_realloc, f_free, &f}};
        ecs_writer_t o2 = ecs_membuf_writer(&again);
        st = ecs_replay_save(r, &o2);
        f.fail_at = SIZE_MAX;
        ecs_membuf_free(&again);
      } else {
        ecs_memsrc_t src = {buf.data, buf.size, 0};
        ecs_reader_t in = ecs_memreader(&src);
        st = ecs_replay_load(r, &in);
      }
      f.fail_at = SIZE_MAX;
      if (st == ECS_OK) {
        done = true;
        assert_int_equal(ecs_replay_count(r), op == 0 ? count + 1 : count);
      } else {
        assert_int_equal(st, ECS_ERR_NO_MEMORY);
        assert_int_equal(ecs_replay_count(r), count);
        assert_int_equal(replay_run(&g, r), 0);
      }
      ecs_membuf_free(&buf);
      ecs_replay_free(r);
      game_fini(&g);
    }
  }
}

/* ecs_replay_verify: the library's re-simulation finds what replay_run
 * finds; the host's apply callback sees every tick, with NULL for a tick
 * not recorded; errors stop it. */
typedef struct apply_ctx_t {
  game_t *g;
  uint64_t calls, empty, fail_at;
} apply_ctx_t;

static ecs_status_t apply_input(ecs_world_t *world, uint64_t tick, const void *input, size_t size, void *user) {
  apply_ctx_t *a = user;
  a->calls++;
  if (tick == a->fail_at) {
    return ECS_ERR_CONFLICT;
  }
  Input in = {0, 0};
  if (input) {
    assert_int_equal(size, sizeof in);
    memcpy(&in, input, sizeof in);
  } else {
    a->empty++;
  }
  return ecs_resource_set(world, a->g->input, &in);
}

static void test_verify(void **state) {
  (void)state;
  game_t g;
  game_init(&g, NULL);
  ecs_replay_t *r = record_run(&g);
  uint64_t bad = 99;
  apply_ctx_t a = {.g = &g};
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, apply_input, &a, &bad), ECS_OK);
  assert_int_equal(bad, 0);
  assert_int_equal(a.calls, END - START);
  assert_int_equal(ecs_scheduler_tick_count(g.sched), END);
  /* a wrong input at tick 31 against the recorded checksum of the right one */
  Input wrong = input_of(31);
  wrong.dx += 1;
  assert_int_equal(ecs_replay_record(r, 31, &wrong, sizeof wrong), ECS_OK);
  assert_int_equal(ecs_replay_mark(r, 31, 12345), ECS_OK);
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, apply_input, &a, &bad), ECS_OK);
  assert_int_equal(bad, 31);
  /* a gap: tick 35 recorded, 32..34 not (applied with no input) */
  Input in35 = input_of(35);
  assert_int_equal(ecs_replay_record(r, 35, &in35, sizeof in35), ECS_OK);
  a = (apply_ctx_t){.g = &g};
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, apply_input, &a, &bad), ECS_OK);
  assert_int_equal(bad, 31);
  assert_int_equal(a.calls, 31 - START);
  ecs_replay_record(r, 31, &(Input){0, 0}, sizeof(Input)); /* unmarked now: no check at 31 */
  ecs_replay_record(r, 35, &in35, sizeof in35);
  a = (apply_ctx_t){.g = &g};
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, apply_input, &a, &bad), ECS_OK);
  assert_int_equal(bad, 0);
  assert_int_equal(a.calls, 35 - START);
  assert_int_equal(a.empty, 3);
  assert_int_equal(ecs_scheduler_tick_count(g.sched), 35);
  /* the host's error stops it */
  a = (apply_ctx_t){.g = &g, .fail_at = 20};
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, apply_input, &a, &bad), ECS_ERR_CONFLICT);
  assert_int_equal(bad, 0);
  assert_int_equal(ecs_scheduler_tick_count(g.sched), 19);
  assert_non_null(strstr(ecs_last_error(g.world), "tick 20"));
  /* bad arguments; a scheduler of another world; no start */
  assert_int_equal(ecs_replay_verify(NULL, g.sched, 0.0, apply_input, &a, &bad), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_verify(r, NULL, 0.0, apply_input, &a, &bad), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, NULL, &a, &bad), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_replay_verify(r, g.sched, 0.0, apply_input, &a, NULL), ECS_ERR_INVALID_ARGUMENT);
  game_t h;
  game_init(&h, NULL);
  assert_int_equal(ecs_replay_verify(r, h.sched, 0.0, apply_input, &a, &bad), ECS_ERR_INVALID_ARGUMENT);
  ecs_replay_t *empty = ecs_replay_new(h.world);
  assert_int_equal(ecs_replay_verify(empty, h.sched, 0.0, apply_input, &a, &bad), ECS_ERR_INVALID_ARGUMENT);
  ecs_replay_free(empty);
  game_fini(&h);
  ecs_replay_free(r);
  game_fini(&g);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replays_to_the_same_checksums),
      cmocka_unit_test(test_desync_found_at_its_tick),
      cmocka_unit_test(test_corrupt_files),
      cmocka_unit_test(test_verify),
      cmocka_unit_test(test_bad_arguments),
      cmocka_unit_test(test_out_of_memory),
  };
  return cmocka_run_group_tests_name("replay", tests, NULL, NULL);
}
