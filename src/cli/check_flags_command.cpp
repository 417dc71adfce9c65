#include "cli/check_flags_command.h"

#include <ostream>

#include "irsa/config/config.h"

namespace irsa::cli {
namespace {

constexpr const char* kUsage =
    "Usage: irsa-webhook check-flags [webhook flags]\n"
    "Parses the flags exactly as the server does and exits: 0 when all are accepted, 2 with a\n"
    "message naming the first refused flag. Nothing is served, read or contacted.\n";

}  // namespace

int runCheckFlagsCommand(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err) {
  if (args.size() == 1 && (args[0] == "--help" || args[0] == "-h")) {
    out << kUsage;
    return 0;
  }
  const auto parsed = config::parseFlags(args);
  if (!parsed.ok()) {
    err << "irsa-webhook check-flags: " << parsed.status().message() << "\n";
    return 2;
  }
  out << "irsa-webhook check-flags: arguments accepted: " << args.size() << "\n";
  return 0;
}

}  // namespace irsa::cli
