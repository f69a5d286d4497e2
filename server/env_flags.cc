#include "server/env_flags.h"

#include <stdlib.h>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/reflection.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace factstore::server {

std::vector<std::string> EnvironmentNamesForFlag(
    const std::vector<std::string>& prefixes, const std::string& flag_name) {
  std::vector<std::string> names;
  for (const std::string& prefix : prefixes) {
    names.push_back(absl::StrCat(prefix, absl::AsciiStrToUpper(flag_name)));
  }
  return names;
}

absl::Status ApplyEnvironmentToFlags(const std::vector<std::string>& prefixes,
                                     const std::vector<std::string>& flag_names) {
  for (const std::string& name : flag_names) {
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr) {
      return absl::InternalError(absl::StrCat("no flag --", name));
    }
    for (const std::string& variable : EnvironmentNamesForFlag(prefixes, name)) {
      const char* value = getenv(variable.c_str());
      if (value == nullptr) continue;
      std::string error;
      if (!flag->ParseFrom(value, &error)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "environment variable ", variable, "=\"", value,
            "\" is not a valid value for --", name, ": ", error));
      }
      break;
    }
  }
  return absl::OkStatus();
}

}  // namespace factstore::server
