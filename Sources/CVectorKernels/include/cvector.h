#ifndef CVECTOR_H
#define CVECTOR_H
#include <stddef.h>

/// Vector kernels that need an instruction Swift cannot ask for without building the whole
/// program for one processor: here, the fused multiply-add (FMA3). Each is compiled for AVX2+FMA
/// and called only when `cvector_has_fma()` says the processor has them; callers keep a portable
/// path with the same results for the others.

/// 1 when the processor runs AVX2 and FMA3 instructions, else 0 (then call none of these).
int cvector_has_fma(void);

/// sum[i] = fma(weight, input[i], sum[i]) for i < count: one rounding per step.
void cvector_fma_accumulate(float *sum, const float *input, float weight, size_t count);

/// sum[i] = fma(weight, up[i] + down[i], sum[i]) for i < count (the pair added in float first).
void cvector_fma_accumulate_pair(float *sum, const float *up, const float *down, float weight, size_t count);

/// sum[i] = sum[i] + weight * input[i] for i < count: a multiply and an add, each rounded (the
/// same bits as scalar code; AVX2 only makes it wider).
void cvector_accumulate(float *sum, const float *input, float weight, size_t count);

/// sum[i] = sum[i] + weight * (up[i] + down[i]) for i < count, each operation rounded.
void cvector_accumulate_pair(float *sum, const float *up, const float *down, float weight, size_t count);

#endif
