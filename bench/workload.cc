#include "bench/workload.h"

#include <algorithm>
#include <array>

#include "absl/strings/str_cat.h"
#include "google/protobuf/text_format.h"

namespace factstore::bench {
namespace {

enum Language { kEnglish = 0, kVietnamese = 1, kKorean = 2 };

const char* LanguageTag(Language l) {
  switch (l) {
    case kVietnamese:
      return "vi";
    case kKorean:
      return "ko";
    default:
      return "en";
  }
}

template <size_t N>
const char* Pick(const std::array<const char*, N>& words, uint64_t r) {
  return words[r % N];
}

// Name pieces.
constexpr std::array<const char*, 20> kViSyllables = {
    "Hà",    "Hải", "Long", "Bình", "Phú",  "An",   "Thanh",
    "Quảng", "Đà",  "Nẵng", "Vĩnh", "Hưng", "Tân",  "Sơn",
    "Đông",  "Tây", "Nam",  "Bắc",  "Minh", "Phước"};
constexpr std::array<const char*, 16> kViFamilies = {
    "Nguyễn", "Trần", "Lê",  "Phạm", "Hoàng", "Huỳnh", "Phan",  "Vũ",
    "Võ",     "Đặng", "Bùi", "Đỗ",   "Hồ",    "Ngô",   "Dương", "Lý"};
constexpr std::array<const char*, 8> kViMiddles = {
    "Văn", "Thị", "Hữu", "Đức", "Minh", "Ngọc", "Thanh", "Quang"};
constexpr std::array<const char*, 24> kViGiven = {
    "An",   "Bình", "Cường", "Dũng",  "Hà",   "Hải",  "Hạnh",   "Hùng",
    "Khoa", "Lan",  "Linh",  "Long",  "Mai",  "Nam",  "Phương", "Quân",
    "Sơn",  "Tâm",  "Thảo",  "Trang", "Tuấn", "Việt", "Yến",    "Khánh"};
constexpr std::array<const char*, 6> kViOrgKinds = {
    "Công ty Cổ phần Công nghệ", "Công ty TNHH Phần mềm",
    "Tập đoàn Đầu tư",           "Công ty Viễn thông",
    "Công ty Giải pháp số",      "Trung tâm Đổi mới Sáng tạo"};

constexpr std::array<const char*, 20> kKoSyllables = {
    "서", "울", "부", "산", "대", "구", "인", "천", "광", "주",
    "전", "수", "원", "성", "남", "용", "청", "포", "안", "양"};
constexpr std::array<const char*, 10> kKoFamilies = {
    "김", "이", "박", "최", "정", "강", "조", "윤", "장", "임"};
constexpr std::array<const char*, 12> kKoGiven = {
    "민", "서", "준", "지", "현", "우", "영", "수", "희", "진", "하", "은"};
constexpr std::array<const char*, 6> kKoOrgKinds = {
    "전자", "소프트", "테크", "정보통신", "시스템즈", "디지털"};

constexpr std::array<const char*, 10> kEnFirstParts = {
    "North", "South", "East",  "West",  "New",
    "Port",  "Lake",  "River", "Green", "Stone"};
constexpr std::array<const char*, 8> kEnSecondParts = {
    "field", "ton", "ville", "haven", "bridge", "wood", "ford", "burg"};
constexpr std::array<const char*, 16> kEnFirstNames = {
    "James",  "Mary",  "Robert", "Linda", "Michael", "Susan", "David", "Karen",
    "Daniel", "Laura", "Kevin",  "Emily", "Brian",   "Grace", "Peter", "Helen"};
constexpr std::array<const char*, 12> kEnLastNames = {
    "Smith",  "Brown",  "Taylor", "Wilson", "Clarke", "Walker",
    "Wright", "Turner", "Hughes", "Parker", "Morgan", "Bennett"};
constexpr std::array<const char*, 6> kEnOrgKinds = {
    "Technologies", "Software", "Holdings", "Digital", "Systems", "Analytics"};

constexpr std::array<const char*, 7> kPublishers = {
    "Vietnam News",        "VietnamNet", "Tuổi Trẻ",
    "VnExpress",           "Yonhap",     "The Korea Herald",
    "Korea JoongAng Daily"};
constexpr std::array<const char*, 12> kEnMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

// Number with thousands separators: Group(1234567, ',') is "1,234,567".
std::string Group(int64_t n, char separator) {
  std::string digits = absl::StrCat(n);
  std::string out;
  int lead = static_cast<int>(digits.size() % 3);
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (static_cast<int>(i) - lead) % 3 == 0) out += separator;
    out += digits[i];
  }
  return out;
}

