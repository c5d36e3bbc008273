// CJPEG: a small C shim over libjpeg(-turbo) for Swift.
//
// libjpeg reports errors by calling error_exit, which must not return; the usual answer
// is setjmp/longjmp, which Swift cannot take part in. Every setjmp/longjmp stays inside
// shim.c: each function returns a CJPEG_* status and, on failure, writes libjpeg's
// one-line message into the caller's `message` buffer. Nothing is printed: warnings that
// mean corrupt data (premature end, bad Huffman code, ...) become CJPEG_ERR_CORRUPT,
// the rest are dropped. Input is read from memory (jpeg_mem_src), output is written to
// memory (jpeg_mem_dest); buffers handed out are released with cjpeg_free.
#ifndef CJPEG_H
#define CJPEG_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

enum {
    CJPEG_OK = 0,
    CJPEG_ERR_CORRUPT = 1,      // libjpeg refused the data, or warned that it is corrupt/truncated
    CJPEG_ERR_TOO_LARGE = 2,    // header says width*height > max_pixels; nothing was decoded
    CJPEG_ERR_NO_MEMORY = 3,
    CJPEG_ERR_UNSUPPORTED = 4,  // valid JPEG this libjpeg cannot decode (12-bit, lossless, ...)
    CJPEG_ERR_ENCODE = 5,
};

// What the frame header and the markers before the first scan say.
typedef struct {
    uint32_t width;        // as stored, before any EXIF orientation
    uint32_t height;
    int components;        // 1, 3 or 4
    int color_space;       // libjpeg's J_COLOR_SPACE guess for the file (JCS_YCbCr, JCS_YCCK, ...)
    int progressive;       // 1 for progressive (SOF2)
    int saw_adobe_marker;  // 1 if an Adobe APP14 marker was present
    uint8_t *exif;         // the first APP1 "Exif\0\0" payload after those 6 bytes (the TIFF
    size_t exif_size;      // header onwards), malloc'd, or NULL; release with cjpeg_free
} cjpeg_header;

// Decoded pixels, 8-bit, interleaved, row-major.
typedef struct {
    uint8_t *pixels;  // malloc'd; release with cjpeg_free
    uint32_t width;
    uint32_t height;
    int channels;     // 1 gray, 3 RGB, 4 CMYK exactly as stored (YCCK is converted to CMYK;
                      // Adobe/Photoshop files store CMYK inverted: 255 = no ink)
} cjpeg_image;

// Reads the markers up to the first scan (SOS): frame size, components, EXIF.
int cjpeg_read_header(const uint8_t *data, size_t size, cjpeg_header *header,
                      char *message, size_t message_capacity);

// Decodes the whole image. Refuses with CJPEG_ERR_TOO_LARGE (header filled in) when
// width*height > max_pixels, before allocating pixel memory. On any status the caller
// must cjpeg_free(header->exif).
int cjpeg_decode(const uint8_t *data, size_t size, uint64_t max_pixels,
                 cjpeg_header *header, cjpeg_image *image,
                 char *message, size_t message_capacity);

// Encodes gray (channels 1) or RGB (channels 3) 8-bit pixels, baseline, libjpeg's default
// 4:2:0 chroma subsampling for RGB, quality 1...100. Output is deterministic.
// channels 4 takes CMYK samples and writes them as YCCK with an Adobe marker (the values
// come back unchanged from cjpeg_decode); the tests use it, since Pillow cannot write YCCK.
int cjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                 int quality, uint8_t **out, size_t *out_size,
                 char *message, size_t message_capacity);

void cjpeg_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
