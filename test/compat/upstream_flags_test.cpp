// Every flag amazon-eks-pod-identity-webhook accepts (test/compat/upstream-flags.txt, made
// by regen-upstream-flags.sh from upstream's main.go and klog), in every spelling pflag
// accepts, must be accepted by `irsa-webhook check-flags` (docs/migration.md lists the
// deliberate refusals).

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/webhook_process.h"

namespace irsa {
namespace {

struct UpstreamFlag {
  std::string name;
  std::string shorthand;  // "-": none
  std::string type;
  bool bare_allowed = false;  // pflag's NoOptDefVal: a bool may stand alone
  std::string default_text;
};

std::string unquote(const std::string& quoted) {
  std::string text;
  for (std::size_t i = 1; i + 1 < quoted.size(); ++i) {
    if (quoted[i] == '\\' && i + 2 < quoted.size()) ++i;
    text += quoted[i];
  }
  return text;
}

std::vector<UpstreamFlag> readUpstreamFlags() {
  std::ifstream in(std::string(IRSA_TEST_DATA_DIR) + "/compat/upstream-flags.txt");
  std::vector<UpstreamFlag> flags;
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream fields(line);
    UpstreamFlag flag;
    std::string bare;
    std::string quoted;
    std::getline(fields, flag.name, '\t');
    std::getline(fields, flag.shorthand, '\t');
    std::getline(fields, flag.type, '\t');
    std::getline(fields, bare, '\t');
    std::getline(fields, quoted);
    flag.bare_allowed = bare != "-";
    flag.default_text = unquote(quoted);
    flags.push_back(flag);
  }
  return flags;
}

// A value of the flag's type that upstream would accept; strings whose content this
// webhook checks get a valid one.
std::string sampleValue(const UpstreamFlag& flag) {
  static const std::map<std::string, std::string> kByName = {
      {"tls-min-version", "1.3"},
      {"tls-cipher-suites", "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256"},
      {"port", "8443"},
      {"token-expiration", "3600"}};
  static const std::map<std::string, std::string> kByType = {{"int", "4"},
                                                             {"int64", "4"},
                                                             {"uint64", "1800"},
                                                             {"duration", "1m30s"},
                                                             {"Level", "4"},
                                                             {"severity", "INFO"},
                                                             {"string", "value"},
                                                             {"moduleSpec", "cache=4"},
                                                             {"traceLocation", "main.go:10"}};
  if (auto it = kByName.find(flag.name); it != kByName.end()) return it->second;
  if (auto it = kByType.find(flag.type); it != kByType.end()) return it->second;
  ADD_FAILURE() << flag.name << ": no sample for pflag type " << flag.type
                << " (a new type upstream: add one)";
  return "value";
}

// The command lines pflag accepts for this flag, each a separate check-flags run.
std::vector<std::vector<std::string>> spellings(const UpstreamFlag& flag) {
  const std::string dashed = "--" + flag.name;
  std::vector<std::vector<std::string>> lines;
  if (flag.bare_allowed) {
    lines.push_back({dashed});
    for (const char* value : {"true", "false", "T", "F", "1", "0", "True", "FALSE"}) {
      lines.push_back({dashed + "=" + value});
    }
    return lines;
  }
  const std::string value = sampleValue(flag);
  lines.push_back({dashed + "=" + value});
  lines.push_back({dashed, value});
  lines.push_back({dashed + "=" + flag.default_text});  // upstream's default, as pflag prints it
  if (flag.shorthand != "-") {
    const std::string dash = "-" + flag.shorthand;
    lines.push_back({dash + "=" + value});
    lines.push_back({dash, value});
    lines.push_back({dash + value});
  }
  return lines;
}

// Deliberately refused (docs/migration.md): in-cluster mode.
bool deliberatelyRefused(const std::vector<std::string>& args) {
  for (const std::string& arg : args) {
    if (arg == "--in-cluster" || arg == "--in-cluster=true" || arg == "--in-cluster=T" ||
        arg == "--in-cluster=1" || arg == "--in-cluster=True") {
      return true;
    }
  }
  return false;
}

int checkFlags(const std::vector<std::string>& args, std::string* output) {
  std::vector<std::string> argv = {IRSA_BINARY, "check-flags"};
  argv.insert(argv.end(), args.begin(), args.end());
  return test::runCommand(argv, output);
}

std::string joined(const std::vector<std::string>& args) {
  std::string text;
  for (const std::string& arg : args) text += (text.empty() ? "" : " ") + arg;
  return text;
}

TEST(UpstreamFlags, TheListIsRead) {
  const std::vector<UpstreamFlag> flags = readUpstreamFlags();
  ASSERT_GE(flags.size(), 40u);
  bool has_verbosity_shorthand = false;
  for (const UpstreamFlag& flag : flags) has_verbosity_shorthand |= flag.shorthand == "v";
  EXPECT_TRUE(has_verbosity_shorthand);
}

TEST(UpstreamFlags, EverySpellingIsAcceptedExceptTheDeliberateRefusals) {
  int runs = 0;
  for (const UpstreamFlag& flag : readUpstreamFlags()) {
    for (const std::vector<std::string>& args : spellings(flag)) {
      std::string output;
      const int code = checkFlags(args, &output);
      ++runs;
      if (deliberatelyRefused(args)) {
        EXPECT_EQ(code, 2) << joined(args) << ": " << output;
      } else {
        EXPECT_EQ(code, 0) << joined(args) << ": " << output;
      }
    }
  }
  EXPECT_GT(runs, 150);
}

}  // namespace
}  // namespace irsa
