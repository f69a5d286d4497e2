#include "ingest_service/fact_identity.h"

#include <algorithm>
#include <vector>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "common/sha256.h"
#include "storage/key_codec.h"

namespace factstore::ingest {
namespace {

using storage::PutEscapedString;

// Appends an unambiguous encoding of a normalized value: every component is
// escaped and terminated (storage/key_codec.h), behind a kind tag.
void PutValue(std::string* out, const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kEntityId:
      PutEscapedString(out, "entity");
      PutEscapedString(out, value.entity_id());
      break;
    case v1::Value::kQuantity: {
      const v1::Quantity& q = value.quantity();
      PutEscapedString(out, "quantity");
      PutEscapedString(out, q.amount());
      PutEscapedString(out, q.unit());
      PutEscapedString(out, absl::StrCat(q.comparator()));
      PutEscapedString(out, q.lower_bound());
      PutEscapedString(out, q.upper_bound());
      break;
    }
    case v1::Value::kText:
      PutEscapedString(out, "text");
      PutEscapedString(out, value.text().text());
      PutEscapedString(out, value.text().language());
      break;
    case v1::Value::kTime:
      PutEscapedString(out, "time");
      PutEscapedString(out, value.time().date());
      PutEscapedString(out, absl::StrCat(value.time().precision()));
      PutEscapedString(out, absl::StrCat(value.time().modifier()));
      break;
    case v1::Value::kBoolean:
      PutEscapedString(out, "boolean");
      PutEscapedString(out, value.boolean() ? "true" : "false");
      break;
    default:
      PutEscapedString(out, "none");
      break;
  }
}

void PutTime(std::string* out, const v1::TimeValue& time) {
  PutEscapedString(out, time.date());
  PutEscapedString(out, absl::StrCat(time.precision()));
  PutEscapedString(out, absl::StrCat(time.modifier()));
}

}  // namespace

std::string DeriveFactId(const v1::Fact& fact) {
  std::string canonical;
  PutEscapedString(&canonical, "factstore.fact.v1");
  PutEscapedString(&canonical, fact.subject());
  PutEscapedString(&canonical, fact.predicate());
  PutValue(&canonical, fact.value());
  PutTime(&canonical, fact.valid_time().at());
  PutTime(&canonical, fact.valid_time().start());
  PutTime(&canonical, fact.valid_time().end());
  std::vector<const std::string*> names;
  for (const auto& [name, value] : fact.qualifiers()) names.push_back(&name);
  std::sort(names.begin(), names.end(),
            [](const std::string* a, const std::string* b) { return *a < *b; });
  for (const std::string* name : names) {
    PutEscapedString(&canonical, *name);
    PutValue(&canonical, fact.qualifiers().at(*name));
  }
  static_assert(storage::kDerivedFactIdBytes <= kSha256Bytes);
  return absl::StrCat(storage::kDerivedFactIdPrefix,
                      absl::BytesToHexString(DigestBytes(
                          Sha256(canonical), storage::kDerivedFactIdBytes)));
}

}  // namespace factstore::ingest
