/* A watchdog for tests that would hang on a regression: on POSIX the
 * process gets SIGALRM (a failure) after the given seconds; 0 cancels.
 * Where there is no alarm() (Windows), it does nothing and ctest's own
 * timeout catches a hang instead. Include before any system header is
 * fine: it needs only <unistd.h> on POSIX. */
#ifndef ECS_TEST_WATCHDOG_H
#define ECS_TEST_WATCHDOG_H

#if defined(_WIN32)
static inline void test_watchdog(unsigned seconds) {
  (void)seconds;
}
#else
#include <unistd.h>
static inline void test_watchdog(unsigned seconds) {
  (void)alarm(seconds);
}
#endif

#endif /* ECS_TEST_WATCHDOG_H */
