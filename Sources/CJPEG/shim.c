// CJPEG shim: libjpeg from and to memory, with every setjmp/longjmp kept in this file.
// reference: libjpeg's libjpeg.txt ("Error handling", "Special markers") and example.c.
#include "cjpeg.h"

#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <jerror.h>

// libjpeg's error manager, extended with a jump target and the caller's message buffer.
typedef struct {
    struct jpeg_error_mgr base;
    jmp_buf jump;
    char *message;
    size_t capacity;
    int status;
} error_manager;

static void copy_message(char *message, size_t capacity, const char *text) {
    if (message == NULL || capacity == 0) return;
    strncpy(message, text ? text : "unknown error", capacity - 1);
    message[capacity - 1] = '\0';
}

// Errors that mean "valid JPEG, but not one this libjpeg decodes".
static int is_unsupported(int code) {
    return code == JERR_BAD_PRECISION || code == JERR_SOF_UNSUPPORTED ||
           code == JERR_ARITH_NOTIMPL || code == JERR_NOT_COMPILED ||
           code == JERR_CONVERSION_NOTIMPL;
}

// Warnings that mean the entropy-coded data is damaged or cut short. libjpeg would
// "recover" (gray fill, resync); for training data that is a corrupt file.
static int is_corrupt_data_warning(int code) {
    return code == JWRN_JPEG_EOF || code == JWRN_HIT_MARKER || code == JWRN_HUFF_BAD_CODE ||
           code == JWRN_MUST_RESYNC || code == JWRN_NOT_SEQUENTIAL ||
           code == JWRN_EXTRANEOUS_DATA || code == JWRN_BOGUS_PROGRESSION ||
           code == JWRN_ARITH_BAD_CODE;
}

// Keeps the formatted message and unwinds to the setjmp of the running function.
static void fail(j_common_ptr cinfo, int status) {
    error_manager *errors = (error_manager *)cinfo->err;
    char text[JMSG_LENGTH_MAX];
    (*cinfo->err->format_message)(cinfo, text);
    copy_message(errors->message, errors->capacity, text);
    errors->status = status;
    longjmp(errors->jump, 1);
}

static void on_error_exit(j_common_ptr cinfo) {
    fail(cinfo, is_unsupported(cinfo->err->msg_code) ? CJPEG_ERR_UNSUPPORTED : CJPEG_ERR_CORRUPT);
}

// level -1 is a warning, >= 0 trace output. Corrupt-data warnings fail; the rest are dropped.
static void on_emit_message(j_common_ptr cinfo, int level) {
    if (level < 0) {
        cinfo->err->num_warnings++;
        if (is_corrupt_data_warning(cinfo->err->msg_code)) fail(cinfo, CJPEG_ERR_CORRUPT);
    }
}

static void on_output_message(j_common_ptr cinfo) { (void)cinfo; }  // never print

static void install_error_manager(error_manager *errors, char *message, size_t capacity) {
    jpeg_std_error(&errors->base);
    errors->base.error_exit = on_error_exit;
    errors->base.emit_message = on_emit_message;
    errors->base.output_message = on_output_message;
    errors->message = message;
    errors->capacity = capacity;
    errors->status = CJPEG_OK;
    copy_message(message, capacity, "");
}

// Copies the first APP1 marker that starts with "Exif\0\0" (saved by jpeg_save_markers).
static void copy_exif(j_decompress_ptr cinfo, cjpeg_header *header) {
    static const char exif_id[6] = {'E', 'x', 'i', 'f', 0, 0};
    for (jpeg_saved_marker_ptr marker = cinfo->marker_list; marker; marker = marker->next) {
        if (marker->marker != JPEG_APP0 + 1 || marker->data_length < 6) continue;
        if (memcmp(marker->data, exif_id, 6) != 0) continue;
        size_t size = marker->data_length - 6;
        header->exif = (uint8_t *)malloc(size ? size : 1);
        if (header->exif) {
            memcpy(header->exif, marker->data + 6, size);
            header->exif_size = size;
        }
        return;
    }
}

// The output color space for what the file holds: gray stays gray, CMYK/YCCK become CMYK
// (libjpeg turns YCCK into CMYK), everything else RGB.
static void choose_output_color_space(j_decompress_ptr cinfo) {
    switch (cinfo->jpeg_color_space) {
    case JCS_GRAYSCALE: cinfo->out_color_space = JCS_GRAYSCALE; break;
    case JCS_CMYK:
    case JCS_YCCK: cinfo->out_color_space = JCS_CMYK; break;
    default: cinfo->out_color_space = JCS_RGB; break;
    }
}

