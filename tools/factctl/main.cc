// factctl: the command-line client of factstore.
//
//   factctl load data/samples/*.jsonl
//   factctl export > store.jsonl   (then: factctl load store.jsonl)
//   factctl get-entity place:da-nang
//   factctl search danang
//   factctl list-entities --type=DOCUMENT
//   factctl lookup wikidata:Q25282
//   factctl facts --subject=country:south-korea
//   factctl search-facts software parks
//   factctl resolve product:kr-it-outsourcing-market market.size
//   factctl watch --subject=place:da-nang
//   factctl stats
//   factctl retract --reason="wrong figure" f_0123...
//   factctl erase --reason="GDPR request #12" person:nguyen-van-a
//   factctl merge org:fpt-software org:fpt
//
// Addresses come from --ingest/--query, or FACTCTL_INGEST/FACTCTL_QUERY, and
// default to the local services of `./dev up`. Output is JSON (one object per
// line) when stdout is not a terminal, a table when it is; --output chooses.
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "common/enum_names.h"
#include "factstore/v1/ingest_service.grpc.pb.h"
#include "factstore/v1/query_service.grpc.pb.h"
#include "grpcpp/grpcpp.h"
#include "grpcpp/security/credentials.h"
#include "server/env_flags.h"
#include "tools/factctl/exporter.h"
#include "tools/factctl/loader.h"
#include "tools/factctl/printing.h"

ABSL_FLAG(std::string, ingest, "127.0.0.1:50051",
          "Address of the ingest service (env FACTCTL_INGEST).");
ABSL_FLAG(std::string, query, "127.0.0.1:50052",
          "Address of the query service (env FACTCTL_QUERY).");
ABSL_FLAG(std::string, output, "auto",
          "json, table, or auto (table on a terminal, json otherwise).");
ABSL_FLAG(absl::Duration, timeout, absl::Seconds(30), "Deadline of each call.");
ABSL_FLAG(std::string, tls_ca, "",
          "PEM CA bundle to verify the services' certificates: use TLS.");
ABSL_FLAG(std::string, tls_cert, "",
          "PEM client certificate, for services that require mutual TLS.");
ABSL_FLAG(std::string, tls_key, "", "PEM private key of --tls_cert.");
ABSL_FLAG(std::string, tls_server_name, "",
          "Name to expect in the services' certificates, if not the host.");
ABSL_FLAG(std::string, token, "", "Bearer token to send (env FACTCTL_TOKEN).");
ABSL_FLAG(std::string, min_commit, "",
          "Reads: wait until this commit token is visible.");
ABSL_FLAG(std::string, as_of, "", "Reads: read as of this commit token.");
ABSL_FLAG(std::vector<std::string>, languages, {},
          "Entity reads: preferred languages of labels, most preferred first "
          "(ko,en); the table shows the preferred label's name.");
// load
ABSL_FLAG(int, batch_size, 1000, "load: facts per stream batch.");
ABSL_FLAG(bool, create_missing, false,
          "load: create entities that facts name but that do not exist.");
// search, list-entities
ABSL_FLAG(std::vector<std::string>, type, {},
          "search/list-entities: entity types to keep (PLACE, ORGANIZATION, "
          "...).");
ABSL_FLAG(bool, exact, false, "search: exact matches only.");
ABSL_FLAG(std::string, language, "",
          "search: only names given in this language (a label's); parse: "
          "the text's language (en, vi, ko).");
// facts
ABSL_FLAG(std::string, subject, "", "facts/watch: subject entity id.");
ABSL_FLAG(std::string, predicate, "", "facts: predicate name.");
ABSL_FLAG(std::string, predicate_prefix, "", "facts/watch: predicate prefix.");
ABSL_FLAG(std::string, object, "", "facts: object entity id.");
ABSL_FLAG(std::string, unit, "", "facts: unit of --min/--max.");
ABSL_FLAG(std::string, min, "", "facts: smallest amount (inclusive).");
ABSL_FLAG(std::string, max, "", "facts: largest amount (inclusive).");
ABSL_FLAG(std::string, from, "", "facts: valid time overlaps from this date.");
ABSL_FLAG(std::string, to, "", "facts: ... to this date (exclusive).");
ABSL_FLAG(std::string, source, "", "facts: source document id.");
ABSL_FLAG(
    std::vector<std::string>, modality, {},
    "facts: modalities to keep (OBSERVED, REPORTED, ESTIMATE, FORECAST).");
ABSL_FLAG(bool, include_retracted, false, "facts: also retracted facts.");
ABSL_FLAG(std::vector<std::string>, qualifier, {},
          "facts/count/resolve: NAME=ENTITY_ID conditions on entity qualifiers "
          "(destination=country:vietnam), comma-separated.");
ABSL_FLAG(std::string, attributed_to, "",
          "facts: the speaker a mention is attributed to.");
ABSL_FLAG(std::string, involves, "",
          "facts: an entity the facts name in any role (subject, value, "
          "qualifier, document, speaker).");
ABSL_FLAG(int, limit, 0,
          "facts/search/search-facts/list-entities: stop after this many "
          "results (0: all).");
