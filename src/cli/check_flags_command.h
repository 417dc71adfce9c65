#pragma once

#include <iosfwd>
#include <string>
#include <vector>

namespace irsa::cli {

// `irsa-webhook check-flags [webhook flags]`: parses the flags with the server's own parser
// (config::parseFlags) and exits without serving or touching files or the network. Returns
// 0 when the server would accept every flag, 2 with the parser's message (which names the
// flag) when it would refuse one. Lets a manifest's arguments be checked without a cluster;
// hack/check-chart.sh runs it on every rendered chart mode and on deploy/.
int runCheckFlagsCommand(const std::vector<std::string>& args, std::ostream& out,
                         std::ostream& err);

}  // namespace irsa::cli
