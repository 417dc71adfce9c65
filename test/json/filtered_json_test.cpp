#include "irsa/json/filtered_json.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace irsa::json {
namespace {

using nlohmann::json;

// nlohmann::json::parse is the reference: the filtered parser must accept exactly the
// texts it accepts and, keeping everything, produce the same value.
void expectSameAsNlohmann(const std::string& text) {
  const json reference = json::parse(text, nullptr, /*allow_exceptions=*/false);
  const FilteredJson ours = parseFiltered(text, JsonFilter::all(), 100000);
  if (reference.is_discarded()) {
    EXPECT_TRUE(ours.error.has_value()) << "accepted invalid JSON: " << text;
  } else {
    ASSERT_FALSE(ours.error.has_value()) << "rejected valid JSON (" << ours.error->message << " at "
                                         << ours.error->offset << "): " << text;
    EXPECT_EQ(ours.value, reference) << text;
  }
}

TEST(FilteredJson, AcceptsAndRejectsLikeNlohmann) {
  const std::vector<std::string> cases = {
      // valid
      "{}", "[]", "0", "-0", "1", "-1", "1.5", "-1.5e3", "1E+2", "1e-2", "0.0", "true", "false",
      "null", "\"\"", "\"a\"", " \t\r\n{} \n", "{\"a\":1,\"b\":[1,2,{\"c\":null}]}",
      "\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\u0041\\u00e9\\u20ac\"", "\"\\ud83d\\ude00\"",
      "\"\\u0000\"", "\"h\xc3\xa9llo \xe2\x82\xac \xf0\x9f\x98\x80\"", "18446744073709551615",
      "18446744073709551616", "-9223372036854775808", "-9223372036854775809", "1e-400",
      "123456789012345678901234567890", "{\"a\":1,\"a\":2}", "\xef\xbb\xbf{}",
      // invalid
      "", " ", "{", "}", "[", "]", "[1,]", "{\"a\":1,}", "{,}", "[,1]", "{\"a\"}", "{\"a\" 1}",
      "{a:1}", "{'a':1}", "01", "-", "1.", ".5", "1e", "1e+", "+1", "0x10", "NaN", "Infinity",
      "tru", "nul", "falsey", "\"abc", "\"\\x\"", "\"\\u12\"", "\"\\u12G4\"", "\"\\ud83d\"",
      "\"\\ud83d\\u0041\"", "\"\\ude00\"", "\"a\tb\"", "\"a\nb\"", "\"\x80\"", "\"\xc0\xaf\"",
      "\"\xe0\x80\xaf\"", "\"\xed\xa0\x80\"", "\"\xf4\x90\x80\x80\"", "\"\xf8\x88\x80\x80\x80\"",
      "\"\xc3\"", "\"\xe2\x82\"", "1e400", "-1e400", "{} {}", "[1] x", "[1 2]", "{\"a\":1 \"b\":2}",
      "\xef\xbb{}", "/* c */ {}", "[\"a\",\n]", std::string("\"a\0b\"", 5)};
  for (const std::string& text : cases) expectSameAsNlohmann(text);
}

// Random edits of realistic documents find the corners a hand-written list misses.
TEST(FilteredJson, MutatedDocumentsMatchNlohmann) {
  const std::vector<std::string> seeds = {
      R"({"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u-1",)"
      R"("object":{"metadata":{"name":"p","annotations":{"a/b":"c\u00e9\n"}},"spec":{)"
      R"("containers":[{"name":"c","env":[{"name":"X","value":"1"}],"ports":[{"containerPort":)"
      R"(8080}]}],"nodeSelector":{"kubernetes.io/os":"linux"}}}}})",
      R"([1,-2.5e-3,true,false,null,"\"\\\/\b\f\n\r\t",{"k":[[],{}]},"\ud83d\ude00"])",
      "{\"n\":\"h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\",\"x\":[0,10,1e5]}"};
  const std::string alphabet = "{}[]\":,\\/ \t\n0123456789-+.eEtrufalsn\"u\x80\xc3\xed\xf0\x01";
  std::mt19937 random(12345);  // fixed seed: a failure reproduces
  int valid = 0;
  for (int i = 0; i < 30000; ++i) {
    std::string text = seeds[random() % seeds.size()];
    const int edits = 1 + static_cast<int>(random() % 3);
    for (int e = 0; e < edits && !text.empty(); ++e) {
      const std::size_t at = random() % text.size();
      const char c = alphabet[random() % alphabet.size()];
      switch (random() % 3) {
        case 0:
          text[at] = c;
          break;
        case 1:
          text.insert(text.begin() + static_cast<std::ptrdiff_t>(at), c);
          break;
        default:
          text.erase(at, 1);
          break;
      }
    }
    if (json::accept(text)) ++valid;
    expectSameAsNlohmann(text);
    if (HasFailure()) return;
  }
  // The edits must leave a fair share valid, or only the rejection path was exercised.
  EXPECT_GT(valid, 1000);
}

// The one place we are stricter than nlohmann, which stops reading at a NUL byte: bytes
// after the value are an error whatever they are (Go's encoding/json agrees).
TEST(FilteredJson, RejectsANulAfterTheValue) {
  const FilteredJson parsed = parseFiltered(std::string("[1]\0{", 5), JsonFilter::all());
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_EQ(parsed.error->message, "unexpected text after the JSON value");
}

