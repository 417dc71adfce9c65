#include "irsa/govalues/go_values.h"

#include <cmath>
#include <limits>

namespace irsa::govalues {

std::optional<std::int64_t> parseInt64(std::string_view text) {
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

namespace {

int digitValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'z') return c - 'a' + 10;
  if (c >= 'A' && c <= 'Z') return c - 'A' + 10;
  return 99;
}

// Go's underscoreOK: every '_' sits between two digits, or between the base prefix and a
// digit. `digits` is what follows the sign; `prefixed` says whether it starts with a prefix.
bool underscoresOk(std::string_view digits, std::size_t prefix_length) {
  char previous = prefix_length > 0 ? '0' : '^';  // '0' stands for "a digit or the prefix"
  for (std::size_t i = prefix_length; i < digits.size(); ++i) {
    const char c = digits[i];
    if (c == '_') {
      if (previous != '0') return false;
      previous = '_';
    } else {
      previous = '0';
    }
  }
  return previous != '_';
}

}  // namespace

std::optional<std::int64_t> parseIntBase0(std::string_view text) {
  std::size_t i = 0;
  bool negative = false;
  if (!text.empty() && (text[0] == '+' || text[0] == '-')) {
    negative = text[0] == '-';
    i = 1;
  }
  const std::string_view digits = text.substr(i);
  int base = 10;
  std::size_t prefix = 0;
  if (digits.size() >= 2 && digits[0] == '0') {
    const char p = static_cast<char>(digits[1] | 0x20);
    if (p == 'x') {
      base = 16, prefix = 2;
    } else if (p == 'o') {
      base = 8, prefix = 2;
    } else if (p == 'b') {
      base = 2, prefix = 2;
    } else {
      base = 8, prefix = 1;
    }
  }
  if (digits.size() == prefix || (prefix == 2 && digits.size() == 2)) return std::nullopt;
  if (!underscoresOk(digits, prefix)) return std::nullopt;
  // Accumulate as a negative number so that INT64_MIN is representable.
  constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
  std::int64_t value = 0;
  bool any_digit = prefix == 1;  // the leading 0 of an octal number is a digit
  for (std::size_t k = prefix; k < digits.size(); ++k) {
    if (digits[k] == '_') continue;
    const int digit = digitValue(digits[k]);
    if (digit >= base) return std::nullopt;
    if (value < (kMin + digit) / base) return std::nullopt;
    value = value * base - digit;
    any_digit = true;
  }
  if (!any_digit) return std::nullopt;
  if (!negative) {
    if (value == kMin) return std::nullopt;
    value = -value;
  }
  return value;
}

std::optional<bool> parseBool(std::string_view text) {
  for (const std::string_view yes : {"1", "t", "T", "TRUE", "true", "True"}) {
    if (text == yes) return true;
  }
  for (const std::string_view no : {"0", "f", "F", "FALSE", "false", "False"}) {
    if (text == no) return false;
  }
  return std::nullopt;
}

namespace {

// Reads one quoted field starting after its opening quote; `i` ends after the closing one.
bool readQuotedField(std::string_view text, std::size_t& i, std::string& field) {
  while (true) {
    if (i >= text.size()) return false;  // unterminated quote
    if (text[i] == '"') {
      if (i + 1 < text.size() && text[i + 1] == '"') {
        field += '"';
        i += 2;
        continue;
      }
      ++i;
      return i >= text.size() || text[i] == ',';  // nothing may follow the closing quote
    }
    field += text[i++];
  }
}

}  // namespace

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
      if (!readQuotedField(text, i, field)) return std::nullopt;
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

namespace {

std::optional<long double> unitScale(std::string_view unit) {
  if (unit == "ns") return 1;
  if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") return 1e3;
  if (unit == "ms") return 1e6;
  if (unit == "s") return 1e9;
  if (unit == "m") return 60e9;
  if (unit == "h") return 3600e9;
  return std::nullopt;  // includes a missing unit, as in Go
}

bool isNumberChar(char c) {
  return (c >= '0' && c <= '9') || c == '.';
}

}  // namespace

Result<std::chrono::nanoseconds> parseDuration(std::string_view text) {
  const Status invalid = invalidArgument("invalid duration \"" + std::string(text) +
                                         "\" (use e.g. 100ms, 1.5s, 2m, 1h30m)");
  if (text.empty()) return invalid;
  std::size_t i = 0;
  bool negative = false;
  if (text[0] == '-' || text[0] == '+') {
    negative = text[0] == '-';
    i = 1;
  }
  if (text.substr(i) == "0") return std::chrono::nanoseconds(0);
  if (i == text.size()) return invalid;
  long double total = 0;
  while (i < text.size()) {
    const std::size_t number_start = i;
    while (i < text.size() && isNumberChar(text[i])) ++i;
    const std::string number(text.substr(number_start, i - number_start));
    if (number.empty() || number == "." || number.find('.') != number.rfind('.')) return invalid;
    const std::size_t unit_start = i;
    while (i < text.size() && !isNumberChar(text[i])) ++i;
    const std::optional<long double> scale = unitScale(text.substr(unit_start, i - unit_start));
    if (!scale) return invalid;
    total += std::stold(number) * *scale;
  }
  if (total > static_cast<long double>(std::numeric_limits<std::int64_t>::max())) return invalid;
  const auto nanos = static_cast<std::int64_t>(std::llround(total));
  return std::chrono::nanoseconds(negative ? -nanos : nanos);
}

}  // namespace irsa::govalues
