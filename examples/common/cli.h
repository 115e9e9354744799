/* cli.h: the strict command line shared by the examples and ecs_bench.
 *
 * Every program describes its flags once, in a cli_flag_t table; that table
 * drives getopt_long (cli_begin, cli_next) and the --help text
 * (cli_print_flags), so the help cannot forget a flag. Values are parsed
 * with cli_int, cli_u64 and cli_double: the whole string must be a base-10
 * number inside the given range, else the program, the flag and the value
 * are named on stderr and 2 (a usage error) is returned.
 *
 *   static const cli_flag_t flags[] = {
 *     {"ticks", 't', "N", "ticks to run (default 600)"},
 *     {"help", 'h', NULL, "print this help and exit"},
 *     {0},
 *   };
 *   cli_t cli;
 *   cli_begin(&cli, "boids", flags);
 *   for (int k; (k = cli_next(&cli, argc, argv)) != -1;) {
 *     switch (k) {
 *     case 't': if (cli_int("boids", "--ticks", optarg, 1, 1000, &ticks)) return 2; break;
 *     case 'h': ...print usage, cli_print_flags(&cli, stdout); return 0...
 *     default: return 2;  (cli_next has printed the error and a hint)
 *     }
 *   }
 *
 * Header-only: every function is static inline, so each program compiles
 * its own copy and nothing is linked. glibc's getopt_long, no dependency. */
#ifndef ECS_EXAMPLES_CLI_H
#define ECS_EXAMPLES_CLI_H

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Exit statuses the programs share: done, runtime error, usage error. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_RUNTIME = 1, CLI_EXIT_USAGE = 2 };

/* Returned by cli_next for an unknown flag or a missing value. */
#define CLI_BAD '?'

/* Most flags a table may hold (the help flag included). */
#define CLI_MAX_FLAGS 32

/* One flag. @p key is the short letter ('t' for -t), or a value from
 * CLI_LONG_ONLY on for a flag with no short form. */
typedef struct cli_flag_t {
  const char *name; /* long name without "--"; NULL ends the table */
  int key;
  const char *arg;  /* placeholder for the value ("N", "FILE"), NULL for a switch */
  const char *help; /* what it does and its default; '\n' continues it on the next line */
} cli_flag_t;

/* First key for flags without a short letter: CLI_LONG_ONLY, CLI_LONG_ONLY + 1, ... */
#define CLI_LONG_ONLY 256

/* Parser state: the flag table turned into getopt_long's arguments. */
typedef struct cli_t {
  const char *prog;
  const cli_flag_t *flags;
  struct option longopts[CLI_MAX_FLAGS + 1];
  char shortopts[3 * CLI_MAX_FLAGS + 2];
} cli_t;

/* True when @p text is a plain base-10 integer: optional sign, digits only. */
static inline int cli__is_integer(const char *text) {
  const char *p = text;
  if (*p == '+' || *p == '-') {
    ++p;
  }
  if (*p == '\0') {
    return 0;
  }
  for (; *p; ++p) {
    if (*p < '0' || *p > '9') {
      return 0;
    }
  }
  return 1;
}

/* Parses @p text, the value of @p flag, as a base-10 integer in [min, max]
 * into *out. Returns 0, or prints "prog: flag: 'text' is not an integer in
 * [min, max]" and returns 2 (*out unchanged). */
static inline int cli_int(const char *prog, const char *flag, const char *text, long long min, long long max,
                          long long *out) {
  long long v = 0;
  int ok = text != NULL && cli__is_integer(text);
  if (ok) {
    errno = 0;
    v = strtoll(text, NULL, 10);
    ok = errno == 0 && v >= min && v <= max;
  }
  if (!ok) {
    fprintf(stderr, "%s: %s: '%s' is not an integer in [%lld, %lld]\n", prog, flag, text ? text : "", min, max);
    return CLI_EXIT_USAGE;
  }
  *out = v;
  return 0;
}

/* As cli_int, for unsigned 64-bit values (seeds): no sign allowed. */
static inline int cli_u64(const char *prog, const char *flag, const char *text, uint64_t min, uint64_t max,
                          uint64_t *out) {
  unsigned long long v = 0;
  int ok = text != NULL && text[0] != '-' && text[0] != '+' && cli__is_integer(text);
  if (ok) {
    errno = 0;
    v = strtoull(text, NULL, 10);
    ok = errno == 0 && v >= min && v <= max;
  }
  if (!ok) {
    fprintf(stderr, "%s: %s: '%s' is not an integer in [%" PRIu64 ", %" PRIu64 "]\n", prog, flag, text ? text : "", min,
            max);
    return CLI_EXIT_USAGE;
  }
  *out = (uint64_t)v;
  return 0;
}

/* Parses @p text as a decimal number (digits, one point, an optional
 * exponent; no hex, inf or nan) in [min, max] into *out. Returns 0, or
 * prints "prog: flag: 'text' is not a number in [min, max]" and returns 2. */
