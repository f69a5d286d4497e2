// Early-return helpers for absl::Status and absl::StatusOr.
//
// Abseil 20220623 has no public RETURN_IF_ERROR, so factstore defines its own,
// once, here:
//
//   FS_RETURN_IF_ERROR(store->Write(batch));
//   FS_ASSIGN_OR_RETURN(std::unique_ptr<Store> store,
//                       Store::OpenPrimary(path));
#ifndef FACTSTORE_COMMON_STATUS_MACROS_H_
#define FACTSTORE_COMMON_STATUS_MACROS_H_

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

// Evaluates `expr` (an absl::Status) and returns it from the current function
// if it is not OK.
#define FS_RETURN_IF_ERROR(expr)                \
  do {                                          \
    const ::absl::Status fs_status_ = (expr);   \
    if (ABSL_PREDICT_FALSE(!fs_status_.ok())) { \
      return fs_status_;                        \
    }                                           \
  } while (false)

#define FS_STATUS_MACROS_CONCAT_INNER_(x, y) x##y
#define FS_STATUS_MACROS_CONCAT_(x, y) FS_STATUS_MACROS_CONCAT_INNER_(x, y)

// Evaluates `rexpr` (an absl::StatusOr<T>); returns its status from the
// current function if it is not OK, otherwise moves its value into `lhs`,
// which may be a declaration.
#define FS_ASSIGN_OR_RETURN(lhs, rexpr)                                       \
  FS_ASSIGN_OR_RETURN_IMPL_(FS_STATUS_MACROS_CONCAT_(fs_statusor_, __LINE__), \
                            lhs, rexpr)

#define FS_ASSIGN_OR_RETURN_IMPL_(statusor, lhs, rexpr) \
  auto statusor = (rexpr);                              \
  if (ABSL_PREDICT_FALSE(!statusor.ok())) {             \
    return std::move(statusor).status();                \
  }                                                     \
  lhs = std::move(statusor).value()

#endif  // FACTSTORE_COMMON_STATUS_MACROS_H_
