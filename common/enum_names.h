// Short names of protobuf enum values for messages and tables: the value's
// name without its type's prefix, as the style guide writes enums
// (EntityType ENTITY_TYPE_PLACE -> "PLACE").
//
//   ShortEnumName(v1::MODALITY_REPORTED)  // "REPORTED"
//   ShortEnumName(static_cast<v1::EntityType>(99))  // "99"
//
// A value the descriptor does not know (sent by a newer peer, or read from
// a newer store) is shown as its number, never as an empty or cut string.
#ifndef FACTSTORE_COMMON_ENUM_NAMES_H_
#define FACTSTORE_COMMON_ENUM_NAMES_H_

#include <string>

#include "google/protobuf/descriptor.h"
#include "google/protobuf/generated_enum_reflection.h"

namespace factstore {

// `number`'s name in `type` without the prefix that `type`'s name gives
// (CamelCase to UPPER_SNAKE_CASE, then "_"); the whole name if it lacks that
// prefix; the number in decimal if `type` has no such value.
std::string ShortEnumName(const google::protobuf::EnumDescriptor* type,
                          int number);

template <typename Enum>
std::string ShortEnumName(Enum value) {
  return ShortEnumName(google::protobuf::GetEnumDescriptor<Enum>(),
                       static_cast<int>(value));
}

}  // namespace factstore

#endif  // FACTSTORE_COMMON_ENUM_NAMES_H_
