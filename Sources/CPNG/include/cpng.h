// CPNG: a small C shim over libpng for Swift.
//
// libpng reports errors with setjmp/longjmp, which Swift cannot take part in. Every
// setjmp/longjmp stays inside shim.c: each function returns a CPNG_* status and, on
// failure, writes libpng's one-line message into the caller's `message` buffer.
// Warnings are silenced. All input is read from memory; all output goes to memory
// allocated with malloc and released with cpng_free.
#ifndef CPNG_H
#define CPNG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CPNG_OK = 0,
    CPNG_ERR_CORRUPT = 1,    // libpng refused the data (bad signature, CRC, truncation, ...)
    CPNG_ERR_TOO_LARGE = 2,  // header says width*height > max_pixels; nothing was decoded
    CPNG_ERR_NO_MEMORY = 3,  // malloc failed
    CPNG_ERR_ENCODE = 4,     // encoder failure (bad arguments or libpng error)
};

// Row filter masks and zlib strategies for cpng_encode: libpng's PNG_FILTER_* and zlib's Z_*
// values, repeated here so that Swift needs neither png.h nor zlib.h (shim.c checks them).
enum {
    CPNG_FILTER_NONE = 0x08,
    CPNG_FILTER_SUB = 0x10,
    CPNG_FILTER_UP = 0x20,
    CPNG_FILTER_AVG = 0x40,
    CPNG_FILTER_PAETH = 0x80,
    CPNG_DEFAULT = -1,              // filters or strategy: leave libpng's default
    CPNG_STRATEGY_DEFAULT = 0,      // Z_DEFAULT_STRATEGY
    CPNG_STRATEGY_FILTERED = 1,     // Z_FILTERED
    CPNG_STRATEGY_RLE = 3,          // Z_RLE: matches of distance 1 only (runs)
};

// What the PNG header (IHDR) says.
typedef struct {
    uint32_t width;
    uint32_t height;
    int bit_depth;   // 1, 2, 4, 8 or 16 as stored
    int color_type;  // PNG_COLOR_TYPE_* as stored
    int interlaced;  // 1 for Adam7
} cpng_header;

// Decoded pixels: 8- or 16-bit samples, interleaved, row-major. Sixteen-bit samples are
// stored in native byte order as uint16_t.
typedef struct {
    uint32_t width;
    uint32_t height;
    int channels;      // 1 gray, 2 gray+alpha, 3 RGB, 4 RGBA
    int bit_depth;     // 8 or 16
    size_t row_bytes;  // bytes of one output row (width * channels * bit_depth / 8)
} cpng_plan;

// Reads only the signature and IHDR.
int cpng_read_header(const uint8_t *data, size_t size, cpng_header *header,
                     char *message, size_t message_capacity);

// Decoding is two calls, so that the caller can own the pixel memory: cpng_plan_decode reads
// the chunks before the image and says what the output will be; cpng_decode_into decodes into
// the caller's buffer of at least plan.row_bytes * plan.height bytes. Palette images become
// RGB; gray below 8 bits becomes 8-bit gray; tRNS becomes an alpha channel. If keep_16 is 0,
// 16-bit samples are reduced to 8 bits with png_set_scale_16 (rounding, v*255/65535), else they
// stay 16-bit (native byte order). Both refuse with CPNG_ERR_TOO_LARGE (header filled in) when
// width*height > max_pixels, before any pixel work.
int cpng_plan_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                     cpng_header *header, cpng_plan *plan, char *message, size_t message_capacity);
int cpng_decode_into(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                     void *pixels, size_t capacity, cpng_header *header, cpng_plan *plan,
                     char *message, size_t message_capacity);

// Row by row: the decode of cpng_decode_into (same transforms, same plan) handed out a few
// rows at a time, so that the caller never holds the whole picture. Non-interlaced images only
// (CPNG_ERR_CORRUPT with the message "interlaced" otherwise: decode those whole). `data` must
// stay valid until cpng_stream_finish or cpng_stream_close. Any error destroys the decoder;
// later calls then fail, and cpng_stream_close is still needed (and safe).
typedef struct cpng_stream cpng_stream;
int cpng_stream_open(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                     cpng_stream **stream, cpng_header *header, cpng_plan *plan,
                     char *message, size_t message_capacity);
// Reads the next `count` rows into `rows` (count * plan.row_bytes bytes).
int cpng_stream_read(cpng_stream *stream, void *rows, uint32_t count, char *message, size_t message_capacity);
// Reads and drops the rows not read yet, then the chunks after the image (CRCs, IEND), as
// cpng_decode_into does. Does not release the stream: call cpng_stream_close.
int cpng_stream_finish(cpng_stream *stream, char *message, size_t message_capacity);
void cpng_stream_close(cpng_stream *stream);

// Reverses one row's PNG filter in place (the fast reader's code, exposed for the tests):
// `row` holds `length` filtered bytes (a multiple of bpp), `previous` the previous row unfiltered
// (all zero for the first row), `bpp` the bytes per complete pixel (1, 2, 3, 4, 6 or 8). 0, or -1
// for a filter type above 4 or another bpp.
int cpng_unfilter_row(int filter, uint8_t *row, const uint8_t *previous, size_t length, int bpp);

// 1 when cpng_stream_open reads this file with the fast reader (ISA-L inflate, own unfiltering:
// 8-bit gray or RGB, or 16-bit gray with keep_16; not interlaced; no PLTE or tRNS), 0 when it
// goes through libpng. Both give the same rows; a file the fast reader finds corrupt fails with
// libpng's message.
int cpng_fast_path(const uint8_t *data, size_t size, int keep_16);

// Encodes gray (channels 1) or RGB (channels 3) at bit depth 8, or gray at bit depth 16
// (samples as native uint16_t). compression_level 0...9. filters: a non-zero mask of
// CPNG_FILTER_* (libpng picks per row among several), or CPNG_DEFAULT for libpng's default
// (all five for these layouts). strategy: CPNG_STRATEGY_*, or CPNG_DEFAULT for libpng's
// (Z_FILTERED when rows may be filtered, else Z_DEFAULT_STRATEGY). On success *out/*out_size hold a malloc'd buffer to release with
// cpng_free. Output is deterministic for a given libpng and zlib.
int cpng_encode(const void *pixels, uint32_t width, uint32_t height, int channels,
                int bit_depth, int compression_level, int filters, int strategy,
                uint8_t **out, size_t *out_size, char *message, size_t message_capacity);

void cpng_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
