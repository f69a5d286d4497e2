#include "storage/record_views.h"

#include <algorithm>
#include <limits>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "google/protobuf/io/coded_stream.h"
#include "storage/commit_token.h"
#include "storage/source_weighing.h"

namespace factstore::storage {
namespace {

// The index of the last element of `revisions` (ordered by commit) with
// commit <= as_of, or -1.
template <typename Revisions>
int LastIndexAtOrBefore(const Revisions& revisions, uint64_t as_of) {
  auto it = std::upper_bound(revisions.begin(), revisions.end(), as_of,
                             [](uint64_t commit, const auto& revision) {
                               return commit < revision.commit();
                             });
  return static_cast<int>(std::distance(revisions.begin(), it)) - 1;
}

// The last element of `revisions` (ordered by commit) with commit <= as_of.
template <typename Revisions>
auto LastAtOrBefore(const Revisions& revisions, uint64_t as_of)
    -> decltype(&*revisions.begin()) {
  int index = LastIndexAtOrBefore(revisions, as_of);
  return index < 0 ? nullptr : &revisions[index];
}

// FactAsOf for a record to copy from (`Record` const) or to move from.
template <typename Record>
bool FillFactAsOf(Record& record, uint64_t as_of, uint32_t store_id,
                  v1::Fact* out) {
  constexpr bool kMove = !std::is_const_v<Record>;
  const int index = LastIndexAtOrBefore(record.revisions(), as_of);
  if (index < 0 || !record.revisions(index).moved_to().empty()) return false;
  const FactRevision& revision = record.revisions(index);
  if constexpr (kMove) {
    *out = std::move(*record.mutable_content());
  } else {
    *out = record.content();
  }
  out->set_modality(revision.modality());
  out->set_rank(revision.rank());
  out->set_asserted_commit(
      EncodeCommitToken(store_id, record.revisions(0).commit()));
  uint64_t updated = revision.commit();
  if (revision.retracted()) {
    out->set_retracted(true);
    out->set_retraction_reason(revision.retraction_reason());
    // The retraction is the first revision of the retracted run that ends
    // at `revision`.
    uint64_t retracted_at = revision.commit();
    for (int i = index; i >= 0 && record.revisions(i).retracted(); --i) {
      retracted_at = record.revisions(i).commit();
    }
    out->set_retracted_commit(EncodeCommitToken(store_id, retracted_at));
  }
  for (int i = 0; i < record.mentions_size(); ++i) {
    const uint64_t commit = record.mentions(i).commit();
    if (commit > as_of) break;
    if (!MentionLiveAsOf(record.mentions(i), as_of)) continue;
    v1::Mention* mention = out->add_mentions();
    if constexpr (kMove) {
      *mention = std::move(*record.mutable_mentions(i)->mutable_mention());
    } else {
      *mention = record.mentions(i).mention();
    }
    FillMentionWeights(revision.modality(), mention);
    mention->set_added_commit(EncodeCommitToken(store_id, commit));
    updated = std::max(updated, commit);
  }
  out->set_updated_commit(EncodeCommitToken(store_id, updated));
  return true;
}

// EntityAsOf for a record to copy from (`Record` const) or to move from.
template <typename Record>
bool FillEntityAsOf(Record& record, uint64_t as_of, uint32_t store_id,
                    v1::Entity* out) {
  const int index = LastIndexAtOrBefore(record.revisions(), as_of);
  if (index < 0 || !record.revisions(index).merged_into().empty()) {
    return false;
  }
  const uint64_t created = record.revisions(0).commit();
  const uint64_t updated = record.revisions(index).commit();
  std::vector<std::string> merged;
  for (int i = 0; i <= index; ++i) {
    for (const std::string& id : record.revisions(i).merged_from()) {
      merged.push_back(id);
    }
  }
  if constexpr (!std::is_const_v<Record>) {
    *out = std::move(*record.mutable_revisions(index)->mutable_entity());
  } else {
    *out = record.revisions(index).entity();
  }
  out->set_created_commit(EncodeCommitToken(store_id, created));
  out->set_updated_commit(EncodeCommitToken(store_id, updated));
  for (std::string& id : merged) out->add_merged_entity_ids(std::move(id));
  return true;
}

// DocumentAsOf reads the protobuf encoding itself, field by field, because
// protobuf's parser has no way to parse one element of a repeated field, or
// one field of a message, and leave the rest as bytes: parsing the whole
// EntityRecord (every revision's entity, name forms and their UTF-8 checks)
// was a third of the query service's CPU under ListFacts, which needs one
// revision's document per mention. CodedInputStream does the varints and
// bounds; this walks the tags.

using google::protobuf::io::CodedInputStream;

// Wire types of the encoding (protobuf's own names for them are internal).
constexpr uint32_t kWireVarint = 0;
constexpr uint32_t kWireFixed64 = 1;
constexpr uint32_t kWireLengthDelimited = 2;
constexpr uint32_t kWireFixed32 = 5;

constexpr uint32_t FieldNumber(uint32_t tag) { return tag >> 3; }
constexpr uint32_t WireType(uint32_t tag) { return tag & 7; }

// Reads the length of a length-delimited value. False if it is malformed or
// larger than protobuf allows (2 GiB), as protobuf's parser refuses it
// (ReadVarint32 would keep the low 32 bits of a longer varint).
bool ReadLength(CodedInputStream& in, int* size) {
  uint64_t length;
  if (!in.ReadVarint64(&length) ||
      length > static_cast<uint64_t>(std::numeric_limits<int>::max())) {
    return false;
  }
  *size = static_cast<int>(length);
  return true;
}

// Skips the value of the field whose `tag` was just read. False if it is
// malformed or of a wire type proto3 does not write (groups).
bool SkipValue(CodedInputStream& in, uint32_t tag) {
  switch (WireType(tag)) {
    case kWireVarint: {
      uint64_t value;
      return in.ReadVarint64(&value);
    }
    case kWireFixed64:
      return in.Skip(8);
    case kWireLengthDelimited: {
      int size;
      return ReadLength(in, &size) && in.Skip(size);
    }
    case kWireFixed32:
      return in.Skip(4);
    default:
      return false;
  }
}

// Reads the value of a length-delimited field whose tag was just read, as a
// view into `bytes`, the buffer `in` reads.
bool ReadDelimited(CodedInputStream& in, absl::string_view bytes,
                   absl::string_view* value) {
  int size;
  if (!ReadLength(in, &size)) return false;
  const int start = in.CurrentPosition();
  if (!in.Skip(size)) return false;
  *value = bytes.substr(static_cast<size_t>(start), static_cast<size_t>(size));
  return true;
}

// What a visitor of ForEachField did with a field's value.
enum class FieldRead { kRead, kSkip, kMalformed };

// Calls `visit(tag, in)` for each field of the message encoded in `bytes`, in
// order; `visit` reads the value from `in` (kRead), leaves it to be skipped
// (kSkip) or finds it malformed. Returns false if the encoding is malformed.
template <typename Visit>
bool ForEachField(absl::string_view bytes, Visit visit) {
  CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                      static_cast<int>(bytes.size()));
  while (true) {
    const uint32_t tag = in.ReadTag();
    // 0: the end of the input, or a malformed tag.
    if (tag == 0) return in.ConsumedEntireMessage();
    if (FieldNumber(tag) == 0) return false;  // no field has number 0
    switch (visit(tag, in)) {
      case FieldRead::kRead:
        break;
      case FieldRead::kSkip:
        if (!SkipValue(in, tag)) return false;
        break;
      case FieldRead::kMalformed:
        return false;
    }
  }
}

// True if `tag` is field `number` with a length-delimited value (the wire
// type a string or message field has; protobuf's parser takes a field of the
// right number with another wire type as an unknown field, and so does this).
bool IsDelimitedField(uint32_t tag, int number) {
  return FieldNumber(tag) == static_cast<uint32_t>(number) &&
         WireType(tag) == kWireLengthDelimited;
}

}  // namespace

