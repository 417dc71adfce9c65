// The filtered parser: checks a whole JSON text and builds only what the filter keeps.

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>

#include "irsa/json/filtered_json.h"
#include "json/utf8.h"

namespace irsa::json {

using nlohmann::json;

namespace {

using utf8::kPlain;
using utf8::validUtf8Length;

void appendUtf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out += static_cast<char>(code_point);
  } else if (code_point < 0x800) {
    out += static_cast<char>(0xC0 | (code_point >> 6));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else if (code_point < 0x10000) {
    out += static_cast<char>(0xE0 | (code_point >> 12));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (code_point >> 18));
    out += static_cast<char>(0x80 | ((code_point >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((code_point >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (code_point & 0x3F));
  }
}

// Recursive descent over the text. `out == nullptr` means "check only": the common case
// for most of a Pod, and the one that must not allocate.
class Parser {
 public:
  Parser(std::string_view text, std::size_t max_depth)
      : begin_(text.data()),
        p_(text.data()),
        end_(text.data() + text.size()),
        max_depth_(max_depth) {}

  FilteredJson run(const JsonFilter& filter) {
    FilteredJson result;
    if (end_ - p_ >= 3 && static_cast<unsigned char>(p_[0]) == 0xEF &&
        static_cast<unsigned char>(p_[1]) == 0xBB && static_cast<unsigned char>(p_[2]) == 0xBF) {
      p_ += 3;
    }
    skipWhitespace();
    if (parseValue(&filter, &result.value, 0)) {
      skipWhitespace();
      if (p_ != end_) fail("unexpected text after the JSON value");
    }
    if (error_) {
      result.value = nullptr;
      result.error = std::move(error_);
    }
    return result;
  }

 private:
  bool fail(const char* message, JsonParseError::Kind kind = JsonParseError::Kind::kSyntax) {
    if (!error_) {
      error_ = JsonParseError{kind, static_cast<std::size_t>(p_ - begin_), message};
    }
    return false;
  }

  void skipWhitespace() {
    while (p_ != end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\r' || *p_ == '\t')) ++p_;
  }

  bool consumeLiteral(std::string_view literal) {
    if (static_cast<std::size_t>(end_ - p_) < literal.size() ||
        std::string_view(p_, literal.size()) != literal) {
      return fail("invalid literal");
    }
    p_ += literal.size();
    return true;
  }

  // `filter == nullptr` with a non-null `out` cannot happen: a dropped value is parsed
  // with out == nullptr.
  bool parseValue(const JsonFilter* filter, json* out, std::size_t depth) {
    if (p_ == end_) return fail("unexpected end of input");
    switch (*p_) {
      case '{':
        return parseObject(filter, out, depth + 1);
      case '[':
        return parseArray(filter, out, depth + 1);
      case '"': {
        std::string_view value;
        if (!parseString(value)) return false;
        if (out != nullptr) *out = std::string(value);
        return true;
      }
      case 't':
        if (out != nullptr) *out = true;
        return consumeLiteral("true");
      case 'f':
        if (out != nullptr) *out = false;
        return consumeLiteral("false");
      case 'n':
        if (out != nullptr) *out = nullptr;
        return consumeLiteral("null");
      default:
        return parseNumber(out);
    }
  }

  bool parseObject(const JsonFilter* filter, json* out, std::size_t depth) {
    if (depth > max_depth_) return fail("nesting too deep", JsonParseError::Kind::kTooDeep);
    ++p_;  // '{'
    if (out != nullptr) *out = json::object();
    skipWhitespace();
    if (p_ != end_ && *p_ == '}') {
      ++p_;
      return true;
    }
    while (true) {
      if (p_ == end_ || *p_ != '"') return fail("expected a string key");
      std::string_view key;
      if (!parseString(key)) return false;
      // Decide before parsing the value: `key` may point into the scratch buffer that the
      // value's own strings reuse.
      const JsonFilter* child = out != nullptr ? filter->forMember(key) : nullptr;
      json* slot = child != nullptr ? &(*out)[std::string(key)] : nullptr;
      skipWhitespace();
      if (p_ == end_ || *p_ != ':') return fail("expected ':' after an object key");
      ++p_;
      skipWhitespace();
      if (!parseValue(child, slot, depth)) return false;
      const Next next = afterItem('}', "unexpected end of input in an object",
                                  "expected ',' or '}' in an object");
      if (next != Next::kMore) return next == Next::kDone;
    }
  }

  enum class Next { kMore, kDone, kError };

  // After an object member or array element: ',' means another follows, `close` ends it.
  Next afterItem(char close, const char* at_end, const char* otherwise) {
    skipWhitespace();
    if (p_ == end_) {
      fail(at_end);
      return Next::kError;
    }
    if (*p_ == ',') {
      ++p_;
      skipWhitespace();
      return Next::kMore;
    }
    if (*p_ == close) {
      ++p_;
      return Next::kDone;
    }
    fail(otherwise);
    return Next::kError;
  }

  bool parseArray(const JsonFilter* filter, json* out, std::size_t depth) {
    if (depth > max_depth_) return fail("nesting too deep", JsonParseError::Kind::kTooDeep);
    ++p_;  // '['
    const JsonFilter* child = nullptr;
    if (out != nullptr) {
      *out = json::array();
      child = filter->keepsAll() ? filter : filter->forElements();
    }
    skipWhitespace();
    if (p_ != end_ && *p_ == ']') {
      ++p_;
      return true;
    }
    while (true) {
      json* slot = nullptr;
      if (child != nullptr) {
        out->push_back(nullptr);
        slot = &out->back();
      }
      if (!parseValue(child, slot, depth)) return false;
      const Next next =
          afterItem(']', "unexpected end of input in an array", "expected ',' or ']' in an array");
      if (next != Next::kMore) return next == Next::kDone;
    }
  }

  // On success `value` is the decoded string: a view into the input when it has no
  // escapes (the usual case), else into scratch_, valid until the next string.
  bool parseString(std::string_view& value) {
    ++p_;  // '"'
    const char* start = p_;
    bool escaped = false;
    scratch_.clear();
    while (true) {
      while (p_ != end_ && kPlain[static_cast<unsigned char>(*p_)]) ++p_;
      if (p_ == end_) return fail("unterminated string");
      const auto c = static_cast<unsigned char>(*p_);
      if (c == '"') {
        if (escaped) {
          scratch_.append(start, p_);
          value = scratch_;
        } else {
          value = std::string_view(start, static_cast<std::size_t>(p_ - start));
        }
        ++p_;
        return true;
      }
      if (c == '\\') {
        scratch_.append(start, p_);
        escaped = true;
        if (!parseEscape()) return false;
        start = p_;
        continue;
      }
      if (c < 0x20) return fail("control character in string");
      if (!skipUtf8Sequence()) return false;
    }
  }

  bool skipUtf8Sequence() {
    const std::size_t length =
        validUtf8Length(std::string_view(p_, static_cast<std::size_t>(end_ - p_)), 0);
    if (length == 0) return fail("invalid UTF-8 in string");
    p_ += length;
    return true;
  }

  bool parseHex4(std::uint32_t& value) {
    if (end_ - p_ < 4) return fail("truncated \\u escape");
    value = 0;
    for (int i = 0; i < 4; ++i) {
      const char c = *p_++;
      value <<= 4;
      if (c >= '0' && c <= '9') {
        value |= static_cast<std::uint32_t>(c - '0');
      } else if (c >= 'a' && c <= 'f') {
        value |= static_cast<std::uint32_t>(c - 'a' + 10);
      } else if (c >= 'A' && c <= 'F') {
        value |= static_cast<std::uint32_t>(c - 'A' + 10);
      } else {
        --p_;
        return fail("invalid \\u escape");
      }
    }
    return true;
  }

  bool parseEscape() {
    ++p_;  // '\\'
    if (p_ == end_) return fail("unterminated string");
    const char c = *p_++;
    switch (c) {
      case '"':
      case '\\':
      case '/':
        scratch_ += c;
        return true;
      case 'b':
        scratch_ += '\b';
        return true;
      case 'f':
        scratch_ += '\f';
        return true;
      case 'n':
        scratch_ += '\n';
        return true;
      case 'r':
        scratch_ += '\r';
        return true;
      case 't':
        scratch_ += '\t';
        return true;
      case 'u': {
        std::uint32_t unit = 0;
        if (!parseHex4(unit)) return false;
        if (unit >= 0xDC00 && unit <= 0xDFFF) return fail("lone low surrogate in \\u escape");
        if (unit >= 0xD800 && unit <= 0xDBFF) {
          std::uint32_t low = 0;
          if (end_ - p_ < 2 || p_[0] != '\\' || p_[1] != 'u')
            return fail("high surrogate without a low surrogate");
          p_ += 2;
          if (!parseHex4(low)) return false;
          if (low < 0xDC00 || low > 0xDFFF) return fail("high surrogate without a low surrogate");
          unit = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
        }
        appendUtf8(scratch_, unit);
        return true;
      }
      default:
        --p_;
        return fail("invalid escape in string");
    }
  }

  static bool isDigit(char c) { return c >= '0' && c <= '9'; }

  bool parseNumber(json* out) {
    const char* start = p_;
    bool integer = true;
    if (p_ != end_ && *p_ == '-') ++p_;
    if (p_ == end_ || !isDigit(*p_)) return fail("invalid value");
    if (*p_ == '0') {
      ++p_;
    } else {
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    if (p_ != end_ && *p_ == '.') {
      integer = false;
      ++p_;
      if (p_ == end_ || !isDigit(*p_)) return fail("invalid number");
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    if (p_ != end_ && (*p_ == 'e' || *p_ == 'E')) {
      integer = false;
      ++p_;
      if (p_ != end_ && (*p_ == '+' || *p_ == '-')) ++p_;
      if (p_ == end_ || !isDigit(*p_)) return fail("invalid number");
      while (p_ != end_ && isDigit(*p_)) ++p_;
    }
    // Same value types as nlohmann: unsigned for non-negative integers, signed for
    // negative ones, double when it has a fraction or exponent or does not fit. Dropped
    // numbers are converted too: a number too large for a double is invalid either way.
    if (integer) {
      if (*start == '-') {
        std::int64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          if (out != nullptr) *out = value;
          return true;
        }
      } else {
        std::uint64_t value = 0;
        if (std::from_chars(start, p_, value).ec == std::errc()) {
          if (out != nullptr) *out = value;
          return true;
        }
      }
    }
    double value = 0;
    if (std::from_chars(start, p_, value).ec != std::errc()) {
      // Out of range: an underflow rounds to zero as strtod does; an overflow is an error.
      value = std::strtod(std::string(start, p_).c_str(), nullptr);
      if (!std::isfinite(value)) return fail("number out of range");
    }
    if (out != nullptr) *out = value;
    return true;
  }

  const char* begin_;
  const char* p_;
  const char* end_;
  std::size_t max_depth_;
  std::string scratch_;
  std::optional<JsonParseError> error_;
};

}  // namespace

FilteredJson parseFiltered(std::string_view text, const JsonFilter& filter, std::size_t max_depth) {
  return Parser(text, max_depth).run(filter);
}

}  // namespace irsa::json
