// The start and the end of both servers' main(): process settings, flags
// from the environment and the command line, the log level, and serving
// until a signal. Each main() keeps only what is its own: its flags and how
// they make its server's configuration.
//
//   int main(int argc, char** argv) {
//     absl::StatusOr<std::vector<std::string>> env_flags =
//         StartServerProcess(argc, argv, {"factstore query service: ...",
//                                         {"FACTSTORE_QUERY_", "FACTSTORE_"},
//                                         {"listen", "data_dir"}});
//     if (!env_flags.ok()) return ExitWithError(env_flags.status().message());
//     ...
//     return ServeUntilStopped(**server);
//   }
#ifndef FACTSTORE_SERVER_SERVER_MAIN_H_
#define FACTSTORE_SERVER_SERVER_MAIN_H_

#include <string>
#include <vector>

#include "absl/flags/declare.h"
#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "server/serve_until_stopped.h"

// The flags every server has.
ABSL_DECLARE_FLAG(std::string, log_level);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_grace);
ABSL_DECLARE_FLAG(absl::Duration, shutdown_delay);

namespace factstore::server {

struct ServerProcess {
  // What the binary is, in one line: the start of its --help.
  std::string description;
  // Prefixes of the environment variables that set flags, most specific
  // first ({"FACTSTORE_INGEST_", "FACTSTORE_"}).
  std::vector<std::string> env_prefixes;
  // The binary's own flags the environment may set. The flags of every
  // server (logging, shutdown, gRPC, authorization) are added to them.
  std::vector<std::string> env_flags;
};

// The first call of a server's main(): blocks the shutdown signals (for
// ServeUntilStopped), makes new files private to the owner, sets the usage
// message (the description, then which variables set which flags), applies
// the environment, then the command line (which wins; --help exits here),
// and sets the log level from --log_level. Returns the names of every flag
// the environment may set (for LogConfiguration), or INVALID_ARGUMENT naming
// the variable or flag that is wrong.
// REQUIRES: called once, before any other thread starts.
absl::StatusOr<std::vector<std::string>> StartServerProcess(
    int argc, char** argv, const ServerProcess& process);

// Logs `message` at error level; returns the exit code of a server that
// cannot start (2).
int ExitWithError(absl::string_view message);

// ServeUntilStopped with --shutdown_delay and --shutdown_grace.
template <typename Server>
int ServeUntilStopped(Server& server) {
  return ServeUntilStopped(server, absl::GetFlag(FLAGS_shutdown_delay),
                           absl::GetFlag(FLAGS_shutdown_grace));
}

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_SERVER_MAIN_H_
