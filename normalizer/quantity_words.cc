#include "normalizer/quantity_words.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "factstore/v1/types.pb.h"

namespace factstore::normalizer {
namespace {

using K = WordKind;

struct Word {
  const char* phrase;
  WordKind kind;
  const char* text;
  int number;
};

constexpr int kApprox = v1::COMPARATOR_APPROXIMATELY;
constexpr int kMoreThan = v1::COMPARATOR_MORE_THAN;
constexpr int kAtLeast = v1::COMPARATOR_AT_LEAST;
constexpr int kLessThan = v1::COMPARATOR_LESS_THAN;
constexpr int kAtMost = v1::COMPARATOR_AT_MOST;

// The period of a rate, as in units.h (which this list does not depend on).
constexpr const char kYear[] = "a";
constexpr const char kMonth[] = "mo";
constexpr const char kDay[] = "d";
// A period factstore does not measure rates in: read only to say so.
constexpr const char kOtherPeriod[] = "";

// Comparators, range words and fillers.
constexpr Word kGrammarWords[] = {
    // English. "nearly" and "almost" are APPROXIMATELY in factstore: the
    // sources use them for round figures close to the truth.
    {"approximately", K::kPrefixComparator, "", kApprox},
    {"approx", K::kPrefixComparator, "", kApprox},
    {"about", K::kPrefixComparator, "", kApprox},
    {"around", K::kPrefixComparator, "", kApprox},
    {"some", K::kPrefixComparator, "", kApprox},
    {"nearly", K::kPrefixComparator, "", kApprox},
    {"almost", K::kPrefixComparator, "", kApprox},
    {"roughly", K::kPrefixComparator, "", kApprox},
    {"an estimated", K::kPrefixComparator, "", kApprox},
    {"estimated", K::kPrefixComparator, "", kApprox},
    {"close to", K::kPrefixComparator, "", kApprox},
    {"circa", K::kPrefixComparator, "", kApprox},
    {"more than", K::kPrefixComparator, "", kMoreThan},
    {"over", K::kPrefixComparator, "", kMoreThan},
    {"just over", K::kPrefixComparator, "", kMoreThan},
    {"above", K::kPrefixComparator, "", kMoreThan},
    {"upwards of", K::kPrefixComparator, "", kMoreThan},
    {"in excess of", K::kPrefixComparator, "", kMoreThan},
    {"at least", K::kPrefixComparator, "", kAtLeast},
    {"no fewer than", K::kPrefixComparator, "", kAtLeast},
    {"no less than", K::kPrefixComparator, "", kAtLeast},
    {"a minimum of", K::kPrefixComparator, "", kAtLeast},
    {"up to", K::kPrefixComparator, "", kAtMost},
    {"at most", K::kPrefixComparator, "", kAtMost},
    {"no more than", K::kPrefixComparator, "", kAtMost},
    {"a maximum of", K::kPrefixComparator, "", kAtMost},
    {"as many as", K::kPrefixComparator, "", kAtMost},
    {"less than", K::kPrefixComparator, "", kLessThan},
    {"fewer than", K::kPrefixComparator, "", kLessThan},
    {"under", K::kPrefixComparator, "", kLessThan},
    {"just under", K::kPrefixComparator, "", kLessThan},
    {"below", K::kPrefixComparator, "", kLessThan},
    {"or more", K::kPostfixComparator, "", kAtLeast},
    {"and above", K::kPostfixComparator, "", kAtLeast},
    {"or above", K::kPostfixComparator, "", kAtLeast},
    {"or less", K::kPostfixComparator, "", kAtMost},
    {"or fewer", K::kPostfixComparator, "", kAtMost},
    {"a total of", K::kFiller, "", 0},
    {"total", K::kFiller, "", 0},
    {"between", K::kRangeOpen, "", 1},
    {"from", K::kRangeOpen, "", 0},
    {"to", K::kRangeJoin, "", 0},
    {"and", K::kAnd, "", 0},
    {"of", K::kOf, "", 0},
    {"per", K::kReserved, "", 0},
    {"each", K::kReserved, "", 0},
    {"every", K::kReserved, "", 0},
    {"mỗi", K::kReserved, "", 0},
    {"/", K::kReserved, "", 0},
    // Vietnamese.
    {"khoảng", K::kPrefixComparator, "", kApprox},
    {"khoảng chừng", K::kPrefixComparator, "", kApprox},
    {"chừng", K::kPrefixComparator, "", kApprox},
    {"gần", K::kPrefixComparator, "", kApprox},
    {"ước tính", K::kPrefixComparator, "", kApprox},
    {"ước khoảng", K::kPrefixComparator, "", kApprox},
    {"xấp xỉ", K::kPrefixComparator, "", kApprox},
    {"hơn", K::kPrefixComparator, "", kMoreThan},
    {"trên", K::kPrefixComparator, "", kMoreThan},
    {"ít nhất", K::kPrefixComparator, "", kAtLeast},
    {"tối thiểu", K::kPrefixComparator, "", kAtLeast},
    {"dưới", K::kPrefixComparator, "", kLessThan},
    {"chưa đến", K::kPrefixComparator, "", kLessThan},
    {"chưa tới", K::kPrefixComparator, "", kLessThan},
    {"tối đa", K::kPrefixComparator, "", kAtMost},
    {"không quá", K::kPrefixComparator, "", kAtMost},
    {"lên tới", K::kPrefixComparator, "", kAtMost},
    {"lên đến", K::kPrefixComparator, "", kAtMost},
    {"trở lên", K::kPostfixComparator, "", kAtLeast},
    {"trở xuống", K::kPostfixComparator, "", kAtMost},
    {"tổng cộng", K::kFiller, "", 0},
    {"từ", K::kRangeOpen, "", 0},
    {"đến", K::kRangeJoin, "", 0},
    {"tới", K::kRangeJoin, "", 0},
    // Korean.
    {"약", K::kPrefixComparator, "", kApprox},
    {"대략", K::kPrefixComparator, "", kApprox},
    {"거의", K::kPrefixComparator, "", kApprox},
    {"최소", K::kPrefixComparator, "", kAtLeast},
    {"최대", K::kPrefixComparator, "", kAtMost},
    {"정도", K::kPostfixComparator, "", kApprox},
    // "20여 곳", "20-odd": written onto the number, before the counter.
    {"여", K::kPostfixComparator, "", kApprox},
    {"가량", K::kPostfixComparator, "", kApprox},
    {"쯤", K::kPostfixComparator, "", kApprox},
    {"안팎", K::kPostfixComparator, "", kApprox},
    {"내외", K::kPostfixComparator, "", kApprox},
    {"이상", K::kPostfixComparator, "", kAtLeast},
    {"이하", K::kPostfixComparator, "", kAtMost},
    {"초과", K::kPostfixComparator, "", kMoreThan},
    {"미만", K::kPostfixComparator, "", kLessThan},
    {"넘는", K::kPostfixComparator, "", kMoreThan},
    {"넘게", K::kPostfixComparator, "", kMoreThan},
    {"넘어", K::kPostfixComparator, "", kMoreThan},
    {"총", K::kFiller, "", 0},
    {"에서", K::kRangeJoin, "", 0},
    {"부터", K::kRangeJoin, "", 0},
    {"까지", K::kUntil, "", 0},
    {"의", K::kParticle, "", 0},
    {"이", K::kParticle, "", 0},
    {"가", K::kParticle, "", 0},
    {"을", K::kParticle, "", 0},
    {"를", K::kParticle, "", 0},
    {"은", K::kParticle, "", 0},
    {"는", K::kParticle, "", 0},
    {"에", K::kParticle, "", 0},
    {"로", K::kParticle, "", 0},
    {"으로", K::kParticle, "", 0},
    {"도", K::kParticle, "", 0},
    {"당", K::kParticle, "", 0},
    // Symbols.
    {"-", K::kDash, "", 0},
    {"‐", K::kDash, "", 0},
    {"‑", K::kDash, "", 0},
    {"–", K::kDash, "", 0},
    {"—", K::kDash, "", 0},
    {"−", K::kDash, "", 0},
    {"~", K::kRangeJoin, "", 0},
    {"〜", K::kRangeJoin, "", 0},
    {"+", K::kPlus, "", 0},
    {"%", K::kPercent, "percent", 0},
};

// Periods that make an amount a rate ("$5 million a year"). English and
// Vietnamese write them after the amount, Korean before it ("연간 10억 원")
// or as "/년" after it.
constexpr Word kPeriodWords[] = {
    {"a year", K::kPeriod, kYear, 0},
    {"per year", K::kPeriod, kYear, 0},
    {"each year", K::kPeriod, kYear, 0},
    {"every year", K::kPeriod, kYear, 0},
    {"annually", K::kPeriod, kYear, 0},
    {"yearly", K::kPeriod, kYear, 0},
    {"per annum", K::kPeriod, kYear, 0},
    {"/year", K::kPeriod, kYear, 0},
    {"/yr", K::kPeriod, kYear, 0},
    {"a month", K::kPeriod, kMonth, 0},
    {"per month", K::kPeriod, kMonth, 0},
    {"each month", K::kPeriod, kMonth, 0},
    {"every month", K::kPeriod, kMonth, 0},
    {"monthly", K::kPeriod, kMonth, 0},
    {"/month", K::kPeriod, kMonth, 0},
    {"/mo", K::kPeriod, kMonth, 0},
    {"a day", K::kPeriod, kDay, 0},
    {"per day", K::kPeriod, kDay, 0},
    {"each day", K::kPeriod, kDay, 0},
    {"every day", K::kPeriod, kDay, 0},
    {"daily", K::kPeriod, kDay, 0},
    {"/day", K::kPeriod, kDay, 0},
    {"a week", K::kPeriod, kOtherPeriod, 0},
    {"per week", K::kPeriod, kOtherPeriod, 0},
    {"weekly", K::kPeriod, kOtherPeriod, 0},
    {"/week", K::kPeriod, kOtherPeriod, 0},
    {"per quarter", K::kPeriod, kOtherPeriod, 0},
    {"quarterly", K::kPeriod, kOtherPeriod, 0},
    {"an hour", K::kPeriod, kOtherPeriod, 0},
    {"per hour", K::kPeriod, kOtherPeriod, 0},
    {"hourly", K::kPeriod, kOtherPeriod, 0},
    {"/hour", K::kPeriod, kOtherPeriod, 0},
    // "hàng năm" and "hằng năm" share their key.
    {"mỗi năm", K::kPeriod, kYear, 0},
    {"hàng năm", K::kPeriod, kYear, 0},
    {"/năm", K::kPeriod, kYear, 0},
    {"mỗi tháng", K::kPeriod, kMonth, 0},
    {"hàng tháng", K::kPeriod, kMonth, 0},
    {"/tháng", K::kPeriod, kMonth, 0},
    {"mỗi ngày", K::kPeriod, kDay, 0},
    {"hàng ngày", K::kPeriod, kDay, 0},
    {"/ngày", K::kPeriod, kDay, 0},
    {"mỗi tuần", K::kPeriod, kOtherPeriod, 0},
    {"hàng tuần", K::kPeriod, kOtherPeriod, 0},
    {"/tuần", K::kPeriod, kOtherPeriod, 0},
    {"mỗi quý", K::kPeriod, kOtherPeriod, 0},
    {"hàng quý", K::kPeriod, kOtherPeriod, 0},
    {"/년", K::kPeriod, kYear, 0},
    {"/월", K::kPeriod, kMonth, 0},
    {"/일", K::kPeriod, kDay, 0},
    {"연간", K::kLeadPeriod, kYear, 0},
    {"연", K::kLeadPeriod, kYear, 0},
    {"매년", K::kLeadPeriod, kYear, 0},
    {"월", K::kLeadPeriod, kMonth, 0},
    {"매월", K::kLeadPeriod, kMonth, 0},
    {"매달", K::kLeadPeriod, kMonth, 0},
    {"하루", K::kLeadPeriod, kDay, 0},
    {"매일", K::kLeadPeriod, kDay, 0},
};

// Numbers, number words and scale words.
constexpr Word kNumberWords[] = {
    {"thousand", K::kScale, "1000", 0},
    {"million", K::kScale, "1000000", 0},
    {"billion", K::kScale, "1000000000", 0},
    {"trillion", K::kScale, "1000000000000", 0},
    {"k", K::kScale, "1000", 0},
    {"m", K::kScale, "1000000", 0},
    {"mn", K::kScale, "1000000", 0},
    {"mln", K::kScale, "1000000", 0},
    {"b", K::kScale, "1000000000", 0},
    {"bn", K::kScale, "1000000000", 0},
    {"bln", K::kScale, "1000000000", 0},
    {"tn", K::kScale, "1000000000000", 0},
    {"quadrillion", K::kScale, "1000000000000000", 0},
    {"dozen", K::kScale, "12", 0},
    // South Asian: a lakh is 100,000, a crore 10,000,000.
    {"lakh", K::kScale, "100000", 0},
    {"lakhs", K::kScale, "100000", 0},
    {"crore", K::kScale, "10000000", 0},
    {"crores", K::kScale, "10000000", 0},
    {"chục", K::kScale, "10", 0},
    {"trăm", K::kScale, "100", 0},
    {"nghìn", K::kScale, "1000", 0},
    {"ngàn", K::kScale, "1000", 0},
    {"triệu", K::kScale, "1000000", 0},
    {"tỷ", K::kScale, "1000000000", 0},
    {"tỉ", K::kScale, "1000000000", 0},
    {"십", K::kKoreanSmallUnit, "10", 0},
    {"백", K::kKoreanSmallUnit, "100", 0},
    {"천", K::kKoreanSmallUnit, "1000", 0},
    {"만", K::kKoreanBigUnit, "10000", 0},
    {"억", K::kKoreanBigUnit, "100000000", 0},
    {"조", K::kKoreanBigUnit, "1000000000000", 0},
    {"경", K::kKoreanBigUnit, "10000000000000000", 0},
    // Vague amounts: "tens of thousands", "hàng trăm", "수천억".
    {"dozens", K::kVague, "12", 0},
    {"tens", K::kVague, "10", 0},
    {"hundreds", K::kVague, "100", 0},
    {"thousands", K::kVague, "1000", 0},
    {"millions", K::kVague, "1000000", 0},
    {"billions", K::kVague, "1000000000", 0},
    {"trillions", K::kVague, "1000000000000", 0},
    {"hàng", K::kVaguePrefix, "", 0},
    {"수", K::kVaguePrefix, "", 1},
    {"a", K::kArticle, "", 0},
    {"an", K::kArticle, "", 0},
    {"half", K::kHalf, "", 0},
    {"zero", K::kNumberWord, "", 0},
    {"one", K::kNumberWord, "", 1},
    {"two", K::kNumberWord, "", 2},
    {"three", K::kNumberWord, "", 3},
    {"four", K::kNumberWord, "", 4},
    {"five", K::kNumberWord, "", 5},
    {"six", K::kNumberWord, "", 6},
    {"seven", K::kNumberWord, "", 7},
    {"eight", K::kNumberWord, "", 8},
    {"nine", K::kNumberWord, "", 9},
    {"ten", K::kNumberWord, "", 10},
    {"eleven", K::kNumberWord, "", 11},
    {"twelve", K::kNumberWord, "", 12},
    {"thirteen", K::kNumberWord, "", 13},
    {"fourteen", K::kNumberWord, "", 14},
    {"fifteen", K::kNumberWord, "", 15},
    {"sixteen", K::kNumberWord, "", 16},
    {"seventeen", K::kNumberWord, "", 17},
    {"eighteen", K::kNumberWord, "", 18},
    {"nineteen", K::kNumberWord, "", 19},
    {"twenty", K::kNumberWord, "", 20},
    {"thirty", K::kNumberWord, "", 30},
    {"forty", K::kNumberWord, "", 40},
    {"fifty", K::kNumberWord, "", 50},
    {"sixty", K::kNumberWord, "", 60},
    {"seventy", K::kNumberWord, "", 70},
    {"eighty", K::kNumberWord, "", 80},
    {"ninety", K::kNumberWord, "", 90},
    {"hundred", K::kNumberWord, "", 100},
};

// Currencies by symbol, code and name. "$" alone is USD and "¥" alone JPY.
constexpr Word kCurrencyWords[] = {
    {"$", K::kCurrency, "USD", 0},
    {"usd", K::kCurrency, "USD", 0},
    {"dollar", K::kCurrency, "USD", 0},
    {"dollars", K::kCurrency, "USD", 0},
    {"us dollar", K::kCurrency, "USD", 0},
    {"us dollars", K::kCurrency, "USD", 0},
    {"u.s. dollars", K::kCurrency, "USD", 0},
    {"american dollars", K::kCurrency, "USD", 0},
    {"đô la", K::kCurrency, "USD", 0},
    {"đô la mỹ", K::kCurrency, "USD", 0},
    {"đôla", K::kCurrency, "USD", 0},
    {"đô", K::kCurrency, "USD", 0},
    {"mỹ kim", K::kCurrency, "USD", 0},
    {"달러", K::kCurrency, "USD", 0},
    {"달러화", K::kCurrency, "USD", 0},
    {"미국 달러", K::kCurrency, "USD", 0},
    {"vnd", K::kCurrency, "VND", 0},
    {"₫", K::kCurrency, "VND", 0},
    {"dong", K::kCurrency, "VND", 0},
    {"vietnamese dong", K::kCurrency, "VND", 0},
    {"đồng", K::kCurrency, "VND", 0},
    {"동", K::kCurrency, "VND", 0},
    {"베트남 동", K::kCurrency, "VND", 0},
    {"krw", K::kCurrency, "KRW", 0},
    {"₩", K::kCurrency, "KRW", 0},
    {"won", K::kCurrency, "KRW", 0},
    {"korean won", K::kCurrency, "KRW", 0},
    {"south korean won", K::kCurrency, "KRW", 0},
    {"원", K::kCurrency, "KRW", 0},
    {"원화", K::kCurrency, "KRW", 0},
    {"eur", K::kCurrency, "EUR", 0},
    {"€", K::kCurrency, "EUR", 0},
    {"euro", K::kCurrency, "EUR", 0},
    {"euros", K::kCurrency, "EUR", 0},
    {"유로", K::kCurrency, "EUR", 0},
    {"jpy", K::kCurrency, "JPY", 0},
    {"¥", K::kCurrency, "JPY", 0},
    {"yen", K::kCurrency, "JPY", 0},
    {"japanese yen", K::kCurrency, "JPY", 0},
    {"엔", K::kCurrency, "JPY", 0},
    {"엔화", K::kCurrency, "JPY", 0},
    {"gbp", K::kCurrency, "GBP", 0},
    {"£", K::kCurrency, "GBP", 0},
    {"pound", K::kCurrency, "GBP", 0},
    {"pounds", K::kCurrency, "GBP", 0},
    {"pounds sterling", K::kCurrency, "GBP", 0},
    {"bảng anh", K::kCurrency, "GBP", 0},
    {"파운드", K::kCurrency, "GBP", 0},
    {"cny", K::kCurrency, "CNY", 0},
    {"rmb", K::kCurrency, "CNY", 0},
    {"yuan", K::kCurrency, "CNY", 0},
    {"chinese yuan", K::kCurrency, "CNY", 0},
    {"renminbi", K::kCurrency, "CNY", 0},
    {"nhân dân tệ", K::kCurrency, "CNY", 0},
    {"위안", K::kCurrency, "CNY", 0},
    {"위안화", K::kCurrency, "CNY", 0},
    {"australian dollars", K::kCurrency, "AUD", 0},
    {"đô la úc", K::kCurrency, "AUD", 0},
    {"canadian dollars", K::kCurrency, "CAD", 0},
    {"singapore dollars", K::kCurrency, "SGD", 0},
    {"đô la singapore", K::kCurrency, "SGD", 0},
    {"hong kong dollars", K::kCurrency, "HKD", 0},
    {"baht", K::kCurrency, "THB", 0},
    {"ringgit", K::kCurrency, "MYR", 0},
    {"rupiah", K::kCurrency, "IDR", 0},
    {"swiss francs", K::kCurrency, "CHF", 0},
    // "rupee" alone is the Indian rupee, as "$" alone is the US dollar.
    {"₹", K::kCurrency, "INR", 0},
    {"inr", K::kCurrency, "INR", 0},
    {"rupee", K::kCurrency, "INR", 0},
    {"rupees", K::kCurrency, "INR", 0},
    {"indian rupee", K::kCurrency, "INR", 0},
    {"indian rupees", K::kCurrency, "INR", 0},
};

// Percentages and nouns that name a unit. English nouns are listed in the
// plural and the singular.
constexpr Word kUnitWords[] = {
    {"percent", K::kPercent, "percent", 0},
    {"per cent", K::kPercent, "percent", 0},
    {"pct", K::kPercent, "percent", 0},
    {"phần trăm", K::kPercent, "percent", 0},
    {"퍼센트", K::kPercent, "percent", 0},
    {"프로", K::kPercent, "percent", 0},
    // The difference of two percentages: from 5% to 8.5% is 3.5 points.
    {"percentage points", K::kPercent, "percentage_point", 0},
    {"percentage point", K::kPercent, "percentage_point", 0},
    {"pp", K::kPercent, "percentage_point", 0},
    {"điểm phần trăm", K::kPercent, "percentage_point", 0},
    {"điểm %", K::kPercent, "percentage_point", 0},
    {"퍼센트포인트", K::kPercent, "percentage_point", 0},
    {"퍼센트 포인트", K::kPercent, "percentage_point", 0},
    // person
    {"people", K::kUnitNoun, "person", 0},
    {"person", K::kUnitNoun, "person", 0},
    {"persons", K::kUnitNoun, "person", 0},
    {"individuals", K::kUnitNoun, "person", 0},
    {"residents", K::kUnitNoun, "person", 0},
    {"citizens", K::kUnitNoun, "person", 0},
    {"inhabitants", K::kUnitNoun, "person", 0},
    {"workers", K::kUnitNoun, "person", 0},
    {"employees", K::kUnitNoun, "person", 0},
    {"staff", K::kUnitNoun, "person", 0},
    {"personnel", K::kUnitNoun, "person", 0},
    {"professionals", K::kUnitNoun, "person", 0},
    {"engineers", K::kUnitNoun, "person", 0},
    {"experts", K::kUnitNoun, "person", 0},
    {"specialists", K::kUnitNoun, "person", 0},
    {"technicians", K::kUnitNoun, "person", 0},
    {"students", K::kUnitNoun, "person", 0},
    {"graduates", K::kUnitNoun, "person", 0},
    {"delegates", K::kUnitNoun, "person", 0},
    {"participants", K::kUnitNoun, "person", 0},
    {"attendees", K::kUnitNoun, "person", 0},
    {"visitors", K::kUnitNoun, "person", 0},
    {"tourists", K::kUnitNoun, "person", 0},
    {"officers", K::kUnitNoun, "person", 0},
    {"officials", K::kUnitNoun, "person", 0},
    {"members", K::kUnitNoun, "person", 0},
    {"developers", K::kUnitNoun, "person", 0},
    {"programmers", K::kUnitNoun, "person", 0},
    {"researchers", K::kUnitNoun, "person", 0},
    {"scientists", K::kUnitNoun, "person", 0},
    {"teachers", K::kUnitNoun, "person", 0},
    {"lecturers", K::kUnitNoun, "person", 0},
    {"doctors", K::kUnitNoun, "person", 0},
    {"volunteers", K::kUnitNoun, "person", 0},
    {"children", K::kUnitNoun, "person", 0},
    {"adults", K::kUnitNoun, "person", 0},
    {"users", K::kUnitNoun, "person", 0},
    {"customers", K::kUnitNoun, "person", 0},
    {"labourers", K::kUnitNoun, "person", 0},
    {"laborers", K::kUnitNoun, "person", 0},
    {"guests", K::kUnitNoun, "person", 0},
    {"speakers", K::kUnitNoun, "person", 0},
    {"trainees", K::kUnitNoun, "person", 0},
    {"interns", K::kUnitNoun, "person", 0},
    {"learners", K::kUnitNoun, "person", 0},
    {"pupils", K::kUnitNoun, "person", 0},
    {"entrepreneurs", K::kUnitNoun, "person", 0},
    {"managers", K::kUnitNoun, "person", 0},
    {"executives", K::kUnitNoun, "person", 0},
    {"consultants", K::kUnitNoun, "person", 0},
    {"candidates", K::kUnitNoun, "person", 0},
    {"applicants", K::kUnitNoun, "person", 0},
    {"người", K::kUnitNoun, "person", 0},
    {"người dân", K::kUnitNoun, "person", 0},
    {"dân", K::kUnitNoun, "person", 0},
    {"cư dân", K::kUnitNoun, "person", 0},
    {"nhân lực", K::kUnitNoun, "person", 0},
    {"lao động", K::kUnitNoun, "person", 0},
    {"người lao động", K::kUnitNoun, "person", 0},
    {"công nhân", K::kUnitNoun, "person", 0},
    {"kỹ sư", K::kUnitNoun, "person", 0},
    {"chuyên gia", K::kUnitNoun, "person", 0},
    {"sinh viên", K::kUnitNoun, "person", 0},
    {"học sinh", K::kUnitNoun, "person", 0},
    {"học viên", K::kUnitNoun, "person", 0},
    {"đại biểu", K::kUnitNoun, "person", 0},
    {"cán bộ", K::kUnitNoun, "person", 0},
    {"nhân viên", K::kUnitNoun, "person", 0},
    {"nhân sự", K::kUnitNoun, "person", 0},
    {"nhà khoa học", K::kUnitNoun, "person", 0},
    {"lập trình viên", K::kUnitNoun, "person", 0},
    {"du khách", K::kUnitNoun, "person", 0},
    {"khách", K::kUnitNoun, "person", 0},
    {"thành viên", K::kUnitNoun, "person", 0},
    {"giảng viên", K::kUnitNoun, "person", 0},
    {"giáo viên", K::kUnitNoun, "person", 0},
    {"bác sĩ", K::kUnitNoun, "person", 0},
    {"tình nguyện viên", K::kUnitNoun, "person", 0},
    {"doanh nhân", K::kUnitNoun, "person", 0},
    {"명", K::kUnitNoun, "person", 0},
    {"사람", K::kUnitNoun, "person", 0},
    {"인력", K::kUnitNoun, "person", 0},
    {"직원", K::kUnitNoun, "person", 0},
    {"근로자", K::kUnitNoun, "person", 0},
    {"노동자", K::kUnitNoun, "person", 0},
    {"학생", K::kUnitNoun, "person", 0},
    {"대학생", K::kUnitNoun, "person", 0},
    {"졸업생", K::kUnitNoun, "person", 0},
    {"전문가", K::kUnitNoun, "person", 0},
    {"개발자", K::kUnitNoun, "person", 0},
    {"엔지니어", K::kUnitNoun, "person", 0},
    {"기술자", K::kUnitNoun, "person", 0},
    {"참가자", K::kUnitNoun, "person", 0},
    {"관광객", K::kUnitNoun, "person", 0},
    {"방문객", K::kUnitNoun, "person", 0},
    {"연구원", K::kUnitNoun, "person", 0},
    {"회원", K::kUnitNoun, "person", 0},
    {"대표", K::kUnitNoun, "person", 0},
    // organization
    {"companies", K::kUnitNoun, "organization", 0},
    {"company", K::kUnitNoun, "organization", 0},
    {"firms", K::kUnitNoun, "organization", 0},
    {"enterprises", K::kUnitNoun, "organization", 0},
    {"businesses", K::kUnitNoun, "organization", 0},
    {"institutions", K::kUnitNoun, "organization", 0},
    {"organizations", K::kUnitNoun, "organization", 0},
    {"organisations", K::kUnitNoun, "organization", 0},
    {"universities", K::kUnitNoun, "organization", 0},
    {"university", K::kUnitNoun, "organization", 0},
    {"associations", K::kUnitNoun, "organization", 0},
    {"agencies", K::kUnitNoun, "organization", 0},
    {"agency", K::kUnitNoun, "organization", 0},
    {"startups", K::kUnitNoun, "organization", 0},
    {"start-ups", K::kUnitNoun, "organization", 0},
    {"corporations", K::kUnitNoun, "organization", 0},
    {"banks", K::kUnitNoun, "organization", 0},
    {"schools", K::kUnitNoun, "organization", 0},
    {"colleges", K::kUnitNoun, "organization", 0},
    {"ministries", K::kUnitNoun, "organization", 0},
    {"ministry", K::kUnitNoun, "organization", 0},
    {"institutes", K::kUnitNoun, "organization", 0},
    {"manufacturers", K::kUnitNoun, "organization", 0},
    {"suppliers", K::kUnitNoun, "organization", 0},
    {"providers", K::kUnitNoun, "organization", 0},
    {"vendors", K::kUnitNoun, "organization", 0},
    {"conglomerates", K::kUnitNoun, "organization", 0},
    {"smes", K::kUnitNoun, "organization", 0},
    {"doanh nghiệp", K::kUnitNoun, "organization", 0},
    {"công ty", K::kUnitNoun, "organization", 0},
    {"tổ chức", K::kUnitNoun, "organization", 0},
    {"trường", K::kUnitNoun, "organization", 0},
    {"trường đại học", K::kUnitNoun, "organization", 0},
    {"đại học", K::kUnitNoun, "organization", 0},
    {"cơ sở", K::kUnitNoun, "organization", 0},
    {"cơ sở giáo dục", K::kUnitNoun, "organization", 0},
    {"cơ sở đào tạo", K::kUnitNoun, "organization", 0},
    {"hiệp hội", K::kUnitNoun, "organization", 0},
    {"tập đoàn", K::kUnitNoun, "organization", 0},
    {"ngân hàng", K::kUnitNoun, "organization", 0},
    {"viện", K::kUnitNoun, "organization", 0},
    {"cơ quan", K::kUnitNoun, "organization", 0},
    {"startup", K::kUnitNoun, "organization", 0},
    {"hợp tác xã", K::kUnitNoun, "organization", 0},
    {"기업", K::kUnitNoun, "organization", 0},
    {"회사", K::kUnitNoun, "organization", 0},
    {"업체", K::kUnitNoun, "organization", 0},
    {"기관", K::kUnitNoun, "organization", 0},
    {"대학", K::kUnitNoun, "organization", 0},
    {"대학교", K::kUnitNoun, "organization", 0},
    {"협회", K::kUnitNoun, "organization", 0},
    {"단체", K::kUnitNoun, "organization", 0},
    {"스타트업", K::kUnitNoun, "organization", 0},
    {"은행", K::kUnitNoun, "organization", 0},
    {"학교", K::kUnitNoun, "organization", 0},
    {"개사", K::kUnitNoun, "organization", 0},
    // document
    {"documents", K::kUnitNoun, "document", 0},
    {"document", K::kUnitNoun, "document", 0},
    {"agreements", K::kUnitNoun, "document", 0},
    {"agreement", K::kUnitNoun, "document", 0},
    {"memoranda", K::kUnitNoun, "document", 0},
    {"mous", K::kUnitNoun, "document", 0},
    {"contracts", K::kUnitNoun, "document", 0},
    {"reports", K::kUnitNoun, "document", 0},
    {"articles", K::kUnitNoun, "document", 0},
    {"papers", K::kUnitNoun, "document", 0},
    {"publications", K::kUnitNoun, "document", 0},
    {"patents", K::kUnitNoun, "document", 0},
    {"resolutions", K::kUnitNoun, "document", 0},
    {"decrees", K::kUnitNoun, "document", 0},
    {"văn bản", K::kUnitNoun, "document", 0},
    {"thỏa thuận", K::kUnitNoun, "document", 0},
    {"biên bản ghi nhớ", K::kUnitNoun, "document", 0},
    {"hợp đồng", K::kUnitNoun, "document", 0},
    {"báo cáo", K::kUnitNoun, "document", 0},
    {"tài liệu", K::kUnitNoun, "document", 0},
    {"bằng sáng chế", K::kUnitNoun, "document", 0},
    {"nghị quyết", K::kUnitNoun, "document", 0},
    {"문서", K::kUnitNoun, "document", 0},
    {"협정", K::kUnitNoun, "document", 0},
    {"양해각서", K::kUnitNoun, "document", 0},
    {"계약", K::kUnitNoun, "document", 0},
    {"보고서", K::kUnitNoun, "document", 0},
    {"논문", K::kUnitNoun, "document", 0},
    {"특허", K::kUnitNoun, "document", 0},
    // event
    {"events", K::kUnitNoun, "event", 0},
    {"event", K::kUnitNoun, "event", 0},
    {"conferences", K::kUnitNoun, "event", 0},
    {"forums", K::kUnitNoun, "event", 0},
    {"seminars", K::kUnitNoun, "event", 0},
    {"workshops", K::kUnitNoun, "event", 0},
    {"meetings", K::kUnitNoun, "event", 0},
    {"summits", K::kUnitNoun, "event", 0},
    {"exhibitions", K::kUnitNoun, "event", 0},
    {"fairs", K::kUnitNoun, "event", 0},
    {"festivals", K::kUnitNoun, "event", 0},
    {"competitions", K::kUnitNoun, "event", 0},
    {"webinars", K::kUnitNoun, "event", 0},
    {"sự kiện", K::kUnitNoun, "event", 0},
    {"hội nghị", K::kUnitNoun, "event", 0},
    {"hội thảo", K::kUnitNoun, "event", 0},
    {"diễn đàn", K::kUnitNoun, "event", 0},
    {"triển lãm", K::kUnitNoun, "event", 0},
    {"cuộc họp", K::kUnitNoun, "event", 0},
    {"hội chợ", K::kUnitNoun, "event", 0},
    {"행사", K::kUnitNoun, "event", 0},
    {"회의", K::kUnitNoun, "event", 0},
    {"포럼", K::kUnitNoun, "event", 0},
    {"세미나", K::kUnitNoun, "event", 0},
    {"컨퍼런스", K::kUnitNoun, "event", 0},
    {"박람회", K::kUnitNoun, "event", 0},
    {"전시회", K::kUnitNoun, "event", 0},
    // count: things counted that have no unit of their own
    {"jobs", K::kUnitNoun, "count", 0},
    {"projects", K::kUnitNoun, "count", 0},
    {"products", K::kUnitNoun, "count", 0},
    {"countries", K::kUnitNoun, "count", 0},
    {"provinces", K::kUnitNoun, "count", 0},
    {"cities", K::kUnitNoun, "count", 0},
    {"việc làm", K::kUnitNoun, "count", 0},
    {"dự án", K::kUnitNoun, "count", 0},
    {"sản phẩm", K::kUnitNoun, "count", 0},
    {"quốc gia", K::kUnitNoun, "count", 0},
    {"일자리", K::kUnitNoun, "count", 0},
    {"프로젝트", K::kUnitNoun, "count", 0},
    {"제품", K::kUnitNoun, "count", 0},
    {"국가", K::kUnitNoun, "count", 0},
    {"개국", K::kUnitNoun, "count", 0},
    // Korean counters that name no unit: the noun they count does, if any.
    {"개", K::kUnitNoun, "", 0},
    {"곳", K::kUnitNoun, "", 0},
    {"건", K::kUnitNoun, "", 0},
    // durations
    {"years", K::kUnitNoun, "year", 0},
    {"year", K::kUnitNoun, "year", 0},
    {"months", K::kUnitNoun, "month", 0},
    {"month", K::kUnitNoun, "month", 0},
    {"days", K::kUnitNoun, "day", 0},
    {"day", K::kUnitNoun, "day", 0},
    {"năm", K::kUnitNoun, "year", 0},
    {"tháng", K::kUnitNoun, "month", 0},
    {"ngày", K::kUnitNoun, "day", 0},
    {"년", K::kUnitNoun, "year", 0},
    {"개월", K::kUnitNoun, "month", 0},
    {"일", K::kUnitNoun, "day", 0},
};

// Physical units by name, in any case and with or without diacritics; their
// text is the UCUM code (normalizer/units.h). English names are listed in
// the singular and the plural. "ton(s)" is the metric tonne, as the sources
// use it; short and long tons are not read.
constexpr Word kMeasureWords[] = {
    // power
    {"watt", K::kMeasure, "W", 0},
    {"watts", K::kMeasure, "W", 0},
    {"kilowatt", K::kMeasure, "kW", 0},
    {"kilowatts", K::kMeasure, "kW", 0},
    {"megawatt", K::kMeasure, "MW", 0},
    {"megawatts", K::kMeasure, "MW", 0},
    {"mega-watt", K::kMeasure, "MW", 0},
    {"mega-watts", K::kMeasure, "MW", 0},
    {"gigawatt", K::kMeasure, "GW", 0},
    {"gigawatts", K::kMeasure, "GW", 0},
    {"와트", K::kMeasure, "W", 0},
    {"킬로와트", K::kMeasure, "kW", 0},
    {"메가와트", K::kMeasure, "MW", 0},
    {"기가와트", K::kMeasure, "GW", 0},
    // energy ("kilowatt-hour" and "kilowatt hour" share their keys)
    {"watt-hour", K::kMeasure, "W.h", 0},
    {"watt-hours", K::kMeasure, "W.h", 0},
    {"kilowatt-hour", K::kMeasure, "kW.h", 0},
    {"kilowatt-hours", K::kMeasure, "kW.h", 0},
    {"megawatt-hour", K::kMeasure, "MW.h", 0},
    {"megawatt-hours", K::kMeasure, "MW.h", 0},
    {"gigawatt-hour", K::kMeasure, "GW.h", 0},
    {"gigawatt-hours", K::kMeasure, "GW.h", 0},
    {"terawatt-hour", K::kMeasure, "TW.h", 0},
    {"terawatt-hours", K::kMeasure, "TW.h", 0},
    {"킬로와트시", K::kMeasure, "kW.h", 0},
    {"메가와트시", K::kMeasure, "MW.h", 0},
    {"기가와트시", K::kMeasure, "GW.h", 0},
    {"테라와트시", K::kMeasure, "TW.h", 0},
    // mass
    {"gram", K::kMeasure, "g", 0},
    {"grams", K::kMeasure, "g", 0},
    {"gramme", K::kMeasure, "g", 0},
    {"grammes", K::kMeasure, "g", 0},
    {"kilogram", K::kMeasure, "kg", 0},
    {"kilograms", K::kMeasure, "kg", 0},
    {"kilogramme", K::kMeasure, "kg", 0},
    {"kilogrammes", K::kMeasure, "kg", 0},
    {"tonne", K::kMeasure, "t", 0},
    {"tonnes", K::kMeasure, "t", 0},
    {"metric tonne", K::kMeasure, "t", 0},
    {"metric tonnes", K::kMeasure, "t", 0},
    {"ton", K::kMeasure, "t", 0},
    {"tons", K::kMeasure, "t", 0},
    {"metric ton", K::kMeasure, "t", 0},
    {"metric tons", K::kMeasure, "t", 0},
    {"ki-lô-gam", K::kMeasure, "kg", 0},
    {"kilôgam", K::kMeasure, "kg", 0},
    {"tấn", K::kMeasure, "t", 0},
    // Not "그램" (gram): Korean words are cut into known pieces, and it would
    // cut "프로그램" (program) into "프로" (percent) and "그램".
    {"킬로그램", K::kMeasure, "kg", 0},
    {"톤", K::kMeasure, "t", 0},
    // area
    {"hectare", K::kMeasure, "ha", 0},
    {"hectares", K::kMeasure, "ha", 0},
    {"square metre", K::kMeasure, "m2", 0},
    {"square metres", K::kMeasure, "m2", 0},
    {"square meter", K::kMeasure, "m2", 0},
    {"square meters", K::kMeasure, "m2", 0},
    {"sq m", K::kMeasure, "m2", 0},
    {"square kilometre", K::kMeasure, "km2", 0},
    {"square kilometres", K::kMeasure, "km2", 0},
    {"square kilometer", K::kMeasure, "km2", 0},
    {"square kilometers", K::kMeasure, "km2", 0},
    {"sq km", K::kMeasure, "km2", 0},
    {"héc-ta", K::kMeasure, "ha", 0},
    {"hecta", K::kMeasure, "ha", 0},
    {"mét vuông", K::kMeasure, "m2", 0},
    {"ki-lô-mét vuông", K::kMeasure, "km2", 0},
    {"kilômét vuông", K::kMeasure, "km2", 0},
    {"km vuông", K::kMeasure, "km2", 0},
    {"헥타르", K::kMeasure, "ha", 0},
    {"제곱미터", K::kMeasure, "m2", 0},
    {"제곱킬로미터", K::kMeasure, "km2", 0},
    // length
    {"metre", K::kMeasure, "m", 0},
    {"metres", K::kMeasure, "m", 0},
    {"meter", K::kMeasure, "m", 0},
    {"meters", K::kMeasure, "m", 0},
    {"kilometre", K::kMeasure, "km", 0},
    {"kilometres", K::kMeasure, "km", 0},
    {"kilometer", K::kMeasure, "km", 0},
    {"kilometers", K::kMeasure, "km", 0},
    {"ki-lô-mét", K::kMeasure, "km", 0},
    {"kilômét", K::kMeasure, "km", 0},
    {"cây số", K::kMeasure, "km", 0},
    {"미터", K::kMeasure, "m", 0},
    {"킬로미터", K::kMeasure, "km", 0},
    // data (decimal prefixes, as UCUM's: a gigabyte is 10^9 bytes)
    {"byte", K::kMeasure, "By", 0},
    {"bytes", K::kMeasure, "By", 0},
    {"kilobyte", K::kMeasure, "kBy", 0},
    {"kilobytes", K::kMeasure, "kBy", 0},
    {"megabyte", K::kMeasure, "MBy", 0},
    {"megabytes", K::kMeasure, "MBy", 0},
    {"gigabyte", K::kMeasure, "GBy", 0},
    {"gigabytes", K::kMeasure, "GBy", 0},
    {"terabyte", K::kMeasure, "TBy", 0},
    {"terabytes", K::kMeasure, "TBy", 0},
    {"바이트", K::kMeasure, "By", 0},
    {"킬로바이트", K::kMeasure, "kBy", 0},
    {"메가바이트", K::kMeasure, "MBy", 0},
    {"기가바이트", K::kMeasure, "GBy", 0},
    {"테라바이트", K::kMeasure, "TBy", 0},
    // data rate
    {"bits per second", K::kMeasure, "bit/s", 0},
    {"kilobits per second", K::kMeasure, "kbit/s", 0},
    {"megabits per second", K::kMeasure, "Mbit/s", 0},
    {"gigabits per second", K::kMeasure, "Gbit/s", 0},
};

// Unit symbols, which match only as written here: case tells their prefixes
// apart ("MW" megawatts, "mW" milliwatts, "Gb" gigabits), so other spellings
// are rejected, except a kilo written "K" or in lower case ("KW", "kwh",
// "KG"), which cannot be taken for another unit. Symbols of several tokens
// are written as one ("km2", "km²", "Mbit/s"). Left out: "m" and "B" (the
// scale words "5m", "$3B"), "g" ("5g" is as often the network), "T"
// (trillion, tesla) and "bps" (basis points).
constexpr Word kUnitSymbols[] = {
    // power
    {"W", K::kMeasure, "W", 0},
    {"kW", K::kMeasure, "kW", 0},
    {"KW", K::kMeasure, "kW", 0},
    {"kw", K::kMeasure, "kW", 0},
    {"MW", K::kMeasure, "MW", 0},
    {"GW", K::kMeasure, "GW", 0},
    {"㎾", K::kMeasure, "kW", 0},
    {"㎿", K::kMeasure, "MW", 0},
    // energy
    {"Wh", K::kMeasure, "W.h", 0},
    {"kWh", K::kMeasure, "kW.h", 0},
    {"KWh", K::kMeasure, "kW.h", 0},
    {"kwh", K::kMeasure, "kW.h", 0},
    {"KWH", K::kMeasure, "kW.h", 0},
    {"MWh", K::kMeasure, "MW.h", 0},
    {"GWh", K::kMeasure, "GW.h", 0},
    {"TWh", K::kMeasure, "TW.h", 0},
    // mass
    {"t", K::kMeasure, "t", 0},
    {"kg", K::kMeasure, "kg", 0},
    {"Kg", K::kMeasure, "kg", 0},
    {"KG", K::kMeasure, "kg", 0},
    {"㎏", K::kMeasure, "kg", 0},
    // area
    {"ha", K::kMeasure, "ha", 0},
    {"m2", K::kMeasure, "m2", 0},
    {"m²", K::kMeasure, "m2", 0},
    {"㎡", K::kMeasure, "m2", 0},
    {"km2", K::kMeasure, "km2", 0},
    {"km²", K::kMeasure, "km2", 0},
    {"㎢", K::kMeasure, "km2", 0},
    // length
    {"km", K::kMeasure, "km", 0},
    {"Km", K::kMeasure, "km", 0},
    {"KM", K::kMeasure, "km", 0},
    {"㎞", K::kMeasure, "km", 0},
    // data
    {"kB", K::kMeasure, "kBy", 0},
    {"KB", K::kMeasure, "kBy", 0},
    {"MB", K::kMeasure, "MBy", 0},
    {"GB", K::kMeasure, "GBy", 0},
    {"TB", K::kMeasure, "TBy", 0},
    // data rate
    {"kbps", K::kMeasure, "kbit/s", 0},
    {"Kbps", K::kMeasure, "kbit/s", 0},
    {"Mbps", K::kMeasure, "Mbit/s", 0},
    {"Gbps", K::kMeasure, "Gbit/s", 0},
    {"bit/s", K::kMeasure, "bit/s", 0},
    {"kbit/s", K::kMeasure, "kbit/s", 0},
    {"Mbit/s", K::kMeasure, "Mbit/s", 0},
    {"Gbit/s", K::kMeasure, "Gbit/s", 0},
    {"Mb/s", K::kMeasure, "Mbit/s", 0},
    {"Gb/s", K::kMeasure, "Gbit/s", 0},
    // Vietnamese "mét" (metre) keeps its accent, which tells it from the
    // English "met"; "gam" (gram) has none, but "gấm" and "gầm" share its key.
    {"mét", K::kMeasure, "m", 0},
    {"gam", K::kMeasure, "g", 0},
};

// Phrases written as one, which match only tokens that touch: "3.5%p" is
// percentage points, "3.5% p" is not read.
constexpr Word kAttachedWords[] = {
    {"%p", K::kPercent, "percentage_point", 0},
    {"%포인트", K::kPercent, "percentage_point", 0},
};

constexpr struct {
  const char* word;
  int value;
} kVietnameseNumerals[] = {
    {"một", 1}, {"hai", 2}, {"ba", 3},  {"bốn", 4},  {"năm", 5},
    {"sáu", 6}, {"bảy", 7}, {"tám", 8}, {"chín", 9}, {"mười", 10},
};

constexpr const char* kPer1000Nouns[] = {
    "people",     "persons",   "residents",   "inhabitants",
    "population", "citizens",  "individuals", "dân",
    "người",      "người dân", "cư dân",      "dân số",
};

bool IsDroppedPunctuation(absl::string_view symbol) {
  static constexpr absl::string_view kDropped[] = {
      ".", ",", ";", ":", "(", ")", "[", "]",  "\"",
      "'", "“", "”", "‘", "’", "«", "»", "、", "。"};
  for (absl::string_view d : kDropped) {
    if (symbol == d) return true;
  }
  return false;
}

bool IsHyphen(const Token& token) {
  return token.kind == TokenKind::kSymbol &&
         (token.text == "-" || token.text == "‐" || token.text == "‑");
}

// The tokens of a phrase, prepared as input text is.
std::vector<Token> PhraseTokens(absl::string_view phrase) {
  absl::StatusOr<std::vector<Token>> tokens = Tokenize(phrase);
  if (!tokens.ok()) return {};
  return PrepareQuantityTokens(*std::move(tokens), false);
}

// The keys of a phrase, prepared as input text is.
std::vector<std::string> PhraseKeys(absl::string_view phrase) {
  std::vector<std::string> keys;
  for (Token& t : PhraseTokens(phrase)) keys.push_back(std::move(t.key));
  return keys;
}

// Whether `entry`'s keys are the first of `keys`, within the first `joined`
// tokens if it is attached.
bool KeysMatch(const LexiconEntry& entry, absl::Span<const std::string> keys,
               size_t joined) {
  if (entry.keys.size() > keys.size()) return false;
  if (entry.attached && entry.keys.size() > joined) return false;
  return std::equal(entry.keys.begin(), entry.keys.end(), keys.begin());
}

}  // namespace

const QuantityLexicon& QuantityLexicon::Get() {
  static const QuantityLexicon* const lexicon = new QuantityLexicon();
  return *lexicon;
}

QuantityLexicon::QuantityLexicon() {
  auto add = [this](const Word& word, bool attached, bool exact = false) {
    LexiconEntry entry{PhraseKeys(word.phrase), word.kind, word.text,
                       word.number, attached};
    if (entry.keys.empty()) return;
    entry.written = word.phrase;
    if (exact) {
      for (Token& t : PhraseTokens(word.phrase)) {
        entry.texts.push_back(std::move(t.text));
      }
    }
    max_phrase_tokens_ = std::max(max_phrase_tokens_, entry.keys.size());
    if (entry.keys.size() == 1) {
      absl::StatusOr<std::vector<Token>> t = Tokenize(word.phrase);
      if (t.ok() && t->size() == 1 && (*t)[0].hangul) {
        hangul_pieces_.insert(entry.keys[0]);
      }
    }
    by_first_key_[entry.keys[0]].push_back(std::move(entry));
  };
  for (const Word& w : kGrammarWords) add(w, false);
  for (const Word& w : kPeriodWords) add(w, false);
  for (const Word& w : kNumberWords) add(w, false);
  for (const Word& w : kCurrencyWords) add(w, false);
  for (const Word& w : kUnitWords) add(w, false);
  for (const Word& w : kMeasureWords) add(w, false);
  for (const Word& w : kUnitSymbols) add(w, true, true);
  for (const Word& w : kAttachedWords) add(w, true);
  for (auto& [key, entries] : by_first_key_) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const LexiconEntry& a, const LexiconEntry& b) {
                       return a.keys.size() > b.keys.size();
                     });
  }
  for (const auto& numeral : kVietnameseNumerals) {
    std::vector<std::string> keys = PhraseKeys(numeral.word);
    if (keys.size() == 1) vietnamese_numerals_[keys[0]] = numeral.value;
  }
  for (const char* noun : kPer1000Nouns) {
    std::vector<std::string> keys = PhraseKeys(noun);
    std::string joined;
    for (const std::string& k : keys) joined += k;
    per_1000_nouns_.insert(joined);
  }
}

