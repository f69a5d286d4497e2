#include "tools/factctl/printing.h"

#include <algorithm>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/enum_names.h"
#include "google/protobuf/util/json_util.h"
#include "unicode/uchar.h"
#include "unicode/utf8.h"

namespace factstore::tools {
namespace {

// Display width of UTF-8 text in terminal columns (wide East Asian
// characters take two), using ICU's East Asian Width property.
size_t DisplayWidth(const std::string& text) {
  const uint8_t* s = reinterpret_cast<const uint8_t*>(text.data());
  int32_t length = static_cast<int32_t>(text.size());
  int32_t i = 0;
  size_t width = 0;
  while (i < length) {
    UChar32 c;
    U8_NEXT(s, i, length, c);
    if (c < 0) {
      ++width;
      continue;
    }
    if (u_getIntPropertyValue(c, UCHAR_GENERAL_CATEGORY) ==
        U_NON_SPACING_MARK) {
      continue;
    }
    int eaw = u_getIntPropertyValue(c, UCHAR_EAST_ASIAN_WIDTH);
    width += (eaw == U_EA_WIDE || eaw == U_EA_FULLWIDTH) ? 2 : 1;
  }
  return width;
}

const char* ComparatorSymbol(v1::Comparator c) {
  switch (c) {
    case v1::COMPARATOR_APPROXIMATELY:
      return "≈ ";
    case v1::COMPARATOR_MORE_THAN:
      return "> ";
    case v1::COMPARATOR_AT_LEAST:
      return "≥ ";
    case v1::COMPARATOR_LESS_THAN:
      return "< ";
    case v1::COMPARATOR_AT_MOST:
      return "≤ ";
    default:
      return "";
  }
}

// A date as a person reads it: a period longer than a month by its name
// ("2024-Q3", "2024-H2", "late 2024", "2020s") rather than by its first month
// or year, which would read as a month or a year.
std::string DateLabel(const v1::TimeValue& time) {
  const std::string& date = time.date();
  if (time.precision() == v1::DATE_PRECISION_DECADE) {
    return absl::StrCat(date, "s");
  }
  int month = 0;
  if (date.size() != 7 || !absl::SimpleAtoi(date.substr(5), &month) ||
      month < 1 || month > 12) {
    return date;
  }
  const std::string year = date.substr(0, 4);
  switch (time.precision()) {
    case v1::DATE_PRECISION_QUARTER:
      return absl::StrCat(year, "-Q", (month - 1) / 3 + 1);
    case v1::DATE_PRECISION_HALF_YEAR:
      return absl::StrCat(year, "-H", (month - 1) / 6 + 1);
    case v1::DATE_PRECISION_FOUR_MONTHS: {
      static constexpr const char* kThirds[] = {"early", "mid", "late"};
      return absl::StrCat(kThirds[(month - 1) / 4], " ", year);
    }
    default:
      return date;
  }
}

std::string DescribeTime(const v1::TimeValue& time) {
  const std::string date = DateLabel(time);
  switch (time.modifier()) {
    case v1::DATE_MODIFIER_BY:
      return absl::StrCat("by ", date);
    case v1::DATE_MODIFIER_APPROXIMATELY:
      return absl::StrCat("~", date);
    case v1::DATE_MODIFIER_BEFORE:
      return absl::StrCat("before ", date);
    case v1::DATE_MODIFIER_AFTER:
      return absl::StrCat("after ", date);
    case v1::DATE_MODIFIER_SINCE:
      return absl::StrCat("since ", date);
    default:
      return date;
  }
}

std::string DescribeValidTime(const v1::ValidTime& time) {
  if (!time.at().date().empty()) return DescribeTime(time.at());
  if (time.start().date().empty() && time.end().date().empty()) return "";
  return absl::StrCat(DateLabel(time.start()), "..", DateLabel(time.end()));
}

}  // namespace

std::string ToJsonLine(const google::protobuf::Message& message) {
  std::string json;
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = false;
  if (!google::protobuf::util::MessageToJsonString(message, &json, options)
           .ok()) {
    return "{}";
  }
  return json;
}

std::string DescribeValue(const v1::Value& value) {
  switch (value.kind_case()) {
    case v1::Value::kEntityId:
      return value.entity_id();
    case v1::Value::kQuantity: {
      const v1::Quantity& q = value.quantity();
      if (q.comparator() == v1::COMPARATOR_RANGE) {
        return absl::StrCat(q.lower_bound(), "-", q.upper_bound(), " ",
                            q.unit());
      }
      return absl::StrCat(ComparatorSymbol(q.comparator()), q.amount(), " ",
                          q.unit());
    }
    case v1::Value::kText:
      return absl::StrCat("\"", value.text().text(), "\"");
    case v1::Value::kTime:
      return DescribeTime(value.time());
    case v1::Value::kBoolean:
      return value.boolean() ? "yes" : "no";
    default:
      return "";
  }
}

void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows) {
  std::vector<size_t> widths(header.size(), 0);
  auto measure = [&](const std::vector<std::string>& row) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], DisplayWidth(row[i]));
    }
  };
  measure(header);
  for (const auto& row : rows) measure(row);
  auto print = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      line += row[i];
      if (i + 1 < row.size()) {
        line.append(widths[i] - DisplayWidth(row[i]) + 2, ' ');
      }
    }
    out << line << "\n";
  };
  print(header);
  for (const auto& row : rows) print(row);
}

std::vector<std::string> FactHeader() {
  return {"ID",    "SUBJECT",  "PREDICATE", "VALUE",
          "VALID", "MODALITY", "SOURCES"};
}

std::vector<std::string> FactRow(const v1::Fact& fact) {
  std::string modality = ShortEnumName(fact.modality());
  if (fact.retracted()) modality += " (retracted)";
  return {fact.id(),
          fact.subject(),
          fact.predicate(),
          DescribeValue(fact.value()),
          DescribeValidTime(fact.valid_time()),
          modality,
          absl::StrCat(fact.mentions_size())};
}

std::vector<std::string> EntityHeader() {
  return {"ID", "TYPE", "NAME", "ALIASES"};
}

std::vector<std::string> EntityRow(const v1::Entity& entity) {
  return {entity.id(), ShortEnumName(entity.type()),
          entity.has_preferred_label() ? entity.preferred_label().name()
                                       : entity.name(),
          absl::StrJoin(entity.aliases(), ", ")};
}

std::vector<std::string> TextValueRow(const v1::TextValue& value) {
  std::string kind, normalized;
  v1::Value as_value;
  switch (value.value_case()) {
    case v1::TextValue::kQuantity:
      kind = "quantity";
      *as_value.mutable_quantity() = value.quantity();
      normalized = DescribeValue(as_value);
      break;
    case v1::TextValue::kTime:
      kind = "date";
      normalized = DescribeTime(value.time());
      break;
    case v1::TextValue::kPeriod:
      kind = "period";
      normalized = DescribeValidTime(value.period());
      break;
    default:
      break;
  }
  return {absl::StrCat(value.start()), absl::StrCat(value.end()), value.text(),
          kind, normalized};
}

std::vector<std::string> TextValueHeader() {
  return {"START", "END", "TEXT", "KIND", "VALUE"};
}

}  // namespace factstore::tools
