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

/** The version of these headers (ecs_version() gives the library's). */
#define ECS_VERSION_MAJOR 1
#define ECS_VERSION_MINOR 0
#define ECS_VERSION_PATCH 0

/** ECS_API marks every exported declaration; the library is built with
 *  hidden visibility, so nothing else is exported. */
#if defined(_WIN32) && defined(ECS_SHARED)
#define ECS_API __declspec(dllexport)
#elif defined(__GNUC__) || defined(__clang__)
#define ECS_API __attribute__((visibility("default")))
#else
#define ECS_API
#endif

/** ECS_EXTERN_C_BEGIN / ECS_EXTERN_C_END wrap each header's declarations in
 *  extern "C" for C++. ECS_ALIGNOF(T) is the alignment of type T in C and
 *  C++ (a constant expression). */
#ifdef __cplusplus
#define ECS_EXTERN_C_BEGIN extern "C" {
#define ECS_EXTERN_C_END }
#define ECS_ALIGNOF(T) alignof(T)
#else
#define ECS_EXTERN_C_BEGIN
#define ECS_EXTERN_C_END
#define ECS_ALIGNOF(T) _Alignof(T)
#endif

#endif /* ECS_CONFIG_H */
