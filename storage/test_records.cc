#include "storage/test_records.h"

namespace factstore::storage {

FactRecord MakeFactRecord(const TestFact& fact) {
  FactRecord record;
  v1::Fact* content = record.mutable_content();
  content->set_id(fact.id);
  content->set_subject(fact.subject);
  content->set_predicate("investment.cumulative_total");
  content->mutable_value()->mutable_quantity()->set_amount(fact.amount);
  content->mutable_value()->mutable_quantity()->set_unit("USD");
  content->mutable_valid_time()->mutable_at()->set_date("2024");
  FactRevision* revision = record.add_revisions();
  revision->set_commit(fact.commit);
  revision->set_modality(v1::MODALITY_REPORTED);
  revision->set_rank(v1::RANK_NORMAL);
  MentionRecord* mention = record.add_mentions();
  mention->set_commit(fact.commit);
  mention->mutable_mention()->set_document_id(fact.document_id);
  mention->mutable_mention()->set_quote(fact.quote);
  return record;
}

StoreOptions SmallTestStoreOptions() {
  StoreOptions options;
  options.block_cache_bytes = 8 << 20;
  options.write_buffer_bytes = 4 << 20;
  options.memtable_budget_bytes = 8 << 20;
  return options;
}

}  // namespace factstore::storage
