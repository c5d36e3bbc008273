#include "cvector.h"
#include <immintrin.h>
#include <math.h>

int cvector_has_fma(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#else
    return 0;
#endif
}


/// The scalar Canny suppression on x in start..<width (cvector_canny_suppress_row's tail).
static size_t cvector_canny_suppress_scalar(const short *previous, const short *current, const short *next,
                                            const short *dx, const short *dy, size_t start, size_t width, int low, int high,
                                            unsigned char *map, ptrdiff_t map_offset, ptrdiff_t *stack, size_t top) {
    for (size_t x = start; x < width; x++) {
        int m = current[x];
        if (m <= low) continue;
        int xs = dx[x], ys = dy[x];
        int absX = xs < 0 ? -xs : xs, absYShifted = (ys < 0 ? -ys : ys) << 15;
        int tangent22X = absX * 13573, isMaximum;
        if (absYShifted < tangent22X) {
            isMaximum = m > current[x - 1] && m >= current[x + 1];
        } else if (absYShifted > tangent22X + (absX << 16)) {
            isMaximum = m > previous[x] && m >= next[x];
        } else {
            int s = (xs ^ ys) < 0 ? -1 : 1;
            isMaximum = m > previous[x - s] && m > next[x + s];
        }
        if (!isMaximum) continue;
        if (m > high) {
            map[x] = 2;
            stack[top++] = map_offset + (ptrdiff_t)x;
        } else {
            map[x] = 0;
        }
    }
    return top;
}

#if defined(__x86_64__) || defined(__i386__)
// Register-blocked filters. A block of 32 output pixels keeps its four 8-lane sums in registers
// through every tap (one load per input and no load and store of the sums per tap), and the four
// independent sums hide the latency of the multiply-add chain. Each pixel sees the same operations
// in the same order as the scalar code in the comments of cvector.h, so the bits are the same.

static inline __attribute__((always_inline, target("avx2,fma")))
__m256 cvector_step(__m256 sum, __m256 weight, __m256 value, int fused) {
    return fused ? _mm256_fmadd_ps(weight, value, sum) : _mm256_add_ps(sum, _mm256_mul_ps(weight, value));
}

static inline __attribute__((always_inline))
float cvector_scalar_step(float sum, float weight, float value, int fused) {
    if (fused) return fmaf(weight, value, sum);
    volatile float product = weight * value;  // never contracted into an FMA
    return sum + product;
}

/// cvector_row_filter on out[start..<end], every step fused or every step not.
static inline __attribute__((always_inline, target("avx2,fma")))
void cvector_row_range(float *out, const float *in, const float *kernel, size_t taps,
                       size_t start, size_t end, int fused) {
    size_t x = start;
    for (; x + 32 <= end; x += 32) {
        __m256 w = _mm256_set1_ps(kernel[0]);
        __m256 s0 = _mm256_mul_ps(w, _mm256_loadu_ps(in + x));
        __m256 s1 = _mm256_mul_ps(w, _mm256_loadu_ps(in + x + 8));
        __m256 s2 = _mm256_mul_ps(w, _mm256_loadu_ps(in + x + 16));
        __m256 s3 = _mm256_mul_ps(w, _mm256_loadu_ps(in + x + 24));
        for (size_t i = 1; i < taps; i++) {
            const float *p = in + x + i;
            w = _mm256_set1_ps(kernel[i]);
            s0 = cvector_step(s0, w, _mm256_loadu_ps(p), fused);
            s1 = cvector_step(s1, w, _mm256_loadu_ps(p + 8), fused);
            s2 = cvector_step(s2, w, _mm256_loadu_ps(p + 16), fused);
            s3 = cvector_step(s3, w, _mm256_loadu_ps(p + 24), fused);
        }
        _mm256_storeu_ps(out + x, s0);
        _mm256_storeu_ps(out + x + 8, s1);
        _mm256_storeu_ps(out + x + 16, s2);
        _mm256_storeu_ps(out + x + 24, s3);
    }
    for (; x + 8 <= end; x += 8) {
        __m256 s = _mm256_mul_ps(_mm256_set1_ps(kernel[0]), _mm256_loadu_ps(in + x));
        for (size_t i = 1; i < taps; i++) s = cvector_step(s, _mm256_set1_ps(kernel[i]), _mm256_loadu_ps(in + x + i), fused);
        _mm256_storeu_ps(out + x, s);
    }
    for (; x < end; x++) {
        float s = kernel[0] * in[x];
        for (size_t i = 1; i < taps; i++) s = cvector_scalar_step(s, kernel[i], in[x + i], fused);
        out[x] = s;
    }
}

