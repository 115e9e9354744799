/** @file ecs.hpp
 *  libecs for C++17 and later: a thin, header-only layer over the C API
 *  (ecs.h, included here and usable alongside).
 *
 *  - Components are types: `w.set<Position>(e, {1, 2})`, `w.get<T>(e)`.
 *    A type is registered on first use, or with w.component<T>(storage),
 *    under its name (ecs::component_name<T> to choose it), with lifecycle
 *    hooks made from its constructors, destructor, move and copy, so that
 *    std::string, std::vector or std::unique_ptr members are constructed,
 *    moved and destroyed, never copied as bytes.
 *  - Queries call a lambda per entity with typed references, one loop over
 *    arrays per chunk on the default storage:
 *    `w.each([](Position &p, const Velocity &v) { p.x += v.dx; })`.
 *  - Systems, run conditions and observers are callables with captures;
 *    the objects that own the schedule or the world own the callables.
 *  - No exception crosses into the C library; errors are ecs_status_t.
 *
 *  ecs::world, ecs::entity, ecs::query, ecs::query_builder,
 *  ecs::command_buffer, ecs::scheduler_builder, ecs::scheduler: see
 *  docs/cpp.md. Everything in ecs::detail is internal. */
#ifndef ECS_HPP
#define ECS_HPP

#if !defined(__cplusplus) || (__cplusplus < 201703L && (!defined(_MSVC_LANG) || _MSVC_LANG < 201703L))
#error "ecs.hpp needs C++17 or later; C programs include ecs.h"
#endif

#include "ecs.h"
#include "ecs/cpp/core.hpp"
#include "ecs/cpp/scheduler.hpp"
#include "ecs/cpp/world.hpp"

#endif /* ECS_HPP */
