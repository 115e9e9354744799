/* Writers and readers: memory buffers and FILE* streams. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/failing_alloc.h"

#include <string.h>

static void test_membuf_grows_and_resets(void **state) {
  (void)state;
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  char chunk[100];
  for (int i = 0; i < 100; ++i) {
    memset(chunk, 'a' + i % 26, sizeof chunk);
    assert_int_equal(ecs_write(&w, chunk, sizeof chunk), ECS_OK);
  }
  assert_int_equal(buf.size, 10000);
  assert_int_equal(buf.data[9999], 'a' + 99 % 26);
  assert_int_equal(ecs_write_str(&w, "end"), ECS_OK);
  assert_memory_equal(buf.data + 10000, "end", 3);
  size_t cap = buf.cap;
  ecs_membuf_reset(&buf);
  assert_int_equal(buf.size, 0);
  assert_int_equal(buf.cap, cap);
  ecs_membuf_free(&buf);
  assert_null(buf.data);
  ecs_membuf_free(NULL);
}

/* A writer may be handed zero bytes (a replay with an empty start
 * snapshot did this): nothing is written or allocated, and no arithmetic
 * is done on the empty buffer's NULL data (clang's UBSan checks). */
static void test_membuf_empty_write(void **state) {
  (void)state;
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  assert_int_equal(w.write(w.user, "", 0), ECS_OK);
  assert_int_equal(buf.size, 0);
  assert_null(buf.data);
  assert_int_equal(w.write(w.user, "ab", 2), ECS_OK);
  assert_int_equal(w.write(w.user, "", 0), ECS_OK);
  assert_int_equal(buf.size, 2);
  assert_memory_equal(buf.data, "ab", 2);
  ecs_membuf_free(&buf);
}

static void test_membuf_out_of_memory(void **state) {
  (void)state;
  failing_t f = {0, 2};
  ecs_allocator_t a = failing_allocator(&f);
  ecs_membuf_t buf = {.allocator = &a};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  char big[300] = {0};
  assert_int_equal(ecs_write(&w, big, 200), ECS_OK);
  assert_int_equal(ecs_write(&w, big, 300), ECS_ERR_NO_MEMORY);
  assert_int_equal(buf.size, 200); /* nothing half-written */
  ecs_membuf_free(&buf);
}

static void test_memreader(void **state) {
  (void)state;
  const unsigned char bytes[] = {1, 2, 3, 4, 5};
  ecs_memsrc_t src = {bytes, sizeof bytes, 0};
  ecs_reader_t r = ecs_memreader(&src);
  unsigned char out[4] = {0};
  assert_int_equal(ecs_read(&r, out, 3), ECS_OK);
  assert_memory_equal(out, bytes, 3);
  assert_int_equal(ecs_read(&r, out, 3), ECS_ERR_IO); /* only 2 left */
  assert_int_equal(src.pos, 3);
  assert_int_equal(ecs_read(&r, out, 2), ECS_OK);
  assert_int_equal(out[1], 5);
}

static void test_file_round_trip(void **state) {
  (void)state;
  FILE *f = tmpfile();
  assert_non_null(f);
  ecs_writer_t w = ecs_file_writer(f);
  assert_int_equal(ecs_write_str(&w, "hello, file"), ECS_OK);
  rewind(f);
  ecs_reader_t r = ecs_file_reader(f);
  char out[12] = {0};
  assert_int_equal(ecs_read(&r, out, 11), ECS_OK);
  assert_string_equal(out, "hello, file");
  assert_int_equal(ecs_read(&r, out, 1), ECS_ERR_IO);
  fclose(f);
}

static void test_bad_input(void **state) {
  (void)state;
  ecs_writer_t none = ecs_file_writer(NULL);
  ecs_reader_t rnone = ecs_memreader(NULL);
  char c = 0;
  assert_int_equal(ecs_write(NULL, "x", 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_write(&none, "x", 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_write_str(&none, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_read(NULL, &c, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_read(&rnone, &c, 1), ECS_ERR_INVALID_ARGUMENT);
  ecs_membuf_t buf = {0};
  ecs_writer_t w = ecs_membuf_writer(&buf);
  assert_int_equal(ecs_write(&w, NULL, 1), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_write(&w, NULL, 0), ECS_OK); /* nothing to write */
  ecs_membuf_free(&buf);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_membuf_grows_and_resets), cmocka_unit_test(test_membuf_empty_write),
      cmocka_unit_test(test_membuf_out_of_memory),    cmocka_unit_test(test_memreader),
      cmocka_unit_test(test_file_round_trip),         cmocka_unit_test(test_bad_input),
  };
  return cmocka_run_group_tests_name("io", tests, NULL, NULL);
}
