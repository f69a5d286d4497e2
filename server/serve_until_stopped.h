// ServeUntilStopped: the end of both servers' main(): wait for SIGINT or
// SIGTERM (or for the server to ask for a restart), then shut down in
// order.
//
//   return ServeUntilStopped(**server, shutdown_delay, shutdown_grace);
#ifndef FACTSTORE_SERVER_SERVE_UNTIL_STOPPED_H_
#define FACTSTORE_SERVER_SERVE_UNTIL_STOPPED_H_

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/grpc_server.h"
#include "server/log.h"

namespace factstore::server {

// Exit code of a server that stops by itself to be restarted (a replica
// that must load the commit log's snapshot again).
inline constexpr int kExitRestart = 3;

// `Server` has BeginShutdown(), Shutdown(absl::Duration grace) and
// restart_required(). On a signal: NOT_SERVING, `delay` for load balancers
// to notice, then Shutdown(grace); returns 0. When the server asks for a
// restart: the same without the delay; returns kExitRestart.
// REQUIRES: BlockShutdownSignals() was called at the start of main().
template <typename Server>
int ServeUntilStopped(Server& server, absl::Duration delay,
                      absl::Duration grace) {
  int signal_number =
      WaitForShutdownSignal([&server] { return server.restart_required(); });
  if (signal_number == 0) {
    Log(LogLevel::kError, "restarting to load the commit log's snapshot again",
        {{"exit_code", kExitRestart}});
  } else {
    Log(LogLevel::kInfo, "shutting down", {{"signal", signal_number}});
  }
  server.BeginShutdown();
  if (signal_number != 0) absl::SleepFor(delay);
  server.Shutdown(grace);
  Log(LogLevel::kInfo, "stopped");
  return signal_number == 0 ? kExitRestart : 0;
}

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_SERVE_UNTIL_STOPPED_H_
