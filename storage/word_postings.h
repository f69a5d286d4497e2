// The word index of SearchFacts as postings (key_codec.h WordPostingKey):
// which postings a fact belongs in, and the edits one write batch makes to
// them.
//
// A fact is in the posting of word W and commit C when a text of its record
// that C brought holds W (normalizer::SearchTerms, stemmed by SearchStem):
//  - its text value, brought by the commit that asserted the fact (its first
//    revision's);
//  - each quote its record holds, brought by the oldest mention quoting it.
// A fact record therefore determines its postings (FactWordPostings), and
// a write changes them by the difference between the stored record's
// postings and the new one's, like every other index entry (CommitBatch).
// New facts land in postings of the commit being written, which no earlier
// write made: a commit of many facts writes each of its words once, without
// reading anything.
#ifndef FACTSTORE_STORAGE_WORD_POSTINGS_H_
#define FACTSTORE_STORAGE_WORD_POSTINGS_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "storage/records.pb.h"

namespace factstore::storage {

class Store;

// A text of a fact record and the commit that brought it.
struct WordText {
  absl::string_view text;
  uint64_t commit;
  bool operator==(const WordText& other) const {
    return text == other.text && commit == other.commit;
  }
  // By text, then commit.
  bool operator<(const WordText& other) const {
    return text != other.text ? text < other.text : commit < other.commit;
  }
};

// The texts of `record` whose words are indexed: its text value and every
// quote it holds (replaced mentions' too, which time travel still shows),
// sorted by text, each once, with the commit that brought it. The views
// point into `record`.
std::vector<WordText> FactWordTexts(const FactRecord& record);

// One word posting: the word's hash (key_codec.h WordHash) and the commit.
struct PostingRef {
  uint64_t word_hash;
  uint64_t commit;
  bool operator==(const PostingRef& other) const {
    return word_hash == other.word_hash && commit == other.commit;
  }
  bool operator<(const PostingRef& other) const {
    return word_hash != other.word_hash ? word_hash < other.word_hash
                                        : commit < other.commit;
  }
  template <typename H>
  friend H AbslHashValue(H h, const PostingRef& ref) {
    return H::combine(std::move(h), ref.word_hash, ref.commit);
  }
};

// The hashes (key_codec.h WordHash) of the stems of the words of `text`
// (normalizer::SearchTerms, SearchStem), sorted, each once. Cutting texts
// into words is the costly part of indexing a fact.
std::vector<uint64_t> TextWordHashes(absl::string_view text);

// A text whose words were cut ahead of the commit that indexes them. The
// text is a view; its owner keeps it alive as long as the CutText.
struct CutText {
  absl::string_view text;
  std::vector<uint64_t> word_hashes;  // TextWordHashes(text)
};

// Texts cut ahead, by text: the ingest service cuts a request's texts on the
// thread that prepares it, so that the committer, which every write waits
// for, does not. The views belong to the caller.
using CutTexts =
    absl::flat_hash_map<absl::string_view, const std::vector<uint64_t>*>;

// The postings of the words of `texts`, sorted (in key order), each once;
// the words of those in `cut` (if not null) are taken from it.
std::vector<PostingRef> WordPostings(const std::vector<WordText>& texts,
                                     const CutTexts* cut = nullptr);

// FactWordPostings(r) == WordPostings(FactWordTexts(r)).
std::vector<PostingRef> FactWordPostings(const FactRecord& record);

// How a WordPosting holds its fact ids (schema version 6): an id of the
// shape every new fact gets (ingest_service/fact_identity.h: "f_" and 32
// lowercase hex digits) as the 16 bytes its digits spell, in derived_ids;
// any other id (facts stored by older builds may have one) as it is, in
// fact_ids. Postings of schema version 5 hold every id in fact_ids.

// Adds `fact_id` to `posting`. Ids added in ascending order keep each field
// ascending, as WordPosting requires.
void AddPostingFactId(absl::string_view fact_id, WordPosting* posting);

// True if `posting` lists no fact.
bool PostingIsEmpty(const WordPosting& posting);

// Calls `visit` with each fact id of `posting`, the derived ones first, and
// stops at the first error it returns. The view passed is valid during the
// call only. DATA_LOSS if derived_ids is not a whole number of ids.
absl::Status ForEachPostingFactId(
    const WordPosting& posting,
    absl::FunctionRef<absl::Status(absl::string_view fact_id)> visit);

// The postings one write batch changes, each read from the store (if it may
// exist there) the first time the batch touches it and written once.
// Not thread-safe.
class WordPostingEdits {
 public:
  // `new_commit`: the commit the batch writes, whose postings no earlier
  // write made (so they are not read); 0 when the batch has no commit of
  // its own (then every posting is read).
  WordPostingEdits(const Store& store, uint64_t new_commit)
      : store_(store), new_commit_(new_commit) {}
  WordPostingEdits(const WordPostingEdits&) = delete;
  WordPostingEdits& operator=(const WordPostingEdits&) = delete;

  // Puts `fact_id` in, or takes it out of, `posting`; for one posting and
  // fact the last call of the batch decides.
  absl::Status Add(const PostingRef& posting, absl::string_view fact_id);
  absl::Status Remove(const PostingRef& posting, absl::string_view fact_id);

  // Calls `visit` with every posting changed, in key order: its key and its
  // new value, or null when it is left empty (to be deleted).
  absl::Status ForEachChange(
      const std::function<absl::Status(const std::string& key,
                                       const std::string* value)>& visit);

 private:
  // A fact id in id_bytes_. A batch of thousands of facts adds tens of
  // thousands of ids: one buffer instead of a string each keeps them off the
  // allocator, which was a tenth of the ingest server's CPU.
  struct IdSpan {
    uint32_t offset;
    uint32_t size;
  };
  struct Edit {
    IdSpan id;
    uint32_t call;  // the edit's place among the batch's calls
    bool add;
  };
  struct Posting {
    std::vector<IdSpan> stored;  // the ids stored before the batch
    std::vector<Edit> edits;     // in the order of the calls
  };
  absl::StatusOr<Posting*> Touch(const PostingRef& ref);
  IdSpan Keep(absl::string_view id);
  absl::string_view Id(IdSpan span) const {
    return absl::string_view(id_bytes_).substr(span.offset, span.size);
  }

  const Store& store_;
  const uint64_t new_commit_;
  absl::flat_hash_map<PostingRef, Posting> postings_;
  std::string id_bytes_;
  std::optional<IdSpan> last_kept_;  // the span Keep returned last
  uint32_t calls_ = 0;               // Add and Remove calls so far
};

}  // namespace factstore::storage

#endif  // FACTSTORE_STORAGE_WORD_POSTINGS_H_
