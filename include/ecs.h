/** @file ecs.h
 *  libecs umbrella header: an embeddable entity-component-system runtime.
 *
 *  Conventions for the whole API:
 *  - Fallible calls return ecs_status_t (ECS_OK == 0, negative on error);
 *    ecs_last_error(world) gives the detail of the last failure. Calls made
 *    from a system or an observer leave the last error alone (systems may
 *    run on several threads): their return value is the only answer.
 *  - Functions are NOT thread-safe unless their comment says otherwise.
 *    "Owner thread": the one thread using the world at a time. "Outside a
 *    tick": not from a system or observer callback, where the world's
 *    structure is frozen (such calls return ECS_ERR_BUSY, or fail as their
 *    comment says).
 *  - Freeing NULL is a no-op. Strings and descriptors passed in are copied
 *    and user pointers kept as given, unless a comment says otherwise.
 *  - Descriptors (*_desc_t) are zero-initialised by the caller; zero fields
 *    mean defaults.
 *  - Bad input (NULL, stale handles, unknown ids) returns an error; it never
 *    aborts the host. */
#ifndef ECS_H
#define ECS_H

#include "ecs/command.h"
#include "ecs/component.h"
#include "ecs/config.h"
#include "ecs/delta.h"
#include "ecs/digest.h"
#include "ecs/enable.h"
#include "ecs/entity.h"
#include "ecs/error.h"
#include "ecs/executor.h"
#include "ecs/hierarchy.h"
#include "ecs/io.h"
#include "ecs/log.h"
#include "ecs/meta.h"
#include "ecs/metrics.h"
#include "ecs/observer.h"
#include "ecs/plugin.h"
#include "ecs/pool.h"
#include "ecs/prefab.h"
#include "ecs/query.h"
#include "ecs/relation.h"
#include "ecs/replay.h"
#include "ecs/resource.h"
#include "ecs/scheduler.h"
#include "ecs/snapshot.h"
#include "ecs/storage.h"
#include "ecs/trace.h"
#include "ecs/typed.h"
#include "ecs/world.h"

#endif /* ECS_H */
