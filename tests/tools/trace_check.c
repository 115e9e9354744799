/* ecs_trace_check: validates a Chrome trace-event file written by libecs.
 *
 * usage: ecs_trace_check FILE [--cut] [--min-threads N] [NAME...]
 *
 * Checks that FILE is valid JSON (support/json.h): either the JSON array
 * form libecs writes, "[" then one whole event per line, or an object with
 * a "traceEvents" array. With --cut the array form may lack its closing
 * "]" (a trace whose program was killed): it must then end on a whole
 * event and a ",", and is read as the viewers read it (the "," dropped, a
 * "]" added); a file cut inside an event fails with "ends inside an event".
 * Then checks that every event has a "ph" and a "tid", that every
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
  while (buf && (got = fread(buf + n, 1, cap - 1 - n, f)) > 0) {
    n += got;
    if (n == cap - 1) { /* one byte always spare, for a "]" */
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

/* The array form, line by line: "[" alone first, then each line one whole
 * event followed by ",", except a finished trace's last event, followed by
 * a line "]". Sets *closed when that "]" is there. */
static bool lines_ok(const char *path, const char *text, size_t size, bool *closed) {
  const char *p = text + 2;
  const char *end = text + size;
  *closed = false;
  if (size < 2 || memcmp(text, "[\n", 2) != 0) {
    fprintf(stderr, "%s: the first line is not \"[\"\n", path);
    return false;
  }
  while (p < end) {
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    if (!nl) {
      fprintf(stderr, "%s: ends inside an event (byte %ld): not cut at an event boundary\n", path, (long)(p - text));
      return false;
    }
    if (nl - p == 1 && *p == ']') {
      *closed = nl + 1 == end;
      if (!*closed) {
        fprintf(stderr, "%s: text after the closing \"]\" (byte %ld)\n", path, (long)(nl + 1 - text));
      }
      return *closed;
    }
    bool comma = nl > p && nl[-1] == ',';
    json_t j = {0};
    j.p = p;
    j.end = comma ? nl - 1 : nl;
    bool one = *p == '{' && json_object(&j, true) && j.p == j.end;
    free(j.events);
    if (!one) {
      fprintf(stderr, "%s: the line at byte %ld is not one whole event\n", path, (long)(p - text));
      return false;
    }
    if (!comma && !(nl + 3 == end && memcmp(nl, "\n]\n", 3) == 0)) {
      fprintf(stderr, "%s: the event at byte %ld lacks its \",\" and is not the last\n", path, (long)(p - text));
      return false;
    }
    p = nl + 1;
  }
  return true;
}

/* The whole trace: the array form (strict, or with cut read as the
 * viewers read a trace without its "]"), else an object with traceEvents. */
static bool parse_any(const char *path, json_t *j, char *text, size_t size, bool cut) {
  const char *p = text;
  while (p < text + size && (*p == ' ' || *p == '\n' || *p == '\t' || *p == '\r')) {
    ++p;
  }
  if (p == text + size || *p != '[') {
    if (!json_parse(j, text, size)) {
      fprintf(stderr, "%s: not valid JSON (stopped at byte %ld)\n", path, (long)(j->p - text));
      return false;
    }
    return true;
  }
  bool closed = false;
  if (!lines_ok(path, text, size, &closed)) {
    return false;
  }
  if (!closed && !cut) {
    fprintf(stderr, "%s: no closing \"]\": the trace was cut short (--cut accepts that)\n", path);
    return false;
  }
  size_t n = size;
  if (!closed) { /* text has room for one more byte: read_file keeps it */
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ',')) {
      --n;
    }
    text[n++] = ']';
    printf("%s: cut short (no closing \"]\"), every line a whole event\n", path);
  }
  j->p = text;
  j->end = text + n;
  bool ok = json_array(j, true);
  json_ws(j);
  if (!ok || j->p != j->end) {
    fprintf(stderr, "%s: not valid JSON (stopped at byte %ld)\n", path, (long)(j->p - text));
    return false;
  }
  return true;
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
  bool cut = false;
  int nnames = 0;
  char **names = argv; /* the NAMEs, moved to the front of argv */
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--min-threads") == 0 && i + 1 < argc) {
      min_threads = strtol(argv[++i], NULL, 10);
    } else if (strcmp(argv[i], "--cut") == 0) {
      cut = true;
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
    fprintf(stderr, "usage: ecs_trace_check FILE [--cut] [--min-threads N] [NAME...]\n");
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
  if (!parse_any(path, &j, text, size, cut)) {
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
