#include "irsa/govalues/go_values.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

namespace irsa::govalues {
namespace {

using namespace std::chrono_literals;

TEST(ParseInt64, AcceptsWhatStrconvAccepts) {
  EXPECT_EQ(parseInt64("3600"), 3600);
  EXPECT_EQ(parseInt64("+5"), 5);
  EXPECT_EQ(parseInt64("-5"), -5);
  EXPECT_EQ(parseInt64("9223372036854775807"), INT64_MAX);
  EXPECT_EQ(parseInt64("-9223372036854775808"), INT64_MIN);
}

TEST(ParseInt64, RejectsWhatStrconvRejects) {
  for (const char* bad : {"", "+", "-", "+-5", "-+5", "++5", "1h", " 5", "5 ", "1.5", "0x10",
                          "9223372036854775808", "1_000"}) {
    EXPECT_FALSE(parseInt64(bad).has_value()) << bad;
  }
}

TEST(ParseBool, TakesExactlyGoSpellings) {
  for (const char* yes : {"1", "t", "T", "TRUE", "true", "True"}) EXPECT_EQ(parseBool(yes), true);
  for (const char* no : {"0", "f", "F", "FALSE", "false", "False"}) EXPECT_EQ(parseBool(no), false);
  for (const char* bad : {"yes", "tRUE", "", " true", "true "}) {
    EXPECT_FALSE(parseBool(bad).has_value()) << bad;
  }
}

TEST(ParseCsvRecord, SplitsLikeGoEncodingCsv) {
  EXPECT_EQ(parseCsvRecord("a,b"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(parseCsvRecord(" a , b"), (std::vector<std::string>{" a ", " b"}));
  EXPECT_EQ(parseCsvRecord(R"("a,b",c)"), (std::vector<std::string>{"a,b", "c"}));
  EXPECT_EQ(parseCsvRecord(R"("say ""hi""")"), (std::vector<std::string>{R"(say "hi")"}));
  EXPECT_EQ(parseCsvRecord("a,\n"), (std::vector<std::string>{"a", ""}));
}

TEST(ParseCsvRecord, RejectsMalformedRecords) {
  for (const char* bad : {R"("open)", R"(a"b)", R"("a"b)", "a\nb"}) {
    EXPECT_FALSE(parseCsvRecord(bad).has_value()) << bad;
  }
}

TEST(ParseDuration, AcceptsGoSyntax) {
  const auto ok = [](const char* text) {
    const Result<std::chrono::nanoseconds> parsed = parseDuration(text);
    EXPECT_TRUE(parsed.ok()) << text << ": " << parsed.status().message();
    return parsed.valueOr(std::chrono::nanoseconds(-12345));
  };
  EXPECT_EQ(ok("100ms"), 100ms);
  EXPECT_EQ(ok("500ms"), 500ms);
  EXPECT_EQ(ok("1.5s"), 1500ms);
  EXPECT_EQ(ok("2m"), 120s);
  EXPECT_EQ(ok("1h30m"), 90min);
  EXPECT_EQ(ok("300us"), 300us);
  EXPECT_EQ(ok("0"), 0ns);
  EXPECT_EQ(ok("-1s"), -1s);
}

TEST(ParseDuration, RejectsWithTheValueInTheMessage) {
  for (const char* bad : {"", "10", "1x", "s", "1..5s", "ms100", "1 s", "-"}) {
    const Result<std::chrono::nanoseconds> parsed = parseDuration(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find(std::string("\"") + bad + "\""), std::string::npos);
  }
}

}  // namespace
}  // namespace irsa::govalues

namespace irsa::govalues {
namespace {

// strconv.ParseInt(s, 0, 64), case by case as Go answers them.
TEST(ParseIntBase0, GoLiterals) {
  EXPECT_EQ(parseIntBase0("443"), 443);
  EXPECT_EQ(parseIntBase0("-443"), -443);
  EXPECT_EQ(parseIntBase0("+0x1BB"), 443);
  EXPECT_EQ(parseIntBase0("0X1bb"), 443);
  EXPECT_EQ(parseIntBase0("0o17"), 15);
  EXPECT_EQ(parseIntBase0("017"), 15);
  EXPECT_EQ(parseIntBase0("0b101"), 5);
  EXPECT_EQ(parseIntBase0("0"), 0);
  EXPECT_EQ(parseIntBase0("00"), 0);
  EXPECT_EQ(parseIntBase0("1_000"), 1000);
  EXPECT_EQ(parseIntBase0("0x_1_b"), 27);
  EXPECT_EQ(parseIntBase0("0_7"), 7);
  EXPECT_EQ(parseIntBase0("9223372036854775807"), std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(parseIntBase0("-9223372036854775808"), std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(parseIntBase0("-0x8000000000000000"), std::numeric_limits<std::int64_t>::min());
  for (const char* bad : {"",
                          "+",
                          "-",
                          "0x",
                          "0b",
                          "0o",
                          "_1",
                          "1_",
                          "1__0",
                          "0x_",
                          "08",
                          "0b2",
                          "0xg",
                          "1e3",
                          " 1",
                          "1 ",
                          "+-5",
                          "9223372036854775808",
                          "0x8000000000000000",
                          "1.0",
                          "٣"}) {
    EXPECT_EQ(parseIntBase0(bad), std::nullopt) << bad;
  }
}

}  // namespace
}  // namespace irsa::govalues
