#include "tools/factctl/loader.h"

#include <deque>
#include <fstream>
#include <thread>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "common/mutex.h"
#include "google/protobuf/util/json_util.h"
#include "tools/factctl/load_record.pb.h"

namespace factstore::tools {
namespace {

// Where a record came from.
struct Origin {
  std::string file;
  int64_t line;
};

std::string Where(const Origin& origin) {
  return absl::StrCat(origin.file, ":", origin.line);
}

// Drops the "facts[3]." or "entities[0]." prefix of a field path: the line
// number already says which item it is.
std::string WithoutItemPrefix(const std::string& message) {
  size_t bracket = message.find("]");
  if (bracket != std::string::npos && bracket < 24 &&
      (absl::StartsWith(message, "facts[") ||
       absl::StartsWith(message, "entities[") ||
       absl::StartsWith(message, "predicates["))) {
    std::string rest = message.substr(bracket + 1);
    if (absl::StartsWith(rest, ".")) rest = rest.substr(1);
    if (absl::StartsWith(rest, ": ")) rest = rest.substr(2);
    return rest;
  }
  return message;
}

std::unique_ptr<grpc::ClientContext> NewContext(const LoadOptions& options) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(absl::ToChronoTime(absl::Now() + options.timeout));
  if (!options.token.empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", options.token));
  }
  return context;
}

class Loader {
 public:
  Loader(v1::IngestService::Stub& stub, const LoadOptions& options,
         std::ostream& errors)
      : stub_(stub), options_(options), errors_(errors), start_(absl::Now()) {}

  absl::Status LoadFile(const std::string& path) {
    std::ifstream in(path);
    if (!in) return absl::NotFoundError(absl::StrCat("cannot read ", path));
    std::string line;
    int64_t number = 0;
    while (std::getline(in, line)) {
      ++number;
      absl::string_view text = absl::StripAsciiWhitespace(line);
      if (text.empty() || absl::StartsWith(text, "#")) continue;
      ++summary_.lines;
      LoadRecord record;
      google::protobuf::util::JsonParseOptions parse_options;
      absl::Status parsed =
          FromProto(google::protobuf::util::JsonStringToMessage(
              std::string(text), &record, parse_options));
      Origin origin{path, number};
      if (!parsed.ok() || record.item_case() == LoadRecord::ITEM_NOT_SET) {
        Reject(origin,
               parsed.ok()
                   ? "the line holds no predicate, entity, fact or retraction"
                   : absl::StrCat("not a load record: ", parsed.message()));
        continue;
      }
      absl::Status added = Add(std::move(record), origin);
      if (!added.ok()) return added;
    }
    return absl::OkStatus();
  }

  absl::StatusOr<LoadSummary> Finish() {
    absl::Status flushed = FlushAll();
    if (!flushed.ok()) return flushed;
    summary_.seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    DrawProgress(/*final=*/true);
    return summary_;
  }

 private:
  static absl::Status FromProto(const google::protobuf::util::Status& status) {
    if (status.ok()) return absl::OkStatus();
    return absl::InvalidArgumentError(status.ToString());
  }

  void Reject(const Origin& origin, const std::string& why) {
    MutexLock lock(&mu_);
    ++summary_.rejected;
    if (options_.progress != nullptr) *options_.progress << "\r\033[K";
    errors_ << Where(origin) << ": " << why << "\n";
  }

  absl::Status Add(LoadRecord record, const Origin& origin) {
    if (record.item_case() != kind_) {
      absl::Status flushed = FlushAll();
      if (!flushed.ok()) return flushed;
      kind_ = record.item_case();
    }
    switch (record.item_case()) {
      case LoadRecord::kPredicate:
        *predicates_.add_predicates() = std::move(*record.mutable_predicate());
        origins_.push_back(origin);
        if (predicates_.predicates_size() >= 1000) return FlushPredicates();
        return absl::OkStatus();
      case LoadRecord::kEntity:
        *entities_.add_entities() = std::move(*record.mutable_entity());
        origins_.push_back(origin);
        if (entities_.entities_size() >= 1000) return FlushEntities();
        return absl::OkStatus();
      case LoadRecord::kFact:
        *facts_.add_facts() = std::move(*record.mutable_fact());
        origins_.push_back(origin);
        if (facts_.facts_size() >= options_.batch_size) return SendFacts();
        return absl::OkStatus();
      case LoadRecord::kRetraction:
        return Retract(record.retraction(), origin);
      default:
        return absl::OkStatus();
    }
  }

