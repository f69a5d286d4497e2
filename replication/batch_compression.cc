#include "replication/batch_compression.h"

#include <lz4.h>

#include <limits>

#include "absl/strings/str_cat.h"

namespace factstore::replication {

absl::StatusOr<std::string> CompressBatch(absl::string_view batch) {
  if (batch.size() > static_cast<size_t>(LZ4_MAX_INPUT_SIZE)) {
    return absl::InvalidArgumentError("write batch too large to compress");
  }
  std::string out(LZ4_compressBound(static_cast<int>(batch.size())), '\0');
  int written = LZ4_compress_default(batch.data(), out.data(),
                                     static_cast<int>(batch.size()),
                                     static_cast<int>(out.size()));
  if (written <= 0)
    return absl::InternalError("LZ4 could not compress a batch");
  out.resize(static_cast<size_t>(written));
  return out;
}

absl::StatusOr<std::string> DecompressBatch(absl::string_view compressed,
                                            size_t size) {
  if (size > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      compressed.size() >
          static_cast<size_t>(std::numeric_limits<int>::max())) {
    return absl::InvalidArgumentError("compressed batch too large");
  }
  std::string out(size, '\0');
  int read = LZ4_decompress_safe(compressed.data(), out.data(),
                                 static_cast<int>(compressed.size()),
                                 static_cast<int>(size));
  if (read < 0 || static_cast<size_t>(read) != size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the compressed batch does not decompress to its ", size, " bytes"));
  }
  return out;
}

}  // namespace factstore::replication