// The largest reduction 1/8, 1/4, 1/2 whose output short side is still >= min_short_side, or
// 1 (full size). Leaves cinfo set to the chosen scale with output_width/height computed.
static int choose_scale(j_decompress_ptr cinfo, uint32_t min_short_side) {
    static const int denominators[3] = {8, 4, 2};
    cinfo->scale_num = 1;
    if (min_short_side > 0) {
        for (int i = 0; i < 3; i++) {
            cinfo->scale_denom = (unsigned int)denominators[i];
            jpeg_calc_output_dimensions(cinfo);
            uint32_t short_side = cinfo->output_width < cinfo->output_height ? cinfo->output_width
                                                                             : cinfo->output_height;
            if (short_side >= min_short_side) return denominators[i];
        }
    }
    cinfo->scale_denom = 1;
    jpeg_calc_output_dimensions(cinfo);
    return 1;
}

// What a call asks of decode().
typedef struct {
    int want_exif;           // copy the EXIF payload into header->exif
    int check_limit;         // refuse width*height > max_pixels
    uint64_t max_pixels;
    uint32_t min_short_side; // plan: see cjpeg_plan_decode
    cjpeg_plan *plan;        // non-NULL: plan only, decode nothing
    int scale_denom;         // decode: 1, 2, 4 or 8
    uint8_t *pixels;         // decode: the caller's buffer
    size_t capacity;
    cjpeg_image *image;      // non-NULL: decode into pixels
} decode_request;

// Shared by cjpeg_read_header, cjpeg_plan_decode and cjpeg_decode_into.
static int decode(const uint8_t *data, size_t size, const decode_request *request,
                  cjpeg_header *header, char *message, size_t capacity) {
    struct jpeg_decompress_struct cinfo;
    error_manager errors;

    memset(header, 0, sizeof *header);
    if (request->image) memset(request->image, 0, sizeof *request->image);
    install_error_manager(&errors, message, capacity);
    cinfo.err = &errors.base;
    if (setjmp(errors.jump)) {
        jpeg_destroy_decompress(&cinfo);
        return errors.status;
    }
    jpeg_create_decompress(&cinfo);
    jpeg_mem_src(&cinfo, data, (unsigned long)size);
    if (request->want_exif) jpeg_save_markers(&cinfo, JPEG_APP0 + 1, 0xFFFF);
    (void)jpeg_read_header(&cinfo, TRUE);

    header->width = cinfo.image_width;
    header->height = cinfo.image_height;
    header->components = cinfo.num_components;
    header->color_space = cinfo.jpeg_color_space;
    header->progressive = cinfo.progressive_mode ? 1 : 0;
    header->saw_adobe_marker = cinfo.saw_Adobe_marker ? 1 : 0;
    if (request->want_exif) copy_exif(&cinfo, header);
    // The pixel limit is checked on the full header size, before any pixel memory exists.
    if (request->check_limit &&
        (uint64_t)header->width * (uint64_t)header->height > request->max_pixels) {
        jpeg_destroy_decompress(&cinfo);
        return CJPEG_ERR_TOO_LARGE;
    }
    if (request->plan == NULL && request->image == NULL) {
        jpeg_destroy_decompress(&cinfo);
        return CJPEG_OK;
    }

    choose_output_color_space(&cinfo);
    if (request->plan) {
        cjpeg_plan *plan = request->plan;
        plan->scale_denom = choose_scale(&cinfo, request->min_short_side);
        plan->width = cinfo.output_width;
        plan->height = cinfo.output_height;
        plan->channels = cinfo.out_color_components;
        jpeg_destroy_decompress(&cinfo);
        return CJPEG_OK;
    }

    int denom = request->scale_denom;
    cinfo.scale_num = 1;
    cinfo.scale_denom = (unsigned int)(denom == 2 || denom == 4 || denom == 8 ? denom : 1);
    jpeg_start_decompress(&cinfo);
    const size_t row_bytes = (size_t)cinfo.output_width * (size_t)cinfo.output_components;
    if (request->pixels == NULL || row_bytes * (size_t)cinfo.output_height > request->capacity) {
        jpeg_destroy_decompress(&cinfo);
        copy_message(message, capacity, "output buffer too small for the decoded image");
        return CJPEG_ERR_NO_MEMORY;
    }
    uint8_t *pixels = request->pixels;
    while (cinfo.output_scanline < cinfo.output_height) {
        JSAMPROW row = pixels + (size_t)cinfo.output_scanline * row_bytes;
        if (jpeg_read_scanlines(&cinfo, &row, 1) != 1) {
            // Only a suspending data source returns 0 rows; memory sources never suspend.
            ERREXIT(&cinfo, JERR_INPUT_EOF);
        }
    }
    jpeg_finish_decompress(&cinfo);  // reads to EOI; a truncated tail warns JWRN_JPEG_EOF

    request->image->pixels = pixels;
    request->image->width = cinfo.output_width;
    request->image->height = cinfo.output_height;
    request->image->channels = cinfo.output_components;
    jpeg_destroy_decompress(&cinfo);
    return CJPEG_OK;
}

