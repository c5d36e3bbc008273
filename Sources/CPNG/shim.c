// CPNG shim: libpng from and to memory, with every setjmp/longjmp kept in this file.
// reference: libpng manual (libpng-manual.txt), sections "Setting up error handling",
// "Customizing input/output", "Input transformations".
#include "cpng.h"
#include "fast_rows.h"

#include <png.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

_Static_assert(CPNG_FILTER_NONE == PNG_FILTER_NONE && CPNG_FILTER_SUB == PNG_FILTER_SUB &&
               CPNG_FILTER_UP == PNG_FILTER_UP && CPNG_FILTER_AVG == PNG_FILTER_AVG &&
               CPNG_FILTER_PAETH == PNG_FILTER_PAETH, "libpng filter masks");
_Static_assert(CPNG_STRATEGY_DEFAULT == Z_DEFAULT_STRATEGY && CPNG_STRATEGY_FILTERED == Z_FILTERED &&
               CPNG_STRATEGY_RLE == Z_RLE, "zlib strategies");

// Where libpng's error callback leaves its message.
typedef struct {
    char *message;
    size_t capacity;
} error_sink;

static void copy_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    strncpy(message, text ? text : "unknown error", capacity - 1);
    message[capacity - 1] = '\0';
}

// libpng error callback: keep the message, then unwind to the setjmp in the caller.
static void on_error(png_structp png, png_const_charp text) {
    error_sink *sink = (error_sink *)png_get_error_ptr(png);
    if (sink) copy_message(sink->message, sink->capacity, text);
    png_longjmp(png, 1);
}

// Warnings (unknown chunks, bad ancillary data, sRGB profile notes, ...) are dropped.
static void on_warning(png_structp png, png_const_charp text) {
    (void)png;
    (void)text;
}

// ---- reading from memory ----

typedef struct {
    const uint8_t *data;
    size_t size;
    size_t position;
} memory_reader;

static void read_from_memory(png_structp png, png_bytep out, png_size_t length) {
    memory_reader *reader = (memory_reader *)png_get_io_ptr(png);
    if (length > reader->size - reader->position) {
        png_error(png, "unexpected end of data (truncated file)");
    }
    memcpy(out, reader->data + reader->position, length);
    reader->position += length;
}

static int is_little_endian(void) {
    const uint16_t one = 1;
    return *(const uint8_t *)&one == 1;
}

static void fill_header(png_structp png, png_infop info, cpng_header *header) {
    header->width = png_get_image_width(png, info);
    header->height = png_get_image_height(png, info);
    header->bit_depth = png_get_bit_depth(png, info);
    header->color_type = png_get_color_type(png, info);
    header->interlaced = png_get_interlace_type(png, info) == PNG_INTERLACE_ADAM7;
}

int cpng_read_header(const uint8_t *data, size_t size, cpng_header *header,
                     char *message, size_t message_capacity) {
    error_sink sink = {message, message_capacity};
    memory_reader reader = {data, size, 0};
    copy_message(message, message_capacity, "");
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        copy_message(message, message_capacity, "not a PNG signature");
        return CPNG_ERR_CORRUPT;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (png == NULL) return CPNG_ERR_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return CPNG_ERR_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_ERR_CORRUPT;
    }
    png_set_read_fn(png, &reader, read_from_memory);
    png_read_info(png, info);  // reads up to the first IDAT
    fill_header(png, info, header);
    png_destroy_read_struct(&png, &info, NULL);
    return CPNG_OK;
}

// Creates the read structs and reads the chunks before the first IDAT. Returns CPNG_OK or an
// error (nothing to clean up then). Errors after this must go through the caller's setjmp.
static int open_reader(const uint8_t *data, size_t size, error_sink *sink, memory_reader *reader,
                       png_structp *png_out, png_infop *info_out, char *message, size_t message_capacity) {
    if (size < 8 || png_sig_cmp(data, 0, 8) != 0) {
        copy_message(message, message_capacity, "not a PNG signature");
        return CPNG_ERR_CORRUPT;
    }
    png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, sink, on_error, on_warning);
    if (png == NULL) return CPNG_ERR_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_read_struct(&png, NULL, NULL);
        return CPNG_ERR_NO_MEMORY;
    }
    png_set_read_fn(png, reader, read_from_memory);
    // A CRC error in any chunk, critical or ancillary, is an error (default: ancillary = warn).
    png_set_crc_action(png, PNG_CRC_ERROR_QUIT, PNG_CRC_ERROR_QUIT);
