#!/usr/bin/env python3
"""Checks the sample load files of factstore (data/samples/*.jsonl).

    python3 data/samples/check_samples.py                 # every *.jsonl here
    python3 data/samples/check_samples.py --seeds DIR     # where the articles are
    python3 data/samples/check_samples.py --skip-quotes   # without the articles

It checks, with the Python standard library only, what can be checked without
a running ingest service:

- every line is a JSON object with exactly one key, "predicate", "entity" or
  "fact", whose fields are fields of the protobuf JSON mapping (lowerCamelCase)
  and whose enums are known names;
- predicates: dotted lower_snake_case names, a value type, units only on
  quantity predicates and from the unit vocabulary, object types only on
  entity predicates, a description; no name twice;
- entities: ids without whitespace, a type and a name, ids prefixed by their
  kind, no id twice, and no name or alias shared by two entities (after the
  case- and diacritic-insensitive folding of the alias index, approximately);
- facts, in load order (files sorted by name, lines in order): the predicate
  and every entity they use (subject, entity value, entity qualifiers,
  document, attributed_to) come earlier; subject and object types fit the
  predicate; the value's kind fits its value type; qualifiers are
  lower_snake_case and not raw; exactly one mention, with a DOCUMENT as
  document_id, a PERSON or ORGANIZATION as attributed_to, language "en" and
  extractor "factstore-samples";
- the quote of every mention is exactly the text of its article at
  [quote_start, quote_end), counted in Unicode code points (the article is
  found through the document entity's external id "seed_file");
- a document never gives two different values for one subject, predicate and
  valid time of a CARDINALITY_ONE predicate (the ingest service would reject
  the second).

What it cannot check is what the normalizer makes of raw values; loading the
files (factctl load data/samples/*.jsonl) does that.

Exits 0 when everything is fine, 1 otherwise.
"""

import argparse
import glob
import json
import os
import re
import sys
import unicodedata

ENTITY_TYPES = {
    "ENTITY_TYPE_PERSON", "ENTITY_TYPE_ORGANIZATION", "ENTITY_TYPE_PLACE",
    "ENTITY_TYPE_EVENT", "ENTITY_TYPE_DOCUMENT", "ENTITY_TYPE_PRODUCT",
    "ENTITY_TYPE_OTHER",
}
# Id prefixes by entity type ("country:" is a place too).
ID_PREFIXES = {
    "ENTITY_TYPE_PERSON": ("person:",),
    "ENTITY_TYPE_ORGANIZATION": ("org:",),
    "ENTITY_TYPE_PLACE": ("place:", "country:"),
    "ENTITY_TYPE_EVENT": ("event:",),
    "ENTITY_TYPE_DOCUMENT": ("doc:",),
    "ENTITY_TYPE_PRODUCT": ("product:",),
    "ENTITY_TYPE_OTHER": ("other:",),
}
VALUE_TYPES = {"VALUE_TYPE_ENTITY", "VALUE_TYPE_QUANTITY", "VALUE_TYPE_TEXT",
               "VALUE_TYPE_TIME", "VALUE_TYPE_BOOLEAN"}
DIMENSIONS = {"UNIT_DIMENSION_UNSPECIFIED", "UNIT_DIMENSION_MONEY",
              "UNIT_DIMENSION_COUNT", "UNIT_DIMENSION_RATIO",
              "UNIT_DIMENSION_DURATION", "UNIT_DIMENSION_POWER",
              "UNIT_DIMENSION_ENERGY", "UNIT_DIMENSION_MASS",
              "UNIT_DIMENSION_AREA", "UNIT_DIMENSION_LENGTH",
              "UNIT_DIMENSION_DATA", "UNIT_DIMENSION_DATA_RATE"}
CARDINALITIES = {"CARDINALITY_UNSPECIFIED", "CARDINALITY_ONE", "CARDINALITY_MANY"}
MODALITIES = {"MODALITY_UNSPECIFIED", "MODALITY_OBSERVED", "MODALITY_REPORTED",
              "MODALITY_ESTIMATE", "MODALITY_FORECAST"}
RANKS = {"RANK_UNSPECIFIED", "RANK_PREFERRED", "RANK_NORMAL", "RANK_DEPRECATED"}
COMPARATORS = {"COMPARATOR_UNSPECIFIED", "COMPARATOR_EXACT",
               "COMPARATOR_APPROXIMATELY", "COMPARATOR_MORE_THAN",
               "COMPARATOR_AT_LEAST", "COMPARATOR_LESS_THAN",
               "COMPARATOR_AT_MOST", "COMPARATOR_RANGE"}
