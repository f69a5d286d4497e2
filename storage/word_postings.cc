#include "storage/word_postings.h"

#include <algorithm>
#include <array>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/remembered_words.h"
#include "common/status_macros.h"
#include "normalizer/search_terms.h"
#include "storage/key_codec.h"
#include "storage/store.h"

namespace factstore::storage {

namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

// The value of each byte as a lowercase hex digit, or -1.
constexpr std::array<int8_t, 256> kHexValues = [] {
  std::array<int8_t, 256> values{};
  for (int c = 0; c < 256; ++c) {
    values[c] = c >= '0' && c <= '9'   ? static_cast<int8_t>(c - '0')
                : c >= 'a' && c <= 'f' ? static_cast<int8_t>(c - 'a' + 10)
                                       : int8_t{-1};
  }
  return values;
}();

// Appends the kDerivedFactIdBytes that `fact_id`'s digits spell to `out`,
// if it has the derived shape (IsDerivedFactId); false (and nothing
// appended) if not. Written out rather than with absl::HexStringToBytes,
// which returns a new string for each id, and checked as it decodes: a
// commit adds tens of thousands of ids, and this runs on the committer.
bool AppendDerivedIdBytes(absl::string_view fact_id, std::string* out) {
  if (fact_id.size() != kDerivedFactIdPrefix.size() + 2 * kDerivedFactIdBytes ||
      !absl::StartsWith(fact_id, kDerivedFactIdPrefix)) {
    return false;
  }
  char bytes[kDerivedFactIdBytes];
  const absl::string_view digits = fact_id.substr(kDerivedFactIdPrefix.size());
  for (size_t i = 0; i < kDerivedFactIdBytes; ++i) {
    const int high = kHexValues[static_cast<unsigned char>(digits[2 * i])];
    const int low = kHexValues[static_cast<unsigned char>(digits[2 * i + 1])];
    if ((high | low) < 0) return false;
    bytes[i] = static_cast<char>((high << 4) | low);
  }
  out->append(bytes, kDerivedFactIdBytes);
  return true;
}

}  // namespace

void AddPostingFactId(absl::string_view fact_id, WordPosting* posting) {
  if (!AppendDerivedIdBytes(fact_id, posting->mutable_derived_ids())) {
    posting->add_fact_ids(fact_id.data(), fact_id.size());
  }
}

bool PostingIsEmpty(const WordPosting& posting) {
  return posting.derived_ids().empty() && posting.fact_ids().empty();
}

absl::Status ForEachPostingFactId(
    const WordPosting& posting,
    absl::FunctionRef<absl::Status(absl::string_view fact_id)> visit) {
  const std::string& derived = posting.derived_ids();
  if (derived.size() % kDerivedFactIdBytes != 0) {
    return absl::DataLossError(
        absl::StrCat("a word posting's derived ids take ", derived.size(),
                     " bytes, not a multiple of ", kDerivedFactIdBytes));
  }
  // The same in reverse, by hand for the same reason: SearchFacts reads
  // thousands of ids a call.
  char id[kDerivedFactIdPrefix.size() + 2 * kDerivedFactIdBytes];
  kDerivedFactIdPrefix.copy(id, kDerivedFactIdPrefix.size());
  for (size_t at = 0; at < derived.size(); at += kDerivedFactIdBytes) {
    char* digit = id + kDerivedFactIdPrefix.size();
    for (size_t i = 0; i < kDerivedFactIdBytes; ++i) {
      const auto byte = static_cast<unsigned char>(derived[at + i]);
      *digit++ = kHexDigits[byte >> 4];
      *digit++ = kHexDigits[byte & 0xf];
    }
    FS_RETURN_IF_ERROR(visit(absl::string_view(id, sizeof(id))));
  }
  for (const std::string& fact_id : posting.fact_ids()) {
    FS_RETURN_IF_ERROR(visit(fact_id));
  }
  return absl::OkStatus();
}

