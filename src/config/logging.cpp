#include "irsa/config/logging.h"

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <string>

#include "irsa/json/filtered_json.h"

namespace irsa::config {
namespace {

// %j: the message as one JSON string literal (quotes included), so every line stays valid
// JSON whatever a message quotes (content types, file names, reasons, bytes that are not
// UTF-8). The escaping is the one the webhook writes its responses with.
class JsonEscapedMessage final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& message, const std::tm&,
              spdlog::memory_buf_t& out) override {
    std::string literal;
    json::appendJsonString(literal,
                           std::string_view(message.payload.data(), message.payload.size()));
    out.append(literal.data(), literal.data() + literal.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonEscapedMessage>();
  }
};

}  // namespace

std::unique_ptr<spdlog::formatter> jsonLineFormatter() {
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  formatter->add_flag<JsonEscapedMessage>('j').set_pattern(
      R"({"time":"%Y-%m-%dT%H:%M:%S.%fZ","level":"%l","msg":%j})");
  return formatter;
}

void configureLogging(const Config& config) {
  auto logger = spdlog::stderr_logger_mt("irsa-webhook");
  if (config.log_format == "json") {
    logger->set_formatter(jsonLineFormatter());
  } else {
    logger->set_pattern("%Y-%m-%dT%H:%M:%S.%fZ %L %v", spdlog::pattern_time_type::utc);
  }
  if (config.verbosity >= 6) {
    logger->set_level(spdlog::level::trace);
  } else if (config.verbosity >= 4) {
    logger->set_level(spdlog::level::debug);
  } else {
    logger->set_level(spdlog::level::info);
  }
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(std::move(logger));
}

}  // namespace irsa::config
