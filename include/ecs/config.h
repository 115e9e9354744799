/** @file ecs/config.h
 *  Build-wide macros shared by every public header: export marker, C/C++
 *  guards, alignment helper and the library version.
 *
 *  Thread-safety rule for the whole API (stated once, as libuv does):
 *  a function is NOT thread-safe unless its comment says otherwise. */
#ifndef ECS_CONFIG_H
#define ECS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** The version of these headers (ecs_version() and ecs_version_number()
 *  give the library's). MINOR and PATCH stay below 100. */
#define ECS_VERSION_MAJOR 1
#define ECS_VERSION_MINOR 0
#define ECS_VERSION_PATCH 0

/** ECS_VERSION_NUMBER(1, 2, 3) is 10203: MAJOR * 10000 + MINOR * 100 + PATCH. */
#define ECS_VERSION_NUMBER(major, minor, patch) (10000 * (major) + 100 * (minor) + (patch))

/** The version of these headers as one number (10000 for 1.0.0), for
 *  `#if ECS_VERSION >= 10200`. */
#define ECS_VERSION ECS_VERSION_NUMBER(ECS_VERSION_MAJOR, ECS_VERSION_MINOR, ECS_VERSION_PATCH)

/** True when these headers are version @p major.@p minor.@p patch or later:
 *  `#if ECS_VERSION_AT_LEAST(1, 2, 0)`. */
#define ECS_VERSION_AT_LEAST(major, minor, patch) (ECS_VERSION >= ECS_VERSION_NUMBER(major, minor, patch))

/** ECS_API marks every public declaration. The library is compiled with
 *  hidden visibility, so nothing without it is ever exported, and what
 *  ECS_API means depends on how libecs is built and used:
 *  - ECS_EXPORTS, defined while compiling a shared libecs (and a static one
 *    with the CMake option ECS_STATIC_EXPORTS): the declaration is exported,
 *    default visibility (__declspec(dllexport) on Windows).
 *  - ECS_STATIC, defined while compiling a static libecs and for its users
 *    (the CMake target and the pkg-config file of a static build pass it
 *    on): nothing, so the archive's ecs_* symbols are hidden and a shared
 *    object that links libecs.a exports none of them.
 *  - neither, a user of the shared library: nothing
 *    (__declspec(dllimport) on Windows).
 *  A host may define ECS_API itself before including any libecs header. */
#ifndef ECS_API
#if defined(ECS_EXPORTS)
#if defined(_WIN32) || defined(__CYGWIN__)
#define ECS_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define ECS_API __attribute__((visibility("default")))
#else
#define ECS_API
#endif
#elif defined(ECS_STATIC)
#define ECS_API
#elif defined(_WIN32) || defined(__CYGWIN__)
#define ECS_API __declspec(dllimport)
#else
#define ECS_API
#endif
#endif

/** ECS_EXTERN_C_BEGIN / ECS_EXTERN_C_END wrap each header's declarations in
 *  extern "C" for C++. ECS_ALIGNOF(T) is the alignment of type T in C and
 *  C++ (a constant expression; variadic, so that a C++ type with a comma
 *  such as std::pair<int, int> passes whole). ECS_CAST(T, x) converts @p x
 *  to @p T: a static_cast in C++ (so that macros expanded in a host's C++
 *  code raise no -Wold-style-cast), a plain cast in C. */
#ifdef __cplusplus
#define ECS_EXTERN_C_BEGIN extern "C" {
#define ECS_EXTERN_C_END }
#define ECS_ALIGNOF(...) alignof(__VA_ARGS__)
#define ECS_CAST(T, x) static_cast<T>(x)
#else
#define ECS_EXTERN_C_BEGIN
#define ECS_EXTERN_C_END
#define ECS_ALIGNOF(...) _Alignof(__VA_ARGS__)
#define ECS_CAST(T, x) ((T)(x))
#endif

#endif /* ECS_CONFIG_H */
