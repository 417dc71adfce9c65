#pragma once

// Parsing of the values users write in annotations. Kept apart from the rules so the
// compatibility details (Go's strconv and encoding/csv behaviour) are tested on their own.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace irsa::mutate {

// The minimum token lifetime kubelet accepts for a projected token is 10 minutes.
inline constexpr std::int64_t kMinTokenExpirationSeconds = 600;

// Parses a base-10 integer the way Go's strconv.ParseInt(s, 10, 64) does (optional sign,
// digits only, no spaces, no overflow). Empty on any error.
std::optional<std::int64_t> parseGoInt64(std::string_view text);

// Raises a lifetime below the minimum to the minimum.
std::int64_t clampTokenExpiration(std::int64_t seconds);

// Splits one CSV record like Go's encoding/csv reader with default settings: fields may be
// quoted ("a,b" is one field, "" inside quotes is a quote), spaces are kept. Empty when
// the record is malformed (a bare quote in an unquoted field, an unterminated quote, or
// more than one line), in which case nothing is skipped.
std::optional<std::vector<std::string>> parseCsvRecord(std::string_view text);

}  // namespace irsa::mutate