TEST(FilteredJson, KeepsOnlyWhatTheFilterNames) {
  JsonFilter filter;
  filter.member("keep")
      .member("object", JsonFilter().member("inner"))
      .member("list", JsonFilter().elements(JsonFilter().member("name")))
      .member("labels", JsonFilter().membersWithPrefix("example.com/"))
      .member("whole", JsonFilter::all());
  const FilteredJson parsed =
      parseFiltered(R"({"keep":"v","drop":{"deep":[1,2,3]},"object":{"inner":5,"other":6},)"
                    R"("list":[{"name":"a","value":"x"},{"value":"y"},"scalar"],)"
                    R"("labels":{"example.com/a":"1","other.io/b":"2","example.com/c":{"d":1}},)"
                    R"("whole":{"a":[1,{"b":2}]}})",
                    filter);
  ASSERT_FALSE(parsed.error.has_value());
  EXPECT_EQ(parsed.value, json::parse(R"({"keep":"v","object":{"inner":5},)"
                                      R"("list":[{"name":"a"},{},"scalar"],)"
                                      R"("labels":{"example.com/a":"1","example.com/c":{"d":1}},)"
                                      R"("whole":{"a":[1,{"b":2}]}})"));
}

TEST(FilteredJson, ContainersUnderAScalarFilterKeepTheirTypeButNotTheirContents) {
  // The rules check types ("env must be an array"): a wrong-typed value must stay wrong.
  const FilteredJson parsed = parseFiltered(R"({"a":{"x":1},"b":[1,2],"c":"s"})",
                                            JsonFilter().member("a").member("b").member("c"));
  ASSERT_FALSE(parsed.error.has_value());
  EXPECT_EQ(parsed.value, json::parse(R"({"a":{},"b":[],"c":"s"})"));
}

TEST(FilteredJson, DroppedPartsAreStillValidated) {
  const FilteredJson parsed =
      parseFiltered(R"({"keep":1,"drop":{"bad":"\x"}})", JsonFilter().member("keep"));
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_EQ(parsed.error->kind, JsonParseError::Kind::kSyntax);
  EXPECT_EQ(parsed.error->message, "invalid escape in string");
  EXPECT_TRUE(parsed.value.is_null());
}

TEST(FilteredJson, EscapedKeysMatchTheFilter) {
  const FilteredJson parsed = parseFiltered(R"({"na\u006de":"a","\"q\"":"b"})",
                                            JsonFilter().member("name").member("\"q\""));
  ASSERT_FALSE(parsed.error.has_value());
  EXPECT_EQ(parsed.value, json::parse(R"({"name":"a","\"q\"":"b"})"));
}

TEST(FilteredJson, LastDuplicateKeyWins) {
  const FilteredJson parsed =
      parseFiltered(R"({"a":{"x":1},"a":{"y":2}})", JsonFilter().member("a", JsonFilter::all()));
  ASSERT_FALSE(parsed.error.has_value());
  EXPECT_EQ(parsed.value, json::parse(R"({"a":{"y":2}})"));
}

TEST(FilteredJson, DepthLimitIsItsOwnKindAndStopsEarly) {
  std::string deep(5000, '[');  // unterminated: the depth check must fire first
  const FilteredJson parsed = parseFiltered(deep, JsonFilter::all(), 100);
  ASSERT_TRUE(parsed.error.has_value());
  EXPECT_EQ(parsed.error->kind, JsonParseError::Kind::kTooDeep);
  EXPECT_EQ(parsed.error->offset, 100u);

  const std::string ok = std::string(100, '[') + std::string(100, ']');
  EXPECT_FALSE(parseFiltered(ok, JsonFilter::all(), 100).error.has_value());
  const std::string over = std::string(101, '[') + std::string(101, ']');
  EXPECT_TRUE(parseFiltered(over, JsonFilter(), 100).error.has_value());
}

TEST(FilteredJson, NumbersKeepNlohmannsTypes) {
  const FilteredJson parsed =
      parseFiltered(R"([1,-1,1.5,18446744073709551616])", JsonFilter().elements(JsonFilter()));
  ASSERT_FALSE(parsed.error.has_value());
  EXPECT_TRUE(parsed.value[0].is_number_unsigned());
  EXPECT_TRUE(parsed.value[1].is_number_integer());
  EXPECT_FALSE(parsed.value[1].is_number_unsigned());
  EXPECT_TRUE(parsed.value[2].is_number_float());
  EXPECT_TRUE(parsed.value[3].is_number_float());
}

TEST(AppendJsonString, RoundTripsThroughAParser) {
  for (const std::string& value :
       {std::string("plain"), std::string("q\"b\\s/"), std::string("\n\r\t\b\f\x01\x1f"),
        std::string("h\xc3\xa9 \xf0\x9f\x98\x80"), std::string("a\0b", 3), std::string()}) {
    std::string out = "x";
    appendJsonString(out, value);
    ASSERT_EQ(out.front(), 'x');
    EXPECT_EQ(json::parse(out.substr(1)).get<std::string>(), value) << out;
  }
}

TEST(AppendJsonString, ReplacesInvalidUtf8) {
  std::string out;
  appendJsonString(out, "a\xff\xc3(b\xe2\x82");
  EXPECT_EQ(json::parse(out).get<std::string>(),
            "a\xef\xbf\xbd\xef\xbf\xbd(b\xef\xbf\xbd\xef\xbf\xbd");
}

TEST(AppendJson, WritesWhatDumpWrites) {
  const std::vector<json> values = {
      json::parse(R"({"b":[1,-2,3.25,true,false,null,{}],"a":{"z":"q\"\\\n\b\f\u0001/é"},"":[]})"),
      json::array(),
      json::object(),
      json(""),
      json(0),
      json(-9223372036854775807LL - 1),
      json(18446744073709551615ULL),
      json(1e300),
      json(0.1)};
  for (const json& value : values) {
    std::string out;
    appendJson(out, value);
    EXPECT_EQ(out, value.dump());
  }
}

}  // namespace
}  // namespace irsa::json
