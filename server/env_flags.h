// Configuration from the environment (12-factor): every flag of a binary can
// also be set by an environment variable, which the command line overrides.
//
// For a flag --data_dir of the ingest server, the variables are, in order of
// precedence: FACTSTORE_INGEST_DATA_DIR, then FACTSTORE_DATA_DIR.
//
//   int main(int argc, char** argv) {
//     absl::Status env = ApplyEnvironmentToFlags(
//         {"FACTSTORE_INGEST_", "FACTSTORE_"}, {"data_dir", "listen"});
//     absl::ParseCommandLine(argc, argv);  // the command line wins
#ifndef FACTSTORE_SERVER_ENV_FLAGS_H_
#define FACTSTORE_SERVER_ENV_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/status.h"

namespace factstore::server {

// Sets each flag in `flag_names` from the first variable
// <prefix><FLAG_NAME_IN_UPPER_CASE> that is set, trying `prefixes` in order.
// Returns INVALID_ARGUMENT naming the variable if a value does not parse.
// REQUIRES: called before absl::ParseCommandLine and before other threads.
absl::Status ApplyEnvironmentToFlags(
    const std::vector<std::string>& prefixes,
    const std::vector<std::string>& flag_names);

// The variable names that set `flag_name`, most specific first.
std::vector<std::string> EnvironmentNamesForFlag(
    const std::vector<std::string>& prefixes, const std::string& flag_name);

// Logs the current value of each flag in `flag_names` in one line, with the
// values of secret flags (names containing "token", "password" or "secret")
// replaced by "<redacted>".
void LogConfiguration(const std::string& message,
                      const std::vector<std::string>& flag_names);

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_ENV_FLAGS_H_
