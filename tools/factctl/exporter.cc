#include "tools/factctl/exporter.h"

#include <memory>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/limits.h"
#include "tools/factctl/load_record.pb.h"
#include "tools/factctl/printing.h"

namespace factstore::tools {
namespace {

// Output-only fields are ignored by the ingest service; an export leaves out
// those that name commits, which mean nothing in the store it is loaded into.
void ClearCommits(v1::Predicate* predicate) {
  predicate->clear_updated_commit();
}
void ClearCommits(v1::Entity* entity) {
  entity->clear_created_commit();
  entity->clear_updated_commit();
  // The ids merged into it are redirects of the store it comes from.
  entity->clear_merged_entity_ids();
}
void ClearCommits(v1::Fact* fact) {
  fact->clear_asserted_commit();
  fact->clear_updated_commit();
  fact->clear_retracted();
  fact->clear_retracted_commit();
  fact->clear_retraction_reason();
  for (v1::Mention& mention : *fact->mutable_mentions()) {
    mention.clear_added_commit();
  }
}

class Exporter {
 public:
  Exporter(v1::QueryService::Stub& stub, const ExportOptions& options,
           std::ostream& out)
      : stub_(stub), options_(options), out_(out), start_(absl::Now()) {}

  absl::StatusOr<ExportSummary> Run() {
    v1::ListPredicatesRequest predicates;
    predicates.set_page_size(kMaxPageSize);
    absl::Status done =
        EachPage(&v1::QueryService::Stub::ListPredicates, std::move(predicates),
                 [this](v1::ListPredicatesResponse& page) {
                   for (v1::Predicate& predicate : *page.mutable_predicates()) {
                     ClearCommits(&predicate);
                     LoadRecord record;
                     *record.mutable_predicate() = std::move(predicate);
                     Write(record);
                     ++summary_.predicates;
                   }
                 });
    if (!done.ok()) return done;

    v1::ListEntitiesRequest entities;
    entities.set_page_size(kMaxPageSize);
    done = EachPage(&v1::QueryService::Stub::ListEntities, std::move(entities),
                    [this](v1::ListEntitiesResponse& page) {
                      for (v1::Entity& entity : *page.mutable_entities()) {
                        ClearCommits(&entity);
                        LoadRecord record;
                        *record.mutable_entity() = std::move(entity);
                        Write(record);
                        ++summary_.entities;
                      }
                    });
    if (!done.ok()) return done;

    // Retracted facts first, each followed by its retraction, then the
    // others: a retracted claim does not count against a single-value
    // predicate, so its document's corrected value loads after it.
    for (bool retracted : {true, false}) {
      v1::ListFactsRequest facts;
      *facts.mutable_filter() = options_.filter;
      facts.mutable_filter()->set_include_retracted(retracted);
      facts.set_page_size(kMaxPageSize);
      done = EachPage(&v1::QueryService::Stub::ListFacts, std::move(facts),
                      [this, retracted](v1::ListFactsResponse& page) {
                        for (v1::Fact& fact : *page.mutable_facts()) {
                          if (fact.retracted() == retracted) {
                            WriteFact(std::move(fact));
                          }
                        }
                      });
      if (!done.ok()) return done;
    }
    DrawProgress(/*final=*/true);
    return summary_;
  }

 private:
  // Calls `method` for `request` and every next page, all at the commit of
  // the first, handing each page to `take`.
  template <typename Request, typename Response, typename Take>
  absl::Status EachPage(grpc::Status (v1::QueryService::Stub::*method)(
                            grpc::ClientContext*, const Request&, Response*),
                        Request request, Take take) {
    while (true) {
      if (summary_.commit_token.empty()) {
        request.mutable_read_options()->set_min_commit(options_.min_commit);
      } else if (request.page_token().empty()) {
        request.mutable_read_options()->set_as_of(summary_.commit_token);
      }
      Response response;
      grpc::ClientContext context;
      context.set_deadline(absl::ToChronoTime(absl::Now() + options_.timeout));
      if (!options_.token.empty()) {
        context.AddMetadata("authorization",
                            absl::StrCat("Bearer ", options_.token));
      }
      grpc::Status status = (stub_.*method)(&context, request, &response);
      if (!status.ok()) {
        return absl::UnavailableError(absl::StrCat(
            "reading the store failed: ", status.error_message(), " (code ",
            static_cast<int>(status.error_code()), ")"));
      }
      if (summary_.commit_token.empty()) {
        summary_.commit_token = response.commit_token();
      }
      take(response);
      DrawProgress(/*final=*/false);
      if (response.next_page_token().empty()) return absl::OkStatus();
      // A page token carries its commit; read options may not change.
      request.clear_read_options();
      request.set_page_token(response.next_page_token());
    }
  }

  // A fact in lines of at most kMaxMentionsPerFactInRequest mentions (the
  // most one ingested fact may bring), then its retraction if retracted.
  void WriteFact(v1::Fact fact) {
    const bool retracted = fact.retracted();
    const std::string reason = fact.retraction_reason();
    ClearCommits(&fact);
    google::protobuf::RepeatedPtrField<v1::Mention> mentions;
    mentions.Swap(fact.mutable_mentions());
    int next = 0;
    do {
      LoadRecord record;
      v1::Fact* line = record.mutable_fact();
      *line = fact;
      for (int i = 0;
           i < kMaxMentionsPerFactInRequest && next < mentions.size();
           ++i, ++next) {
        *line->add_mentions() = mentions[next];
      }
      Write(record);
    } while (next < mentions.size());
    ++summary_.facts;
    if (retracted) {
      LoadRecord record;
      record.mutable_retraction()->add_fact_ids(fact.id());
      record.mutable_retraction()->set_reason(reason);
      Write(record);
      ++summary_.retracted;
    }
  }

  void Write(const LoadRecord& record) { out_ << ToJsonLine(record) << "\n"; }

  void DrawProgress(bool final) {
    if (options_.progress == nullptr) return;
    double seconds = absl::ToDoubleSeconds(absl::Now() - start_);
    *options_.progress << absl::StrFormat(
        "\r\033[K%d predicates  %d entities  %d facts  %.0f facts/s",
        summary_.predicates, summary_.entities, summary_.facts,
        seconds > 0 ? summary_.facts / seconds : 0);
    if (final) *options_.progress << "\n";
    options_.progress->flush();
  }

  v1::QueryService::Stub& stub_;
  const ExportOptions& options_;
  std::ostream& out_;
  const absl::Time start_;
  ExportSummary summary_;
};

}  // namespace

absl::StatusOr<ExportSummary> ExportStore(v1::QueryService::Stub& stub,
                                          const ExportOptions& options,
                                          std::ostream& out) {
  return Exporter(stub, options, out).Run();
}

}  // namespace factstore::tools
