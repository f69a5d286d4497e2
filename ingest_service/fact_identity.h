// Content-derived fact ids: the same claim always gets the same id.
//
// The id hashes the normalized identity of a claim (subject, predicate,
// value, valid time and qualifiers; not its modality, rank, mentions or
// surface texts), so "US$85.9 billion" and "85,9 tỷ USD" said of the same
// subject and time are one fact with two mentions.
//
//   DeriveFactId(fact)  -> "f_3b0c...": "f_" and 32 hex digits (128 bits
//                          of SHA-256), the shape storage/key_codec.h
//                          defines (storage::IsDerivedFactId)
#ifndef FACTSTORE_INGEST_SERVICE_FACT_IDENTITY_H_
#define FACTSTORE_INGEST_SERVICE_FACT_IDENTITY_H_

#include <string>

#include "factstore/v1/types.pb.h"

namespace factstore::ingest {

// REQUIRES: `fact` is normalized (ids resolved, values canonical).
std::string DeriveFactId(const v1::Fact& fact);

}  // namespace factstore::ingest

#endif  // FACTSTORE_INGEST_SERVICE_FACT_IDENTITY_H_