#if defined(PNG_SET_OPTION_SUPPORTED) && defined(PNG_IGNORE_ADLER32)
    // The chunk CRCs above already cover every IDAT byte; zlib's Adler-32 of the inflated data
    // repeats that check at a cost (about 5% of a PNG decode), so it is skipped.
    (void)png_set_option(png, PNG_IGNORE_ADLER32, PNG_OPTION_ON);
#endif
    *png_out = png;
    *info_out = info;
    return CPNG_OK;
}

// Reads the header chunks and sets the transforms: 8- or 16-bit gray, gray+alpha, RGB or
// RGBA out. Longjmps on a corrupt file. Returns CPNG_ERR_TOO_LARGE (header filled in) before
// any pixel work when width*height > max_pixels.
static int prepare_decode(png_structp png, png_infop info, uint64_t max_pixels, int keep_16,
                          cpng_header *header, cpng_plan *plan) {
    png_read_info(png, info);
    fill_header(png, info, header);
    if ((uint64_t)header->width * (uint64_t)header->height > max_pixels) return CPNG_ERR_TOO_LARGE;

    const int color_type = header->color_type;
    if (color_type == PNG_COLOR_TYPE_PALETTE) png_set_palette_to_rgb(png);
    if (color_type == PNG_COLOR_TYPE_GRAY && header->bit_depth < 8) png_set_expand_gray_1_2_4_to_8(png);
    if (png_get_valid(png, info, PNG_INFO_tRNS)) png_set_tRNS_to_alpha(png);
    if (header->bit_depth == 16) {
        if (keep_16) {
            if (is_little_endian()) png_set_swap(png);  // PNG is big-endian; hand out native uint16_t
        } else {
            png_set_scale_16(png);  // round(v * 255 / 65535), not png_set_strip_16's v >> 8
        }
    }
    (void)png_set_interlace_handling(png);  // de-interlace Adam7 inside png_read_image
    png_read_update_info(png, info);
    plan->width = header->width;
    plan->height = header->height;
    plan->channels = png_get_channels(png, info);
    plan->bit_depth = png_get_bit_depth(png, info);
    plan->row_bytes = png_get_rowbytes(png, info);
    return CPNG_OK;
}

int cpng_plan_decode(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                     cpng_header *header, cpng_plan *plan, char *message, size_t message_capacity) {
    error_sink sink = {message, message_capacity};
    memory_reader reader = {data, size, 0};
    png_structp png = NULL;
    png_infop info = NULL;
    memset(plan, 0, sizeof *plan);
    copy_message(message, message_capacity, "");
    int status = open_reader(data, size, &sink, &reader, &png, &info, message, message_capacity);
    if (status != CPNG_OK) return status;
    if (setjmp(png_jmpbuf(png))) {
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_ERR_CORRUPT;
    }
    status = prepare_decode(png, info, max_pixels, keep_16, header, plan);
    png_destroy_read_struct(&png, &info, NULL);
    return status;
}

int cpng_decode_into(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                     void *pixels, size_t capacity, cpng_header *header, cpng_plan *plan,
                     char *message, size_t message_capacity) {
    error_sink sink = {message, message_capacity};
    memory_reader reader = {data, size, 0};
    png_structp png = NULL;
    png_infop info = NULL;
    // volatile: set after setjmp and freed after a longjmp.
    png_bytep *volatile rows = NULL;
    copy_message(message, message_capacity, "");
    int status = open_reader(data, size, &sink, &reader, &png, &info, message, message_capacity);
    if (status != CPNG_OK) return status;
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_ERR_CORRUPT;
    }
    status = prepare_decode(png, info, max_pixels, keep_16, header, plan);
    if (status != CPNG_OK) {
        png_destroy_read_struct(&png, &info, NULL);
        return status;
    }
    const uint32_t height = plan->height;
    if (plan->row_bytes * (size_t)height > capacity) {
        png_destroy_read_struct(&png, &info, NULL);
        copy_message(message, message_capacity, "buffer smaller than the planned image");
        return CPNG_ERR_CORRUPT;
    }
    rows = (png_bytep *)malloc(sizeof(png_bytep) * ((size_t)height + 1));
    if (rows == NULL) {
        png_destroy_read_struct(&png, &info, NULL);
        return CPNG_ERR_NO_MEMORY;
    }
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * plan->row_bytes;
    png_read_image(png, rows);
    png_read_end(png, NULL);  // checks the CRCs of the chunks after the image, and IEND
    free(rows);
    png_destroy_read_struct(&png, &info, NULL);
    return CPNG_OK;
}

