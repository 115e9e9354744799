/* A line-by-line checker of the Prometheus text exposition format 0.0.4,
 * for tests: names, HELP/TYPE once per family and before its samples,
 * label syntax and escapes, numeric values, and histograms whose buckets
 * are cumulative and end in +Inf equal to _count. Returns NULL when the
 * text is valid, else a static description of the first problem. */
#ifndef ECS_TEST_SUPPORT_PROMETHEUS_H
#define ECS_TEST_SUPPORT_PROMETHEUS_H

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct prom_family_t {
  char name[128];
  char type[16];
  bool help;
} prom_family_t;

static inline bool prom_name_char(char c, bool first) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' || (!first && c >= '0' && c <= '9');
}

/* Reads a metric or label name at *p into out. */
static inline bool prom_name(const char **p, char *out, size_t cap, bool metric) {
  size_t n = 0;
  if (!prom_name_char(**p, true) || (!metric && **p == ':')) {
    return false;
  }
  while (prom_name_char(**p, false) && (metric || **p != ':')) {
    if (n + 1 < cap) {
      out[n++] = **p;
    }
    (*p)++;
  }
  out[n] = '\0';
  return true;
}

static inline prom_family_t *prom_find(prom_family_t *f, size_t n, const char *name) {
  for (size_t i = 0; i < n; ++i) {
    if (strcmp(f[i].name, name) == 0) {
      return &f[i];
    }
  }
  return NULL;
}

