// cpp_hello: hello in C++ (ecs.hpp). Components are types, with members
// of any kind (here a std::string); queries, systems and observers are
// lambdas, captures included; errors are ecs_status_t values, as in C.
#include <ecs.hpp>

#include <cstdio>
#include <string>

struct Position {
  float x, y;
};

struct Velocity {
  float dx, dy;
};

struct Name {
  std::string value; // constructed, moved and destroyed by hooks made from the type
};

int main() {
  ecs::world world; // freed at the end of main, with what it owns
  if (!world) {
    std::fprintf(stderr, "cannot create world\n");
    return 1;
  }
  // An observer with a capture: the world keeps the lambda until it is freed.
  int named = 0;
  world.observe<Name>(ECS_ON_SET, [&named](ecs::entity, const Name &) { ++named; });

  for (int i = 0; i < 3; ++i) {
    ecs::entity e = world.create(); // types are registered on first use
    e.set<Position>({static_cast<float>(i), 0.0f});
    e.set<Velocity>({1.0f, 0.5f * static_cast<float>(i)});
    e.set(Name{"mover " + std::to_string(i)});
  }
  world.create().set<Position>({100.0f, 100.0f}); // no velocity: not moved

  // One call per entity with typed references; on the default storage
  // each chunk is a plain loop over arrays. `T &` writes, `const T &` reads.
  world.each([](Position &p, const Velocity &v) {
    p.x += v.dx;
    p.y += v.dy;
  });

  // A schedule: a system from a lambda that captures a counter, a run
  // condition from another. The scheduler owns both until it is freed.
  int moves = 0;
  bool paused = false;
  ecs::scheduler_builder builder(world.c_ptr());
  ecs_group_desc_t group{}; // C descriptors value-initialise in C++: no compound literals
  group.name = "simulation";
  ecs_group_t sim = builder.group(group, [&paused] { return !paused; });
  builder.system(sim, "move", [&moves](ecs::system_context &ctx, Position &p, const Velocity &v) {
    p.x += v.dx * static_cast<float>(ctx.dt());
    ++moves;
  });
  ecs::scheduler schedule;
  if (builder.build(schedule) != ECS_OK) {
    std::fprintf(stderr, "build: %s\n", world.last_error());
    return 1;
  }
  schedule.tick(1.0);
  paused = true;
  schedule.tick(1.0); // the run condition skips the group

  world.each([](ecs::entity e, const Name &n, const Position &p) {
    std::printf("%s (entity %u): (%.1f, %.1f)\n", n.value.c_str(), ECS_ENTITY_INDEX(e.id()), static_cast<double>(p.x),
                static_cast<double>(p.y));
  });
  std::printf("%d names set, %d moves by the system\n", named, moves);
  return 0;
}