ABSL_FLAG(int, page_size, 100,
          "facts/search/search-facts/list-entities: results per page.");
// resolve
ABSL_FLAG(std::string, at, "", "resolve: a date the claims must hold at.");
ABSL_FLAG(std::string, series, "",
          "resolve: YEAR, MONTH or DAY: one preferred claim per period.");
ABSL_FLAG(std::string, group_by, "",
          "count: PREDICATE, SUBJECT, DOCUMENT, PUBLISHER, MODALITY or "
          "VALID_YEAR.");
ABSL_FLAG(std::string, sum_unit, "",
          "count: also sum the quantities in this unit (USD, person).");
// watch
ABSL_FLAG(std::string, after, "", "watch: resume after this token.");
ABSL_FLAG(int, count, 0, "watch: stop after this many events (0: never).");
ABSL_FLAG(std::vector<std::string>, kind, {},
          "watch: change kinds to deliver (ASSERTED, MENTION_ADDED, UPDATED, "
          "RETRACTED, ERASED, MOVED, ENTITY_UPSERTED, ENTITY_MERGED, "
          "PREDICATE_REGISTERED); "
          "default: the changes to facts and erasures.");
// predicates
ABSL_FLAG(std::string, prefix, "", "predicates: name prefix.");
// retract, erase
ABSL_FLAG(std::string, reason, "",
          "retract/erase: why (required; kept with the facts or in the "
          "tombstone).");
ABSL_FLAG(std::string, request_id, "",
          "retract/erase/merge: idempotency key, so that a retry is answered "
          "as the first call was.");

namespace factstore::tools {
namespace {

constexpr char kUsage[] = R"(factctl COMMAND [ARGS] [--flags]

Commands:
  load FILE...                 load JSON Lines files of predicates, entities, facts and
                               retractions (what export writes)
  export                       the store as JSON Lines that load accepts, on stdout; the
                               facts flags narrow the facts (--subject, --predicate, ...)
  get-entity ID...             show entities
  search QUERY                 find entities by name or alias (--type, --exact, --language,
                               --limit)
  list-entities                list entities by id, or those of --type types (--limit)
  lookup SYSTEM:VALUE...       entities by their id in another system (wikidata:Q25282;
                               split at the first colon)
  get-fact ID...               show facts
  facts                        list facts (--subject --predicate --predicate_prefix
                               --object --unit --min --max --from --to --source
                               --qualifier --attributed_to --involves
                               --modality --include_retracted --limit)
  search-facts QUERY...        find facts by the words of their quotes and text values,
                               best first (the facts flags, --page_size)
  count                        count facts (the facts flags), --group_by, --sum_unit
  resolve SUBJECT PREDICATE    the preferred value among competing claims (--at
                               --qualifier, --series=YEAR|MONTH|DAY)
  predicates                   the predicate registry (--prefix)
  watch                        follow changes (--after --subject --predicate_prefix --kind --count)
  stats                        counts and freshness of the store
  retract FACT_ID...           retract facts (--reason, --request_id; writer role)
  erase ENTITY_ID              erase an entity and every fact about it, for good
                               (--reason, --request_id; admin role)
  merge FROM_ID INTO_ID        merge a duplicate entity into another; FROM_ID becomes a
                               redirect (--request_id; admin role)
  parse TEXT...                the quantities and dates in a sentence, with their spans
                               in code points (--language; writer role)

Global flags: --ingest --query (or FACTCTL_INGEST, FACTCTL_QUERY), --output=json|table,
--timeout, --min_commit, --as_of, --languages; TLS: --tls_ca [--tls_cert --tls_key] [--tls_server_name];
auth: --token (or FACTCTL_TOKEN).)";

bool TableOutput() {
  std::string output = absl::GetFlag(FLAGS_output);
  if (output == "table") return true;
  if (output == "json") return false;
  return isatty(STDOUT_FILENO) != 0;
}

std::string ReadFileOrEmpty(const std::string& path) {
  std::ifstream in(path);
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

// A channel to `address`: plaintext, or TLS when --tls_ca is set. The token
// of --token goes into each call's metadata (Context()).
std::shared_ptr<grpc::Channel> Channel(const std::string& address) {
  std::shared_ptr<grpc::ChannelCredentials> credentials;
  grpc::ChannelArguments arguments;
  // A page of 1,000 facts with long quotes, or a fact with 1,000 mentions,
  // outgrows gRPC's default 4 MiB; the services send at most 32 MiB.
  arguments.SetMaxReceiveMessageSize(64 << 20);
  if (absl::GetFlag(FLAGS_tls_ca).empty()) {
    credentials = grpc::InsecureChannelCredentials();
  } else {
    grpc::SslCredentialsOptions tls;
    tls.pem_root_certs = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_ca));
    if (!absl::GetFlag(FLAGS_tls_cert).empty()) {
      tls.pem_cert_chain = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_cert));
      tls.pem_private_key = ReadFileOrEmpty(absl::GetFlag(FLAGS_tls_key));
    }
    credentials = grpc::SslCredentials(tls);
    if (!absl::GetFlag(FLAGS_tls_server_name).empty()) {
      arguments.SetSslTargetNameOverride(absl::GetFlag(FLAGS_tls_server_name));
    }
  }
  return grpc::CreateCustomChannel(address, credentials, arguments);
}

