// LZ4 for the write batches the commit log carries. A commit's write batch
// repeats key prefixes and record layouts from one record to the next and
// shrinks about four times, which is that much less for NATS to replicate,
// store and send to every replica.
#ifndef FACTSTORE_REPLICATION_BATCH_COMPRESSION_H_
#define FACTSTORE_REPLICATION_BATCH_COMPRESSION_H_

#include <cstddef>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace factstore::replication {

// LZ4 block of `batch` (decompressing it needs batch.size()).
// INVALID_ARGUMENT for a batch LZ4 cannot take (2 GiB or more).
absl::StatusOr<std::string> CompressBatch(absl::string_view batch);

// The batch of `compressed`, which must decompress to exactly `size` bytes;
// INVALID_ARGUMENT otherwise.
absl::StatusOr<std::string> DecompressBatch(absl::string_view compressed,
                                            size_t size);

}  // namespace factstore::replication

#endif  // FACTSTORE_REPLICATION_BATCH_COMPRESSION_H_
