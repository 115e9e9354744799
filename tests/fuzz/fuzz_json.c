#define _POSIX_C_SOURCE 200809L
/* Fuzz target for the JSON reader (json.h): any bytes as the JSON of an
 * entity's components. A refused input must leave the world exactly as it
 * was (its checksum and its JSON, strings included); an accepted one must
 * write JSON that reads back to the same values. Every allocation of the
 * string hooks is balanced.
 *
 * Built with -fsanitize=fuzzer (ECS_BUILD_FUZZ, clang) it is the libFuzzer
 * binary fuzz_json; with ECS_FUZZ_REPLAY it is a plain program that runs
 * the files on its command line once (the corpus test, any compiler). */
#include "ecs.h"
#include "ecs/json.h"

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

typedef struct Inner {
  int16_t a;
  uint8_t b[3];
} Inner;

typedef struct All {
  int8_t i8;
  int64_t i64;
  uint16_t u16;
  uint64_t u64;
  float f32;
  double f64;
  bool flag;
  ecs_entity_t target;
  int8_t mode;
  Inner inner[2];
  char label[6];
  char *text;
} All;

static int live_strings;
static ecs_status_t last_status; /* of the last input, for the replay's report */

static const char *text_get(const void *field, void *user) {
  (void)user;
  return *(char *const *)field;
}

static ecs_status_t text_set(void *field, const char *s, void *user) {
  (void)user;
  char *copy = strdup(s);
  if (!copy) {
    return ECS_ERR_NO_MEMORY;
  }
  if (*(char **)field) {
    free(*(char **)field);
    --live_strings;
  }
  ++live_strings;
  *(char **)field = copy;
  return ECS_OK;
}

static void all_copy(void *dst, const void *src, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    All *d = (All *)dst + i;
    const All *s = (const All *)src + i;
    memcpy(d, s, sizeof *d); /* padding too: the checksum reads it */
    if (s->text) {
      d->text = strdup(s->text);
      CHECK(d->text);
      ++live_strings;
    }
  }
}

static void all_dtor(void *p, int32_t n, void *user) {
  (void)user;
  for (int32_t i = 0; i < n; ++i) {
    if (((All *)p)[i].text) {
      free(((All *)p)[i].text);
      --live_strings;
    }
  }
}

static const ecs_meta_string_t text_hooks = {text_get, text_set, NULL};
static const ecs_meta_constant_t modes[] = {{"A", 0}, {"B", -1}, {"C", 100}};
static const ecs_meta_field_t inner_fields[] = {ECS_META_AUTO(Inner, a), ECS_META_ARRAY(Inner, b, ECS_META_U8)};
static const ecs_meta_type_t inner_type = ECS_META_TYPE(Inner, inner_fields);
static const ecs_meta_field_t all_fields[] = {
    ECS_META_AUTO(All, i8),
    ECS_META_AUTO(All, i64),
    ECS_META_AUTO(All, u16),
    ECS_META_AUTO(All, u64),
    ECS_META_AUTO(All, f32),
    ECS_META_AUTO(All, f64),
    ECS_META_AUTO(All, flag),
    ECS_META_FIELD(All, target, ECS_META_ENTITY),
    ECS_META_ENUM(All, mode, modes),
    {"inner", ECS_META_STRUCT, offsetof(All, inner), sizeof(Inner), 2, NULL, 0, &inner_type, NULL},
    ECS_META_CHARS(All, label),
    ECS_META_STRING(All, text, &text_hooks),
};

static char *dump(ecs_world_t *w, ecs_entity_t e, size_t *len) {
  ecs_membuf_t buf = {0};
  ecs_writer_t out = ecs_membuf_writer(&buf);
  CHECK(ecs_json_write_entity(w, e, &out) == ECS_OK);
  *len = buf.size;
  CHECK(ecs_write(&out, "", 1) == ECS_OK);
  return (char *)buf.data;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  ecs_world_t *w = ecs_world_new(NULL);
  ecs_component_desc_t d = {.name = "All", .size = sizeof(All), .alignment = _Alignof(All)};
  d.hooks.copy = all_copy;
  d.hooks.dtor = all_dtor;
  ecs_component_t all = ecs_component_register(w, &d);
  CHECK(ecs_meta_set(w, all, &(ecs_meta_type_t){.fields = all_fields, .field_count = ECS_META_COUNT(all_fields)}) ==
        ECS_OK);
  ecs_component_t tag = ecs_component_register_type(w, "Tag", 0, 0);
  ecs_component_t raw = ecs_component_register_type(w, "Raw", 4, 4);
  ecs_component_desc_t sd = {.name = "Sparse", .size = sizeof(Inner), .storage = ECS_STORAGE_SPARSE};
  ecs_component_t sparse = ecs_component_register(w, &sd);
  CHECK(ecs_meta_set(w, sparse, &inner_type) == ECS_OK);
  CHECK(all && tag && raw && sparse);
  ecs_entity_t e = ecs_entity_create(w);
  All v;
  memset(&v, 0, sizeof v);
  v.i64 = -5;
  v.text = "start";
  CHECK(ecs_set(w, e, all, &v) == ECS_OK);
  uint32_t r = 7;
  CHECK(ecs_set(w, e, raw, &r) == ECS_OK);

  uint64_t before = ecs_world_checksum(w);
  size_t before_len;
  char *before_text = dump(w, e, &before_len);
  ecs_json_error_t err;
  ecs_status_t st = ecs_json_set_entity(w, e, (const char *)data, size, &err);
  last_status = st;
  if (st != ECS_OK) {
    CHECK(err.status == st);
    CHECK(strlen(err.message) > 0);
    CHECK(ecs_world_checksum(w) == before);
    size_t after_len;
    char *after = dump(w, e, &after_len);
    CHECK(after_len == before_len && memcmp(after, before_text, before_len) == 0);
    free(after);
  } else {
    /* what was accepted writes out and reads back to the same values (the
     * checksum would differ: it hashes the string's pointer, which a new
     * copy changes) */
    size_t len;
    char *text = dump(w, e, &len);
    CHECK(ecs_json_set_entity(w, e, text, len, &err) == ECS_OK);
    size_t len2;
    char *again = dump(w, e, &len2);
    CHECK(len2 == len && memcmp(again, text, len) == 0);
    free(again);
    free(text);
  }
  free(before_text);
  ecs_world_free(w);
  CHECK(live_strings == 0);
  return 0;
}

#ifdef ECS_FUZZ_REPLAY
int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i) {
    FILE *f = fopen(argv[i], "rb");
    if (!f) {
      fprintf(stderr, "cannot open %s\n", argv[i]);
      return 1;
    }
    uint8_t buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    printf("%s: %s\n", argv[i], last_status == ECS_OK ? "accepted" : ecs_err_name(last_status));
  }
  return 0;
}
#endif
