#include "common/message_digest.h"

#include "google/protobuf/struct.pb.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

google::protobuf::Struct MapWith(const std::vector<std::string>& keys) {
  google::protobuf::Struct message;
  for (const std::string& key : keys) {
    (*message.mutable_fields())[key].set_string_value("v-" + key);
  }
  return message;
}

TEST(MessageDigestTest, EqualMessagesHaveEqualDigestsWhateverTheMapOrder) {
  // Map fields serialize in insertion order unless deterministic: a digest
  // that changed with it would make a retry look like a different request.
  std::vector<std::string> keys, reversed;
  for (int i = 0; i < 50; ++i) keys.push_back("key" + std::to_string(i));
  reversed.assign(keys.rbegin(), keys.rend());
  EXPECT_EQ(MessageSha256(MapWith(keys)), MessageSha256(MapWith(reversed)));
  EXPECT_EQ(MessageSha256(MapWith(keys)).size(), 32u);
}

TEST(MessageDigestTest, DifferentMessagesOrSuffixesDiffer) {
  EXPECT_NE(MessageSha256(MapWith({"a"})), MessageSha256(MapWith({"b"})));
  EXPECT_NE(MessageSha256(MapWith({"a"})), MessageSha256(MapWith({"a"}), "x"));
}

TEST(MessageDigestTest, IsSha256OfTheSerializationAndTheSuffix) {
  // The empty message serializes to nothing: the digest is SHA-256 of the
  // suffix alone (FIPS 180-2's test vector "abc").
  EXPECT_EQ(MessageSha256(google::protobuf::Struct(), "abc"),
            std::string("\xba\x78\x16\xbf\x8f\x01\xcf\xea\x41\x41\x40\xde\x5d"
                        "\xae\x22\x23\xb0\x03\x61\xa3\x96\x17\x7a\x9c\xb4\x10"
                        "\xff\x61\xf2\x00\x15\xad",
                        32));
}

}  // namespace
}  // namespace factstore