std::unique_ptr<grpc::ClientContext> Context() {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(
      absl::ToChronoTime(absl::Now() + absl::GetFlag(FLAGS_timeout)));
  if (!absl::GetFlag(FLAGS_token).empty()) {
    context->AddMetadata("authorization",
                         absl::StrCat("Bearer ", absl::GetFlag(FLAGS_token)));
  }
  return context;
}

v1::ReadOptions ReadOptionsFromFlags() {
  v1::ReadOptions options;
  options.set_min_commit(absl::GetFlag(FLAGS_min_commit));
  options.set_as_of(absl::GetFlag(FLAGS_as_of));
  for (const std::string& language : absl::GetFlag(FLAGS_languages)) {
    options.add_languages(language);
  }
  return options;
}

int Failed(const grpc::Status& status) {
  std::cerr << "factctl: " << status.error_message() << " (code "
            << static_cast<int>(status.error_code()) << ")\n";
  return status.error_code() == grpc::StatusCode::NOT_FOUND ? 3 : 1;
}

std::unique_ptr<v1::QueryService::Stub> QueryStub() {
  return v1::QueryService::NewStub(Channel(absl::GetFlag(FLAGS_query)));
}

std::unique_ptr<v1::IngestService::Stub> IngestStub() {
  return v1::IngestService::NewStub(Channel(absl::GetFlag(FLAGS_ingest)));
}

// Calls `method` with `request`, then with each next page's token, until the
// last page or --limit results; hands each result of a page (`results` of
// the response) to `show`.
template <typename Request, typename Response, typename Results, typename Show>
grpc::Status ForEachResult(v1::QueryService::Stub& stub,
                           grpc::Status (v1::QueryService::Stub::*method)(
                               grpc::ClientContext*, const Request&, Response*),
                           Request request, Results results, Show show) {
  const int limit = absl::GetFlag(FLAGS_limit);
  int shown = 0;
  while (true) {
    Response response;
    auto context = Context();
    grpc::Status status = (stub.*method)(context.get(), request, &response);
    if (!status.ok()) return status;
    for (const auto& result : results(response)) {
      if (limit > 0 && shown >= limit) return grpc::Status::OK;
      ++shown;
      show(result);
    }
    if (response.next_page_token().empty() || (limit > 0 && shown >= limit)) {
      return grpc::Status::OK;
    }
    request.set_page_token(response.next_page_token());
  }
}

int Load(const std::vector<std::string>& files) {
  if (files.empty()) {
    std::cerr << "factctl load: give one or more files\n";
    return 2;
  }
  auto stub = IngestStub();
  LoadOptions options;
  options.batch_size = absl::GetFlag(FLAGS_batch_size);
  options.create_missing = absl::GetFlag(FLAGS_create_missing);
  options.token = absl::GetFlag(FLAGS_token);
  if (isatty(STDERR_FILENO)) options.progress = &std::cerr;
  absl::StatusOr<LoadSummary> summary =
      LoadFiles(files, *stub, options, std::cerr);
  if (!summary.ok()) {
    std::cerr << "factctl load: " << summary.status().message() << "\n";
    return 1;
  }
  std::cout << "loaded " << summary->lines << " lines in " << summary->seconds
            << " s: " << summary->predicates << " predicates, "
            << summary->entities << " entities, " << summary->facts
            << " facts accepted, " << summary->retracted << " retracted, "
            << summary->rejected << " rejected; last commit "
            << summary->commit_token << "\n";
  return summary->rejected > 0 ? 1 : 0;
}

int GetEntities(const std::vector<std::string>& ids) {
  auto stub = QueryStub();
  v1::BatchGetEntitiesRequest request;
  for (const std::string& id : ids) request.add_ids(id);
  *request.mutable_read_options() = ReadOptionsFromFlags();
  v1::BatchGetEntitiesResponse response;
  auto context = Context();
  grpc::Status status =
      stub->BatchGetEntities(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (TableOutput()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& e : response.entities()) rows.push_back(EntityRow(e));
    PrintTable(std::cout, EntityHeader(), rows);
    for (const auto& e : response.entities()) {
      if (!e.description().empty())
        std::cout << "\n" << e.id() << ": " << e.description() << "\n";
    }
  } else {
    for (const auto& e : response.entities())
      std::cout << ToJsonLine(e) << "\n";
  }
  for (const std::string& id : response.missing_ids()) {
    std::cerr << "factctl: no entity " << id << "\n";
  }
  return response.missing_ids_size() > 0 ? 3 : 0;
}

