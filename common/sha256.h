// SHA-256 and HMAC-SHA256 through OpenSSL, for the paths that hash on every
// fact, word or page: derived fact ids, word hashes, request and query
// fingerprints, page-token MACs, replicated log entries' digests.
//
//   Sha256Digest digest = Sha256(bytes);
//   Sha256Digest mac = HmacSha256(secret, bytes);
//
// Why not OpenSSL's one-shot SHA256() and HMAC(): since OpenSSL 3.0 each call
// looks the algorithm up in the provider store (a lock and reference counts
// shared by all threads) and builds a context of its own. Measured on the
// project's machine (OpenSSL 3.0, one thread): SHA256() of a word 0.95 us,
// HMAC() of a page cursor 3.3 us. These functions fetch the algorithm once
// per process and keep one context per thread: 0.21 and 1.1 us. The digests
// are OpenSSL's, byte for byte (common/sha256_test.cc checks them against
// the one-shot functions), so stored hashes do not change.
#ifndef FACTSTORE_COMMON_SHA256_H_
#define FACTSTORE_COMMON_SHA256_H_

#include <array>
#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace factstore {

inline constexpr size_t kSha256Bytes = 32;
using Sha256Digest = std::array<unsigned char, kSha256Bytes>;

// The SHA-256 digest of `data`. Thread-safe. Aborts the process if OpenSSL
// cannot provide SHA-256 at all (no default provider), which no digest could
// survive. Not for destructors of static or thread_local objects: the
// thread's context may be gone by then.
Sha256Digest Sha256(absl::string_view data);

// HMAC-SHA256 of `data` under `key` (any length, empty included).
// Thread-safe; aborts and is not for destructors, as Sha256.
Sha256Digest HmacSha256(absl::string_view key, absl::string_view data);

// The digest's first `size` bytes (at most all 32) as a string.
inline std::string DigestBytes(const Sha256Digest& digest,
                               size_t size = kSha256Bytes) {
  return std::string(reinterpret_cast<const char*>(digest.data()),
                     size < kSha256Bytes ? size : kSha256Bytes);
}

}  // namespace factstore

#endif  // FACTSTORE_COMMON_SHA256_H_
