"""Runs every command of docs/walkthrough.md, as written, through buf curl.

The walkthrough is written for grpcurl. The test defines a shell function
`grpcurl` that translates each call to the equivalent `buf curl` call (buf
from npm, reflection only, no local proto files), starts the real services
with the sample facts loaded, and runs the page's blocks in order in one
shell, checking each block's "# expect:" lines against its output. A second
test calls every RPC of both services once through buf curl.
"""

import json
import os
import re
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402

import grpc  # noqa: E402

WALKTHROUGH = os.path.join(testlib.ROOT, "docs", "walkthrough.md")

# grpcurl's command line, spoken in buf curl.
GRPCURL_SHIM = r'''
grpcurl() {
  local data="" have_data=0 max_time="" positional=() headers=()
  while [ $# -gt 0 ]; do
    case "$1" in
      -plaintext) ;;
      -d) data="$2"; have_data=1; shift ;;
      -max-time) max_time="$2"; shift ;;
      -H) headers+=(-H "$2"); shift ;;
      -*) echo "grpcurl shim: no buf curl equivalent for $1" >&2; return 2 ;;
      *) positional+=("$1") ;;
    esac
    shift
  done
  local host="${positional[0]}" verb="${positional[1]:-}"
  local base=("$BUF" curl --protocol grpc --http2-prior-knowledge "${headers[@]}")
  case "$verb" in
    list)
      if [ ${#positional[@]} -ge 3 ]; then
        "${base[@]}" --list-methods "http://$host" | grep "^${positional[2]}/"
      else
        "${base[@]}" --list-services "http://$host"
      fi ;;
    describe)
      # buf curl has no describe: ask the reflection service directly for
      # the file that defines the symbol.
      "${base[@]}" -d "{\"fileContainingSymbol\": \"${positional[2]}\"}" \
        "http://$host/grpc.reflection.v1alpha.ServerReflection/ServerReflectionInfo" \
        | jq -r '.fileDescriptorResponse.fileDescriptorProto[]' | base64 -d | tr -c '[:print:]\n' ' ' ;;
    *)
      local data_args=()
      if [ "$have_data" = 1 ]; then
        if [ "$data" = "@" ]; then data_args=(-d @-); else data_args=(-d "$data"); fi
      fi
      if [ -n "$max_time" ]; then
        timeout "$max_time" "${base[@]}" "${data_args[@]}" "http://$host/$verb"
        local status=$?
        [ $status -eq 124 ] && status=0  # stopped by -max-time, as grpcurl would be
        return $status
      fi
      "${base[@]}" "${data_args[@]}" "http://$host/$verb" ;;
  esac
}
'''


def walkthrough_blocks():
    """The page's ```sh blocks: (info, code, expected substrings)."""
    text = open(WALKTHROUGH, encoding="utf-8").read()
    blocks = []
    for info, code in re.findall(r"```(sh[^\n]*)\n(.*?)```", text, re.S):
        expects = re.findall(r"^# expect: (.*)$", code, re.M)
        blocks.append((info.strip(), code, expects))
    return blocks


class WalkthroughTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.buf = os.environ.get("FACTSTORE_BUF") or ""
        if not os.access(cls.buf, os.X_OK):
            raise RuntimeError("buf not found: run through ./dev test or set FACTSTORE_BUF")
        cls.stubs = testlib.generate_stubs()
        data_dir = os.path.join(testlib.temp_dir("walkthrough-"), "data")
        cls.ingest = testlib.ServerProcess.ingest(data_dir).start()
        cls.query = testlib.ServerProcess.query(data_dir).start()
        channel = grpc.insecure_channel(cls.query.address)
        assert testlib.wait_serving(channel, "factstore.v1.QueryService")
        channel.close()
        samples = sorted(os.path.join(testlib.SAMPLES_DIR, f)
                         for f in os.listdir(testlib.SAMPLES_DIR) if f.endswith(".jsonl"))
        loaded = subprocess.run([testlib.FACTCTL_BINARY, "load", *samples],
                                env={**os.environ, "FACTCTL_INGEST": cls.ingest.address},
                                capture_output=True, text=True)
        assert loaded.returncode == 0, loaded.stdout + loaded.stderr

    @classmethod
    def tearDownClass(cls):
        cls.query.stop()
        cls.ingest.stop()

    def test_every_walkthrough_command_works_through_buf_curl(self):
        blocks = walkthrough_blocks()
        runnable = [b for b in blocks if b[0] == "sh"]
        self.assertGreaterEqual(len(runnable), 12)
        self.assertTrue(any(b[0] == "sh env" for b in blocks))
        script = ["set -e", GRPCURL_SHIM, f"BUF={self.buf}",
                  f"INGEST={self.ingest.address}", f"QUERY={self.query.address}",
                  f"cd {testlib.temp_dir('walkthrough-cwd-')}"]
        for index, (_, code, _) in enumerate(runnable):
            # The echo before the marker ends a last line without newline.
            script += ["echo", f"echo '@@@ block {index}'", code]
        script += ["echo", "echo '@@@ end'"]
        run = subprocess.run(["bash", "-c", "\n".join(script)], capture_output=True,
                             text=True, timeout=300)
        outputs = re.split(r"^@@@ ", run.stdout, flags=re.M)
        by_block = {}
        for chunk in outputs:
            header, _, body = chunk.partition("\n")
            if header.startswith("block "):
                by_block[int(header.split()[1])] = body
        self.assertIn("@@@ end", run.stdout,
                      f"a block failed (exit {run.returncode}):\n{run.stderr[-3000:]}\n"
                      f"last output:\n{run.stdout[-2000:]}")
        for index, (_, code, expects) in enumerate(runnable):
            for expected in expects:
                with self.subTest(block=index, expected=expected):
                    self.assertIn(expected, by_block.get(index, ""),
                                  f"block {index}:\n{code}\noutput:\n{by_block.get(index)}")

    def buf_curl(self, address, method, data="{}"):
        return subprocess.run(
            [self.buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge",
             "-d", data, f"http://{address}/{method}"],
            capture_output=True, text=True, timeout=60)

    def factctl(self, *args):
        return subprocess.run(
            [testlib.FACTCTL_BINARY, *args],
            env={**os.environ, "FACTCTL_QUERY": self.query.address},
            capture_output=True, text=True, timeout=60)

    def test_factctl_lists_entities_and_looks_them_up_in_json_and_tables(self):
        listed = self.factctl("list-entities", "--type=DOCUMENT", "--page_size=1",
                              "--output=json")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        ids = [json.loads(line)["id"] for line in listed.stdout.splitlines()]
        # The two articles of the samples, and any document the walkthrough
        # added if it ran first; by id, each once.
        self.assertEqual(ids, sorted(set(ids)))
        self.assertTrue(all(i.startswith("doc:") for i in ids), ids)
        self.assertLessEqual({"doc:kr-vn-ict-da-nang", "doc:vn-kr-digital-forum-seoul-2024"},
                             set(ids))
        table = self.factctl("list-entities", "--type=PLACE", "--limit=2", "--output=table")
        self.assertEqual(table.returncode, 0, table.stderr)
        lines = table.stdout.splitlines()
        self.assertTrue(lines[0].startswith("ID"), table.stdout)
        self.assertEqual(len([l for l in lines if re.match(r"^(country|place):", l)]), 2,
                         table.stdout)
        self.assertEqual(self.factctl("list-entities", "--type=CITY").returncode, 2)

        found = self.factctl("lookup", "wikidata:Q25282", "iso3166:KR", "--output=json")
        self.assertEqual(found.returncode, 0, found.stderr)
        matches = [json.loads(line) for line in found.stdout.splitlines()]
        self.assertEqual([(m["externalId"]["value"], [e["id"] for e in m["entities"]])
                          for m in matches],
                         [("Q25282", ["place:da-nang"]), ("KR", ["country:south-korea"])])
        partly = self.factctl("lookup", "wikidata:Q25282", "wikidata:Q0", "--output=table")
        self.assertEqual(partly.returncode, 3)
        self.assertIn("EXTERNAL ID", partly.stdout)
        self.assertRegex(partly.stdout, r"wikidata:Q25282 +place:da-nang")
        self.assertIn("no entity has wikidata:Q0", partly.stderr)
        self.assertEqual(self.factctl("lookup", "Q25282").returncode, 2)

        # Labels: the table shows the preferred label's name; search by language.
        shown = self.factctl("get-entity", "place:da-nang", "--languages=ko,en",
                             "--output=table")
        self.assertEqual(shown.returncode, 0, shown.stderr)
        self.assertRegex(shown.stdout, r"place:da-nang +PLACE +다낭")
        searched = self.factctl("search", "han quoc", "--language=vi", "--output=json")
        self.assertEqual(json.loads(searched.stdout.splitlines()[0])["entity"]["id"],
                         "country:south-korea")

        # Facts by a speaker, by a qualifier, and by every role of an entity.
        spoken = self.factctl("facts", "--attributed_to=person:nguyen-van-khoa",
                              "--output=json")
        self.assertEqual(spoken.returncode, 0, spoken.stderr)
        said = [json.loads(line) for line in spoken.stdout.splitlines()]
        self.assertEqual(len(said), 3)
        self.assertTrue(all(any(m.get("attributedTo") == "person:nguyen-van-khoa"
                                for m in f["mentions"]) for f in said))
        destined = self.factctl("facts", "--qualifier=destination=country:vietnam",
                                "--output=json")
        self.assertEqual(destined.returncode, 0, destined.stderr)
        destinations = [json.loads(line)["qualifiers"]["destination"]["entityId"]
                        for line in destined.stdout.splitlines()]
        self.assertEqual(set(destinations), {"country:vietnam"})  # the investment
        involved = self.factctl("facts", "--involves=person:nguyen-van-khoa",
                                "--output=json")
        ids = [json.loads(line)["id"] for line in involved.stdout.splitlines()]
        self.assertEqual(len(ids), len(set(ids)))
        self.assertLessEqual({f["id"] for f in said}, set(ids))
        self.assertEqual(self.factctl("facts", "--qualifier=destination").returncode, 2)

        # Counts by group, and a resolution by year.
        counted = self.factctl("count", "--subject=place:da-nang", "--group_by=PREDICATE",
                               "--output=json")
        self.assertEqual(counted.returncode, 0, counted.stderr)
        count = json.loads(counted.stdout)
        self.assertEqual(sum(int(g["factCount"]) for g in count["groups"]),
                         int(count["factCount"]))
        table = self.factctl("count", "--source=doc:kr-vn-ict-da-nang",
                             "--group_by=MODALITY", "--output=table")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertRegex(table.stdout, r"MODALITY_REPORTED +\d+")
        self.assertEqual(self.factctl("count", "--group_by=COLOR").returncode, 2)
        series = self.factctl("resolve", "product:kr-it-outsourcing-market", "market.size",
                              "--series=YEAR", "--output=table")
        self.assertEqual(series.returncode, 0, series.stderr)
        self.assertIn("PERIOD", series.stdout)
        self.assertRegex(series.stdout, r"2024 +")

        # Facts by the words of their quotes and text values, best first, on
        # every page.
        searched = self.factctl("search-facts", "software", "Parks", "--subject=place:da-nang",
                                "--page_size=1", "--output=json")
        self.assertEqual(searched.returncode, 0, searched.stderr)
        hits = [json.loads(line) for line in searched.stdout.splitlines()]
        self.assertEqual(len(hits), 4, searched.stdout)  # the quote of four facts
        self.assertEqual(hits[0]["fact"]["value"]["text"]["text"], "software parks")
        self.assertEqual([h["matchedWords"] for h in hits], [["software", "parks"]] * 4)
        self.assertEqual({h["fact"]["subject"] for h in hits}, {"place:da-nang"})
        scores = [h["score"] for h in hits]
        self.assertEqual(scores, sorted(scores, reverse=True))
        self.assertGreater(scores[0], scores[1])
        table = self.factctl("search-facts", "semiconductor", "--predicate_prefix=education.",
                             "--output=table")
        self.assertEqual(table.returncode, 0, table.stderr)
        self.assertIn("MATCHED", table.stdout)
        self.assertRegex(table.stdout, r"\d+\.\d\d +f_[0-9a-f]+ +place:da-nang +"
                         r"education\.it_graduates_per_year +.* semiconductors\n")
        self.assertEqual(self.factctl("search-facts").returncode, 2)
        self.assertEqual(self.factctl("search-facts", "parks", "--modality=SOMETIMES").returncode,
                         2)
        function_words = self.factctl("search-facts", "the", "of")
        self.assertEqual(function_words.returncode, 1)  # INVALID_ARGUMENT
        self.assertIn("query", function_words.stderr)

        # The change feed's registry events, from the first commit.
        store = re.search(r'"commitToken": "([0-9a-f]{8})-', self.buf_curl(
            self.query.address, "factstore.v1.QueryService/GetStats").stdout).group(1)
        watched = self.factctl("watch", f"--after={store}-0", "--kind=PREDICATE_REGISTERED",
                               "--count=2", "--output=json")
        self.assertEqual(watched.returncode, 0, watched.stderr)
        events = [json.loads(line) for line in watched.stdout.splitlines()]
        self.assertEqual([e["kind"] for e in events], ["CHANGE_KIND_PREDICATE_REGISTERED"] * 2)
        self.assertTrue(all(e["predicate"]["name"] for e in events), events)
        self.assertIn("resume with --after=", watched.stderr)
        self.assertEqual(self.factctl("watch", "--kind=RENAMED").returncode, 2)

    def test_factctl_retracts_facts_and_erases_entities(self):
        lines = [
            {"predicate": {"name": "note.factctl", "valueType": "VALUE_TYPE_TEXT"}},
            {"entity": {"id": "org:factctl", "type": "ENTITY_TYPE_ORGANIZATION",
                        "name": "factctl test"}},
            {"entity": {"id": "org:factctl-copy", "type": "ENTITY_TYPE_ORGANIZATION",
                        "name": "factctl copy"}},
            {"fact": {"subject": "org:factctl", "predicate": "note.factctl",
                      "value": {"raw": "hello"},
                      "mentions": [{"documentId": "doc:kr-vn-ict-da-nang"}]}},
            {"fact": {"subject": "org:factctl-copy", "predicate": "note.factctl",
                      "value": {"raw": "hello again"},
                      "mentions": [{"documentId": "doc:kr-vn-ict-da-nang"}]}},
        ]
        path = os.path.join(testlib.temp_dir("factctl-"), "note.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(json.dumps(line) + "\n" for line in lines))
        env = {"FACTCTL_INGEST": self.ingest.address}
        loaded = subprocess.run([testlib.FACTCTL_BINARY, "load", path],
                                env={**os.environ, **env}, capture_output=True, text=True)
        self.assertEqual(loaded.returncode, 0, loaded.stdout + loaded.stderr)
        listed = self.factctl("facts", "--subject=org:factctl", "--output=json")
        fact_id = json.loads(listed.stdout.splitlines()[0])["id"]

        def factctl_ingest(*args):
            return subprocess.run([testlib.FACTCTL_BINARY, *args],
                                  env={**os.environ, **env, "FACTCTL_QUERY": self.query.address},
                                  capture_output=True, text=True, timeout=60)

        # parse: the values of a sentence, in a table and as JSON lines.
        self.assertEqual(factctl_ingest("parse").returncode, 2)
        parsed = factctl_ingest("parse", "khoảng", "53.000", "người", "từ năm 2020",
                                "--language=vi", "--output=table")
        self.assertEqual(parsed.returncode, 0, parsed.stderr)
        self.assertRegex(parsed.stdout, r"0 +19 +khoảng 53.000 người +quantity +≈ 53000 person")
        self.assertRegex(parsed.stdout, r"20 +31 +từ năm 2020 +period +2020\.\.")
        parsed = factctl_ingest("parse", "by 2028", "--output=json")
        self.assertEqual([json.loads(line)["time"]["modifier"] for line in parsed.stdout.splitlines()],
                         ["DATE_MODIFIER_BY"])

        self.assertEqual(factctl_ingest("retract", fact_id).returncode, 2)  # no --reason
        retracted = factctl_ingest("retract", fact_id, "f_00000000000000000000000000000000",
                                   "--reason=wrong figure", "--output=json")
        self.assertEqual(retracted.returncode, 1)  # the unknown id is rejected
        results = [json.loads(line) for line in retracted.stdout.splitlines()]
        self.assertEqual([r["outcome"] for r in results], ["OUTCOME_UPDATED", "OUTCOME_REJECTED"])
        shown = self.factctl("facts", "--subject=org:factctl", "--include_retracted",
                             "--output=json")
        fact = json.loads(shown.stdout.splitlines()[0])
        self.assertTrue(fact["retracted"])
        self.assertEqual(fact["retractionReason"], "wrong figure")

        self.assertEqual(factctl_ingest("merge", "org:factctl-copy").returncode, 2)
        merged = factctl_ingest("merge", "org:factctl-copy", "org:factctl", "--output=table")
        self.assertEqual(merged.returncode, 0, merged.stderr)
        self.assertIn("MOVED FACTS", merged.stdout)
        self.assertRegex(merged.stdout, r"org:factctl-copy +org:factctl +1 +0 +0 ")
        again = factctl_ingest("merge", "org:factctl-copy", "org:factctl")
        self.assertEqual(again.returncode, 1, again.stderr)  # FAILED_PRECONDITION
        self.assertIn("already merged", again.stderr)
        moved = self.factctl("facts", "--subject=org:factctl-copy", "--output=json")
        self.assertEqual(moved.returncode, 0, moved.stderr)
        self.assertEqual([json.loads(line)["subject"] for line in moved.stdout.splitlines()],
                         ["org:factctl"])
        shown = self.factctl("get-entity", "org:factctl-copy", "--output=json")
        entity = json.loads(shown.stdout.splitlines()[0])
        self.assertEqual((entity["id"], entity["redirectedFrom"]),
                         ("org:factctl", "org:factctl-copy"))

        # Erasing the survivor erases the id merged into it too.
        erased = factctl_ingest("erase", "org:factctl", "--reason=test over", "--output=table")
        self.assertEqual(erased.returncode, 0, erased.stderr)
        self.assertRegex(erased.stdout, r"org:factctl +2 +0 ")
        self.assertEqual(self.factctl("get-entity", "org:factctl-copy").returncode, 3)
        gone = factctl_ingest("erase", "org:factctl", "--reason=again")
        self.assertEqual(gone.returncode, 3, gone.stderr)  # NOT_FOUND
        self.assertIn("org:factctl", gone.stderr)

    def test_every_rpc_answers_through_buf_curl_with_reflection_only(self):
        ingest, query = self.ingest.address, self.query.address
        calls = [
            (ingest, "factstore.v1.IngestService/RegisterPredicates",
             '{"predicates": [{"name": "note.buf", "valueType": "VALUE_TYPE_TEXT"}]}',
             "OUTCOME_CREATED"),
            (ingest, "factstore.v1.IngestService/UpsertEntities",
             '{"entities": [{"id": "org:buf", "type": "ENTITY_TYPE_ORGANIZATION", "name": "Buf"},'
             ' {"id": "org:buf-copy", "type": "ENTITY_TYPE_ORGANIZATION", "name": "Buf copy"}]}',
             "OUTCOME_CREATED"),
            (ingest, "factstore.v1.IngestService/IngestFacts",
             '{"facts": [{"subject": "org:buf", "predicate": "note.buf", "value": {"raw": "hello"},'
             ' "mentions": [{"documentId": "doc:kr-vn-ict-da-nang"}]}]}', "OUTCOME_CREATED"),
            (ingest, "factstore.v1.IngestService/StreamIngestFacts",
             '{"facts": [{"subject": "org:buf", "predicate": "note.buf", "value": {"raw": "again"},'
             ' "mentions": [{"documentId": "doc:kr-vn-ict-da-nang"}]}]}', "commitToken"),
            (ingest, "factstore.v1.IngestService/RetractFacts",
             '{"factIds": ["f_00000000000000000000000000000000"], "reason": "none"}',
             "OUTCOME_REJECTED"),
            (ingest, "factstore.v1.IngestService/MergeEntities",
             '{"fromEntityId": "org:buf-copy", "intoEntityId": "org:buf"}', "Buf copy"),
            (ingest, "factstore.v1.IngestService/ParseText",
             '{"text": "about 53,000 people by 2028", "language": "en"}', "53000"),
            (ingest, "factstore.v1.IngestService/EraseEntity",
             '{"entityId": "org:buf", "reason": "walkthrough"}', "tombstone"),
            (query, "factstore.v1.QueryService/GetEntity", '{"id": "place:da-nang"}', "Đà Nẵng"),
            (query, "factstore.v1.QueryService/BatchGetEntities",
             '{"ids": ["place:da-nang", "place:nowhere"]}', "place:nowhere"),
            (query, "factstore.v1.QueryService/ListEntities",
             '{"types": ["ENTITY_TYPE_DOCUMENT"], "pageSize": 1}', "nextPageToken"),
            (query, "factstore.v1.QueryService/LookupEntity",
             '{"externalId": {"system": "wikidata", "value": "Q25282"}}', "place:da-nang"),
            (query, "factstore.v1.QueryService/BatchLookupEntities",
             '{"externalIds": [{"system": "iso3166", "value": "KR"},'
             ' {"system": "wikidata", "value": "Q0"}]}', "country:south-korea"),
            (query, "factstore.v1.QueryService/SearchEntities", '{"query": "seoul"}', "place:seoul"),
            (query, "factstore.v1.QueryService/ListFacts",
             '{"filter": {"subject": "place:da-nang"}, "pageSize": 1}', "nextPageToken"),
            (query, "factstore.v1.QueryService/SearchFacts", '{"query": "software parks"}',
             "matchedWords"),
            (query, "factstore.v1.QueryService/AggregateFacts",
             '{"filter": {"subject": "place:da-nang"}, "groupBy": "FACT_GROUPING_PREDICATE"}',
             "groupCount"),
            (query, "factstore.v1.QueryService/ResolveValue",
             '{"subject": "product:kr-it-outsourcing-market", "predicate": "market.size"}',
             "600000000000"),
            (query, "factstore.v1.QueryService/ListPredicates", '{"prefix": "market."}',
             "market.size"),
            (query, "factstore.v1.QueryService/GetStats", "{}", "factCount"),
        ]
        fact_id = None
        for address, method, data, expected in calls:
            with self.subTest(method=method):
                result = self.buf_curl(address, method, data)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(expected, result.stdout)
                if method.endswith("/ListFacts"):
                    fact_id = re.search(r'"id": "(f_[0-9a-f]+)"', result.stdout).group(1)
        for method in ("GetFact", "BatchGetFacts"):
            with self.subTest(method=method):
                data = (f'{{"id": "{fact_id}"}}' if method == "GetFact"
                        else f'{{"ids": ["{fact_id}"]}}')
                result = self.buf_curl(query, f"factstore.v1.QueryService/{method}", data)
                self.assertEqual(result.returncode, 0, result.stderr)
                self.assertIn(fact_id, result.stdout)
        with self.subTest(method="WatchFacts"):
            store = re.search(r'"commitToken": "([0-9a-f]{8})-', self.buf_curl(
                query, "factstore.v1.QueryService/GetStats").stdout).group(1)
            watch = subprocess.run(
                ["timeout", "3", self.buf, "curl", "--protocol", "grpc",
                 "--http2-prior-knowledge", "-d",
                 f'{{"after": "{store}-0", "subject": "place:seoul"}}',
                 f"http://{query}/factstore.v1.QueryService/WatchFacts"],
                capture_output=True, text=True, timeout=30)
            self.assertIn("CHANGE_KIND_ASSERTED", watch.stdout)
        with self.subTest(method="grpc.health.v1.Health/Check"):
            result = self.buf_curl(query, "grpc.health.v1.Health/Check",
                                   '{"service": "factstore.v1.QueryService"}')
            self.assertIn("SERVING", result.stdout)
        # Every RPC the services list was called above.
        called = {method for _, method, _, _ in calls} | {
            f"factstore.v1.QueryService/{m}" for m in ("GetFact", "BatchGetFacts", "WatchFacts")}
        for address in (ingest, query):
            listed = subprocess.run(
                [self.buf, "curl", "--protocol", "grpc", "--http2-prior-knowledge",
                 "--list-methods", f"http://{address}"],
                capture_output=True, text=True, timeout=60)
            self.assertEqual(listed.returncode, 0, listed.stderr)
            methods = {line.strip() for line in listed.stdout.splitlines()
                       if line.startswith("factstore.v1.")}
            self.assertTrue(methods)
            self.assertEqual(methods - called, set())


if __name__ == "__main__":
    testlib.run_tests()
