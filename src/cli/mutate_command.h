#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace irsa::cli {

// `irsa-webhook mutate`: reads a Pod (YAML or JSON, file or stdin) and ServiceAccounts
// (file) and prints the mutated Pod or the patch, without a cluster. Returns the exit code.
int runMutateCommand(const std::vector<std::string>& args, std::istream& in, std::ostream& out,
                     std::ostream& err);

}  // namespace irsa::cli