// ---- decoding row by row ----

struct cpng_stream {
    png_structp png;
    png_infop info;
    memory_reader reader;
    error_sink sink;
    size_t row_bytes;
    uint32_t height;
    uint32_t rows_read;
    // The fast reader (fast_rows.c) when it takes the file, else NULL and libpng reads it.
    fast_rows *fast;
    const uint8_t *data;
    size_t size;
    int keep_16;
};

static int stream_failed(cpng_stream *stream) {
    if (stream->png) png_destroy_read_struct(&stream->png, &stream->info, NULL);
    stream->png = NULL;
    stream->info = NULL;
    return CPNG_ERR_CORRUPT;
}

static int libpng_stream_open(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                              cpng_stream **out, cpng_header *header, cpng_plan *plan,
                              char *message, size_t message_capacity) {
    cpng_stream *stream = (cpng_stream *)calloc(1, sizeof *stream);
    if (stream == NULL) return CPNG_ERR_NO_MEMORY;
    stream->sink.message = message;
    stream->sink.capacity = message_capacity;
    stream->reader.data = data;
    stream->reader.size = size;
    int status = open_reader(data, size, &stream->sink, &stream->reader, &stream->png, &stream->info,
                             message, message_capacity);
    if (status != CPNG_OK) {
        free(stream);
        return status;
    }
    *out = stream;  // from here on the caller closes it
    if (setjmp(png_jmpbuf(stream->png))) return stream_failed(stream);
    status = prepare_decode(stream->png, stream->info, max_pixels, keep_16, header, plan);
    if (status != CPNG_OK) {
        stream_failed(stream);
        return status;
    }
    if (header->interlaced) {
        copy_message(message, message_capacity, "interlaced");
        return stream_failed(stream);
    }
    stream->row_bytes = plan->row_bytes;
    stream->height = plan->height;
    return CPNG_OK;
}

// Opens the fast reader (the caller checked fast_rows_accepts): the same header and plan as
// libpng's, and the same CPNG_ERR_TOO_LARGE.
static int fast_stream_open(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                            cpng_stream **out, cpng_header *header, cpng_plan *plan) {
    cpng_stream *stream = (cpng_stream *)calloc(1, sizeof *stream);
    if (stream == NULL) return CPNG_ERR_NO_MEMORY;
    *out = stream;
    stream->data = data;
    stream->size = size;
    stream->keep_16 = keep_16;
    // IHDR (checked by fast_rows_accepts): the size is refused before any row buffer exists.
    const uint8_t *ihdr = data + 16;
    header->width = (uint32_t)ihdr[0] << 24 | (uint32_t)ihdr[1] << 16 | (uint32_t)ihdr[2] << 8 | ihdr[3];
    header->height = (uint32_t)ihdr[4] << 24 | (uint32_t)ihdr[5] << 16 | (uint32_t)ihdr[6] << 8 | ihdr[7];
    header->bit_depth = ihdr[8];
    header->color_type = ihdr[9];
    header->interlaced = 0;
    if ((uint64_t)header->width * (uint64_t)header->height > max_pixels) return CPNG_ERR_TOO_LARGE;
    uint32_t width, height;
    int channels, bit_depth;
    stream->fast = fast_rows_open(data, size, &width, &height, &channels, &bit_depth);
    if (stream->fast == NULL) return CPNG_ERR_NO_MEMORY;
    plan->width = width;
    plan->height = height;
    plan->channels = channels;
    plan->bit_depth = bit_depth;
    plan->row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    stream->row_bytes = plan->row_bytes;
    stream->height = height;
    return CPNG_OK;
}

