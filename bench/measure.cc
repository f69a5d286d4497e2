#include "bench/measure.h"

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"

namespace factstore::bench {

std::string JsonQuote(absl::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          absl::StrAppend(
              &out, "\\u00",
              absl::Hex(static_cast<unsigned char>(c), absl::kZeroPad2));
        } else {
          out += c;
        }
    }
  }
  out += "\"";
  return out;
}

std::string JsonNumber(double value) {
  if (!std::isfinite(value)) return "null";
  // Six significant digits are plenty for timings and rates.
  char buffer[32];
  snprintf(buffer, sizeof(buffer), "%.6g", value);
  return buffer;
}

Json& Json::Add(absl::string_view key, double value) {
  fields_.emplace_back(std::string(key), JsonNumber(value));
  return *this;
}

Json& Json::Add(absl::string_view key, int64_t value) {
  fields_.emplace_back(std::string(key), absl::StrCat(value));
  return *this;
}

Json& Json::Add(absl::string_view key, bool value) {
  fields_.emplace_back(std::string(key), value ? "true" : "false");
  return *this;
}

Json& Json::Add(absl::string_view key, absl::string_view value) {
  fields_.emplace_back(std::string(key), JsonQuote(value));
  return *this;
}

Json& Json::Add(absl::string_view key, const Json& object) {
  fields_.emplace_back(std::string(key), object.ToString());
  return *this;
}

Json& Json::AddRaw(absl::string_view key, absl::string_view raw) {
  fields_.emplace_back(std::string(key), std::string(raw));
  return *this;
}

std::string Json::ToString() const {
  std::string out = "{";
  for (size_t i = 0; i < fields_.size(); ++i) {
    if (i > 0) out += ", ";
    absl::StrAppend(&out, JsonQuote(fields_[i].first), ": ", fields_[i].second);
  }
  out += "}";
  return out;
}

Percentiles ComputePercentiles(std::vector<float>* samples_ms) {
  Percentiles p;
  if (samples_ms->empty()) return p;
  std::sort(samples_ms->begin(), samples_ms->end());
  const std::vector<float>& s = *samples_ms;
  auto at = [&s](double q) {
    size_t index = static_cast<size_t>(std::ceil(q * s.size()));
    if (index > 0) --index;
    return static_cast<double>(s[std::min(index, s.size() - 1)]);
  };
  double sum = 0;
  for (float v : s) sum += v;
  p.count = static_cast<int64_t>(s.size());
  p.mean = sum / s.size();
  p.p50 = at(0.50);
  p.p90 = at(0.90);
  p.p99 = at(0.99);
  p.p999 = at(0.999);
  p.max = s.back();
  return p;
}

Json PercentilesJson(const Percentiles& p) {
  Json j;
  j.Add("count", p.count)
      .Add("mean", p.mean)
      .Add("p50", p.p50)
      .Add("p90", p.p90)
      .Add("p99", p.p99)
      .Add("p999", p.p999)
      .Add("max", p.max);
  return j;
}

Recorder::Recorder(absl::Time start, absl::Duration warmup,
                   absl::Duration measure)
    : start_(start),
      measure_start_(start + warmup),
      end_(start + warmup + measure) {}

void Recorder::Record(absl::Time started, absl::Time done, bool ok,
                      int64_t items) {
  float latency_ms =
      static_cast<float>(absl::ToDoubleMilliseconds(done - started));
  int second = static_cast<int>(absl::ToDoubleSeconds(done - start_));
  absl::MutexLock lock(&mu_);
  if (second >= 0) {
    if (static_cast<size_t>(second) >= timeline_.size()) {
      timeline_.resize(second + 1);
    }
    Second& s = timeline_[second];
    if (ok) {
      s.ops += 1;
      s.items += items;
      s.latencies_ms.push_back(latency_ms);
    }
  }
  if (done < measure_start_ || done >= end_) return;
  if (!ok) {
    ++errors_;
    return;
  }
  ++ops_;
  items_ += items;
  latencies_ms_.push_back(latency_ms);
}

