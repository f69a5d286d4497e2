// word_cutting: what cutting a quote into the word index's hashes costs the
// ingest service (storage::TextWordHashes, run once per distinct text of a
// fact), next to what ICU's word break iterator alone costs over the same
// texts (UTF-8 to UTF-16, then every boundary): the floor of any cutting
// through ICU. Texts of ASCII, Latin letters and Hangul syllables are cut
// without ICU (normalizer/search_terms.h), so the cutting can go below it.
// Prints one JSON object: the figures over all texts, then apart for the
// texts of ASCII characters only and for the others ("by_kind").
//
//   word_cutting --texts=3000 --seconds=2
//
// The texts are the load generator's quotes (bench/workload.h): about 150
// characters each, in English, Vietnamese and Korean, the language drawn per
// document (of the first 3,000, about a fifth are ASCII).
// One thread; CPU time of this process.
#include <cstdint>
#include <iostream>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/algorithm/container.h"
#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "bench/measure.h"
#include "bench/workload.h"
#include "storage/word_postings.h"
#include "unicode/brkiter.h"
#include "unicode/locid.h"
#include "unicode/rbbi.h"
#include "unicode/ubrk.h"
#include "unicode/unistr.h"

ABSL_FLAG(int64_t, texts, 3000, "Distinct quotes to cut, from fact 0 on.");
ABSL_FLAG(double, seconds, 2.0,
          "CPU seconds to spend on each way of cutting all texts (and half "
          "as many on each for the ASCII texts and for the others).");

namespace factstore::bench {
namespace {

// Runs `cut` over `texts` round after round until `seconds` of CPU have
// passed; returns CPU microseconds per text and adds them to `out`.
template <typename Cut>
double Measure(const std::vector<std::string>& texts, double seconds,
               absl::string_view name, Cut cut, Json* out) {
  int64_t words = 0;
  const CpuRun run =
      RunForCpuSeconds(seconds, static_cast<int64_t>(texts.size()), [&] {
        for (const std::string& text : texts) words += cut(text);
      });
  const double us_per_text = run.MicrosPerItem();
  Json figures;
  figures.Add("us_per_text", us_per_text)
      .Add("words_per_text",
           static_cast<double>(words) / static_cast<double>(run.items))
      .Add("texts_cut", run.items);
  out->Add(name, figures);
  return us_per_text;
}

int Run() {
  const int64_t count = absl::GetFlag(FLAGS_texts);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  if (count <= 0 || seconds <= 0) {
    std::cerr << "word_cutting: --texts and --seconds must be positive\n";
    return 2;
  }
  Workload workload{WorkloadOptions{}};
  std::vector<std::string> texts;
  int64_t bytes = 0;
  for (int64_t i = 0; i < count; ++i) {
    v1::Fact fact;
    workload.MakeFact(i, &fact);
    texts.push_back(fact.mentions(0).quote());
    bytes += static_cast<int64_t>(texts.back().size());
  }

  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> breaks(
      icu::BreakIterator::createWordInstance(icu::Locale::getRoot(), status));
  if (U_FAILURE(status) || breaks == nullptr) {
    std::cerr << "word_cutting: no ICU word break iterator: "
              << u_errorName(status) << "\n";
    return 1;
  }

  Json out;
  out.Add("texts", count)
      .Add("bytes_per_text",
           static_cast<double>(bytes) / static_cast<double>(count));
  // Warm both paths (ICU's data, the service's per-thread caches) first.
  for (const std::string& text : texts) storage::TextWordHashes(text);
  auto icu_word_breaks = [&](const std::string& text) {
    icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
        icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
    breaks->setText(unicode);
    int64_t words = 0;
    breaks->first();
    while (breaks->next() != icu::BreakIterator::DONE) {
      if (breaks->getRuleStatus() != UBRK_WORD_NONE) ++words;
    }
    return words;
  };
  auto text_word_hashes = [](const std::string& text) {
    return static_cast<int64_t>(storage::TextWordHashes(text).size());
  };
  const double floor =
      Measure(texts, seconds, "icu_word_breaks", icu_word_breaks, &out);
  const double cutting =
      Measure(texts, seconds, "text_word_hashes", text_word_hashes, &out);
  out.Add("cutting_over_floor", cutting / floor);

  // The texts of ASCII characters only (English quotes, mostly), which are
  // cut without ICU, and the others, measured apart.
  std::vector<std::string> ascii;
  std::vector<std::string> other;
  for (const std::string& text : texts) {
    const bool is_ascii =
        absl::c_all_of(text, [](char c) { return absl::ascii_isascii(c); });
    (is_ascii ? ascii : other).push_back(text);
  }
  Json by_kind;
  for (const auto& [name, kind] :
       {std::pair<const char*, const std::vector<std::string>*>{"ascii",
                                                                &ascii},
        {"other", &other}}) {
    if (kind->empty()) continue;
    Json figures;
    figures.Add("texts", static_cast<int64_t>(kind->size()));
    const double kind_floor = Measure(*kind, seconds / 2, "icu_word_breaks",
                                      icu_word_breaks, &figures);
    const double kind_cutting = Measure(*kind, seconds / 2, "text_word_hashes",
                                        text_word_hashes, &figures);
    figures.Add("cutting_over_floor", kind_cutting / kind_floor);
    by_kind.Add(name, figures);
  }
  std::cout << out.Add("by_kind", by_kind).ToString() << "\n";
  return 0;
}

}  // namespace
}  // namespace factstore::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "factstore word_cutting: the word index's cutting of quotes against "
      "ICU's word breaks alone, one JSON object (bench/README.md).");
  absl::ParseCommandLine(argc, argv);
  return factstore::bench::Run();
}