UNITS = {
    "count": "UNIT_DIMENSION_COUNT", "person": "UNIT_DIMENSION_COUNT",
    "organization": "UNIT_DIMENSION_COUNT", "document": "UNIT_DIMENSION_COUNT",
    "event": "UNIT_DIMENSION_COUNT", "percent": "UNIT_DIMENSION_RATIO",
    "per_1000_people": "UNIT_DIMENSION_RATIO", "year": "UNIT_DIMENSION_DURATION",
    "month": "UNIT_DIMENSION_DURATION", "day": "UNIT_DIMENSION_DURATION",
    "percentage_point": "UNIT_DIMENSION_RATIO",
}
# Physical units: UCUM codes, case-sensitive (as normalizer/units.cc has them).
UNITS.update({u: "UNIT_DIMENSION_POWER" for u in ("W", "kW", "MW", "GW")})
UNITS.update({u: "UNIT_DIMENSION_ENERGY"
              for u in ("W.h", "kW.h", "MW.h", "GW.h", "TW.h")})
UNITS.update({u: "UNIT_DIMENSION_MASS" for u in ("g", "kg", "t")})
UNITS.update({u: "UNIT_DIMENSION_AREA" for u in ("m2", "ha", "km2")})
UNITS.update({u: "UNIT_DIMENSION_LENGTH" for u in ("m", "km")})
UNITS.update({u: "UNIT_DIMENSION_DATA"
              for u in ("By", "kBy", "MBy", "GBy", "TBy")})
UNITS.update({u: "UNIT_DIMENSION_DATA_RATE"
              for u in ("bit/s", "kbit/s", "Mbit/s", "Gbit/s")})
RATE_PERIODS = {"a", "mo", "d"}


def unit_dimension(unit):
    """The dimension of a canonical unit (a rate "USD/a" has its base's), or None.

    A data rate's own '/' ("Mbit/s") is part of its unit, and a data rate has
    no rate per period ("Mbit/s/a" is None)."""
    unit = unit or ""
    if unit in UNITS:
        return UNITS[unit]
    base, slash, period = unit.rpartition("/")
    if not slash:
        base = unit
    elif period not in RATE_PERIODS:
        return None
    dimension = UNITS.get(base) or (
        "UNIT_DIMENSION_MONEY" if re.match(r"^[A-Z]{3}$", base) else None)
    if dimension == "UNIT_DIMENSION_DATA_RATE":
        return None
    return dimension

PREDICATE_FIELDS = {"name", "valueType", "unitDimension", "allowedUnits",
                    "subjectTypes", "objectTypes", "cardinality", "description"}
ENTITY_FIELDS = {"id", "type", "name", "aliases", "description", "externalIds", "labels"}
LABEL_FIELDS = {"name", "aliases", "description"}
LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{1,8})*$")
FACT_FIELDS = {"subject", "subjectName", "predicate", "value", "validTime",
               "qualifiers", "modality", "rank", "mentions", "language"}
MENTION_FIELDS = {"documentId", "url", "title", "publisher", "publicationDate",
                  "language", "quote", "quoteStart", "quoteEnd", "attributedTo",
                  "extractor", "confidence", "modality", "rank"}
VALUE_KINDS = {"entityId", "quantity", "text", "time", "boolean", "entityName",
               "raw"}
QUANTITY_FIELDS = {"amount", "unit", "comparator", "lowerBound", "upperBound",
                   "surfaceText"}
TEXT_FIELDS = {"text", "language"}
TIME_FIELDS = {"date", "precision", "modifier", "surfaceText", "raw"}
VALID_TIME_FIELDS = {"at", "start", "end", "raw"}

# Which value kinds each value type accepts on input (raw is read by the
# ingest service according to the value type).
KINDS_FOR_TYPE = {
    "VALUE_TYPE_ENTITY": {"entityId", "entityName", "raw"},
    "VALUE_TYPE_QUANTITY": {"quantity", "raw"},
    "VALUE_TYPE_TEXT": {"text", "raw"},
    "VALUE_TYPE_TIME": {"time", "raw"},
    "VALUE_TYPE_BOOLEAN": {"boolean", "raw"},
}

LOWER_SNAKE = re.compile(r"^[a-z][a-z0-9_]*$")
ISO_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
EXTRACTOR = "factstore-samples"