void Recorder::RecordError(absl::Time done, int code) {
  absl::MutexLock lock(&mu_);
  if (done < measure_start_ || done >= end_) return;
  ++errors_;
  ++error_codes_[code];
}

void Recorder::EndNow(absl::Time now) {
  absl::MutexLock lock(&mu_);
  if (now < end_) end_ = now;
}

int64_t Recorder::counted_ops() const {
  absl::MutexLock lock(&mu_);
  return ops_;
}

int64_t Recorder::counted_items() const {
  absl::MutexLock lock(&mu_);
  return items_;
}

int64_t Recorder::errors() const {
  absl::MutexLock lock(&mu_);
  return errors_;
}

void Recorder::AddSummary(Json* out, bool with_timeline) const {
  absl::MutexLock lock(&mu_);
  double seconds = absl::ToDoubleSeconds(end_ - measure_start_);
  std::vector<float> latencies = latencies_ms_;
  Percentiles p = ComputePercentiles(&latencies);
  out->Add("ops", ops_)
      .Add("items", items_)
      .Add("seconds", seconds)
      .Add("ops_per_s", seconds > 0 ? ops_ / seconds : 0.0)
      .Add("items_per_s", seconds > 0 ? items_ / seconds : 0.0)
      .Add("latency_ms", PercentilesJson(p))
      .Add("errors", errors_);
  Json codes;
  for (const auto& [code, count] : error_codes_) {
    codes.Add(absl::StrCat(code), count);
  }
  out->Add("error_codes", codes);
  if (!with_timeline) return;
  std::string timeline = "[";
  for (size_t i = 0; i < timeline_.size(); ++i) {
    std::vector<float> l = timeline_[i].latencies_ms;
    Percentiles tp = ComputePercentiles(&l);
    if (i > 0) timeline += ", ";
    absl::StrAppend(&timeline, "{\"t\": ", i, ", \"ops\": ", timeline_[i].ops,
                    ", \"items\": ", timeline_[i].items,
                    ", \"p50_ms\": ", JsonNumber(tp.p50),
                    ", \"p99_ms\": ", JsonNumber(tp.p99), "}");
  }
  timeline += "]";
  out->AddRaw("timeline", timeline);
}

double ProcessCpuSeconds() {
  rusage usage;
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& tv) { return tv.tv_sec + tv.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double CpuSecondsOfPid(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string line;
  if (!std::getline(in, line)) return -1;
  // The command name (field 2) may hold spaces; fields after it start past
  // the last ')'.
  size_t paren = line.rfind(')');
  if (paren == std::string::npos) return -1;
  std::vector<absl::string_view> fields =
      absl::StrSplit(absl::string_view(line).substr(paren + 2), ' ');
  // Field 3 (state) is fields[0]; utime is field 14, stime field 15.
  if (fields.size() < 13) return -1;
  int64_t utime = 0, stime = 0;
  if (!absl::SimpleAtoi(fields[11], &utime) ||
      !absl::SimpleAtoi(fields[12], &stime)) {
    return -1;
  }
  return static_cast<double>(utime + stime) / sysconf(_SC_CLK_TCK);
}

int64_t RssBytesOfPid(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (absl::ConsumePrefix(&rest, "VmRSS:")) {
      rest = absl::StripAsciiWhitespace(rest);
      absl::ConsumeSuffix(&rest, " kB");
      int64_t kb = 0;
      if (absl::SimpleAtoi(rest, &kb)) return kb * 1024;
    }
  }
  return -1;
}

void ServerCpu::Start() {
  start_.clear();
  for (pid_t pid : pids_) start_.push_back(CpuSecondsOfPid(pid));
}

void ServerCpu::Stop() {
  stop_.clear();
  for (pid_t pid : pids_) stop_.push_back(CpuSecondsOfPid(pid));
}

Json ServerCpu::ToJson() const {
  Json j;
  for (size_t i = 0; i < pids_.size() && i < start_.size() && i < stop_.size();
       ++i) {
    if (start_[i] < 0 || stop_[i] < 0) continue;
    j.Add(absl::StrCat(pids_[i]), stop_[i] - start_[i]);
  }
  return j;
}

}  // namespace factstore::bench
