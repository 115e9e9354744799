/* Logging at run time: the sink and level of a live world, logfmt escaping
 * (one message is one line, whatever it holds), and the version macros. */
#define _POSIX_C_SOURCE 200809L /* dup, dup2, fileno: the stderr capture */

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ecs.h"
#include "support/log_capture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A message with every kind of character that could break a logfmt line. */
static const char nasty[] = "line1\nline2\ttab\rcr\x01soh\x1f\x7f \"quoted\" back\\slash=eq";
static const char nasty_escaped[] = "line1\\nline2\\ttab\\rcr\\u0001soh\\u001f\\u007f \\\"quoted\\\" back\\\\slash=eq";

/* Registers "name" at size 4 then 8: the second fails with ECS_ERR_DUPLICATE
 * and a message naming the component, logged at DEBUG. */
static void fail_once(ecs_world_t *w, const char *name) {
  ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 4});
  assert_int_equal(ecs_component_register(w, &(ecs_component_desc_t){.name = name, .size = 8}), ECS_COMPONENT_NULL);
  assert_int_equal(ecs_last_status(w), ECS_ERR_DUPLICATE);
}

static bool has_control_char(const char *s) {
  for (const unsigned char *p = (const unsigned char *)s; *p; ++p) {
    if (*p < 0x20 || *p == 0x7f) {
      return true;
    }
  }
  return false;
}

static void test_set_log_replaces_the_sink(void **state) {
  (void)state;
  log_capture_t a = {0}, b = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &a, .log_level = ECS_LOG_DEBUG});
  assert_non_null(w);
  fail_once(w, "first");
  assert_int_equal(a.count, 1);
  assert_non_null(strstr(a.last, "component 'first' already registered"));

  assert_int_equal(ecs_world_set_log(w, capture_log, &b), ECS_OK);
  assert_int_equal(ecs_last_status(w), ECS_OK);
  fail_once(w, "second");
  assert_int_equal(a.count, 1); /* the old sink hears nothing more */
  assert_int_equal(b.count, 1);
  assert_int_equal(b.level, ECS_LOG_DEBUG);
  assert_non_null(strstr(b.last, "component 'second' already registered"));
  ecs_world_free(w);
}

static void test_set_log_level_filters(void **state) {
  (void)state;
  log_capture_t c = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &c});
  fail_once(w, "a"); /* DEBUG, below the default WARN */
  assert_int_equal(c.count, 0);

  static const struct {
    ecs_log_level_t level;
    int heard; /* a DEBUG message gets through */
  } cases[] = {
      {ECS_LOG_TRACE, 1}, {ECS_LOG_DEBUG, 1}, {ECS_LOG_INFO, 0},    {ECS_LOG_WARN, 0},
      {ECS_LOG_ERROR, 0}, {ECS_LOG_OFF, 0},   {ECS_LOG_DEFAULT, 0}, {ECS_LOG_DEBUG, 1},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; ++i) {
    char name[16];
    snprintf(name, sizeof name, "c%zu", i);
    int before = c.count;
    assert_int_equal(ecs_world_set_log_level(w, cases[i].level), ECS_OK);
    fail_once(w, name);
    assert_int_equal(c.count - before, cases[i].heard);
  }
  ecs_world_free(w);
}

static void test_setters_reject_bad_input(void **state) {
  (void)state;
  assert_int_equal(ecs_world_set_log(NULL, capture_log, NULL), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ecs_world_set_log_level(NULL, ECS_LOG_INFO), ECS_ERR_INVALID_ARGUMENT);

  log_capture_t c = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &c, .log_level = ECS_LOG_DEBUG});
  const ecs_log_level_t bad[] = {(ecs_log_level_t)(ECS_LOG_OFF + 1), (ecs_log_level_t)-1, (ecs_log_level_t)0x7fffffff};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; ++i) {
    assert_int_equal(ecs_world_set_log_level(w, bad[i]), ECS_ERR_INVALID_ARGUMENT);
    assert_int_equal(ecs_last_status(w), ECS_ERR_INVALID_ARGUMENT);
    assert_non_null(strstr(ecs_last_error(w), "log level"));
  }
  int before = c.count;
  fail_once(w, "still_debug"); /* the level was left as it was */
  assert_int_equal(c.count, before + 1);
  ecs_world_free(w);
}

