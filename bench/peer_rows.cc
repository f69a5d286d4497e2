#include "bench/peer_rows.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace factstore::bench {
namespace {

// COPY text format: backslash escapes for the delimiter, newlines and the
// backslash itself; \N is null.
// Each field is appended with the tab before it; PeerRow drops the first.
void AppendField(absl::string_view value, bool null, std::string* out) {
  out->push_back('\t');
  if (null) {
    out->append("\\N");
    return;
  }
  for (char c : value) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\t':
        out->append("\\t");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      default:
        out->push_back(c);
    }
  }
}

void AppendText(absl::string_view value, std::string* out) {
  AppendField(value, value.empty(), out);
}

std::string Unescape(absl::string_view field) {
  std::string out;
  out.reserve(field.size());
  for (size_t i = 0; i < field.size(); ++i) {
    if (field[i] != '\\' || i + 1 == field.size()) {
      out.push_back(field[i]);
      continue;
    }
    char c = field[++i];
    out.push_back(c == 't' ? '\t' : c == 'n' ? '\n' : c == 'r' ? '\r' : c);
  }
  return out;
}

}  // namespace

std::string PeerRow(const v1::Fact& fact) {
  std::string row;
  AppendText(fact.id(), &row);
  AppendText(fact.subject(), &row);
  AppendText(fact.predicate(), &row);
  AppendText(fact.language(), &row);
  const v1::Value& value = fact.value();
  bool quantity = value.has_quantity();
  AppendText(quantity ? value.quantity().amount() : "", &row);
  AppendText(quantity ? value.quantity().unit() : "", &row);
  AppendField(absl::StrCat(quantity ? value.quantity().comparator() : 0),
              !quantity, &row);
  AppendText(value.has_text() ? value.text().text() : "", &row);
  AppendText(fact.valid_time().interval_start(), &row);
  AppendText(fact.valid_time().interval_end(), &row);
  AppendField(absl::StrCat(static_cast<int>(fact.modality())), false, &row);
  AppendField(absl::StrCat(static_cast<int>(fact.rank())), false, &row);
  const v1::Mention& m = fact.mentions_size() > 0
                             ? fact.mentions(0)
                             : v1::Mention::default_instance();
  AppendText(m.document_id(), &row);
  AppendText(m.url(), &row);
  AppendText(m.publisher(), &row);
  AppendText(m.publication_date(), &row);
  AppendText(m.language(), &row);
  AppendText(m.quote(), &row);
  AppendText(m.extractor(), &row);
  AppendField(absl::StrCat(m.confidence()), false, &row);
  return row.substr(1);
}

bool SplitPeerRow(absl::string_view line, std::vector<std::string>* fields,
                  std::vector<bool>* nulls) {
  fields->clear();
  nulls->clear();
  // An escaped tab is "\t", never a raw tab, so raw tabs split fields.
  for (absl::string_view field : absl::StrSplit(line, '\t')) {
    nulls->push_back(field == "\\N");
    fields->push_back(nulls->back() ? "" : Unescape(field));
  }
  return static_cast<int>(fields->size()) == kPeerColumns;
}

}  // namespace factstore::bench
