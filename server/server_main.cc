#include "server/server_main.h"

#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status_macros.h"
#include "server/auth.h"
#include "server/env_flags.h"
#include "server/grpc_server.h"
#include "server/log.h"

ABSL_FLAG(std::string, log_level, "info", "debug, info, warning or error.");
ABSL_FLAG(absl::Duration, shutdown_grace, absl::Seconds(20),
          "On SIGTERM, time given to calls in flight before they are "
          "cancelled.");
ABSL_FLAG(absl::Duration, shutdown_delay, absl::ZeroDuration(),
          "On SIGTERM, report NOT_SERVING and keep serving this long before "
          "draining, so that load balancers stop sending calls first.");

namespace factstore::server {

absl::StatusOr<std::vector<std::string>> StartServerProcess(
    int argc, char** argv, const ServerProcess& process) {
  BlockShutdownSignals();
  CreateFilesForOwnerOnly();
  DisableMutexDeadlockDetection();

  std::vector<std::string> env_flags = process.env_flags;
  for (const std::vector<std::string>& shared :
       {std::vector<std::string>{"log_level", "shutdown_grace",
                                 "shutdown_delay"},
        SharedGrpcFlagNames(), AuthFlagNames()}) {
    env_flags.insert(env_flags.end(), shared.begin(), shared.end());
  }
  // deploy/k8s_manifests_test.py reads the second paragraph from --helpfull:
  // keep its form.
  std::vector<std::string> variables;
  for (const std::string& prefix : process.env_prefixes) {
    variables.push_back(absl::StrCat(prefix, "<FLAG>"));
  }
  absl::SetProgramUsageMessage(absl::StrCat(
      process.description, "\n\nEnvironment: ", absl::StrJoin(variables, ", "),
      " (in this order; the command line wins) set the flags: ",
      absl::StrJoin(env_flags, ", "), "."));

  FS_RETURN_IF_ERROR(ApplyEnvironmentToFlags(process.env_prefixes, env_flags));
  absl::ParseCommandLine(argc, argv);

  LogLevel level;
  if (!ParseLogLevel(absl::GetFlag(FLAGS_log_level), &level)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--log_level: unknown level \"", absl::GetFlag(FLAGS_log_level), "\""));
  }
  SetLogLevel(level);
  return env_flags;
}

int ExitWithError(absl::string_view message) {
  Log(LogLevel::kError, message);
  return 2;
}

}  // namespace factstore::server