__attribute__((target("avx2,fma")))
void cvector_row_filter(float *out, const float *in, const float *kernel, size_t taps, size_t width, size_t fused_end) {
    if (fused_end > width) fused_end = width;
    cvector_row_range(out, in, kernel, taps, 0, fused_end, 1);
    cvector_row_range(out, in, kernel, taps, fused_end, width, 0);
}

/// cvector_symmetric_filter on out[start..<end], every step fused or every step not.
static inline __attribute__((always_inline, target("avx2,fma")))
void cvector_symmetric_range(float *out, const float *const *rows, ptrdiff_t stride, const float *kernel,
                             size_t radius, size_t start, size_t end, int fused) {
    // rows[j] for j in -radius...radius is rows_base + j * stride (pointers when stride is 0).
#define CVECTOR_AT(j) (stride ? rows[0] + (j) * stride : rows[(ptrdiff_t)radius + (j)])
    const float *centre = CVECTOR_AT(0);
    size_t x = start;
    for (; x + 32 <= end; x += 32) {
        __m256 w = _mm256_set1_ps(kernel[0]);
        __m256 s0 = _mm256_mul_ps(w, _mm256_loadu_ps(centre + x));
        __m256 s1 = _mm256_mul_ps(w, _mm256_loadu_ps(centre + x + 8));
        __m256 s2 = _mm256_mul_ps(w, _mm256_loadu_ps(centre + x + 16));
        __m256 s3 = _mm256_mul_ps(w, _mm256_loadu_ps(centre + x + 24));
        for (size_t j = 1; j <= radius; j++) {
            const float *a = CVECTOR_AT(-(ptrdiff_t)j) + x, *b = CVECTOR_AT((ptrdiff_t)j) + x;
            w = _mm256_set1_ps(kernel[j]);
            s0 = cvector_step(s0, w, _mm256_add_ps(_mm256_loadu_ps(a), _mm256_loadu_ps(b)), fused);
            s1 = cvector_step(s1, w, _mm256_add_ps(_mm256_loadu_ps(a + 8), _mm256_loadu_ps(b + 8)), fused);
            s2 = cvector_step(s2, w, _mm256_add_ps(_mm256_loadu_ps(a + 16), _mm256_loadu_ps(b + 16)), fused);
            s3 = cvector_step(s3, w, _mm256_add_ps(_mm256_loadu_ps(a + 24), _mm256_loadu_ps(b + 24)), fused);
        }
        _mm256_storeu_ps(out + x, s0);
        _mm256_storeu_ps(out + x + 8, s1);
        _mm256_storeu_ps(out + x + 16, s2);
        _mm256_storeu_ps(out + x + 24, s3);
    }
    for (; x + 8 <= end; x += 8) {
        __m256 s = _mm256_mul_ps(_mm256_set1_ps(kernel[0]), _mm256_loadu_ps(centre + x));
        for (size_t j = 1; j <= radius; j++) {
            __m256 pair = _mm256_add_ps(_mm256_loadu_ps(CVECTOR_AT(-(ptrdiff_t)j) + x), _mm256_loadu_ps(CVECTOR_AT((ptrdiff_t)j) + x));
            s = cvector_step(s, _mm256_set1_ps(kernel[j]), pair, fused);
        }
        _mm256_storeu_ps(out + x, s);
    }
    for (; x < end; x++) {
        float s = kernel[0] * centre[x];
        for (size_t j = 1; j <= radius; j++) {
            s = cvector_scalar_step(s, kernel[j], CVECTOR_AT(-(ptrdiff_t)j)[x] + CVECTOR_AT((ptrdiff_t)j)[x], fused);
        }
        out[x] = s;
    }
#undef CVECTOR_AT
}

