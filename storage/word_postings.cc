#include "storage/word_postings.h"

#include <algorithm>
#include <iterator>
#include <utility>

#include "common/status_macros.h"
#include "normalizer/search_terms.h"
#include "storage/key_codec.h"
#include "storage/store.h"

namespace factstore::storage {

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
  std::sort(texts.begin(), texts.end(),
            [](const WordText& a, const WordText& b) {
              return a.text != b.text ? a.text < b.text : a.commit < b.commit;
            });
  texts.erase(std::unique(texts.begin(), texts.end(),
                          [](const WordText& a, const WordText& b) {
                            return a.text == b.text;
                          }),
              texts.end());
  return texts;
}

std::vector<std::string> WordPostingKeys(const std::vector<WordText>& texts) {
  std::vector<std::string> keys;
  for (const WordText& text : texts) {
    for (const std::string& term : normalizer::SearchTerms(text.text)) {
      keys.push_back(
          WordPostingKey(WordHash(normalizer::SearchStem(term)), text.commit));
    }
  }
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  return keys;
}

std::vector<std::string> FactWordPostingKeys(const FactRecord& record) {
  return WordPostingKeys(FactWordTexts(record));
}

absl::StatusOr<WordPostingEdits::Posting*> WordPostingEdits::Touch(
    const std::string& key) {
  auto [it, inserted] = postings_.try_emplace(key);
  if (!inserted) return &it->second;
  uint64_t word_hash = 0;
  uint64_t commit = 0;
  if (!DecodeWordPostingKey(key, &word_hash, &commit)) {
    postings_.erase(it);
    return absl::InternalError("not a word posting key");
  }
  if (new_commit_ == 0 || commit != new_commit_) {
    absl::StatusOr<WordPosting> stored = store_.ReadWordPosting(key);
    if (!stored.ok()) {
      postings_.erase(it);
      return stored.status();
    }
    for (std::string& id : *stored->mutable_fact_ids()) {
      it->second.ids.push_back(std::move(id));
    }
  }
  return &it->second;
}

absl::Status WordPostingEdits::Add(const std::string& key,
                                   absl::string_view fact_id) {
  FS_ASSIGN_OR_RETURN(Posting * posting, Touch(key));
  posting->ids.emplace_back(fact_id);
  return absl::OkStatus();
}

absl::Status WordPostingEdits::Remove(const std::string& key,
                                      absl::string_view fact_id) {
  FS_ASSIGN_OR_RETURN(Posting * posting, Touch(key));
  posting->removed.emplace_back(fact_id);
  return absl::OkStatus();
}

absl::Status WordPostingEdits::ForEachChange(
    const std::function<absl::Status(const std::string& key,
                                     const std::string* value)>& visit) {
  std::vector<std::pair<const std::string*, Posting*>> order;
  order.reserve(postings_.size());
  for (auto& [key, posting] : postings_) order.push_back({&key, &posting});
  std::sort(order.begin(), order.end(),
            [](const auto& a, const auto& b) { return *a.first < *b.first; });
  WordPosting record;
  std::string value;
  for (auto& [key, posting] : order) {
    std::vector<std::string>& ids = posting->ids;
    std::sort(ids.begin(), ids.end());
    ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
    if (!posting->removed.empty()) {
      std::sort(posting->removed.begin(), posting->removed.end());
      std::vector<std::string> kept;
      std::set_difference(std::make_move_iterator(ids.begin()),
                          std::make_move_iterator(ids.end()),
                          posting->removed.begin(), posting->removed.end(),
                          std::back_inserter(kept));
      ids = std::move(kept);
    }
    if (ids.empty()) {
      FS_RETURN_IF_ERROR(visit(*key, nullptr));
      continue;
    }
    record.Clear();
    for (std::string& id : ids) record.add_fact_ids(std::move(id));
    record.SerializeToString(&value);
    FS_RETURN_IF_ERROR(visit(*key, &value));
  }
  postings_.clear();
  return absl::OkStatus();
}

}  // namespace factstore::storage
