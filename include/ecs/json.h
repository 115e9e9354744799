/** @file ecs/json.h
 *  The JSON module (library ecs_json, built when Debian's libjansson-dev is
 *  found; not part of the core libecs): component values, entities, worlds
 *  and query matches to JSON and back, driven by the field descriptions of
 *  meta.h. This header needs no JSON library; link ecs::json.
 *
 *  Value format: a described component is an object with one member per
 *  field: integers and floats as numbers (a u64 above INT64_MAX as a
 *  decimal string, which reads accept for every integer kind; non-finite
 *  floats as "nan", "inf", "-inf"), bool as
 *  true/false, entity handles as numbers (0 for none), enums as the
 *  constant's name (a value with no constant as its number), nested structs
 *  as objects, fixed arrays as arrays, chars and strings as strings (a NULL
 *  string as null). A tag is `true`; an undescribed component is `null`.
 *  An entity is `{"id":N,"index":I,"generation":G,"components":{"Name":value}}`.
 *  docs/reflection.md is the guide. */
#ifndef ECS_JSON_H
#define ECS_JSON_H

#include "component.h"
#include "config.h"
#include "entity.h"
#include "error.h"
#include "io.h"
#include "query.h"
#include "world.h"

ECS_EXTERN_C_BEGIN

/** Why a read failed: the status, the JSON path of the bad value
 *  ("Position.x", "Every.v[2]", "" for the whole document) and a message
 *  that starts with it ("Position.x: expected a number, got a string").
 *  For a syntax error, the line and column (1-based; 0 otherwise). */
typedef struct ecs_json_error_t {
  ecs_status_t status;
  char path[128];
  char message[256];
  int line;
  int column;
} ecs_json_error_t;

/** Most bytes of JSON text a read accepts (64 MiB). */
#define ECS_JSON_MAX_TEXT (64u << 20)

/** Writes the value at @p value of component @p c as JSON (see above).
 *  Errors: ECS_ERR_INVALID_ARGUMENT (NULL argument, or NULL @p value for a
 *  component with a size), ECS_ERR_UNKNOWN_COMPONENT, the writer's error.
 *  Thread-safety: any thread that may read @p value and the world's
 *  components (no registration or ecs_meta_set() running). */
ECS_API ecs_status_t ecs_json_write_value(const ecs_world_t *world, ecs_component_t c, const void *value,
                                          const ecs_writer_t *out);

/** Writes entity @p e with every component it has, in id order.
 *  Errors: ECS_ERR_INVALID_ARGUMENT, ECS_ERR_STALE_ENTITY, the writer's error.
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_json_write_entity(ecs_world_t *world, ecs_entity_t e, const ecs_writer_t *out);

/** Writes every live entity in slot order: `{"entities":[entity,...]}`.
 *  Errors and thread-safety as ecs_json_write_entity(). */
ECS_API ecs_status_t ecs_json_write_world(ecs_world_t *world, const ecs_writer_t *out);

/** Writes the entities @p query matches now, in its iteration order, each
 *  with every component it has: `{"entities":[entity,...]}`. Runs one
 *  iteration of the query (so ECS_CHANGED() terms see the changes once).
 *  Errors and thread-safety as ecs_json_write_entity(). */
ECS_API ecs_status_t ecs_json_write_query(ecs_world_t *world, ecs_query_t *query, const ecs_writer_t *out);

/** Updates the value at @p value (a constructed value of @p c) from the
 *  JSON text @p json of @p len bytes: members given replace the fields
 *  they name, fields not given keep their value; arrays must have the
 *  field's length. All or nothing: on any error @p value is unchanged.
 *  @p err (may be NULL) receives the reason. Errors:
 *  ECS_ERR_INVALID_ARGUMENT (NULL argument, malformed JSON, text over
 *  ECS_JSON_MAX_TEXT, a wrong type, a number out of range, an unknown
 *  field or constant, a string too long for its chars field, a component
 *  without a description), ECS_ERR_UNKNOWN_COMPONENT, ECS_ERR_NO_MEMORY,
 *  a string hook's error.
 *  Thread-safety: as ecs_json_write_value(), and @p value is written. */
ECS_API ecs_status_t ecs_json_read_value(const ecs_world_t *world, ecs_component_t c, const char *json, size_t len,
                                         void *value, ecs_json_error_t *err);

/** Sets component @p c on @p e from the JSON value @p json (as
 *  ecs_json_read_value() applied to a copy of its current value, or to a
 *  new value when @p e does not have it, then ecs_set()). For a tag the
 *  JSON is `true`. All or nothing. Errors: as ecs_json_read_value(), and
 *  as ecs_set() (ECS_ERR_STALE_ENTITY, ECS_ERR_BUSY...).
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_json_set_component(ecs_world_t *world, ecs_entity_t e, ecs_component_t c, const char *json,
                                            size_t len, ecs_json_error_t *err);

/** Sets several components of @p e from a JSON object keyed by component
 *  name, or from an entity object as ecs_json_write_entity() writes it
 *  (its "components" member is used; "id", "index" and "generation" are
 *  ignored). Components not named are left as they are (none is removed);
 *  `null` for an undescribed component leaves it alone. All or nothing:
 *  every value is decoded and checked before the first ecs_set(); after
 *  that only running out of memory or an observer's error can stop it part
 *  way (the status says so). Errors: as ecs_json_set_component(), with the
 *  path naming the component ("Velocity: unknown component").
 *  Thread-safety: owner thread, outside a tick. */
ECS_API ecs_status_t ecs_json_set_entity(ecs_world_t *world, ecs_entity_t e, const char *json, size_t len,
                                         ecs_json_error_t *err);

ECS_EXTERN_C_END

#endif /* ECS_JSON_H */
