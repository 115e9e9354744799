#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "ecs.h"

static void test_placeholder(void **state) {
  (void)state;
  ecs_world_t *w = ecs_world_new(NULL);
  assert_non_null(w);
  ecs_world_free(w);
}

int main(void) {
  const struct CMUnitTest tests[] = {cmocka_unit_test(test_placeholder)};
  return cmocka_run_group_tests_name("dense", tests, NULL, NULL);
}
