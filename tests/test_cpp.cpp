// The C++ layer (ecs.hpp): components with non-trivial members in every
// storage kind, through commands (from worker threads), storage moves and
// rollback; callables with captures; exceptions stopped at the C boundary;
// the typed C macros and the sized entry points from C++. Run it under
// -DECS_SANITIZE=address: a missing hook shows as a use-after-free or a
// leak there.
#include <ecs.hpp>

#include <atomic>
#include <csetjmp>
#include <cstdarg>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

// Last: cmocka defines fail() and friends as macros, which would break the
// standard headers; and this cmocka.h has no C++ guards of its own.
extern "C" {
#include <cmocka.h>
}

namespace {

struct Position {
  float x, y;
};
struct Velocity {
  float dx, dy;
};
struct Frozen {};

// The scenario of the issue: a std::string member (heap-allocated past the
// small-string buffer) set from a local that goes away.
struct Name {
  std::string value;
};

struct Inventory {
  std::vector<std::string> items;
};

struct Owned {
  std::unique_ptr<int> value;
};

// Counts live instances: every construction is matched by a destruction.
std::atomic<int> g_live{0};
std::atomic<int> g_copies{0};
struct Tracked {
  std::string label;
  Tracked() noexcept {
    ++g_live;
  }
  explicit Tracked(std::string l) : label(std::move(l)) {
    ++g_live;
  }
  Tracked(const Tracked &o) : label(o.label) {
    ++g_live;
    ++g_copies;
  }
  Tracked(Tracked &&o) noexcept : label(std::move(o.label)) {
    ++g_live;
  }
  Tracked &operator=(const Tracked &) = default;
  Tracked &operator=(Tracked &&) noexcept = default;
  ~Tracked() {
    --g_live;
  }
};

// A copy that throws: only the library's copies may run into it.
struct Fragile {
  int value = 0;
  static bool fail;
  Fragile() noexcept = default;
  explicit Fragile(int v) noexcept : value(v) {
  }
  Fragile(const Fragile &o) : value(o.value) {
    if (fail) {
      throw std::runtime_error("fragile copy");
    }
  }
  Fragile(Fragile &&o) noexcept : value(o.value) {
  }
  Fragile &operator=(const Fragile &) = default;
};
bool Fragile::fail = false;

std::string long_text(int i) {
  return "a string long enough to live on the heap, number " + std::to_string(i);
}

} // namespace

template <> inline constexpr const char *ecs::component_name<Position> = "Position";

template <> struct ecs::serializer<Name> {
  static ecs_status_t save(const Name &n, const ecs_writer_t *out) {
    return ecs_write(out, n.value.data(), n.value.size());
  }
  static ecs_status_t load(const void *data, size_t size, Name &n) {
    n.value.assign(static_cast<const char *>(data), size);
    return ECS_OK;
  }
};

