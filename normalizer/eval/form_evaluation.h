// The normalizers' evaluation set: forms of quantities, dates and sentences
// as news in English, Vietnamese and Korean writes them, each with the
// output factstore should give (normalizer/eval/forms_*.tsv, written by hand
// from the conventions of docs/units.md, not from the normalizers' tables),
// and the accuracy of the normalizers on them.
//
// A form is a line of tab-separated fields: language, kind, text, expected,
// and an optional publication date (for relative dates). Kinds and what
// `expected` holds:
//   money, count, percent, unit, rate, vague   NormalizeQuantity:
//       "85900000000 USD EXACT", "10..15 percent RANGE"
//   date, relative_date                        NormalizeDate:
//       "2024-08-02 DAY EXACT", "2028 YEAR BY"
//   period                                     NormalizeValidTime's interval:
//       "2020-01-01..2025-01-01", "2019-01-01.." (open end)
//   sentence                                   FindValues, " | "-separated:
//       "$600 billion=600000000000 USD EXACT | by 2028=2028 YEAR BY"
//   reject (or any kind's "REJECT")            every normalizer refuses it,
//       with a message that quotes the text
// Lines starting with '#' and empty lines are skipped.
#ifndef FACTSTORE_NORMALIZER_EVAL_FORM_EVALUATION_H_
#define FACTSTORE_NORMALIZER_EVAL_FORM_EVALUATION_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace factstore::normalizer {

struct Form {
  std::string language;
  std::string kind;
  std::string text;
  std::string expected;
  std::string publication_date;  // may be empty
  std::string where;             // "forms_en.tsv:12", for messages
};

// The forms of one file's `content`; INVALID_ARGUMENT naming the line for a
// malformed one (too few fields, an unknown kind or language).
absl::StatusOr<std::vector<Form>> ParseForms(absl::string_view content,
                                             absl::string_view file);

// What the normalizers make of `form`, in the form of Form::expected, or
// "REJECT: <message>" when they refuse it.
std::string Actual(const Form& form);

// True if `actual` (from Actual) is what `form` expects.
bool Matches(const Form& form, const std::string& actual);

struct Tally {
  int forms = 0;
  int exact = 0;
  double accuracy() const { return forms == 0 ? 0 : 1.0 * exact / forms; }
};

struct Evaluation {
  Tally all;
  std::map<std::string, Tally> by_language;
  std::map<std::string, Tally> by_kind;
  // "where: text: expected ... got ...", one per form that did not match.
  std::vector<std::string> misses;
};

Evaluation Evaluate(const std::vector<Form>& forms);

}  // namespace factstore::normalizer

#endif  // FACTSTORE_NORMALIZER_EVAL_FORM_EVALUATION_H_
