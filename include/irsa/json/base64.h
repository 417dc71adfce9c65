#pragma once

// Standard base64 (RFC 4648, with padding), used where Kubernetes carries bytes in JSON:
// AdmissionReview patches, Secret data, caBundle and kubeconfig *-data fields.
// Header-only so every module can use it without a dependency edge.

#include <optional>
#include <string>
#include <string_view>

namespace irsa::json {

// Appends the encoding of `data` to `out`, written in place (it runs on every patch).
inline void appendBase64(std::string& out, std::string_view data) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  const std::size_t start = out.size();
  out.resize(start + (data.size() + 2) / 3 * 4);
  char* p = out.data() + start;
  const auto byte = [&data](std::size_t i) {
    return static_cast<unsigned>(static_cast<unsigned char>(data[i]));
  };
  std::size_t i = 0;
  for (; i + 2 < data.size(); i += 3) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8) | byte(i + 2);
    *p++ = kAlphabet[(n >> 18) & 63];
    *p++ = kAlphabet[(n >> 12) & 63];
    *p++ = kAlphabet[(n >> 6) & 63];
    *p++ = kAlphabet[n & 63];
  }
  if (i + 1 == data.size()) {
    const unsigned n = byte(i) << 16;
    *p++ = kAlphabet[(n >> 18) & 63];
    *p++ = kAlphabet[(n >> 12) & 63];
    *p++ = '=';
    *p++ = '=';
  } else if (i + 2 == data.size()) {
    const unsigned n = (byte(i) << 16) | (byte(i + 1) << 8);
    *p++ = kAlphabet[(n >> 18) & 63];
    *p++ = kAlphabet[(n >> 12) & 63];
    *p++ = kAlphabet[(n >> 6) & 63];
    *p++ = '=';
  }
}

inline std::string base64Encode(std::string_view data) {
  std::string out;
  appendBase64(out, data);
  return out;
}

// Decodes, ignoring line breaks and spaces (PEM-style wrapping); empty on any other
// character outside the alphabet.
inline std::optional<std::string> base64Decode(std::string_view in) {
  std::string out;
  out.reserve(in.size() / 4 * 3);
  unsigned value = 0;
  int bits = -8;
  for (const char c : in) {
    int digit = -1;
    if (c >= 'A' && c <= 'Z') digit = c - 'A';
    if (c >= 'a' && c <= 'z') digit = c - 'a' + 26;
    if (c >= '0' && c <= '9') digit = c - '0' + 52;
    if (c == '+') digit = 62;
    if (c == '/') digit = 63;
    if (c == '=' || c == '\n' || c == '\r' || c == ' ') continue;
    if (digit < 0) return std::nullopt;
    value = ((value << 6) | static_cast<unsigned>(digit)) & 0xFFFFFF;
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((value >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

}  // namespace irsa::json
