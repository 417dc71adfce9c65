#pragma once

// UTF-8 checks shared by the filtered parser and the JSON writer.

#include <array>
#include <cstddef>
#include <string_view>

namespace irsa::json::utf8 {

// Bytes that can appear unescaped in a string without further checks: printable ASCII
// other than '"' and '\\'.
constexpr std::array<bool, 256> plainStringBytes() {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x80; ++c) table[static_cast<std::size_t>(c)] = c != '"' && c != '\\';
  return table;
}
inline constexpr std::array<bool, 256> kPlain = plainStringBytes();

inline bool isContinuation(unsigned char c) {
  return c >= 0x80 && c <= 0xBF;
}

// Length of the valid UTF-8 sequence starting at `text[i]` (a byte >= 0x80), or 0.
inline std::size_t validUtf8Length(std::string_view text, std::size_t i) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[i + k]); };
  const unsigned char c = byte(0);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) {
    length = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    length = 3;
    if (c == 0xE0) low = 0xA0;
    if (c == 0xED) high = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    length = 4;
    if (c == 0xF0) low = 0x90;
    if (c == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (text.size() - i < length || byte(1) < low || byte(1) > high) return 0;
  for (std::size_t k = 2; k < length; ++k) {
    if (!isContinuation(byte(k))) return 0;
  }
  return length;
}

}  // namespace irsa::json::utf8
