#include "server/log.h"

#include <unistd.h>

#include <atomic>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"

namespace factstore::server {
namespace {

std::atomic<int> min_level{static_cast<int>(LogLevel::kInfo)};

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "info";
}

}  // namespace

bool ParseLogLevel(absl::string_view text, LogLevel* level) {
  std::string lower = absl::AsciiStrToLower(text);
  for (LogLevel l : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                     LogLevel::kError}) {
    if (lower == LevelName(l)) {
      *level = l;
      return true;
    }
  }
  return false;
}

void SetLogLevel(LogLevel level) { min_level = static_cast<int>(level); }

bool LogEnabled(LogLevel level) {
  return static_cast<int>(level) >= min_level.load(std::memory_order_relaxed);
}

void Log(LogLevel level, absl::string_view message, LogFields fields) {
  if (!LogEnabled(level)) return;
  // protobuf's JSON mapping does the escaping; log lines are rare enough
  // (nothing per successful RPC at the default level) for its cost.
  google::protobuf::Struct line;
  auto& out = *line.mutable_fields();
  out["time"].set_string_value(absl::FormatTime(
      "%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone()));
  out["level"].set_string_value(LevelName(level));
  out["msg"].set_string_value(std::string(message));
  for (const auto& [key, value] : fields) {
    if (value.is_number()) {
      out[std::string(key)].set_number_value(value.number());
    } else {
      out[std::string(key)].set_string_value(std::string(value.text()));
    }
  }
  std::string json;
  if (!google::protobuf::util::MessageToJsonString(line, &json).ok()) return;
  json.push_back('\n');
  // One write(2) per line keeps concurrent lines whole.
  ssize_t ignored = write(STDERR_FILENO, json.data(), json.size());
  (void)ignored;
}

bool LogThrottle::Due(absl::Time now, int64_t* held_back) {
  if (last_line_ != absl::InfinitePast() && now - last_line_ < interval_) {
    ++held_back_;
    return false;
  }
  *held_back = held_back_;
  held_back_ = 0;
  last_line_ = now;
  return true;
}

void LogThrottle::Reset() {
  last_line_ = absl::InfinitePast();
  held_back_ = 0;
}

}  // namespace factstore::server
