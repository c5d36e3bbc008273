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

// How a decode will run: libjpeg's DCT scale and the size of what comes out.
typedef struct {
    int scale_denom;       // 1 (full size), 2, 4 or 8: the picture is decoded at 1/scale_denom
    uint32_t width;        // output size as stored (before EXIF orientation):
    uint32_t height;       // ceil(header size / scale_denom), what jpeg_calc_output_dimensions says
    int channels;          // 1 gray, 3 RGB, 4 CMYK (see cjpeg_image)
} cjpeg_plan;

// Reads the header, refuses with CJPEG_ERR_TOO_LARGE (header filled in) when
// width*height > max_pixels (the full header size, whatever the scale), and plans the decode.
// min_short_side 0 plans a full-size decode. Otherwise the caller will shrink the picture to
// that short side, and the plan takes the largest DCT reduction among 1/8, 1/4 and 1/2 whose
// output short side stays >= min_short_side (full size when none does). The short side is the
// same before and after an EXIF rotation. On any status the caller must cjpeg_free(header->exif).
// reference: libjpeg-turbo libjpeg.txt, "Decompression parameter selection" (scale_num,
// scale_denom; libjpeg-turbo supports M/8 for M = 1...16) and jpeg_calc_output_dimensions.
int cjpeg_plan_decode(const uint8_t *data, size_t size, uint64_t max_pixels, uint32_t min_short_side,
                      cjpeg_header *header, cjpeg_plan *plan,
                      char *message, size_t message_capacity);

// Decodes at 1/scale_denom (1, 2, 4 or 8, from cjpeg_plan_decode) into the caller's buffer,
// which must hold plan.width * plan.height * plan.channels bytes (CJPEG_ERR_NO_MEMORY if
// `capacity` is smaller). image->pixels is set to `pixels` on success; nothing is allocated
// for pixels. The pixel limit is checked again on the header. Does not copy EXIF (header->exif
// stays NULL).
int cjpeg_decode_into(const uint8_t *data, size_t size, uint64_t max_pixels, int scale_denom,
                      uint8_t *pixels, size_t capacity, cjpeg_header *header, cjpeg_image *image,
                      char *message, size_t message_capacity);

// Row by row: the same decode as cjpeg_decode_into, handed out a few scanlines at a time, so
// that the caller never holds the whole picture (prep resizes rows as they arrive). `data`
// must stay valid until cjpeg_stream_close. On success *stream is a malloc'd decoder and
// image->width/height/channels say what the rows hold (image->pixels stays NULL). Any error
// destroys the decoder and later calls fail; cjpeg_stream_close is still needed (and safe).
typedef struct cjpeg_stream cjpeg_stream;
int cjpeg_stream_open(const uint8_t *data, size_t size, uint64_t max_pixels, int scale_denom,
                      cjpeg_stream **stream, cjpeg_header *header, cjpeg_image *image,
                      char *message, size_t message_capacity);
// Reads the next `count` scanlines into `rows` (count * width * channels bytes, packed).
int cjpeg_stream_read(cjpeg_stream *stream, uint8_t *rows, uint32_t count,
                      char *message, size_t message_capacity);
// Reads and drops the scanlines not read yet, then finishes (reads to EOI: a truncated tail is
// CJPEG_ERR_CORRUPT, as in cjpeg_decode_into). Call cjpeg_stream_close afterwards.
int cjpeg_stream_finish(cjpeg_stream *stream, char *message, size_t message_capacity);
// Releases the stream, finished or not. NULL is fine.
void cjpeg_stream_close(cjpeg_stream *stream);

// Encodes gray (channels 1) or RGB (channels 3) 8-bit pixels, baseline, libjpeg's default
// 4:2:0 chroma subsampling for RGB, quality 1...100. Output is deterministic. jpeg_set_defaults'
// integer DCT (JDCT_ISLOW) and standard Huffman tables (optimize_coding off) are kept on
// purpose: see JPEGCodec.encode for the measurements.
// channels 4 takes CMYK samples and writes them as YCCK with an Adobe marker (the values
// come back unchanged from cjpeg_decode_into); the tests use it, since Pillow cannot write YCCK.
int cjpeg_encode(const uint8_t *pixels, uint32_t width, uint32_t height, int channels,
                 int quality, uint8_t **out, size_t *out_size,
                 char *message, size_t message_capacity);

void cjpeg_free(void *pointer);

#ifdef __cplusplus
}
#endif

#endif
