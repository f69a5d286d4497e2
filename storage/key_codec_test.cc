#include "storage/key_codec.h"

#include <algorithm>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/decimal.h"
#include "common/iso_date.h"
#include "gtest/gtest.h"

namespace factstore::storage {
namespace {

std::string RandomBytes(std::mt19937_64& rng, size_t max_len) {
  std::uniform_int_distribution<size_t> len(0, max_len);
  // Bias towards the bytes the escaping treats specially.
  std::uniform_int_distribution<int> pick(0, 9);
  std::uniform_int_distribution<int> byte(0, 255);
  std::string s(len(rng), '\0');
  for (char& c : s) {
    int p = pick(rng);
    c = p == 0   ? '\x00'
        : p == 1 ? '\x01'
        : p == 2 ? '\xFF'
                 : static_cast<char>(byte(rng));
  }
  return s;
}

std::string RandomDecimal(std::mt19937_64& rng) {
  std::uniform_int_distribution<int> digits(1, 30);
  std::uniform_int_distribution<int> digit(0, 9);
  std::uniform_int_distribution<int> coin(0, 3);
  std::string s = coin(rng) == 0 ? "-" : "";
  int n = digits(rng);
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + digit(rng)));
  if (coin(rng) != 0) {
    s.push_back('.');
    int m = digits(rng);
    for (int i = 0; i < m; ++i)
      s.push_back(static_cast<char>('0' + digit(rng)));
  }
  return *CanonicalizeDecimal(s);
}

TEST(KeyCodecTest, EscapedStringsRoundTrip) {
  std::mt19937_64 rng(1);
  for (int i = 0; i < 5000; ++i) {
    std::string a = RandomBytes(rng, 20), b = RandomBytes(rng, 20);
    std::string key;
    PutEscapedString(&key, a);
    PutEscapedString(&key, b);
    absl::string_view in = key;
    std::string a2, b2;
    ASSERT_TRUE(GetEscapedString(&in, &a2));
    ASSERT_TRUE(GetEscapedString(&in, &b2));
    EXPECT_TRUE(in.empty());
    EXPECT_EQ(a, a2);
    EXPECT_EQ(b, b2);
  }
}

TEST(KeyCodecTest, EscapedStringsPreserveOrderAcrossComponents) {
  // For tuples (a, b), key order must equal tuple order, whatever bytes the
  // components hold; this is what stops "a\0" + "b" colliding with "a" + "\0b".
  std::mt19937_64 rng(2);
  for (int i = 0; i < 20000; ++i) {
    std::string a1 = RandomBytes(rng, 6), b1 = RandomBytes(rng, 6);
    std::string a2 = RandomBytes(rng, 6), b2 = RandomBytes(rng, 6);
    if (i % 3 == 0) a2 = a1;  // exercise the second component
    std::string k1, k2;
    PutEscapedString(&k1, a1);
    PutEscapedString(&k1, b1);
    PutEscapedString(&k2, a2);
    PutEscapedString(&k2, b2);
    auto tuple_cmp = std::make_pair(a1, b1) < std::make_pair(a2, b2);
    auto equal = std::make_pair(a1, b1) == std::make_pair(a2, b2);
    EXPECT_EQ(k1 < k2, tuple_cmp)
        << absl::CHexEscape(k1) << " vs " << absl::CHexEscape(k2);
    EXPECT_EQ(k1 == k2, equal);
  }
}

TEST(KeyCodecTest, SeparatorInjectionCannotCollide) {
  // Ids crafted to contain what would be separators in a naive layout.
  std::vector<std::pair<std::string, std::string>> pairs = {
      {"a", "b"},
      {std::string("a\0", 2), "b"},
      {"a", std::string("\0b", 2)},
      {std::string("a\0\x01", 3), "b"},
      {"a/b", ""},
      {"a", "/b"},
      {"a:", "b"},
      {"a", ":b"},
      {"\xff\xfe", "b"},
  };
  std::vector<std::string> keys;
  for (const auto& [s, p] : pairs) {
    keys.push_back(SubjectIndexKey(s, p, 1, 2, "f_1"));
  }
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(std::unique(keys.begin(), keys.end()), keys.end());
  // A prefix scan for subject "a" must not see subject "a\0...".
  std::string prefix = SubjectPrefix("a");
  std::string other = SubjectIndexKey(std::string("a\0", 2), "b", 1, 2, "f_1");
  EXPECT_NE(other.compare(0, prefix.size(), prefix), 0);
}

