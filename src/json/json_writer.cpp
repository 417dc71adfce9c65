// Writing JSON text: string literals (escaped, UTF-8 repaired) and compact values.

#include <cstdint>

#include "irsa/json/filtered_json.h"
#include "json/utf8.h"

namespace irsa::json {

using nlohmann::json;
using utf8::kPlain;
using utf8::validUtf8Length;

void appendJsonString(std::string& out, std::string_view value) {
  static constexpr char kHex[] = "0123456789abcdef";
  out += '"';
  std::size_t plain_from = 0;
  std::size_t i = 0;
  while (i < value.size()) {
    const auto c = static_cast<unsigned char>(value[i]);
    if (kPlain[c]) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      if (const std::size_t length = validUtf8Length(value, i)) {
        i += length;
        continue;
      }
    }
    out.append(value.data() + plain_from, i - plain_from);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (c >= 0x80) {
          out += "\xEF\xBF\xBD";  // U+FFFD for a byte that starts no valid sequence
        } else {
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 0xF];
        }
        break;
    }
    ++i;
    plain_from = i;
  }
  out.append(value.data() + plain_from, value.size() - plain_from);
  out += '"';
}

void appendJson(std::string& out, const json& value) {
  switch (value.type()) {
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (const auto& [key, member] : value.get_ref<const json::object_t&>()) {
        if (!first) out += ',';
        first = false;
        appendJsonString(out, key);
        out += ':';
        appendJson(out, member);
      }
      out += '}';
      return;
    }
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (const json& element : value) {
        if (!first) out += ',';
        first = false;
        appendJson(out, element);
      }
      out += ']';
      return;
    }
    case json::value_t::string:
      appendJsonString(out, value.get_ref<const std::string&>());
      return;
    case json::value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      return;
    case json::value_t::number_integer:
      out += std::to_string(value.get<std::int64_t>());
      return;
    case json::value_t::number_unsigned:
      out += std::to_string(value.get<std::uint64_t>());
      return;
    case json::value_t::number_float:
      // Rare in what this project writes; nlohmann's shortest round-trip form.
      out += value.dump();
      return;
    default:  // null, discarded, binary
      out += "null";
      return;
  }
}

}  // namespace irsa::json
