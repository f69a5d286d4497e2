#include "tests/support/nats_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <thread>

namespace factstore::testing {
namespace {

// A port nothing listens on now (the kernel's pick for a socket bound to
// port 0, released again).
int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  int port = -1;
  if (bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) == 0) {
    port = ntohs(address.sin_port);
  }
  close(fd);
  return port;
}

bool Accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  bool ok =
      connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) == 0;
  close(fd);
  return ok;
}

}  // namespace

std::unique_ptr<NatsServer> NatsServer::Start(int max_payload) {
  const char* binary = getenv("FACTSTORE_NATS_SERVER");
  std::string server =
      binary != nullptr && *binary != '\0' ? binary : "/usr/sbin/nats-server";
  for (int attempt = 0; attempt < 5; ++attempt) {
    std::unique_ptr<NatsServer> nats(new NatsServer());
    nats->store_dir_ = nats->dir_.path() + "/jetstream";
    int port = FreePort();
    std::string config = nats->dir_.path() + "/nats.conf";
    {
      std::ofstream out(config);
      out << "listen: 127.0.0.1:" << port << "\n"
          << "jetstream { store_dir: \"" << nats->store_dir_ << "\" }\n";
      if (max_payload > 0) out << "max_payload: " << max_payload << "\n";
    }
    std::string log = nats->dir_.path() + "/nats.log";
    pid_t pid = fork();
    if (pid == 0) {
      FILE* out = freopen(log.c_str(), "w", stderr);
      (void)out;
      execl(server.c_str(), server.c_str(), "-c", config.c_str(),
            static_cast<char*>(nullptr));
      _exit(127);
    }
    nats->pid_ = pid;
    nats->url_ = "nats://127.0.0.1:" + std::to_string(port);
    for (int i = 0; i < 200; ++i) {
      if (Accepts(port)) return nats;
      int status;
      if (waitpid(pid, &status, WNOHANG) == pid) {
        nats->pid_ = -1;
        break;  // could not listen (the port was taken meanwhile): again
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    std::ifstream in(log);
    std::string line;
    fprintf(stderr, "nats-server did not start (attempt %d):\n", attempt + 1);
    while (std::getline(in, line)) fprintf(stderr, "  %s\n", line.c_str());
  }
  return nullptr;
}

NatsServer::~NatsServer() {
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    int status;
    waitpid(pid_, &status, 0);
  }
}

}  // namespace factstore::testing