typedef struct busy_probe_t {
  ecs_status_t set_log, set_level;
} busy_probe_t;

static ecs_status_t try_setters(ecs_system_ctx_t *ctx) {
  busy_probe_t *p = ctx->user;
  p->set_log = ecs_world_set_log(ctx->world, NULL, NULL);
  p->set_level = ecs_world_set_log_level(ctx->world, ECS_LOG_TRACE);
  return ECS_OK;
}

static void test_setters_busy_during_a_tick(void **state) {
  (void)state;
  log_capture_t c = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &c});
  busy_probe_t probe = {ECS_OK, ECS_OK};
  ecs_scheduler_builder_t *b = ecs_scheduler_builder_new(w);
  ecs_group_t g = ecs_builder_add_group(b, &(ecs_group_desc_t){.name = "main"});
  assert_int_equal(
      ecs_builder_add_system(b, g, &(ecs_system_desc_t){.name = "setter", .callback = try_setters, .user = &probe}),
      ECS_OK);
  ecs_scheduler_t *s = NULL;
  assert_int_equal(ecs_scheduler_build(b, &s), ECS_OK);
  assert_int_equal(ecs_scheduler_tick(s, 0.016, NULL), ECS_OK);
  assert_int_equal(probe.set_log, ECS_ERR_BUSY);
  assert_int_equal(probe.set_level, ECS_ERR_BUSY);
  fail_once(w, "quiet"); /* still the capture sink at WARN */
  assert_int_equal(c.count, 0);
  ecs_scheduler_free(s);
  ecs_world_free(w);
}

static void test_format_escapes_control_characters(void **state) {
  (void)state;
  char line[512];
  size_t n = ecs_log_format(line, sizeof line, ECS_LOG_WARN, nasty, &(ecs_log_fields_t){0, NULL, NULL});
  char expect[512];
  snprintf(expect, sizeof expect, "level=warn msg=\"%s\"", nasty_escaped);
  assert_string_equal(line, expect);
  assert_int_equal(n, strlen(expect));
  assert_false(has_control_char(line));

  /* fields: bare when plain, quoted and escaped when not */
  ecs_log_format(line, sizeof line, ECS_LOG_ERROR, "m", &(ecs_log_fields_t){7, "physics", "in\ttegrate\n"});
  assert_string_equal(line, "level=error tick=7 group=physics system=\"in\\ttegrate\\n\" msg=\"m\"");
  ecs_log_format(line, sizeof line, ECS_LOG_INFO, "", &(ecs_log_fields_t){0, "", "a b"});
  assert_string_equal(line, "level=info group=\"\" system=\"a b\" msg=\"\"");
  /* bytes above 0x7f (UTF-8) pass through */
  ecs_log_format(line, sizeof line, ECS_LOG_INFO, "caf\xc3\xa9", NULL);
  assert_string_equal(line, "level=info msg=\"caf\xc3\xa9\"");
}

/* Truncated at every size, the line stays one line and never ends inside an
 * escape (an odd run of backslashes, or a cut \u00XX). */
static void test_format_truncates_between_escapes(void **state) {
  (void)state;
  char full[512];
  size_t len = ecs_log_format(full, sizeof full, ECS_LOG_WARN, nasty, NULL);
  for (size_t cap = 1; cap <= len + 1; ++cap) {
    char out[512];
    memset(out, 'X', sizeof out);
    size_t n = ecs_log_format(out, cap, ECS_LOG_WARN, nasty, NULL);
    assert_true(n < cap);
    assert_int_equal(strlen(out), n);
    assert_false(has_control_char(out));
    /* what precedes the closing quote is a prefix of the full line */
    size_t body = n > 0 && out[n - 1] == '"' && n > strlen("level=warn msg=\"") ? n - 1 : n;
    assert_memory_equal(out, full, body);
    size_t slashes = 0;
    while (slashes < body && out[body - 1 - slashes] == '\\') {
      slashes++;
    }
    assert_int_equal(slashes % 2, 0);
    const char *u = strstr(out, "\\u");
    while (u) {
      assert_true(u + 6 <= out + body);
      u = strstr(u + 2, "\\u");
    }
  }
}

