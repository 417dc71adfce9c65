#include "irsa/config/logging.h"

#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

#include <nlohmann/json.hpp>
#include <string>

namespace irsa::config {
namespace {

std::string formatJsonLine(std::string_view message) {
  const spdlog::details::log_msg entry("irsa-webhook", spdlog::level::info, message);
  spdlog::memory_buf_t out;
  jsonLineFormatter()->format(entry, out);
  return {out.data(), out.size()};
}

// A JSON line that a strict parser rejects is lost by the log pipeline; nlohmann::json
// rejects invalid UTF-8 as the pipelines do.
nlohmann::json parsedLine(std::string_view message) {
  const std::string line = formatJsonLine(message);
  EXPECT_EQ(line.back(), '\n');
  return nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
}

TEST(JsonLogLines, QuotesAndControlCharactersStayInsideTheMessage) {
  const nlohmann::json line = parsedLine("content type \"text/plain\"\n\tnext\x01");
  ASSERT_FALSE(line.is_discarded());
  EXPECT_EQ(line["msg"], "content type \"text/plain\"\n\tnext\x01");
  EXPECT_EQ(line["level"], "info");
}

TEST(JsonLogLines, InvalidUtf8BecomesReplacementCharacters) {
  const nlohmann::json line = parsedLine("file \xff\xfe name, cut \xe2\x82");
  ASSERT_FALSE(line.is_discarded()) << formatJsonLine("file \xff\xfe name, cut \xe2\x82");
  const std::string message = line["msg"].get<std::string>();
  EXPECT_EQ(message.rfind("file \xef\xbf\xbd", 0), 0u) << message;
  EXPECT_EQ(message.find('\xff'), std::string::npos) << message;
}

TEST(JsonLogLines, ValidUtf8PassesUnchanged) {
  const nlohmann::json line = parsedLine("r\xc3\xb4le \xe2\x9c\x93");
  ASSERT_FALSE(line.is_discarded());
  EXPECT_EQ(line["msg"], "r\xc3\xb4le \xe2\x9c\x93");
}

}  // namespace
}  // namespace irsa::config
