#include "common/errors.h"

#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/time_util.h"
#include "google/rpc/error_details.pb.h"

namespace factstore {
namespace {

constexpr absl::string_view kTypeUrlPrefix = "type.googleapis.com/";

template <typename Message>
std::string TypeUrl() {
  return absl::StrCat(kTypeUrlPrefix, Message::descriptor()->full_name());
}

template <typename Message>
void SetDetail(absl::Status* status, const Message& detail) {
  status->SetPayload(TypeUrl<Message>(),
                     absl::Cord(detail.SerializeAsString()));
}

template <typename Message>
bool GetDetail(const absl::Status& status, Message* detail) {
  auto payload = status.GetPayload(TypeUrl<Message>());
  return payload.has_value() && detail->ParseFromString(std::string(*payload));
}

// Messages quote what clients sent (ids, values); a client that sends a
// megabyte must not get, or make the server log, a megabyte-long message.
constexpr size_t kMaxMessageBytes = 2048;

std::string BoundedMessage(absl::string_view message) {
  if (message.size() <= kMaxMessageBytes) return std::string(message);
  size_t cut = kMaxMessageBytes;
  // Back up to the start of a UTF-8 sequence.
  while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80) {
    --cut;
  }
  return absl::StrCat(message.substr(0, cut), "… (", message.size() - cut,
                      " more bytes)");
}

}  // namespace

absl::string_view ReasonForCode(absl::StatusCode code) {
  switch (code) {
    case absl::StatusCode::kOk:
      return "OK";
    case absl::StatusCode::kCancelled:
      return "CANCELLED";
    case absl::StatusCode::kUnknown:
      return "UNKNOWN";
    case absl::StatusCode::kInvalidArgument:
      return "INVALID_ARGUMENT";
    case absl::StatusCode::kDeadlineExceeded:
      return "DEADLINE_EXCEEDED";
    case absl::StatusCode::kNotFound:
      return "NOT_FOUND";
    case absl::StatusCode::kAlreadyExists:
      return "ALREADY_EXISTS";
    case absl::StatusCode::kPermissionDenied:
      return "PERMISSION_DENIED";
    case absl::StatusCode::kResourceExhausted:
      return "RESOURCE_EXHAUSTED";
    case absl::StatusCode::kFailedPrecondition:
      return "FAILED_PRECONDITION";
    case absl::StatusCode::kAborted:
      return "ABORTED";
    case absl::StatusCode::kOutOfRange:
      return "OUT_OF_RANGE";
    case absl::StatusCode::kUnimplemented:
      return "UNIMPLEMENTED";
    case absl::StatusCode::kInternal:
      return "INTERNAL";
    case absl::StatusCode::kUnavailable:
      return "UNAVAILABLE";
    case absl::StatusCode::kDataLoss:
      return "DATA_LOSS";
    case absl::StatusCode::kUnauthenticated:
      return "UNAUTHENTICATED";
    default:
      return "UNKNOWN";
  }
}

absl::Status InvalidField(absl::string_view field,
                          absl::string_view description) {
  FieldViolation violation{std::string(field), std::string(description)};
  return InvalidFields(absl::StrCat(field, ": ", description), {violation});
}

absl::Status InvalidFields(absl::string_view message,
                           absl::Span<const FieldViolation> violations) {
  absl::Status status = absl::InvalidArgumentError(message);
  google::rpc::BadRequest bad_request;
  for (const FieldViolation& v : violations) {
    google::rpc::BadRequest::FieldViolation* out =
        bad_request.add_field_violations();
    out->set_field(v.field);
    out->set_description(BoundedMessage(v.description));
  }
  SetDetail(&status, bad_request);
  return WithReason(std::move(status), reason::kInvalidField);
}

absl::Status WithReason(
    absl::Status status, absl::string_view reason,
    std::vector<std::pair<std::string, std::string>> metadata) {
  if (status.ok()) return status;
  google::rpc::ErrorInfo info;
  info.set_reason(std::string(reason));
  info.set_domain(std::string(kErrorDomain));
  for (auto& [key, value] : metadata) {
    (*info.mutable_metadata())[key] = std::move(value);
  }
  SetDetail(&status, info);
  return status;
}

absl::Status WithRetryDelay(absl::Status status, absl::Duration delay) {
  if (status.ok()) return status;
  google::rpc::RetryInfo retry;
  *retry.mutable_retry_delay() =
      google::protobuf::util::TimeUtil::NanosecondsToDuration(
          absl::ToInt64Nanoseconds(delay));
  SetDetail(&status, retry);
  return status;
}

std::vector<FieldViolation> FieldViolationsOf(const absl::Status& status) {
  std::vector<FieldViolation> violations;
  google::rpc::BadRequest bad_request;
  if (GetDetail(status, &bad_request)) {
    for (const auto& v : bad_request.field_violations()) {
      violations.push_back({v.field(), v.description()});
    }
  }
  return violations;
}

std::string ReasonOf(const absl::Status& status) {
  google::rpc::ErrorInfo info;
  return GetDetail(status, &info) ? info.reason() : "";
}

google::rpc::Status ToRpcStatus(const absl::Status& status) {
  google::rpc::Status rpc;
  rpc.set_code(static_cast<int>(status.code()));
  rpc.set_message(BoundedMessage(status.message()));
  status.ForEachPayload(
      [&rpc](absl::string_view type_url, const absl::Cord& value) {
        if (!absl::StartsWith(type_url, kTypeUrlPrefix)) return;
        google::protobuf::Any* detail = rpc.add_details();
        detail->set_type_url(std::string(type_url));
        detail->set_value(std::string(value));
      });
  google::rpc::ErrorInfo info;
  if (!GetDetail(status, &info)) {
    info.set_reason(std::string(ReasonForCode(status.code())));
    info.set_domain(std::string(kErrorDomain));
    rpc.add_details()->PackFrom(info);
  }
  google::rpc::RetryInfo retry;
  // A read too large for any server stays too large: no RetryInfo.
  bool retryable = (status.code() == absl::StatusCode::kResourceExhausted ||
                    status.code() == absl::StatusCode::kUnavailable) &&
                   info.reason() != reason::kReadTooLarge;
  if (retryable && !GetDetail(status, &retry)) {
    retry.mutable_retry_delay()->set_seconds(1);
    rpc.add_details()->PackFrom(retry);
  }
  return rpc;
}

}  // namespace factstore
