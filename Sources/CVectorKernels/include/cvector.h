#ifndef CVECTOR_H
#define CVECTOR_H
#include <stddef.h>

/// Vector kernels that need instructions Swift cannot ask for without building the whole program
/// for one processor: the fused multiply-add (FMA3) and 256-bit AVX2 vectors (Swift's own loops
/// vectorise for SSE2 only). On x86-64 each is compiled for AVX2+FMA and called only when
/// `cvector_has_fma()` says the processor has them; callers keep a portable Swift path with the
/// same results for the others (and the tests compare the two). Elsewhere they are scalar C.

/// 1 when the processor runs AVX2 and FMA3 instructions, else 0 (then call none of these).
int cvector_has_fma(void);

/// A row filter: out[x] = kernel[0] * in[x], then for i in 1..<taps
/// out[x] = step(out[x], kernel[i], in[x + i]), where step is fma(w, v, s) for x < fused_end and
/// s + w * v (two roundings) beyond. `in` holds width + taps - 1 values (the padded row).
void cvector_row_filter(float *out, const float *in, const float *kernel, size_t taps, size_t width, size_t fused_end);

/// A symmetric filter across rows: out[x] = kernel[0] * rows[radius][x], then for j in 1...radius
/// out[x] = step(out[x], kernel[j], rows[radius - j][x] + rows[radius + j][x]) (the pair added in
/// float first), step as in cvector_row_filter. `rows` holds 2 * radius + 1 row pointers.
void cvector_symmetric_filter(float *out, const float *const *rows, const float *kernel, size_t radius,
                              size_t width, size_t fused_end);

/// A symmetric filter along a row, never fused: out[x] = kernel[0] * centre[x], then for j in
/// 1...radius out[x] = out[x] + kernel[j] * (centre[x - j] + centre[x + j]). `centre` points
/// `radius` values into a padded row.
void cvector_symmetric_row_filter(float *out, const float *centre, const float *kernel, size_t radius, size_t width);

/// The soft boundary's gradient step: for i < count, with gx = row[i + 1] - row[i - 1] and
/// gy = down[i] - up[i], magnitude[i] = magnitude[i] + weight * sqrt(gx * gx + gy * gy), every
/// operation rounded (no FMA). row[-1] and row[count] are read.
void cvector_gradient_magnitude_accumulate(float *magnitude, const float *up, const float *row, const float *down,
                                           float weight, size_t count);

/// out[i] = (uint8) trunc(min(values[i] / norm, 1) * 255 + 0.5) for non-negative finite values
/// (every operation rounded, no FMA).
void cvector_normalise_to_bytes(unsigned char *out, const float *values, float norm, size_t count);

/// Canny's non-maximum suppression and double threshold for one row of L1 magnitudes (OpenCV's
/// rules, tan 22.5 deg as 13573 / 2^15; `Canny.suppressRow` is the Swift twin): for each x < width
/// with current[x] > low that is a maximum along its gradient direction, map[x] = 2 and
/// stack[top++] = map_offset + x when current[x] > high, else map[x] = 0. Other map bytes are set
/// to 1 by the vector body (8 at a time) or left alone. Reads current[-1...width] and the same of
/// previous and next. Returns the new top.
size_t cvector_canny_suppress_row(const short *previous, const short *current, const short *next,
                                  const short *dx, const short *dy, size_t width, int low, int high,
                                  unsigned char *map, ptrdiff_t map_offset, ptrdiff_t *stack, size_t top);

/// The resizer's horizontal pass on an RGB row of floats: for x < count and c < 3,
/// out[3x + c] = sum over t < taps of weights[x * taps + t] * row[(starts[x] + t) * 3 + c], summed
/// from 0 in tap order, each product and sum rounded (no FMA). Reads one float past each pixel's
/// blue (the row needs one spare float at its end).
void cvector_resample_rgb(float *out, const float *row, const ptrdiff_t *starts, const float *weights, size_t taps,
                          size_t count);

#endif
