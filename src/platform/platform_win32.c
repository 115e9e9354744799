/* The platform layer on Windows (Vista and later; MinGW-w64 or MSVC):
 * slim reader/writer locks and condition variables, _beginthreadex,
 * QueryPerformanceCounter, thread descriptions. <windows.h> is included
 * here only: platform.h gives the rest of the library storage of the right
 * size for an SRWLOCK and a CONDITION_VARIABLE. */
#ifndef WIN32_LEAN_AND_MEAN
#define WIN32_LEAN_AND_MEAN
#endif
#ifndef NOMINMAX
#define NOMINMAX
#endif
#if !defined(_WIN32_WINNT) || _WIN32_WINNT < 0x0601
#undef _WIN32_WINNT
#define _WIN32_WINNT 0x0601 /* Windows 7: GetActiveProcessorCount */
#endif
#include "platform/platform.h"

#include <windows.h>

#include <limits.h>
#include <process.h>
#include <stdio.h>
#include <string.h>

_Static_assert(sizeof(SRWLOCK) == sizeof(ecs__mutex_t), "ecs__mutex_t holds an SRWLOCK");
_Static_assert(sizeof(CONDITION_VARIABLE) == sizeof(ecs__cond_t), "ecs__cond_t holds a CONDITION_VARIABLE");

static SRWLOCK *srw(ecs__mutex_t *m) {
  return (SRWLOCK *)(void *)&m->opaque;
}

static CONDITION_VARIABLE *cv(ecs__cond_t *c) {
  return (CONDITION_VARIABLE *)(void *)&c->opaque;
}

bool ecs__mutex_init(ecs__mutex_t *m) {
  InitializeSRWLock(srw(m));
  return true;
}

void ecs__mutex_destroy(ecs__mutex_t *m) {
  (void)m; /* an SRWLOCK holds no resources */
}

void ecs__mutex_lock(ecs__mutex_t *m) {
  AcquireSRWLockExclusive(srw(m));
}

void ecs__mutex_unlock(ecs__mutex_t *m) {
  ReleaseSRWLockExclusive(srw(m));
}

bool ecs__cond_init(ecs__cond_t *c) {
  InitializeConditionVariable(cv(c));
  return true;
}

void ecs__cond_destroy(ecs__cond_t *c) {
  (void)c;
}

void ecs__cond_wait(ecs__cond_t *c, ecs__mutex_t *m) {
  SleepConditionVariableSRW(cv(c), srw(m), INFINITE, 0);
}

void ecs__cond_signal(ecs__cond_t *c) {
  WakeConditionVariable(cv(c));
}

void ecs__cond_broadcast(ecs__cond_t *c) {
  WakeAllConditionVariable(cv(c));
}

ecs__thread_id_t ecs__thread_self(void) {
  return (ecs__thread_id_t)GetCurrentThreadId();
}

static unsigned __stdcall thread_start(void *arg) {
  ecs__thread_t *t = arg;
  t->fn(t->arg);
  return 0;
}

bool ecs__thread_create(ecs__thread_t *t, ecs__thread_fn fn, void *arg) {
  t->fn = fn;
  t->arg = arg;
  /* _beginthreadex, not CreateThread: the C runtime sets up the thread */
  uintptr_t h = _beginthreadex(NULL, 0, thread_start, t, 0, NULL);
  t->handle = (void *)h;
  return h != 0;
}

void ecs__thread_join(ecs__thread_t *t) {
  WaitForSingleObject((HANDLE)t->handle, INFINITE);
  CloseHandle((HANDLE)t->handle);
  t->handle = NULL;
}

/* SetThreadDescription and GetThreadDescription exist from Windows 10 1607
 * on: looked up at run time, so that older systems (and import libraries
 * without them) still load the library. */
typedef HRESULT(WINAPI *set_description_fn)(HANDLE, PCWSTR);
typedef HRESULT(WINAPI *get_description_fn)(HANDLE, PWSTR *);

static void (*kernel32_proc(const char *name))(void) {
  HMODULE k32 = GetModuleHandleW(L"kernel32.dll");
  if (!k32) {
    return NULL;
  }
  /* through a generic function pointer: FARPROC to any other function
   * pointer type is how GetProcAddress is meant to be used */
  return (void (*)(void))GetProcAddress(k32, name);
}

void ecs__thread_set_name(const char *name) {
  set_description_fn set = (set_description_fn)kernel32_proc("SetThreadDescription");
  wchar_t wide[64];
  if (set && MultiByteToWideChar(CP_UTF8, 0, name, -1, wide, (int)(sizeof wide / sizeof wide[0])) > 0) {
    (void)set(GetCurrentThread(), wide);
  }
}

bool ecs__thread_get_name(char *buf, size_t size) {
  get_description_fn get = (get_description_fn)kernel32_proc("GetThreadDescription");
  PWSTR wide = NULL;
  if (!get || size == 0 || size > INT_MAX || FAILED(get(GetCurrentThread(), &wide)) || !wide) {
    return false;
  }
  int n = WideCharToMultiByte(CP_UTF8, 0, wide, -1, buf, (int)size, NULL, NULL);
  LocalFree(wide);
  return n > 0;
}

void ecs__sleep_ns(uint64_t ns) {
  uint64_t ms = (ns + 999999u) / 1000000u;
  Sleep(ms > 0xfffffffeu ? 0xfffffffeu : (DWORD)ms);
}

uint32_t ecs__cpu_count(void) {
  DWORD n = GetActiveProcessorCount(ALL_PROCESSOR_GROUPS);
  return n < 1 ? 1u : (uint32_t)n;
}

long ecs__process_id(void) {
  return (long)GetCurrentProcessId();
}

uint64_t ecs__now_ns(void) {
  LARGE_INTEGER count;
  LARGE_INTEGER freq;
  QueryPerformanceCounter(&count);
  QueryPerformanceFrequency(&freq);
  uint64_t c = (uint64_t)count.QuadPart;
  uint64_t f = (uint64_t)freq.QuadPart;
  /* whole seconds and the remainder apart: c * 1e9 would overflow after
   * a few hours at a 10 MHz frequency */
  return c / f * 1000000000u + c % f * 1000000000u / f;
}
