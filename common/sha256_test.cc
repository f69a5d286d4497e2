#include "common/sha256.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <string>
#include <thread>
#include <vector>

#include "absl/strings/escaping.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

std::string Hex(const Sha256Digest& digest) {
  return absl::BytesToHexString(DigestBytes(digest));
}

// OpenSSL's one-shot functions: what the digests must equal, byte for byte.
std::string OneShotSha256(const std::string& data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(),
         digest);
  return absl::BytesToHexString(
      std::string(reinterpret_cast<char*>(digest), sizeof(digest)));
}

std::string OneShotHmac(const std::string& key, const std::string& data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac,
       &size);
  return absl::BytesToHexString(
      std::string(reinterpret_cast<char*>(mac), size));
}

// Lengths around SHA-256's 64-byte block and its 56-byte padding boundary,
// and longer, in different bytes each.
std::vector<std::string> Texts() {
  std::vector<std::string> texts;
  for (size_t size :
       {0, 1, 3, 55, 56, 57, 63, 64, 65, 119, 120, 128, 1000, 1 << 20}) {
    std::string text(size, '\0');
    for (size_t i = 0; i < size; ++i) {
      text[i] = static_cast<char>((i * 131 + size) & 0xff);
    }
    texts.push_back(text);
  }
  texts.push_back("Hà Nội");
  texts.push_back("서울");
  return texts;
}

TEST(Sha256Test, KnownAnswers) {
  // FIPS 180-2's examples.
  EXPECT_EQ(Hex(Sha256("abc")),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(Hex(Sha256("")),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  // RFC 4231, test case 2.
  EXPECT_EQ(Hex(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

TEST(Sha256Test, EqualsOpenSslsOneShotDigest) {
  // Twice over, so that a context reused from the last digest must give the
  // same answers as a fresh one.
  for (int round = 0; round < 2; ++round) {
    for (const std::string& text : Texts()) {
      EXPECT_EQ(Hex(Sha256(text)), OneShotSha256(text))
          << "round " << round << ", " << text.size() << " bytes";
    }
  }
}

TEST(Sha256Test, HmacEqualsOpenSslsOneShotHmacUnderEachKey) {
  // Keys in turn on one thread: each signature is under its own key, never
  // the previous call's. The empty key, a key of one block and a longer one
  // (which HMAC hashes first) included.
  const std::vector<std::string> keys = {"", "k", std::string(32, '\x07'),
                                         std::string(64, 'a'),
                                         std::string(100, 'b')};
  for (int round = 0; round < 2; ++round) {
    for (const std::string& text : Texts()) {
      for (const std::string& key : keys) {
        EXPECT_EQ(Hex(HmacSha256(key, text)), OneShotHmac(key, text))
            << "key of " << key.size() << " bytes, text of " << text.size();
      }
    }
  }
  EXPECT_NE(Hex(HmacSha256("", "x")), Hex(HmacSha256("k", "x")));
}

TEST(Sha256Test, ThreadsHashAtOnce) {
  const std::vector<std::string> texts = Texts();
  std::vector<std::string> expected, expected_macs;
  for (const std::string& text : texts) {
    expected.push_back(OneShotSha256(text));
    expected_macs.push_back(OneShotHmac("secret", text));
  }
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = 0; i < texts.size(); ++i) {
          if (texts[i].size() > 4096) continue;  // quick: not the 1 MiB one
          if (Hex(Sha256(texts[i])) != expected[i]) ++mismatches[t];
          if (Hex(HmacSha256("secret", texts[i])) != expected_macs[i]) {
            ++mismatches[t];
          }
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace factstore