int cjpeg_read_header(const uint8_t *data, size_t size, cjpeg_header *header,
                      char *message, size_t message_capacity) {
    decode_request request = {0};
    request.want_exif = 1;
    return decode(data, size, &request, header, message, message_capacity);
}

int cjpeg_plan_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t min_short_side,
                      cjpeg_header *header, cjpeg_plan *plan,
                      char *message, size_t message_capacity) {
    decode_request request = {0};
    request.want_exif = 1;
    request.check_limit = 1;
    request.max_pixels = max_pixels;
    request.min_short_side = min_short_side;
    request.plan = plan;
    memset(plan, 0, sizeof *plan);
    return decode(data, size, &request, header, message, message_capacity);
}

int cjpeg_decode_into(const uint8_t *data, size_t size, uint64_t max_pixels, int scale_denom,
                      uint8_t *pixels, size_t capacity, cjpeg_header *header, cjpeg_image *image,
                      char *message, size_t message_capacity) {
    decode_request request = {0};
    request.check_limit = 1;
    request.max_pixels = max_pixels;
    request.scale_denom = scale_denom;
    request.pixels = pixels;
    request.capacity = capacity;
    request.image = image;
    return decode(data, size, &request, header, message, message_capacity);
}

// ---- decoding row by row ----

struct cjpeg_stream {
    struct jpeg_decompress_struct cinfo;
    error_manager errors;
    int live;          // 1 while cinfo holds a decoder
    size_t row_bytes;  // output_width * output_components
};

// Ends a stream after an error: the decoder is destroyed, later calls fail.
static int stream_failed(cjpeg_stream *stream) {
    if (stream->live) jpeg_destroy_decompress(&stream->cinfo);
    stream->live = 0;
    return stream->errors.status == CJPEG_OK ? CJPEG_ERR_CORRUPT : stream->errors.status;
}

int cjpeg_stream_open(const uint8_t *data, size_t size, uint64_t max_pixels, int scale_denom,
                      cjpeg_stream **out, cjpeg_header *header, cjpeg_image *image,
                      char *message, size_t message_capacity) {
    *out = NULL;
    memset(header, 0, sizeof *header);
    memset(image, 0, sizeof *image);
    cjpeg_stream *stream = (cjpeg_stream *)calloc(1, sizeof *stream);
    if (stream == NULL) return CJPEG_ERR_NO_MEMORY;
    install_error_manager(&stream->errors, message, message_capacity);
    stream->cinfo.err = &stream->errors.base;
    if (setjmp(stream->errors.jump)) {
        int status = stream_failed(stream);
        free(stream);
        return status;
    }
    jpeg_create_decompress(&stream->cinfo);
    stream->live = 1;
    jpeg_mem_src(&stream->cinfo, data, (unsigned long)size);
    (void)jpeg_read_header(&stream->cinfo, TRUE);
    header->width = stream->cinfo.image_width;
    header->height = stream->cinfo.image_height;
    header->components = stream->cinfo.num_components;
    header->color_space = stream->cinfo.jpeg_color_space;
    header->progressive = stream->cinfo.progressive_mode ? 1 : 0;
    header->saw_adobe_marker = stream->cinfo.saw_Adobe_marker ? 1 : 0;
    if ((uint64_t)header->width * (uint64_t)header->height > max_pixels) {
        jpeg_destroy_decompress(&stream->cinfo);
        free(stream);
        return CJPEG_ERR_TOO_LARGE;
    }
    choose_output_color_space(&stream->cinfo);
    stream->cinfo.scale_num = 1;
    stream->cinfo.scale_denom =
        (unsigned int)(scale_denom == 2 || scale_denom == 4 || scale_denom == 8 ? scale_denom : 1);
    jpeg_start_decompress(&stream->cinfo);
    stream->row_bytes = (size_t)stream->cinfo.output_width * (size_t)stream->cinfo.output_components;
    image->width = stream->cinfo.output_width;
    image->height = stream->cinfo.output_height;
    image->channels = stream->cinfo.output_components;
    *out = stream;
    return CJPEG_OK;
}

