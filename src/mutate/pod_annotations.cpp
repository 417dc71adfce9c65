#include "mutate/pod_annotations.h"

#include <limits>

namespace irsa::mutate {

std::optional<std::int64_t> parseGoInt64(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  std::size_t i = 0;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    i = 1;
  }
  if (i == text.size()) return std::nullopt;
  // Accumulate as a negative number so that INT64_MIN is representable.
  std::int64_t value = 0;
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  for (; i < text.size(); ++i) {
    const char c = text[i];
    if (c < '0' || c > '9') return std::nullopt;
    const int digit = c - '0';
    if (value < (kMin + digit) / 10) return std::nullopt;
    value = value * 10 - digit;
  }
  if (!negative) {
    if (value == kMin) return std::nullopt;
    value = -value;
  }
  return value;
}

std::int64_t clampTokenExpiration(std::int64_t seconds) {
  return seconds < kMinTokenExpirationSeconds ? kMinTokenExpirationSeconds : seconds;
}

std::optional<std::vector<std::string>> parseCsvRecord(std::string_view text) {
  // Go's reader drops a trailing line ending; a second line would be a second record,
  // which a single annotation value should not contain.
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
  std::vector<std::string> fields;
  std::string field;
  std::size_t i = 0;
  while (true) {
    field.clear();
    if (i < text.size() && text[i] == '"') {
      ++i;
      while (true) {
        if (i >= text.size()) return std::nullopt;  // unterminated quote
        if (text[i] == '"') {
          if (i + 1 < text.size() && text[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += text[i++];
      }
      if (i < text.size() && text[i] != ',') return std::nullopt;  // text after closing quote
    } else {
      while (i < text.size() && text[i] != ',') {
        if (text[i] == '"' || text[i] == '\n' || text[i] == '\r') return std::nullopt;
        field += text[i++];
      }
    }
    fields.push_back(field);
    if (i >= text.size()) break;
    ++i;  // the comma
  }
  return fields;
}

}  // namespace irsa::mutate
