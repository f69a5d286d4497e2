// normalizing: what reading a fact's raw value and raw valid time costs the
// ingest service (normalizer::NormalizeQuantity with the predicate's unit
// hint, normalizer::NormalizeValidTime with the mention's publication date),
// next to a floor measured in the same run: the Unicode work any ICU-based
// reading of the same texts pays (UTF-8 to UTF-16, NFC, and the character
// type of every code point). Prints one JSON object.
//
//   normalizing --texts=3000 --seconds=2
//
// The texts are the load generator's (bench/workload.h): amounts such as
// "US$1,234.5 million", "khoảng 12.345 người" or "약 12,345명" and valid
// times such as "March 5, 2024", "tháng 8 năm 2024" or "2024년 8월", in
// English, Vietnamese and Korean in the workload's proportions. One thread;
// CPU time of this process.
//
// The ingest service reads valid times with NormalizeValidTimeRemembered,
// which remembers readings per thread: `normalize_valid_time_remembered`
// reads the texts in turn, as a stream of facts would, so after its first
// round every text is remembered when --texts stays below the 16,384 it
// keeps (a remembered reading's cost), and above that a share of them is
// read again (--texts=100000 holds about 27,000 distinct valid times).
#include <cstdint>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "bench/measure.h"
#include "bench/workload.h"
#include "factstore/v1/ingest_service.pb.h"
#include "factstore/v1/types.pb.h"
#include "normalizer/date_normalizer.h"
#include "normalizer/quantity_normalizer.h"
#include "unicode/normalizer2.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"

ABSL_FLAG(int64_t, texts, 3000, "Facts whose value and valid time to read.");
ABSL_FLAG(double, seconds, 2.0, "CPU seconds to spend on each measurement.");
ABSL_FLAG(std::string, only, "",
          "Measure only this reading, without its floor, for a profiler: "
          "\"quantity\" or \"valid_time\".");