// Adds the entity types of --type to `types`; false, after saying which one
// is unknown to `command`, if one is.
bool TypesFromFlags(absl::string_view command,
                    google::protobuf::RepeatedField<int>* types) {
  for (const std::string& type : absl::GetFlag(FLAGS_type)) {
    v1::EntityType parsed;
    if (!v1::EntityType_Parse(absl::StrCat("ENTITY_TYPE_", type), &parsed)) {
      std::cerr << "factctl " << command << ": unknown --type " << type << "\n";
      return false;
    }
    types->Add(parsed);
  }
  return true;
}

int Search(const std::vector<std::string>& words) {
  if (words.empty()) {
    std::cerr << "factctl search: give a name to search for\n";
    return 2;
  }
  auto stub = QueryStub();
  v1::SearchEntitiesRequest request;
  request.set_query(absl::StrJoin(words, " "));
  if (!TypesFromFlags("search", request.mutable_types())) return 2;
  request.set_exact_only(absl::GetFlag(FLAGS_exact));
  request.set_language(absl::GetFlag(FLAGS_language));
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  *request.mutable_read_options() = ReadOptionsFromFlags();
  std::vector<std::vector<std::string>> rows;
  grpc::Status status = ForEachResult(
      *stub, &v1::QueryService::Stub::SearchEntities, request,
      [](const v1::SearchEntitiesResponse& r) -> const auto& {
        return r.matches();
      },
      [&](const v1::EntityMatch& match) {
        if (TableOutput()) {
          rows.push_back({match.entity().id(),
                          ShortEnumName(match.entity().type()),
                          match.entity().name(), match.matched_name(),
                          ShortEnumName(match.match_kind())});
        } else {
          std::cout << ToJsonLine(match) << "\n";
        }
      });
  if (!status.ok()) return Failed(status);
  if (TableOutput()) {
    PrintTable(std::cout, {"ID", "TYPE", "NAME", "MATCHED", "MATCH"}, rows);
  }
  return 0;
}

int ListEntities() {
  auto stub = QueryStub();
  v1::ListEntitiesRequest request;
  if (!TypesFromFlags("list-entities", request.mutable_types())) return 2;
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  *request.mutable_read_options() = ReadOptionsFromFlags();
  std::vector<std::vector<std::string>> rows;
  grpc::Status status = ForEachResult(
      *stub, &v1::QueryService::Stub::ListEntities, request,
      [](const v1::ListEntitiesResponse& r) -> const auto& {
        return r.entities();
      },
      [&](const v1::Entity& entity) {
        if (TableOutput()) {
          rows.push_back(EntityRow(entity));
        } else {
          std::cout << ToJsonLine(entity) << "\n";
        }
      });
  if (!status.ok()) return Failed(status);
  if (TableOutput()) PrintTable(std::cout, EntityHeader(), rows);
  return 0;
}

