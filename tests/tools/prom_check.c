/* ecs_prom_check: validates a file in the Prometheus text exposition
 * format 0.0.4 with support/prometheus.h, line by line.
 *
 * usage: ecs_prom_check FILE [FAMILY...]
 *
 * Each FAMILY given must also have a "# TYPE FAMILY ..." line. Exit
 * status: 0 valid, 1 invalid (the first problem on stderr), 2 usage. */
#include "support/prometheus.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv) {
  if (argc < 2 || argv[1][0] == '-') {
    fprintf(stderr, "usage: ecs_prom_check FILE [FAMILY...]\n");
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    fprintf(stderr, "%s: cannot open the file\n", argv[1]);
    return 1;
  }
  size_t cap = 1 << 16;
  size_t n = 0;
  size_t got;
  char *text = malloc(cap + 1);
  while (text && (got = fread(text + n, 1, cap - n, f)) > 0) {
    n += got;
    if (n == cap) {
      char *bigger = realloc(text, cap * 2 + 1);
      if (!bigger) {
        free(text);
        text = NULL;
        break;
      }
      text = bigger;
      cap *= 2;
    }
  }
  fclose(f);
  if (!text) {
    fprintf(stderr, "%s: out of memory\n", argv[1]);
    return 1;
  }
  text[n] = '\0';
  int rc = 0;
  const char *why = n == 0 ? "the file is empty" : strlen(text) != n ? "the file holds a NUL byte" : prom_check(text);
  if (why) {
    fprintf(stderr, "%s: %s\n", argv[1], why);
    rc = 1;
  }
  for (int a = 2; a < argc && rc == 0; ++a) {
    char line[256];
    snprintf(line, sizeof line, "# TYPE %s ", argv[a]);
    const char *at = strstr(text, line);
    if (!at || (at != text && at[-1] != '\n')) {
      fprintf(stderr, "%s: no family %s\n", argv[1], argv[a]);
      rc = 1;
    }
  }
  if (rc == 0) {
    size_t lines = 0;
    size_t families = 0;
    for (const char *p = text; *p; ++p) {
      lines += *p == '\n';
      families += (p == text || p[-1] == '\n') && strncmp(p, "# TYPE ", 7) == 0;
    }
    printf("%s: valid: %zu lines, %zu families\n", argv[1], lines, families);
  }
  free(text);
  return rc;
}