namespace factstore::bench {
namespace {

// One fact's texts, with what the ingest service reads them with.
struct Sample {
  std::string value;
  std::string valid_time;
  std::string language;
  const normalizer::UnitHint* hint = nullptr;
  normalizer::DateContext dates;
};

// Runs `read` over `samples` round after round until `seconds` of CPU have
// passed (RunForCpuSeconds); returns CPU microseconds per sample and adds
// them to `out`. `read` returns false for a text it could not read, which is
// counted.
template <typename Read>
double Measure(const std::vector<Sample>& samples, double seconds,
               absl::string_view name, Read read, Json* out) {
  int64_t failed = 0;
  const CpuRun run =
      RunForCpuSeconds(seconds, static_cast<int64_t>(samples.size()), [&] {
        for (const Sample& sample : samples) failed += read(sample) ? 0 : 1;
      });
  const double us_per_text = run.MicrosPerItem();
  Json figures;
  figures.Add("us_per_text", us_per_text)
      .Add("texts_read", run.items)
      .Add("failed", failed);
  out->Add(name, figures);
  return us_per_text;
}

// The floor: what an ICU-based reader of `text` pays before any grammar.
int64_t UnicodeFloor(const icu::Normalizer2& nfc, const std::string& text) {
  UErrorCode status = U_ZERO_ERROR;
  icu::UnicodeString composed =
      nfc.normalize(icu::UnicodeString::fromUTF8(icu::StringPiece(
                        text.data(), static_cast<int32_t>(text.size()))),
                    status);
  int64_t kinds = 0;
  for (int32_t i = 0; i < composed.length();) {
    UChar32 c = composed.char32At(i);
    i += U16_LENGTH(c);
    kinds += u_charType(c);
  }
  return U_SUCCESS(status) ? kinds : -1;
}

int Run() {
  const int64_t count = absl::GetFlag(FLAGS_texts);
  const double seconds = absl::GetFlag(FLAGS_seconds);
  const std::string only = absl::GetFlag(FLAGS_only);
  if (count <= 0 || seconds <= 0) {
    std::cerr << "normalizing: --texts and --seconds must be positive\n";
    return 2;
  }
  if (!only.empty() && only != "quantity" && only != "valid_time") {
    std::cerr << "normalizing: --only must be \"quantity\" or "
                 "\"valid_time\", not \""
              << only << "\"\n";
    return 2;
  }
  Workload workload{WorkloadOptions{}};
  std::map<std::string, normalizer::UnitHint> hints;
  const v1::RegisterPredicatesRequest predicates = workload.Predicates();
  for (const v1::Predicate& predicate : predicates.predicates()) {
    normalizer::UnitHint& hint = hints[predicate.name()];
    hint.dimension = predicate.unit_dimension();
    hint.allowed_units.assign(predicate.allowed_units().begin(),
                              predicate.allowed_units().end());
  }
  std::vector<Sample> samples;
  double value_bytes = 0, time_bytes = 0;
  for (int64_t i = 0; i < count; ++i) {
    v1::Fact fact;
    workload.MakeFact(i, &fact);
    Sample sample;
    sample.value = fact.value().raw();
    sample.valid_time = fact.valid_time().raw();
    sample.language = fact.language();
    sample.hint = &hints[fact.predicate()];
    sample.dates.publication_date = fact.mentions(0).publication_date();
    value_bytes += static_cast<double>(sample.value.size());
    time_bytes += static_cast<double>(sample.valid_time.size());
    samples.push_back(std::move(sample));
  }

  UErrorCode status = U_ZERO_ERROR;
  const icu::Normalizer2* nfc = icu::Normalizer2::getNFCInstance(status);
  if (U_FAILURE(status) || nfc == nullptr) {
    std::cerr << "normalizing: no ICU NFC normalizer: " << u_errorName(status)
              << "\n";
    return 1;
  }
  auto read_value = [](const Sample& s) {
    return normalizer::NormalizeQuantity(s.value, s.language, *s.hint).ok();
  };
  auto read_time = [](const Sample& s) {
    return normalizer::NormalizeValidTime(s.valid_time, s.language, s.dates)
        .ok();
  };
  auto read_time_remembered = [](const Sample& s) {
    return normalizer::NormalizeValidTimeRemembered(s.valid_time, s.language,
                                                    s.dates)
        .ok();
  };
  // Warm ICU's data and any caches first.
  for (const Sample& sample : samples) {
    read_value(sample);
    read_time(sample);
  }

  Json out;
  out.Add("texts", count)
      .Add("value_bytes", value_bytes / static_cast<double>(count))
      .Add("valid_time_bytes", time_bytes / static_cast<double>(count));
  if (!only.empty()) {
    if (only == "quantity") {
      Measure(samples, seconds, "normalize_quantity", read_value, &out);
    } else {
      Measure(samples, seconds, "normalize_valid_time", read_time, &out);
    }
    std::cout << out.ToString() << "\n";
    return 0;
  }
  const double value_floor = Measure(
      samples, seconds, "value_unicode_floor",
      [&](const Sample& s) { return UnicodeFloor(*nfc, s.value) >= 0; }, &out);
  const double value =
      Measure(samples, seconds, "normalize_quantity", read_value, &out);
  const double time_floor = Measure(
      samples, seconds, "valid_time_unicode_floor",
      [&](const Sample& s) { return UnicodeFloor(*nfc, s.valid_time) >= 0; },
      &out);
  const double time =
      Measure(samples, seconds, "normalize_valid_time", read_time, &out);
  Measure(samples, seconds, "normalize_valid_time_remembered",
          read_time_remembered, &out);
  out.Add("quantity_over_floor", value / value_floor)
      .Add("valid_time_over_floor", time / time_floor);
  // Each language's texts apart: English ones are mostly ASCII, which
  // takes another way through the tokenizer.
  std::map<std::string, std::vector<Sample>> by_language;
  for (const Sample& sample : samples) {
    by_language[sample.language].push_back(sample);
  }
  Json languages;
  for (const auto& [language, texts] : by_language) {
    Json figures;
    figures.Add("texts", static_cast<int64_t>(texts.size()));
    Measure(texts, seconds / 2, "normalize_quantity", read_value, &figures);
    Measure(texts, seconds / 2, "normalize_valid_time", read_time, &figures);
    languages.Add(language, figures);
  }
  out.Add("by_language", languages);
  std::cout << out.ToString() << "\n";
  return 0;
}

}  // namespace
}  // namespace factstore::bench

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "factstore normalizing: reading the workload's raw values and valid "
      "times against ICU's Unicode work alone, one JSON object "
      "(bench/README.md).");
  absl::ParseCommandLine(argc, argv);
  return factstore::bench::Run();
}
