/* Not compiled: the fixture the platform_calls_confined check must reject
 * (ctest platform_calls_confined_catches_one). */
#include <pthread.h>

static void fixture(void) {
  pthread_t self = pthread_self();
  (void)self;
}
