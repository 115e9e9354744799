/* ecs_doc_output: checks that the program output shown in the docs is what
 * the programs print, so that a guide cannot go stale silently.
 *
 * usage: ecs_doc_output [--program NAME=PATH]... FILE.md...
 *
 * In FILE.md, an HTML comment on a line of its own names a program and its
 * arguments; the fenced block right after it is that program's standard
 * output:
 *
 *   <!-- doc-output: two_groups --ticks 10 | vary: [0-9]+\.[0-9]{3} -->
 *   ```
 *   tick 1: 3 systems, 48 commands applied, 5016 entities, 0.176 ms | ...
 *   ...
 *   checksum fb8db99f368148ce
 *   ```
 *
 * - NAME is looked up in the --program list and run from PATH (no shell;
 *   the arguments are split at spaces, without quoting), in the current
 *   directory, and must exit with status 0.
 * - "| vary: ERE" (optional, POSIX extended regular expression): every
 *   match, in the block and in the output alike, stands for any text that
 *   matches it, so timings can be shown as real numbers. Nothing else
 *   varies: the rest is compared exactly, line by line.
 * - A line "..." in the block stands for any number of output lines (none
 *   included); the lines after the last "..." must end the output.
 * - A first block line starting with "$ " shows the command: it must read
 *   "$ NAME ARGS" exactly, and is not part of the output.
 *
 * Every FILE must hold at least one such block. Exit status: 0 all match,
 * 1 a block differs or a program failed (the file and line on stderr),
 * 2 usage error. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <regex.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAX_PROGRAMS = 16, MAX_ARGS = 32 };

typedef struct program_t {
  const char *name;
  const char *path;
} program_t;

/* Lines of a text, split in place (the newlines become NULs). */
typedef struct lines_t {
  char **at;
  size_t count;
} lines_t;

static void *xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "ecs_doc_output: out of memory\n");
    exit(1);
  }
  return p;
}

static char *xstrdup(const char *s) {
  size_t n = strlen(s) + 1;
  return memcpy(xmalloc(n), s, n);
}

/* The whole of f, NUL-terminated; NULL on a read error. */
static char *slurp(FILE *f, size_t *size) {
  size_t cap = 4096;
  size_t n = 0;
  char *buf = xmalloc(cap);
  size_t got;
  while ((got = fread(buf + n, 1, cap - 1 - n, f)) > 0) {
    n += got;
    if (n == cap - 1) {
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) {
        free(buf);
        return NULL;
      }
      buf = bigger;
      cap *= 2;
    }
  }
  if (ferror(f)) {
    free(buf);
    return NULL;
  }
  buf[n] = '\0';
  *size = n;
  return buf;
}

/* Splits text into lines; a last line without a newline counts too. */
static lines_t split_lines(char *text, size_t size) {
  lines_t l = {xmalloc((size + 1) * sizeof *l.at), 0};
  char *p = text;
  char *end = text + size;
  while (p < end) {
    char *nl = memchr(p, '\n', (size_t)(end - p));
    l.at[l.count++] = p;
    if (!nl) {
      break;
    }
    *nl = '\0';
    p = nl + 1;
  }
  return l;
}

/* line with every match of re replaced by "\x01" (a byte no doc line or
 * program output holds); a copy, the caller frees it. */
static char *normalize(const char *line, const regex_t *re) {
  if (!re) {
    return xstrdup(line);
  }
  size_t cap = strlen(line) + 1;
  char *out = xmalloc(cap);
  size_t n = 0;
  const char *p = line;
  regmatch_t m;
  while (*p && regexec(re, p, 1, &m, p == line ? 0 : REG_NOTBOL) == 0) {
    if (m.rm_eo == 0) { /* an empty match: keep one character and go on */
      out[n++] = *p++;
      continue;
    }
    memcpy(out + n, p, (size_t)m.rm_so);
    n += (size_t)m.rm_so;
    out[n++] = '\x01';
    p += m.rm_eo;
  }
  strcpy(out + n, p);
  return out;
}

/* Runs argv[0] with argv, capturing its standard output; false (message
 * printed) if it cannot run or does not exit with 0. */
static bool run(char **argv, char **out, size_t *size, const char *where) {
  int fds[2];
  if (pipe(fds) != 0) {
    fprintf(stderr, "%s: pipe: %s\n", where, strerror(errno));
    return false;
  }
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    fprintf(stderr, "%s: fork: %s\n", where, strerror(errno));
    close(fds[0]);
    close(fds[1]);
    return false;
  }
  if (pid == 0) {
    dup2(fds[1], STDOUT_FILENO);
    close(fds[0]);
    close(fds[1]);
    execv(argv[0], argv);
    fprintf(stderr, "%s: cannot run %s: %s\n", where, argv[0], strerror(errno));
    _exit(127);
  }
  close(fds[1]);
  FILE *f = fdopen(fds[0], "r");
  *out = f ? slurp(f, size) : NULL;
  if (f) {
    fclose(f);
  } else {
    close(fds[0]);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (!*out || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "%s: %s did not exit with 0 (status %d)\n", where, argv[0], status);
    free(*out);
    *out = NULL;
    return false;
  }
  return true;
}