bool FactAsOf(const FactRecord& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out) {
  return FillFactAsOf(record, as_of, store_id, out);
}

bool FactAsOf(FactRecord&& record, uint64_t as_of, uint32_t store_id,
              v1::Fact* out) {
  return FillFactAsOf(record, as_of, store_id, out);
}

const FactRevision* FactRevisionAsOf(const FactRecord& record, uint64_t as_of) {
  const FactRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || !revision->moved_to().empty() ? nullptr
                                                              : revision;
}

const std::string* FactMovedToAsOf(const FactRecord& record, uint64_t as_of) {
  const FactRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || revision->moved_to().empty()
             ? nullptr
             : &revision->moved_to();
}

const EntityRevision* EntityRevisionAsOf(const EntityRecord& record,
                                         uint64_t as_of) {
  const EntityRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || !revision->merged_into().empty() ? nullptr
                                                                 : revision;
}

const std::string* EntityMergedIntoAsOf(const EntityRecord& record,
                                        uint64_t as_of) {
  const EntityRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  return revision == nullptr || revision->merged_into().empty()
             ? nullptr
             : &revision->merged_into();
}

bool EntityAsOf(const EntityRecord& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out) {
  return FillEntityAsOf(record, as_of, store_id, out);
}

bool EntityAsOf(EntityRecord&& record, uint64_t as_of, uint32_t store_id,
                v1::Entity* out) {
  return FillEntityAsOf(record, as_of, store_id, out);
}