__attribute__((target("avx2,fma")))
void cvector_symmetric_filter(float *out, const float *const *rows, const float *kernel, size_t radius,
                              size_t width, size_t fused_end) {
    if (fused_end > width) fused_end = width;
    cvector_symmetric_range(out, rows, 0, kernel, radius, 0, fused_end, 1);
    cvector_symmetric_range(out, rows, 0, kernel, radius, fused_end, width, 0);
}

__attribute__((target("avx2,fma")))
void cvector_symmetric_row_filter(float *out, const float *centre, const float *kernel, size_t radius, size_t width) {
    const float *rows[1] = {centre};
    cvector_symmetric_range(out, rows, 1, kernel, radius, 0, width, 0);
}

__attribute__((target("avx2,fma")))
void cvector_gradient_magnitude_accumulate(float *magnitude, const float *up, const float *row, const float *down,
                                           float weight, size_t count) {
#pragma STDC FP_CONTRACT OFF
    const __m256 w = _mm256_set1_ps(weight);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 gx = _mm256_sub_ps(_mm256_loadu_ps(row + i + 1), _mm256_loadu_ps(row + i - 1));
        __m256 gy = _mm256_sub_ps(_mm256_loadu_ps(down + i), _mm256_loadu_ps(up + i));
        __m256 length = _mm256_sqrt_ps(_mm256_add_ps(_mm256_mul_ps(gx, gx), _mm256_mul_ps(gy, gy)));
        _mm256_storeu_ps(magnitude + i, _mm256_add_ps(_mm256_loadu_ps(magnitude + i), _mm256_mul_ps(w, length)));
    }
    for (; i < count; i++) {
        float gx = row[i + 1] - row[i - 1], gy = down[i] - up[i];
        magnitude[i] = magnitude[i] + weight * sqrtf(gx * gx + gy * gy);
    }
}

__attribute__((target("avx2,fma")))
void cvector_normalise_to_bytes(unsigned char *out, const float *values, float norm, size_t count) {
#pragma STDC FP_CONTRACT OFF
    const __m256 n = _mm256_set1_ps(norm), one = _mm256_set1_ps(1), scale = _mm256_set1_ps(255), half = _mm256_set1_ps(0.5f);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 v = _mm256_min_ps(_mm256_div_ps(_mm256_loadu_ps(values + i), n), one);
        __m256i q = _mm256_cvttps_epi32(_mm256_add_ps(_mm256_mul_ps(v, scale), half));
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(q), _mm256_extracti128_si256(q, 1));
        _mm_storel_epi64((__m128i *)(out + i), _mm_packus_epi16(words, words));
    }
    for (; i < count; i++) {
        float v = values[i] / norm;
        if (!(v < 1)) v = 1;
        out[i] = (unsigned char)(int)(v * 255 + 0.5f);
    }
}