TEST(KeyCodecTest, EscapedPrefixesSelectStringPrefixes) {
  std::mt19937_64 rng(3);
  for (int i = 0; i < 5000; ++i) {
    std::string s = RandomBytes(rng, 10);
    std::string p = RandomBytes(rng, 3);
    std::string key = SubjectIndexKey("s", s, 1, 2, "f");
    std::string want = SubjectPredicateStemPrefix("s", p);
    bool starts = s.compare(0, p.size(), p) == 0 && s.size() >= p.size();
    EXPECT_EQ(key.compare(0, want.size(), want) == 0, starts)
        << absl::CHexEscape(s) << " / " << absl::CHexEscape(p);
  }
}

TEST(KeyCodecTest, RejectsMalformedEscapes) {
  std::string out;
  for (absl::string_view bad :
       {absl::string_view("abc"), absl::string_view("a\0", 2),
        absl::string_view("a\0\x02", 3), absl::string_view("")}) {
    absl::string_view in = bad;
    EXPECT_FALSE(GetEscapedString(&in, &out)) << absl::CHexEscape(bad);
  }
}

TEST(KeyCodecTest, BigEndianIntegersSortNumerically) {
  std::mt19937_64 rng(4);
  for (int i = 0; i < 5000; ++i) {
    uint64_t a = rng(), b = rng() >> (rng() % 64);
    std::string ka, kb;
    PutFixed64BigEndian(&ka, a);
    PutFixed64BigEndian(&kb, b);
    EXPECT_EQ(ka < kb, a < b);
    absl::string_view in = ka;
    uint64_t back;
    ASSERT_TRUE(GetFixed64BigEndian(&in, &back));
    EXPECT_EQ(back, a);
    uint64_t commit;
    EXPECT_TRUE(DecodeCommitKey(CommitKey(a), &commit));
    EXPECT_EQ(commit, a);
  }
  std::string k32;
  PutFixed32BigEndian(&k32, 0x01020304);
  EXPECT_EQ(k32, std::string("\x01\x02\x03\x04", 4));
}

TEST(KeyCodecTest, SortableDecimalsRoundTripAndOrder) {
  std::mt19937_64 rng(5);
  std::vector<std::string> values = {
      "0",    "1",  "-1",   "0.001", "-0.001", "85900000000",
      "85.9", "10", "9.99", "-10",   "-9.99",  "1000000000000000000000"};
  for (int i = 0; i < 3000; ++i) values.push_back(RandomDecimal(rng));
  for (const std::string& v : values) {
    std::string key;
    PutSortableDecimal(&key, v);
    key.append("tail");
    absl::string_view in = key;
    std::string back;
    ASSERT_TRUE(GetSortableDecimal(&in, &back)) << v;
    EXPECT_EQ(back, v);
    EXPECT_EQ(in, "tail");
  }
  for (int i = 0; i < 20000; ++i) {
    const std::string& a = values[rng() % values.size()];
    const std::string& b = values[rng() % values.size()];
    std::string ka, kb;
    PutSortableDecimal(&ka, a);
    PutSortableDecimal(&kb, b);
    int numeric = CompareDecimals(a, b);
    EXPECT_EQ(ka < kb, numeric < 0) << a << " vs " << b;
    EXPECT_EQ(ka == kb, numeric == 0) << a << " vs " << b;
  }
}

TEST(KeyCodecTest, SortableDecimalsFollowedByComponentsKeepOrder) {
  // In index keys the amount is followed by the fact id: 12 < 123 must hold
  // even though the digits of 12 are a prefix of those of 123.
  std::string k12 = PredicateQuantityBound("p", "USD", "12");
  std::string k123 = PredicateQuantityBound("p", "USD", "123");
  std::string k12_id = k12, k123_id = k123;
  PutEscapedString(&k12_id, "\xff\xff");
  PutEscapedString(&k123_id, "");
  EXPECT_LT(k12_id, k123_id);
  std::string kneg12 = PredicateQuantityBound("p", "USD", "-12");
  std::string kneg123 = PredicateQuantityBound("p", "USD", "-123");
  PutEscapedString(&kneg12, "");
  PutEscapedString(&kneg123, "\xff\xff");
  EXPECT_LT(kneg123, kneg12);
}

