/** @file ecs/cpp/scheduler.hpp
 *  Systems, run conditions and schedules from C++ callables, captures
 *  included (included by ecs.hpp).
 *
 *  Ownership: the C scheduler keeps a user pointer per system and run
 *  condition and never frees it. Here each callable lives in a heap object
 *  owned by the scheduler_builder, then by the scheduler it builds, which
 *  frees them right after ecs_scheduler_free(): no callable outlives its
 *  schedule, none is freed while the schedule can call it.
 *
 *  Exceptions: a system that throws fails its run with ECS_ERR_EXCEPTION
 *  (ECS_ERR_NO_MEMORY for std::bad_alloc), logged at ERROR with the
 *  exception's message, and its error policy decides (FAIL, SKIP, RETRY,
 *  QUARANTINE). A run condition that throws counts as false, and the tick
 *  returns ECS_ERR_EXCEPTION once it is over. */
#ifndef ECS_CPP_SCHEDULER_HPP
#define ECS_CPP_SCHEDULER_HPP

#include "world.hpp"

namespace ecs {

/** What a C++ system gets on each run (ecs_system_ctx_t). */
class system_context {
public:
  explicit system_context(ecs_system_ctx_t *ctx) noexcept : ctx_(ctx) {
  }
  ecs_system_ctx_t *c_ptr() const noexcept {
    return ctx_;
  }
  /** The world, for what the system declared (reads, writes in place). */
  world_view world() const noexcept {
    return world_view(ctx_->world);
  }
  /** The system's command buffer: the only way to change structure. */
  ecs::commands commands() const noexcept {
    return ecs::commands(ctx_->commands, ctx_->world);
  }
  double dt() const noexcept {
    return ctx_->dt;
  }
  uint64_t tick() const noexcept {
    return ctx_->tick;
  }
  const char *name() const noexcept {
    return ctx_->name;
  }
  /** The system's iterator (a run-form system walks it:
   *  `while (ecs_iter_next(&ctx.iter())) { ecs::chunk ch(ctx.iter()); ... }`). */
  ecs_iter_t &iter() const noexcept {
    return ctx_->it;
  }
  /** ecs_system_get() / ecs_system_get_mut() of T: checked against the
   *  system's declared access. */
  template <class T> const T *get(ecs_entity_t e) const noexcept {
    return static_cast<const T *>(ecs_system_get(ctx_, e, detail::lookup<T>(ctx_->world)));
  }
  template <class T> T *get_mut(ecs_entity_t e) const noexcept {
    return static_cast<T *>(ecs_system_get_mut(ctx_, e, detail::lookup<T>(ctx_->world)));
  }
  /** ecs_system_resource() / ecs_system_resource_mut() of T. */
  template <class T> const T *resource() const noexcept {
    return static_cast<const T *>(ecs_system_resource(ctx_, detail::lookup<T>(ctx_->world)));
  }
  template <class T> T *resource_mut() const noexcept {
    return static_cast<T *>(ecs_system_resource_mut(ctx_, detail::lookup<T>(ctx_->world)));
  }
  /** ecs_system_log() of a message (not a format). */
  void log(ecs_log_level_t level, const char *message) const noexcept {
    ecs_system_log(ctx_, level, "%s", message);
  }

private:
  ecs_system_ctx_t *ctx_;
};

namespace detail {

template <class P> constexpr bool is_context_v = std::is_same_v<bare_t<P>, system_context>;

/* A system's callable. Two forms:
 *  - per entity: ([system_context &,] each() parameters...): the lambda's
 *    components are the first terms of the system's query, in order;
 *  - per run: (system_context &) alone: called once per run, it walks
 *    ctx.iter() itself over the terms of the descriptor. */
template <class... P> struct first_is_context : std::false_type {};
template <class First, class... Rest>
struct first_is_context<First, Rest...> : std::bool_constant<is_context_v<First>> {};

template <bool Context, class... P> struct system_rows { using type = rows<P...>; };
template <class First, class... Rest> struct system_rows<true, First, Rest...> { using type = rows<Rest...>; };

template <class F, class L> struct system_holder;
template <class F, class... P> struct system_holder<F, type_list<P...>> final : callable {
  static constexpr bool has_context = first_is_context<P...>::value;
  static constexpr bool run_form = has_context && sizeof...(P) == 1;
  using components = typename system_rows<has_context, P...>::type;
  static_assert(((is_context_v<P> ? 1 : 0) + ... + 0) <= (has_context ? 1 : 0),
                "ecs::system_context & is the first parameter of a system, if any");

  F fn;
  explicit system_holder(F f) : fn(std::move(f)) {
  }

  ecs_status_t invoke(ecs_system_ctx_t *c) {
    system_context sc(c);
    if constexpr (run_form) {
      return call(fn, sc);
    } else {
      using R = components;
      constexpr typename R::terms t = R::in_order();
      auto with_context = [&](auto &&...args) { return fn(sc, std::forward<decltype(args)>(args)...); };
      while (ecs_iter_next(&c->it)) {
        ecs_status_t st;
        if constexpr (has_context) {
          st = R::run(c->it, with_context, t, std::make_index_sequence<R::count>{});
        } else {
          st = R::run(c->it, fn, t, std::make_index_sequence<R::count>{});
        }
        if (st != ECS_OK) {
          return st;
        }
      }
      return ECS_OK;
    }
  }

  static ecs_status_t run(ecs_system_ctx_t *c) noexcept {
    auto *self = static_cast<system_holder *>(c->user);
    boundary_guard guard;
    ecs_status_t st;
#if ECS_CPP_EXCEPTIONS
    try {
      st = self->invoke(c);
    } catch (...) {
      st = boundary_catch();
      ecs_system_log(c, ECS_LOG_ERROR, "%s: %s", ecs_err_name(st), last_exception());
    }
#else
    st = self->invoke(c);
#endif
    return guard.result(st);
  }
};

/* A run condition's callable: bool(), bool(const ecs_world_t *) or
 * bool(ecs::world_view). */
template <class F> struct run_if_holder final : callable {
  F fn;
  explicit run_if_holder(F f) : fn(std::move(f)) {
  }
  bool invoke(const ecs_world_t *w) {
    if constexpr (std::is_invocable_r_v<bool, F &>) {
      (void)w;
      return fn();
    } else if constexpr (std::is_invocable_r_v<bool, F &, const ecs_world_t *>) {
      return fn(w);
    } else {
      static_assert(std::is_invocable_r_v<bool, F &, world_view>,
                    "a run condition is bool(), bool(const ecs_world_t *) or bool(ecs::world_view)");
      return fn(world_view(const_cast<ecs_world_t *>(w)));
    }
  }
  static bool run(const ecs_world_t *w, void *user) noexcept {
    auto *self = static_cast<run_if_holder *>(user);
#if ECS_CPP_EXCEPTIONS
    try {
      return self->invoke(w);
    } catch (...) {
      boundary_catch();
      return false;
    }
#else
    return self->invoke(w);
#endif
  }
};

} // namespace detail

class scheduler_builder;

/** A built schedule (RAII): ecs_scheduler_free() on destruction, then the
 *  callables of its systems and run conditions. Move-only. Free it before
 *  its world: declare it after the world. */
class scheduler {
public:
  scheduler() noexcept = default;
  ~scheduler() {
    reset();
  }
  scheduler(const scheduler &) = delete;
  scheduler &operator=(const scheduler &) = delete;
  scheduler(scheduler &&o) noexcept : s_(o.s_), owned_(std::move(o.owned_)) {
    o.s_ = nullptr;
  }
  scheduler &operator=(scheduler &&o) noexcept {
    if (this != &o) {
      reset();
      s_ = o.s_;
      owned_ = std::move(o.owned_);
      o.s_ = nullptr;
    }
    return *this;
  }
  void reset() noexcept {
    ecs_scheduler_free(s_);
    s_ = nullptr;
    owned_.clear();
  }
  explicit operator bool() const noexcept {
    return s_ != nullptr;
  }
  ecs_scheduler_t *c_ptr() const noexcept {
    return s_;
  }
  /** ecs_scheduler_tick(). When the tick itself succeeded but a run
   *  condition or an observer threw, ECS_ERR_EXCEPTION (or
   *  ECS_ERR_NO_MEMORY); ecs::last_exception() has the message. */
  ecs_status_t tick(double dt, ecs_tick_result_t *result = nullptr) {
    detail::boundary_guard guard;
    return guard.result(ecs_scheduler_tick(s_, dt, result));
  }

private:
  friend class scheduler_builder;
  ecs_scheduler_t *s_ = nullptr;
  detail::callables owned_;
};

/** Builds a schedule from C++ callables (ecs_scheduler_builder_t). Errors
 *  of the adds are also kept and returned by build(), as in C. */
class scheduler_builder {
public:
  explicit scheduler_builder(ecs_world_t *world) : w_(world), b_(ecs_scheduler_builder_new(world)) {
  }
  ~scheduler_builder() {
    ecs_scheduler_builder_free(b_);
  }
  scheduler_builder(const scheduler_builder &) = delete;
  scheduler_builder &operator=(const scheduler_builder &) = delete;

