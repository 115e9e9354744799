/* ecs_trace_check: validates a Chrome trace-event file written by libecs.
 *
 * usage: ecs_trace_check FILE [--min-threads N] [NAME...]
 *
 * Checks that FILE is valid JSON (support/json.h), that it has a
 * "traceEvents" array whose every event has a "ph" and a "tid", that every
 * complete ("X") event has ts >= 0 and dur >= 0, that the spans of each
 * thread nest (two spans of one track are disjoint or one contains the
 * other), that at least one "X" event is named NAME for each NAME given,
 * and, with --min-threads N, that the spans sit on at least N thread
 * tracks. Exit status: 0 valid, 1 a check failed (the reason on stderr),
 * 2 usage error. */
#include "support/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Spans of one thread: by start, the longer first when two start together. */
static int by_start(const void *a, const void *b) {
  const json_event_t *x = *(const json_event_t *const *)a;
  const json_event_t *y = *(const json_event_t *const *)b;
  if (x->ts != y->ts) {
    return x->ts < y->ts ? -1 : 1;
  }
  return x->dur > y->dur ? -1 : x->dur < y->dur ? 1 : 0;
}

static char *read_file(const char *path, size_t *size) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    return NULL;
  }
  size_t cap = 1 << 16;
  size_t n = 0;
  char *buf = malloc(cap);
  size_t got;
  while (buf && (got = fread(buf + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        buf = NULL;
        break;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  if (ferror(f)) {
    free(buf);
    buf = NULL;
  }
  fclose(f);
  *size = n;
  return buf;
}

/* Spans of thread tid nest; tolerance: 2 ns of rounding in the text. */
static bool nested(json_event_t **spans, size_t n, long tid) {
  const double eps = 0.002;
  json_event_t **stack = malloc((n + 1) * sizeof *stack);
  size_t depth = 0;
  bool ok = stack != NULL;
  for (size_t i = 0; i < n && ok; ++i) {
    const json_event_t *e = spans[i];
    while (depth > 0 && stack[depth - 1]->ts + stack[depth - 1]->dur <= e->ts + eps) {
      depth--;
    }
    if (depth > 0 && e->ts + e->dur > stack[depth - 1]->ts + stack[depth - 1]->dur + eps) {
      const json_event_t *p = stack[depth - 1];
      fprintf(stderr, "tid %ld: span '%s' [%.3f, %.3f] overlaps '%s' [%.3f, %.3f] without nesting in it\n", tid,
              e->name, e->ts, e->ts + e->dur, p->name, p->ts, p->ts + p->dur);
      ok = false;
    }
    stack[depth++] = spans[i];
  }
  free(stack);
  return ok;
}

int main(int argc, char **argv) {
  const char *path = NULL;
  long min_threads = 0;
  int nnames = 0;
  char **names = argv; /* the NAMEs, moved to the front of argv */
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--min-threads") == 0 && i + 1 < argc) {
      min_threads = strtol(argv[++i], NULL, 10);
    } else if (argv[i][0] == '-') {
      path = NULL;
      break;
    } else if (!path) {
      path = argv[i];
    } else {
      names[nnames++] = argv[i];
    }
  }
  if (!path) {
    fprintf(stderr, "usage: ecs_trace_check FILE [--min-threads N] [NAME...]\n");
    return 2;
  }
  size_t size = 0;
  char *text = read_file(path, &size);
  if (!text) {
    fprintf(stderr, "%s: cannot read the file\n", path);
    return 1;
  }
  json_t j = {0};
  int rc = 1;
  long *tids = NULL;
  json_event_t **spans = NULL;
  if (!json_parse(&j, text, size)) {
    fprintf(stderr, "%s: not valid JSON (stopped at byte %ld)\n", path, (long)(j.p - text));
    goto out;
  }
  if (j.count == 0) {
    fprintf(stderr, "%s: no traceEvents\n", path);
    goto out;
  }
  tids = malloc(j.count * sizeof *tids);
  spans = malloc(j.count * sizeof *spans);
  if (!tids || !spans) {
    fprintf(stderr, "%s: out of memory\n", path);
    goto out;
  }
  size_t nspans = 0;
  size_t ntids = 0;
  for (size_t i = 0; i < j.count; ++i) {
    const json_event_t *e = &j.events[i];
    if (e->tid < 0 || e->ph[0] == '\0') {
      fprintf(stderr, "%s: event %zu ('%s') has no %s\n", path, i, e->name, e->tid < 0 ? "tid" : "ph");
      goto out;
    }
    if (strcmp(e->ph, "X") != 0) {
      continue;
    }
    if (e->ts < 0 || e->dur < 0) {
      fprintf(stderr, "%s: span %zu ('%s') has no ts or dur, or a negative one\n", path, i, e->name);
      goto out;
    }
    spans[nspans++] = &j.events[i];
    size_t t = 0;
    while (t < ntids && tids[t] != e->tid) {
      ++t;
    }
    if (t == ntids) {
      tids[ntids++] = e->tid;
    }
  }
  for (size_t t = 0; t < ntids; ++t) {
    size_t n = 0;
    json_event_t **own = malloc(nspans * sizeof *own);
    for (size_t i = 0; own && i < nspans; ++i) {
      if (spans[i]->tid == tids[t]) {
        own[n++] = spans[i];
      }
    }
    qsort(own, n, sizeof *own, by_start);
    bool ok = own && nested(own, n, tids[t]);
    free(own);
    if (!ok) {
      goto out;
    }
  }
  if ((long)ntids < min_threads) {
    fprintf(stderr, "%s: spans on %zu thread tracks, expected at least %ld\n", path, ntids, min_threads);
    goto out;
  }
  for (int a = 0; a < nnames; ++a) {
    size_t found = 0;
    for (size_t i = 0; i < nspans; ++i) {
      found += strcmp(spans[i]->name, names[a]) == 0;
    }
    if (found == 0) {
      fprintf(stderr, "%s: no \"X\" event named '%s'\n", path, names[a]);
      goto out;
    }
    printf("%s: %zu spans named '%s'\n", path, found, names[a]);
  }
  printf("%s: valid: %zu events, %zu spans on %zu thread tracks\n", path, j.count, nspans, ntids);
  rc = 0;
out:
  free(spans);
  free(tids);
  free(j.events);
  free(text);
  return rc;
}
