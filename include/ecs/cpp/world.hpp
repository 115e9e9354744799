/** @file ecs/cpp/world.hpp
 *  Worlds, entities, command buffers and queries for C++ (included by
 *  ecs.hpp). Every call is a thin inline layer over the C API: the ids come
 *  from the typed calls (typed.h), values go through the sized entry
 *  points, and the C library stays the one implementation.
 *
 *  Errors are ecs_status_t values, as in C (the layer itself throws
 *  nothing, so it also builds with -fno-exceptions); the detail is
 *  ecs_last_error() of the world. Thread rules are the C functions'. */
#ifndef ECS_CPP_WORLD_HPP
#define ECS_CPP_WORLD_HPP

#include "core.hpp"

#include <initializer_list>

namespace ecs {

class entity;
class world_view;

namespace detail {

/* ---- values in and out --------------------------------------------------- */

template <class U> ecs_status_t set_owned(ecs_world_t *w, ecs_entity_t e, ecs_component_t c, U &value) {
  boundary_guard guard;
  handoff source(&value);
  return guard.result(ecs_set_sized(w, e, c, &value, sizeof(U)));
}

/* Sets e's U = bare_t<V>. A value the layer owns (an rvalue, or its own
 * copy of an lvalue, made here in C++ where a throwing copy is harmless)
 * is moved into the world; plain data is copied by the library. */
template <class V> ecs_status_t set_value(ecs_world_t *w, ecs_entity_t e, V &&value) {
  using U = bare_t<V>;
  ecs_component_t c;
  ecs_status_t st = ensure<U>(w, c);
  if (st != ECS_OK) {
    return st;
  }
  if constexpr (is_tag_v<U>) {
    boundary_guard guard;
    return guard.result(ecs_set_sized(w, e, c, nullptr, 0));
  } else if constexpr (std::is_trivially_copyable_v<U>) {
    boundary_guard guard; /* observers may throw */
    return guard.result(ecs_set_sized(w, e, c, &value, sizeof(U)));
  } else if constexpr (std::is_lvalue_reference_v<V>) {
    static_assert(std::is_copy_constructible_v<U>, "a move-only component is set from an rvalue (std::move)");
    U copy(value);
    return set_owned(w, e, c, copy);
  } else {
    return set_owned(w, e, c, value);
  }
}

template <class U> ecs_status_t cmd_set_owned(ecs_cmd_buffer_t *b, ecs_entity_t e, ecs_component_t c, U &value) {
  boundary_guard guard;
  handoff source(&value);
  return guard.result(ecs_cmd_set_sized(b, e, c, &value, sizeof(U)));
}

/* As set_value(), recorded into a command buffer. Commands never register
 * types (they may be recorded on any thread): the type must be known. */
template <class V> ecs_status_t cmd_set_value(ecs_cmd_buffer_t *b, ecs_world_t *w, ecs_entity_t e, V &&value) {
  using U = bare_t<V>;
  check_component<U>();
  ecs_component_t c = lookup<U>(w);
  if (c == ECS_COMPONENT_NULL) {
    return ECS_ERR_UNKNOWN_COMPONENT;
  }
  if constexpr (is_tag_v<U>) {
    return ecs_cmd_set_sized(b, e, c, nullptr, 0);
  } else if constexpr (std::is_trivially_copyable_v<U>) {
    return ecs_cmd_set_sized(b, e, c, &value, sizeof(U));
  } else if constexpr (std::is_lvalue_reference_v<V>) {
    static_assert(std::is_copy_constructible_v<U>, "a move-only component is set from an rvalue (std::move)");
    U copy(value);
    return cmd_set_owned(b, e, c, copy);
  } else {
    return cmd_set_owned(b, e, c, value);
  }
}

template <class T> T *get_value(ecs_world_t *w, ecs_entity_t e) {
  static_assert(!is_tag_v<T>, "a tag has no value: use has<T>()");
  ecs_component_t c = lookup<T>(w);
  return c != ECS_COMPONENT_NULL ? static_cast<T *>(ecs_get(w, e, c)) : nullptr;
}

template <class T> ecs_status_t add_value(ecs_world_t *w, ecs_entity_t e) {
  ecs_component_t c;
  ecs_status_t st = ensure<T>(w, c);
  if (st != ECS_OK) {
    return st;
  }
  boundary_guard guard;
  return guard.result(ecs_add(w, e, c));
}

template <class T> ecs_status_t remove_value(ecs_world_t *w, ecs_entity_t e) {
  ecs_component_t c = lookup<T>(w);
  if (c == ECS_COMPONENT_NULL) {
    return w ? ECS_ERR_UNKNOWN_COMPONENT : ECS_ERR_INVALID_ARGUMENT;
  }
  boundary_guard guard;
  return guard.result(ecs_remove(w, e, c));
}

} // namespace detail

/** An entity of a world: the handle with its world, so that calls read as
 *  `e.set<Position>({1, 2})`. Converts to ecs_entity_t for the C API.
 *  Copying it copies the handle, not the entity. */
class entity {
public:
  constexpr entity() noexcept = default;
  constexpr entity(ecs_world_t *world, ecs_entity_t id) noexcept : w_(world), id_(id) {
  }
  constexpr ecs_entity_t id() const noexcept {
    return id_;
  }
  constexpr operator ecs_entity_t() const noexcept {
    return id_;
  }
  constexpr ecs_world_t *world() const noexcept {
    return w_;
  }
  bool alive() const noexcept {
    return ecs_entity_alive(w_, id_);
  }
  /** Sets component T (registered on first use) to a copy of @p value, or
   *  moves an rvalue in. As ecs_set_sized(). */
  template <class T> ecs_status_t set(const T &value) const {
    return detail::set_value(w_, id_, value);
  }
  template <class T, class = std::enable_if_t<!std::is_lvalue_reference_v<T>>> ecs_status_t set(T &&value) const {
    return detail::set_value(w_, id_, std::move(value));
  }
  /** T's value, or nullptr (absent, unknown type, stale entity). Valid as
   *  a pointer from ecs_get(). */
  template <class T> const T *get() const {
    return detail::get_value<T>(w_, id_);
  }
  template <class T> T *get_mut() const {
    return detail::get_value<T>(w_, id_);
  }
  template <class T> bool has() const noexcept {
    return ecs_has(w_, id_, detail::lookup<T>(w_));
  }
  /** Adds T, default-constructed (registered on first use). */
  template <class T> ecs_status_t add() const {
    return detail::add_value<T>(w_, id_);
  }
  template <class T> ecs_status_t remove() const {
    return detail::remove_value<T>(w_, id_);
  }
  ecs_status_t destroy() const {
    detail::boundary_guard guard;
    return guard.result(ecs_entity_destroy(w_, id_));
  }

private:
  ecs_world_t *w_ = nullptr;
  ecs_entity_t id_ = ECS_ENTITY_NULL;
};

/** A command buffer to record into: a system's (system_context::commands()),
 *  an observer's, or one of command_buffer. Not owning. Components must
 *  be registered before they are recorded. */
class commands {
public:
  commands(ecs_cmd_buffer_t *buf, ecs_world_t *world) noexcept : buf_(buf), w_(world) {
  }
  ecs_cmd_buffer_t *c_ptr() const noexcept {
    return buf_;
  }
  /** A provisional entity, real once the buffer is applied. */
  entity create() const {
    return entity(w_, ecs_cmd_create(buf_));
  }
  ecs_status_t destroy(ecs_entity_t e) const {
    return ecs_cmd_destroy(buf_, e);
  }
  /** Records setting T; the value is moved into the buffer now when the
   *  layer owns it (an rvalue, or its own copy). As ecs_cmd_set_sized(). */
  template <class T> ecs_status_t set(ecs_entity_t e, const T &value) const {
    return detail::cmd_set_value(buf_, w_, e, value);
  }
  template <class T, class = std::enable_if_t<!std::is_lvalue_reference_v<T>>>
  ecs_status_t set(ecs_entity_t e, T &&value) const {
    return detail::cmd_set_value(buf_, w_, e, std::move(value));
  }
  template <class T> ecs_status_t add(ecs_entity_t e) const {
    ecs_component_t c = detail::lookup<T>(w_);
    return c != ECS_COMPONENT_NULL ? ecs_cmd_add(buf_, e, c) : ECS_ERR_UNKNOWN_COMPONENT;
  }
  template <class T> ecs_status_t remove(ecs_entity_t e) const {
    ecs_component_t c = detail::lookup<T>(w_);
    return c != ECS_COMPONENT_NULL ? ecs_cmd_remove(buf_, e, c) : ECS_ERR_UNKNOWN_COMPONENT;
  }
  /** Detail of the last recording error (ecs_cmd_buffer_last_error()). */
  const char *last_error() const noexcept {
    return ecs_cmd_buffer_last_error(buf_);
  }

protected:
  ecs_cmd_buffer_t *buf_;
  ecs_world_t *w_;
};

/** A command buffer the caller owns (ecs_cmd_buffer_new/free). Free it
 *  before its world: declare it after the world. */
class command_buffer : public commands {
public:
  explicit command_buffer(ecs_world_t *world) : commands(ecs_cmd_buffer_new(world), world) {
  }
  ~command_buffer() {
    ecs_cmd_buffer_free(buf_);
  }
  command_buffer(const command_buffer &) = delete;
  command_buffer &operator=(const command_buffer &) = delete;
  command_buffer(command_buffer &&o) noexcept : commands(o.buf_, o.w_) {
    o.buf_ = nullptr;
  }
  command_buffer &operator=(command_buffer &&o) noexcept {
    if (this != &o) {
      ecs_cmd_buffer_free(buf_);
      buf_ = o.buf_;
      w_ = o.w_;
      o.buf_ = nullptr;
    }
    return *this;
  }
  /** ecs_cmd_buffer_apply(); an exception in an observer it fires becomes
   *  the result (the apply itself completes). */
  ecs_status_t apply(ecs_cmd_stats_t *stats = nullptr) {
    detail::boundary_guard guard;
    return guard.result(ecs_cmd_buffer_apply(buf_, stats));
  }
  /** The real entity a provisional one became at the last apply. */
  entity resolve(ecs_entity_t provisional) const {
    return entity(w_, ecs_cmd_buffer_resolve(buf_, provisional));
  }
};

/** One chunk of an iteration: entities with the same components, whose
 *  values are arrays on the default storage. */
class chunk {
public:
  explicit chunk(ecs_iter_t &it) noexcept : it_(&it) {
  }
  int32_t count() const noexcept {
    return it_->count;
  }
  span<const ecs_entity_t> entities() const noexcept {
    return span<const ecs_entity_t>(it_->entities, static_cast<std::size_t>(it_->count));
  }
  entity entity_at(int32_t row) const noexcept {
    return entity(it_->world, it_->entities[row]);
  }
  /** The values of term @p term as a span of T (const T for reading); empty
   *  when the storage gives no array (use field_at()). With ECS_TYPE_CHECKS
   *  (debug builds), empty when the term is not T (an ERROR is logged). */
  template <class T> span<T> field(int32_t term) const {
#if ECS_TYPE_CHECKS
    void *p = ecs_field_typed(it_, term, &detail::type_of<std::remove_const_t<T>>());
#else
    void *p = ecs_field(it_, term);
#endif
    return span<T>(static_cast<T *>(p), static_cast<std::size_t>(it_->count));
  }
  /** Term @p term's value of row @p row (every storage), or nullptr. */
  template <class T> T *field_at(int32_t term, int32_t row) const {
#if ECS_TYPE_CHECKS
    return static_cast<T *>(ecs_field_at_typed(it_, term, row, &detail::type_of<std::remove_const_t<T>>()));
#else
    return static_cast<T *>(ecs_field_at(it_, term, row));
#endif
  }
  ecs_world_t *world() const noexcept {
    return it_->world;
  }
  ecs_iter_t &c_iter() const noexcept {
    return *it_;
  }

private:
  ecs_iter_t *it_;
};

namespace detail {

/* ---- callables over query rows --------------------------------------------
 * A parameter of an each() callable is one of:
 *   ecs::entity          the row's entity
 *   T & / const T & / T  a WRITE / READ / READ term of component T
 *   const T *            an OPTIONAL term (nullptr where absent) */
template <class P> struct param {
  using ref = std::remove_reference_t<P>;
  static constexpr bool is_entity = std::is_same_v<bare_t<P>, entity>;
  static constexpr bool is_optional = std::is_pointer_v<bare_t<P>>;
  using type = std::conditional_t<is_optional, std::remove_cv_t<std::remove_pointer_t<bare_t<P>>>, bare_t<P>>;
  static constexpr bool is_write = !is_entity && !is_optional && std::is_lvalue_reference_v<P> && !std::is_const_v<ref>;
  static constexpr ecs_access_t access =
      is_optional ? ECS_ACCESS_OPTIONAL : (is_write ? ECS_ACCESS_WRITE : ECS_ACCESS_READ);

  static constexpr void check() {
    if constexpr (!is_entity) {
      static_assert(!std::is_rvalue_reference_v<P>, "take a component as T &, const T & or T, not T &&");
      static_assert(!is_optional || std::is_const_v<std::remove_pointer_t<bare_t<P>>>,
                    "an optional term is read-only: take const T *");
      static_assert(!is_tag_v<type>, "a tag has no value: filter on it with query_builder().with<T>()");
      check_component<type>();
    }
  }

  static void *column(ecs_iter_t &it, int32_t term) noexcept {
    if constexpr (is_entity) {
      return const_cast<ecs_entity_t *>(it.entities);
    } else {
      return ecs_field(&it, term);
    }
  }
  /* the row's argument when every column is an array */
  static decltype(auto) at(ecs_iter_t &it, void *col, int32_t row) noexcept {
    if constexpr (is_entity) {
      return entity(it.world, it.entities[row]);
    } else if constexpr (is_optional) {
      return static_cast<const type *>(col) + row;
    } else {
      return static_cast<type &>(static_cast<type *>(col)[row]);
    }
  }
  /* the row's argument on any storage: the array when there is one */
  static decltype(auto) at_any(ecs_iter_t &it, void *col, int32_t term, int32_t row) noexcept {
    if constexpr (is_entity) {
      return entity(it.world, it.entities[row]);
    } else if constexpr (is_optional) {
      return col ? static_cast<const type *>(col) + row : static_cast<const type *>(ecs_field_at(&it, term, row));
    } else {
      return static_cast<type &>(col ? static_cast<type *>(col)[row]
                                     : *static_cast<type *>(ecs_field_at(&it, term, row)));
    }
  }
};

template <class F, class... A> ecs_status_t call(F &f, A &&...args) {
  using R = decltype(f(std::forward<A>(args)...));
  static_assert(std::is_void_v<R> || std::is_same_v<R, ecs_status_t>, "a callback returns void or ecs_status_t");
  if constexpr (std::is_void_v<R>) {
    f(std::forward<A>(args)...);
    return ECS_OK;
  } else {
    return f(std::forward<A>(args)...);
  }
}

template <class... P> struct rows {
  static constexpr std::size_t count = sizeof...(P);
  using terms = std::array<int32_t, count>;

  static constexpr void check() {
    (param<P>::check(), ...);
  }

  /* The term of each parameter when the callable's components are the
   * query's terms in order (systems, world::each). */
  static constexpr terms in_order() {
    terms t{};
    int32_t next = 0;
    std::size_t i = 0;
    ((t[i++] = param<P>::is_entity ? -1 : next++), ...);
    return t;
  }

  /* Calls f(args...) for every row of the chunk: one plain loop over the
   * arrays when every term has one (the default storage), else through
   * ecs_field_at() where a term has none. */
  template <class F, std::size_t... I>
  static ecs_status_t run(ecs_iter_t &it, F &f, const terms &t, std::index_sequence<I...>) {
    std::array<void *, count> cols{{param<P>::column(it, t[I])...}};
    bool arrays = true;
    for (void *c : cols) {
      arrays = arrays && c != nullptr;
    }
    if (arrays) {
      for (int32_t row = 0; row < it.count; ++row) {
        ecs_status_t st = call(f, param<P>::at(it, cols[I], row)...);
        if (st != ECS_OK) {
          return st;
        }
      }
    } else {
      for (int32_t row = 0; row < it.count; ++row) {
        ecs_status_t st = call(f, param<P>::at_any(it, cols[I], t[I], row)...);
        if (st != ECS_OK) {
          return st;
        }
      }
    }
    return ECS_OK;
  }

  /* The terms of a query made for the callable (world::each, systems):
   * one per component parameter, in order, registering the types. */
  static ecs_status_t make_terms(ecs_world_t *w, ecs_term_t *out, int32_t cap, int32_t &n) {
    ecs_status_t st = ECS_OK;
    auto one = [&](ecs_component_t c, ecs_access_t a, ecs_status_t s) {
      if (st != ECS_OK) {
        return;
      }
      if (s != ECS_OK || n >= cap) {
        st = s != ECS_OK ? s : ECS_ERR_INVALID_ARGUMENT;
        return;
      }
      out[n].component = c;
      out[n].access = a;
      ++n;
    };
    (
        [&] {
          if constexpr (!param<P>::is_entity) {
            ecs_component_t c = ECS_COMPONENT_NULL;
            ecs_status_t s = ensure<typename param<P>::type>(w, c);
            one(c, param<P>::access, s);
          }
        }(),
        ...);
    return st;
  }

  /* The terms of an existing query for the callable's components: each
   * component must be a term whose access allows the parameter. */
  static ecs_status_t map_terms(const ecs_world_t *w, const ecs_term_t *qt, int32_t qn, terms &out) {
    ecs_status_t st = ECS_OK;
    std::size_t i = 0;
    (
        [&] {
          std::size_t k = i++;
          out[k] = -1;
          if constexpr (!param<P>::is_entity) {
            if (st != ECS_OK) {
              return;
            }
            ecs_component_t c = lookup<typename param<P>::type>(w);
            if (c == ECS_COMPONENT_NULL) {
              st = ECS_ERR_UNKNOWN_COMPONENT;
              return;
            }
            for (int32_t j = 0; j < qn; ++j) {
              if (qt[j].component != c) {
                continue;
              }
              uint32_t bits =
                  static_cast<uint32_t>(ECS_PRIV_ACCESS_CHANGED_BIT) | static_cast<uint32_t>(ECS_PRIV_ACCESS_ADDED_BIT);
              auto a = static_cast<ecs_access_t>(static_cast<uint32_t>(qt[j].access) & ~bits);
              bool ok = param<P>::is_optional
                            ? (a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE || a == ECS_ACCESS_OPTIONAL)
                        : param<P>::is_write ? a == ECS_ACCESS_WRITE
                                             : (a == ECS_ACCESS_READ || a == ECS_ACCESS_WRITE);
              if (ok) {
                out[k] = j;
              }
              break;
            }
            if (out[k] < 0) {
              st = ECS_ERR_INVALID_ARGUMENT;
            }
          }
        }(),
        ...);
    return st;
  }
};

template <class L> struct rows_of_list;
template <class... P> struct rows_of_list<type_list<P...>> { using type = rows<P...>; };
template <class F> using rows_of = typename rows_of_list<args_of<F>>::type;

} // namespace detail

/** A query of a world: a handle (the world owns the query and frees it with
 *  itself; free() releases it earlier). Copying copies the handle. */
class query {
public:
  query() noexcept = default;
  /** ecs_query_new(); an invalid query (operator bool false) on error. */
  query(ecs_world_t *world, const ecs_query_desc_t &desc) : w_(world), q_(ecs_query_new(world, &desc)) {
    for (int32_t i = 0; i < ECS_QUERY_MAX_TERMS && desc.terms[i].component != ECS_COMPONENT_NULL; ++i) {
      terms_[i] = desc.terms[i];
      count_ = i + 1;
    }
  }
  explicit operator bool() const noexcept {
    return q_ != nullptr;
  }
  ecs_query_t *c_ptr() const noexcept {
    return q_;
  }
  /** ecs_query_free(); the handle becomes invalid (copies of it too). */
  void free() noexcept {
    ecs_query_free(q_);
    q_ = nullptr;
  }
  /** Calls @p fn for every matching entity. Its parameters name what it
   *  needs, in any order: `ecs::entity`, `T &` (a WRITE term of the
   *  query), `const T &` or `T` (READ or WRITE), `const T *` (an OPTIONAL
   *  term: nullptr where absent). On the default storage each chunk is one
   *  loop over arrays. @p fn returns void, or an ecs_status_t that stops
   *  the iteration when not ECS_OK (and is returned). Errors:
   *  ECS_ERR_INVALID_ARGUMENT (a parameter that is no term of the query,
   *  or a T & for a READ term; nothing runs), ECS_ERR_UNKNOWN_COMPONENT.
   *  An exception from @p fn leaves the iteration where it was (as an
   *  early return) and propagates: no library frame is in between. */
  template <class F> ecs_status_t each(F &&fn) {
    using R = detail::rows_of<F>;
    R::check();
    typename R::terms t{};
    ecs_status_t st = R::map_terms(w_, terms_, count_, t);
    if (st != ECS_OK || !q_) {
      return st != ECS_OK ? st : ECS_ERR_INVALID_ARGUMENT;
    }
    return run<R>(fn, t);
  }
  /** Calls @p fn(ecs::chunk &) for every chunk. Returns as each(). */
  template <class F> ecs_status_t iter(F &&fn) {
    if (!q_) {
      return ECS_ERR_INVALID_ARGUMENT;
    }
    ecs_iter_t it = ecs_query_iter(q_);
    while (ecs_iter_next(&it)) {
      chunk ch(it);
      ecs_status_t st = detail::call(fn, ch);
      if (st != ECS_OK) {
        drain(it);
        return st;
      }
    }
    return ECS_OK;
  }
  /** ecs_query_count(). */
  std::size_t count() const {
    return ecs_query_count(q_);
  }

