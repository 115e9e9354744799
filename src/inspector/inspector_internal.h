/* The inspector's state, shared by its server (inspector.c) and its
 * JSON endpoints (inspector_api.c). */
#ifndef ECS_INSPECTOR_INTERNAL_H
#define ECS_INSPECTOR_INTERNAL_H

#include "ecs/inspector.h"
#include "ecs/io.h"
#include "ecs/json.h"
#include "ecs/meta.h"
#include "ecs/metrics.h"

#include <microhttpd.h>

#define ECS__INSP_TICKS 240   /* ticks kept for the chart */
#define ECS__INSP_GROUPS 8    /* group times kept per tick */
#define ECS__INSP_SYSTEMS 128 /* systems whose times are sampled */
#define ECS__INSP_SAMPLES 60  /* samples kept per system */

typedef struct ecs__insp_tick_t {
  uint64_t tick;
  uint64_t duration_ns;
  uint32_t systems_run;
  uint32_t systems_failed;
  uint64_t commands_applied;
  uint32_t group_count;
  uint64_t group_ns[ECS__INSP_GROUPS]; /* run + apply, in run order */
} ecs__insp_tick_t;

typedef struct ecs__insp_system_t {
  char name[64];
  uint64_t ns[ECS__INSP_SAMPLES]; /* a ring, oldest at head when full */
  uint32_t head, count;
} ecs__insp_system_t;

struct ecs_inspector_t {
  ecs_world_t *world;
  struct MHD_Daemon *daemon;
  uint16_t port;
  bool writes;
  bool loopback; /* bound to 127.0.0.0/8: the Host header is checked */
  char *token;
  char *page_path;
  size_t max_body;
  uint64_t counts[3];
  ecs_scheduler_t *sched;
  uint32_t sample_every;
  uint64_t recorded; /* ticks recorded so far */
  ecs__insp_tick_t ticks[ECS__INSP_TICKS];
  uint32_t tick_head, tick_count;
  ecs__insp_system_t systems[ECS__INSP_SYSTEMS];
  uint32_t system_count;
};

/* responses (inspector.c) */
void ecs__insp_str(const ecs_writer_t *w, const char *s);
enum MHD_Result ecs__insp_json(ecs_inspector_t *in, struct MHD_Connection *c, unsigned status, ecs_membuf_t *buf);
enum MHD_Result ecs__insp_error(ecs_inspector_t *in, struct MHD_Connection *c, unsigned status, const char *message,
                                const char *path);

/* endpoints (inspector_api.c) */
enum MHD_Result ecs__insp_world(ecs_inspector_t *in, struct MHD_Connection *c);
enum MHD_Result ecs__insp_schema(ecs_inspector_t *in, struct MHD_Connection *c);
enum MHD_Result ecs__insp_entities(ecs_inspector_t *in, struct MHD_Connection *c);
enum MHD_Result ecs__insp_entity(ecs_inspector_t *in, struct MHD_Connection *c, ecs_entity_t e);
enum MHD_Result ecs__insp_set(ecs_inspector_t *in, struct MHD_Connection *c, ecs_entity_t e, const char *component,
                              const char *body, size_t len);
enum MHD_Result ecs__insp_schedule(ecs_inspector_t *in, struct MHD_Connection *c);
enum MHD_Result ecs__insp_metrics(ecs_inspector_t *in, struct MHD_Connection *c);
enum MHD_Result ecs__insp_prometheus(ecs_inspector_t *in, struct MHD_Connection *c);

#endif /* ECS_INSPECTOR_INTERNAL_H */
