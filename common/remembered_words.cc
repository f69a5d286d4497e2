#include "common/remembered_words.h"

#include "absl/container/flat_hash_set.h"

namespace factstore {
namespace remembered_words_internal {
namespace {

struct Registry {
  Mutex mu;
  absl::flat_hash_set<Forgettable*> caches ABSL_GUARDED_BY(mu);
};

// Never destroyed: threads' caches unregister as the threads end, which may
// be after static destructors have run.
Registry& TheRegistry() {
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

void Register(Forgettable* cache) {
  Registry& registry = TheRegistry();
  MutexLock lock(&registry.mu);
  registry.caches.insert(cache);
}

void Unregister(Forgettable* cache) {
  Registry& registry = TheRegistry();
  MutexLock lock(&registry.mu);
  registry.caches.erase(cache);
}

}  // namespace remembered_words_internal

void ForgetRememberedWords() {
  using remembered_words_internal::TheRegistry;
  auto& registry = TheRegistry();
  // Held throughout, so that no cache is destroyed while it is emptied.
  MutexLock lock(&registry.mu);
  for (remembered_words_internal::Forgettable* cache : registry.caches) {
    cache->Forget();
  }
}

}  // namespace factstore
