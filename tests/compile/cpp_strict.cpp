// Compiled (not run) by tests/cpp_strict.cmake with every C++ compiler at
// hand, in C++17 and C++20, with -Wall -Wextra -Wpedantic -Wshadow
// -Wold-style-cast -Wzero-as-null-pointer-constant -Werror: every public
// macro a host may expand in C++ code, and the C++ layer, must stay clean.
#include <ecs.hpp>

#include <string>
#include <utility>

namespace {

struct Position {
  float x, y;
};
struct Velocity {
  float dx, dy;
};
struct Label {
  std::string text;
};

} // namespace

ECS_DECLARE(Position);
ECS_DEFINE(Position);
ECS_DECLARE(Velocity);
ECS_DEFINE(Velocity);
ECS_DECLARE(Marked);
ECS_DEFINE_TAG(Marked);

namespace {

ecs_status_t system_body(ecs_system_ctx_t *ctx) {
  ECS_TRACE_REGION(ctx, "region") {
    while (ecs_iter_next(&ctx->it)) {
      Position *p = ecs_field_t(&ctx->it, Position, 0);
      const Velocity *v = ecs_field_t(&ctx->it, Velocity, 1);
      for (int32_t i = 0; p && v && i < ctx->it.count; ++i) {
        p[i].x += v[i].dx;
        ecs_cmd_set_t(ctx->commands, ctx->it.entities[i], Velocity, 0.0f, 1.0f);
        Position *at = ecs_field_at_t(&ctx->it, Position, 0, i);
        (void)at;
      }
    }
  }
  return ECS_OK;
}

} // namespace

int main() {
  ecs_world_t *w = ecs_world_new(nullptr);
  ecs_component_t pos = ECS_REGISTER(w, Position);
  ecs_component_t vel = ECS_REGISTER(w, Velocity);
  ECS_REGISTER(w, Marked);
  ecs_component_t pair = ECS_COMPONENT(w, std::pair<int, int>);
  ecs_entity_t e = ecs_entity_create(w);
  ecs_set_t(w, e, Position, 1.0f, 2.0f);
  static const ecs_meta_field_t pos_fields[] = {ECS_META_AUTO(Position, x), ECS_META_FIELD(Position, y, ECS_META_F32)};
  static const ecs_meta_type_t pos_type = ECS_META_TYPE(Position, pos_fields);
  (void)pos_type;
  (void)ECS_META_SET_T(w, Position, pos_fields);
  Velocity v{1.0f, 0.0f};
  ecs_set_ptr_t(w, e, Velocity, &v);
  const Position *p = ecs_get_t(w, e, Position);
  Position *pm = ecs_get_mut_t(w, e, Position);
  bool has = ecs_has_t(w, e, Marked) || ecs_add_t(w, e, Marked) != ECS_OK || ecs_remove_t(w, e, Marked) != ECS_OK;
  uint32_t index = ECS_ENTITY_INDEX(e) + ECS_ENTITY_GENERATION(e);
  ecs_entity_t made = ECS_ENTITY_MAKE(index, 1u);
  bool provisional = ECS_ENTITY_IS_PROVISIONAL(made) || made == ECS_ENTITY_NULL || pair == ECS_COMPONENT_NULL;
  ecs_query_desc_t qd{};
  qd.terms[0].component = pos;
  qd.terms[0].access = ECS_CHANGED(ECS_ACCESS_WRITE);
  qd.terms[1].component = vel;
  qd.terms[1].access = ECS_ADDED(ECS_ACCESS_READ);
  ecs_query_t *q = ecs_query_new(w, &qd);
  ecs_cmd_buffer_t *buf = ecs_cmd_buffer_new(w);
  ecs_cmd_set_ptr_t(buf, e, Position, p);
  ecs_cmd_add_t(buf, e, Marked);
  ecs_cmd_remove_t(buf, e, Marked);
  ecs_cmd_buffer_free(buf);
  ecs_system_desc_t sd{};
  sd.name = "s";
  sd.callback = system_body;
  sd.query = qd;
  size_t alignment = ECS_ALIGNOF(std::pair<int, int>);
  (void)pm;
  (void)has;
  (void)provisional;
  (void)q;
  (void)sd;
  (void)alignment;
  (void)ECS_VERSION_AT_LEAST(1, 0, 0);
  ecs_world_free(w);

  // the C++ layer
  ecs::world world;
  (void)world.describe<Position>({ECS_META_AUTO(Position, x), ECS_META_AUTO(Position, y)});
  ecs::entity a = world.create();
  a.set<Position>({1.0f, 2.0f});
  a.set(Label{"label"});
  world.each([](ecs::entity, Position &pp, const Velocity *vv, const Label &) {
    if (vv) {
      pp.x += vv->dx;
    }
  });
  ecs::query built = ecs::query_builder(world.c_ptr()).write<Position>().without<Velocity>().build();
  built.iter([](ecs::chunk &ch) { (void)ch.field<const Position>(0); });
  ecs::scheduler_builder b(world.c_ptr());
  ecs_group_t g = b.group("g");
  int captured = 0;
  b.system(g, "sys", [&captured](ecs::system_context &ctx, Position &pp) {
    pp.y += static_cast<float>(ctx.dt());
    ++captured;
  });
  ecs::scheduler s;
  if (b.build(s) == ECS_OK) {
    s.tick(0.5);
  }
  return captured >= 0 ? 0 : 1;
}
