// The benchmark workload: a deterministic population of predicates,
// entities and facts that looks like what factstore is fed (news about
// Vietnam and Korea, in English, Vietnamese and Korean).
//
// Everything is a pure function of (seed, index), so that the program that
// loads a store and the programs that read it later agree on which subjects,
// documents and amounts exist without sharing more than a few flags.
//
//   WorkloadOptions options;
//   options.subjects = 1000;
//   Workload w(options);
//   v1::Fact fact;
//   w.MakeFact(42, &fact);   // fact #42: subject, predicate, raw value, ...
#ifndef FACTSTORE_BENCH_WORKLOAD_H_
#define FACTSTORE_BENCH_WORKLOAD_H_

#include <cstdint>
#include <random>
#include <string>

#include "factstore/v1/ingest_service.pb.h"
#include "factstore/v1/types.pb.h"

namespace factstore::bench {

// splitmix64: a fast, well-mixed hash of a 64-bit value.
uint64_t Mix(uint64_t x);

struct WorkloadOptions {
  uint64_t seed = 1;
  // Subject entities (places, organizations, products); rounded up to a
  // multiple of 10.
  int64_t subjects = 1000;
  // Source documents; fact i cites document (i / 20) % documents, so an
  // article yields about 20 facts.
  int64_t documents = 5000;
};

// Facts per source document.
inline constexpr int64_t kFactsPerDocument = 20;

class Workload {
 public:
  explicit Workload(WorkloadOptions options);

  const WorkloadOptions& options() const { return options_; }

  // The predicates facts use: six quantity predicates (money, counts of
  // people and organizations, percentages); one has cardinality ONE.
  v1::RegisterPredicatesRequest Predicates() const;

  // Subject entity k (0 <= k < subjects): k % 10 in 0-2 is a place
  // ("place:p-k"), 3-7 an organization ("org:o-k"), 8-9 a product
  // ("product:m-k"); k / 10 % 3 picks the language of its name.
  v1::Entity Subject(int64_t k) const;
  std::string SubjectId(int64_t k) const;
  // Source document k: "doc:news-k", type DOCUMENT, titled in its language.
  v1::Entity Document(int64_t k) const;
  std::string DocumentId(int64_t k) const;
  // Entity k of the search population: people, organizations and places
  // with Vietnamese, Korean or English names ("person:s-k", ...).
  v1::Entity SearchEntity(int64_t k) const;

  // Fact i: a subject (skewed: a fifth of the facts are about 1% of the
  // subjects), a predicate, a raw value to normalize ("US$1,234.5 million",
  // "khoảng 12.345 người", "약 12,345명"), a raw valid time, and one mention
  // with a 150-character quote. Values grow with i, so every fact is a new
  // claim.
  void MakeFact(int64_t i, v1::Fact* fact) const;

  // A ListFacts range query over the population of `facts` facts: a money
  // predicate, its unit, and a lower bound picked with `r`; the range is
  // open above, so the first page is full.
  struct RangeQuery {
    std::string predicate;
    std::string unit;
    std::string min;
  };
  RangeQuery RandomRange(uint64_t r, int64_t facts) const;

  // A name prefix to search for (2 to 6 characters of a name of the search
  // population of `entities`), picked with `r`.
  std::string SearchPrefix(uint64_t r, int64_t entities) const;

  // A SearchFacts query, picked with `rng`: the name of a random subject
  // that is an English-named place or organization ("Riverview Holdings"),
  // a rare compound word and a common one, both in the quotes of that
  // subject's facts (the common one in many others' too).
  std::string SearchQuery(std::mt19937_64& rng) const;

 private:
  WorkloadOptions options_;
};

}  // namespace factstore::bench

#endif  // FACTSTORE_BENCH_WORKLOAD_H_
