#include "storage/test_records.h"

#include <memory>
#include <vector>

#include "absl/strings/str_cat.h"
#include "storage/column_families.h"
#include "storage/key_codec.h"

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

absl::Status RewriteClosedStore(
    const std::string& path, const std::function<void(StoreIdentity*)>& change,
    const ClosedStoreEdit& edit) {
  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (ColumnFamily cf : kAllColumnFamilies) {
    descriptors.emplace_back(ColumnFamilyName(cf),
                             rocksdb::ColumnFamilyOptions());
  }
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status status = rocksdb::DB::Open(rocksdb::DBOptions(), path,
                                             descriptors, &handles, &raw);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("open: ", status.ToString()));
  }
  std::unique_ptr<rocksdb::DB> db(raw);
  rocksdb::ColumnFamilyHandle* meta =
      handles[static_cast<int>(ColumnFamily::kMeta)];
  rocksdb::WriteBatch batch;
  if (edit) {
    edit(db.get(), handles[static_cast<int>(ColumnFamily::kNames)], &batch);
  }
  const rocksdb::Slice identity_key(kIdentityKey.data(), kIdentityKey.size());
  std::string value;
  status = db->Get(rocksdb::ReadOptions(), meta, identity_key, &value);
  StoreIdentity identity;
  if (status.ok() && !identity.ParseFromString(value)) {
    status = rocksdb::Status::Corruption("identity");
  }
  if (status.ok()) {
    change(&identity);
    batch.Put(meta, identity_key, identity.SerializeAsString());
    status = db->Write(rocksdb::WriteOptions(), &batch);
  }
  for (rocksdb::ColumnFamilyHandle* handle : handles) {
    rocksdb::Status destroyed = db->DestroyColumnFamilyHandle(handle);
    if (status.ok()) status = destroyed;
  }
  return status.ok() ? absl::OkStatus()
                     : absl::InternalError(
                           absl::StrCat("rewrite: ", status.ToString()));
}

}  // namespace factstore::storage