int cpng_stream_open(const uint8_t *data, size_t size, uint64_t max_pixels, int keep_16,
                     cpng_stream **out, cpng_header *header, cpng_plan *plan,
                     char *message, size_t message_capacity) {
    *out = NULL;
    memset(plan, 0, sizeof *plan);
    memset(header, 0, sizeof *header);
    copy_message(message, message_capacity, "");
    if (fast_rows_accepts(data, size, keep_16)) return fast_stream_open(data, size, max_pixels, keep_16, out, header, plan);
    return libpng_stream_open(data, size, max_pixels, keep_16, out, header, plan, message, message_capacity);
}

// The fast reader failed: closes it and puts libpng's own words for what is wrong with the file
// in `message` (so that the streamed and the whole decode fail alike), by reading it again
// through libpng; the fast reader's words stay when libpng finds nothing.
static int fast_stream_failed(cpng_stream *stream, char *message, size_t message_capacity) {
    fast_rows_close(stream->fast);
    stream->fast = NULL;
    char reason[256] = "";
    cpng_stream *check = NULL;
    cpng_header header;
    cpng_plan plan;
    int status = libpng_stream_open(stream->data, stream->size, UINT64_MAX, stream->keep_16, &check, &header, &plan,
                                    reason, sizeof reason);
    uint8_t *row = status == CPNG_OK ? (uint8_t *)malloc(plan.row_bytes ? plan.row_bytes : 1) : NULL;
    for (uint32_t y = 0; row != NULL && status == CPNG_OK && y < plan.height; y++) {
        status = cpng_stream_read(check, row, 1, reason, sizeof reason);
    }
    if (row != NULL && status == CPNG_OK) status = cpng_stream_finish(check, reason, sizeof reason);
    free(row);
    cpng_stream_close(check);
    if (status != CPNG_OK && reason[0] != 0) copy_message(message, message_capacity, reason);
    return CPNG_ERR_CORRUPT;
}

int cpng_stream_read(cpng_stream *stream, void *rows, uint32_t count, char *message, size_t message_capacity) {
    if (stream == NULL) return CPNG_ERR_CORRUPT;
    copy_message(message, message_capacity, "");
    if (stream->fast) {
        for (uint32_t i = 0; i < count; i++) {
            if (fast_rows_read(stream->fast, (uint8_t *)rows + (size_t)i * stream->row_bytes, message, message_capacity) != 0) {
                return fast_stream_failed(stream, message, message_capacity);
            }
        }
        return CPNG_OK;
    }
    if (stream->png == NULL) return CPNG_ERR_CORRUPT;
    stream->sink.message = message;
    stream->sink.capacity = message_capacity;
    if ((uint64_t)stream->rows_read + count > stream->height) {
        copy_message(message, message_capacity, "read past the last row");
        return stream_failed(stream);
    }
    if (setjmp(png_jmpbuf(stream->png))) return stream_failed(stream);
    for (uint32_t i = 0; i < count; i++) {
        png_read_row(stream->png, (png_bytep)rows + (size_t)i * stream->row_bytes, NULL);
        stream->rows_read++;
    }
    return CPNG_OK;
}

int cpng_stream_finish(cpng_stream *stream, char *message, size_t message_capacity) {
    if (stream == NULL) return CPNG_ERR_CORRUPT;
    copy_message(message, message_capacity, "");
    if (stream->fast) {
        int failed = 0;
        uint8_t *scratch = (uint8_t *)malloc(stream->row_bytes ? stream->row_bytes : 1);
        if (scratch == NULL) return CPNG_ERR_NO_MEMORY;
        while (!failed && fast_rows_rows_left(stream->fast) > 0) {
            failed = fast_rows_read(stream->fast, scratch, message, message_capacity) != 0;
        }
        free(scratch);
        if (!failed) failed = fast_rows_finish(stream->fast, message, message_capacity) != 0;
        if (failed) return fast_stream_failed(stream, message, message_capacity);
        fast_rows_close(stream->fast);
        stream->fast = NULL;
        return CPNG_OK;
    }
    if (stream->png == NULL) return CPNG_ERR_CORRUPT;
    stream->sink.message = message;
    stream->sink.capacity = message_capacity;
    png_bytep volatile scratch = NULL;
    if (setjmp(png_jmpbuf(stream->png))) {
        free(scratch);
        return stream_failed(stream);
    }
    if (stream->rows_read < stream->height) {
        scratch = (png_bytep)malloc(stream->row_bytes ? stream->row_bytes : 1);
        if (scratch == NULL) {
            stream_failed(stream);
            return CPNG_ERR_NO_MEMORY;
        }
        while (stream->rows_read < stream->height) {
            png_read_row(stream->png, scratch, NULL);
            stream->rows_read++;
        }
    }
    png_read_end(stream->png, NULL);
    free(scratch);
    stream_failed(stream);  // releases libpng's structs
    return CPNG_OK;
}

