#include "common/errors.h"

#include <string>

#include "google/rpc/error_details.pb.h"
#include "gtest/gtest.h"

namespace factstore {
namespace {

// The details of `rpc`, unpacked.
struct Details {
  bool has_bad_request = false;
  google::rpc::BadRequest bad_request;
  int error_infos = 0;
  google::rpc::ErrorInfo error_info;
  bool has_retry = false;
  google::rpc::RetryInfo retry;
};

Details Unpack(const google::rpc::Status& rpc) {
  Details d;
  for (const google::protobuf::Any& any : rpc.details()) {
    if (any.UnpackTo(&d.bad_request)) {
      d.has_bad_request = true;
    } else if (any.UnpackTo(&d.error_info)) {
      ++d.error_infos;
    } else if (any.UnpackTo(&d.retry)) {
      d.has_retry = true;
    } else {
      ADD_FAILURE() << "unexpected detail " << any.type_url();
    }
  }
  return d;
}

TEST(ErrorsTest, InvalidFieldNamesTheFieldInMessageAndDetails) {
  google::rpc::Status rpc =
      ToRpcStatus(InvalidField("facts[2].subject", "is required"));
  EXPECT_EQ(rpc.code(), 3);
  EXPECT_EQ(rpc.message(), "facts[2].subject: is required");
  Details d = Unpack(rpc);
  ASSERT_TRUE(d.has_bad_request);
  ASSERT_EQ(d.bad_request.field_violations_size(), 1);
  EXPECT_EQ(d.bad_request.field_violations(0).field(), "facts[2].subject");
  EXPECT_EQ(d.bad_request.field_violations(0).description(), "is required");
  EXPECT_EQ(d.error_infos, 1);
  EXPECT_EQ(d.error_info.reason(), "INVALID_FIELD");
  EXPECT_EQ(d.error_info.domain(), "factstore.v1");
  EXPECT_FALSE(d.has_retry);
}

TEST(ErrorsTest, EveryErrorGetsAReasonAndRetryableOnesADelay) {
  Details internal = Unpack(ToRpcStatus(absl::InternalError("boom")));
  EXPECT_EQ(internal.error_infos, 1);
  EXPECT_EQ(internal.error_info.reason(), "INTERNAL");
  EXPECT_FALSE(internal.has_retry);

  Details unavailable = Unpack(ToRpcStatus(
      WithReason(absl::UnavailableError("not the leader"), reason::kNotLeader,
                 {{"leader", "10.0.0.7:50051"}})));
  EXPECT_EQ(unavailable.error_infos, 1);
  EXPECT_EQ(unavailable.error_info.reason(), "NOT_LEADER");
  EXPECT_EQ(unavailable.error_info.metadata().at("leader"), "10.0.0.7:50051");
  ASSERT_TRUE(unavailable.has_retry);
  EXPECT_EQ(unavailable.retry.retry_delay().seconds(), 1);

  Details shed = Unpack(ToRpcStatus(WithRetryDelay(
      absl::ResourceExhaustedError("queue full"), absl::Milliseconds(250))));
  ASSERT_TRUE(shed.has_retry);
  EXPECT_EQ(shed.retry.retry_delay().seconds(), 0);
  EXPECT_EQ(shed.retry.retry_delay().nanos(), 250000000);

  // A request over a size limit is INVALID_ARGUMENT: no RetryInfo.
  Details too_large = Unpack(ToRpcStatus(
      WithReason(InvalidField("facts", "too many"), reason::kRequestTooLarge)));
  EXPECT_FALSE(too_large.has_retry);
  EXPECT_TRUE(too_large.has_bad_request);
}

TEST(ErrorsTest, ASecondReasonReplacesTheFirst) {
  absl::Status status = WithReason(InvalidField("page_token", "expired"),
                                   reason::kInvalidPageToken);
  Details d = Unpack(ToRpcStatus(status));
  EXPECT_EQ(d.error_info.reason(), "INVALID_PAGE_TOKEN");
  EXPECT_EQ(d.error_infos, 1);
  EXPECT_TRUE(d.has_bad_request);
  EXPECT_EQ(Unpack(ToRpcStatus(absl::NotFoundError("x"))).error_info.reason(),
            "NOT_FOUND");
}

TEST(ErrorsTest, LongMessagesAreCutOnACharacterBoundary) {
  // 3-byte characters, so that a cut at an arbitrary byte would split one.
  std::string value;
  for (int i = 0; i < 100000; ++i) value += "ế";
  google::rpc::Status rpc = ToRpcStatus(InvalidField("value.text", value));
  EXPECT_LT(rpc.message().size(), 2100u);
  EXPECT_NE(rpc.message().find("more bytes)"), std::string::npos);
  Details d = Unpack(rpc);
  ASSERT_TRUE(d.has_bad_request);
  EXPECT_LT(d.bad_request.field_violations(0).description().size(), 2100u);
  // What precedes the ellipsis is whole characters.
  std::string kept = rpc.message().substr(0, rpc.message().find("…"));
  EXPECT_EQ((kept.size() - std::string("value.text: ").size()) % 3, 0u);
}

}  // namespace
}  // namespace factstore