absl::StatusOr<v1::DocumentMetadata> DocumentAsOf(absl::string_view record,
                                                  uint64_t as_of,
                                                  uint64_t* latest_revision) {
  const auto malformed = [] {
    return absl::DataLossError("record in entities does not parse");
  };
  // The revision in effect: revisions are oldest first, so the last one
  // with commit <= as_of.
  absl::string_view in_effect;
  bool exists = false;
  uint64_t latest = 0;
  const bool record_ok =
      ForEachField(record, [&](uint32_t tag, CodedInputStream& in) {
        if (!IsDelimitedField(tag, EntityRecord::kRevisionsFieldNumber)) {
          return FieldRead::kSkip;
        }
        absl::string_view revision;
        if (!ReadDelimited(in, record, &revision)) return FieldRead::kMalformed;
        uint64_t commit = 0;
        const bool revision_ok = ForEachField(
            revision, [&](uint32_t field, CodedInputStream& fields) {
              if (FieldNumber(field) != EntityRevision::kCommitFieldNumber ||
                  WireType(field) != kWireVarint) {
                return FieldRead::kSkip;
              }
              return fields.ReadVarint64(&commit) ? FieldRead::kRead
                                                  : FieldRead::kMalformed;
            });
        if (!revision_ok) return FieldRead::kMalformed;
        latest = std::max(latest, commit);
        if (commit <= as_of) {
          in_effect = revision;
          exists = true;
        }
        return FieldRead::kRead;
      });
  if (!record_ok) return malformed();
  if (latest_revision != nullptr) *latest_revision = latest;

  v1::DocumentMetadata document;
  if (!exists) return document;
  bool merged = false;
  const bool revision_ok =
      ForEachField(in_effect, [&](uint32_t tag, CodedInputStream& in) {
        absl::string_view value;
        if (IsDelimitedField(tag, EntityRevision::kMergedIntoFieldNumber)) {
          if (!ReadDelimited(in, in_effect, &value)) {
            return FieldRead::kMalformed;
          }
          merged = !value.empty();  // the last occurrence counts, as parsed
          return FieldRead::kRead;
        }
        if (!IsDelimitedField(tag, EntityRevision::kEntityFieldNumber)) {
          return FieldRead::kSkip;
        }
        if (!ReadDelimited(in, in_effect, &value)) return FieldRead::kMalformed;
        // A message field given more than once is merged, as parsed.
        const absl::string_view entity = value;
        const bool entity_ok =
            ForEachField(entity, [&](uint32_t field, CodedInputStream& fields) {
              if (!IsDelimitedField(field, v1::Entity::kDocumentFieldNumber)) {
                return FieldRead::kSkip;
              }
              absl::string_view encoded;
              if (!ReadDelimited(fields, entity, &encoded)) {
                return FieldRead::kMalformed;
              }
              CodedInputStream document_in(
                  reinterpret_cast<const uint8_t*>(encoded.data()),
                  static_cast<int>(encoded.size()));
              // MergeFromCodedStream stops at a zero or end-group tag as
              // at the end; only the end is well formed.
              return document.MergeFromCodedStream(&document_in) &&
                             document_in.ConsumedEntireMessage()
                         ? FieldRead::kRead
                         : FieldRead::kMalformed;
            });
        return entity_ok ? FieldRead::kRead : FieldRead::kMalformed;
      });
  if (!revision_ok) return malformed();
  if (merged) return v1::DocumentMetadata();
  return document;
}

void FillMentionDocument(const v1::DocumentMetadata& document,
                         v1::Mention* mention) {
  if (!document.url().empty()) mention->set_url(document.url());
  if (!document.title().empty()) mention->set_title(document.title());
  if (!document.publisher().empty()) {
    mention->set_publisher(document.publisher());
  }
  if (!document.publication_date().empty()) {
    mention->set_publication_date(document.publication_date());
  }
  if (!document.language().empty()) mention->set_language(document.language());
}

bool PredicateAsOf(const PredicateRecord& record, uint64_t as_of,
                   uint32_t store_id, v1::Predicate* out) {
  const PredicateRevision* revision = LastAtOrBefore(record.revisions(), as_of);
  if (revision == nullptr) return false;
  *out = revision->predicate();
  out->set_updated_commit(EncodeCommitToken(store_id, revision->commit()));
  return true;
}

}  // namespace factstore::storage
