/* A log sink for tests: counts messages and keeps the last one. */
#ifndef ECS_TEST_SUPPORT_LOG_CAPTURE_H
#define ECS_TEST_SUPPORT_LOG_CAPTURE_H

#include "ecs.h"

#include <stdio.h>

typedef struct log_capture_t {
  int count;
  ecs_log_level_t level;
  char last[512];
} log_capture_t;

/* Keeps the last message as the default sink's logfmt line, fields included. */
static inline void capture_log(void *user, ecs_log_level_t level, const char *msg, const ecs_log_fields_t *fields) {
  log_capture_t *c = user;
  c->count++;
  c->level = level;
  ecs_log_format(c->last, sizeof c->last, level, msg, fields);
}

#endif /* ECS_TEST_SUPPORT_LOG_CAPTURE_H */
