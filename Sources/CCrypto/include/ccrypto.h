#ifndef CCRYPTO_H
#define CCRYPTO_H
#include <stddef.h>

/// SHA-256 through OpenSSL's libcrypto, which picks the processor's fastest routine at run time
/// (the SHA extensions where the CPU has them, else AVX2/SSSE3 code). The state is a plain value
/// (a copy of SHA256_CTX), so a Swift struct holding it keeps value semantics.
typedef struct {
    unsigned long long opaque[16];
} csha256_state;

void csha256_init(csha256_state *state);
void csha256_update(csha256_state *state, const void *bytes, size_t count);
void csha256_final(csha256_state *state, unsigned char digest[32]);

#endif
