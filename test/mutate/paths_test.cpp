// cleanPath and joinPath against what Go's path.Clean and filepath.Join return for the
// same input (the expected values are Go's, docs/behaviour.md §2.3).

#include "irsa/mutate/paths.h"

#include <gtest/gtest.h>

namespace irsa::mutate {
namespace {

TEST(CleanPath, MatchesGoPathClean) {
  const std::pair<const char*, const char*> cases[] = {
      {"", "."},
      {"/", "/"},
      {"//", "/"},
      {".", "."},
      {"a", "a"},
      {"a/", "a"},
      {"/a/b/", "/a/b"},
      {"/a//b///c", "/a/b/c"},
      {"/a/./b/.", "/a/b"},
      {"/a/b/../c", "/a/c"},
      {"/../a", "/a"},
      {"/..", "/"},
      {"a/../..", ".."},
      {"../../a", "../../a"},
      {"a/b/../../..", ".."},
      {"./a", "a"},
      {"a/..", "."},
  };
  for (const auto& [input, expected] : cases) EXPECT_EQ(cleanPath(input), expected) << input;
}

TEST(JoinPath, MatchesGoFilepathJoin) {
  const std::tuple<const char*, const char*, const char*> cases[] = {
      {"/var/run/secrets/eks.amazonaws.com/serviceaccount", "token",
       "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"},
      {"/var/run/secrets/", "token", "/var/run/secrets/token"},
      {"/var/run//secrets", "/token", "/var/run/secrets/token"},
      {"/mnt", "sub/../token", "/mnt/token"},
      {"", "token", "token"},
      {"/mnt", "", "/mnt"},
      {"", "", ""},
      {"/", "token", "/token"},
  };
  for (const auto& [first, second, expected] : cases) {
    EXPECT_EQ(joinPath(first, second), expected) << first << " + " << second;
  }
}

}  // namespace
}  // namespace irsa::mutate