  // Each retraction line is one call (an export writes one per retracted
  // fact).
  absl::Status Retract(const Retraction& retraction, const Origin& origin) {
    v1::RetractFactsRequest request;
    *request.mutable_fact_ids() = retraction.fact_ids();
    request.set_reason(retraction.reason());
    v1::RetractFactsResponse response;
    auto context = NewContext(options_);
    grpc::Status status = stub_.RetractFacts(context.get(), request, &response);
    if (status.error_code() == grpc::StatusCode::INVALID_ARGUMENT) {
      Reject(origin, status.error_message());
      return absl::OkStatus();
    }
    if (!status.ok()) return CallFailed("RetractFacts", status);
    for (const v1::RetractResult& result : response.results()) {
      if (result.outcome() == v1::OUTCOME_REJECTED) {
        Reject(origin, WithoutItemPrefix(result.error().message()));
      } else {
        ++summary_.retracted;
      }
    }
    summary_.commit_token = response.commit_token();
    DrawProgress(false);
    return absl::OkStatus();
  }

  absl::Status FlushAll() {
    switch (kind_) {
      case LoadRecord::kPredicate:
        return FlushPredicates();
      case LoadRecord::kEntity:
        return FlushEntities();
      case LoadRecord::kFact: {
        absl::Status sent = SendFacts();
        if (!sent.ok()) return sent;
        return CloseStream();
      }
      default:
        return absl::OkStatus();
    }
  }

  absl::Status FlushPredicates() {
    if (predicates_.predicates_size() == 0) return absl::OkStatus();
    v1::RegisterPredicatesResponse response;
    auto context = NewContext(options_);
    grpc::Status status =
        stub_.RegisterPredicates(context.get(), predicates_, &response);
    if (!status.ok()) return CallFailed("RegisterPredicates", status);
    for (int i = 0; i < response.results_size(); ++i) {
      const v1::PredicateResult& result = response.results(i);
      if (result.outcome() == v1::OUTCOME_REJECTED) {
        Reject(origins_[i], WithoutItemPrefix(result.error().message()));
      } else {
        ++summary_.predicates;
      }
    }
    summary_.commit_token = response.commit_token();
    predicates_.Clear();
    origins_.clear();
    DrawProgress(false);
    return absl::OkStatus();
  }

  absl::Status FlushEntities() {
    if (entities_.entities_size() == 0) return absl::OkStatus();
    v1::UpsertEntitiesResponse response;
    auto context = NewContext(options_);
    grpc::Status status =
        stub_.UpsertEntities(context.get(), entities_, &response);
    if (!status.ok()) return CallFailed("UpsertEntities", status);
    for (int i = 0; i < response.results_size(); ++i) {
      const v1::EntityResult& result = response.results(i);
      if (result.outcome() == v1::OUTCOME_REJECTED) {
        Reject(origins_[i], WithoutItemPrefix(result.error().message()));
      } else {
        ++summary_.entities;
      }
    }
    summary_.commit_token = response.commit_token();
    entities_.Clear();
    origins_.clear();
    DrawProgress(false);
    return absl::OkStatus();
  }

  // Sends the pending facts as one batch of the open stream (opening it if
  // needed). Acknowledgements are read on another thread.
  absl::Status SendFacts() {
    if (facts_.facts_size() == 0) return absl::OkStatus();
    if (stream_ == nullptr) {
      stream_context_ = NewContext(options_);
      stream_ = stub_.StreamIngestFacts(stream_context_.get());
      reader_ = std::thread([this] { ReadAcks(); });
    }
    facts_.set_compact_results(true);
    if (options_.create_missing) {
      facts_.set_missing_entities(v1::MISSING_ENTITY_POLICY_CREATE);
    }
    {
      MutexLock lock(&mu_);
      pending_origins_.push_back(std::move(origins_));
    }
    origins_.clear();
    bool written = stream_->Write(facts_);
    facts_.Clear();
    if (!written) return CloseStream();
    return absl::OkStatus();
  }