__attribute__((target("avx2,fma")))
size_t cvector_canny_suppress_row(const short *previous, const short *current, const short *next,
                                  const short *dx, const short *dy, size_t width, int low, int high,
                                  unsigned char *map, ptrdiff_t map_offset, ptrdiff_t *stack, size_t top) {
    const __m128i low16 = _mm_set1_epi16((short)low);
    const __m256i low32 = _mm256_set1_epi32(low), high32 = _mm256_set1_epi32(high);
    const __m256i tangent22 = _mm256_set1_epi32(13573), one = _mm256_set1_epi32(1), two = _mm256_set1_epi32(2);
    size_t x = 0;
    for (; x + 8 <= width; x += 8) {
        __m128i m16 = _mm_loadu_si128((const __m128i *)(current + x));
        if (_mm_movemask_epi8(_mm_cmpgt_epi16(m16, low16)) == 0) continue;  // no candidate: map stays 1
#define WIDE(p) _mm256_cvtepi16_epi32(_mm_loadu_si128((const __m128i *)(p)))
        __m256i m = _mm256_cvtepi16_epi32(m16);
        __m256i xs = WIDE(dx + x), ys = WIDE(dy + x);
        __m256i absX = _mm256_abs_epi32(xs), absYShifted = _mm256_slli_epi32(_mm256_abs_epi32(ys), 15);
        __m256i tangent22X = _mm256_mullo_epi32(absX, tangent22);
        __m256i tangent67X = _mm256_add_epi32(tangent22X, _mm256_slli_epi32(absX, 16));
        __m256i horizontal = _mm256_cmpgt_epi32(tangent22X, absYShifted);
        __m256i vertical = _mm256_andnot_si256(horizontal, _mm256_cmpgt_epi32(absYShifted, tangent67X));
        __m256i diagonal = _mm256_andnot_si256(_mm256_or_si256(horizontal, vertical), _mm256_set1_epi32(-1));
        // m > a is cmpgt(m, a); m >= a is not cmpgt(a, m).
        __m256i horizontalMaximum = _mm256_andnot_si256(_mm256_cmpgt_epi32(WIDE(current + x + 1), m),
                                                        _mm256_cmpgt_epi32(m, WIDE(current + x - 1)));
        __m256i verticalMaximum = _mm256_andnot_si256(_mm256_cmpgt_epi32(WIDE(next + x), m),
                                                      _mm256_cmpgt_epi32(m, WIDE(previous + x)));
        __m256i mainDiagonal = _mm256_and_si256(_mm256_cmpgt_epi32(m, WIDE(previous + x - 1)), _mm256_cmpgt_epi32(m, WIDE(next + x + 1)));
        __m256i antiDiagonal = _mm256_and_si256(_mm256_cmpgt_epi32(m, WIDE(previous + x + 1)), _mm256_cmpgt_epi32(m, WIDE(next + x - 1)));
#undef WIDE
        __m256i oppositeSigns = _mm256_cmpgt_epi32(_mm256_setzero_si256(), _mm256_xor_si256(xs, ys));
        __m256i diagonalMaximum = _mm256_blendv_epi8(mainDiagonal, antiDiagonal, oppositeSigns);
        __m256i maximum = _mm256_or_si256(_mm256_and_si256(horizontal, horizontalMaximum),
                                          _mm256_or_si256(_mm256_and_si256(vertical, verticalMaximum),
                                                          _mm256_and_si256(diagonal, diagonalMaximum)));
        __m256i candidate = _mm256_and_si256(maximum, _mm256_cmpgt_epi32(m, low32));
        __m256i seed = _mm256_and_si256(candidate, _mm256_cmpgt_epi32(m, high32));
        // 1 (not an edge), 0 (candidate) or 2 (seed): 1 + candidate(-1 or 0) + (seed & 2).
        __m256i value = _mm256_add_epi32(_mm256_add_epi32(one, candidate), _mm256_and_si256(seed, two));
        __m128i words = _mm_packs_epi32(_mm256_castsi256_si128(value), _mm256_extracti128_si256(value, 1));
        _mm_storel_epi64((__m128i *)(map + x), _mm_packus_epi16(words, words));
        unsigned bits = (unsigned)_mm256_movemask_ps(_mm256_castsi256_ps(seed));
        while (bits) {
            stack[top++] = map_offset + (ptrdiff_t)x + __builtin_ctz(bits);
            bits &= bits - 1;
        }
    }
    return cvector_canny_suppress_scalar(previous, current, next, dx, dy, x, width, low, high, map, map_offset, stack, top);
}

