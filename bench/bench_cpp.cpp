/* The C++ layer's loop (ecs.hpp): cpp_each is the README's two-component
 * loop written as a C++ host writes it, `query.each([](P &, const V &))`
 * over a kept ecs::query on the default storage, beside the same loop over
 * plain arrays. Compare it with readme_loop_2 of the same run (the C
 * ecs_field() loop over the same data): the C++ layer should add nothing. */
#include "bench_cpp.h"

#include <ecs.hpp>

#include <cstdlib>
#include <memory>
#include <new>

namespace {

struct CppPosition {
  float x, y, z;
};
struct CppVelocity {
  float x, y, z;
};

CppPosition position_of(size_t i) {
  return CppPosition{static_cast<float>(i) * 0.001f, 0.0f, 1.0f};
}
CppVelocity velocity_of(size_t i) {
  return CppVelocity{1.0f, static_cast<float>(i & 7u), 1.0f};
}

struct each_ctx {
  std::unique_ptr<ecs::world> world;
  ecs::query query;
};

struct each_base {
  CppPosition *p = nullptr;
  CppVelocity *v = nullptr;
};

int each_setup(void *user, size_t n) {
  auto *c = static_cast<each_ctx *>(user);
  c->world.reset(new (std::nothrow) ecs::world());
  if (!c->world || !c->world->c_ptr()) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    ecs::entity e = c->world->create();
    if (e.set(position_of(i)) != ECS_OK || e.set(velocity_of(i)) != ECS_OK) {
      return -1;
    }
  }
  c->query = c->world->query<CppPosition, const CppVelocity>();
  return c->query ? 0 : -1;
}

int each_run(void *user, size_t n) {
  auto *c = static_cast<each_ctx *>(user);
  size_t rows = 0;
  ecs_status_t st = c->query.each([&rows](CppPosition &p, const CppVelocity &v) {
    p.x += v.x;
    p.y += v.y;
    p.z += v.z;
    ++rows;
  });
  return st == ECS_OK && rows == n ? 0 : -1;
}

void each_teardown(void *user, size_t) {
  auto *c = static_cast<each_ctx *>(user);
  c->query.free();
  c->world.reset();
}

int base_setup(void *user, size_t n) {
  auto *b = static_cast<each_base *>(user);
  b->p = static_cast<CppPosition *>(std::malloc(n * sizeof(CppPosition)));
  b->v = static_cast<CppVelocity *>(std::malloc(n * sizeof(CppVelocity)));
  if (!b->p || !b->v) {
    return -1;
  }
  for (size_t i = 0; i < n; ++i) {
    b->p[i] = position_of(i);
    b->v[i] = velocity_of(i);
  }
  return 0;
}

int base_run(void *user, size_t n) {
  auto *b = static_cast<each_base *>(user);
  for (size_t i = 0; i < n; ++i) {
    b->p[i].x += b->v[i].x;
    b->p[i].y += b->v[i].y;
    b->p[i].z += b->v[i].z;
  }
  bench_do_not_optimize(b->p);
  return 0;
}

void base_teardown(void *user, size_t) {
  auto *b = static_cast<each_base *>(user);
  std::free(b->p);
  std::free(b->v);
  b->p = nullptr;
  b->v = nullptr;
}

} // namespace

struct cpp_suite_t {
  each_ctx ctx[2];
  each_base base[2];
};

extern "C" cpp_suite_t *bench_cpp_new(void) {
  return new (std::nothrow) cpp_suite_t();
}

extern "C" void bench_cpp_free(cpp_suite_t *s) {
  delete s;
}

extern "C" int bench_cpp_register(bench_t *b, cpp_suite_t *s) {
  static const bench_fns_t fns = {each_setup, nullptr, each_run, each_teardown, nullptr};
  static const bench_fns_t base = {base_setup, nullptr, base_run, base_teardown, nullptr};
  static const size_t sizes[2] = {10000, 1000000};
  for (int k = 0; k < 2; ++k) {
    bench_case_desc_t d{};
    d.workload = "cpp_each";
    d.storage = "default";
    d.threads = 1;
    d.n = sizes[k];
    d.fns = fns;
    d.user = &s->ctx[k];
    d.baseline = base;
    d.baseline_user = &s->base[k];
    if (bench_add(b, &d) != 0) {
      return -1;
    }
  }
  return 0;
}