HERE = os.path.dirname(os.path.abspath(__file__))


def fold_name(text):
    """Approximates normalizer::FoldName: NFKC case folding, Latin diacritics
    removed, đ -> d, whitespace, punctuation and symbols removed."""
    text = unicodedata.normalize("NFKC", text).casefold()
    text = text.replace("đ", "d").replace("ø", "o").replace("æ", "ae")
    text = unicodedata.normalize("NFD", text)
    kept = []
    for c in text:
        if "\u0300" <= c <= "\u036f":  # combining diacritics of Latin letters
            continue
        if unicodedata.category(c)[0] in "ZPSC":
            continue
        kept.append(c)
    return unicodedata.normalize("NFC", "".join(kept))


class Checker:
    def __init__(self, seeds, skip_quotes):
        self.seeds = seeds
        self.skip_quotes = skip_quotes
        self.errors = []
        self.predicates = {}  # name -> predicate
        self.entities = {}    # id -> entity
        self.names = {}       # folded name -> set of ids
        self.seed_texts = {}  # document id -> text
        self.counts = {}      # file -> {"predicate": n, "entity": n, "fact": n}
        self.one_claims = {}  # (doc, subject, predicate, valid time) -> (value, where)
        self.identities = {}  # fact identity -> [(file, line, doc)]

    def error(self, where, message):
        self.errors.append(f"{where}: {message}")

    # ------------------------------------------------------------ shapes

    def check_fields(self, where, obj, allowed, what):
        if not isinstance(obj, dict):
            self.error(where, f"{what} is not a JSON object")
            return False
        unknown = sorted(set(obj) - allowed)
        if unknown:
            self.error(where, f"{what} has unknown fields {unknown}")
        return True

    def check_enum(self, where, value, allowed, field):
        if value is not None and value not in allowed:
            self.error(where, f"{field} {value!r} is not one of {sorted(allowed)}")

    # ------------------------------------------------------------ predicates

    def add_predicate(self, where, p):
        if not self.check_fields(where, p, PREDICATE_FIELDS, "predicate"):
            return
        name = p.get("name", "")
        if not name or not all(LOWER_SNAKE.match(s) for s in name.split(".")):
            self.error(where, f"predicate name {name!r} is not dotted lower_snake_case")
        if name in self.predicates:
            self.error(where, f"predicate {name!r} is defined twice")
        vt = p.get("valueType")
        if vt not in VALUE_TYPES:
            self.error(where, f"predicate {name!r}: valueType {vt!r} is missing or unknown")
        dim = p.get("unitDimension", "UNIT_DIMENSION_UNSPECIFIED")
        self.check_enum(where, dim, DIMENSIONS, "unitDimension")
        units = p.get("allowedUnits", [])
        if vt != "VALUE_TYPE_QUANTITY" and (units or dim != "UNIT_DIMENSION_UNSPECIFIED"):
            self.error(where, f"predicate {name!r}: units only apply to quantity predicates")
        for u in units:
            unit_dim = unit_dimension(u)
            if unit_dim is None:
                self.error(where, f"predicate {name!r}: unknown unit {u!r}")
            elif dim != "UNIT_DIMENSION_UNSPECIFIED" and unit_dim != dim:
                self.error(where, f"predicate {name!r}: unit {u!r} is not of dimension {dim}")
        if vt == "VALUE_TYPE_QUANTITY" and dim == "UNIT_DIMENSION_UNSPECIFIED" and not units:
            self.error(where, f"predicate {name!r}: a quantity predicate should say its unit dimension")
        if p.get("objectTypes") and vt != "VALUE_TYPE_ENTITY":
            self.error(where, f"predicate {name!r}: objectTypes only apply to entity predicates")
        for t in p.get("subjectTypes", []) + p.get("objectTypes", []):
            self.check_enum(where, t, ENTITY_TYPES, "entity type")
        self.check_enum(where, p.get("cardinality"), CARDINALITIES, "cardinality")
        if "cardinality" not in p:
            self.error(where, f"predicate {name!r}: cardinality is not stated")
        if not p.get("description", "").strip():
            self.error(where, f"predicate {name!r} has no description")
        self.predicates[name] = p

    # ------------------------------------------------------------ entities

    def add_entity(self, where, e):
        if not self.check_fields(where, e, ENTITY_FIELDS, "entity"):
            return
        eid = e.get("id", "")
        if not eid or re.search(r"\s", eid) or len(eid.encode()) > 256:
            self.error(where, f"entity id {eid!r} is empty, too long or has whitespace")
        if eid in self.entities:
            self.error(where, f"entity {eid!r} is defined twice")
        etype = e.get("type")
        if etype not in ENTITY_TYPES:
            self.error(where, f"entity {eid!r}: type {etype!r} is missing or unknown")
        elif not eid.startswith(ID_PREFIXES[etype]):
            self.error(where, f"entity {eid!r}: a {etype} id should start with {ID_PREFIXES[etype]}")
        if not e.get("name", "").strip():
            self.error(where, f"entity {eid!r} has no name")
        if not e.get("description", "").strip():
            self.error(where, f"entity {eid!r} has no description")
        forms = [e.get("name", "")] + list(e.get("aliases", []))
        for language, label in e.get("labels", {}).items():
            if not LANGUAGE_TAG.match(language):
                self.error(where, f"entity {eid!r}: label key {language!r} is not a language tag")
            if not self.check_fields(where, label, LABEL_FIELDS, "label"):
                continue
            if not label.get("name", "").strip():
                self.error(where, f"entity {eid!r}: the {language!r} label has no name")
            forms += [label.get("name", "")] + list(label.get("aliases", []))
        for form in dict.fromkeys(forms):  # a label may repeat the name
            folded = fold_name(form)
            if not folded:
                self.error(where, f"entity {eid!r}: name or alias {form!r} folds to nothing")
                continue
            others = self.names.setdefault(folded, set()) - {eid}
            if others:
                self.error(where, f"entity {eid!r}: name or alias {form!r} also names {sorted(others)}")
            self.names[folded].add(eid)
        self.entities[eid] = e
        if etype == "ENTITY_TYPE_DOCUMENT" and not self.skip_quotes:
            seed = e.get("externalIds", {}).get("seed_file")
            if not seed:
                self.error(where, f"document {eid!r} has no externalIds.seed_file to check quotes against")
                return
            path = os.path.join(self.seeds, seed)
            try:
                with open(path, encoding="utf-8") as f:
                    self.seed_texts[eid] = f.read()
            except OSError as err:
                self.error(where, f"document {eid!r}: cannot read its article {path}: {err} "
                                  "(use --seeds DIR, or --skip-quotes)")

    # ------------------------------------------------------------ facts

    def entity_ref(self, where, eid, field, allowed_types):
        """Checks a reference by id; returns the id or None."""
        e = self.entities.get(eid)
        if e is None:
            self.error(where, f"{field}: entity {eid!r} is not defined above")
            return None
        if allowed_types and e["type"] not in allowed_types:
            self.error(where, f"{field}: {eid!r} is a {e['type']}, expected {sorted(allowed_types)}")
        return eid

    def name_ref(self, where, name, field, allowed_types):
        """Resolves a reference by name as the alias index would."""
        ids = sorted(i for i in self.names.get(fold_name(name), set())
                     if not allowed_types or self.entities[i]["type"] in allowed_types)
        if len(ids) != 1:
            self.error(where, f"{field}: name {name!r} names {len(ids)} entities of the "
                              f"allowed types ({ids}), not exactly one")
            return None
        return ids[0]

    def check_value(self, where, value, field, predicate, qualifier):
        """Checks a value's shape; returns a canonical string for comparisons."""
        if not self.check_fields(where, value, VALUE_KINDS, field):
            return None
        kinds = list(value)
        if len(kinds) != 1:
            self.error(where, f"{field} must have exactly one kind, has {kinds}")
            return None
        kind = kinds[0]
        v = value[kind]
        vt = predicate["valueType"] if predicate else None
        if vt and kind not in KINDS_FOR_TYPE[vt]:
            self.error(where, f"{field}: predicate {predicate['name']!r} takes {vt}, not {kind}")
        if qualifier and kind == "raw":
            self.error(where, f"{field}: a qualifier cannot be raw (no predicate says what it means)")
        object_types = set(predicate.get("objectTypes", [])) if predicate else set()
        if kind == "entityId":
            v = self.entity_ref(where, v, field, object_types)
        elif kind == "entityName" or (kind == "raw" and vt == "VALUE_TYPE_ENTITY"):
            v = self.name_ref(where, v, field, object_types)
        elif kind == "raw":
            if not isinstance(v, str) or not v.strip() or len(v.encode()) > 256:
                self.error(where, f"{field}: raw text must be 1 to 256 bytes")
        elif kind == "text":
            if self.check_fields(where, v, TEXT_FIELDS, field + ".text"):
                if not v.get("text", "").strip():
                    self.error(where, f"{field}: empty text")
        elif kind == "quantity":
            if self.check_fields(where, v, QUANTITY_FIELDS, field + ".quantity"):
                self.check_enum(where, v.get("comparator"), COMPARATORS, "comparator")
                if not v.get("amount") and not v.get("surfaceText"):
                    self.error(where, f"{field}: a quantity needs amount or surfaceText")
                unit = v.get("unit")
                if v.get("amount"):
                    if unit_dimension(unit) is None:
                        self.error(where, f"{field}: unknown unit {unit!r}")
                    if predicate and predicate.get("allowedUnits") and unit not in predicate["allowedUnits"]:
                        self.error(where, f"{field}: unit {unit!r} not in {predicate['allowedUnits']}")
        elif kind == "time":
            if self.check_fields(where, v, TIME_FIELDS, field + ".time"):
                if v.get("date") and not ISO_DATE.match(v["date"]):
                    self.error(where, f"{field}: date {v['date']!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        elif kind == "boolean":
            if not isinstance(v, bool):
                self.error(where, f"{field}: boolean must be true or false")
        return json.dumps({kind: v}, sort_keys=True, ensure_ascii=False)

    def add_fact(self, where, f, file):
        if not self.check_fields(where, f, FACT_FIELDS, "fact"):
            return
        pname = f.get("predicate")
        predicate = self.predicates.get(pname)
        if predicate is None:
            self.error(where, f"predicate {pname!r} is not defined above")
        subject_types = set(predicate.get("subjectTypes", [])) if predicate else set()
        if ("subject" in f) == ("subjectName" in f):
            self.error(where, "give exactly one of subject and subjectName")
            subject = None
        elif "subject" in f:
            subject = self.entity_ref(where, f["subject"], "subject", subject_types)
        else:
            subject = self.name_ref(where, f["subjectName"], "subjectName", subject_types)
        if "value" not in f:
            self.error(where, "fact has no value")
            value = None
        else:
            value = self.check_value(where, f["value"], "value", predicate, False)
        valid = f.get("validTime", {})
        if self.check_fields(where, valid, VALID_TIME_FIELDS, "validTime"):
            if "raw" in valid and len(valid) > 1:
                self.error(where, "validTime: give either raw or at/start/end")
        qualifiers = {}
        for qname, qvalue in sorted(f.get("qualifiers", {}).items()):
            if not LOWER_SNAKE.match(qname) or len(qname) > 64:
                self.error(where, f"qualifier name {qname!r} is not lower_snake_case")
            qualifiers[qname] = self.check_value(where, qvalue, f"qualifiers[{qname!r}]", None, True)
        if len(qualifiers) > 16:
            self.error(where, "more than 16 qualifiers")
        self.check_enum(where, f.get("modality"), MODALITIES, "modality")
        self.check_enum(where, f.get("rank"), RANKS, "rank")
        if "modality" not in f:
            self.error(where, "modality is not stated")
        mentions = f.get("mentions", [])
        if len(mentions) != 1:
            self.error(where, f"a sample fact has exactly one mention, this one has {len(mentions)}")
        doc = None
        for i, m in enumerate(mentions):
            doc = self.check_mention(where, m, f"mentions[{i}]")
        # CARDINALITY_ONE: one document, one value per subject and valid time.
        if predicate and predicate.get("cardinality") == "CARDINALITY_ONE" and doc:
            key = (doc, subject, pname, json.dumps(valid, sort_keys=True))
            claim = (value, json.dumps(qualifiers, sort_keys=True))
            seen = self.one_claims.get(key)
            if seen and seen[0] != claim:
                self.error(where, f"{doc} already gives another value for {subject} {pname} "
                                  f"at this valid time ({seen[1]}), and the predicate has cardinality ONE")
            self.one_claims.setdefault(key, (claim, where))
        identity = json.dumps([subject, pname, value, valid, qualifiers], sort_keys=True, ensure_ascii=False)
        self.identities.setdefault(identity, []).append((file, where, doc))

    def check_mention(self, where, m, field):
        if not self.check_fields(where, m, MENTION_FIELDS, field):
            return None
        doc = self.entity_ref(where, m.get("documentId", ""), f"{field}.documentId", {"ENTITY_TYPE_DOCUMENT"})
        if m.get("attributedTo"):
            self.entity_ref(where, m["attributedTo"], f"{field}.attributedTo",
                            {"ENTITY_TYPE_PERSON", "ENTITY_TYPE_ORGANIZATION"})
        if m.get("language") != "en":
            self.error(where, f"{field}.language is {m.get('language')!r}, expected 'en'")
        self.check_enum(where, m.get("modality"), MODALITIES, f"{field}.modality")
        self.check_enum(where, m.get("rank"), RANKS, f"{field}.rank")
        if m.get("extractor") != EXTRACTOR:
            self.error(where, f"{field}.extractor is {m.get('extractor')!r}, expected {EXTRACTOR!r}")
        if m.get("publicationDate") and not ISO_DATE.match(m["publicationDate"]):
            self.error(where, f"{field}.publicationDate {m['publicationDate']!r} is not an ISO-8601 date")
        quote = m.get("quote", "")
        start, end = m.get("quoteStart", 0), m.get("quoteEnd", 0)
        if not quote:
            self.error(where, f"{field}: no quote")
        elif not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end):
            self.error(where, f"{field}: quoteStart {start!r} and quoteEnd {end!r} do not bound a quote")
        elif doc and not self.skip_quotes and doc in self.seed_texts:
            text = self.seed_texts[doc]
            found = text[start:end]  # Python strings index code points
            if found != quote:
                at = text.find(quote)
                hint = f"; the quote is at [{at}, {at + len(quote)})" if at >= 0 else "; the quote is not in the article"
                self.error(where, f"{field}: article text at [{start}, {end}) is {found[:60]!r}..., not the quote{hint}")
        return doc

    # ------------------------------------------------------------ files

    def check_file(self, path):
        name = os.path.basename(path)
        counts = self.counts.setdefault(name, {"predicate": 0, "entity": 0, "fact": 0})
        with open(path, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                where = f"{name}:{number}"
                text = line.strip()
                if not text:
                    continue
                try:
                    record = json.loads(text)
                except json.JSONDecodeError as err:
                    self.error(where, f"not JSON: {err}")
                    continue
                if not isinstance(record, dict) or len(record) != 1 or \
                        next(iter(record)) not in ("predicate", "entity", "fact"):
                    self.error(where, 'a line must be an object with exactly one key, '
                                      '"predicate", "entity" or "fact"')
                    continue
                kind, body = next(iter(record.items()))
                counts[kind] += 1
                if kind == "predicate":
                    self.add_predicate(where, body)
                elif kind == "entity":
                    self.add_entity(where, body)
                else:
                    self.add_fact(where, body, name)

    def report(self):
        for name, c in self.counts.items():
            plural = {"predicate": "predicates", "entity": "entities", "fact": "facts"}
            parts = [f"{n} {k if n == 1 else plural[k]}" for k, n in c.items() if n]
            print(f"{name}: {', '.join(parts) or 'empty'}")
        shared = [v for v in self.identities.values() if len({d for _, _, d in v}) > 1]
        for places in shared:
            print("one claim, several documents: " + ", ".join(w for _, w, _ in places))
        for places in self.identities.values():
            by_doc = {}
            for _, w, d in places:
                by_doc.setdefault(d, []).append(w)
            for d, ws in by_doc.items():
                if len(ws) > 1:
                    self.error(ws[1], f"the same claim from {d} is already at {ws[0]}")
        total = sum(c["fact"] for c in self.counts.values())
        print(f"{len(self.predicates)} predicates, {len(self.entities)} entities, {total} facts "
              f"({len(self.identities)} distinct claims)"
              + ("" if not self.skip_quotes else "; quotes not checked"))
        for e in self.errors:
            print("ERROR " + e, file=sys.stderr)
        print(f"{len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}")
        return 1 if self.errors else 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="load files in load order (default: *.jsonl next to this script, sorted)")
    parser.add_argument("--seeds", default=os.environ.get("FACTSTORE_SEEDS", "/work/shared/seeds"),
                        help="directory of the source articles (default: $FACTSTORE_SEEDS or /work/shared/seeds)")
    parser.add_argument("--skip-quotes", action="store_true", help="do not check quotes against the articles")
    args = parser.parse_args()
    files = args.files or sorted(glob.glob(os.path.join(HERE, "*.jsonl")))
    if not files:
        print("no .jsonl files to check", file=sys.stderr)
        return 1
    checker = Checker(args.seeds, args.skip_quotes)
    for path in files:
        checker.check_file(path)
    return checker.report()


if __name__ == "__main__":
    sys.exit(main())
