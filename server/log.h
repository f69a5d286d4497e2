// Structured logs: one JSON object per line on stderr, as log collectors in
// Kubernetes expect.
//
//   Log(LogLevel::kInfo, "listening", {{"address", "127.0.0.1:50051"}});
//   -> {"time":"2026-11-23T12:00:00.123456Z","level":"info",
//       "msg":"listening","address":"127.0.0.1:50051"}
//
// Thread-safe: each line is written with one call, so lines never interleave.
#ifndef FACTSTORE_SERVER_LOG_H_
#define FACTSTORE_SERVER_LOG_H_

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"

namespace factstore::server {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3 };

// Parses "debug", "info", "warning" or "error"; false otherwise.
bool ParseLogLevel(absl::string_view text, LogLevel* level);
// Lines below `level` are dropped. The default is kInfo.
void SetLogLevel(LogLevel level);
bool LogEnabled(LogLevel level);

// A field value: a string or a number.
class LogValue {
 public:
  LogValue(absl::string_view s) : text_(s), is_number_(false) {}   // NOLINT
  LogValue(const std::string& s) : text_(s), is_number_(false) {}  // NOLINT
  LogValue(const char* s) : text_(s), is_number_(false) {}         // NOLINT
  LogValue(double d) : number_(d), is_number_(true) {}             // NOLINT
  LogValue(int64_t i)
      : number_(static_cast<double>(i)), is_number_(true) {}  // NOLINT
  LogValue(int i) : number_(i), is_number_(true) {}           // NOLINT
  LogValue(uint64_t i)
      : number_(static_cast<double>(i)), is_number_(true) {}  // NOLINT

  bool is_number() const { return is_number_; }
  absl::string_view text() const { return text_; }
  double number() const { return number_; }

 private:
  std::string text_;
  double number_ = 0;
  bool is_number_;
};

using LogField = std::pair<absl::string_view, LogValue>;
// A braced list ({{"key", value}, ...}) or a vector of LogField.
using LogFields = absl::Span<const LogField>;

// Writes one line if `level` is enabled.
void Log(LogLevel level, absl::string_view message, LogFields fields = {});

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_LOG_H_