namespace {

/* ---- components with non-trivial members ---------------------------------- */

ecs_storage_kind_t host_kind(ecs::world &w) {
  ecs_storage_kind_t kind = ECS_STORAGE_DEFAULT;
  ecs_storage_vtable_t vt = *ecs_storage_dense_vtable();
  vt.name = "host-dense";
  assert_int_equal(ecs_storage_register(w.c_ptr(), &vt, &kind), ECS_OK);
  return kind;
}

void strings_in_storage(ecs::world &w, ecs_storage_kind_t kind) {
  assert_int_not_equal(w.component<Name>(kind), ECS_COMPONENT_NULL);
  assert_int_not_equal(w.component<Inventory>(kind), ECS_COMPONENT_NULL);
  std::vector<ecs::entity> es;
  for (int i = 0; i < 300; ++i) { // enough to grow every storage several times
    ecs::entity e = w.create();
    {
      Name local{long_text(i)};
      assert_int_equal(e.set(local), ECS_OK); // copied; the local goes away
    }
    assert_int_equal(e.set<Inventory>({{long_text(i), "b"}}), ECS_OK);
    assert_int_equal(e.set<Position>({float(i), 0}), ECS_OK); // moves rows between tables
    es.push_back(e);
  }
  for (std::size_t i = 0; i < es.size(); i += 3) { // swap-removes relocate the others
    assert_int_equal(es[i].remove<Inventory>(), ECS_OK);
  }
  for (std::size_t i = 1; i < es.size(); i += 3) {
    assert_int_equal(es[i].destroy(), ECS_OK);
  }
  for (std::size_t i = 0; i < es.size(); ++i) {
    if (i % 3 == 1) {
      assert_false(es[i].alive());
      continue;
    }
    const Name *n = es[i].get<Name>();
    assert_non_null(n);
    assert_string_equal(n->value.c_str(), long_text(int(i)).c_str());
    const Inventory *inv = es[i].get<Inventory>();
    if (i % 3 == 0) {
      assert_null(inv);
    } else {
      assert_non_null(inv);
      assert_int_equal(inv->items.size(), 2);
      assert_string_equal(inv->items[0].c_str(), long_text(int(i)).c_str());
    }
  }
  // overwrite: the old value is destroyed, the new one moved in
  assert_int_equal(es[0].set<Name>({"short"}), ECS_OK);
  assert_string_equal(es[0].get<Name>()->value.c_str(), "short");
}

void test_strings_every_storage(void **) {
  const ecs_storage_kind_t kinds[] = {ECS_STORAGE_DEFAULT, ECS_STORAGE_ARCHETYPE, ECS_STORAGE_DENSE, ECS_STORAGE_SPARSE,
                                      ECS_STORAGE_CUSTOM_BASE};
  for (ecs_storage_kind_t kind : kinds) {
    ecs::world w;
    strings_in_storage(w, kind == ECS_STORAGE_CUSTOM_BASE ? host_kind(w) : kind);
  } // ecs_world_free runs the destructors: LeakSanitizer checks none is missed
}

void test_lifecycle_balanced(void **) {
  g_live = 0;
  g_copies = 0;
  {
    ecs::world w;
    ecs_component_t c = w.component<Tracked>();
    std::vector<ecs::entity> es;
    for (int i = 0; i < 100; ++i) {
      ecs::entity e = w.create();
      assert_int_equal(e.set(Tracked(long_text(i))), ECS_OK); // an rvalue: moved in, no copy
      es.push_back(e);
    }
    assert_int_equal(g_copies.load(), 0);
    Tracked lvalue("lvalue");
    assert_int_equal(es[0].set(lvalue), ECS_OK); // one copy, made in C++ before the call
    assert_int_equal(g_copies.load(), 1);
    assert_int_equal(es[1].add<Tracked>(), ECS_OK); // already there: nothing happens
    ecs::entity fresh = w.create();
    assert_int_equal(fresh.add<Tracked>(), ECS_OK); // default-constructed by the ctor hook
    assert_true(fresh.get<Tracked>()->label.empty());
    // moving between storage kinds keeps every value
    assert_int_equal(ecs_component_set_storage(w.c_ptr(), c, ECS_STORAGE_SPARSE), ECS_OK);
    assert_int_equal(ecs_component_set_storage(w.c_ptr(), c, ECS_STORAGE_DENSE), ECS_OK);
    assert_string_equal(es[50].get<Tracked>()->label.c_str(), long_text(50).c_str());
    for (int i = 0; i < 50; ++i) {
      assert_int_equal(es[std::size_t(i)].remove<Tracked>(), ECS_OK);
    }
    assert_int_equal(g_live.load(), 1 + 51); // the lvalue, and 50 + fresh in the world
  }
  assert_int_equal(g_live.load(), 0);
}

void test_move_only_and_tags(void **) {
  ecs::world w;
  ecs::entity e = w.create();
  assert_int_equal(e.set(Owned{std::make_unique<int>(42)}), ECS_OK);
  assert_int_equal(*e.get<Owned>()->value, 42);
  for (int i = 0; i < 40; ++i) { // relocations move the pointer, never copy it
    w.create().set(Owned{std::make_unique<int>(i)});
  }
  assert_int_equal(*e.get<Owned>()->value, 42);
  ecs::command_buffer cmd(w.c_ptr());
  assert_int_equal(cmd.set(e, Owned{std::make_unique<int>(7)}), ECS_OK);
  assert_int_equal(cmd.apply(), ECS_OK);
  assert_int_equal(*e.get<Owned>()->value, 7);

  // an empty struct is a tag: size 0, presence only
  assert_int_equal(e.add<Frozen>(), ECS_OK);
  assert_true(e.has<Frozen>());
  assert_int_equal(ecs_component_size(w.c_ptr(), w.id<Frozen>()), 0);
  assert_int_equal(e.remove<Frozen>(), ECS_OK);
  assert_false(e.has<Frozen>());
}

/* ---- queries ------------------------------------------------------------- */

void test_queries(void **) {
  ecs::world w;
  ecs::entity first;
  for (int i = 0; i < 10; ++i) {
    ecs::entity e = w.create();
    first = i == 0 ? e : first;
    e.set<Position>({float(i), 0});
    if (i % 2 == 0) {
      e.set<Velocity>({1, 2});
    }
    if (i == 4) {
      e.add<Frozen>();
    }
  }
  int seen = 0;
  assert_int_equal(w.each([&](ecs::entity e, Position &p, const Velocity &v) {
    assert_true(e.alive());
    p.x += v.dx;
    ++seen;
  }),
                   ECS_OK);
  assert_int_equal(seen, 5);

  // optional terms: nullptr where absent
  int with = 0;
  int without = 0;
  assert_int_equal(w.each([&](const Position &, const Velocity *v) { (v ? with : without)++; }), ECS_OK);
  assert_int_equal(with, 5);
  assert_int_equal(without, 5);

  // a built query with a filter; parameters in any order
  ecs::query q = ecs::query_builder(w.c_ptr()).write<Position>().read<Velocity>().without<Frozen>().build();
  assert_true(bool(q));
  seen = 0;
  assert_int_equal(q.each([&](const Velocity &v, Position &p) {
    p.y = v.dy;
    ++seen;
  }),
                   ECS_OK);
  assert_int_equal(seen, 4);
  assert_int_equal(q.count(), 4);
  // a parameter that is no term, a write to a READ term: refused, nothing runs
  ecs::query ro = w.query<const Position>();
  assert_int_equal(ro.each([&](const Velocity *) {}), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ro.each([](Position &) {}), ECS_ERR_INVALID_ARGUMENT);
  assert_int_equal(ro.each([](const Position &) {}), ECS_OK);
  // a status stops the iteration
  seen = 0;
  assert_int_equal(ro.each([&](const Position &) { return ++seen == 3 ? ECS_ERR_NOT_FOUND : ECS_OK; }),
                   ECS_ERR_NOT_FOUND);
  assert_int_equal(seen, 3);

  // chunks and spans
  std::size_t rows = 0;
  assert_int_equal(q.iter([&](ecs::chunk &ch) {
    ecs::span<Position> p = ch.field<Position>(0);
    ecs::span<const Velocity> v = ch.field<const Velocity>(1);
    assert_int_equal(p.size(), ch.count());
    for (std::size_t i = 0; i < p.size(); ++i) {
      p[i].x += v[i].dx;
    }
    rows += p.size();
  }),
                   ECS_OK);
  assert_int_equal(rows, 4);

  // a mixed query (DENSE beside the default) goes through ecs_field_at
  w.component<Name>(ECS_STORAGE_DENSE);
  first.set<Name>({"one"});
  seen = 0;
  assert_int_equal(w.each([&](const Name &n, Position &) {
    assert_string_equal(n.value.c_str(), "one");
    ++seen;
  }),
                   ECS_OK);
  assert_int_equal(seen, 1);
  q.free();
  assert_false(bool(q));
}

/* ---- systems, run conditions, observers: callables with captures ------- */

void test_systems_with_captures(void **) {
  ecs::world w;
  std::vector<std::string> log; // captured by reference
  std::string prefix = long_text(0);
  assert_int_equal(
      w.observe<Name>(ECS_ON_SET,
                      [&log, prefix](ecs::entity, const Name &n) { log.push_back(prefix.substr(0, 2) + n.value); }),
      ECS_OK);
  for (int i = 0; i < 4; ++i) {
    ecs::entity e = w.create();
    e.set<Position>({0, 0});
    e.set<Velocity>({1, 0});
  }
  w.component<Name>();
  bool paused = false;
  int runs = 0;
  auto state = std::make_shared<int>(0); // a copy lives in the callable: freed with the schedule
  {
    ecs::scheduler_builder b(w.c_ptr());
    ecs_group_desc_t gd{};
    gd.name = "sim";
    ecs_group_t g = b.group(gd, [&paused] { return !paused; });
    assert_int_equal(b.system(g, "move",
                              [state, &runs](ecs::system_context &ctx, ecs::entity e, Position &p, const Velocity &v) {
                                p.x += v.dx * float(ctx.dt());
                                ++*state;
                                ++runs;
                                if (p.x >= 2.0f && !ctx.world().has<Name>(e)) {
                                  ctx.commands().set<Name>(e, {"done"});
                                }
                              }),
                     ECS_OK);
    ecs_system_desc_t sd{};
    sd.name = "count";
    sd.query.terms[0] = {w.id<Position>(), ECS_ACCESS_READ}; // a run-form system takes its terms here
    int counted = 0;
    assert_int_equal(b.system(
                         g, sd,
                         [&counted](ecs::system_context &ctx) {
                           while (ecs_iter_next(&ctx.iter())) {
                             counted += ecs::chunk(ctx.iter()).count();
                           }
                         },
                         [](ecs::world_view) { return true; }),
                     ECS_OK);
    ecs::scheduler s;
    assert_int_equal(b.build(s), ECS_OK);
    assert_int_equal(s.tick(1.0), ECS_OK);
    assert_int_equal(s.tick(1.0), ECS_OK);
    assert_int_equal(runs, 8);
    assert_int_equal(counted, 8);
    assert_int_equal(state.use_count(), 2);
    assert_int_equal(log.size(), 4); // the commands of tick 2 fired the observer
    assert_string_equal(log[0].c_str(), "a done");
    paused = true;
    assert_int_equal(s.tick(1.0), ECS_OK);
    assert_int_equal(runs, 8);
    assert_int_equal(*state, 8);
  } // the scheduler is freed, then its callables
  assert_int_equal(state.use_count(), 1);
}

void test_async_commands_from_workers(void **) {
  ecs::world w;
  w.component<Name>();
  w.component<Inventory>();
  for (int i = 0; i < 2000; ++i) {
    ecs::entity e = w.create();
    e.set<Position>({float(i), 0});
    e.set<Velocity>({1, 0});
  }
  ecs::scheduler_builder b(w.c_ptr());
  ecs_scheduler_desc_t opts{};
  opts.threads = 2;
  opts.inline_below_ns = 1; // always dispatch to the workers
  assert_int_equal(b.options(opts), ECS_OK);
  ecs_group_t g = b.group("work", ECS_GROUP_ASYNC);
  b.system(g, "names", [](ecs::system_context &ctx, ecs::entity e, const Position &p) {
    ctx.commands().set<Name>(e, {long_text(int(p.x))});
  });
  b.system(g, "items", [](ecs::system_context &ctx, ecs::entity e, const Velocity &) {
    Inventory inv{{long_text(int(e.id() & 0xff)), "x"}};
    ctx.commands().set(e, inv); // an lvalue: copied in C++, then moved into the buffer
  });
  ecs::scheduler s;
  assert_int_equal(b.build(s), ECS_OK);
  ecs_tick_result_t r{};
  assert_int_equal(s.tick(0.1, &r), ECS_OK);
  assert_int_equal(r.commands_applied, 4000);
  int checked = 0;
  assert_int_equal(w.each([&](const Position &p, const Name &n, const Inventory &inv) {
    assert_string_equal(n.value.c_str(), long_text(int(p.x)).c_str());
    assert_int_equal(inv.items.size(), 2);
    ++checked;
  }),
                   ECS_OK);
  assert_int_equal(checked, 2000);
}

/* ---- exceptions stop at the boundary -------------------------------------- */

void test_exceptions_become_statuses(void **) {
  ecs_world_desc_t wd{};
  wd.log_level = ECS_LOG_OFF;
  ecs::world w(wd);
  ecs::entity e = w.create();
  e.set<Position>({0, 0});

  // a system: its policy decides
  ecs::scheduler_builder b(w.c_ptr());
  ecs_group_t g = b.group("g");
  ecs_system_desc_t skip{};
  skip.name = "skipping";
  skip.on_error = ECS_ON_ERROR_SKIP;
  b.system(g, skip, [](Position &) { throw std::runtime_error("boom"); });
  int after = 0;
  b.system(g, "after", [&after](const Position &) { ++after; });
  ecs_system_desc_t fail{};
  fail.name = "out_of_memory";
  b.system(g, fail, [](Position &) { throw std::bad_alloc(); });
  ecs::scheduler s;
  assert_int_equal(b.build(s), ECS_OK);
  ecs_tick_result_t r{};
  assert_int_equal(s.tick(0.0, &r), ECS_ERR_SYSTEM_FAILED);
  assert_int_equal(after, 1); // SKIP: the next system ran
  assert_int_equal(r.first_failed_status, ECS_ERR_EXCEPTION);
  assert_string_equal(r.first_failed_system, "skipping");
  assert_int_equal(r.failed_status, ECS_ERR_NO_MEMORY);
  assert_string_equal(r.failed_system, "out_of_memory");
  s.reset();

  // an observer: the set takes place, its call reports the exception
  w.observe<Velocity>(ECS_ON_SET, [](ecs::entity, const Velocity &v) {
    if (v.dx < 0) {
      throw std::invalid_argument("negative");
    }
  });
  assert_int_equal(e.set<Velocity>({1, 0}), ECS_OK);
  assert_int_equal(e.set<Velocity>({-1, 0}), ECS_ERR_EXCEPTION);
  assert_string_equal(ecs::last_exception(), "negative");
  assert_true(e.get<Velocity>()->dx == -1.0f);
  assert_int_equal(e.set<Velocity>({2, 0}), ECS_OK); // nothing left over

  // a run condition: counts as false, the tick reports it
  ecs::scheduler_builder b2(w.c_ptr());
  ecs_group_desc_t gd{};
  gd.name = "guarded";
  int ran = 0;
  ecs_group_t g2 = b2.group(gd, []() -> bool { throw std::runtime_error("condition"); });
  b2.system(g2, "guarded_system", [&ran](const Position &) { ++ran; });
  ecs::scheduler s2;
  assert_int_equal(b2.build(s2), ECS_OK);
  assert_int_equal(s2.tick(0.0), ECS_ERR_EXCEPTION);
  assert_int_equal(ran, 0);
  assert_string_equal(ecs::last_exception(), "condition");

  // a copy constructor that throws inside the library (a direct C call):
  // the value is default-constructed and the status waits at the boundary
  w.component<Fragile>();
  Fragile f(5);
  Fragile::fail = true;
  ecs_status_t st;
  {
    ecs::detail::boundary_guard guard;
    st = guard.result(ecs_set(w.c_ptr(), e, w.id<Fragile>(), &f));
  }
  Fragile::fail = false;
  assert_int_equal(st, ECS_ERR_EXCEPTION);
  assert_int_equal(e.get<Fragile>()->value, 0);
  // through the C++ layer the copy happens before the call: it throws here
  Fragile::fail = true;
  bool thrown = false;
  try {
    e.set(f);
  } catch (const std::runtime_error &) {
    thrown = true;
  }
  Fragile::fail = false;
  assert_true(thrown);

  // a query's callable runs in C++ only: its exception simply propagates
  thrown = false;
  try {
    w.each([](const Position &) { throw std::logic_error("in each"); });
  } catch (const std::logic_error &) {
    thrown = true;
  }
  assert_true(thrown);
}

/* ---- snapshots ------------------------------------------------------------- */

void test_snapshots(void **) {
  ecs::world w;
  ecs::entity e = w.create();
  e.set<Name>({long_text(1)});
  e.set<Position>({1, 2});
  ecs_rollback_t *rb = ecs_rollback_new(w.c_ptr(), 4);
  assert_int_equal(ecs_rollback_save(rb, 1), ECS_OK);
  e.set<Name>({long_text(2)});
  e.get_mut<Position>()->x = 9;
  assert_int_equal(ecs_rollback_restore(rb, 1), ECS_OK); // the serializer brings the string back
  assert_string_equal(e.get<Name>()->value.c_str(), long_text(1).c_str());
  assert_true(e.get<Position>()->x == 1.0f);
  ecs_rollback_free(rb);

  // a type with pointers inside and no serializer is refused, not saved as bytes
  e.set<Inventory>({{"a"}});
  ecs_membuf_t mb{};
  ecs_writer_t out = ecs_membuf_writer(&mb);
  assert_int_equal(ecs_snapshot_save(w.c_ptr(), &out), ECS_ERR_UNSUPPORTED);
  assert_non_null(std::strstr(w.last_error(), "Inventory"));
  ecs_membuf_free(&mb);
}

/* ---- the C API from C++ --------------------------------------------------- */

struct Health {
  int32_t hp;
};
struct Transform {
  float m[16];
};

} // namespace