const LexiconEntry* QuantityLexicon::Match(
    absl::Span<const std::string> keys, size_t joined,
    absl::Span<const std::string> texts) const {
  if (keys.empty()) return nullptr;
  auto it = by_first_key_.find(keys[0]);
  if (it == by_first_key_.end()) return nullptr;
  for (const LexiconEntry& entry : it->second) {
    if (!KeysMatch(entry, keys, joined)) continue;
    if (!entry.texts.empty() &&
        (entry.texts.size() > texts.size() ||
         !std::equal(entry.texts.begin(), entry.texts.end(), texts.begin()))) {
      continue;
    }
    return &entry;
  }
  return nullptr;
}

const LexiconEntry* QuantityLexicon::MatchMiscased(
    absl::Span<const std::string> keys, size_t joined,
    absl::Span<const std::string> texts) const {
  if (keys.empty()) return nullptr;
  auto it = by_first_key_.find(keys[0]);
  if (it == by_first_key_.end()) return nullptr;
  for (const LexiconEntry& entry : it->second) {
    if (entry.texts.empty() || !KeysMatch(entry, keys, joined) ||
        entry.texts.size() > texts.size()) {
      continue;
    }
    // Only the case differs: "Hà" is not a miscased "ha".
    if (std::equal(entry.texts.begin(), entry.texts.end(), texts.begin(),
                   [](const std::string& a, const std::string& b) {
                     return absl::EqualsIgnoreCase(a, b);
                   })) {
      return &entry;
    }
  }
  return nullptr;
}