  /* Internal: runs rows R over the whole query with term map t. */
  template <class R, class F> ecs_status_t run(F &fn, const typename R::terms &t) {
    ecs_iter_t it = ecs_query_iter(q_);
    while (ecs_iter_next(&it)) {
      ecs_status_t st = R::run(it, fn, t, std::make_index_sequence<R::count>{});
      if (st != ECS_OK) {
        drain(it);
        return st;
      }
    }
    return ECS_OK;
  }

private:
  static void drain(ecs_iter_t &it) noexcept {
    while (ecs_iter_next(&it)) {
    }
  }
  ecs_world_t *w_ = nullptr;
  ecs_query_t *q_ = nullptr;
  ecs_term_t terms_[ECS_QUERY_MAX_TERMS] = {};
  int32_t count_ = 0;
};

/** Builds a query's terms without designated initialisers or compound
 *  literals: `ecs::query_builder(w).write<Position>().read<Velocity>()
 *  .without<Frozen>().build()`. Types are registered on first use. */
class query_builder {
public:
  explicit query_builder(ecs_world_t *world) noexcept : w_(world) {
  }
  template <class T> query_builder &read() {
    return term_of<T>(ECS_ACCESS_READ);
  }
  template <class T> query_builder &write() {
    return term_of<T>(ECS_ACCESS_WRITE);
  }
  template <class T> query_builder &with() {
    return term_of<T>(ECS_ACCESS_WITH);
  }
  template <class T> query_builder &without() {
    return term_of<T>(ECS_ACCESS_WITHOUT);
  }
  template <class T> query_builder &optional() {
    return term_of<T>(ECS_ACCESS_OPTIONAL);
  }
  /** Any term: an id and an access, possibly ECS_CHANGED()/ECS_ADDED(). */
  query_builder &term(ecs_component_t c, ecs_access_t access) {
    if (n_ >= ECS_QUERY_MAX_TERMS) {
      error_ = error_ != ECS_OK ? error_ : ECS_ERR_LIMIT;
      return *this;
    }
    desc_.terms[n_].component = c;
    desc_.terms[n_].access = access;
    ++n_;
    return *this;
  }
  /** The terms so far (for ecs_system_desc_t.query, say). */
  const ecs_query_desc_t &desc() const noexcept {
    return desc_;
  }
  /** The first error met while adding terms (a type that could not be
   *  registered, too many terms), else ECS_OK. */
  ecs_status_t status() const noexcept {
    return error_;
  }
  /** The query, invalid when a term failed or ecs_query_new() did. */
  ecs::query build() const {
    return error_ == ECS_OK ? ecs::query(w_, desc_) : ecs::query();
  }

private:
  template <class T> query_builder &term_of(ecs_access_t access) {
    ecs_component_t c = ECS_COMPONENT_NULL;
    ecs_status_t st = detail::ensure<T>(w_, c);
    if (st != ECS_OK) {
      error_ = error_ != ECS_OK ? error_ : st;
      return *this;
    }
    return term(c, access);
  }
  ecs_world_t *w_;
  ecs_query_desc_t desc_{};
  int32_t n_ = 0;
  ecs_status_t error_ = ECS_OK;
};

/** A world used from C++, not owned: what a system or an observer gets,
 *  or a view of a world the host created in C. ecs::world owns one. */
class world_view {
public:
  world_view() noexcept = default;
  explicit world_view(ecs_world_t *world) noexcept : w_(world) {
  }
  ecs_world_t *c_ptr() const noexcept {
    return w_;
  }
  explicit operator bool() const noexcept {
    return w_ != nullptr;
  }
  /** Registers T with a storage kind and flags (ECS_COMPONENT_TRANSIENT);
   *  other calls register it with the defaults on first use. Returns its
   *  id, ECS_COMPONENT_NULL on error (ecs_last_error()). */
  template <class T>
  ecs_component_t component(ecs_storage_kind_t storage = ECS_STORAGE_DEFAULT, uint32_t flags = 0) const {
    return detail::register_type<T>(w_, storage, flags);
  }
  /** Describes T's fields for reflection (meta.h; the JSON module and the
   *  inspector show them): registers T if needed, then ecs_meta_set_fields()
   *  with T's name, size and alignment, so the fields are checked against
   *  the type. Build the fields with ECS_META_AUTO(T, member) (the kind
   *  follows from the member's type) and the other ECS_META_* macros:
   *  `w.describe<Pos>({ECS_META_AUTO(Pos, x), ECS_META_AUTO(Pos, y)})`.
   *  Errors: as ecs_meta_set_fields(), or the registration's status. */
  template <class T> ecs_status_t describe(std::initializer_list<ecs_meta_field_t> fields) const {
    ecs_component_t c = component<T>();
    if (c == ECS_COMPONENT_NULL) {
      return ecs_last_status(w_) != ECS_OK ? ecs_last_status(w_) : ECS_ERR_INVALID_ARGUMENT;
    }
    return ecs_meta_set_fields(w_, c, nullptr, sizeof(T), alignof(T), fields.begin(),
                               static_cast<uint32_t>(fields.size()));
  }
  /** T's id in this world, ECS_COMPONENT_NULL if not registered. */
  template <class T> ecs_component_t id() const noexcept {
    return detail::lookup<T>(w_);
  }
  entity create() const {
    return entity(w_, ecs_entity_create(w_));
  }
  /** The handle @p e of this world as an ecs::entity. */
  entity entity_of(ecs_entity_t e) const noexcept {
    return entity(w_, e);
  }
  template <class T> ecs_status_t set(ecs_entity_t e, const T &value) const {
    return detail::set_value(w_, e, value);
  }
  template <class T, class = std::enable_if_t<!std::is_lvalue_reference_v<T>>>
  ecs_status_t set(ecs_entity_t e, T &&value) const {
    return detail::set_value(w_, e, std::move(value));
  }
  template <class T> const T *get(ecs_entity_t e) const {
    return detail::get_value<T>(w_, e);
  }
  template <class T> T *get_mut(ecs_entity_t e) const {
    return detail::get_value<T>(w_, e);
  }
  template <class T> bool has(ecs_entity_t e) const noexcept {
    return ecs_has(w_, e, detail::lookup<T>(w_));
  }
  template <class T> ecs_status_t add(ecs_entity_t e) const {
    return detail::add_value<T>(w_, e);
  }
  template <class T> ecs_status_t remove(ecs_entity_t e) const {
    return detail::remove_value<T>(w_, e);
  }
  ecs_status_t destroy(ecs_entity_t e) const {
    detail::boundary_guard guard;
    return guard.result(ecs_entity_destroy(w_, e));
  }
  /** A query of the given component types: `const T` reads, `T` writes. */
  template <class... T> ecs::query query() const {
    query_builder b(w_);
    (add_term<T>(b), ...);
    return b.build();
  }
  /** Calls @p fn for every entity that has the components its parameters
   *  name (as query::each(); `T &` writes, `const T &` reads, `const T *`
   *  is optional), through a query made for the call and freed after it.
   *  For a loop run often, keep an ecs::query instead. Owner thread,
   *  outside a tick (ecs_query_new(): a system has its own query). */
  template <class F> ecs_status_t each(F &&fn) const {
    using R = detail::rows_of<F>;
    R::check();
    ecs_query_desc_t d{};
    int32_t n = 0;
    ecs_status_t st = R::make_terms(w_, d.terms, ECS_QUERY_MAX_TERMS, n);
    if (st != ECS_OK) {
      return st;
    }
    ecs::query q(w_, d);
    if (!q) {
      /* refused during a tick without a record: the last status may be old */
      ecs_status_t last = w_ ? ecs_last_status(w_) : ECS_ERR_INVALID_ARGUMENT;
      return last != ECS_OK ? last : ECS_ERR_BUSY;
    }
    st = q.run<R>(fn, R::in_order());
    q.free();
    return st;
  }
  /** The resource (world singleton) of type T: set, read, write. */
  template <class T> ecs_status_t set_resource(const T &value) const {
    return set_resource_value(value);
  }
  template <class T, class = std::enable_if_t<!std::is_lvalue_reference_v<T>>>
  ecs_status_t set_resource(T &&value) const {
    return set_resource_value(std::move(value));
  }
  template <class T> const T *resource() const noexcept {
    return static_cast<const T *>(ecs_resource_get(w_, detail::lookup<T>(w_)));
  }
  template <class T> T *resource_mut() const noexcept {
    return static_cast<T *>(ecs_resource_get(w_, detail::lookup<T>(w_)));
  }
  std::size_t entity_count() const noexcept {
    return ecs_entity_count(w_);
  }
  uint64_t checksum() const noexcept {
    return ecs_world_checksum(w_);
  }
  const char *last_error() const noexcept {
    return ecs_last_error(w_);
  }
  ecs_status_t last_status() const noexcept {
    return ecs_last_status(w_);
  }

protected:
  template <class T> static void add_term(query_builder &b) {
    if constexpr (std::is_const_v<T>) {
      b.read<std::remove_const_t<T>>();
    } else {
      b.write<T>();
    }
  }
  template <class V> ecs_status_t set_resource_value(V &&value) const {
    using U = detail::bare_t<V>;
    ecs_component_t c;
    ecs_status_t st = detail::ensure<U>(w_, c);
    if (st != ECS_OK) {
      return st;
    }
    if constexpr (std::is_trivially_copyable_v<U>) {
      return ecs_resource_set(w_, c, &value);
    } else {
      U copy(std::forward<V>(value));
      detail::boundary_guard guard;
      detail::handoff source(&copy);
      return guard.result(ecs_resource_set(w_, c, &copy));
    }
  }
  ecs_world_t *w_ = nullptr;
};

namespace detail {

/* An observer's callable, owned by its world object. */
template <class T, class F> struct observer_holder final : callable {
  F fn;
  explicit observer_holder(F f) : fn(std::move(f)) {
  }
  void invoke(ecs_observer_ctx_t *ctx) {
    ecs_world_t *w = const_cast<ecs_world_t *>(ctx->world);
    entity e(w, ctx->entity);
    commands cmd(ctx->commands, w);
    if constexpr (is_tag_v<T>) {
      if constexpr (std::is_invocable_v<F &, entity, commands &>) {
        fn(e, cmd);
      } else {
        static_assert(std::is_invocable_v<F &, entity>, "an observer of a tag takes (ecs::entity[, ecs::commands &])");
        fn(e);
      }
    } else {
      const T &value = *static_cast<const T *>(ctx->value);
      if constexpr (std::is_invocable_v<F &, entity, const T &, commands &>) {
        fn(e, value, cmd);
      } else {
        static_assert(std::is_invocable_v<F &, entity, const T &>,
                      "an observer takes (ecs::entity, const T &[, ecs::commands &])");
        fn(e, value);
      }
    }
  }
  static void run(ecs_observer_ctx_t *ctx) noexcept {
    auto *self = static_cast<observer_holder *>(ctx->user);
#if ECS_CPP_EXCEPTIONS
    try {
      self->invoke(ctx);
    } catch (...) {
      boundary_catch();
    }
#else
    self->invoke(ctx);
#endif
  }
};

} // namespace detail

/** A world owned from C++ (RAII): ecs_world_new() on construction,
 *  ecs_world_free() on destruction, then the callables it keeps
 *  (observers). Move-only. Free schedulers, command buffers and rollback
 *  rings made for it first: declare them after it. */
class world : public world_view {
public:
  world() : world_view(ecs_world_new(nullptr)) {
  }
  explicit world(const ecs_world_desc_t &desc) : world_view(ecs_world_new(&desc)) {
  }
  /** Takes ownership of a world made in C. */
  explicit world(ecs_world_t *adopt) noexcept : world_view(adopt) {
  }
  ~world() {
    reset();
  }
  world(const world &) = delete;
  world &operator=(const world &) = delete;
  world(world &&o) noexcept : world_view(o.w_), owned_(std::move(o.owned_)) {
    o.w_ = nullptr;
  }
  world &operator=(world &&o) noexcept {
    if (this != &o) {
      reset();
      w_ = o.w_;
      owned_ = std::move(o.owned_);
      o.w_ = nullptr;
    }
    return *this;
  }
  /** Frees the world now (and its observers' callables). */
  void reset() noexcept {
    ecs_world_free(w_);
    w_ = nullptr;
    owned_.clear();
  }
  /** Registers an observer of component T (registered on first use) for
   *  @p event from a callable, captures and all: (ecs::entity, const T &)
   *  or (ecs::entity, const T &, ecs::commands &); for a tag
   *  (ecs::entity[, ecs::commands &]). The world keeps the callable until
   *  it is freed. An exception from it is caught at the boundary: the call
   *  that fired the observer (set, add, remove, destroy, apply, tick)
   *  returns ECS_ERR_EXCEPTION (ECS_ERR_NO_MEMORY for std::bad_alloc) once
   *  its own work is done; ecs::last_exception() has the message.
   *  Errors: as ecs_observer_register(). */
  template <class T, class F> ecs_status_t observe(ecs_observer_event_t event, F &&fn) {
    ecs_component_t c;
    ecs_status_t st = detail::ensure<T>(w_, c);
    if (st != ECS_OK) {
      return st;
    }
    using H = detail::observer_holder<T, detail::bare_t<F>>;
    auto holder = std::make_unique<H>(std::forward<F>(fn));
    ecs_observer_desc_t d{};
    d.component = c;
    d.event = event;
    d.callback = &H::run;
    d.user = holder.get();
    st = ecs_observer_register(w_, &d);
    if (st == ECS_OK) {
      owned_.push_back(std::move(holder));
    }
    return st;
  }

private:
  detail::callables owned_;
};

} // namespace ecs

#endif /* ECS_CPP_WORLD_HPP */
