/* A small strict JSON checker for tests: validates a whole document and
 * collects the objects of a "traceEvents" array (name, ph, ts, dur, tid). */
#ifndef ECS_TEST_SUPPORT_JSON_H
#define ECS_TEST_SUPPORT_JSON_H

#include <ctype.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct json_event_t {
  char name[64];
  char ph[4];
  double ts, dur;
  long tid;
} json_event_t;

typedef struct json_t {
  const char *p, *end;
  json_event_t *events;
  size_t count, cap;
  int depth;
  bool ok;
} json_t;

static inline void json_ws(json_t *j) {
  while (j->p < j->end && isspace((unsigned char)*j->p)) {
    j->p++;
  }
}

static inline bool json_lit(json_t *j, const char *s) {
  size_t n = strlen(s);
  if ((size_t)(j->end - j->p) < n || memcmp(j->p, s, n) != 0) {
    return false;
  }
  j->p += n;
  return true;
}

/* A string; copied into out (truncated) when out is not NULL. */
static inline bool json_string(json_t *j, char *out, size_t cap) {
  size_t n = 0;
  if (j->p >= j->end || *j->p != '"') {
    return false;
  }
  j->p++;
  while (j->p < j->end && *j->p != '"') {
    char c = *j->p++;
    if ((unsigned char)c < 0x20) {
      return false;
    }
    if (c == '\\') {
      if (j->p >= j->end) {
        return false;
      }
      char e = *j->p++;
      if (e == 'u') {
        for (int i = 0; i < 4; ++i) {
          if (j->p >= j->end || !isxdigit((unsigned char)*j->p++)) {
            return false;
          }
        }
        c = '?';
      } else if (strchr("\"\\/bfnrt", e)) {
        c = e;
      } else {
        return false;
      }
    }
    if (out && n + 1 < cap) {
      out[n++] = c;
    }
  }
  if (out) {
    out[n] = '\0';
  }
  if (j->p >= j->end) {
    return false;
  }
  j->p++;
  return true;
}

static inline bool json_number(json_t *j, double *out) {
  char *stop;
  double v = strtod(j->p, &stop);
  if (stop == j->p) {
    return false;
  }
  j->p = stop;
  if (out) {
    *out = v;
  }
  return true;
}

static inline bool json_value(json_t *j, json_event_t *ev, const char *key);

static inline bool json_object(json_t *j, bool is_event) {
  json_event_t ev = {{0}, {0}, -1, -1, -1};
  j->p++;
  json_ws(j);
  if (j->p < j->end && *j->p == '}') {
    j->p++;
    return true;
  }
  for (;;) {
    char key[64];
    json_ws(j);
    if (!json_string(j, key, sizeof key)) {
      return false;
    }
    json_ws(j);
    if (j->p >= j->end || *j->p++ != ':') {
      return false;
    }
    json_ws(j);
    if (!json_value(j, is_event ? &ev : NULL, key)) {
      return false;
    }
    json_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == '}') {
      j->p++;
      break;
    }
    return false;
  }
  if (is_event) {
    if (j->count == j->cap) {
      j->cap = j->cap ? j->cap * 2 : 256;
      j->events = realloc(j->events, j->cap * sizeof *j->events);
    }
    j->events[j->count++] = ev;
  }
  return true;
}

static inline bool json_array(json_t *j, bool events) {
  j->p++;
  json_ws(j);
  if (j->p < j->end && *j->p == ']') {
    j->p++;
    return true;
  }
  for (;;) {
    json_ws(j);
    if (events && j->p < j->end && *j->p == '{') {
      if (!json_object(j, true)) {
        return false;
      }
    } else if (!json_value(j, NULL, NULL)) {
      return false;
    }
    json_ws(j);
    if (j->p < j->end && *j->p == ',') {
      j->p++;
      continue;
    }
    if (j->p < j->end && *j->p == ']') {
      j->p++;
      return true;
    }
    return false;
  }
}

static inline bool json_value(json_t *j, json_event_t *ev, const char *key) {
  if (j->p >= j->end || ++j->depth > 64) {
    return false;
  }
  bool ok;
  char c = *j->p;
  if (c == '{') {
    ok = json_object(j, false);
  } else if (c == '[') {
    ok = json_array(j, key && strcmp(key, "traceEvents") == 0);
  } else if (c == '"') {
    char buf[64];
    ok = json_string(j, buf, sizeof buf);
    if (ok && ev && strcmp(key, "name") == 0) {
      memcpy(ev->name, buf, sizeof ev->name);
    } else if (ok && ev && strcmp(key, "ph") == 0) {
      memcpy(ev->ph, buf, sizeof ev->ph - 1);
    }
  } else if (c == 't') {
    ok = json_lit(j, "true");
  } else if (c == 'f') {
    ok = json_lit(j, "false");
  } else if (c == 'n') {
    ok = json_lit(j, "null");
  } else {
    double v = 0;
    ok = json_number(j, &v);
    if (ok && ev) {
      if (strcmp(key, "ts") == 0) {
        ev->ts = v;
      } else if (strcmp(key, "dur") == 0) {
        ev->dur = v;
      } else if (strcmp(key, "tid") == 0) {
        ev->tid = (long)v;
      }
    }
  }
  j->depth--;
  return ok;
}

/* Parses the whole text; false on any syntax error or trailing garbage. */
static inline bool json_parse(json_t *j, const char *text, size_t size) {
  j->p = text;
  j->end = text + size;
  j->ok = false;
  json_ws(j);
  if (!json_value(j, NULL, NULL)) {
    return false;
  }
  json_ws(j);
  j->ok = j->p == j->end;
  return j->ok;
}

#endif /* ECS_TEST_SUPPORT_JSON_H */
