/* CRC-32 as zlib computes it: crc32(0, "123456789", 9) == 0xcbf43926.
 * Chain calls by passing the previous result. */
#ifndef ECS_UTIL_CRC32_H
#define ECS_UTIL_CRC32_H

#include <stddef.h>
#include <stdint.h>

uint32_t ecs__crc32(uint32_t crc, const void *data, size_t size);

/* The CRC of A followed by B from the CRCs of A and B (each computed from 0)
 * and the length of B, without the bytes: O(log len_b). */
uint32_t ecs__crc32_combine(uint32_t crc_a, uint32_t crc_b, uint64_t len_b);

#endif /* ECS_UTIL_CRC32_H */
