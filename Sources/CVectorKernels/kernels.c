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

#if defined(__x86_64__) || defined(__i386__)
__attribute__((target("avx2,fma")))
void cvector_fma_accumulate(float *sum, const float *input, float weight, size_t count) {
    const __m256 w = _mm256_set1_ps(weight);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 s = _mm256_loadu_ps(sum + i);
        _mm256_storeu_ps(sum + i, _mm256_fmadd_ps(w, _mm256_loadu_ps(input + i), s));
    }
    for (; i < count; i++) sum[i] = fmaf(weight, input[i], sum[i]);
}

__attribute__((target("avx2,fma")))
void cvector_fma_accumulate_pair(float *sum, const float *up, const float *down, float weight, size_t count) {
    const __m256 w = _mm256_set1_ps(weight);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 pair = _mm256_add_ps(_mm256_loadu_ps(up + i), _mm256_loadu_ps(down + i));
        _mm256_storeu_ps(sum + i, _mm256_fmadd_ps(w, pair, _mm256_loadu_ps(sum + i)));
    }
    for (; i < count; i++) sum[i] = fmaf(weight, up[i] + down[i], sum[i]);
}
__attribute__((target("avx2")))
void cvector_accumulate(float *sum, const float *input, float weight, size_t count) {
    const __m256 w = _mm256_set1_ps(weight);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 product = _mm256_mul_ps(w, _mm256_loadu_ps(input + i));
        _mm256_storeu_ps(sum + i, _mm256_add_ps(_mm256_loadu_ps(sum + i), product));
    }
    for (; i < count; i++) {
        volatile float product = weight * input[i];  // never contracted into an FMA
        sum[i] = sum[i] + product;
    }
}

__attribute__((target("avx2")))
void cvector_accumulate_pair(float *sum, const float *up, const float *down, float weight, size_t count) {
    const __m256 w = _mm256_set1_ps(weight);
    size_t i = 0;
    for (; i + 8 <= count; i += 8) {
        __m256 pair = _mm256_add_ps(_mm256_loadu_ps(up + i), _mm256_loadu_ps(down + i));
        _mm256_storeu_ps(sum + i, _mm256_add_ps(_mm256_loadu_ps(sum + i), _mm256_mul_ps(w, pair)));
    }
    for (; i < count; i++) {
        volatile float product = weight * (up[i] + down[i]);
        sum[i] = sum[i] + product;
    }
}
#else
void cvector_fma_accumulate(float *sum, const float *input, float weight, size_t count) {
    for (size_t i = 0; i < count; i++) sum[i] = fmaf(weight, input[i], sum[i]);
}

void cvector_fma_accumulate_pair(float *sum, const float *up, const float *down, float weight, size_t count) {
    for (size_t i = 0; i < count; i++) sum[i] = fmaf(weight, up[i] + down[i], sum[i]);
}

void cvector_accumulate(float *sum, const float *input, float weight, size_t count) {
    for (size_t i = 0; i < count; i++) {
        volatile float product = weight * input[i];
        sum[i] = sum[i] + product;
    }
}

void cvector_accumulate_pair(float *sum, const float *up, const float *down, float weight, size_t count) {
    for (size_t i = 0; i < count; i++) {
        volatile float product = weight * (up[i] + down[i]);
        sum[i] = sum[i] + product;
    }
}
#endif