/* Runs one log call with stderr redirected to a temporary file and returns
 * what was written (static buffer). */
static const char *stderr_of(ecs_world_t *w, const char *name) {
  static char text[2048];
#if defined(__EMSCRIPTEN__)
  skip(); /* emscripten's stdio cannot redirect file descriptor 2 (dup2) */
#endif
  fflush(stderr);
  FILE *tmp = tmpfile();
  assert_non_null(tmp);
  int saved = dup(2);
  assert_true(saved >= 0);
  assert_true(dup2(fileno(tmp), 2) >= 0);
  fail_once(w, name);
  fflush(stderr);
  assert_true(dup2(saved, 2) >= 0);
  close(saved);
  rewind(tmp);
  size_t n = fread(text, 1, sizeof text - 1, tmp);
  text[n] = '\0';
  fclose(tmp);
  return text;
}

static void test_default_sink_writes_one_line(void **state) {
  (void)state;
  log_capture_t c = {0};
  ecs_world_t *w = ecs_world_new(&(ecs_world_desc_t){.log = capture_log, .log_user = &c, .log_level = ECS_LOG_DEBUG});
  assert_int_equal(ecs_world_set_log(w, NULL, NULL), ECS_OK); /* back to ecs_log_stderr */
  const char *out = stderr_of(w, nasty);
  assert_int_equal(c.count, 0);
  size_t len = strlen(out);
  assert_true(len > 0);
  assert_int_equal(out[len - 1], '\n');
  assert_ptr_equal(strchr(out, '\n'), out + len - 1); /* exactly one line */
  assert_null(strchr(out, '\r'));
  assert_non_null(strstr(out, "level=debug msg=\"ERR_DUPLICATE: component '"));
  assert_non_null(strstr(out, nasty_escaped));
  ecs_world_free(w);
}

static void test_version_macros(void **state) {
  (void)state;
  assert_int_equal(ECS_VERSION, ECS_VERSION_MAJOR * 10000 + ECS_VERSION_MINOR * 100 + ECS_VERSION_PATCH);
  assert_int_equal(ECS_VERSION_NUMBER(1, 2, 3), 10203);
  assert_int_equal(ecs_version_number(), ECS_VERSION);
#if !ECS_VERSION_AT_LEAST(1, 0, 0) || ECS_VERSION_AT_LEAST(ECS_VERSION_MAJOR + 1, 0, 0)
#error "ECS_VERSION_AT_LEAST is wrong in the preprocessor"
#endif
  assert_true(ECS_VERSION_AT_LEAST(ECS_VERSION_MAJOR, ECS_VERSION_MINOR, ECS_VERSION_PATCH));
  assert_true(ECS_VERSION_AT_LEAST(0, 99, 99));
  assert_false(ECS_VERSION_AT_LEAST(ECS_VERSION_MAJOR, ECS_VERSION_MINOR, ECS_VERSION_PATCH + 1));
  assert_false(ECS_VERSION_AT_LEAST(ECS_VERSION_MAJOR, ECS_VERSION_MINOR + 1, 0));
  /* the string and the number tell the same version */
  unsigned major = 0, minor = 0, patch = 0;
  assert_int_equal(sscanf(ecs_version(), "%u.%u.%u", &major, &minor, &patch), 3);
  assert_int_equal((int32_t)(major * 10000 + minor * 100 + patch), ecs_version_number());
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_set_log_replaces_the_sink),         cmocka_unit_test(test_set_log_level_filters),
      cmocka_unit_test(test_setters_reject_bad_input),          cmocka_unit_test(test_setters_busy_during_a_tick),
      cmocka_unit_test(test_format_escapes_control_characters), cmocka_unit_test(test_format_truncates_between_escapes),
      cmocka_unit_test(test_default_sink_writes_one_line),      cmocka_unit_test(test_version_macros),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