TEST(KeyCodecTest, PhysicalQuantitiesAreKeyedInTheirBaseUnit) {
  v1::Value gigawatts;
  gigawatts.mutable_quantity()->set_amount("2.5");
  gigawatts.mutable_quantity()->set_unit("GW");
  std::string key;
  ASSERT_TRUE(PredicateIndexKey("p", gigawatts, "f_1", &key).ok());
  // 2.5 GW is 2500 MW: inside [2000, 3000] MW, under the prefix of kW too.
  EXPECT_GT(key, PredicateQuantityBound("p", "MW", "2000"));
  EXPECT_LT(key, PredicateQuantityBound("p", "MW", "3000"));
  EXPECT_TRUE(absl::StartsWith(key, PredicateQuantityPrefix("p", "kW")));
  EXPECT_EQ(PredicateQuantityBound("p", "MW", "2500"),
            PredicateQuantityBound("p", "GW", "2.5"));
  PredicateIndexParts parts;
  ASSERT_TRUE(DecodePredicateIndexKey(key, &parts));
  EXPECT_EQ(parts.unit, "W");
  EXPECT_EQ(parts.amount, "2500000000");
  // Currencies keep their own unit.
  EXPECT_FALSE(absl::StartsWith(PredicateQuantityBound("p", "USD", "1"),
                                PredicateQuantityPrefix("p", "KRW")));
}

TEST(KeyCodecTest, RejectsMalformedDecimals) {
  std::string out;
  for (absl::string_view bad :
       {absl::string_view(""), absl::string_view("\x04", 1),
        absl::string_view("\x03\x80", 2), absl::string_view("\x03\x80\x01", 3),
        absl::string_view("\x03\x80\x01"
                          "0\0",
                          5),  // leading zero digit
        absl::string_view("\x03\x80\x01"
                          "10\0",
                          6),  // trailing zero digit
        absl::string_view("\x03\x80\x01"
                          "1a\0",
                          6)}) {
    absl::string_view in = bad;
    EXPECT_FALSE(GetSortableDecimal(&in, &out)) << absl::CHexEscape(bad);
  }
}

TEST(KeyCodecTest, PredicateNamePrefixSelectsNamesThatStartWithIt) {
  const std::string prefix = PredicateNamePrefix("investment.");
  EXPECT_TRUE(absl::StartsWith(PredicateKey("investment.total"), prefix));
  EXPECT_TRUE(absl::StartsWith(PredicateKey("investment."), prefix));
  EXPECT_FALSE(absl::StartsWith(PredicateKey("investment"), prefix));
  EXPECT_FALSE(absl::StartsWith(PredicateKey("investments.total"), prefix));
  EXPECT_TRUE(
      absl::StartsWith(PredicateKey("org.name"), PredicateNamePrefix("")));
}

TEST(KeyCodecTest, ExactNamesComeFirstAmongThoseStartingWithThem) {
  // Longer names of every next byte, the escaped zero and the terminator's
  // byte included, and entity ids that sort before and after each other.
  for (NameKind kind : {NameKind::kFullName, NameKind::kWordSuffix}) {
    for (const std::string& folded :
         {std::string("ha"), std::string("h\0a", 3), std::string("")}) {
      const std::string exact = NameExactPrefix(kind, folded);
      const std::string all = NamePrefix(kind, folded);
      std::vector<std::string> keys;
      for (const char* id : {"e:0", "e:zz"}) {
        keys.push_back(NameKey(kind, folded, id));
        for (int next = 0; next < 256; ++next) {
          keys.push_back(NameKey(kind, folded + static_cast<char>(next), id));
        }
      }
      std::sort(keys.begin(), keys.end());
      size_t exact_keys = 0;
      for (size_t i = 0; i < keys.size(); ++i) {
        ASSERT_TRUE(absl::StartsWith(keys[i], all)) << i;
        if (absl::StartsWith(keys[i], exact)) {
          EXPECT_EQ(i, exact_keys) << "an exact name after a longer one";
          ++exact_keys;
        }
      }
      EXPECT_EQ(exact_keys, 2u);
    }
  }
}