/* Does expected[e0, e1) (no "..." in it) match actual from line a? */
static bool segment_at(char **expected, size_t e0, size_t e1, char **actual, size_t a, size_t na) {
  if (a + (e1 - e0) > na) {
    return false;
  }
  for (size_t k = 0; k < e1 - e0; ++k) {
    if (strcmp(expected[e0 + k], actual[a + k]) != 0) {
      return false;
    }
  }
  return true;
}

/* Matches the block against the output; on a mismatch, *bad is the block
 * line that found no match and *near the output line it was compared with. */
static bool matches(char **expected, size_t ne, char **actual, size_t na, size_t *bad, size_t *near) {
  size_t a = 0;
  size_t e = 0;
  bool gap = false;
  while (e < ne) {
    if (strcmp(expected[e], "...") == 0) {
      gap = true;
      ++e;
      continue;
    }
    size_t end = e;
    while (end < ne && strcmp(expected[end], "...") != 0) {
      ++end;
    }
    size_t len = end - e;
    bool last = end == ne;
    if (!gap) {
      if (!segment_at(expected, e, end, actual, a, na)) {
        for (size_t k = 0; k < len; ++k) { /* name the first differing line */
          if (a + k >= na || strcmp(expected[e + k], actual[a + k]) != 0) {
            *bad = e + k;
            *near = a + k;
            return false;
          }
        }
      }
    } else if (last) { /* after the last "...": the end of the output */
      if (na < len || na - len < a) {
        *bad = e;
        *near = a;
        return false;
      }
      for (size_t k = 0; k < len; ++k) { /* name the first differing line */
        if (strcmp(expected[e + k], actual[na - len + k]) != 0) {
          *bad = e + k;
          *near = na - len + k;
          return false;
        }
      }
      a = na - len;
    } else {
      size_t from = a;
      while (a + len <= na && !segment_at(expected, e, end, actual, a, na)) {
        ++a;
      }
      if (a + len > na) {
        *bad = e;
        *near = from;
        return false;
      }
    }
    a += len;
    e = end;
    gap = false;
  }
  if (!gap && a != na) {
    *bad = ne;
    *near = a;
    return false;
  }
  return true;
}

/* Prints a line with the vary marks shown as "<vary>". */
static void show(FILE *to, const char *s) {
  for (; *s; ++s) {
    if (*s == '\x01') {
      fputs("<vary>", to);
    } else {
      fputc(*s, to);
    }
  }
}

/* Checks one marked block: the marker is lines.at[m], the fence the next
 * line. Returns the line after the block, or 0 on failure (printed). */