int Lookup(const std::vector<std::string>& args) {
  if (args.empty()) {
    std::cerr << "factctl lookup: give one or more SYSTEM:VALUE "
                 "(wikidata:Q25282)\n";
    return 2;
  }
  auto stub = QueryStub();
  v1::BatchLookupEntitiesRequest request;
  for (const std::string& arg : args) {
    size_t colon = arg.find(':');
    if (colon == std::string::npos) {
      std::cerr << "factctl lookup: \"" << arg
                << "\" is not SYSTEM:VALUE (wikidata:Q25282)\n";
      return 2;
    }
    v1::ExternalId* id = request.add_external_ids();
    id->set_system(arg.substr(0, colon));
    id->set_value(arg.substr(colon + 1));
  }
  *request.mutable_read_options() = ReadOptionsFromFlags();
  v1::BatchLookupEntitiesResponse response;
  auto context = Context();
  grpc::Status status =
      stub->BatchLookupEntities(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  std::vector<std::vector<std::string>> rows;
  for (const auto& match : response.matches()) {
    if (!TableOutput()) {
      std::cout << ToJsonLine(match) << "\n";
      continue;
    }
    for (const auto& entity : match.entities()) {
      std::vector<std::string> row = {absl::StrCat(
          match.external_id().system(), ":", match.external_id().value())};
      for (std::string& cell : EntityRow(entity)) row.push_back(cell);
      rows.push_back(std::move(row));
    }
  }
  if (TableOutput()) {
    std::vector<std::string> header = {"EXTERNAL ID"};
    for (std::string& cell : EntityHeader()) header.push_back(cell);
    PrintTable(std::cout, header, rows);
  }
  for (const auto& id : response.missing()) {
    std::cerr << "factctl: no entity has " << id.system() << ":" << id.value()
              << "\n";
  }
  return response.missing_size() > 0 ? 3 : 0;
}

int GetFacts(const std::vector<std::string>& ids) {
  auto stub = QueryStub();
  v1::BatchGetFactsRequest request;
  for (const std::string& id : ids) request.add_ids(id);
  *request.mutable_read_options() = ReadOptionsFromFlags();
  v1::BatchGetFactsResponse response;
  auto context = Context();
  grpc::Status status = stub->BatchGetFacts(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  for (const auto& fact : response.facts()) {
    if (TableOutput()) {
      PrintTable(std::cout, FactHeader(), {FactRow(fact)});
      for (const auto& m : fact.mentions()) {
        std::cout << "  " << m.document_id() << ": \"" << m.quote() << "\"\n";
      }
    } else {
      std::cout << ToJsonLine(fact) << "\n";
    }
  }
  for (const std::string& id : response.missing_ids()) {
    std::cerr << "factctl: no fact " << id << "\n";
  }
  return response.missing_ids_size() > 0 ? 3 : 0;
}

// Sets `filter` from the facts flags; false, after saying which one is
// wrong to `command`, if one is.
bool FilterFromFlags(absl::string_view command, v1::FactFilter* filter) {
  filter->set_subject(absl::GetFlag(FLAGS_subject));
  filter->set_predicate(absl::GetFlag(FLAGS_predicate));
  filter->set_predicate_prefix(absl::GetFlag(FLAGS_predicate_prefix));
  filter->set_object(absl::GetFlag(FLAGS_object));
  if (!absl::GetFlag(FLAGS_unit).empty() || !absl::GetFlag(FLAGS_min).empty() ||
      !absl::GetFlag(FLAGS_max).empty()) {
    filter->mutable_quantity_range()->set_unit(absl::GetFlag(FLAGS_unit));
    filter->mutable_quantity_range()->set_min(absl::GetFlag(FLAGS_min));
    filter->mutable_quantity_range()->set_max(absl::GetFlag(FLAGS_max));
  }
  if (!absl::GetFlag(FLAGS_from).empty() || !absl::GetFlag(FLAGS_to).empty()) {
    filter->mutable_valid_time()->set_start(absl::GetFlag(FLAGS_from));
    filter->mutable_valid_time()->set_end(absl::GetFlag(FLAGS_to));
  }
  filter->set_source_document(absl::GetFlag(FLAGS_source));
  for (const std::string& q : absl::GetFlag(FLAGS_qualifier)) {
    std::vector<std::string> parts = absl::StrSplit(q, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      std::cerr << "factctl " << command
                << ": --qualifier takes NAME=ENTITY_ID, "
                << "not \"" << q << "\"\n";
      return false;
    }
    (*filter->mutable_qualifiers())[parts[0]] = parts[1];
  }
  filter->set_attributed_to(absl::GetFlag(FLAGS_attributed_to));
  filter->set_involves(absl::GetFlag(FLAGS_involves));
  for (const std::string& m : absl::GetFlag(FLAGS_modality)) {
    v1::Modality parsed;
    if (!v1::Modality_Parse(absl::StrCat("MODALITY_", m), &parsed)) {
      std::cerr << "factctl " << command << ": unknown --modality " << m
                << "\n";
      return false;
    }
    filter->add_modalities(parsed);
  }
  filter->set_include_retracted(absl::GetFlag(FLAGS_include_retracted));
  return true;
}

int Facts() {
  auto stub = QueryStub();
  v1::ListFactsRequest request;
  if (!FilterFromFlags("facts", request.mutable_filter())) return 2;
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  *request.mutable_read_options() = ReadOptionsFromFlags();
  std::vector<std::vector<std::string>> rows;
  grpc::Status status = ForEachResult(
      *stub, &v1::QueryService::Stub::ListFacts, request,
      [](const v1::ListFactsResponse& r) -> const auto& { return r.facts(); },
      [&](const v1::Fact& fact) {
        if (TableOutput()) {
          rows.push_back(FactRow(fact));
        } else {
          std::cout << ToJsonLine(fact) << "\n";
        }
      });
  if (!status.ok()) return Failed(status);
  if (TableOutput()) PrintTable(std::cout, FactHeader(), rows);
  return 0;
}

// Facts by the words of their quotes and text values: SearchFacts, every
// page, within the facts flags' filter.
int SearchFacts(const std::vector<std::string>& words) {
  if (words.empty()) {
    std::cerr << "factctl search-facts: give the words to search for\n";
    return 2;
  }
  auto stub = QueryStub();
  v1::SearchFactsRequest request;
  request.set_query(absl::StrJoin(words, " "));
  if (!FilterFromFlags("search-facts", request.mutable_filter())) return 2;
  request.set_page_size(absl::GetFlag(FLAGS_page_size));
  *request.mutable_read_options() = ReadOptionsFromFlags();
  std::vector<std::vector<std::string>> rows;
  grpc::Status status = ForEachResult(
      *stub, &v1::QueryService::Stub::SearchFacts, request,
      [](const v1::SearchFactsResponse& r) -> const auto& { return r.hits(); },
      [&](const v1::FactHit& hit) {
        if (TableOutput()) {
          rows.push_back({absl::StrFormat("%.2f", hit.score()), hit.fact().id(),
                          hit.fact().subject(), hit.fact().predicate(),
                          DescribeValue(hit.fact().value()),
                          absl::StrJoin(hit.matched_words(), ", ")});
        } else {
          std::cout << ToJsonLine(hit) << "\n";
        }
      });
  if (!status.ok()) return Failed(status);
  if (TableOutput()) {
    PrintTable(std::cout,
               {"SCORE", "ID", "SUBJECT", "PREDICATE", "VALUE", "MATCHED"},
               rows);
  }
  return 0;
}

int Resolve(const std::vector<std::string>& args) {
  if (args.size() != 2) {
    std::cerr << "factctl resolve: give SUBJECT PREDICATE\n";
    return 2;
  }
  auto stub = QueryStub();
  v1::ResolveValueRequest request;
  request.set_subject(args[0]);
  request.set_predicate(args[1]);
  request.set_at(absl::GetFlag(FLAGS_at));
  if (!absl::GetFlag(FLAGS_series).empty()) {
    v1::SeriesPeriod series;
    if (!v1::SeriesPeriod_Parse(
            absl::StrCat("SERIES_PERIOD_", absl::GetFlag(FLAGS_series)),
            &series)) {
      std::cerr << "factctl resolve: --series is YEAR, MONTH or DAY\n";
      return 2;
    }
    request.set_series(series);
  }
  for (const std::string& q : absl::GetFlag(FLAGS_qualifier)) {
    std::vector<std::string> parts = absl::StrSplit(q, absl::MaxSplits('=', 1));
    if (parts.size() != 2 || parts[0].empty() || parts[1].empty()) {
      std::cerr << "factctl resolve: --qualifier takes NAME=ENTITY_ID\n";
      return 2;
    }
    (*request.mutable_qualifiers())[parts[0]] = parts[1];
  }
  *request.mutable_read_options() = ReadOptionsFromFlags();
  v1::ResolveValueResponse response;
  auto context = Context();
  grpc::Status status = stub->ResolveValue(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (!TableOutput()) {
    std::cout << ToJsonLine(response) << "\n";
    return 0;
  }
  if (request.series() != v1::SERIES_PERIOD_UNSPECIFIED) {
    std::vector<std::vector<std::string>> rows;
    for (const v1::SeriesPoint& point : response.series()) {
      rows.push_back({point.period(), DescribeValue(point.preferred().value()),
                      absl::StrCat(point.claim_count()),
                      ShortEnumName(point.reason()), point.preferred().id()});
    }
    PrintTable(std::cout, {"PERIOD", "VALUE", "CLAIMS", "REASON", "FACT"},
               rows);
    return rows.empty() ? 3 : 0;
  }
  if (!response.has_preferred()) {
    std::cout << "no claim matches\n";
    return 3;
  }
  std::vector<std::vector<std::string>> rows = {FactRow(response.preferred())};
  for (const auto& fact : response.competing()) rows.push_back(FactRow(fact));
  PrintTable(std::cout, FactHeader(), rows);
  std::cout << "\npreferred: " << DescribeValue(response.preferred().value())
            << " (" << response.explanation() << ")\n";
  return 0;
}

int Count() {
  auto stub = QueryStub();
  v1::AggregateFactsRequest request;
  if (!FilterFromFlags("count", request.mutable_filter())) return 2;
  if (!absl::GetFlag(FLAGS_group_by).empty()) {
    v1::FactGrouping grouping;
    if (!v1::FactGrouping_Parse(
            absl::StrCat("FACT_GROUPING_", absl::GetFlag(FLAGS_group_by)),
            &grouping)) {
      std::cerr << "factctl count: unknown --group_by "
                << absl::GetFlag(FLAGS_group_by) << "\n";
      return 2;
    }
    request.set_group_by(grouping);
  }
  request.set_unit(absl::GetFlag(FLAGS_sum_unit));
  if (absl::GetFlag(FLAGS_limit) > 0) {
    request.set_max_groups(absl::GetFlag(FLAGS_limit));
  }
  *request.mutable_read_options() = ReadOptionsFromFlags();
  v1::AggregateFactsResponse response;
  auto context = Context();
  grpc::Status status = stub->AggregateFacts(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (!TableOutput()) {
    std::cout << ToJsonLine(response) << "\n";
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::FactGroup& group : response.groups()) {
    rows.push_back({group.key().empty() ? "-" : group.key(),
                    absl::StrCat(group.fact_count()), group.sum(), group.min(),
                    group.max()});
  }
  PrintTable(std::cout, {"GROUP", "FACTS", "SUM", "MIN", "MAX"}, rows);
  std::cout << response.fact_count() << " facts in " << response.group_count()
            << " groups\n";
  return 0;
}

int Predicates() {
  auto stub = QueryStub();
  v1::ListPredicatesRequest request;
  request.set_prefix(absl::GetFlag(FLAGS_prefix));
  request.set_page_size(1000);
  *request.mutable_read_options() = ReadOptionsFromFlags();
  std::vector<std::vector<std::string>> rows;
  while (true) {
    v1::ListPredicatesResponse response;
    auto context = Context();
    grpc::Status status =
        stub->ListPredicates(context.get(), request, &response);
    if (!status.ok()) return Failed(status);
    for (const auto& p : response.predicates()) {
      if (TableOutput()) {
        rows.push_back({p.name(), ShortEnumName(p.value_type()),
                        absl::StrJoin(p.allowed_units(), ","),
                        p.description()});
      } else {
        std::cout << ToJsonLine(p) << "\n";
      }
    }
    if (response.next_page_token().empty()) break;
    request.set_page_token(response.next_page_token());
  }
  if (TableOutput())
    PrintTable(std::cout, {"NAME", "TYPE", "UNITS", "DESCRIPTION"}, rows);
  return 0;
}

int Watch() {
  auto stub = QueryStub();
  v1::WatchFactsRequest request;
  request.set_after(absl::GetFlag(FLAGS_after));
  request.set_subject(absl::GetFlag(FLAGS_subject));
  request.set_predicate_prefix(absl::GetFlag(FLAGS_predicate_prefix));
  for (const std::string& kind : absl::GetFlag(FLAGS_kind)) {
    v1::ChangeKind parsed;
    if (!v1::ChangeKind_Parse(absl::StrCat("CHANGE_KIND_", kind), &parsed)) {
      std::cerr << "factctl watch: unknown --kind " << kind << "\n";
      return 2;
    }
    request.add_kinds(parsed);
  }
  int count = absl::GetFlag(FLAGS_count);
  grpc::ClientContext context;
  if (!absl::GetFlag(FLAGS_token).empty()) {
    context.AddMetadata("authorization",
                        absl::StrCat("Bearer ", absl::GetFlag(FLAGS_token)));
  }
  auto reader = stub->WatchFacts(&context, request);
  v1::WatchFactsResponse response;
  int seen = 0;
  bool table = TableOutput();
  while (reader->Read(&response)) {
    for (const auto& event : response.events()) {
      if (table) {
        std::string what;
        if (event.has_fact()) {
          what = absl::StrJoin(FactRow(event.fact()), "  ");
        } else if (event.has_entity()) {
          what = absl::StrJoin(EntityRow(event.entity()), "  ");
        } else if (event.has_predicate()) {
          what = event.predicate().name();
        } else if (!event.merged_entity_id().empty()) {
          what = event.merged_entity_id();
        } else {
          what = event.erased_entity_id();
        }
        std::cout << ShortEnumName(event.kind()) << "  " << event.commit_token()
                  << "  " << what << "\n";
      } else {
        std::cout << ToJsonLine(event) << "\n";
      }
      std::cout.flush();
      if (count > 0 && ++seen >= count) {
        context.TryCancel();
        std::cerr << "resume with --after=" << response.resume_token() << "\n";
        return 0;
      }
    }
  }
  grpc::Status status = reader->Finish();
  if (!status.ok()) return Failed(status);
  return 0;
}

int Stats() {
  auto stub = QueryStub();
  v1::GetStatsRequest request;
  request.mutable_read_options()->set_min_commit(
      absl::GetFlag(FLAGS_min_commit));
  v1::GetStatsResponse response;
  auto context = Context();
  grpc::Status status = stub->GetStats(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (!TableOutput()) {
    std::cout << ToJsonLine(response) << "\n";
    return 0;
  }
  PrintTable(
      std::cout,
      {"ENTITIES", "FACTS", "RETRACTED", "MENTIONS", "PREDICATES", "TOMBSTONES",
       "COMMIT", "BEHIND"},
      {{absl::StrCat(response.entity_count()),
        absl::StrCat(response.fact_count()),
        absl::StrCat(response.retracted_fact_count()),
        absl::StrCat(response.mention_count()),
        absl::StrCat(response.predicate_count()),
        absl::StrCat(response.tombstone_count()), response.commit_token(),
        absl::StrCat(response.commits_behind())}});
  return 0;
}

int Retract(const std::vector<std::string>& ids) {
  if (ids.empty() || absl::GetFlag(FLAGS_reason).empty()) {
    std::cerr << "factctl retract: give fact ids and --reason\n";
    return 2;
  }
  v1::RetractFactsRequest request;
  for (const std::string& id : ids) request.add_fact_ids(id);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  v1::RetractFactsResponse response;
  auto context = Context();
  grpc::Status status =
      IngestStub()->RetractFacts(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  bool rejected = false;
  std::vector<std::vector<std::string>> rows;
  for (const v1::RetractResult& result : response.results()) {
    rejected = rejected || result.outcome() == v1::OUTCOME_REJECTED;
    if (TableOutput()) {
      rows.push_back({result.fact_id(), ShortEnumName(result.outcome()),
                      result.error().message()});
    } else {
      std::cout << ToJsonLine(result) << "\n";
    }
  }
  if (TableOutput()) {
    PrintTable(std::cout, {"FACT", "OUTCOME", "ERROR"}, rows);
    std::cout << "commit " << response.commit_token() << "\n";
  }
  return rejected ? 1 : 0;
}

int Erase(const std::vector<std::string>& ids) {
  if (ids.size() != 1 || absl::GetFlag(FLAGS_reason).empty()) {
    std::cerr << "factctl erase: give one entity id and --reason\n";
    return 2;
  }
  v1::EraseEntityRequest request;
  request.set_entity_id(ids[0]);
  request.set_reason(absl::GetFlag(FLAGS_reason));
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  v1::EraseEntityResponse response;
  auto context = Context();
  grpc::Status status =
      IngestStub()->EraseEntity(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (!TableOutput()) {
    std::cout << ToJsonLine(response) << "\n";
    return 0;
  }
  PrintTable(std::cout, {"ERASED", "FACTS", "MENTIONS", "COMMIT"},
             {{response.tombstone().entity_id(),
               absl::StrCat(response.erased_fact_count()),
               absl::StrCat(response.erased_mention_count()),
               response.commit_token()}});
  return 0;
}

int Merge(const std::vector<std::string>& ids) {
  if (ids.size() != 2) {
    std::cerr << "factctl merge: give the duplicate's id, then the id of the "
                 "entity it is merged into\n";
    return 2;
  }
  v1::MergeEntitiesRequest request;
  request.set_from_entity_id(ids[0]);
  request.set_into_entity_id(ids[1]);
  request.set_request_id(absl::GetFlag(FLAGS_request_id));
  v1::MergeEntitiesResponse response;
  auto context = Context();
  grpc::Status status =
      IngestStub()->MergeEntities(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (!TableOutput()) {
    std::cout << ToJsonLine(response) << "\n";
    return 0;
  }
  PrintTable(
      std::cout,
      {"MERGED", "INTO", "MOVED FACTS", "COMBINED", "MOVED MENTIONS", "COMMIT"},
      {{ids[0], response.entity().id(),
        absl::StrCat(response.moved_fact_count()),
        absl::StrCat(response.combined_fact_count()),
        absl::StrCat(response.moved_mention_count()),
        response.commit_token()}});
  return 0;
}

int Parse(const std::vector<std::string>& words) {
  if (words.empty()) {
    std::cerr << "factctl parse: give the text to parse\n";
    return 2;
  }
  v1::ParseTextRequest request;
  request.set_text(absl::StrJoin(words, " "));
  request.set_language(absl::GetFlag(FLAGS_language));
  v1::ParseTextResponse response;
  auto context = Context();
  grpc::Status status =
      IngestStub()->ParseText(context.get(), request, &response);
  if (!status.ok()) return Failed(status);
  if (!TableOutput()) {
    for (const v1::TextValue& value : response.values()) {
      std::cout << ToJsonLine(value) << "\n";
    }
    return 0;
  }
  std::vector<std::vector<std::string>> rows;
  for (const v1::TextValue& value : response.values()) {
    rows.push_back(TextValueRow(value));
  }
  PrintTable(std::cout, TextValueHeader(), rows);
  return 0;
}

int Export() {
  ExportOptions options;
  if (!FilterFromFlags("export", &options.filter)) return 2;
  options.min_commit = absl::GetFlag(FLAGS_min_commit);
  options.timeout = absl::GetFlag(FLAGS_timeout);
  options.token = absl::GetFlag(FLAGS_token);
  if (isatty(STDERR_FILENO)) options.progress = &std::cerr;
  auto stub = QueryStub();
  absl::StatusOr<ExportSummary> summary =
      ExportStore(*stub, options, std::cout);
  std::cout.flush();
  if (!summary.ok()) {
    std::cerr << "factctl export: " << summary.status().message() << "\n";
    return 1;
  }
  std::cerr << "exported " << summary->predicates << " predicates, "
            << summary->entities << " entities, " << summary->facts
            << " facts (" << summary->retracted << " retracted) at commit "
            << summary->commit_token << "\n";
  return 0;
}

int Run(int argc, char** argv) {
  absl::SetProgramUsageMessage(kUsage);
  absl::Status env = server::ApplyEnvironmentToFlags(
      {"FACTCTL_"},
      {"ingest", "query", "token", "tls_ca", "tls_cert", "tls_key"});
  if (!env.ok()) {
    std::cerr << "factctl: " << env.message() << "\n";
    return 2;
  }
  std::vector<char*> positional = absl::ParseCommandLine(argc, argv);
  if (positional.size() < 2) {
    std::cerr << kUsage << "\n";
    return 2;
  }
  std::string command = positional[1];
  std::vector<std::string> args(positional.begin() + 2, positional.end());
  if (command == "load") return Load(args);
  if (command == "get-entity") return GetEntities(args);
  if (command == "search") return Search(args);
  if (command == "list-entities") return ListEntities();
  if (command == "lookup") return Lookup(args);
  if (command == "get-fact") return GetFacts(args);
  if (command == "facts") return Facts();
  if (command == "resolve") return Resolve(args);
  if (command == "search-facts") return SearchFacts(args);
  if (command == "count") return Count();
  if (command == "predicates") return Predicates();
  if (command == "watch") return Watch();
  if (command == "stats") return Stats();
  if (command == "retract") return Retract(args);
  if (command == "export") return Export();
  if (command == "erase") return Erase(args);
  if (command == "merge") return Merge(args);
  if (command == "parse") return Parse(args);
  std::cerr << "factctl: unknown command \"" << command << "\"\n\n"
            << kUsage << "\n";
  return 2;
}

}  // namespace
}  // namespace factstore::tools

int main(int argc, char** argv) { return factstore::tools::Run(argc, argv); }