// Number of UTF-8 code points in `s`.
size_t CodePoints(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// `text`, padded with `filler` and cut to exactly `length` code points.
std::string Fit(std::string text, const std::string& filler, size_t length) {
  while (CodePoints(text) < length) absl::StrAppend(&text, " ", filler);
  size_t points = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) {
      if (points == length) return text.substr(0, i);
      ++points;
    }
  }
  return text;
}

std::string PlaceName(Language l, uint64_t r) {
  switch (l) {
    case kVietnamese:
      return absl::StrCat("Tỉnh ", Pick(kViSyllables, r), " ",
                          Pick(kViSyllables, r >> 8));
    case kKorean:
      return absl::StrCat(Pick(kKoSyllables, r), Pick(kKoSyllables, r >> 8),
                          "시");
    default:
      return absl::StrCat(Pick(kEnFirstParts, r), Pick(kEnSecondParts, r >> 8));
  }
}

std::string OrgName(Language l, uint64_t r) {
  switch (l) {
    case kVietnamese:
      return absl::StrCat(Pick(kViOrgKinds, r), " ", Pick(kViSyllables, r >> 8),
                          " ", Pick(kViSyllables, r >> 16));
    case kKorean:
      return absl::StrCat(Pick(kKoSyllables, r >> 8),
                          Pick(kKoSyllables, r >> 16), Pick(kKoOrgKinds, r));
    default:
      return absl::StrCat(Pick(kEnFirstParts, r >> 8),
                          Pick(kEnSecondParts, r >> 16), " ",
                          Pick(kEnOrgKinds, r));
  }
}

std::string PersonName(Language l, uint64_t r) {
  switch (l) {
    case kVietnamese:
      return absl::StrCat(Pick(kViFamilies, r), " ", Pick(kViMiddles, r >> 8),
                          " ", Pick(kViGiven, r >> 16));
    case kKorean:
      return absl::StrCat(Pick(kKoFamilies, r), Pick(kKoGiven, r >> 8),
                          Pick(kKoGiven, r >> 16));
    default:
      return absl::StrCat(Pick(kEnFirstNames, r), " ",
                          Pick(kEnLastNames, r >> 8));
  }
}

std::string ProductName(Language l, uint64_t r) {
  std::string place = PlaceName(l, r);
  switch (l) {
    case kVietnamese:
      return absl::StrCat("Thị trường phần mềm ", place);
    case kKorean:
      return absl::StrCat(place, " IT 아웃소싱 시장");
    default:
      return absl::StrCat(place, " IT outsourcing market");
  }
}

// The predicates, with the share of facts (percent) each gets.
struct PredicateSpec {
  const char* name;
  int percent;
  const char* text;  // RegisterPredicates entry, protobuf text format
};
constexpr PredicateSpec kPredicates[] = {
    {"investment.cumulative_total", 10, R"pb(
       name: "investment.cumulative_total"
       value_type: VALUE_TYPE_QUANTITY
       unit_dimension: UNIT_DIMENSION_MONEY
       subject_types: ENTITY_TYPE_PLACE
       cardinality: CARDINALITY_ONE
       description: "Total foreign investment in the subject so far")pb"},
    {"market.size", 25, R"pb(
       name: "market.size"
       value_type: VALUE_TYPE_QUANTITY
       unit_dimension: UNIT_DIMENSION_MONEY
       description: "Value of a market")pb"},
    {"trade.export_value", 15, R"pb(
       name: "trade.export_value"
       value_type: VALUE_TYPE_QUANTITY
       unit_dimension: UNIT_DIMENSION_MONEY
       description: "Exports of the subject over its valid time")pb"},
    {"workforce.digital_professionals", 25, R"pb(
       name: "workforce.digital_professionals"
       value_type: VALUE_TYPE_QUANTITY
       unit_dimension: UNIT_DIMENSION_COUNT
       allowed_units: "person"
       description: "Digital technology professionals working in the subject")pb"},
    {"education.it_institution_count", 10, R"pb(
       name: "education.it_institution_count"
       value_type: VALUE_TYPE_QUANTITY
       unit_dimension: UNIT_DIMENSION_COUNT
       allowed_units: "organization"
       description: "Educational institutions providing IT training")pb"},
    {"economy.growth_rate", 15, R"pb(
       name: "economy.growth_rate"
       value_type: VALUE_TYPE_QUANTITY
       unit_dimension: UNIT_DIMENSION_RATIO
       allowed_units: "percent"
       description: "Annual growth of the subject")pb"},
};