// The typed C macros compile in C++ too (a temporary for the value).
ECS_DECLARE(Health);
ECS_DECLARE(Transform);
ECS_DEFINE(Health);
ECS_DEFINE(Transform);

namespace {

void test_typed_c_macros_from_cpp(void **) {
  ecs_world_t *w = ecs_world_new(nullptr);
  ecs_component_t transform = ECS_REGISTER(w, Transform);
  ECS_REGISTER(w, Health);
  ecs_entity_t e = ecs_entity_create(w);
  assert_int_equal(ecs_set_t(w, e, Health, 100), ECS_OK);
  assert_int_equal(ecs_get_t(w, e, Health)->hp, 100);
  Health h{5};
  assert_int_equal(ecs_set_ptr_t(w, e, Health, &h), ECS_OK);
  assert_int_equal(ecs_get_t(w, e, Health)->hp, 5);
  // the bug, refused by the sized entry point
  assert_int_equal(ecs_set_sized(w, e, transform, &h, sizeof h), ECS_ERR_TYPE_MISMATCH);
  assert_non_null(std::strstr(ecs_last_error(w), "'Transform' is 64 bytes, the value 4 bytes"));
  assert_false(ecs_has(w, e, transform));

  // ECS_COMPONENT with a comma, and the same type through the C++ layer
  ecs_component_t pair = ECS_COMPONENT(w, std::pair<int, int>);
  assert_int_not_equal(pair, ECS_COMPONENT_NULL);
  assert_string_equal(ecs_component_name(w, pair), "std::pair<int, int>");
  using IntPair = std::pair<int, int>;
  ecs::world_view v(w);
  assert_int_equal(v.id<IntPair>(), pair); // the same name and size
  assert_int_equal(v.set(e, IntPair(1, 2)), ECS_OK);
  assert_int_equal(v.get<IntPair>(e)->second, 2);
  ecs_world_free(w);
}

struct Described {
  float x;
  double y;
  bool on;
  uint16_t n;
  float v[2];
};

// Reflection from C++: ECS_META_AUTO derives each kind from the member's type.
void test_meta_from_cpp(void **) {
  static const ecs_meta_field_t fields[] = {ECS_META_AUTO(Described, x), ECS_META_AUTO(Described, y),
                                            ECS_META_AUTO(Described, on), ECS_META_AUTO(Described, n),
                                            ECS_META_ARRAY(Described, v, ECS_META_F32)};
  assert_int_equal(fields[0].kind, ECS_META_F32);
  assert_int_equal(fields[1].kind, ECS_META_F64);
  assert_int_equal(fields[2].kind, ECS_META_BOOL);
  assert_int_equal(fields[3].kind, ECS_META_U16);
  assert_int_equal(fields[4].count, 2);
  ecs_world_t *w = ecs_world_new(nullptr);
  ecs::world_view v(w);
  ecs_component_t id = v.component<Described>();
  assert_int_equal(
      ecs_meta_set_fields(w, id, "Described", sizeof(Described), alignof(Described), fields, ECS_META_COUNT(fields)),
      ECS_OK);
  assert_int_equal(ecs_meta_get(w, id)->field_count, 5);
  ecs_world_free(w);

  // the C++ layer's describe<T>(): registers, names and checks against T
  ecs::world cw;
  assert_int_equal(cw.describe<Described>({ECS_META_AUTO(Described, x), ECS_META_AUTO(Described, on)}), ECS_OK);
  const ecs_meta_type_t *t = ecs_meta_get(cw.c_ptr(), cw.id<Described>());
  assert_non_null(t);
  assert_int_equal(t->field_count, 2);
  assert_int_equal(t->fields[1].kind, ECS_META_BOOL);
  // a wrong kind for the member is refused with the field named
  assert_int_equal(cw.describe<Described>({ECS_META_FIELD(Described, y, ECS_META_F32)}), ECS_ERR_INVALID_ARGUMENT);
  assert_non_null(std::strstr(ecs_last_error(cw.c_ptr()), "field 'y': f32 is 4 bytes, the member 8"));
  assert_int_equal(ecs_meta_get(cw.c_ptr(), cw.id<Described>())->field_count, 2); // the old one stays
}

void test_names_and_mismatches(void **) {
  ecs::world w;
  // the compiler's spelling ("{anonymous}::Velocity" or "(anonymous namespace)::Velocity")
  assert_non_null(std::strstr(ecs::detail::type_of<Velocity>().name, "::Velocity"));
  assert_string_equal(ecs::detail::type_of<Position>().name, "Position"); // specialised above
  // a component of that name and another size, registered from C
  ecs_component_register_type(w.c_ptr(), "Position", 4, 4);
  ecs::entity e = w.create();
  assert_int_equal(e.set<Position>({1, 2}), ECS_ERR_TYPE_MISMATCH);
  assert_non_null(std::strstr(w.last_error(), "8 bytes"));
  assert_null(e.get<Position>());
  assert_int_equal(e.remove<Velocity>(), ECS_ERR_UNKNOWN_COMPONENT);
  ecs::command_buffer cmd(w.c_ptr());
  assert_int_equal(cmd.set<Velocity>(e, {1, 1}), ECS_ERR_UNKNOWN_COMPONENT); // commands do not register
}

} // namespace

int main() {
  const CMUnitTest tests[] = {
      cmocka_unit_test(test_strings_every_storage),
      cmocka_unit_test(test_lifecycle_balanced),
      cmocka_unit_test(test_move_only_and_tags),
      cmocka_unit_test(test_queries),
      cmocka_unit_test(test_systems_with_captures),
      cmocka_unit_test(test_async_commands_from_workers),
      cmocka_unit_test(test_exceptions_become_statuses),
      cmocka_unit_test(test_snapshots),
      cmocka_unit_test(test_typed_c_macros_from_cpp),
      cmocka_unit_test(test_names_and_mismatches),
      cmocka_unit_test(test_meta_from_cpp),
  };
  return cmocka_run_group_tests_name("cpp", tests, nullptr, nullptr);
}
