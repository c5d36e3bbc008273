// The fast PNG row reader (see fast_rows.h): chunks, ISA-L inflate, branch-free unfiltering.
// reference: the PNG specification (W3C, 2nd edition), sections 5 (chunks), 9 (filtering), 10 (compression)
#include "fast_rows.h"
#include "cpng.h"

#include <isa-l/igzip_lib.h>
#include <libdeflate.h>
#include <stdlib.h>
#include <string.h>

static uint32_t read_be32(const uint8_t *p) {
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

static void set_message(char *message, size_t capacity, const char *text) {
    if (capacity == 0) return;
    strncpy(message, text, capacity - 1);
    message[capacity - 1] = 0;
}

static const uint8_t signature[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

// The chunk at `pos`: 0 with its type and data when the 12 + length bytes are all there.
static int chunk_at(const uint8_t *data, size_t size, size_t pos, uint32_t *length, const uint8_t **type) {
    if (pos > size || size - pos < 12) return -1;
    *length = read_be32(data + pos);
    if (*length > 0x7fffffffu || size - pos - 12 < *length) return -1;
    *type = data + pos + 4;
    return 0;
}

static int crc_matches(const uint8_t *type, uint32_t length) {
    return (uint32_t)libdeflate_crc32(0, type, (size_t)length + 4) == read_be32(type + 4 + length);
}

int fast_rows_accepts(const uint8_t *data, size_t size, int keep_16) {
    uint32_t length;
    const uint8_t *type;
    if (size < 8 || memcmp(data, signature, 8) != 0) return 0;
    if (chunk_at(data, size, 8, &length, &type) != 0 || memcmp(type, "IHDR", 4) != 0 || length != 13) return 0;
    const uint8_t *ihdr = type + 4;
    uint32_t width = read_be32(ihdr), height = read_be32(ihdr + 4);
    int depth = ihdr[8], color = ihdr[9];
    if (width == 0 || height == 0 || width > 0x7fffffffu || height > 0x7fffffffu) return 0;
    if (ihdr[10] != 0 || ihdr[11] != 0 || ihdr[12] != 0) return 0;  // deflate, adaptive filtering, no interlace
    int layout = (color == 0 && depth == 8) || (color == 2 && depth == 8) || (color == 0 && depth == 16 && keep_16);
    if (!layout) return 0;
    // Up to the first IDAT: no palette or transparency (libpng turns those into other layouts).
    size_t pos = 8;
    while (chunk_at(data, size, pos, &length, &type) == 0) {
        if (memcmp(type, "IDAT", 4) == 0) return 1;
        if (memcmp(type, "PLTE", 4) == 0 || memcmp(type, "tRNS", 4) == 0 || memcmp(type, "IEND", 4) == 0) return 0;
        pos += 12 + (size_t)length;
    }
    return 0;
}

int cpng_fast_path(const uint8_t *data, size_t size, int keep_16) { return fast_rows_accepts(data, size, keep_16); }

struct fast_rows {
    const uint8_t *data;
    size_t size;
    size_t next_chunk;     // the chunk after the IDAT being inflated
    int idat_started;       // the first IDAT has been reached: every further chunk must be IDAT
    uint32_t width, height, rows_read;
    int channels, bit_depth, bpp;
    size_t filtered_bytes;  // per row, without the filter byte
    uint8_t *current;       // filter byte + row, then 8 spare bytes
    uint8_t *previous;      // the previous unfiltered row (zeros before the first)
    struct inflate_state inflater;
};

fast_rows *fast_rows_open(const uint8_t *data, size_t size, uint32_t *width, uint32_t *height,
                          int *channels, int *bit_depth) {
    const uint8_t *ihdr = data + 16;
    fast_rows *reader = (fast_rows *)calloc(1, sizeof *reader);
    if (reader == NULL) return NULL;
    reader->data = data;
    reader->size = size;
    reader->width = read_be32(ihdr);
    reader->height = read_be32(ihdr + 4);
    reader->bit_depth = ihdr[8];
    reader->channels = ihdr[9] == 2 ? 3 : 1;
    reader->bpp = reader->channels * reader->bit_depth / 8;
    reader->filtered_bytes = (size_t)reader->width * (size_t)reader->bpp;
    reader->current = (uint8_t *)malloc(reader->filtered_bytes + 1 + 8);
    reader->previous = (uint8_t *)calloc(reader->filtered_bytes + 8, 1);
    if (reader->current == NULL || reader->previous == NULL) {
        fast_rows_close(reader);
        return NULL;
    }
    reader->next_chunk = 8;
    isal_inflate_init(&reader->inflater);
    reader->inflater.crc_flag = ISAL_ZLIB;
    reader->inflater.avail_in = 0;
    *width = reader->width;
    *height = reader->height;
    *channels = reader->channels;
    *bit_depth = reader->bit_depth;
    return reader;
}

// The chunk at reader->next_chunk, whole and with a matching CRC (not consumed): 0, or -1 with a
// message, `truncated` when the file ends first.
static int checked_chunk(const fast_rows *reader, uint32_t *length, const uint8_t **type, const char *truncated,
                         char *message, size_t capacity) {
    if (chunk_at(reader->data, reader->size, reader->next_chunk, length, type) != 0) {
        set_message(message, capacity, truncated);
        return -1;
    }
    if (!crc_matches(*type, *length)) {
        set_message(message, capacity, "CRC error");
        return -1;
    }
    return 0;
}

// Moves the inflater's input to the next IDAT's data: 0, 1 when the image data has ended (the
// next chunk is not an IDAT; it is left for fast_rows_finish), or -1 (a bad CRC, a truncated
// chunk, or no IDAT at all) with a message.
static int next_idat(fast_rows *reader, char *message, size_t capacity) {
    uint32_t length;
    const uint8_t *type;
    for (;;) {
        if (checked_chunk(reader, &length, &type, "truncated PNG (image data cut short)", message, capacity) != 0) return -1;
        int is_idat = memcmp(type, "IDAT", 4) == 0;
        if (!is_idat && reader->idat_started) return 1;
        if (!is_idat && memcmp(type, "IEND", 4) == 0) {
            set_message(message, capacity, "no image data");
            return -1;
        }
        reader->next_chunk += 12 + (size_t)length;
        if (is_idat) {
            reader->idat_started = 1;
            reader->inflater.next_in = (uint8_t *)(type + 4);
            reader->inflater.avail_in = length;
            return 0;
        }
        // An ancillary chunk before the first IDAT: skipped.
    }
}

int fast_rows_read(fast_rows *reader, uint8_t *row, char *message, size_t capacity) {
    if (reader->rows_read >= reader->height) {
        set_message(message, capacity, "read past the last row");
        return -1;
    }
    struct inflate_state *inflater = &reader->inflater;
    inflater->next_out = reader->current;
    inflater->avail_out = (uint32_t)(reader->filtered_bytes + 1);
    while (inflater->avail_out > 0) {
        int input_ended = 0;
        if (inflater->avail_in == 0) {
            int found = next_idat(reader, message, capacity);
            if (found < 0) return -1;
            input_ended = found == 1;
        }
        uint32_t before = inflater->avail_out;
        int status = isal_inflate(inflater);
        if (status < 0 && status != ISAL_INCORRECT_CHECKSUM) {
            set_message(message, capacity, "bad compressed image data");
            return -1;
        }
        // The deflate stream or the IDATs ended before this row did (the inflater may still
        // hold output after its input is gone, hence the check for progress).
        if (inflater->avail_out > 0 &&
            (inflater->block_state == ISAL_BLOCK_FINISH || (input_ended && inflater->avail_out == before))) {
            set_message(message, capacity, "not enough image data");
            return -1;
        }
    }
    if (cpng_unfilter_row(reader->current[0], reader->current + 1, reader->previous, reader->filtered_bytes,
                          reader->bpp) != 0) {
        set_message(message, capacity, "bad adaptive filter value");
        return -1;
    }
    memcpy(reader->previous, reader->current + 1, reader->filtered_bytes);
    if (reader->bit_depth == 16) {  // big-endian in the file, native byte order out
        const uint8_t *in = reader->current + 1;
        for (size_t i = 0; i < reader->filtered_bytes; i += 2) {
            uint16_t value = (uint16_t)(in[i] << 8 | in[i + 1]);
            memcpy(row + i, &value, 2);
        }
    } else {
        memcpy(row, reader->current + 1, reader->filtered_bytes);
    }
    reader->rows_read++;
    return 0;
}

uint32_t fast_rows_rows_left(const fast_rows *reader) { return reader->height - reader->rows_read; }

int fast_rows_finish(fast_rows *reader, char *message, size_t capacity) {
    uint32_t length;
    const uint8_t *type;
    for (;;) {
        if (checked_chunk(reader, &length, &type, "truncated PNG (no IEND)", message, capacity) != 0) return -1;
        reader->next_chunk += 12 + (size_t)length;
        if (memcmp(type, "IEND", 4) == 0) return 0;
    }
}

void fast_rows_close(fast_rows *reader) {
    if (reader == NULL) return;
    free(reader->current);
    free(reader->previous);
    free(reader);
}

// ---- unfiltering ----
//
// Sub, Average and Paeth depend on the pixel to the left, so each pixel waits for the one before
// it: the code keeps that pixel in registers (never storing and reloading it), and the Paeth
// choice is made with comparisons and masks, not branches (a photo's predictions are random).

// The Paeth predictor without branches: a (left), b (up), c (up-left).
static inline int paeth(int a, int b, int c) {
    int pa = abs(b - c), pb = abs(a - c), pc = abs(a + b - 2 * c);
    int by_b_or_c = pb <= pc ? b : c;
    return ((pa <= pb) & (pa <= pc)) ? a : by_b_or_c;
}

// Scalar, for any bpp: left pixels in a small array the compiler keeps in registers for a
// constant bpp.
static inline __attribute__((always_inline)) void unfilter_scalar(int filter, uint8_t *row, const uint8_t *up,
                                                                     size_t length, const int bpp) {
    size_t i;
    switch (filter) {
    case 1:  // Sub
        for (i = bpp; i < length; i++) row[i] = (uint8_t)(row[i] + row[i - bpp]);
        break;
    case 2:  // Up
        for (i = 0; i < length; i++) row[i] = (uint8_t)(row[i] + up[i]);
        break;
    case 3: {  // Average
        int left[8] = {0};
        for (i = 0; i + bpp <= length; i += bpp) {
            for (int k = 0; k < bpp; k++) {
                left[k] = (row[i + k] + ((left[k] + up[i + k]) >> 1)) & 0xff;
                row[i + k] = (uint8_t)left[k];
            }
        }
        break;
    }
    case 4: {  // Paeth
        int left[8] = {0}, upLeft[8] = {0};
        for (i = 0; i + bpp <= length; i += bpp) {
            for (int k = 0; k < bpp; k++) {
                int b = up[i + k];
                left[k] = (row[i + k] + paeth(left[k], b, upLeft[k])) & 0xff;
                upLeft[k] = b;
                row[i + k] = (uint8_t)left[k];
            }
        }
        break;
    }
    default:
        break;
    }
}

#if defined(__SSE2__)
#include <emmintrin.h>

static inline __m128i load_pixel(const uint8_t *p) {  // 4 bytes as 16-bit lanes
    uint32_t word;
    memcpy(&word, p, 4);
    return _mm_unpacklo_epi8(_mm_cvtsi32_si128((int)word), _mm_setzero_si128());
}

// Stores the first `bpp` lanes as bytes. Exactly bpp: a wider store would overlap the next
// pixel's load, which then waits for the store to complete instead of taking its value.
static inline void store_pixel(uint8_t *p, __m128i lanes, int bpp) {
    uint32_t word = (uint32_t)_mm_cvtsi128_si32(_mm_packus_epi16(lanes, lanes));
    memcpy(p, &word, bpp == 3 ? 3 : 4);
}

static inline __m128i abs16(__m128i x) { return _mm_max_epi16(x, _mm_sub_epi16(_mm_setzero_si128(), x)); }

// Sub, Average or Paeth for 3- or 4-byte pixels, one pixel per step in 16-bit lanes. Loads 4
// bytes (for 3-byte pixels the fourth lane is computed and dropped) and stores bpp. Stops before a pixel
// whose 4 bytes would pass the end; returns where it stopped (the caller finishes the row).
static size_t unfilter_sse2(int filter, uint8_t *row, const uint8_t *up, size_t length, int bpp,
                            int left[8], int upLeft[8]) {
    const __m128i low = _mm_set1_epi16(0xff);
    __m128i a = _mm_setzero_si128(), c = _mm_setzero_si128();
    size_t i = 0;
    for (; i + 4 <= length; i += (size_t)bpp) {
        __m128i x = load_pixel(row + i), prediction;
        if (filter == 1) {
            prediction = a;
        } else if (filter == 3) {
            prediction = _mm_srli_epi16(_mm_add_epi16(a, load_pixel(up + i)), 1);
        } else {
            __m128i b = load_pixel(up + i);
            __m128i bc = _mm_sub_epi16(b, c), ac = _mm_sub_epi16(a, c);
            __m128i pa = abs16(bc), pb = abs16(ac), pc = abs16(_mm_add_epi16(bc, ac));
            __m128i b_over_c = _mm_cmpgt_epi16(pb, pc);  // pb > pc: c, else b
            __m128i by_b_or_c = _mm_or_si128(_mm_andnot_si128(b_over_c, b), _mm_and_si128(b_over_c, c));
            __m128i not_a = _mm_or_si128(_mm_cmpgt_epi16(pa, pb), _mm_cmpgt_epi16(pa, pc));
            prediction = _mm_or_si128(_mm_andnot_si128(not_a, a), _mm_and_si128(not_a, by_b_or_c));
            c = b;
        }
        a = _mm_and_si128(_mm_add_epi16(x, prediction), low);  // lanes are independent; the 4th of 3 is never stored
        store_pixel(row + i, a, bpp);
    }
    // Hand the last pixel's state to the scalar tail.
    int16_t lanes[8], upLanes[8];
    _mm_storeu_si128((__m128i *)lanes, a);
    _mm_storeu_si128((__m128i *)upLanes, c);
    for (int k = 0; k < bpp; k++) {
        left[k] = lanes[k];
        upLeft[k] = upLanes[k];
    }
    return i;
}
#endif

static inline __attribute__((always_inline)) void unfilter(int filter, uint8_t *row, const uint8_t *up,
                                                              size_t length, const int bpp) {
#if defined(__SSE2__)
    if ((bpp == 3 || bpp == 4) && filter != 2 && length >= 4) {
        int left[8] = {0}, upLeft[8] = {0};
        size_t i = unfilter_sse2(filter, row, up, length, bpp, left, upLeft);
        // At most one pixel left (3-byte pixels: the last, whose 4-byte load would pass the end).
        for (; i + bpp <= length; i += bpp) {
            for (int k = 0; k < bpp; k++) {
                int b = up[i + k], prediction;
                if (filter == 1) prediction = left[k];
                else if (filter == 3) prediction = (left[k] + b) >> 1;
                else prediction = paeth(left[k], b, upLeft[k]);
                left[k] = (row[i + k] + prediction) & 0xff;
                upLeft[k] = b;
                row[i + k] = (uint8_t)left[k];
            }
        }
        return;
    }
#endif
    unfilter_scalar(filter, row, up, length, bpp);
}

int cpng_unfilter_row(int filter, uint8_t *row, const uint8_t *previous, size_t length, int bpp) {
    if (filter < 0 || filter > 4) return -1;
    if (filter == 0) return 0;
    switch (bpp) {
    case 1: unfilter(filter, row, previous, length, 1); break;
    case 2: unfilter(filter, row, previous, length, 2); break;
    case 3: unfilter(filter, row, previous, length, 3); break;
    case 4: unfilter(filter, row, previous, length, 4); break;
    case 6: unfilter(filter, row, previous, length, 6); break;
    case 8: unfilter(filter, row, previous, length, 8); break;
    default: return -1;
    }
    return 0;
}