int cjpeg_stream_read(cjpeg_stream *stream, uint8_t *rows, uint32_t count,
                      char *message, size_t message_capacity) {
    if (stream == NULL || !stream->live) return CJPEG_ERR_CORRUPT;
    stream->errors.message = message;
    stream->errors.capacity = message_capacity;
    if (setjmp(stream->errors.jump)) return stream_failed(stream);
    if ((uint64_t)stream->cinfo.output_scanline + count > stream->cinfo.output_height) {
        copy_message(message, message_capacity, "read past the last scanline");
        stream->errors.status = CJPEG_ERR_CORRUPT;
        return stream_failed(stream);
    }
    for (uint32_t i = 0; i < count; i++) {
        JSAMPROW row = rows + (size_t)i * stream->row_bytes;
        if (jpeg_read_scanlines(&stream->cinfo, &row, 1) != 1) {
            ERREXIT(&stream->cinfo, JERR_INPUT_EOF);  // memory sources never suspend
        }
    }
    return CJPEG_OK;
}

int cjpeg_stream_finish(cjpeg_stream *stream, char *message, size_t message_capacity) {
    if (stream == NULL || !stream->live) return CJPEG_ERR_CORRUPT;
    stream->errors.message = message;
    stream->errors.capacity = message_capacity;
    uint8_t *volatile scratch = NULL;
    if (setjmp(stream->errors.jump)) {
        free(scratch);
        return stream_failed(stream);
    }
    if (stream->cinfo.output_scanline < stream->cinfo.output_height) {
        scratch = (uint8_t *)malloc(stream->row_bytes ? stream->row_bytes : 1);
        if (scratch == NULL) {
            stream->errors.status = CJPEG_ERR_NO_MEMORY;
            return stream_failed(stream);
        }
        while (stream->cinfo.output_scanline < stream->cinfo.output_height) {
            JSAMPROW row = scratch;
            if (jpeg_read_scanlines(&stream->cinfo, &row, 1) != 1) ERREXIT(&stream->cinfo, JERR_INPUT_EOF);
        }
    }
    jpeg_finish_decompress(&stream->cinfo);
    free(scratch);
    jpeg_destroy_decompress(&stream->cinfo);
    stream->live = 0;
    return CJPEG_OK;
}

void cjpeg_stream_close(cjpeg_stream *stream) {
    if (stream == NULL) return;
    if (stream->live) jpeg_destroy_decompress(&stream->cinfo);
    free(stream);
}

int cjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                 int quality, uint8_t **out, size_t *out_size,
                 char *message, size_t message_capacity) {
    struct jpeg_compress_struct cinfo;
    error_manager errors;
    unsigned char *volatile buffer = NULL;  // filled in by jpeg_mem_dest's term_destination
    unsigned long buffer_size = 0;

    *out = NULL;
    *out_size = 0;
    install_error_manager(&errors, message, message_capacity);
    if (width == 0 || height == 0 || width > JPEG_MAX_DIMENSION || height > JPEG_MAX_DIMENSION ||
        (channels != 1 && channels != 3 && channels != 4)) {
        copy_message(message, message_capacity,
                     "JPEG encoder takes 8-bit gray, RGB or CMYK of size 1...65500 per side");
        return CJPEG_ERR_ENCODE;
    }
    cinfo.err = &errors.base;
    if (setjmp(errors.jump)) {
        jpeg_destroy_compress(&cinfo);
        free(buffer);
        return CJPEG_ERR_ENCODE;
    }
    jpeg_create_compress(&cinfo);
    jpeg_mem_dest(&cinfo, (unsigned char **)&buffer, &buffer_size);
    cinfo.image_width = width;
    cinfo.image_height = height;
    cinfo.input_components = channels;
    cinfo.in_color_space = channels == 1 ? JCS_GRAYSCALE : (channels == 3 ? JCS_RGB : JCS_CMYK);
    jpeg_set_defaults(&cinfo);  // YCbCr 4:2:0, baseline Huffman tables, integer DCT
    if (channels == 4) jpeg_set_colorspace(&cinfo, JCS_YCCK);  // also writes the Adobe marker
    jpeg_set_quality(&cinfo, quality < 1 ? 1 : (quality > 100 ? 100 : quality), TRUE);
    jpeg_start_compress(&cinfo, TRUE);
    const size_t row_bytes = (size_t)width * (size_t)channels;
    while (cinfo.next_scanline < cinfo.image_height) {
        JSAMPROW row = (JSAMPROW)(pixels + (size_t)cinfo.next_scanline * row_bytes);
        (void)jpeg_write_scanlines(&cinfo, &row, 1);
    }
    jpeg_finish_compress(&cinfo);
    jpeg_destroy_compress(&cinfo);
    *out = buffer;
    *out_size = buffer_size;
    return CJPEG_OK;
}

void cjpeg_free(void *pointer) { free(pointer); }