__attribute__((target("avx2,fma")))
void cvector_resample_rgb(float *out, const float *row, const ptrdiff_t *starts, const float *weights, size_t taps,
                          size_t count) {
    size_t x = 0;
    // Two pixels per step, one per 128-bit half (3 channels and one lane read and dropped). The
    // second pixel's dropped lane is stored over the next pixel's red, which a later step writes.
    for (; x + 2 < count; x += 2) {
        const float *w0 = weights + x * taps, *w1 = w0 + taps;
        const float *p0 = row + starts[x] * 3, *p1 = row + starts[x + 1] * 3;
        __m256 sum = _mm256_setzero_ps();
        for (size_t t = 0; t < taps; t++) {
            __m256 w = _mm256_set_m128(_mm_set1_ps(w1[t]), _mm_set1_ps(w0[t]));
            __m256 v = _mm256_loadu2_m128(p1 + 3 * t, p0 + 3 * t);
            sum = _mm256_add_ps(sum, _mm256_mul_ps(w, v));
        }
        _mm_storeu_ps(out + 3 * x, _mm256_castps256_ps128(sum));
        _mm_storeu_ps(out + 3 * x + 3, _mm256_extractf128_ps(sum, 1));
    }
    for (; x < count; x++) {
        const float *w = weights + x * taps, *p = row + starts[x] * 3;
        __m128 sum = _mm_setzero_ps();
        for (size_t t = 0; t < taps; t++) sum = _mm_add_ps(sum, _mm_mul_ps(_mm_set1_ps(w[t]), _mm_loadu_ps(p + 3 * t)));
        float lanes[4];
        _mm_storeu_ps(lanes, sum);
        out[3 * x] = lanes[0];
        out[3 * x + 1] = lanes[1];
        out[3 * x + 2] = lanes[2];
    }
}
#else
static float cvector_scalar_step(float sum, float weight, float value, int fused) {
    if (fused) return fmaf(weight, value, sum);
    volatile float product = weight * value;
    return sum + product;
}

void cvector_row_filter(float *out, const float *in, const float *kernel, size_t taps, size_t width, size_t fused_end) {
    for (size_t x = 0; x < width; x++) {
        float s = kernel[0] * in[x];
        for (size_t i = 1; i < taps; i++) s = cvector_scalar_step(s, kernel[i], in[x + i], x < fused_end);
        out[x] = s;
    }
}

void cvector_symmetric_filter(float *out, const float *const *rows, const float *kernel, size_t radius,
                              size_t width, size_t fused_end) {
    for (size_t x = 0; x < width; x++) {
        float s = kernel[0] * rows[radius][x];
        for (size_t j = 1; j <= radius; j++) s = cvector_scalar_step(s, kernel[j], rows[radius - j][x] + rows[radius + j][x], x < fused_end);
        out[x] = s;
    }
}

void cvector_symmetric_row_filter(float *out, const float *centre, const float *kernel, size_t radius, size_t width) {
    for (size_t x = 0; x < width; x++) {
        float s = kernel[0] * centre[x];
        for (size_t j = 1; j <= radius; j++) s = cvector_scalar_step(s, kernel[j], centre[x - j] + centre[x + j], 0);
        out[x] = s;
    }
}

void cvector_gradient_magnitude_accumulate(float *magnitude, const float *up, const float *row, const float *down,
                                           float weight, size_t count) {
#pragma STDC FP_CONTRACT OFF
    for (size_t i = 0; i < count; i++) {
        float gx = row[i + 1] - row[i - 1], gy = down[i] - up[i];
        magnitude[i] = magnitude[i] + weight * sqrtf(gx * gx + gy * gy);
    }
}

void cvector_normalise_to_bytes(unsigned char *out, const float *values, float norm, size_t count) {
#pragma STDC FP_CONTRACT OFF
    for (size_t i = 0; i < count; i++) {
        float v = values[i] / norm;
        if (!(v < 1)) v = 1;
        out[i] = (unsigned char)(int)(v * 255 + 0.5f);
    }
}

size_t cvector_canny_suppress_row(const short *previous, const short *current, const short *next,
                                  const short *dx, const short *dy, size_t width, int low, int high,
                                  unsigned char *map, ptrdiff_t map_offset, ptrdiff_t *stack, size_t top) {
    return cvector_canny_suppress_scalar(previous, current, next, dx, dy, 0, width, low, high, map, map_offset, stack, top);
}

void cvector_resample_rgb(float *out, const float *row, const ptrdiff_t *starts, const float *weights, size_t taps,
                          size_t count) {
    for (size_t x = 0; x < count; x++) {
        for (int c = 0; c < 3; c++) {
            float sum = 0;
            for (size_t t = 0; t < taps; t++) {
                volatile float product = weights[x * taps + t] * row[(starts[x] + (ptrdiff_t)t) * 3 + c];
                sum = sum + product;
            }
            out[3 * x + c] = sum;
        }
    }
}
#endif