std::string RawValue(int predicate, Language l, int64_t a) {
  switch (predicate) {
    case 0:  // money
    case 1:
    case 2:
      switch (l) {
        case kVietnamese:
          return absl::StrCat(Group(a / 10, '.'), ",", a % 10, " triệu USD");
        case kKorean:
          return absl::StrCat(Group(a, ','), "만 달러");
        default:
          return absl::StrCat("US$", Group(a / 10, ','), ".", a % 10,
                              " million");
      }
    case 3:  // people
      switch (l) {
        case kVietnamese:
          return absl::StrCat("khoảng ", Group(a, '.'), " người");
        case kKorean:
          return absl::StrCat("약 ", Group(a, ','), "명");
        default:
          return absl::StrCat("approximately ", Group(a, ','), " people");
      }
    case 4:  // institutions
      switch (l) {
        case kVietnamese:
          return absl::StrCat(Group(a, '.'), " cơ sở đào tạo");
        case kKorean:
          return absl::StrCat(Group(a, ','), "개 기관");
        default:
          return absl::StrCat(Group(a, ','), " educational institutions");
      }
    default:  // percent
      switch (l) {
        case kVietnamese:
          return absl::StrCat(a / 100, ",", absl::Dec(a % 100, absl::kZeroPad2),
                              "%");
        default:
          return absl::StrCat(a / 100, ".", absl::Dec(a % 100, absl::kZeroPad2),
                              "%");
      }
  }
}

std::string RawValidTime(Language l, uint64_t r) {
  int year = 2005 + static_cast<int>(r % 26);
  int month = 1 + static_cast<int>((r >> 8) % 12);
  int day = 1 + static_cast<int>((r >> 16) % 28);
  int form = static_cast<int>((r >> 24) % 4);
  switch (l) {
    case kVietnamese:
      switch (form) {
        case 0:
          return absl::StrCat("năm ", year);
        case 1:
          return absl::StrCat("tháng ", month, " năm ", year);
        case 2:
          return absl::StrCat("đến năm ", year);
        default:
          return absl::StrCat("ngày ", day, " tháng ", month, " năm ", year);
      }
    case kKorean:
      switch (form) {
        case 0:
          return absl::StrCat(year, "년");
        case 1:
          return absl::StrCat(year, "년 ", month, "월");
        case 2:
          return absl::StrCat(year, "년까지");
        default:
          return absl::StrCat(year, "년 ", month, "월 ", day, "일");
      }
    default:
      switch (form) {
        case 0:
          return absl::StrCat("in ", year);
        case 1:
          return absl::StrCat(kEnMonths[month - 1], " ", year);
        case 2:
          return absl::StrCat("by ", year);
        default:
          return absl::StrCat(kEnMonths[month - 1], " ", day, ", ", year);
      }
  }
}