  /** ecs_builder_set_options(). */
  ecs_status_t options(const ecs_scheduler_desc_t &desc) {
    return ecs_builder_set_options(b_, &desc);
  }
  /** A group from its C descriptor (value-initialise it: `ecs_group_desc_t d{};`). */
  ecs_group_t group(const ecs_group_desc_t &desc) {
    return ecs_builder_add_group(b_, &desc);
  }
  ecs_group_t group(const char *name, ecs_group_mode_t mode = ECS_GROUP_SYNC) {
    ecs_group_desc_t d{};
    d.name = name;
    d.mode = mode;
    return group(d);
  }
  /** A group with a run condition from a callable (captures kept). */
  template <class R> ecs_group_t group(ecs_group_desc_t desc, R &&run_if) {
    keep_run_if(desc.run_if, desc.run_if_user, std::forward<R>(run_if));
    return group(desc);
  }
  /** A system from a callable (see query::each() for its parameters; a
   *  first parameter `ecs::system_context &` gives dt, commands...). The
   *  callable's components are the first terms of its query. */
  template <class F> ecs_status_t system(ecs_group_t g, const char *name, F &&fn) {
    ecs_system_desc_t d{};
    d.name = name;
    return system(g, d, std::forward<F>(fn));
  }
  /** A system with the options of @p desc (name, error policy, budget,
   *  resources, and further terms such as WITH/WITHOUT filters, which
   *  follow the callable's own). @p desc.callback and .user are set here. */
  template <class F> ecs_status_t system(ecs_group_t g, ecs_system_desc_t desc, F &&fn) {
    using H = detail::system_holder<detail::bare_t<F>, detail::args_of<F>>;
    if constexpr (!H::run_form) {
      using R = typename H::components;
      R::check();
      ecs_term_t extra[ECS_QUERY_MAX_TERMS];
      int32_t extras = 0;
      for (; extras < ECS_QUERY_MAX_TERMS && desc.query.terms[extras].component != ECS_COMPONENT_NULL; ++extras) {
        extra[extras] = desc.query.terms[extras];
      }
      ecs_query_desc_t q{};
      int32_t n = 0;
      ecs_status_t st = R::make_terms(w_, q.terms, ECS_QUERY_MAX_TERMS, n);
      if (st == ECS_OK && n + extras > ECS_QUERY_MAX_TERMS) {
        st = ECS_ERR_LIMIT;
      }
      if (st != ECS_OK) {
        return keep(st);
      }
      for (int32_t i = 0; i < extras; ++i) {
        q.terms[n + i] = extra[i];
      }
      desc.query = q;
    }
    auto holder = std::make_unique<H>(std::forward<F>(fn));
    desc.callback = &H::run;
    desc.user = holder.get();
    ecs_status_t st = ecs_builder_add_system(b_, g, &desc);
    if (st == ECS_OK) {
      owned_.push_back(std::move(holder));
    }
    return st;
  }
  /** As above, with a run condition from a callable. */
  template <class F, class R> ecs_status_t system(ecs_group_t g, ecs_system_desc_t desc, F &&fn, R &&run_if) {
    keep_run_if(desc.run_if, desc.run_if_user, std::forward<R>(run_if));
    return system(g, desc, std::forward<F>(fn));
  }
  /** Validates and builds (ecs_scheduler_build()); the builder is used up
   *  either way. On success @p out owns the schedule and the callables.
   *  Errors: the first error of an add, then ecs_scheduler_build()'s. */
  ecs_status_t build(scheduler &out) {
    out.reset();
    if (!b_) {
      return ECS_ERR_INVALID_ARGUMENT;
    }
    if (error_ != ECS_OK) {
      ecs_scheduler_builder_free(b_);
      b_ = nullptr;
      owned_.clear();
      return error_;
    }
    ecs_scheduler_t *s = nullptr;
    ecs_status_t st = ecs_scheduler_build(b_, &s);
    b_ = nullptr;
    if (st == ECS_OK) {
      out.s_ = s;
      out.owned_ = std::move(owned_);
    }
    owned_.clear();
    return st;
  }

private:
  ecs_status_t keep(ecs_status_t st) {
    error_ = error_ != ECS_OK ? error_ : st;
    return st;
  }
  template <class R> void keep_run_if(ecs_run_if_fn &fn, void *&user, R &&run_if) {
    using H = detail::run_if_holder<detail::bare_t<R>>;
    auto holder = std::make_unique<H>(std::forward<R>(run_if));
    fn = &H::run;
    user = holder.get();
    owned_.push_back(std::move(holder));
  }
  ecs_world_t *w_;
  ecs_scheduler_builder_t *b_;
  detail::callables owned_;
  ecs_status_t error_ = ECS_OK;
};

} // namespace ecs

#endif /* ECS_CPP_SCHEDULER_HPP */
