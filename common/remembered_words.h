// RememberedWords: a per-thread cache of what is computed from words and
// other short texts (folded forms, hashes, valid times read from text),
// which ForgetRememberedWords() empties on every thread at once.
//
// The texts that pass through these caches include ones that are later
// erased (EraseEntity). An erasure calls ForgetRememberedWords()
// (storage/erasure_compactor.cc; the query service when it sees one,
// query_service/store_follower.cc) so that their words are dropped from the
// process's memory with them (freed, not overwritten), rather than staying
// until other words push them out:
//
//   std::string FoldWord(const std::string& word) {
//     thread_local RememberedWords<std::string> folded(/*capacity=*/4096);
//     return folded.Get(word, [](absl::string_view w) { return Fold(w); });
//   }
//
// Declare each cache thread_local: an object serves the thread that made it,
// and registers itself for ForgetRememberedWords until it is destroyed. Its
// lock is taken by that thread on each lookup and by another thread only in
// ForgetRememberedWords, so lookups do not wait on each other. When a cache
// holds `capacity` words it is emptied before it takes the next one.
#ifndef FACTSTORE_COMMON_REMEMBERED_WORDS_H_
#define FACTSTORE_COMMON_REMEMBERED_WORDS_H_

#include <cstddef>
#include <string>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/container/flat_hash_map.h"
#include "absl/strings/string_view.h"
#include "common/mutex.h"

namespace factstore {

// Empties every RememberedWords of every thread. Thread-safe.
void ForgetRememberedWords();

namespace remembered_words_internal {

// What ForgetRememberedWords empties.
class Forgettable {
 public:
  virtual void Forget() = 0;

 protected:
  ~Forgettable() = default;
};

// Adds or removes a cache from those ForgetRememberedWords empties.
void Register(Forgettable* cache);
void Unregister(Forgettable* cache);

}  // namespace remembered_words_internal

template <typename Value>
class RememberedWords final : public remembered_words_internal::Forgettable {
 public:
  explicit RememberedWords(size_t capacity) : capacity_(capacity) {
    remembered_words_internal::Register(this);
  }
  ~RememberedWords() { remembered_words_internal::Unregister(this); }
  RememberedWords(const RememberedWords&) = delete;
  RememberedWords& operator=(const RememberedWords&) = delete;

  // The value remembered for `word`, or `compute(word)`, then remembered.
  // `compute` runs without the lock, so it may use other caches.
  template <typename Compute>
  Value Get(absl::string_view word, Compute compute) {
    {
      MutexLock lock(&mu_);
      if (auto it = words_.find(word); it != words_.end()) return it->second;
    }
    Value value = compute(word);
    MutexLock lock(&mu_);
    if (words_.size() >= capacity_) words_.clear();
    words_.emplace(word, value);
    return value;
  }

  // The number of words remembered now.
  size_t size() {
    MutexLock lock(&mu_);
    return words_.size();
  }

  void Forget() override {
    MutexLock lock(&mu_);
    // clear() keeps the table's memory, and with it the words' bytes.
    absl::flat_hash_map<std::string, Value>().swap(words_);
  }

 private:
  const size_t capacity_;
  Mutex mu_;
  absl::flat_hash_map<std::string, Value> words_ ABSL_GUARDED_BY(mu_);
};

}  // namespace factstore

#endif  // FACTSTORE_COMMON_REMEMBERED_WORDS_H_