TEST(KeyCodecTest, PrefixSuccessor) {
  EXPECT_EQ(PrefixSuccessor("ab"), "ac");
  EXPECT_EQ(PrefixSuccessor(std::string("a\xff", 2)), "b");
  EXPECT_EQ(PrefixSuccessor(std::string("\xff\xff", 2)), "");
}

TEST(KeyCodecTest, EntityTypeAndExternalIdEntries) {
  int type = 0;
  std::string id, system, value;
  std::string key = EntityTypeKey(3, "place:da-nang");
  ASSERT_TRUE(DecodeEntityTypeKey(key, &type, &id));
  EXPECT_EQ(type, 3);
  EXPECT_EQ(id, "place:da-nang");
  EXPECT_TRUE(absl::StartsWith(key, EntityTypePrefix(3)));
  EXPECT_FALSE(absl::StartsWith(key, EntityTypePrefix(2)));
  // Within a type, entities sort by id.
  EXPECT_LT(EntityTypeKey(3, "place:da-nang"), EntityTypeKey(3, "place:seoul"));

  key = ExternalIdKey("wikidata", "Q25282", "place:da-nang");
  ASSERT_TRUE(DecodeExternalIdKey(key, &system, &value, &id));
  EXPECT_EQ(system, "wikidata");
  EXPECT_EQ(value, "Q25282");
  EXPECT_EQ(id, "place:da-nang");
  EXPECT_TRUE(absl::StartsWith(key, ExternalIdPrefix("wikidata", "Q25282")));
  // A value is matched whole, not as a prefix of a longer one.
  EXPECT_FALSE(absl::StartsWith(ExternalIdKey("wikidata", "Q252821", "x"),
                                ExternalIdPrefix("wikidata", "Q25282")));

  // No entry of one kind decodes as another, nor as a name.
  NameKeyParts name;
  EXPECT_FALSE(DecodeNameKey(EntityTypeKey(3, "x"), &name));
  EXPECT_FALSE(DecodeNameKey(key, &name));
  EXPECT_FALSE(DecodeEntityTypeKey(key, &type, &id));
  EXPECT_FALSE(
      DecodeExternalIdKey(EntityTypeKey(3, "x"), &system, &value, &id));
  EXPECT_FALSE(DecodeExternalIdKey(NameKey(NameKind::kFullName, "x", "y"),
                                   &system, &value, &id));
}

TEST(KeyCodecTest, WordPostingKeysHoldAHashOfTheWordNotTheWord) {
  uint64_t hash;
  uint64_t commit;
  std::string key = WordPostingKey(WordHash("zyxwvut"), 42);
  ASSERT_TRUE(DecodeWordPostingKey(key, &hash, &commit));
  EXPECT_EQ(hash, WordHash("zyxwvut"));
  EXPECT_EQ(commit, 42u);
  EXPECT_EQ(key.find("zyxwvut"), std::string::npos);
  // SHA-256 of "abc" starts ba7816bf8f01cfea: the hash is the same on every
  // build and machine.
  EXPECT_EQ(WordHash("abc"), 0xba7816bf8f01cfeaULL);
  // A word's postings share its prefix and no other word's, in commit order.
  EXPECT_TRUE(absl::StartsWith(key, WordPostingPrefix("zyxwvut")));
  EXPECT_FALSE(absl::StartsWith(WordPostingKey(WordHash("zyxwvu"), 42),
                                WordPostingPrefix("zyxwvut")));
  EXPECT_LT(WordPostingKey(WordHash("chip"), 9),
            WordPostingKey(WordHash("chip"), 10));
  // Sort keys order by word, commit, then fact.
  std::string id;
  std::string sort_key = WordSortKey(WordHash("chip"), 9, "f:1");
  ASSERT_TRUE(DecodeWordSortKey(sort_key, &hash, &commit, &id));
  EXPECT_EQ(hash, WordHash("chip"));
  EXPECT_EQ(commit, 9u);
  EXPECT_EQ(id, "f:1");
  EXPECT_LT(sort_key, WordSortKey(WordHash("chip"), 9, "f:2"));
  EXPECT_LT(sort_key, WordSortKey(WordHash("chip"), 10, "f:0"));
  EXPECT_TRUE(absl::StartsWith(sort_key, WordSortKindPrefix()));
  // Every word index key is in [WordIndexBegin, WordIndexEnd), and no
  // entity key is.
  for (const std::string& word_key : {key, sort_key}) {
    EXPECT_GE(word_key, WordIndexBegin());
    EXPECT_LT(word_key, WordIndexEnd());
    EXPECT_FALSE(IsLegacyFactWordKey(word_key));
  }
  for (const std::string& other :
       {NameKey(NameKind::kFullName, "x", "y"),
        NameKey(NameKind::kWordSuffix, "x", "y"), EntityTypeKey(3, "x"),
        ExternalIdKey("a", "b", "c")}) {
    EXPECT_TRUE(other < WordIndexBegin() || other >= WordIndexEnd());
    EXPECT_FALSE(DecodeWordPostingKey(other, &hash, &commit));
    EXPECT_FALSE(DecodeWordSortKey(other, &hash, &commit, &id));
  }
  EXPECT_TRUE(IsLegacyFactWordKey(std::string(1, '\x05') + "12345678f:1"));
  // Word keys are none of the entity kinds.
  NameKeyParts name;
  int type;
  std::string system, value;
  EXPECT_FALSE(DecodeNameKey(key, &name));
  EXPECT_FALSE(DecodeEntityTypeKey(key, &type, &id));
  EXPECT_FALSE(DecodeExternalIdKey(key, &system, &value, &id));
}

