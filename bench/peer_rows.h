// The rows the PostgreSQL peer stores: one line per fact, in PostgreSQL's
// COPY text format, holding what factstore stored for the fact (its id, the
// normalized value and valid time, the mention with its quote). The load
// generator writes them from factstore's own answers (export_facts), so both
// systems hold the same facts; the peer benchmark loads and reads them.
//
// Columns, in order (kPeerColumns): the facts table's, then the mention's.
#ifndef FACTSTORE_BENCH_PEER_ROWS_H_
#define FACTSTORE_BENCH_PEER_ROWS_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "factstore/v1/types.pb.h"

namespace factstore::bench {

// Columns of the facts table, then of the mentions table (without its
// fact_id, which is the row's id).
inline constexpr int kPeerFactColumns = 12;
inline constexpr int kPeerMentionColumns = 8;
inline constexpr int kPeerColumns = kPeerFactColumns + kPeerMentionColumns;

// One COPY text line for `fact` (its first mention), without the newline.
std::string PeerRow(const v1::Fact& fact);

// The fields of a PeerRow line, unescaped; a null field (\N) is an empty
// string with true in `nulls`. False if the line does not have kPeerColumns
// fields.
bool SplitPeerRow(absl::string_view line, std::vector<std::string>* fields,
                  std::vector<bool>* nulls);

}  // namespace factstore::bench

#endif  // FACTSTORE_BENCH_PEER_ROWS_H_