std::vector<WordText> FactWordTexts(const FactRecord& record) {
  std::vector<WordText> texts;
  const v1::Fact& fact = record.content();
  if (fact.value().kind_case() == v1::Value::kText) {
    texts.push_back(
        {fact.value().text().text(),
         record.revisions().empty() ? 0 : record.revisions(0).commit()});
  }
  for (const MentionRecord& m : record.mentions()) {
    if (!m.mention().quote().empty()) {
      texts.push_back({m.mention().quote(), m.commit()});
    }
  }
  // Each text once, with its oldest commit.
  std::sort(texts.begin(), texts.end());
  texts.erase(std::unique(texts.begin(), texts.end(),
                          [](const WordText& a, const WordText& b) {
                            return a.text == b.text;
                          }),
              texts.end());
  return texts;
}

std::vector<uint64_t> TextWordHashes(absl::string_view text) {
  // What a word gives, remembered per thread: the words of news repeat far
  // more than their texts do, and a word met before then costs one lookup
  // instead of folding, cutting into terms, stemming and hashing. An erasure
  // forgets them (common/remembered_words.h). Most words give one term, so
  // their hashes stay inline.
  using WordHashes = absl::InlinedVector<uint64_t, 2>;
  thread_local RememberedWords<WordHashes> remembered(/*capacity=*/1 << 16);
  std::vector<uint64_t> hashes;
  normalizer::ForEachSearchWord(text, [&hashes](absl::string_view word) {
    const WordHashes of_word = remembered.Get(word, [](absl::string_view w) {
      WordHashes computed;
      for (const std::string& term : normalizer::WordSearchTerms(w)) {
        computed.push_back(WordHash(normalizer::SearchStem(term)));
      }
      return computed;
    });
    hashes.insert(hashes.end(), of_word.begin(), of_word.end());
  });
  std::sort(hashes.begin(), hashes.end());
  hashes.erase(std::unique(hashes.begin(), hashes.end()), hashes.end());
  return hashes;
}

std::vector<PostingRef> WordPostings(const std::vector<WordText>& texts,
                                     const CutTexts* cut) {
  std::vector<PostingRef> postings;
  std::vector<uint64_t> cut_here;
  for (const WordText& text : texts) {
    const std::vector<uint64_t>* hashes = nullptr;
    if (cut != nullptr) {
      if (auto it = cut->find(text.text); it != cut->end()) hashes = it->second;
    }
    if (hashes == nullptr) {
      cut_here = TextWordHashes(text.text);
      hashes = &cut_here;
    }
    for (uint64_t hash : *hashes)
      postings.push_back(PostingRef{hash, text.commit});
  }
  std::sort(postings.begin(), postings.end());
  postings.erase(std::unique(postings.begin(), postings.end()), postings.end());
  return postings;
}

std::vector<PostingRef> FactWordPostings(const FactRecord& record) {
  return WordPostings(FactWordTexts(record));
}

WordPostingEdits::IdSpan WordPostingEdits::Keep(absl::string_view id) {
  // A fact's edits come one after the other (a posting for each of its
  // words): its id is kept once for all of them, which keeps id_bytes_
  // small enough to stay in cache while ForEachChange sorts.
  if (last_kept_.has_value() && Id(*last_kept_) == id) return *last_kept_;
  IdSpan span{static_cast<uint32_t>(id_bytes_.size()),
              static_cast<uint32_t>(id.size())};
  id_bytes_.append(id.data(), id.size());
  last_kept_ = span;
  return span;
}

absl::StatusOr<WordPostingEdits::Posting*> WordPostingEdits::Touch(
    const PostingRef& ref) {
  auto [it, inserted] = postings_.try_emplace(ref);
  if (!inserted) return &it->second;
  if (new_commit_ == 0 || ref.commit != new_commit_) {
    absl::StatusOr<WordPosting> stored =
        store_.ReadWordPosting(WordPostingKey(ref.word_hash, ref.commit));
    if (!stored.ok()) {
      postings_.erase(it);
      return stored.status();
    }
    std::vector<IdSpan>& ids = it->second.stored;
    absl::Status listed =
        ForEachPostingFactId(*stored, [&](absl::string_view id) {
          ids.push_back(Keep(id));
          return absl::OkStatus();
        });
    if (!listed.ok()) {
      postings_.erase(it);
      return listed;
    }
  }
  return &it->second;
}

