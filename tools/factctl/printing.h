// How factctl shows results: JSON (the protobuf JSON mapping, one object per
// line; the default when stdout is not a terminal) or readable tables.
#ifndef FACTSTORE_TOOLS_FACTCTL_PRINTING_H_
#define FACTSTORE_TOOLS_FACTCTL_PRINTING_H_

#include <ostream>
#include <string>
#include <vector>

#include "factstore/v1/ingest_service.pb.h"
#include "factstore/v1/query_service.pb.h"
#include "factstore/v1/types.pb.h"
#include "google/protobuf/message.h"

namespace factstore::tools {

// One message as a single line of JSON.
std::string ToJsonLine(const google::protobuf::Message& message);

// A short readable form of a value: "≈ 53000 person", "place:seoul",
// "2024-08-02", "\"text\"".
std::string DescribeValue(const v1::Value& value);

// Prints rows under a header, columns padded to their widest cell.
void PrintTable(std::ostream& out, const std::vector<std::string>& header,
                const std::vector<std::vector<std::string>>& rows);

std::vector<std::string> FactRow(const v1::Fact& fact);
std::vector<std::string> FactHeader();
std::vector<std::string> EntityRow(const v1::Entity& entity);
std::vector<std::string> EntityHeader();
// A value ParseText found: its span, text, kind and normalized form.
std::vector<std::string> TextValueRow(const v1::TextValue& value);
std::vector<std::string> TextValueHeader();

}  // namespace factstore::tools

#endif  // FACTSTORE_TOOLS_FACTCTL_PRINTING_H_