std::optional<int> QuantityLexicon::VietnameseNumeral(
    absl::string_view key) const {
  auto it = vietnamese_numerals_.find(key);
  if (it == vietnamese_numerals_.end()) return std::nullopt;
  return it->second;
}

std::vector<Token> PrepareQuantityTokens(std::vector<Token> tokens,
                                         bool segment_hangul) {
  std::vector<Token> out;
  out.reserve(tokens.size());
  for (size_t i = 0; i < tokens.size(); ++i) {
    Token& token = tokens[i];
    if (token.kind == TokenKind::kDigits) {
      // Join "1" "," "234" "." "5" while the pieces touch.
      while (i + 2 < tokens.size() &&
             tokens[i + 1].kind == TokenKind::kSymbol &&
             (tokens[i + 1].text == "," || tokens[i + 1].text == ".") &&
             !tokens[i + 1].space_before &&
             tokens[i + 2].kind == TokenKind::kDigits &&
             !tokens[i + 2].space_before) {
        token.text += tokens[i + 1].text + tokens[i + 2].text;
        i += 2;
      }
      token.key = token.text;
      out.push_back(std::move(token));
      continue;
    }
    if (token.kind == TokenKind::kSymbol) {
      if (IsDroppedPunctuation(token.text)) continue;
      // A hyphen inside a word ("twenty-five", "đô-la") joins two words.
      if (IsHyphen(token) && !token.space_before && !out.empty() &&
          out.back().kind == TokenKind::kWord && i + 1 < tokens.size() &&
          tokens[i + 1].kind == TokenKind::kWord &&
          !tokens[i + 1].space_before) {
        continue;
      }
      out.push_back(std::move(token));
      continue;
    }
    const QuantityLexicon* lexicon =
        segment_hangul ? &QuantityLexicon::Get() : nullptr;
    if (lexicon == nullptr || !token.hangul ||
        lexicon->IsHangulPiece(token.key)) {
      out.push_back(std::move(token));
      continue;
    }
    auto is_piece = [lexicon](absl::string_view piece) {
      return lexicon->IsHangulPiece(piece);
    };
    std::vector<std::string> pieces = SegmentHangul(token.key, is_piece);
    if (!pieces.empty()) {
      bool space = token.space_before;
      for (const std::string& piece : pieces) {
        out.push_back(HangulPieceToken(piece, space));
        space = false;
      }
      continue;
    }
    // A compound ending in a known noun, maybe followed by particles
    // ("교육기관의"): keep the compound as one token keyed by the noun.
    bool found = false;
    std::vector<int> starts;  // byte offsets of characters after the first
    for (size_t b = 1; b < token.key.size(); ++b) {
      if ((static_cast<unsigned char>(token.key[b]) & 0xC0) != 0x80) {
        starts.push_back(static_cast<int>(b));
      }
    }
    for (int start : starts) {
      std::vector<std::string> tail =
          SegmentHangul(absl::string_view(token.key).substr(start), is_piece);
      if (tail.empty()) continue;
      const LexiconEntry* noun = lexicon->Match({tail[0]});
      // Nouns of one syllable (명, 개) are counters, not compound heads.
      constexpr size_t kTwoSyllables = 6;  // bytes: 3 per Hangul syllable
      if (noun == nullptr || noun->kind != WordKind::kUnitNoun ||
          tail[0].size() < kTwoSyllables) {
        continue;
      }
      Token head = HangulPieceToken(tail[0], token.space_before);
      head.text = token.text.substr(0, start + tail[0].size());
      out.push_back(std::move(head));
      for (size_t p = 1; p < tail.size(); ++p) {
        out.push_back(HangulPieceToken(tail[p], false));
      }
      found = true;
      break;
    }
    if (!found) out.push_back(std::move(token));
  }
  return out;
}

}  // namespace factstore::normalizer