TEST(KeyCodecTest, DerivedFactIdsAreThePrefixAndLowercaseHexDigits) {
  const std::string digits = "3b0c1f2e4d5a69788796a5b4c3d2e1f0";
  EXPECT_TRUE(IsDerivedFactId("f_" + digits));
  EXPECT_FALSE(IsDerivedFactId("f_" + absl::AsciiStrToUpper(digits)));
  EXPECT_FALSE(IsDerivedFactId("g_" + digits));
  EXPECT_FALSE(IsDerivedFactId("f_" + digits.substr(1)));
  EXPECT_FALSE(IsDerivedFactId("f_" + digits + "0"));
  EXPECT_FALSE(IsDerivedFactId("f_" + digits.substr(1) + "g"));
  EXPECT_FALSE(IsDerivedFactId("fact-1"));
  EXPECT_FALSE(IsDerivedFactId(""));
}

TEST(KeyCodecTest, LayoutsDecode) {
  NameKeyParts name;
  ASSERT_TRUE(DecodeNameKey(
      NameKey(NameKind::kWordSuffix, "nang", "place:da-nang"), &name));
  EXPECT_EQ(name.kind, NameKind::kWordSuffix);
  EXPECT_EQ(name.folded, "nang");
  EXPECT_EQ(name.entity_id, "place:da-nang");

  SubjectIndexParts subject;
  ASSERT_TRUE(DecodeSubjectIndexKey(
      SubjectIndexKey("country:south-korea", "investment.total", 7, 9, "f_1"),
      &subject));
  EXPECT_EQ(subject.predicate, "investment.total");
  EXPECT_EQ(subject.first_day, 7u);
  EXPECT_EQ(subject.end_day, 9u);
  EXPECT_EQ(subject.fact_id, "f_1");
  // Within a subject and predicate, facts sort by valid time, timeless last.
  EXPECT_LT(SubjectIndexKey("s", "p", 5, 6, "f_z"),
            SubjectIndexKey("s", "p", 6, 7, "f_a"));
  EXPECT_LT(SubjectIndexKey("s", "p", 6, 7, "f_z"),
            SubjectIndexKey("s", "p", kNoValidTimeDay, kNoValidTimeDay, "f_a"));
  std::string time_prefix = SubjectPredicateTimePrefix("s", "p", 5, 6);
  EXPECT_EQ(SubjectIndexKey("s", "p", 5, 6, "f")
                .compare(0, time_prefix.size(), time_prefix),
            0);
  EXPECT_NE(SubjectIndexKey("s", "p", 5, 7, "f")
                .compare(0, time_prefix.size(), time_prefix),
            0);

  v1::Value value;
  value.mutable_quantity()->set_amount("85900000000");
  value.mutable_quantity()->set_unit("USD");
  std::string key;
  ASSERT_TRUE(PredicateIndexKey("investment.total", value, "f_2", &key).ok());
  PredicateIndexParts predicate;
  ASSERT_TRUE(DecodePredicateIndexKey(key, &predicate));
  EXPECT_EQ(predicate.tag, ValueTag::kQuantity);
  EXPECT_EQ(predicate.unit, "USD");
  EXPECT_EQ(predicate.amount, "85900000000");
  EXPECT_EQ(predicate.fact_id, "f_2");
  EXPECT_EQ(key.compare(0, PredicatePrefix("investment.total").size(),
                        PredicatePrefix("investment.total")),
            0);

  value.mutable_quantity()->set_amount("1.50");  // not canonical
  EXPECT_FALSE(PredicateIndexKey("p", value, "f", &key).ok());
  EXPECT_FALSE(PredicateIndexKey("p", v1::Value(), "f", &key).ok());
  v1::Value raw;
  raw.set_raw("US$85.9 billion");
  EXPECT_FALSE(PredicateIndexKey("p", raw, "f", &key).ok());

  ReferenceIndexParts reference;
  ASSERT_TRUE(DecodeReferenceIndexKey(
      ReferenceIndexKey("doc:1", ReferenceRole::kDocument, "f_3"), &reference));
  EXPECT_EQ(reference.role, ReferenceRole::kDocument);
  EXPECT_EQ(reference.fact_id, "f_3");

  ValidTimeIndexParts time;
  ASSERT_TRUE(DecodeValidTimeIndexKey(ValidTimeIndexKey(5, 9, "f_4"), &time));
  EXPECT_EQ(time.interval_class, IntervalClass::kBounded);
  EXPECT_EQ(time.first_day, 5u);
  EXPECT_EQ(time.end_day, 9u);
  EXPECT_EQ(time.fact_id, "f_4");

  ASSERT_TRUE(DecodeValidTimeIndexKey(
      ValidTimeIndexKey(5, static_cast<uint32_t>(factstore::kOpenEndDay),
                        "f_6"),
      &time));
  EXPECT_EQ(time.interval_class, IntervalClass::kOpen);
  EXPECT_LT(ValidTimeIndexKey(100000, 100001, "f"),
            ValidTimeIndexKey(0, 1, "f"));  // bounded ones sort first

  std::string id;
  ASSERT_TRUE(DecodeStringKey(FactKey("f_5"), &id));
  EXPECT_EQ(id, "f_5");
  EXPECT_FALSE(DecodeStringKey(FactKey("f_5") + "x", &id));
}