  void ReadAcks() {
    v1::StreamIngestFactsResponse ack;
    while (stream_->Read(&ack)) {
      std::vector<Origin> origins;
      {
        MutexLock lock(&mu_);
        origins = std::move(pending_origins_.front());
        pending_origins_.pop_front();
      }
      if (ack.has_batch_error()) {
        for (const Origin& origin : origins) {
          Reject(origin,
                 absl::StrCat("batch refused: ", ack.batch_error().message()));
        }
      }
      for (int i = 0; i < ack.results_size(); ++i) {
        const v1::FactResult& result = ack.results(i);
        if (result.outcome() == v1::OUTCOME_REJECTED &&
            !ack.has_batch_error()) {
          Reject(origins[i], WithoutItemPrefix(result.error().message()));
        }
      }
      MutexLock lock(&mu_);
      if (!ack.has_batch_error()) summary_.facts += ack.accepted_count();
      summary_.commit_token = ack.commit_token();
      DrawProgressLocked(false);
    }
  }

  absl::Status CloseStream() {
    if (stream_ == nullptr) return absl::OkStatus();
    stream_->WritesDone();
    reader_.join();
    grpc::Status status = stream_->Finish();
    stream_.reset();
    stream_context_.reset();
    if (!status.ok()) return CallFailed("StreamIngestFacts", status);
    MutexLock lock(&mu_);
    if (!pending_origins_.empty()) {
      return absl::DataLossError(
          "the ingest service closed the stream without acknowledging every "
          "batch");
    }
    return absl::OkStatus();
  }

  absl::Status CallFailed(const char* method, const grpc::Status& status) {
    return absl::UnavailableError(
        absl::StrCat(method, " failed: ", status.error_message(), " (code ",
                     static_cast<int>(status.error_code()), ")"));
  }

  void DrawProgress(bool final) {
    MutexLock lock(&mu_);
    DrawProgressLocked(final);
  }

  void DrawProgressLocked(bool final) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (options_.progress == nullptr) return;
    double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    double rate = seconds > 0 ? summary_.facts / seconds : 0;
    *options_.progress << absl::StrFormat(
        "\r\033[K%d facts  %d entities  %d predicates  %.0f facts/s  %d "
        "rejected",
        summary_.facts, summary_.entities, summary_.predicates, rate,
        summary_.rejected);
    if (final) *options_.progress << "\n";
    options_.progress->flush();
  }

  v1::IngestService::Stub& stub_;
  const LoadOptions& options_;
  std::ostream& errors_;
  const absl::Time start_;

  LoadRecord::ItemCase kind_ = LoadRecord::ITEM_NOT_SET;
  v1::RegisterPredicatesRequest predicates_;
  v1::UpsertEntitiesRequest entities_;
  v1::StreamIngestFactsRequest facts_;
  std::vector<Origin> origins_;  // of the batch being built

  std::unique_ptr<grpc::ClientContext> stream_context_;
  std::unique_ptr<grpc::ClientReaderWriter<v1::StreamIngestFactsRequest,
                                           v1::StreamIngestFactsResponse>>
      stream_;
  std::thread reader_;

  Mutex mu_;
  std::deque<std::vector<Origin>> pending_origins_ ABSL_GUARDED_BY(mu_);
  LoadSummary summary_;  // counters guarded by mu_ while a stream is open
};

}  // namespace

absl::StatusOr<LoadSummary> LoadFiles(const std::vector<std::string>& files,
                                      v1::IngestService::Stub& stub,
                                      const LoadOptions& options,
                                      std::ostream& errors) {
  Loader loader(stub, options, errors);
  for (const std::string& file : files) {
    absl::Status loaded = loader.LoadFile(file);
    if (!loaded.ok()) {
      loader.Finish().IgnoreError();
      return loaded;
    }
  }
  return loader.Finish();
}

}  // namespace factstore::tools
