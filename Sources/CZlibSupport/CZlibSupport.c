// zlib's init functions are macros (inflateInit2 → inflateInit2_ with the version and the
// struct size), which Swift does not import; these two wrappers are the whole use.
#include "CZlibSupport.h"
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

int cn_gzip_compress(const uint8_t *input, size_t length, int level, uint8_t **out, size_t *outLength) {
    z_stream s;
    memset(&s, 0, sizeof s);
    // The window and the hash table sized to the input: deflate's state is 2^(windowBits+2)
    // + 2^(memLevel+9) bytes, 256 KiB at the defaults (15, 8), which glibc hands back to the
    // kernel with madvise on every free — most of the cost of compressing a short message.
    // A window at least as long as the input finds every match a full one would; inflaters
    // accept any window (gzip does not even record it). +16: a gzip header and trailer.
    int windowBits = 9;
    while (windowBits < 15 && ((size_t)1 << windowBits) < length) windowBits++;
    int memLevel = windowBits - 7;
    if (memLevel > 8) memLevel = 8;
    if (deflateInit2(&s, level, Z_DEFLATED, windowBits + 16, memLevel, Z_DEFAULT_STRATEGY) != Z_OK) return CN_GZIP_NO_MEMORY;
    uLong bound = deflateBound(&s, (uLong)length);
    uint8_t *buffer = malloc(bound > 0 ? bound : 1);
    if (!buffer) { deflateEnd(&s); return CN_GZIP_NO_MEMORY; }
    s.next_in = (Bytef *)input;
    s.avail_in = (uInt)length;
    s.next_out = buffer;
    s.avail_out = (uInt)bound;
    int rc = deflate(&s, Z_FINISH);
    size_t produced = bound - s.avail_out;
    deflateEnd(&s);
    if (rc != Z_STREAM_END) { free(buffer); return CN_GZIP_NO_MEMORY; }
    *out = buffer;
    *outLength = produced;
    return CN_GZIP_OK;
}

int cn_gzip_decompress(const uint8_t *input, size_t length, size_t limit, uint8_t **out, size_t *outLength) {
    z_stream s;
    memset(&s, 0, sizeof s);
    if (inflateInit2(&s, 15 + 16) != Z_OK) return CN_GZIP_NO_MEMORY;
    // Grow the output as needed, never past limit + 1 bytes.
    size_t capacity = length * 4 + 256;
    if (capacity > limit + 1) capacity = limit + 1;
    uint8_t *buffer = malloc(capacity);
    if (!buffer) { inflateEnd(&s); return CN_GZIP_NO_MEMORY; }
    s.next_in = (Bytef *)input;
    s.avail_in = (uInt)length;
    size_t produced = 0;
    int rc;
    for (;;) {
        s.next_out = buffer + produced;
        s.avail_out = (uInt)(capacity - produced);
        rc = inflate(&s, Z_NO_FLUSH);
        produced = capacity - s.avail_out;
        if (rc == Z_STREAM_END) break;
        if (rc != Z_OK && rc != Z_BUF_ERROR) { free(buffer); inflateEnd(&s); return CN_GZIP_MALFORMED; }
        if (produced > limit) { free(buffer); inflateEnd(&s); return CN_GZIP_TOO_LARGE; }
        if (s.avail_out == 0) {
            size_t grown = capacity * 2;
            if (grown > limit + 1) grown = limit + 1;
            if (grown == capacity) { free(buffer); inflateEnd(&s); return CN_GZIP_TOO_LARGE; }
            uint8_t *bigger = realloc(buffer, grown);
            if (!bigger) { free(buffer); inflateEnd(&s); return CN_GZIP_NO_MEMORY; }
            buffer = bigger;
            capacity = grown;
        } else if (s.avail_in == 0) {
            // Input ended before the stream did: truncated.
            free(buffer); inflateEnd(&s); return CN_GZIP_MALFORMED;
        }
    }
    inflateEnd(&s);
    if (produced > limit) { free(buffer); return CN_GZIP_TOO_LARGE; }
    if (s.avail_in != 0) { free(buffer); return CN_GZIP_MALFORMED; }
    *out = buffer;
    *outLength = produced;
    return CN_GZIP_OK;
}