static inline int cli_double(const char *prog, const char *flag, const char *text, double min, double max,
                             double *out) {
  double v = 0.0;
  int ok = text != NULL && text[0] != '\0' && strspn(text, "0123456789+-.eE") == strlen(text);
  if (ok) {
    char *end = NULL;
    errno = 0;
    v = strtod(text, &end);
    ok = errno == 0 && end != text && *end == '\0' && v >= min && v <= max;
  }
  if (!ok) {
    fprintf(stderr, "%s: %s: '%s' is not a number in [%g, %g]\n", prog, flag, text ? text : "", min, max);
    return CLI_EXIT_USAGE;
  }
  *out = v;
  return 0;
}

/* Opens @p path (the value of @p flag) with fopen's @p mode. Returns the
 * stream, or prints "prog: flag: cannot open 'path': reason" and returns
 * NULL (exit 1 is then the program's usual answer). */
static inline FILE *cli_fopen(const char *prog, const char *flag, const char *path, const char *mode) {
  FILE *f = fopen(path, mode);
  if (!f) {
    int err = errno;
    fprintf(stderr, "%s: %s: cannot open '%s': %s\n", prog, flag, path, strerror(err));
  }
  return f;
}

/* Prints "prog: message (try 'prog --help')" and returns 2. */
static inline int cli_usage_error(const char *prog, const char *message, const char *what) {
  fprintf(stderr, "%s: %s '%s' (try '%s --help')\n", prog, message, what, prog);
  return CLI_EXIT_USAGE;
}

/* Builds the getopt_long tables from @p flags (at most CLI_MAX_FLAGS
 * entries, ended by one whose name is NULL). @p prog names the program in
 * every message. */
static inline void cli_begin(cli_t *c, const char *prog, const cli_flag_t *flags) {
  memset(c, 0, sizeof *c);
  c->prog = prog;
  c->flags = flags;
  size_t s = 0;
  c->shortopts[s++] = ':'; /* a missing value returns ':', not '?' */
  for (size_t i = 0; flags[i].name && i < CLI_MAX_FLAGS; ++i) {
    c->longopts[i] = (struct option){flags[i].name, flags[i].arg ? required_argument : no_argument, NULL, flags[i].key};
    if (flags[i].key > 0 && flags[i].key < CLI_LONG_ONLY) {
      c->shortopts[s++] = (char)flags[i].key;
      if (flags[i].arg) {
        c->shortopts[s++] = ':';
      }
    }
  }
  opterr = 0; /* cli_next words the errors itself */
  optind = 1;
}

/* The next flag's key, its value in optarg; -1 after the last flag (operands
 * start at argv[optind]). On an unknown flag or a missing value, prints the
 * error with a hint to use --help and returns CLI_BAD: exit 2. */
static inline int cli_next(cli_t *c, int argc, char **argv) {
  int k = getopt_long(argc, argv, c->shortopts, c->longopts, NULL);
  if (k != ':' && k != '?') {
    return k;
  }
  const char *arg = optind > 0 && optind <= argc ? argv[optind - 1] : "";
  char flag[3] = {'-', (char)optopt, '\0'};
  int is_long = strncmp(arg, "--", 2) == 0;
  if (k == ':') {
    cli_usage_error(c->prog, "missing value for", is_long ? arg : flag);
  } else if (is_long && optopt != 0) {
    cli_usage_error(c->prog, "this option takes no value:", arg);
  } else {
    cli_usage_error(c->prog, "unknown option", optopt != 0 ? flag : arg);
  }
  return CLI_BAD;
}

/* Returns 0 when no operand follows the flags, else reports the first and
 * returns 2. */
static inline int cli_no_operands(const cli_t *c, int argc, char **argv) {
  if (optind < argc) {
    return cli_usage_error(c->prog, "unexpected argument", argv[optind]);
  }
  return 0;
}

/* Prints one line per flag, "  -t, --ticks N   help", the help text's
 * continuation lines (after a '\n') indented under the first. */
static inline void cli_print_flags(const cli_t *c, FILE *out) {
  size_t width = 0;
  for (const cli_flag_t *f = c->flags; f->name; ++f) {
    size_t w = strlen(f->name) + (f->arg ? strlen(f->arg) + 1 : 0);
    width = w > width ? w : width;
  }
  for (const cli_flag_t *f = c->flags; f->name; ++f) {
    char head[96];
    snprintf(head, sizeof head, "%s%s%s", f->name, f->arg ? " " : "", f->arg ? f->arg : "");
    if (f->key > 0 && f->key < CLI_LONG_ONLY) {
      fprintf(out, "  -%c, --%-*s  ", f->key, (int)width, head);
    } else {
      fprintf(out, "      --%-*s  ", (int)width, head);
    }
    for (const char *h = f->help; *h; ++h) {
      fputc(*h, out);
      if (*h == '\n') {
        fprintf(out, "%*s", (int)width + 10, "");
      }
    }
    fputc('\n', out);
  }
}

#endif
