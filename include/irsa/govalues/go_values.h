#pragma once

// Every text value this webhook reads the way the Go webhook reads it, in one place:
// integers as strconv.ParseInt(s, 10, 64), booleans as strconv.ParseBool, comma lists as
// encoding/csv, durations as time.ParseDuration. Users copy annotation and flag values
// from clusters running the Go webhook, so a value must mean the same thing here.

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "irsa/status/result.h"

namespace irsa::govalues {

// strconv.ParseInt(text, 10, 64): one optional sign, digits only, no spaces, no overflow.
std::optional<std::int64_t> parseInt64(std::string_view text);

// strconv.ParseInt(text, 0, 64), which pflag's integer flags use: an optional sign, then a
// base prefix (0x/0X hex, 0o/0O or a bare leading 0 octal, 0b/0B binary, else decimal), and
// `_` allowed only between digits or right after the prefix (`0x_1b_b`, `1_000`).
std::optional<std::int64_t> parseIntBase0(std::string_view text);

// strconv.ParseBool: 1 t T TRUE true True, 0 f F FALSE false False; nothing else.
std::optional<bool> parseBool(std::string_view text);

// One record of encoding/csv's reader with default settings: fields may be quoted ("a,b"
// is one field, "" inside quotes is a quote), spaces are kept. Empty when the record is
// malformed (a bare quote in an unquoted field, an unterminated quote, more than one line).
std::optional<std::vector<std::string>> parseCsvRecord(std::string_view text);

// time.ParseDuration: "100ms", "1.5s", "2m", "1h30m", "-1s", "0". Units ns, us (µs), ms,
// s, m, h; a number without a unit is an error, as in Go.
Result<std::chrono::nanoseconds> parseDuration(std::string_view text);

}  // namespace irsa::govalues
