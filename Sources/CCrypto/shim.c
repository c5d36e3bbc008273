// The one-shot SHA256_* functions are deprecated in OpenSSL 3 in favour of EVP, whose context is
// a heap object; the plain struct is what lets Swift copy a hasher's state by value.
#define OPENSSL_SUPPRESS_DEPRECATED
#include <openssl/sha.h>
#include "ccrypto.h"

_Static_assert(sizeof(SHA256_CTX) <= sizeof(csha256_state), "csha256_state too small for SHA256_CTX");

void csha256_init(csha256_state *state) { SHA256_Init((SHA256_CTX *)state->opaque); }

void csha256_update(csha256_state *state, const void *bytes, size_t count) {
    SHA256_Update((SHA256_CTX *)state->opaque, bytes, count);
}

void csha256_final(csha256_state *state, unsigned char digest[32]) {
    SHA256_Final(digest, (SHA256_CTX *)state->opaque);
}