std::string Quote(Language l, const std::string& subject,
                  const std::string& value, const std::string& time) {
  switch (l) {
    case kVietnamese:
      return Fit(
          absl::StrCat("Theo số liệu công bố tại diễn đàn hợp tác số Việt "
                       "Nam - Hàn Quốc, ",
                       subject, " đạt ", value, " ", time,
                       ", các quan chức cho biết."),
          "Đây là mức cao nhất từ trước đến nay.", 150);
    case kKorean:
      return Fit(
          absl::StrCat("한국과 베트남 디지털 협력 포럼에서 발표된 자료에 "
                       "따르면 ",
                       subject, "의 규모는 ", time, " 기준 ", value,
                       "로 집계되었다고 관계자들이 밝혔다."),
          "이는 역대 최고 수준이다.", 150);
    default:
      return Fit(absl::StrCat("According to figures presented at the Vietnam - "
                              "Korea digital cooperation forum, ",
                              subject, " reached ", value, " ", time,
                              ", officials said."),
                 "It is the highest level on record.", 150);
  }
}

}  // namespace

uint64_t Mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

Workload::Workload(WorkloadOptions options) : options_(options) {
  options_.subjects = std::max<int64_t>(10, (options_.subjects + 9) / 10 * 10);
  options_.documents = std::max<int64_t>(1, options_.documents);
}

v1::RegisterPredicatesRequest Workload::Predicates() const {
  v1::RegisterPredicatesRequest request;
  for (const PredicateSpec& spec : kPredicates) {
    google::protobuf::TextFormat::ParseFromString(spec.text,
                                                  request.add_predicates());
  }
  return request;
}

std::string Workload::SubjectId(int64_t k) const {
  int kind = static_cast<int>(k % 10);
  if (kind < 3) return absl::StrCat("place:p-", k);
  if (kind < 8) return absl::StrCat("org:o-", k);
  return absl::StrCat("product:m-", k);
}

v1::Entity Workload::Subject(int64_t k) const {
  v1::Entity e;
  e.set_id(SubjectId(k));
  Language l = static_cast<Language>((k / 10) % 3);
  uint64_t r = Mix(options_.seed * 7919 + static_cast<uint64_t>(k));
  int kind = static_cast<int>(k % 10);
  if (kind < 3) {
    e.set_type(v1::ENTITY_TYPE_PLACE);
    e.set_name(PlaceName(l, r));
  } else if (kind < 8) {
    e.set_type(v1::ENTITY_TYPE_ORGANIZATION);
    e.set_name(OrgName(l, r));
    if (l != kEnglish) e.add_aliases(OrgName(kEnglish, r));
  } else {
    e.set_type(v1::ENTITY_TYPE_PRODUCT);
    e.set_name(ProductName(l, r));
  }
  return e;
}

std::string Workload::DocumentId(int64_t k) const {
  return absl::StrCat("doc:news-", k);
}

v1::Entity Workload::Document(int64_t k) const {
  v1::Entity e;
  e.set_id(DocumentId(k));
  e.set_type(v1::ENTITY_TYPE_DOCUMENT);
  switch (static_cast<Language>(k % 3)) {
    case kVietnamese:
      e.set_name(absl::StrCat("Bản tin hợp tác số Việt Nam - Hàn Quốc số ", k));
      break;
    case kKorean:
      e.set_name(absl::StrCat("한-베 디지털 협력 보도 제", k, "호"));
      break;
    default:
      e.set_name(
          absl::StrCat("Korea - Vietnam digital cooperation report no. ", k));
  }
  return e;
}

v1::Entity Workload::SearchEntity(int64_t k) const {
  v1::Entity e;
  uint64_t r = Mix(options_.seed * 104729 + static_cast<uint64_t>(k));
  Language l = static_cast<Language>((k / 3) % 3);
  switch (k % 3) {
    case 0:
      e.set_id(absl::StrCat("person:s-", k));
      e.set_type(v1::ENTITY_TYPE_PERSON);
      e.set_name(PersonName(l, r));
      break;
    case 1:
      e.set_id(absl::StrCat("org:s-", k));
      e.set_type(v1::ENTITY_TYPE_ORGANIZATION);
      e.set_name(OrgName(l, r));
      if (l != kEnglish) e.add_aliases(OrgName(kEnglish, r));
      break;
    default:
      e.set_id(absl::StrCat("place:s-", k));
      e.set_type(v1::ENTITY_TYPE_PLACE);
      e.set_name(PlaceName(l, r));
  }
  return e;
}

