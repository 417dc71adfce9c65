#pragma once

// A validating JSON parser that builds only the parts of a document its reader needs.
//
// Why: an AdmissionReview carries a whole Pod (images, probes, resources, a 200 KB
// last-applied annotation...), yet the mutation rules read a few names; a ServiceAccount
// LIST page carries managedFields the cache drops. Building nlohmann's DOM for all of it
// was most of the webhook's CPU. This parser checks the whole text exactly as strictly as
// nlohmann::json::parse (RFC 8259, UTF-8, surrogate pairs, depth) but allocates only for
// the values the filter keeps, so the kept values keep their JSON types and the rules can
// keep reading an nlohmann::json.

#include <cstddef>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace irsa::json {

// Which parts of a value to keep. Applied to
//  - an object: keeps the members named with member() (each under its own filter) and,
//    when membersWithPrefix() was called, every other member whose key starts with that
//    prefix (kept whole); other members are checked and dropped;
//  - an array: keeps every element under the elements() filter, or none when unset (the
//    array stays, empty, so its type is still visible);
//  - a string, number, boolean or null: keeps it.
// A default-constructed filter therefore keeps scalars and empties containers; all()
// keeps everything.
class JsonFilter {
 public:
  JsonFilter() = default;
  static JsonFilter all();

  JsonFilter& member(std::string key);  // kept under a default filter
  JsonFilter& member(std::string key, JsonFilter filter);
  JsonFilter& membersWithPrefix(std::string prefix);
  JsonFilter& elements(JsonFilter filter);

  bool keepsAll() const { return keep_all_; }
  // The filter for member `key`: nullptr when the member is dropped.
  const JsonFilter* forMember(std::string_view key) const;
  const JsonFilter* forElements() const { return element_.get(); }

 private:
  bool keep_all_ = false;
  std::vector<std::pair<std::string, JsonFilter>> members_;
  std::optional<std::string> prefix_;
  std::shared_ptr<const JsonFilter> element_;
};

struct JsonParseError {
  enum class Kind { kSyntax, kTooDeep };
  Kind kind = Kind::kSyntax;
  std::size_t offset = 0;  // byte offset of the problem
  std::string message;     // e.g. "invalid escape in string"
};

// bugprone-exception-escape reads the implicit noexcept move of nlohmann::json as throwing
// (its value teardown reserves a std::vector); only bad_alloc could, which ends the process.
struct FilteredJson {                   // NOLINT(bugprone-exception-escape)
  nlohmann::json value;                 // what the filter kept (null on error)
  std::optional<JsonParseError> error;  // set when the text is not one valid JSON value
};

// Parses `text` (one JSON value, optionally surrounded by whitespace and preceded by a
// UTF-8 byte order mark). Containers nested deeper than `max_depth` are an error of kind
// kTooDeep, found before any deeper recursion happens. Duplicate keys: the last wins.
FilteredJson parseFiltered(std::string_view text, const JsonFilter& filter,
                           std::size_t max_depth = 256);

// Appends `value` to `out` as a JSON string literal (quotes included): quotes,
// backslashes and control characters escaped, invalid UTF-8 replaced by U+FFFD.
void appendJsonString(std::string& out, std::string_view value);

// Appends `value` as compact JSON: for valid UTF-8 the same text as nlohmann's dump()
// (keys sorted), without its per-character decoder; patches are written on every
// admission.
void appendJson(std::string& out, const nlohmann::json& value);

}  // namespace irsa::json
