#include "server/env_flags.h"

#include <stdlib.h>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "server/log.h"

namespace factstore::server {

std::vector<std::string> EnvironmentNamesForFlag(
    const std::vector<std::string>& prefixes, const std::string& flag_name) {
  std::vector<std::string> names;
  for (const std::string& prefix : prefixes) {
    names.push_back(absl::StrCat(prefix, absl::AsciiStrToUpper(flag_name)));
  }
  return names;
}

void LogConfiguration(const std::string& message,
                      const std::vector<std::string>& flag_names) {
  std::vector<std::string> values;
  values.reserve(flag_names.size());
  std::vector<LogField> fields;
  for (const std::string& name : flag_names) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) continue;
    std::string value = flag->CurrentValue();
    bool secret = absl::StrContains(name, "token") ||
                  absl::StrContains(name, "password") ||
                  absl::StrContains(name, "secret");
    if (secret && !value.empty()) value = "<redacted>";
    values.push_back(std::move(value));
  }
  size_t i = 0;
  for (const std::string& name : flag_names) {
    if (absl::FindCommandLineFlag(name) == nullptr) continue;
    fields.emplace_back(name, LogValue(values[i++]));
  }
  Log(LogLevel::kInfo, message, fields);
}

absl::Status ApplyEnvironmentToFlags(
    const std::vector<std::string>& prefixes,
    const std::vector<std::string>& flag_names) {
  for (const std::string& name : flag_names) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return absl::InternalError(absl::StrCat("no flag --", name));
    }
    for (const std::string& variable :
         EnvironmentNamesForFlag(prefixes, name)) {
      const char* value = getenv(variable.c_str());
      if (value == nullptr) continue;
      std::string error;
      if (!flag->ParseFrom(value, &error)) {
        return absl::InvalidArgumentError(
            absl::StrCat("environment variable ", variable, "=\"", value,
                         "\" is not a valid value for --", name, ": ", error));
      }
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace factstore::server
