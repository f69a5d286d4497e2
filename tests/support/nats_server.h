// NatsServer: a real nats-server process (Debian's, with JetStream) on a
// free loopback port, for tests of the replicated mode. Killed and its
// store removed when the object goes away.
//
//   auto nats = NatsServer::Start();
//   ASSERT_NE(nats, nullptr);
//   options.servers = {nats->url()};
#ifndef FACTSTORE_TESTS_SUPPORT_NATS_SERVER_H_
#define FACTSTORE_TESTS_SUPPORT_NATS_SERVER_H_

#include <sys/types.h>

#include <memory>
#include <string>

#include "tests/support/temp_dir.h"

namespace factstore::testing {

class NatsServer {
 public:
  // Starts /usr/sbin/nats-server (or $FACTSTORE_NATS_SERVER) with JetStream
  // and waits until it accepts connections. `max_payload` (bytes, 0: the
  // server's default of 1 MiB) limits message size. Returns null, after
  // printing why, if it does not start.
  static std::unique_ptr<NatsServer> Start(int max_payload = 0);
  ~NatsServer();

  // nats://127.0.0.1:<port>
  const std::string& url() const { return url_; }
  const std::string& store_dir() const { return store_dir_; }

 private:
  NatsServer() = default;

  TempDir dir_;
  std::string store_dir_;
  std::string url_;
  pid_t pid_ = -1;
};

}  // namespace factstore::testing

#endif  // FACTSTORE_TESTS_SUPPORT_NATS_SERVER_H_