// The days a time value's key holds: those after the predicate, the tag and
// before the fact id.
std::pair<uint32_t, uint32_t> TimeKeyDays(const std::string& date,
                                          v1::DatePrecision precision) {
  v1::Value value;
  value.mutable_time()->set_date(date);
  value.mutable_time()->set_precision(precision);
  std::string key;
  absl::Status status = PredicateIndexKey("p", value, "f", &key);
  EXPECT_TRUE(status.ok()) << date << ": " << status;
  absl::string_view rest(key);
  rest.remove_prefix(PredicatePrefix("p").size());
  EXPECT_EQ(rest.substr(0, 1),
            std::string(1, static_cast<char>(ValueTag::kTime)));
  rest.remove_prefix(1);
  uint32_t first = 0, end = 0;
  EXPECT_TRUE(GetFixed32BigEndian(&rest, &first) &&
              GetFixed32BigEndian(&rest, &end));
  return {first, end};
}

uint32_t Day(int year, int month, int day) {
  return static_cast<uint32_t>(DayNumber(absl::CivilDay(year, month, day)));
}

TEST(KeyCodecTest, TimeValueKeysHoldTheDaysOfTheirPrecision) {
  using Days = std::pair<uint32_t, uint32_t>;
  EXPECT_EQ(TimeKeyDays("2024-07", v1::DATE_PRECISION_MONTH),
            Days(Day(2024, 7, 1), Day(2024, 8, 1)));
  EXPECT_EQ(TimeKeyDays("2024-07", v1::DATE_PRECISION_QUARTER),
            Days(Day(2024, 7, 1), Day(2024, 10, 1)));
  EXPECT_EQ(TimeKeyDays("2024-07", v1::DATE_PRECISION_HALF_YEAR),
            Days(Day(2024, 7, 1), Day(2025, 1, 1)));
  EXPECT_EQ(TimeKeyDays("2024-09", v1::DATE_PRECISION_FOUR_MONTHS),
            Days(Day(2024, 9, 1), Day(2025, 1, 1)));
  EXPECT_EQ(TimeKeyDays("2020", v1::DATE_PRECISION_DECADE),
            Days(Day(2020, 1, 1), Day(2030, 1, 1)));
  EXPECT_EQ(TimeKeyDays("2020", v1::DATE_PRECISION_YEAR),
            Days(Day(2020, 1, 1), Day(2021, 1, 1)));

  v1::Value misaligned;
  misaligned.mutable_time()->set_date("2024-08");
  misaligned.mutable_time()->set_precision(v1::DATE_PRECISION_QUARTER);
  std::string key;
  EXPECT_EQ(PredicateIndexKey("p", misaligned, "f", &key).code(),
            absl::StatusCode::kInvalidArgument);
}

