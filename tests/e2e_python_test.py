"""End to end with a client no one here wrote: Python grpcio.

Starts the real ingest and query servers, loads the sample dataset
(data/samples, the facts of the two seed articles) through StreamIngestFacts
with stubs generated at test time from the repository's protos, then asks the
questions a new user asks and checks the normalized values and mentions.
"""

import glob
import json
import os
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402

import grpc  # noqa: E402
from google.protobuf import json_format  # noqa: E402


class SampleDatasetTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()
        data_dir = os.path.join(testlib.temp_dir("e2e-"), "data")
        cls.ingest_server = testlib.ServerProcess.ingest(data_dir).start()
        cls.query_server = testlib.ServerProcess.query(data_dir).start()
        cls.ingest_channel = grpc.insecure_channel(cls.ingest_server.address)
        cls.query_channel = grpc.insecure_channel(cls.query_server.address)
        assert testlib.wait_serving(cls.query_channel, "factstore.v1.QueryService")
        cls.ingest = cls.stubs.ingest_grpc.IngestServiceStub(cls.ingest_channel)
        cls.query = cls.stubs.query_grpc.QueryServiceStub(cls.query_channel)
        cls.token, cls.fact_lines, cls.rejected = cls.load_samples()

    @classmethod
    def tearDownClass(cls):
        cls.ingest_channel.close()
        cls.query_channel.close()
        cls.query_server.stop()
        cls.ingest_server.stop()

    @classmethod
    def load_samples(cls):
        """Loads data/samples/*.jsonl in file order; returns the last commit
        token, the number of fact lines and the rejected results."""
        s = cls.stubs
        predicates, entities, facts = [], [], []
        for path in sorted(glob.glob(os.path.join(testlib.SAMPLES_DIR, "*.jsonl"))):
            with open(path, encoding="utf-8") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    record = json.loads(line)
                    (kind, body), = record.items()
                    if kind == "predicate":
                        predicates.append(json_format.ParseDict(body, s.types.Predicate()))
                    elif kind == "entity":
                        entities.append(json_format.ParseDict(body, s.types.Entity()))
                    else:
                        facts.append(json_format.ParseDict(body, s.types.Fact()))
        rejected = []
        registered = cls.ingest.RegisterPredicates(
            s.ingest.RegisterPredicatesRequest(predicates=predicates), timeout=30)
        rejected += [r for r in registered.results if r.outcome == s.ingest.OUTCOME_REJECTED]
        upserted = cls.ingest.UpsertEntities(
            s.ingest.UpsertEntitiesRequest(entities=entities), timeout=30)
        rejected += [r for r in upserted.results if r.outcome == s.ingest.OUTCOME_REJECTED]

        batches = [facts[i:i + 40] for i in range(0, len(facts), 40)]
        requests = iter([s.ingest.StreamIngestFactsRequest(facts=b) for b in batches])
        token = upserted.commit_token
        acks = list(cls.ingest.StreamIngestFacts(requests, timeout=60))
        assert len(acks) == len(batches), (len(acks), len(batches))
        for index, ack in enumerate(acks):
            assert ack.batch_index == index
            rejected += [r for r in ack.results if r.outcome == s.ingest.OUTCOME_REJECTED]
            token = ack.commit_token
        return token, len(facts), rejected

    def read_options(self):
        return self.stubs.types.ReadOptions(min_commit=self.token)

    def test_every_sample_line_is_accepted(self):
        self.assertEqual([r.error.message for r in self.rejected], [])
        self.assertGreater(self.fact_lines, 50)

    def test_get_entity_da_nang(self):
        reply = self.query.GetEntity(self.stubs.query.GetEntityRequest(
            id="place:da-nang", read_options=self.read_options()), timeout=10)
        self.assertEqual(reply.entity.name, "Đà Nẵng")
        self.assertEqual(reply.entity.type, self.stubs.types.ENTITY_TYPE_PLACE)
        self.assertIn("Danang", list(reply.entity.aliases))
        self.assertTrue(reply.commit_token)

    def test_labels_are_searched_by_language_and_read_in_the_preferred_one(self):
        q, t = self.stubs.query, self.stubs.types

        def search(query, language):
            reply = self.query.SearchEntities(q.SearchEntitiesRequest(
                query=query, language=language, read_options=self.read_options()), timeout=10)
            return [(m.entity.id, m.matched_name) for m in reply.matches]

        self.assertEqual(search("다낭", "ko")[0], ("place:da-nang", "다낭"))
        self.assertEqual(search("다낭", "ko-KR")[0], ("place:da-nang", "다낭"))
        # "Da Nang" is the English label, not a Korean or Vietnamese one.
        self.assertNotIn("place:da-nang", [i for i, _ in search("da nang", "ko")])
        self.assertIn("place:da-nang", [i for i, _ in search("da nang", "en")])
        self.assertIn("place:da-nang", [i for i, _ in search("da nang", "")])
        self.assertEqual(search("han quoc", "vi")[0][0], "country:south-korea")

        def preferred(languages, entity_id="place:da-nang"):
            options = t.ReadOptions(min_commit=self.token, languages=languages)
            return self.query.GetEntity(q.GetEntityRequest(
                id=entity_id, read_options=options), timeout=10).entity

        entity = preferred(["ko-KR", "en"])
        self.assertEqual((entity.preferred_label.language, entity.preferred_label.name),
                         ("ko", "다낭"))
        self.assertEqual(entity.labels["vi"].name, "Đà Nẵng")
        self.assertEqual(preferred(["fr", "en"]).preferred_label.name, "Da Nang")
        self.assertFalse(preferred(["fr"]).HasField("preferred_label"))
        self.assertFalse(preferred(["ko"], "org:fpt").HasField("preferred_label"))
        # Every entity read takes the languages: a listing, a lookup.
        listed = self.query.ListEntities(q.ListEntitiesRequest(
            types=[t.ENTITY_TYPE_PLACE],
            read_options=t.ReadOptions(min_commit=self.token, languages=["vi"])), timeout=10)
        names = {e.id: e.preferred_label.name for e in listed.entities}
        self.assertEqual(names["country:vietnam"], "Việt Nam")
        self.assertEqual(names["place:seoul"], "Seoul")
        found = self.query.LookupEntity(q.LookupEntityRequest(
            external_id=q.ExternalId(system="wikidata", value="Q884"),
            read_options=t.ReadOptions(languages=["ko"])), timeout=10)
        self.assertEqual(found.entities[0].preferred_label.name, "대한민국")

    def test_output_only_label_fields_sent_back_are_not_stored(self):
        q, t = self.stubs.query, self.stubs.types
        # A client reads an entity with its languages and upserts it back.
        read = self.query.GetEntity(q.GetEntityRequest(
            id="place:seoul", read_options=t.ReadOptions(
                min_commit=self.token, languages=["ko"])), timeout=10).entity
        self.assertEqual(read.preferred_label.language, "ko")
        entity = t.Entity()
        entity.CopyFrom(read)
        entity.id = "place:seoul-copy"
        entity.labels["ko"].language = "ko"
        upserted = self.ingest.UpsertEntities(self.stubs.ingest.UpsertEntitiesRequest(
            entities=[entity]), timeout=10)
        self.assertEqual(upserted.results[0].outcome, self.stubs.ingest.OUTCOME_CREATED)
        stored = self.query.GetEntity(q.GetEntityRequest(
            id="place:seoul-copy", read_options=t.ReadOptions(
                min_commit=upserted.commit_token)), timeout=10).entity
        self.assertFalse(stored.HasField("preferred_label"))
        self.assertEqual(stored.labels["ko"].name, "서울")
        self.assertEqual(stored.labels["ko"].language, "")

    def test_parse_text_cites_the_spans_of_a_seed_sentence(self):
        ingest = self.stubs.ingest
        text = ("Da Nang has 37 educational institutions providing training of "
                "information technology. The annual number of graduates is around "
                "6,000 students.")
        reply = self.ingest.ParseText(ingest.ParseTextRequest(text=text, language="en"),
                                      timeout=10)
        found = [(v.start, v.end, v.text, v.quantity.amount, v.quantity.unit,
                  v.quantity.comparator) for v in reply.values]
        self.assertEqual(found, [
            (12, 39, "37 educational institutions", "37", "organization",
             self.stubs.types.COMPARATOR_EXACT),
            (120, 141, "around 6,000 students", "6000", "person",
             self.stubs.types.COMPARATOR_APPROXIMATELY)])
        for value in reply.values:
            self.assertEqual(text[value.start:value.end], value.text)
        # Vietnamese, where offsets in code points differ from bytes.
        text = "Hàn Quốc đầu tư 85,9 tỷ USD vào Việt Nam từ năm 2020 đến năm 2024."
        reply = self.ingest.ParseText(ingest.ParseTextRequest(text=text, language="vi"),
                                      timeout=10)
        self.assertEqual([text[v.start:v.end] for v in reply.values],
                         ["85,9 tỷ USD", "từ năm 2020 đến năm 2024"])
        self.assertEqual(reply.values[1].period.interval_end, "2025-01-01")
        with self.assertRaises(grpc.RpcError) as refused:
            self.ingest.ParseText(ingest.ParseTextRequest(text=""), timeout=10)
        self.assertEqual(refused.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("text", refused.exception.details())

    def test_the_two_articles_are_the_listed_documents(self):
        ids, token = [], ""
        while True:
            reply = self.query.ListEntities(self.stubs.query.ListEntitiesRequest(
                types=[self.stubs.types.ENTITY_TYPE_DOCUMENT], page_size=1,
                page_token=token, read_options=self.read_options()), timeout=10)
            ids += [e.id for e in reply.entities]
            self.assertTrue(all(e.type == self.stubs.types.ENTITY_TYPE_DOCUMENT
                                for e in reply.entities))
            token = reply.next_page_token
            if not token:
                break
        self.assertEqual(ids, ["doc:kr-vn-ict-da-nang", "doc:vn-kr-digital-forum-seoul-2024"])

    def test_wikidata_and_iso_codes_find_their_entities(self):
        ExternalId = self.stubs.query.ExternalId
        reply = self.query.LookupEntity(self.stubs.query.LookupEntityRequest(
            external_id=ExternalId(system="wikidata", value="Q25282"),
            read_options=self.read_options()), timeout=10)
        self.assertEqual([e.id for e in reply.entities], ["place:da-nang"])
        self.assertEqual(reply.entities[0].external_ids["wikidata"], "Q25282")
        batch = self.query.BatchLookupEntities(self.stubs.query.BatchLookupEntitiesRequest(
            external_ids=[ExternalId(system="iso3166", value="VN"),
                          ExternalId(system="wikidata", value="Q0"),
                          ExternalId(system="wikidata", value="Q884")],
            read_options=self.read_options()), timeout=10)
        self.assertEqual([(m.external_id.value, [e.id for e in m.entities])
                          for m in batch.matches],
                         [("VN", ["country:vietnam"]), ("Q884", ["country:south-korea"])])
        self.assertEqual([m.value for m in batch.missing], ["Q0"])
        with self.assertRaises(grpc.RpcError) as missing:
            self.query.LookupEntity(self.stubs.query.LookupEntityRequest(
                external_id=ExternalId(system="wikidata", value="Q0")), timeout=10)
        self.assertEqual(missing.exception.code(), grpc.StatusCode.NOT_FOUND)
        with self.assertRaises(grpc.RpcError) as invalid:
            self.query.LookupEntity(self.stubs.query.LookupEntityRequest(
                external_id=ExternalId(value="Q25282")), timeout=10)
        self.assertEqual(invalid.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("external_id.system", invalid.exception.details())

    def test_search_finds_da_nang_however_it_is_written(self):
        for query in ("danang", "Đà Nẵng", "DA NANG", "da-nang", "다낭"):
            with self.subTest(query=query):
                reply = self.query.SearchEntities(self.stubs.query.SearchEntitiesRequest(
                    query=query, read_options=self.read_options()), timeout=10)
                self.assertGreater(len(reply.matches), 0)
                self.assertEqual(reply.matches[0].entity.id, "place:da-nang")
                self.assertEqual(reply.matches[0].match_kind,
                                 self.stubs.query.MATCH_KIND_EXACT)

    def test_search_facts_finds_the_words_of_the_quotes(self):
        q = self.stubs.query
        reply = self.query.SearchFacts(q.SearchFactsRequest(
            query="Software Parks", filter=q.FactFilter(subject="place:da-nang"),
            read_options=self.read_options()), timeout=10)
        # The article's sentence names four kinds of infrastructure; the fact
        # whose value is "software parks" says the words twice and ranks first.
        self.assertEqual(reply.total_size, 4)
        self.assertEqual(len(reply.hits), 4)
        top = reply.hits[0]
        self.assertEqual(top.fact.predicate, "investment.infrastructure_offered")
        self.assertEqual(top.fact.value.text.text, "software parks")
        self.assertEqual(list(top.matched_words), ["software", "parks"])
        self.assertGreater(top.score, reply.hits[1].score)
        self.assertIn("software parks", top.fact.mentions[0].quote)
        self.assertEqual(reply.plan.index, "words")

    def test_south_korea_investment_is_normalized_with_its_quote(self):
        reply = self.query.ListFacts(self.stubs.query.ListFactsRequest(
            filter=self.stubs.query.FactFilter(
                subject="country:south-korea",
                predicate="investment.cumulative_total"),
            read_options=self.read_options()), timeout=10)
        self.assertEqual(len(reply.facts), 1)
        fact = reply.facts[0]
        quantity = fact.value.quantity
        self.assertEqual(quantity.amount, "85900000000")
        self.assertEqual(quantity.unit, "USD")
        self.assertEqual(quantity.comparator, self.stubs.types.COMPARATOR_EXACT)
        self.assertEqual(quantity.surface_text, "US$85.9 billion")
        self.assertEqual(len(fact.mentions), 1)
        self.assertIn("US$85.9 billion", fact.mentions[0].quote)
        self.assertEqual(fact.mentions[0].document_id, "doc:kr-vn-ict-da-nang")
        self.assertEqual(reply.plan.index, "subject_predicate")

    def test_da_nang_workforce_is_approximately_53000_people(self):
        reply = self.query.ListFacts(self.stubs.query.ListFactsRequest(
            filter=self.stubs.query.FactFilter(subject="place:da-nang"),
            page_size=1000, read_options=self.read_options()), timeout=10)
        amounts = {(f.value.quantity.amount, f.value.quantity.unit,
                    f.value.quantity.comparator) for f in reply.facts
                   if f.value.HasField("quantity")}
        types = self.stubs.types
        self.assertIn(("53000", "person", types.COMPARATOR_APPROXIMATELY), amounts)
        self.assertIn(("37", "organization", types.COMPARATOR_EXACT), amounts)
        self.assertIn(("6000", "person", types.COMPARATOR_APPROXIMATELY), amounts)

    def test_largest_investor_claim_has_a_mention_from_each_article(self):
        reply = self.query.ListFacts(self.stubs.query.ListFactsRequest(
            filter=self.stubs.query.FactFilter(
                subject="country:vietnam",
                predicate="investment.largest_foreign_investor"),
            read_options=self.read_options()), timeout=10)
        self.assertEqual(len(reply.facts), 1)
        fact = reply.facts[0]
        self.assertEqual(fact.value.entity_id, "country:south-korea")
        self.assertEqual(sorted(m.document_id for m in fact.mentions),
                         ["doc:kr-vn-ict-da-nang", "doc:vn-kr-digital-forum-seoul-2024"])
        # The object index finds it from the other side too.
        by_object = self.query.ListFacts(self.stubs.query.ListFactsRequest(
            filter=self.stubs.query.FactFilter(
                object="country:south-korea",
                predicate="investment.largest_foreign_investor"),
            read_options=self.read_options()), timeout=10)
        self.assertEqual([f.id for f in by_object.facts], [fact.id])
        self.assertEqual(by_object.plan.index, "object")

    def test_resolve_value_prefers_the_observed_market_size(self):
        query = self.stubs.query
        reply = self.query.ResolveValue(query.ResolveValueRequest(
            subject="product:kr-it-outsourcing-market", predicate="market.size",
            read_options=self.read_options()), timeout=10)
        self.assertEqual(reply.preferred.value.quantity.amount, "600000000000")
        self.assertEqual(reply.reason, query.RESOLUTION_REASON_MODALITY)
        self.assertEqual([f.value.quantity.amount for f in reply.competing],
                         ["800000000000"])
        in_2028 = self.query.ResolveValue(query.ResolveValueRequest(
            subject="product:kr-it-outsourcing-market", predicate="market.size",
            at="2028", read_options=self.read_options()), timeout=10)
        self.assertEqual(in_2028.preferred.value.quantity.amount, "800000000000")
        self.assertEqual(in_2028.preferred.modality, self.stubs.types.MODALITY_FORECAST)
        # Each source keeps its own modality (here the one the sample sent
        # for the whole fact).
        self.assertEqual([m.modality for m in in_2028.preferred.mentions],
                         [self.stubs.types.MODALITY_FORECAST])
        self.assertEqual([m.modality for m in reply.preferred.mentions],
                         [self.stubs.types.MODALITY_OBSERVED])
        self.assertEqual(in_2028.reason, query.RESOLUTION_REASON_SOLE_CLAIM)

    def test_the_forum_date_is_normalized(self):
        reply = self.query.ListFacts(self.stubs.query.ListFactsRequest(
            filter=self.stubs.query.FactFilter(
                subject="event:vn-kr-digital-forum-seoul-2024", predicate="event.date"),
            read_options=self.read_options()), timeout=10)
        self.assertEqual(len(reply.facts), 1)
        date = reply.facts[0].value.time
        self.assertEqual(date.date, "2024-08-02")
        self.assertEqual(date.precision, self.stubs.types.DATE_PRECISION_DAY)
        self.assertEqual(date.surface_text, "August 2, 2024")

    def test_valid_time_finds_the_2028_forecast(self):
        reply = self.query.ListFacts(self.stubs.query.ListFactsRequest(
            filter=self.stubs.query.FactFilter(valid_time=self.stubs.query.DateInterval(
                start="2028", end="2029")),
            page_size=1000, read_options=self.read_options()), timeout=10)
        self.assertEqual(reply.plan.index, "valid_time")
        forecasts = [f for f in reply.facts if f.predicate == "market.size"]
        self.assertEqual(len(forecasts), 1)
        self.assertEqual(forecasts[0].value.quantity.amount, "800000000000")
        self.assertEqual(forecasts[0].valid_time.at.modifier,
                         self.stubs.types.DATE_MODIFIER_BY)

    def test_watch_replays_the_sample_from_the_first_commit(self):
        # A commit token of commit 0: replay everything.
        store_id = self.token.split("-")[0]
        stream = self.query.WatchFacts(self.stubs.query.WatchFactsRequest(
            after=f"{store_id}-0", subject="place:da-nang"), timeout=10)
        events = []
        try:
            for response in stream:
                events.extend(response.events)
                if len(events) >= 5:
                    break
        finally:
            stream.cancel()
        self.assertGreaterEqual(len(events), 5)
        for event in events:
            self.assertEqual(event.kind, self.stubs.query.CHANGE_KIND_ASSERTED)
            self.assertEqual(event.fact.subject, "place:da-nang")

    def test_watch_delivers_entity_upserts_and_registrations_when_asked(self):
        q = self.stubs.query
        store_id = self.token.split("-")[0]
        stream = self.query.WatchFacts(q.WatchFactsRequest(
            after=f"{store_id}-0", heartbeat_ms=200,
            kinds=[q.CHANGE_KIND_ENTITY_UPSERTED, q.CHANGE_KIND_PREDICATE_REGISTERED]),
            timeout=20)
        events = []
        try:
            for response in stream:
                events.extend(response.events)
                if events and not response.events:
                    break  # a heartbeat after the replay: nothing more to come
        finally:
            stream.cancel()
        kinds = {e.kind for e in events}
        self.assertEqual(kinds, {q.CHANGE_KIND_ENTITY_UPSERTED,
                                 q.CHANGE_KIND_PREDICATE_REGISTERED})
        entities = {e.entity.id: e.entity for e in events
                    if e.kind == q.CHANGE_KIND_ENTITY_UPSERTED}
        self.assertEqual(entities["place:da-nang"].external_ids["wikidata"], "Q25282")
        predicates = {e.predicate.name for e in events
                      if e.kind == q.CHANGE_KIND_PREDICATE_REGISTERED}
        self.assertIn("market.size", predicates)
        self.assertFalse(any(e.HasField("fact") for e in events))

    def test_stats_count_the_sample(self):
        reply = self.query.GetStats(self.stubs.query.GetStatsRequest(
            read_options=self.read_options()), timeout=10)
        self.assertEqual(reply.fact_count, self.fact_lines - 1)  # one shared claim
        self.assertEqual(reply.mention_count, self.fact_lines)
        self.assertEqual(reply.commits_behind, 0)

    def test_errors_name_the_field(self):
        with self.assertRaises(grpc.RpcError) as caught:
            self.query.ListFacts(self.stubs.query.ListFactsRequest(
                filter=self.stubs.query.FactFilter(
                    quantity_range=self.stubs.query.QuantityRange(unit="USD"))),
                timeout=10)
        self.assertEqual(caught.exception.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("filter.quantity_range", caught.exception.details())


class EmbeddedErasureTest(unittest.TestCase):
    """After EraseEntity, the erased names and quotes leave every file of the
    store (table files and write-ahead log): the ingest service compacts it
    in the background."""

    def test_erased_strings_leave_the_data_directory(self):
        s = testlib.generate_stubs()
        t = s.types
        data_dir = os.path.join(testlib.temp_dir("erase-"), "data")
        ingest = testlib.ServerProcess.ingest(data_dir).start()
        try:
            channel = grpc.insecure_channel(ingest.address)
            stub = s.ingest_grpc.IngestServiceStub(channel)
            stub.RegisterPredicates(s.ingest.RegisterPredicatesRequest(predicates=[
                t.Predicate(name="erase.count", value_type=t.VALUE_TYPE_QUANTITY,
                            unit_dimension=t.UNIT_DIMENSION_COUNT)]), timeout=30)
            stub.UpsertEntities(s.ingest.UpsertEntitiesRequest(entities=[
                t.Entity(id="person:to-erase", type=t.ENTITY_TYPE_PERSON,
                         name="Vwxyzzy Plonkett"),
                t.Entity(id="doc:erase-source", type=t.ENTITY_TYPE_DOCUMENT,
                         name="Erasure test source")]), timeout=30)
            request = s.ingest.IngestFactsRequest()
            for j in range(3):
                fact = request.facts.add(subject="person:to-erase", predicate="erase.count")
                fact.value.quantity.amount = str(j)
                fact.value.quantity.unit = "count"
                fact.mentions.add(document_id="doc:erase-source",
                                  quote=f"Plonkett counted {j} vwxyzzy widgets")
            self.assertEqual(stub.IngestFacts(request, timeout=30).accepted_count, 3)
            needles = [b"Vwxyzzy Plonkett", b"Plonkett counted", b"vwxyzzy widgets"]
            # The test can fail: the strings are on disk before the erasure.
            self.assertNotEqual(files_containing(data_dir, needles), [])
            stub.EraseEntity(s.ingest.EraseEntityRequest(
                entity_id="person:to-erase", reason="test"), timeout=60)
            deadline = time.time() + 60
            while files_containing(data_dir, needles) and time.time() < deadline:
                time.sleep(0.5)
            self.assertEqual(files_containing(data_dir, needles), [])
            channel.close()
        finally:
            ingest.stop()
        # Nor in what the stopped server leaves behind.
        self.assertEqual(files_containing(data_dir, needles), [])


def files_containing(directory, needles):
    found = []
    for root, _, files in os.walk(directory):
        for name in files:
            try:
                with open(os.path.join(root, name), "rb") as f:
                    data = f.read()
            except OSError:
                continue
            found += [f"{name}: {n!r}" for n in needles if n in data]
    return found


if __name__ == "__main__":
    testlib.run_tests()