void Workload::MakeFact(int64_t i, v1::Fact* fact) const {
  fact->Clear();
  uint64_t h = Mix(options_.seed * 1000003 + static_cast<uint64_t>(i));
  int percent = static_cast<int>(h % 100);
  int predicate = 0;
  for (int p = 0, sum = 0; p < 6; ++p) {
    sum += kPredicates[p].percent;
    if (percent < sum) {
      predicate = p;
      break;
    }
  }
  // What describes the source document (its language, publisher and date)
  // is the document's: the same for its every fact, as factstore requires.
  int64_t doc = (i / kFactsPerDocument) % options_.documents;
  uint64_t d = Mix(options_.seed * 7919 + static_cast<uint64_t>(doc));
  int lang_draw = static_cast<int>((d >> 8) % 10);
  Language l = lang_draw < 5 ? kEnglish : lang_draw < 8 ? kVietnamese : kKorean;

  // A fifth of the facts are about the hottest 1% of the subjects.
  uint64_t r = Mix(h ^ 0x5bd1e995);
  int64_t subjects = options_.subjects;
  int64_t j = (r % 5 == 0)
                  ? static_cast<int64_t>((r >> 8) %
                                         std::max<int64_t>(10, subjects / 100))
                  : static_cast<int64_t>((r >> 8) % subjects);
  // investment.cumulative_total takes places only: ids 0, 1, 2 mod 10.
  int64_t k = predicate == 0 ? (j / 10) * 10 + (j % 3) : j;

  fact->set_subject(SubjectId(k));
  fact->set_predicate(kPredicates[predicate].name);
  fact->set_language(LanguageTag(l));
  int64_t amount = 1000 + i;
  std::string value = RawValue(predicate, l, amount);
  uint64_t t = Mix(h ^ 0x2545f491);
  std::string time = RawValidTime(l, t);
  fact->mutable_valid_time()->set_raw(time);

  v1::Mention* m = fact->add_mentions();
  m->set_document_id(DocumentId(doc));
  m->set_url(
      absl::StrCat("https://news.example.com/", LanguageTag(l), "/", doc));
  m->set_publisher(Pick(kPublishers, d >> 32));
  m->set_publication_date(
      absl::StrCat("2024-", absl::Dec(1 + (d >> 40) % 12, absl::kZeroPad2), "-",
                   absl::Dec(1 + (d >> 44) % 28, absl::kZeroPad2)));
  m->set_language(LanguageTag(l));
  std::string subject_name = Subject(k).name();
  m->set_quote(Quote(l, subject_name, value, time));
  m->set_extractor("extractor-v3");
  m->set_confidence(0.5 + static_cast<double>((t >> 48) % 50) / 100);
  fact->mutable_value()->set_raw(std::move(value));
}

Workload::RangeQuery Workload::RandomRange(uint64_t r, int64_t facts) const {
  RangeQuery q;
  q.predicate = "market.size";
  q.unit = "USD";
  // English and Vietnamese amounts are (1000 + i) * 100000 USD; start
  // somewhere in the first 90% so that the page fills up.
  int64_t span = std::max<int64_t>(1, facts * 9 / 10);
  q.min = absl::StrCat((1000 + static_cast<int64_t>(r % span)) * 100000);
  return q;
}

std::string Workload::SearchQuery(std::mt19937_64& rng) const {
  // Subjects k with (k / 10) % 3 == 0 have English names; k % 10 < 8 are
  // places and organizations (Subject).
  int64_t k = 0;
  do {
    k = static_cast<int64_t>(rng() % options_.subjects);
  } while ((k / 10) % 3 != 0 || k % 10 >= 8);
  return Subject(k).name();
}

std::string Workload::SearchPrefix(uint64_t r, int64_t entities) const {
  v1::Entity e =
      SearchEntity(static_cast<int64_t>(r % std::max<int64_t>(1, entities)));
  size_t length = 2 + (r >> 32) % 5;
  const std::string& name = e.name();
  size_t points = 0;
  for (size_t i = 0; i < name.size(); ++i) {
    if ((static_cast<unsigned char>(name[i]) & 0xC0) != 0x80) {
      if (points == length) return name.substr(0, i);
      ++points;
    }
  }
  return name;
}

}  // namespace factstore::bench
