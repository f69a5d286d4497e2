#include "common/sha256.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include <cstdio>
#include <cstdlib>
#include <memory>

namespace factstore {
namespace {

[[noreturn]] void Fail(const char* what) {
  std::fprintf(stderr, "factstore: OpenSSL cannot %s\n", what);
  ERR_print_errors_fp(stderr);
  std::abort();
}

void Check(int ok, const char* what) {
  if (ok != 1) Fail(what);
}

// The algorithms, fetched once for the process and never freed (they are
// shared, immutable and used until exit).
const EVP_MD* Sha256Algorithm() {
  static const EVP_MD* const md = [] {
    EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    if (fetched == nullptr) Fail("fetch SHA256");
    return fetched;
  }();
  return md;
}

EVP_MAC* HmacAlgorithm() {
  static EVP_MAC* const mac = [] {
    EVP_MAC* fetched = EVP_MAC_fetch(nullptr, "HMAC", nullptr);
    if (fetched == nullptr) Fail("fetch HMAC");
    return fetched;
  }();
  return mac;
}

struct DigestContextFree {
  void operator()(EVP_MD_CTX* context) const { EVP_MD_CTX_free(context); }
};
struct MacContextFree {
  void operator()(EVP_MAC_CTX* context) const { EVP_MAC_CTX_free(context); }
};

}  // namespace

Sha256Digest Sha256(absl::string_view data) {
  // One context per thread, initialized again for each digest; its final
  // step wipes the message bytes it buffered.
  thread_local std::unique_ptr<EVP_MD_CTX, DigestContextFree> context(
      EVP_MD_CTX_new());
  if (context == nullptr) Fail("allocate a digest context (or thread ended)");
  Sha256Digest digest;
  unsigned int size = 0;
  Check(EVP_DigestInit_ex(context.get(), Sha256Algorithm(), nullptr),
        "start SHA256");
  Check(EVP_DigestUpdate(context.get(), data.data(), data.size()),
        "hash with SHA256");
  Check(EVP_DigestFinal_ex(context.get(), digest.data(), &size),
        "finish SHA256");
  if (size != digest.size()) Fail("make a 32-byte SHA256");
  return digest;
}

Sha256Digest HmacSha256(absl::string_view key, absl::string_view data) {
  thread_local std::unique_ptr<EVP_MAC_CTX, MacContextFree> context = [] {
    std::unique_ptr<EVP_MAC_CTX, MacContextFree> made(
        EVP_MAC_CTX_new(HmacAlgorithm()));
    if (made == nullptr) Fail("allocate a MAC context");
    char digest_name[] = "SHA256";
    const OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest_name, 0),
        OSSL_PARAM_construct_end()};
    Check(EVP_MAC_CTX_set_params(made.get(), params), "choose SHA256 for HMAC");
    return made;
  }();
  if (context == nullptr) Fail("use a MAC context after its thread ended");
  // Keyed on every call: a thread may sign under several keys (one per
  // store), and keying is a fraction of what the one-shot HMAC() costs. A
  // null key would mean "the last one" to OpenSSL, so an empty key is passed
  // as a non-null pointer.
  static const unsigned char kNoKey[1] = {0};
  const unsigned char* key_bytes =
      key.empty() ? kNoKey : reinterpret_cast<const unsigned char*>(key.data());
  Sha256Digest mac;
  size_t size = 0;
  Check(EVP_MAC_init(context.get(), key_bytes, key.size(), nullptr),
        "start HMAC-SHA256");
  Check(EVP_MAC_update(context.get(),
                       reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()),
        "sign with HMAC-SHA256");
  Check(EVP_MAC_final(context.get(), mac.data(), &size, mac.size()),
        "finish HMAC-SHA256");
  if (size != mac.size()) Fail("make a 32-byte HMAC-SHA256");
  return mac;
}

}  // namespace factstore
