// The fast row reader behind cpng_stream_*: PNG chunks parsed here, IDAT inflated with ISA-L's
// igzip (about 2.7x zlib's speed on photographs) and rows unfiltered with branch-free code, for
// the layouts a dataset's photos and depth maps come in. Everything else goes through libpng.
// Internal to CPNG (shim.c is the only caller).
#ifndef CPNG_FAST_ROWS_H
#define CPNG_FAST_ROWS_H

#include <stddef.h>
#include <stdint.h>

typedef struct fast_rows fast_rows;

// 1 when the fast reader takes this file with this keep_16: a valid signature and IHDR, 8-bit
// gray or RGB or (keep_16 only) 16-bit gray, not interlaced, and no PLTE or tRNS before the
// first IDAT. Checks nothing else (CRCs and the image data are checked while reading).
int fast_rows_accepts(const uint8_t *data, size_t size, int keep_16);

// Starts reading (the caller has checked fast_rows_accepts). NULL when out of memory.
fast_rows *fast_rows_open(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          int *channels, int *bit_depth);

// Reads the next row into `row` (width * channels * bit_depth / 8 bytes; 16-bit samples in
// native byte order). 0 on success, else -1 with a message.
int fast_rows_read(fast_rows *reader, uint8_t *row, char *message, size_t message_capacity);

// Rows not read yet.
uint32_t fast_rows_rows_left(const fast_rows *reader);

// After the last row: checks the chunks up to IEND (CRCs, nothing missing). 0 or -1.
int fast_rows_finish(fast_rows *reader, char *message, size_t message_capacity);

void fast_rows_close(fast_rows *reader);

// The unfiltering is cpng_unfilter_row (cpng.h, where the tests reach it).

#endif
