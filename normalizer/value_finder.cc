#include "normalizer/value_finder.h"

#include <algorithm>
#include <memory>

#include "absl/strings/str_cat.h"
#include "normalizer/date_normalizer.h"
#include "normalizer/quantity_normalizer.h"
#include "normalizer/text_tokens.h"
#include "unicode/brkiter.h"
#include "unicode/locid.h"
#include "unicode/uchar.h"
#include "unicode/unistr.h"

namespace factstore::normalizer {
namespace {

// A word-break segment of the text that is not whitespace, in UTF-16 units.
struct Segment {
  int32_t start = 0;
  int32_t end = 0;
  // A single character of sentence punctuation: no value starts or ends
  // with it, and inside one it only comes before a number ("August 2,
  // 2024").
  bool punctuation = false;
  // Starts with a digit.
  bool number = false;
  // What may be a Korean particle or ending, cut off the word before it
  // ("명이" is "명" and "이"): a value may end before it or after it (in
  // "50억 유로" and "100명 정도" the syllable belongs to the word), and
  // never starts with it; the shorter reading wins when both read the same.
  bool particle = false;
};

// The Korean particles and endings that a value may stop before, longest
// first. Hand-written because no library here analyses Korean morphology;
// only those with no bearing on a value are listed (까지 "by", 부터
// "since", 이상 "at least" and the like stay part of it).
constexpr const char16_t* kKoreanParticles[] = {
    u"이었다", u"였다", u"이며", u"이고", u"이다", u"에서", u"에는",
    u"에도",   u"으로", u"은",   u"는",   u"이",   u"가",   u"을",
    u"를",     u"에",   u"의",   u"로",   u"와",   u"과",   u"도"};

bool IsHangulSyllable(UChar32 c) { return c >= 0xAC00 && c <= 0xD7A3; }

// The length (UTF-16 units) of the particle that ends text[start, end), a
// word of Hangul syllables longer than it; 0 if none does.
int32_t TrailingParticle(const icu::UnicodeString& text, int32_t start,
                         int32_t end) {
  for (int32_t i = start; i < end; ++i) {
    if (!IsHangulSyllable(text.charAt(i))) return 0;
  }
  for (const char16_t* particle : kKoreanParticles) {
    const icu::UnicodeString suffix(particle);
    if (end - start > suffix.length() &&
        text.compare(end - suffix.length(), suffix.length(), suffix) == 0) {
      return suffix.length();
    }
  }
  return 0;
}

bool IsSentencePunctuation(UChar32 c) {
  switch (c) {
    case ',':
    case '.':
    case ';':
    case ':':
    case '!':
    case '?':
    case '(':
    case ')':
    case '[':
    case ']':
    case '{':
    case '}':
    case '"':
    case '\'':
    case 0x2018:
    case 0x2019:
    case 0x201C:
    case 0x201D:  // ‘ ’ “ ”
    case 0x00AB:
    case 0x00BB:  // « »
    case 0x2026:  // …
    case 0x3001:
    case 0x3002:  // 、 。
      return true;
    default:
      return false;
  }
}

const char* BreakLocale(Language language) {
  switch (language) {
    case Language::kVietnamese:
      return "vi";
    case Language::kKorean:
      return "ko";
    case Language::kEnglish:
      break;
  }
  return "en";
}

// The segments of `text` that are not whitespace, in order.
absl::StatusOr<std::vector<Segment>> Segments(const icu::UnicodeString& text,
                                              Language language) {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> words(
      icu::BreakIterator::createWordInstance(icu::Locale(BreakLocale(language)),
                                             status));
  if (U_FAILURE(status)) {
    return absl::InternalError(
        absl::StrCat("ICU word break iterator: ", u_errorName(status)));
  }
  words->setText(text);
  std::vector<Segment> segments;
  int32_t start = words->first();
  for (int32_t end = words->next(); end != icu::BreakIterator::DONE;
       start = end, end = words->next()) {
    bool space = true;
    for (int32_t i = start; i < end && space; i = text.moveIndex32(i, 1)) {
      space = u_isUWhiteSpace(text.char32At(i));
    }
    if (space) continue;
    const UChar32 first = text.char32At(start);
    const int32_t particle =
        language == Language::kKorean ? TrailingParticle(text, start, end) : 0;
    segments.push_back(
        {start, end - particle,
         text.moveIndex32(start, 1) == end && IsSentencePunctuation(first),
         u_isdigit(first) != 0});
    if (particle > 0) {
      segments.push_back({end - particle, end, false, false, true});
    }
  }
  return segments;
}

// True if a value may start or end next to `c`: whitespace or sentence
// punctuation, not a letter, digit or joining symbol ("136/2024/QH15" holds
// no year, "2024년" no bare 2024).
bool IsValueEdge(UChar32 c) {
  return u_isUWhiteSpace(c) || IsSentencePunctuation(c);
}

// True if segments[begin, end) may be a value: it is cut from its
// neighbours, and neither starts, ends nor holds sentence punctuation
// except before a number. REQUIRES: begin < end <= segments.size().
bool IsCandidate(const icu::UnicodeString& text,
                 const std::vector<Segment>& segments, int begin, int end) {
  const Segment& first = segments[begin];
  const Segment& last = segments[end - 1];
  if (first.punctuation || last.punctuation || first.particle) return false;
  if (first.start > 0 && !IsValueEdge(text.char32At(first.start - 1))) {
    return false;
  }
  const bool before_particle =
      end < static_cast<int>(segments.size()) && segments[end].particle;
  if (last.end < text.length() && !before_particle &&
      !IsValueEdge(text.char32At(last.end))) {
    return false;
  }
  for (int k = begin + 1; k < end - 1; ++k) {
    if (segments[k].punctuation && !segments[k + 1].number) return false;
  }
  return true;
}

// Reads `span` whole as a period, a date or a quantity, in that order;
// false if no normalizer reads it.
bool ReadValue(const std::string& span, absl::string_view language,
               const DateContext& dates, FoundValue* found) {
  absl::StatusOr<v1::ValidTime> time =
      NormalizeValidTime(span, language, dates);
  if (time.ok()) {
    if (time->has_at()) {
      found->time = std::move(*time->mutable_at());
    } else {
      found->period = std::move(*time);
    }
    return true;
  }
  absl::StatusOr<v1::Quantity> quantity = NormalizeQuantity(span, language, {});
  if (quantity.ok()) {
    found->quantity = std::move(*quantity);
    return true;
  }
  return false;
}

// What a found value says, without the words that said it: its normalized
// form with every surface_text cleared, serialized, and its kind.
std::string Meaning(const FoundValue& found) {
  if (found.quantity.has_value()) {
    v1::Quantity q = *found.quantity;
    q.clear_surface_text();
    return "q" + q.SerializeAsString();
  }
  if (found.time.has_value()) {
    v1::TimeValue t = *found.time;
    t.clear_surface_text();
    return "t" + t.SerializeAsString();
  }
  v1::ValidTime p = found.period.value_or(v1::ValidTime());
  p.mutable_start()->clear_surface_text();
  p.mutable_end()->clear_surface_text();
  return "p" + p.SerializeAsString();
}

}  // namespace

absl::StatusOr<std::vector<FoundValue>> FindValues(absl::string_view text,
                                                   absl::string_view language,
                                                   const DateContext& dates,
                                                   bool* truncated) {
  if (truncated != nullptr) *truncated = false;
  if (!IsValidUtf8(text)) {
    return absl::InvalidArgumentError("the text is not valid UTF-8");
  }
  const icu::UnicodeString unicode = icu::UnicodeString::fromUTF8(
      icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  absl::StatusOr<std::vector<Segment>> segments =
      Segments(unicode, LanguageFromTag(language));
  if (!segments.ok()) return segments.status();
  const int n = static_cast<int>(segments->size());
  std::vector<FoundValue> values;
  // Reads segments [begin, end) into `*found`; false if it is no candidate
  // or no normalizer reads it whole.
  int readings = 0;
  auto read = [&](int begin, int end, FoundValue* found) {
    if (!IsCandidate(unicode, *segments, begin, end)) return false;
    if (++readings > kMaxSpanReadings) return false;
    const int32_t from = (*segments)[begin].start;
    const int32_t to = (*segments)[end - 1].end;
    std::string span;
    unicode.tempSubStringBetween(from, to).toUTF8String(span);
    if (span.size() > kMaxRawTextBytes) return false;
    if (!ReadValue(span, language, dates, found)) return false;
    found->start = unicode.countChar32(0, from);
    found->end = found->start + unicode.countChar32(from, to - from);
    found->text = std::move(span);
    return true;
  };
  for (int i = 0; i < n && readings <= kMaxSpanReadings;) {
    // The longest span from i that reads; then the shortest from i that
    // reads the same, so that words a grammar skips as modifiers stay out
    // ("người từ năm" in Vietnamese); then, for a date or a quantity, the
    // same from later starts, so that words which add nothing do ("in",
    // "on", "ngày").
    std::optional<FoundValue> best;
    int best_end = i;
    for (int end = std::min(i + kMaxValueSegments, n); end > i; --end) {
      FoundValue found;
      if (!read(i, end, &found)) continue;
      if (best.has_value() && Meaning(found) != Meaning(*best)) break;
      best = std::move(found);
      best_end = end;
    }
    if (!best.has_value()) {
      ++i;
      continue;
    }
    // A range keeps its opening word ("from", "từ"), which frames it.
    for (int begin = i + 1; begin < best_end && !best->period.has_value();
         ++begin) {
      if ((*segments)[begin].particle) continue;  // "직원은": past "은"
      FoundValue found;
      if (!read(begin, best_end, &found) || Meaning(found) != Meaning(*best)) {
        break;
      }
      best = std::move(found);
    }
    values.push_back(std::move(*best));
    i = best_end;
  }
  if (readings > kMaxSpanReadings && truncated != nullptr) *truncated = true;
  return values;
}

}  // namespace factstore::normalizer