static inline const char *prom_check(const char *text) {
  static char why[256];
  prom_family_t fam[256];
  size_t nfam = 0;
  char series[1024] = ""; /* histogram series being read: name + labels without le */
  double last_le = -1e300;
  double last_cum = -1;
  bool bucket_open = false;
  double inf_count = -1;
  int line_no = 0;
  const char *next = text;
  while (*next) {
    const char *line = next;
    ++line_no;
    const char *eol = strchr(line, '\n');
    if (!eol) {
      return "the text does not end with a newline";
    }
    char buf[1024];
    size_t len = (size_t)(eol - line);
    if (len >= sizeof buf) {
      return "a line is too long";
    }
    memcpy(buf, line, len);
    buf[len] = '\0';
    next = eol + 1;
    const char *p = buf;
    char name[128];
    if (len == 0) {
      continue;
    }
    if (buf[0] == '#') {
      bool help = strncmp(buf, "# HELP ", 7) == 0;
      bool type = strncmp(buf, "# TYPE ", 7) == 0;
      if (!help && !type) {
        continue; /* a comment */
      }
      p = buf + 7;
      if (!prom_name(&p, name, sizeof name, true) || *p != ' ') {
        snprintf(why, sizeof why, "line %d: bad name in '%.200s'", line_no, buf);
        return why;
      }
      prom_family_t *f = prom_find(fam, nfam, name);
      if (!f) {
        if (nfam == 256) {
          return "too many families";
        }
        f = &fam[nfam++];
        memset(f, 0, sizeof *f);
        snprintf(f->name, sizeof f->name, "%s", name);
      }
      if (help) {
        if (f->help) {
          snprintf(why, sizeof why, "line %d: second HELP for %s", line_no, name);
          return why;
        }
        f->help = true;
      } else {
        const char *t = p + 1;
        if (f->type[0]) {
          snprintf(why, sizeof why, "line %d: second TYPE for %s", line_no, name);
          return why;
        }
        if (strcmp(t, "counter") && strcmp(t, "gauge") && strcmp(t, "histogram") && strcmp(t, "summary") &&
            strcmp(t, "untyped")) {
          snprintf(why, sizeof why, "line %d: unknown type '%s'", line_no, t);
          return why;
        }
        snprintf(f->type, sizeof f->type, "%s", t);
      }
      continue;
    }
    if (!prom_name(&p, name, sizeof name, true)) {
      snprintf(why, sizeof why, "line %d: bad sample name in '%.200s'", line_no, buf);
      return why;
    }
    char labels[512] = "";
    double le = 0;
    bool has_le = false;
    if (*p == '{') {
      ++p;
      while (*p != '}') {
        char lname[128];
        char lval[256];
        size_t n = 0;
        if (!prom_name(&p, lname, sizeof lname, false) || *p++ != '=' || *p++ != '"') {
          snprintf(why, sizeof why, "line %d: bad label in '%.200s'", line_no, buf);
          return why;
        }
        while (*p && *p != '"') {
          if (*p == '\\') {
            ++p;
            if (*p != '\\' && *p != '"' && *p != 'n') {
              snprintf(why, sizeof why, "line %d: bad escape in '%.200s'", line_no, buf);
              return why;
            }
          }
          if (n + 1 < sizeof lval) {
            lval[n++] = *p;
          }
          ++p;
        }
        lval[n] = '\0';
        if (*p++ != '"') {
          snprintf(why, sizeof why, "line %d: unterminated label value", line_no);
          return why;
        }
        if (strcmp(lname, "le") == 0) {
          has_le = true;
          le = strcmp(lval, "+Inf") == 0 ? 1e308 : strtod(lval, NULL);
        } else {
          strncat(labels, lname, sizeof labels - strlen(labels) - 1);
          strncat(labels, "=", sizeof labels - strlen(labels) - 1);
          strncat(labels, lval, sizeof labels - strlen(labels) - 1);
          strncat(labels, ",", sizeof labels - strlen(labels) - 1);
        }
        if (*p == ',') {
          ++p;
        } else if (*p != '}') {
          snprintf(why, sizeof why, "line %d: bad label list in '%.200s'", line_no, buf);
          return why;
        }
      }
      ++p;
    }
    if (*p++ != ' ') {
      snprintf(why, sizeof why, "line %d: no value in '%.200s'", line_no, buf);
      return why;
    }
    char *end;
    double value = strtod(p, &end);
    if (end == p || (*end && *end != ' ')) {
      snprintf(why, sizeof why, "line %d: bad value in '%.200s'", line_no, buf);
      return why;
    }
    /* the family: the name itself, or a histogram's _bucket/_sum/_count */
    prom_family_t *f = prom_find(fam, nfam, name);
    const char *suffix = NULL;
    if (!f) {
      static const char *const sfx[] = {"_bucket", "_sum", "_count"};
      for (int k = 0; k < 3 && !f; ++k) {
        size_t nl = strlen(name);
        size_t sl = strlen(sfx[k]);
        if (nl > sl && strcmp(name + nl - sl, sfx[k]) == 0) {
          char base[128];
          snprintf(base, sizeof base, "%.*s", (int)(nl - sl), name);
          f = prom_find(fam, nfam, base);
          suffix = sfx[k];
        }
      }
    }
    if (!f || !f->type[0]) {
      snprintf(why, sizeof why, "line %d: sample %s before its TYPE", line_no, name);
      return why;
    }
    if (strcmp(f->type, "histogram") == 0) {
      char key[1024];
      snprintf(key, sizeof key, "%.127s|%.511s", f->name, labels);
      if (suffix && strcmp(suffix, "_bucket") == 0) {
        if (!has_le) {
          snprintf(why, sizeof why, "line %d: bucket without le", line_no);
          return why;
        }
        if (!bucket_open || strcmp(series, key) != 0) {
          snprintf(series, sizeof series, "%s", key);
          last_le = -1e300;
          last_cum = -1;
          bucket_open = true;
        }
        if (le <= last_le || value < last_cum) {
          snprintf(why, sizeof why, "line %d: buckets not ascending or not cumulative", line_no);
          return why;
        }
        last_le = le;
        last_cum = value;
        if (le >= 1e308) {
          inf_count = value;
        }
      } else if (suffix && strcmp(suffix, "_count") == 0) {
        if (strcmp(series, key) != 0 || value != inf_count) {
          snprintf(why, sizeof why, "line %d: _count differs from the +Inf bucket", line_no);
          return why;
        }
        bucket_open = false;
      } else if (!suffix || strcmp(suffix, "_sum") != 0) {
        snprintf(why, sizeof why, "line %d: bare sample of histogram %s", line_no, f->name);
        return why;
      }
    } else if (suffix) {
      snprintf(why, sizeof why, "line %d: %s has a suffix but is a %s", line_no, name, f->type);
      return why;
    }
  }
  return NULL;
}

#endif /* ECS_TEST_SUPPORT_PROMETHEUS_H */
