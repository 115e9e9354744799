/** @file ecs/cpp/core.hpp
 *  The C++ layer's foundations (included by ecs.hpp): component names,
 *  lifecycle hooks derived from a type's special members, the exception
 *  boundary, a span, and the signature analysis of callables. Everything
 *  in ecs::detail is internal and may change in any release. */
#ifndef ECS_CPP_CORE_HPP
#define ECS_CPP_CORE_HPP

#include "../../ecs.h"

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <memory>
#include <new>
#include <string>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define ECS_CPP_EXCEPTIONS 1
#else
#define ECS_CPP_EXCEPTIONS 0
#endif

namespace ecs {

/** A view of @p count contiguous values (C++20's std::span, reduced to
 *  what iteration needs). Empty when the storage cannot give an array. */
template <class T> class span {
public:
  constexpr span() noexcept = default;
  constexpr span(T *data, std::size_t size) noexcept : data_(data), size_(data ? size : 0) {
  }
  constexpr T *data() const noexcept {
    return data_;
  }
  constexpr std::size_t size() const noexcept {
    return size_;
  }
  constexpr bool empty() const noexcept {
    return size_ == 0;
  }
  constexpr T &operator[](std::size_t i) const noexcept {
    return data_[i];
  }
  constexpr T *begin() const noexcept {
    return data_;
  }
  constexpr T *end() const noexcept {
    return data_ + size_;
  }

private:
  T *data_ = nullptr;
  std::size_t size_ = 0;
};

/** The name a C++ type is registered under in every world. By default the
 *  compiler's spelling of the type ("Position", "game::Velocity",
 *  "std::pair<int, int>"); specialise it to choose one, e.g. for types
 *  shared with C code or saved in snapshots read by programs built with
 *  another compiler:
 *      template <> inline constexpr const char *ecs::component_name<Position> = "Position"; */
template <class T> inline constexpr const char *component_name = nullptr;

/** Specialise to snapshot a type that is not trivially copyable (such types
 *  are refused by snapshots otherwise, since their bytes hold pointers):
 *      template <> struct ecs::serializer<Name> {
 *        static ecs_status_t save(const Name &value, const ecs_writer_t *out);
 *        static ecs_status_t load(const void *data, size_t size, Name &value);
 *      };
 *  load() fills a default-constructed @p value from the bytes save()
 *  wrote; exceptions from either become an error status. */
template <class T> struct serializer;

namespace detail {

template <class T> using bare_t = std::remove_cv_t<std::remove_reference_t<T>>;

template <class...> struct type_list {};

template <class T> struct always_false : std::false_type {};

/* ---- the exception boundary ---------------------------------------------
 * Exceptions never unwind through the library's C frames: callbacks called
 * from C (hooks, observers, systems, run conditions) catch them. Systems
 * turn them into their return status; the others leave a status here, per
 * thread, which the C++ call that entered the library returns. */
struct boundary_state {
  ecs_status_t status = ECS_OK;
  char message[256] = {};
};

inline boundary_state &boundary() noexcept {
  static thread_local boundary_state state;
  return state;
}

inline void boundary_fail(ecs_status_t status, const char *message) noexcept {
  boundary_state &b = boundary();
  if (b.status == ECS_OK) {
    b.status = status;
    std::size_t n = std::strlen(message);
    n = n < sizeof b.message - 1 ? n : sizeof b.message - 1;
    std::memcpy(b.message, message, n);
    b.message[n] = '\0';
  }
}

#if ECS_CPP_EXCEPTIONS
/* Called from a catch (...) block: classifies the exception in flight. */
inline ecs_status_t boundary_catch() noexcept {
  try {
    throw;
  } catch (const std::bad_alloc &) {
    boundary_fail(ECS_ERR_NO_MEMORY, "std::bad_alloc");
    return ECS_ERR_NO_MEMORY;
  } catch (const std::exception &e) {
    boundary_fail(ECS_ERR_EXCEPTION, e.what());
    return ECS_ERR_EXCEPTION;
  } catch (...) {
    boundary_fail(ECS_ERR_EXCEPTION, "an exception not derived from std::exception");
    return ECS_ERR_EXCEPTION;
  }
}
#endif

/* Around one call into the library that may call back into C++: the
 * status a callback left is the call's result when the call itself
 * succeeded. Nested calls keep the outer state. */
class boundary_guard {
public:
  boundary_guard() noexcept : outer_(boundary().status) {
    boundary().status = ECS_OK;
  }
  ~boundary_guard() {
    if (!done_) {
      boundary().status = outer_;
    }
  }
  boundary_guard(const boundary_guard &) = delete;
  boundary_guard &operator=(const boundary_guard &) = delete;
  ecs_status_t result(ecs_status_t st) noexcept {
    ecs_status_t inner = boundary().status;
    boundary().status = outer_;
    done_ = true;
    return st != ECS_OK ? st : inner;
  }

private:
  ecs_status_t outer_;
  bool done_ = false;
};

/* ---- hand-off -----------------------------------------------------------
 * The library copies a value given to ecs_set() (and friends) with the copy
 * hook. When the C++ layer gives it a value it owns (a temporary, an
 * rvalue, or its own copy made beforehand, in C++ code where an exception
 * is harmless), it names that value here and the copy hook moves from it
 * instead: no copy constructor runs inside the library, and move-only
 * types work. */
inline const void *&handoff_slot() noexcept {
  static thread_local const void *source = nullptr;
  return source;
}

class handoff {
public:
  explicit handoff(const void *source) noexcept : saved_(handoff_slot()) {
    handoff_slot() = source;
  }
  ~handoff() {
    handoff_slot() = saved_;
  }
  handoff(const handoff &) = delete;
  handoff &operator=(const handoff &) = delete;

private:
  const void *saved_;
};

/* ---- names --------------------------------------------------------------- */

/* The type's name in a signature the compiler wrote: "... [with T = X]"
 * (gcc) or "... [T = X]" (clang). */
inline std::string name_from_signature(const char *signature) {
  std::string s(signature);
  std::size_t at = s.find("T = ");
  if (at == std::string::npos) {
    return s;
  }
  at += 4;
  int depth = 0;
  std::size_t end = at;
  for (; end < s.size(); ++end) {
    char c = s[end];
    if (c == '<' || c == '(' || c == '[') {
      ++depth;
    } else if (c == '>' || c == ')') {
      --depth;
    } else if (c == ']' || c == ';') {
      if (depth == 0) {
        break;
      }
      if (c == ']') {
        --depth;
      }
    }
  }
  return s.substr(at, end - at);
}

template <class T> const char *derived_name() {
#if defined(__GNUC__) || defined(__clang__)
  static const std::string name = name_from_signature(__PRETTY_FUNCTION__);
#else
  static const std::string name = typeid(T).name();
#endif
  return name.c_str();
}

template <class T> const char *name_of() {
  if constexpr (component_name<T> != nullptr) {
    return component_name<T>;
  } else {
    return derived_name<T>();
  }
}

/* ---- component types ------------------------------------------------------ */

template <class T> constexpr bool is_tag_v = std::is_empty_v<T>;

template <class T> constexpr void check_component() {
  static_assert(std::is_object_v<T> && !std::is_array_v<T> && !std::is_pointer_v<T>,
                "a component is a class or scalar type (not an array, pointer or reference)");
  static_assert(!std::is_const_v<T> && !std::is_volatile_v<T>, "name the component type without const/volatile");
  static_assert(std::is_default_constructible_v<T>,
                "a component needs a default constructor: the library constructs values for ecs_add()");
  static_assert(std::is_nothrow_destructible_v<T>, "a component's destructor must not throw");
  static_assert(std::is_nothrow_move_constructible_v<T>,
                "a component must be nothrow move constructible: the library relocates values as storage "
                "grows (declare the move constructor noexcept)");
  static_assert(alignof(T) <= 4096, "a component's alignment is at most 4096");
}

template <class T, class = void> struct has_serializer : std::false_type {};
template <class T>
struct has_serializer<
    T, std::void_t<decltype(serializer<T>::save(std::declval<const T &>(), std::declval<const ecs_writer_t *>())),
                   decltype(serializer<T>::load(std::declval<const void *>(), std::size_t{0}, std::declval<T &>()))>>
    : std::true_type {};

/* Hooks the library calls for T. Each is noexcept: an exception from a
 * default constructor ends the program (std::terminate), as it would in
 * any noexcept context; a copy constructor that throws leaves a
 * default-constructed value and its status at the boundary. */
template <class T> struct hooks {
  static void ctor(void *ptr, int32_t count, void *) noexcept {
    T *p = static_cast<T *>(ptr);
    for (int32_t i = 0; i < count; ++i) {
      ::new (static_cast<void *>(p + i)) T();
    }
  }
  static void dtor(void *ptr, int32_t count, void *) noexcept {
    T *p = static_cast<T *>(ptr);
    for (int32_t i = 0; i < count; ++i) {
      p[i].~T();
    }
  }
  /* the library's move: construct dst from src, src is gone afterwards */
  static void move(void *dst, void *src, int32_t count, void *) noexcept {
    T *d = static_cast<T *>(dst);
    T *s = static_cast<T *>(src);
    for (int32_t i = 0; i < count; ++i) {
      ::new (static_cast<void *>(d + i)) T(std::move(s[i]));
      s[i].~T();
    }
  }
  static void copy(void *dst, const void *src, int32_t count, void *) noexcept {
    T *d = static_cast<T *>(dst);
    const T *s = static_cast<const T *>(src);
    if (src == handoff_slot()) {
      handoff_slot() = nullptr; /* one hand-off, one move */
      for (int32_t i = 0; i < count; ++i) {
        ::new (static_cast<void *>(d + i)) T(std::move(*const_cast<T *>(s + i)));
      }
      return;
    }
    for (int32_t i = 0; i < count; ++i) {
      copy_one(d + i, s[i]);
    }
  }
  static void copy_one(T *d, const T &s) noexcept {
    if constexpr (std::is_copy_constructible_v<T>) {
#if ECS_CPP_EXCEPTIONS
      try {
        ::new (static_cast<void *>(d)) T(s);
        return;
      } catch (...) {
        boundary_catch();
      }
      ::new (static_cast<void *>(d)) T();
#else
      ::new (static_cast<void *>(d)) T(s);
#endif
    } else {
      (void)s;
      boundary_fail(ECS_ERR_UNSUPPORTED, "a move-only component was copied (set it from an rvalue)");
      ::new (static_cast<void *>(d)) T();
    }
  }
  static ecs_status_t serialize(const void *value, const ecs_writer_t *out, void *) noexcept {
    if constexpr (has_serializer<T>::value) {
#if ECS_CPP_EXCEPTIONS
      try {
        return serializer<T>::save(*static_cast<const T *>(value), out);
      } catch (...) {
        return boundary_catch();
      }
#else
      return serializer<T>::save(*static_cast<const T *>(value), out);
#endif
    } else {
      (void)value;
      (void)out;
      return ECS_ERR_UNSUPPORTED; /* its bytes hold pointers: specialise ecs::serializer<T> */
    }
  }
  static ecs_status_t deserialize(void *dst, const void *data, std::size_t size, void *) noexcept {
    if constexpr (has_serializer<T>::value) {
      T *p = ::new (dst) T();
      ecs_status_t st;
#if ECS_CPP_EXCEPTIONS
      try {
        st = serializer<T>::load(data, size, *p);
      } catch (...) {
        st = boundary_catch();
      }
#else
      st = serializer<T>::load(data, size, *p);
#endif
      if (st != ECS_OK) {
        p->~T(); /* the library expects dst unconstructed on error */
      }
      return st;
    } else {
      (void)dst;
      (void)data;
      (void)size;
      return ECS_ERR_UNSUPPORTED;
    }
  }
};

/* The definition of T for ecs_component_register(): hooks only where the
 * type needs them, so plain structs keep the memcpy paths. */
template <class T> ecs_component_desc_t make_desc() {
  ecs_component_desc_t d{};
  d.name = name_of<T>();
  if constexpr (is_tag_v<T>) {
    d.size = 0;
    d.alignment = 1;
  } else {
    d.size = sizeof(T);
    d.alignment = alignof(T);
    if constexpr (!std::is_trivially_default_constructible_v<T>) {
      d.hooks.ctor = &hooks<T>::ctor;
    }
    if constexpr (!std::is_trivially_destructible_v<T>) {
      d.hooks.dtor = &hooks<T>::dtor;
    }
    if constexpr (!std::is_trivially_copyable_v<T>) {
      d.hooks.move = &hooks<T>::move;
      d.hooks.copy = &hooks<T>::copy;
    }
    if constexpr (has_serializer<T>::value || !std::is_trivially_copyable_v<T>) {
      d.serialize = &hooks<T>::serialize;
      d.deserialize = &hooks<T>::deserialize;
    }
  }
  return d;
}

template <class T> const ecs_component_desc_t &desc_of() {
  static const ecs_component_desc_t desc = make_desc<T>();
  return desc;
}

/* The process-wide ecs_type_t of T (typed.h): name, size and the cache of
 * its id, shared with the C typed calls. */
template <class T> ecs_type_t &type_of() {
  static ecs_type_t type = [] {
    const ecs_component_desc_t &d = desc_of<T>();
    ecs_type_t t{};
    t.name = d.name;
    t.size = d.size;
    t.alignment = d.alignment;
    t.desc = &d;
    return t;
  }();
  return type;
}

/* Registers T in w (storage and flags per world); its id or 0. */
template <class T> ecs_component_t register_type(ecs_world_t *w, ecs_storage_kind_t storage, uint32_t flags) {
  check_component<T>();
  ecs_component_desc_t d = desc_of<T>();
  d.storage = storage;
  d.flags = flags;
  return ecs_component_register(w, &d);
}

/* T's id in w, or 0 (nothing recorded). */
template <class T> ecs_component_t lookup(const ecs_world_t *w) noexcept {
  return ecs_type_lookup(w, &type_of<T>());
}

/* T's id in w, registered with the defaults when w does not know it yet.
 * A name taken by another size is ECS_ERR_TYPE_MISMATCH; a registration
 * refused during a tick (which records nothing) is ECS_ERR_BUSY. */
template <class T> ecs_status_t ensure(ecs_world_t *w, ecs_component_t &out) {
  check_component<T>();
  out = lookup<T>(w);
  if (out != ECS_COMPONENT_NULL) {
    return ECS_OK;
  }
  if (!w) {
    return ECS_ERR_INVALID_ARGUMENT;
  }
  if (ecs_component_lookup(w, type_of<T>().name) != ECS_COMPONENT_NULL) {
    (void)ecs_type_id(w, &type_of<T>()); /* records the detail */
    return ECS_ERR_TYPE_MISMATCH;
  }
  /* Outside a tick this records ECS_ERR_UNKNOWN_COMPONENT, which a failed
   * registration then replaces; during a tick neither records anything. */
  (void)ecs_type_id(w, &type_of<T>());
  ecs_status_t before = ecs_last_status(w);
  out = register_type<T>(w, ECS_STORAGE_DEFAULT, 0);
  if (out != ECS_COMPONENT_NULL) {
    return ECS_OK;
  }
  ecs_status_t after = ecs_last_status(w);
  return after != before && after != ECS_OK ? after : ECS_ERR_BUSY;
}

/* ---- callables ------------------------------------------------------------ */

/* What the C++ layer keeps alive for the library: a callable behind a user
 * pointer, owned by the world or scheduler object that outlives its use. */
struct callable {
  virtual ~callable() = default;
};
using callables = std::vector<std::unique_ptr<callable>>;

/* The parameter and return types of a function object or function. */
template <class F> struct fn_traits : fn_traits<decltype(&F::operator())> {};
template <class R, class... A> struct fn_traits<R (*)(A...)> {
  using result = R;
  using args = type_list<A...>;
};
template <class R, class... A> struct fn_traits<R (*)(A...) noexcept> : fn_traits<R (*)(A...)> {};
template <class R, class... A> struct fn_traits<R(A...)> : fn_traits<R (*)(A...)> {};
template <class R, class C, class... A> struct fn_traits<R (C::*)(A...)> : fn_traits<R (*)(A...)> {};
template <class R, class C, class... A> struct fn_traits<R (C::*)(A...) const> : fn_traits<R (*)(A...)> {};
template <class R, class C, class... A> struct fn_traits<R (C::*)(A...) noexcept> : fn_traits<R (*)(A...)> {};
template <class R, class C, class... A> struct fn_traits<R (C::*)(A...) const noexcept> : fn_traits<R (*)(A...)> {};

template <class F> using args_of = typename fn_traits<std::remove_pointer_t<bare_t<F>>>::args;
template <class F> using result_of = typename fn_traits<std::remove_pointer_t<bare_t<F>>>::result;

} // namespace detail

/** The message of the last exception the C++ layer caught at the library's
 *  boundary on this thread (in a hook, an observer or a run condition; a
 *  system's is logged through its world). "" if none. */
inline const char *last_exception() noexcept {
  return detail::boundary().message;
}

} // namespace ecs

#endif /* ECS_CPP_CORE_HPP */
