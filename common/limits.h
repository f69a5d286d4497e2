// Limits on what factstore accepts, for both services, documented for users
// in docs/limits.md. Requests beyond them are rejected with INVALID_ARGUMENT
// (or RESOURCE_EXHAUSTED for whole-call sizes) naming the field. A read may
// name what a write may store, so the id and name limits serve both.
#ifndef FACTSTORE_COMMON_LIMITS_H_
#define FACTSTORE_COMMON_LIMITS_H_

#include <cstddef>

namespace factstore {

// Items per request.
inline constexpr int kMaxFactsPerRequest = 10000;
inline constexpr int kMaxEntitiesPerRequest = 1000;
inline constexpr int kMaxPredicatesPerRequest = 1000;
inline constexpr int kMaxRetractionsPerRequest = 10000;

// Identifiers: entity ids, document ids, fact ids, request ids.
inline constexpr size_t kMaxIdBytes = 256;
inline constexpr size_t kMaxRequestIdBytes = 128;
inline constexpr size_t kMaxPredicateNameBytes = 128;
inline constexpr size_t kMaxQualifierNameBytes = 64;
inline constexpr size_t kMaxLanguageTagBytes = 35;

// Texts.
inline constexpr size_t kMaxNameBytes = 512;
inline constexpr size_t kMaxDescriptionBytes = 4096;
inline constexpr size_t kMaxTextValueBytes = 4096;
inline constexpr size_t kMaxRawValueBytes = 256;
inline constexpr size_t kMaxQuoteBytes = 4096;
inline constexpr size_t kMaxUrlBytes = 2048;
inline constexpr size_t kMaxTitleBytes = 1024;
inline constexpr size_t kMaxShortTextBytes =
    256;  // publisher, extractor, reason
inline constexpr size_t kMaxExternalIdBytes = 256;

// Repeated fields.
inline constexpr int kMaxAliases = 64;
// Languages an entity has labels in (Entity.labels); each label has at most
// kMaxAliases aliases.
inline constexpr int kMaxLabels = 64;
// Preferred languages of one read (ReadOptions.languages).
inline constexpr int kMaxReadLanguages = 16;
inline constexpr int kMaxExternalIds = 32;
inline constexpr int kMaxQualifiers = 16;
// Qualifier conditions in one ListFacts filter (FactFilter.qualifiers).
inline constexpr int kMaxQualifierFilters = 8;
inline constexpr int kMaxMentionsPerFactInRequest = 64;
inline constexpr int kMaxMentionsPerStoredFact = 1000;
inline constexpr int kMaxUnitsPerPredicate = 64;

// Reads: default and largest page sizes (docs/query.md), ids per batch get,
// the search query.
inline constexpr int kDefaultFactPageSize = 100;
// Groups AggregateFacts returns by default (max_groups; at most kMaxPageSize).
inline constexpr int kDefaultGroups = 100;
inline constexpr int kDefaultSearchPageSize = 20;
inline constexpr int kDefaultEntityPageSize = 100;
inline constexpr int kDefaultPredicatePageSize = 100;
inline constexpr int kMaxPageSize = 1000;
inline constexpr int kMaxBatchGet = 1000;
inline constexpr size_t kMaxSearchQueryBytes = 256;
// Words of one SearchFacts query.
inline constexpr int kMaxSearchWords = 16;

// An erasure touching more facts than this is refused (FAILED_PRECONDITION):
// one erasure is one atomic commit and must fit in memory.
inline constexpr int kMaxFactsPerErasure = 200000;
// A merge touching more facts than this is refused (FAILED_PRECONDITION), for
// the same reason.
inline constexpr int kMaxFactsPerMerge = 200000;
// The most merge redirects a read or an erasure follows from one id before it
// takes the store for damaged. Each merge is into an entity that is not a
// redirect, so chains grow only when a survivor is merged again.
inline constexpr int kMaxRedirectHops = 64;

}  // namespace factstore

#endif  // FACTSTORE_COMMON_LIMITS_H_
