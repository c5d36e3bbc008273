// CMalloc: glibc's malloc tuning (mallopt), which Swift's Glibc module does not expose.
#ifndef CMALLOC_H
#define CMALLOC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

// Fixes glibc's mmap threshold (allocations of at least this many bytes get their own mapping,
// returned to the system when freed) and trim threshold (free memory kept at the top of a heap
// before it is returned). Setting them turns off glibc's dynamic adjustment of both. Returns 1
// when applied, 0 where the C library is not glibc (nothing changes then).
// reference: mallopt(3), M_MMAP_THRESHOLD and M_TRIM_THRESHOLD.
int cmalloc_set_thresholds(size_t mmap_threshold, size_t trim_threshold);

#ifdef __cplusplus
}
#endif

#endif
