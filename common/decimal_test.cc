#include "common/decimal.h"

#include <string>

#include "gtest/gtest.h"

namespace factstore {
namespace {

TEST(DecimalTest, RecognizesCanonicalForms) {
  for (const char* s : {"0", "1", "-1", "85900000000", "2.3", "-0.05", "0.5"}) {
    EXPECT_TRUE(IsCanonicalDecimal(s)) << s;
  }
  for (const char* s : {"", "-", "-0", "01", "1.", ".5", "1.50", "+1", "1e9",
                        "1,000", "0.0", " 1", "1 "}) {
    EXPECT_FALSE(IsCanonicalDecimal(s)) << s;
  }
  EXPECT_FALSE(IsCanonicalDecimal(std::string(kMaxDecimalLength + 1, '1')));
}

TEST(DecimalTest, Canonicalizes) {
  EXPECT_EQ(*CanonicalizeDecimal("085.900"), "85.9");
  EXPECT_EQ(*CanonicalizeDecimal("+12"), "12");
  EXPECT_EQ(*CanonicalizeDecimal("-0.0"), "0");
  EXPECT_EQ(*CanonicalizeDecimal("12."), "12");
  EXPECT_EQ(*CanonicalizeDecimal(".5"), "0.5");
  EXPECT_EQ(*CanonicalizeDecimal("-000.0500"), "-0.05");
  EXPECT_FALSE(CanonicalizeDecimal("").ok());
  EXPECT_FALSE(CanonicalizeDecimal("1.2.3").ok());
  EXPECT_FALSE(CanonicalizeDecimal("1,000").ok());
  EXPECT_FALSE(CanonicalizeDecimal("-").ok());
  EXPECT_FALSE(CanonicalizeDecimal(".").ok());
  EXPECT_FALSE(CanonicalizeDecimal("NaN").ok());
  EXPECT_FALSE(CanonicalizeDecimal(std::string(200, '9')).ok());
}

TEST(DecimalTest, ComparesNumerically) {
  EXPECT_LT(CompareDecimals("9.5", "10"), 0);
  EXPECT_LT(CompareDecimals("1.2", "1.23"), 0);
  EXPECT_GT(CompareDecimals("0.5", "0.25"), 0);
  EXPECT_LT(CompareDecimals("-10", "-9.5"), 0);
  EXPECT_LT(CompareDecimals("-1.23", "-1.2"), 0);
  EXPECT_LT(CompareDecimals("-0.1", "0"), 0);
  EXPECT_EQ(CompareDecimals("85900000000", "85900000000"), 0);
}

TEST(DecimalTest, Shifts) {
  EXPECT_EQ(ShiftDecimal("85.9", 9), "85900000000");
  EXPECT_EQ(ShiftDecimal("2.3", -3), "0.0023");
  EXPECT_EQ(ShiftDecimal("-1.5", 1), "-15");
  EXPECT_EQ(ShiftDecimal("0", 12), "0");
  EXPECT_EQ(ShiftDecimal("1200", -2), "12");
}

TEST(DecimalTest, AddsAndMultiplies) {
  EXPECT_EQ(AddDecimals("3000000000000", "500000000000"), "3500000000000");
  EXPECT_EQ(AddDecimals("0.5", "0.5"), "1");
  EXPECT_EQ(AddDecimals("99.99", "0.01"), "100");
  EXPECT_EQ(AddDecimals("0", "7"), "7");
  // Signed sums, as AggregateFacts adds amounts.
  EXPECT_EQ(AddDecimals("-1.5", "-0.5"), "-2");
  EXPECT_EQ(AddDecimals("-1.5", "2"), "0.5");
  EXPECT_EQ(AddDecimals("2", "-2.25"), "-0.25");
  EXPECT_EQ(AddDecimals("0.25", "-0.25"), "0");
  EXPECT_EQ(AddDecimals("-0.5", "0.25"), "-0.25");
  EXPECT_EQ(AddDecimals("-1000", "1"), "-999");
  EXPECT_EQ(AddDecimals("100.01", "-0.02"), "99.99");
  EXPECT_EQ(MultiplyDecimals("85.9", "1000000000"), "85900000000");
  EXPECT_EQ(MultiplyDecimals("1.5", "1.5"), "2.25");
  EXPECT_EQ(MultiplyDecimals("0", "12.5"), "0");
  EXPECT_EQ(MultiplyDecimals("53", "1000"), "53000");
}

// Zeros, ones and powers of ten take shortcuts; they must agree with the
// digit loops.
TEST(DecimalTest, ShortcutsAgreeWithTheGeneralCase) {
  EXPECT_EQ(AddDecimals("-2.5", "0"), "-2.5");
  EXPECT_EQ(AddDecimals("0", "-0.05"), "-0.05");
  EXPECT_EQ(AddDecimals("0", "0"), "0");
  EXPECT_EQ(MultiplyDecimals("1", "0.05"), "0.05");
  EXPECT_EQ(MultiplyDecimals("12.5", "1"), "12.5");
  EXPECT_EQ(MultiplyDecimals("0.05", "10"), "0.5");
  EXPECT_EQ(MultiplyDecimals("100", "0.001"), "0.1");
  EXPECT_EQ(MultiplyDecimals("1000", "1000"), "1000000");
  EXPECT_EQ(MultiplyDecimals("12.5", "0"), "0");
  EXPECT_EQ(ShiftDecimal("12.5", 0), "12.5");
  // Not powers of ten: the general case.
  EXPECT_EQ(MultiplyDecimals("11", "0.5"), "5.5");
  EXPECT_EQ(MultiplyDecimals("2", "100.1"), "200.2");
  EXPECT_EQ(MultiplyDecimals("1001", "3"), "3003");
}

}  // namespace
}  // namespace factstore