static size_t check_block(const char *file, lines_t lines, size_t m, const program_t *programs, int nprograms) {
  char where[512];
  snprintf(where, sizeof where, "%s:%zu", file, m + 1);
  const char *spec = strstr(lines.at[m], "doc-output:") + strlen("doc-output:");
  char *text = xstrdup(spec);
  char *close = strstr(text, "-->");
  if (!close) {
    fprintf(stderr, "%s: the marker does not end with -->\n", where);
    free(text);
    return 0;
  }
  *close = '\0';
  regex_t re;
  bool have_re = false;
  char *bar = strstr(text, "| vary:");
  if (bar) {
    *bar = '\0';
    char *pattern = bar + strlen("| vary:");
    while (*pattern == ' ') {
      ++pattern;
    }
    for (char *t = pattern + strlen(pattern); t > pattern && t[-1] == ' ';) {
      *--t = '\0';
    }
    if (regcomp(&re, pattern, REG_EXTENDED) != 0) {
      fprintf(stderr, "%s: bad vary pattern '%s'\n", where, pattern);
      free(text);
      return 0;
    }
    have_re = true;
  }
  char *argv[MAX_ARGS + 1];
  int argc = 0;
  char shown[1024] = "$";
  for (char *tok = strtok(text, " "); tok && argc < MAX_ARGS; tok = strtok(NULL, " ")) {
    argv[argc++] = tok;
    strncat(shown, " ", sizeof shown - strlen(shown) - 1);
    strncat(shown, tok, sizeof shown - strlen(shown) - 1);
  }
  argv[argc] = NULL;
  size_t result = 0;
  const char *name = argc > 0 ? argv[0] : "";
  for (int p = 0; p < nprograms; ++p) {
    if (strcmp(programs[p].name, name) == 0) {
      argv[0] = (char *)programs[p].path;
    }
  }
  if (argc == 0 || argv[0] == name) {
    fprintf(stderr, "%s: unknown program '%s' (give it with --program %s=PATH)\n", where, name, name);
    goto out;
  }
  if (m + 1 >= lines.count || strncmp(lines.at[m + 1], "```", 3) != 0) {
    fprintf(stderr, "%s: no fenced block right after the marker\n", where);
    goto out;
  }
  size_t first = m + 2;
  size_t end = first;
  while (end < lines.count && strcmp(lines.at[end], "```") != 0) {
    ++end;
  }
  if (end == lines.count) {
    fprintf(stderr, "%s: the fenced block is not closed\n", where);
    goto out;
  }
  if (first < end && strncmp(lines.at[first], "$ ", 2) == 0) {
    if (strcmp(lines.at[first], shown) != 0) {
      fprintf(stderr, "%s:%zu: the block shows '%s', the marker runs '%s'\n", file, first + 1, lines.at[first], shown);
      goto out;
    }
    ++first;
  }
  char *output = NULL;
  size_t size = 0;
  if (!run(argv, &output, &size, where)) {
    goto out;
  }
  lines_t got = split_lines(output, size);
  size_t ne = end - first;
  char **expected = xmalloc(ne * sizeof *expected);
  char **actual = xmalloc(got.count * sizeof *actual);
  for (size_t k = 0; k < ne; ++k) {
    expected[k] = normalize(lines.at[first + k], have_re ? &re : NULL);
  }
  for (size_t k = 0; k < got.count; ++k) {
    actual[k] = normalize(got.at[k], have_re ? &re : NULL);
  }
  size_t bad = 0;
  size_t near = 0;
  if (matches(expected, ne, actual, got.count, &bad, &near)) {
    printf("%s: %s: %zu lines as documented\n", where, shown + 2, ne);
    result = end + 1;
  } else {
    fprintf(stderr, "%s:%zu: the documented output differs from what '%s' prints\n", file,
            first + (bad < ne ? bad : ne) + 1, shown + 2);
    fprintf(stderr, "  documented: ");
    show(stderr, bad < ne ? expected[bad] : "(the end of the block)");
    fprintf(stderr, "\n  printed:    ");
    show(stderr, near < got.count ? actual[near] : "(the end of the output)");
    fprintf(stderr, "\nThe whole output:\n");
    for (size_t k = 0; k < got.count; ++k) {
      fprintf(stderr, "  %s\n", got.at[k]);
    }
  }
  for (size_t k = 0; k < ne; ++k) {
    free(expected[k]);
  }
  for (size_t k = 0; k < got.count; ++k) {
    free(actual[k]);
  }
  free(expected);
  free(actual);
  free(got.at);
  free(output);
out:
  if (have_re) {
    regfree(&re);
  }
  free(text);
  return result;
}

int main(int argc, char **argv) {
  program_t programs[MAX_PROGRAMS];
  int nprograms = 0;
  int nfiles = 0;
  int rc = 0;
  for (int i = 1; i < argc; ++i) {
    if (strcmp(argv[i], "--program") == 0 && i + 1 < argc && nprograms < MAX_PROGRAMS) {
      char *eq = strchr(argv[++i], '=');
      if (!eq) {
        fprintf(stderr, "ecs_doc_output: --program wants NAME=PATH, not '%s'\n", argv[i]);
        return 2;
      }
      *eq = '\0';
      programs[nprograms++] = (program_t){argv[i], eq + 1};
      continue;
    }
    if (argv[i][0] == '-') {
      fprintf(stderr, "usage: ecs_doc_output [--program NAME=PATH]... FILE.md...\n");
      return 2;
    }
    ++nfiles;
    FILE *f = fopen(argv[i], "rb");
    size_t size = 0;
    char *text = f ? slurp(f, &size) : NULL;
    if (f) {
      fclose(f);
    }
    if (!text) {
      fprintf(stderr, "%s: cannot read the file\n", argv[i]);
      rc = 1;
      continue;
    }
    lines_t lines = split_lines(text, size);
    int blocks = 0;
    for (size_t k = 0; k < lines.count; ++k) {
      if (strncmp(lines.at[k], "<!-- doc-output:", 16) != 0) {
        continue;
      }
      ++blocks;
      size_t next = check_block(argv[i], lines, k, programs, nprograms);
      if (next == 0) {
        rc = 1;
      } else {
        k = next - 1;
      }
    }
    if (blocks == 0) {
      fprintf(stderr, "%s: no <!-- doc-output: ... --> block to check\n", argv[i]);
      rc = 1;
    }
    free(lines.at);
    free(text);
  }
  if (nfiles == 0) {
    fprintf(stderr, "usage: ecs_doc_output [--program NAME=PATH]... FILE.md...\n");
    return 2;
  }
  return rc;
}
