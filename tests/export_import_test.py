"""factctl export and load: a store written out and loaded into an empty one.

Store A is the samples plus 100,000 generated facts (with second mentions
and retractions); `factctl export` writes it, `factctl load` reads that
into an empty store B, and B's export must hold the same predicates,
entities, facts (the same ids), mentions and retractions. The progress
line of an export is read through a pseudo-terminal, as a person sees it.
"""

import json
import os
import pty
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "python"))
import testlib  # noqa: E402

import grpc  # noqa: E402

FACTS = 100_000
SUBJECTS = 1_000
PREDICATE = "test.export_amount"
SINGLE = "test.export_single"  # one value per document, subject and time
DOCUMENTS = ["doc:export-a", "doc:export-b"]


def generated_lines():
    """The load records of the generated part of store A."""
    yield {"predicate": {"name": PREDICATE, "valueType": "VALUE_TYPE_QUANTITY",
                         "unitDimension": "UNIT_DIMENSION_COUNT",
                         "description": "Amounts of the export test"}}
    yield {"predicate": {"name": SINGLE, "valueType": "VALUE_TYPE_QUANTITY",
                         "unitDimension": "UNIT_DIMENSION_COUNT",
                         "cardinality": "CARDINALITY_ONE",
                         "description": "A figure a document gives once"}}
    for document in DOCUMENTS:
        yield {"entity": {"id": document, "type": "ENTITY_TYPE_DOCUMENT",
                          "name": f"Export test {document}"}}
    for s in range(SUBJECTS):
        yield {"entity": {"id": f"org:export-{s:04d}", "type": "ENTITY_TYPE_ORGANIZATION",
                          "name": f"Export subject {s}",
                          "externalIds": {"export-test": f"E{s}"}}}
    for i in range(FACTS):
        mentions = [{"documentId": DOCUMENTS[0], "quote": f"amount {i}", "language": "en"}]
        if i % 10 == 0:  # a second source for a tenth of the facts
            mentions.append({"documentId": DOCUMENTS[1], "quote": f"số tiền {i}",
                             "language": "vi", "confidence": 0.5})
        yield {"fact": {"subject": f"org:export-{i % SUBJECTS:04d}", "predicate": PREDICATE,
                        "value": {"quantity": {"amount": str(i), "unit": "count"}},
                        "validTime": {"raw": str(2000 + i % 25)},
                        "modality": "MODALITY_ESTIMATE" if i % 7 == 0 else "MODALITY_REPORTED",
                        "mentions": mentions}}


class ExportImportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.stubs = testlib.generate_stubs()
        cls.servers = []
        cls.work = testlib.temp_dir("export-")

    @classmethod
    def tearDownClass(cls):
        for server in reversed(cls.servers):
            server.stop()

    def start_store(self, name):
        data_dir = os.path.join(self.work, name)
        ingest = testlib.ServerProcess.ingest(data_dir).start()
        query = testlib.ServerProcess.query(data_dir).start()
        self.servers += [ingest, query]
        channel = grpc.insecure_channel(query.address)
        self.assertTrue(testlib.wait_serving(channel, "factstore.v1.QueryService"))
        channel.close()
        return ingest, query

    def factctl(self, ingest, query, *args, **kwargs):
        env = {**os.environ, "FACTCTL_INGEST": ingest.address, "FACTCTL_QUERY": query.address}
        return subprocess.run([testlib.FACTCTL_BINARY, *args], env=env, timeout=600, **kwargs)

    def load(self, ingest, query, *files):
        loaded = self.factctl(ingest, query, "load", *files, capture_output=True, text=True)
        self.assertEqual(loaded.returncode, 0, loaded.stdout + loaded.stderr[-2000:])
        return loaded.stdout

    def export(self, ingest, query, path):
        with open(path, "w", encoding="utf-8") as out:
            exported = self.factctl(ingest, query, "export", stdout=out,
                                    stderr=subprocess.PIPE, text=True)
        self.assertEqual(exported.returncode, 0, exported.stderr)
        return exported.stderr

    @staticmethod
    def read(path):
        """The export's records by kind: predicates and entities by name or
        id, facts by id with their mentions gathered from every line, and
        the retracted ids with their reasons."""
        contents = {"predicate": {}, "entity": {}, "fact": {}, "retraction": {}}
        with open(path, encoding="utf-8") as lines:
            for line in lines:
                (kind, body), = json.loads(line).items()
                if kind == "predicate":
                    contents[kind][body["name"]] = body
                elif kind == "entity":
                    contents[kind][body["id"]] = body
                elif kind == "fact":
                    fact = contents[kind].setdefault(body["id"], {**body, "mentions": []})
                    fact["mentions"] += body.get("mentions", [])
                else:
                    for fact_id in body["factIds"]:
                        contents[kind][fact_id] = body["reason"]
        return contents

    def test_an_export_loaded_into_an_empty_store_gives_the_same_contents(self):
        ingest_a, query_a = self.start_store("a")
        generated = os.path.join(self.work, "generated.jsonl")
        with open(generated, "w", encoding="utf-8") as f:
            for line in generated_lines():
                f.write(json.dumps(line, ensure_ascii=False) + "\n")
        samples = sorted(os.path.join(testlib.SAMPLES_DIR, f)
                         for f in os.listdir(testlib.SAMPLES_DIR) if f.endswith(".jsonl"))
        self.load(ingest_a, query_a, *samples, generated)

        # A document gives a single-value figure, it is retracted, and the
        # same document gives the corrected one: valid here, and it must load.
        corrected = []
        for amount in ("7", "8"):
            line = {"fact": {"subject": "org:export-0000", "predicate": SINGLE,
                             "value": {"quantity": {"amount": amount, "unit": "count"}},
                             "mentions": [{"documentId": DOCUMENTS[0], "quote": amount}]}}
            path = os.path.join(self.work, f"single-{amount}.jsonl")
            with open(path, "w", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")
            self.load(ingest_a, query_a, path)
            single = self.factctl(ingest_a, query_a, "facts", f"--predicate={SINGLE}",
                                  "--output=json", capture_output=True, text=True)
            corrected.append(json.loads(single.stdout.splitlines()[0])["id"])
            if amount == "7":
                retracted = self.factctl(ingest_a, query_a, "retract", corrected[0],
                                         "--reason=corrected later", capture_output=True,
                                         text=True)
                self.assertEqual(retracted.returncode, 0, retracted.stderr)

        # Retract every 1,000th generated fact, for one of two reasons.
        listed = self.factctl(ingest_a, query_a, "facts", f"--predicate={PREDICATE}",
                              "--min=0", "--max=99999", "--unit=count", "--page_size=1000",
                              "--output=json",
                              capture_output=True, text=True)
        self.assertEqual(listed.returncode, 0, listed.stderr)
        amounts = {int(json.loads(l)["value"]["quantity"]["amount"]): json.loads(l)["id"]
                   for l in listed.stdout.splitlines()}
        self.assertEqual(len(amounts), FACTS)
        for reason in ("misread", "duplicate source"):
            ids = [amounts[i] for i in range(0, FACTS, 1000)
                   if (i // 1000 % 2 == 0) == (reason == "misread")]
            retracted = self.factctl(ingest_a, query_a, "retract", *ids, f"--reason={reason}",
                                     "--output=json", capture_output=True, text=True)
            self.assertEqual(retracted.returncode, 0, retracted.stderr)

        export_a = os.path.join(self.work, "a.jsonl")
        summary = self.export(ingest_a, query_a, export_a)
        self.assertIn(f"{FACTS + 96 + 2} facts (101 retracted)", summary)
        ingest_b, query_b = self.start_store("b")
        loaded = self.load(ingest_b, query_b, export_a)
        self.assertIn(" 101 retracted, 0 rejected", loaded)
        export_b = os.path.join(self.work, "b.jsonl")
        self.export(ingest_b, query_b, export_b)

        a, b = self.read(export_a), self.read(export_b)
        self.assertEqual(len(a["fact"]), FACTS + 96 + 2)  # the samples hold 96 facts
        self.assertEqual(len(a["retraction"]), 101)
        self.assertEqual(b["retraction"][corrected[0]], "corrected later")
        self.assertNotIn(corrected[1], b["retraction"])
        self.assertEqual(sum(len(f["mentions"]) for f in a["fact"].values()
                             if f["predicate"] == PREDICATE), FACTS + FACTS // 10)
        for kind in a:
            with self.subTest(kind=kind):
                self.assertEqual(a[kind].keys(), b[kind].keys())
                self.assertEqual(a[kind], b[kind])

        # Store B answers as store A did: the retraction, the second source.
        fact_id = amounts[2000]
        shown = [self.factctl(ingest, query, "get-fact", fact_id, "--output=json",
                              capture_output=True, text=True)
                 for ingest, query in ((ingest_a, query_a), (ingest_b, query_b))]
        facts = [json.loads(s.stdout) for s in shown]
        for fact in facts:
            fact.pop("assertedCommit"), fact.pop("updatedCommit"), fact.pop("retractedCommit")
            for mention in fact["mentions"]:
                mention.pop("addedCommit")
        self.assertEqual(facts[0], facts[1])
        self.assertTrue(facts[1]["retracted"])
        self.assertEqual(facts[1]["retractionReason"], "misread")
        self.assertEqual(len(facts[1]["mentions"]), 2)

    def test_export_draws_its_progress_on_a_terminal(self):
        ingest, query = self.start_store("progress")
        samples = sorted(os.path.join(testlib.SAMPLES_DIR, f)
                         for f in os.listdir(testlib.SAMPLES_DIR) if f.endswith(".jsonl"))
        self.load(ingest, query, *samples)
        controller, terminal = pty.openpty()
        with open(os.devnull, "w") as out:
            exported = self.factctl(ingest, query, "export", stdout=out, stderr=terminal)
        os.close(terminal)
        seen = b""
        while True:
            try:
                chunk = os.read(controller, 65536)
            except OSError:  # the terminal's other end is closed: all read
                break
            if not chunk:
                break
            seen += chunk
        os.close(controller)
        self.assertEqual(exported.returncode, 0, seen)
        text = seen.decode()
        # Redrawn in place (carriage return, erase line), then the last state.
        self.assertIn("\r\x1b[K", text)
        self.assertIn("49 predicates  38 entities  96 facts", text)
        self.assertIn("exported 49 predicates, 38 entities, 96 facts", text)
        # Without a terminal, no progress line.
        plain = self.factctl(ingest, query, "export", capture_output=True, text=True)
        self.assertNotIn("\x1b[K", plain.stderr)
        self.assertEqual(len(plain.stdout.splitlines()), 49 + 38 + 96)


if __name__ == "__main__":
    testlib.run_tests()