absl::Status WordPostingEdits::Add(const PostingRef& posting,
                                   absl::string_view fact_id) {
  FS_ASSIGN_OR_RETURN(Posting * edited, Touch(posting));
  edited->edits.push_back({Keep(fact_id), calls_++, /*add=*/true});
  return absl::OkStatus();
}

absl::Status WordPostingEdits::Remove(const PostingRef& posting,
                                      absl::string_view fact_id) {
  FS_ASSIGN_OR_RETURN(Posting * edited, Touch(posting));
  edited->edits.push_back({Keep(fact_id), calls_++, /*add=*/false});
  return absl::OkStatus();
}

absl::Status WordPostingEdits::ForEachChange(
    const std::function<absl::Status(const std::string& key,
                                     const std::string* value)>& visit) {
  std::vector<std::pair<PostingRef, Posting*>> order;
  order.reserve(postings_.size());
  for (auto& [ref, posting] : postings_) order.push_back({ref, &posting});
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  auto id_less = [this](IdSpan a, IdSpan b) { return Id(a) < Id(b); };
  auto id_equal = [this](IdSpan a, IdSpan b) { return Id(a) == Id(b); };
  WordPosting record;
  std::string key;
  std::string value;
  std::vector<IdSpan> ids;
  std::vector<IdSpan> edited;  // the ids an edit names, in id order
  for (auto& [ref, posting] : order) {
    // The last edit of each id decides; the stored ids no edit names stay.
    // Edits of one id are ordered by call: std::sort with the call as the
    // tie-break instead of std::stable_sort, which takes a buffer from the
    // heap for every posting.
    // The edits of a commit's facts, written in id order, come sorted: a
    // look saves the sort.
    std::vector<Edit>& edits = posting->edits;
    auto edit_less = [&](const Edit& a, const Edit& b) {
      // The same span is the same id (Keep hands a span out again).
      if (a.id.offset == b.id.offset && a.id.size == b.id.size) {
        return a.call < b.call;
      }
      const int order = Id(a.id).compare(Id(b.id));
      return order != 0 ? order < 0 : a.call < b.call;
    };
    if (!std::is_sorted(edits.begin(), edits.end(), edit_less)) {
      std::sort(edits.begin(), edits.end(), edit_less);
    }
    edited.clear();
    ids.clear();
    for (size_t i = 0; i < edits.size(); ++i) {
      if (i + 1 < edits.size() && id_equal(edits[i].id, edits[i + 1].id)) {
        continue;
      }
      edited.push_back(edits[i].id);
      if (edits[i].add) ids.push_back(edits[i].id);
    }
    // The ids of the edits are in order and each once; only stored ids
    // need sorting in.
    if (!posting->stored.empty()) {
      for (IdSpan id : posting->stored) {
        if (!std::binary_search(edited.begin(), edited.end(), id, id_less)) {
          ids.push_back(id);
        }
      }
      std::sort(ids.begin(), ids.end(), id_less);
      ids.erase(std::unique(ids.begin(), ids.end(), id_equal), ids.end());
    }
    record.Clear();
    record.mutable_derived_ids()->reserve(ids.size() * kDerivedFactIdBytes);
    for (IdSpan id : ids) AddPostingFactId(Id(id), &record);
    key = WordPostingKey(ref.word_hash, ref.commit);
    if (PostingIsEmpty(record)) {
      FS_RETURN_IF_ERROR(visit(key, nullptr));
      continue;
    }
    record.SerializeToString(&value);
    FS_RETURN_IF_ERROR(visit(key, &value));
  }
  postings_.clear();
  id_bytes_.clear();
  last_kept_.reset();
  calls_ = 0;
  return absl::OkStatus();
}

}  // namespace factstore::storage
