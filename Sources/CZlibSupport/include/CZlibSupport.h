#ifndef CZLIBSUPPORT_H
#define CZLIBSUPPORT_H

#include <stddef.h>
#include <stdint.h>

// Results of the gzip helpers.
#define CN_GZIP_OK 0
/// The stream inflates to more than the limit; inflation stopped at the limit.
#define CN_GZIP_TOO_LARGE 1
/// Not a complete gzip stream (bad header, bad data, bad checksum, truncated, or bytes
/// after the end).
#define CN_GZIP_MALFORMED 2
/// Out of memory.
#define CN_GZIP_NO_MEMORY 3

/// Compresses `length` bytes into one gzip member. On success `*out` is a malloc'd buffer
/// of `*outLength` bytes that the caller frees.
int cn_gzip_compress(const uint8_t *input, size_t length, int level, uint8_t **out, size_t *outLength);

/// Inflates one gzip member, producing at most `limit` bytes: a larger stream is refused
/// with CN_GZIP_TOO_LARGE as soon as it passes the limit (a gzip bomb never expands in
/// memory). On success `*out` is a malloc'd buffer of `*outLength` bytes to free.
int cn_gzip_decompress(const uint8_t *input, size_t length, size_t limit, uint8_t **out, size_t *outLength);

#endif
