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
#include "absl/time/time.h"
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

// Lets a line that would repeat many times a second (a failure retried on a
// short timer) through at most once per interval, and counts the ones held
// back so that the next line can say how many there were:
//
//   int64_t held_back;
//   if (throttle.Due(absl::Now(), &held_back)) {
//     Log(LogLevel::kWarning, "catch-up failed", {{"not_logged", held_back}});
//   }
//
// Written here because Abseil's LOG_EVERY_N_SEC comes with absl/log, which
// the Abseil this builds with (20220623) does not have. Not thread-safe.
class LogThrottle {
 public:
  explicit LogThrottle(absl::Duration interval) : interval_(interval) {}

  // True if a line is due at `now`: the first call, and then the first call
  // at least one interval after the last line. When true, `*held_back` is
  // the number of calls since the last line that were not due.
  bool Due(absl::Time now, int64_t* held_back);
  // Starts over, as if no line had been let through yet.
  void Reset();

 private:
  const absl::Duration interval_;
  absl::Time last_line_ = absl::InfinitePast();
  int64_t held_back_ = 0;
};

}  // namespace factstore::server

#endif  // FACTSTORE_SERVER_LOG_H_