// A valid key of a random kind, then changed at random: a byte replaced,
// the end cut off, or bytes added. Decoders see mostly keys that are almost
// right, where a lenient decoder would accept what no encoder writes.
std::string DamagedKey(std::mt19937_64& rng) {
  std::string a = RandomBytes(rng, 12), b = RandomBytes(rng, 12);
  std::uniform_int_distribution<uint32_t> day(0, 800000);
  std::string key;
  switch (rng() % 6) {
    case 0:
      key = NameKey(rng() % 2 ? NameKind::kFullName : NameKind::kWordSuffix, a,
                    b);
      break;
    case 1:
      key = SubjectIndexKey(a, b, day(rng), day(rng), "f_1");
      break;
    case 2:
      key = ReferenceIndexKey(a, ReferenceRole::kQualifier, b);
      break;
    case 3:
      key = ValidTimeIndexKey(day(rng), day(rng), a);
      break;
    case 4:
      key = CommitKey(rng());
      break;
    default:
      key = EntityKey(a);
      break;
  }
  switch (rng() % 3) {
    case 0:
      if (!key.empty()) key[rng() % key.size()] = static_cast<char>(rng());
      break;
    case 1:
      key.resize(rng() % (key.size() + 1));
      break;
    default:
      key += RandomBytes(rng, 3);
      break;
  }
  return key;
}

TEST(KeyCodecTest, DecodersAcceptOnlyWhatTheEncodersWrite) {
  std::mt19937_64 rng(6);
  int decoded = 0;
  for (int i = 0; i < 40000; ++i) {
    std::string junk = i % 2 ? RandomBytes(rng, 40) : DamagedKey(rng);
    // Whatever the bytes, decoding must not crash or read out of bounds (the
    // ASan configuration checks the latter); and what decodes must be the
    // encoding of what it decoded to, so that a key is never read as
    // something its writer did not mean.
    NameKeyParts name;
    if (DecodeNameKey(junk, &name)) {
      ++decoded;
      EXPECT_EQ(NameKey(name.kind, name.folded, name.entity_id), junk);
    }
    SubjectIndexParts subject;
    if (DecodeSubjectIndexKey(junk, &subject)) {
      ++decoded;
      EXPECT_EQ(
          SubjectIndexKey(subject.subject, subject.predicate, subject.first_day,
                          subject.end_day, subject.fact_id),
          junk);
    }
    ReferenceIndexParts reference;
    if (DecodeReferenceIndexKey(junk, &reference)) {
      ++decoded;
      EXPECT_EQ(ReferenceIndexKey(reference.entity_id, reference.role,
                                  reference.fact_id),
                junk);
    }
    ValidTimeIndexParts valid_time;
    if (DecodeValidTimeIndexKey(junk, &valid_time)) {
      ++decoded;
      EXPECT_EQ(ValidTimeIndexKey(valid_time.first_day, valid_time.end_day,
                                  valid_time.fact_id),
                junk);
    }
    uint64_t commit;
    if (DecodeCommitKey(junk, &commit)) {
      ++decoded;
      EXPECT_EQ(CommitKey(commit), junk);
    }
    std::string id;
    if (DecodeStringKey(junk, &id)) {
      ++decoded;
      EXPECT_EQ(EntityKey(id), junk);
    }
    // Predicate index keys need a v1::Value to encode again; their round
    // trips are tested above. Here they must only not crash.
    PredicateIndexParts predicate;
    DecodePredicateIndexKey(junk, &predicate);
  }
  // Enough of the damaged keys still decode for the checks above to mean
  // something.
  EXPECT_GT(decoded, 2000);
}

}  // namespace
}  // namespace factstore::storage