void cpng_stream_close(cpng_stream *stream) {
    if (stream == NULL) return;
    if (stream->png) png_destroy_read_struct(&stream->png, &stream->info, NULL);
    fast_rows_close(stream->fast);
    free(stream);
}

// ---- writing to memory ----

typedef struct {
    uint8_t *data;
    size_t size;
    size_t capacity;
} memory_writer;

static void write_to_memory(png_structp png, png_bytep bytes, png_size_t length) {
    memory_writer *writer = (memory_writer *)png_get_io_ptr(png);
    if (length > writer->capacity - writer->size) {
        size_t capacity = writer->capacity ? writer->capacity : 4096;
        while (length > capacity - writer->size) capacity *= 2;
        uint8_t *grown = (uint8_t *)realloc(writer->data, capacity);
        if (grown == NULL) png_error(png, "out of memory");
        writer->data = grown;
        writer->capacity = capacity;
    }
    memcpy(writer->data + writer->size, bytes, length);
    writer->size += length;
}

static void flush_memory(png_structp png) { (void)png; }

int cpng_encode(const void *pixels, uint32_t width, uint32_t height, int channels,
                int bit_depth, int compression_level, int filters, int strategy,
                uint8_t **out, size_t *out_size, char *message, size_t message_capacity) {
    error_sink sink = {message, message_capacity};
    memory_writer writer = {NULL, 0, 0};
    png_bytep *volatile rows = NULL;

    *out = NULL;
    *out_size = 0;
    copy_message(message, message_capacity, "");
    const int valid = width > 0 && height > 0 &&
                      ((bit_depth == 8 && (channels == 1 || channels == 3)) ||
                       (bit_depth == 16 && channels == 1));
    if (!valid) {
        copy_message(message, message_capacity,
                     "PNG encoder takes 8-bit gray or RGB, or 16-bit gray, of non-zero size");
        return CPNG_ERR_ENCODE;
    }
    png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &sink, on_error, on_warning);
    if (png == NULL) return CPNG_ERR_NO_MEMORY;
    png_infop info = png_create_info_struct(png);
    if (info == NULL) {
        png_destroy_write_struct(&png, NULL);
        return CPNG_ERR_NO_MEMORY;
    }
    if (setjmp(png_jmpbuf(png))) {
        free(rows);
        free(writer.data);
        png_destroy_write_struct(&png, &info);
        return CPNG_ERR_ENCODE;
    }
    png_set_write_fn(png, &writer, write_to_memory, flush_memory);
    png_set_compression_level(png, compression_level < 0 ? 0 : (compression_level > 9 ? 9 : compression_level));
    // reference: libpng-manual.txt, "Controlling row filtering" and "Setting zlib parameters".
    if (filters > 0) png_set_filter(png, PNG_FILTER_TYPE_BASE, filters & PNG_ALL_FILTERS);
    if (strategy >= 0) png_set_compression_strategy(png, strategy);
    png_set_IHDR(png, info, width, height, bit_depth,
                 channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB,
                 PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
    png_write_info(png, info);
    if (bit_depth == 16 && is_little_endian()) png_set_swap(png);  // native uint16_t -> big-endian

    const size_t row_bytes = (size_t)width * (size_t)channels * (size_t)(bit_depth / 8);
    rows = (png_bytep *)malloc(sizeof(png_bytep) * height);
    if (rows == NULL) png_error(png, "out of memory");
    for (uint32_t y = 0; y < height; y++) rows[y] = (png_bytep)pixels + (size_t)y * row_bytes;
    png_write_image(png, rows);
    png_write_end(png, NULL);

    free(rows);
    png_destroy_write_struct(&png, &info);
    *out = writer.data;
    *out_size = writer.size;
    return CPNG_OK;
}

void cpng_free(void *pointer) { free(pointer); }
