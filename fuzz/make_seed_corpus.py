#!/usr/bin/env python3
"""Writes the seed files of fuzz/corpus/ (the ones named seed-*).

The seeds are small, meaningful inputs each fuzz target starts from: what
sources write for the normalizer, real keys of every layout for the key codec,
page tokens signed under the page-token target's fixed secret, and ingest
requests using the request-validation target's registry. Regression inputs
that fuzzing found are kept beside them as regression-* and are not touched
here. Run from anywhere:

    python3 fuzz/make_seed_corpus.py

Needs protoc (protobuf-compiler) for the request seeds.
"""

import base64
import hashlib
import hmac
import os
import struct
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CORPUS = os.path.join(ROOT, "fuzz", "corpus")


def write(target, name, data):
    directory = os.path.join(CORPUS, target)
    os.makedirs(directory, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    with open(os.path.join(directory, "seed-" + name), "wb") as out:
        out.write(data)


# ---- normalizer: a selector byte (language | hint << 3), then the text ----

LANG = {"en": 0, "vi": 1, "ko": 2, "": 3, "vi-VN": 4, "ko-KR": 5, "de": 6, "EN": 7}
HINT = {"none": 0, "money": 1, "count": 2, "person": 3, "ratio": 4,
        "duration": 5, "usd_vnd": 6, "person_org": 7}


def normalizer_seeds():
    seeds = [
        ("money-en", "en", "money", "US$85.9 billion"),
        ("people-vi", "vi", "person", "khoảng 53.000 người"),
        ("money-ko", "ko", "money", "3조 5천억 원"),
        ("range-percent", "en", "ratio", "10-15%"),
        ("unknown-currency", "en", "money", "85.9 billion USDD"),
        ("more-than-count", "en", "count", "more than 10 firms"),
        ("duration", "en", "duration", "3 years"),
        ("money-vi-vnd", "vi-VN", "usd_vnd", "85,9 tỷ đồng"),
        ("date-en", "en", "none", "August 2, 2024"),
        ("date-by", "en", "none", "by 2028"),
        ("date-vi", "vi", "none", "ngày 2 tháng 8 năm 2024"),
        ("date-ko-until", "ko", "none", "2028년까지"),
        ("date-numeric-vi", "vi", "none", "02/08/2024"),
        ("date-no-such-day", "en", "none", "February 30, 2024"),
        ("valid-time-range", "en", "none", "from 2020 to 2024"),
        ("valid-time-since", "en", "none", "since 2019"),
        ("valid-time-ko", "ko-KR", "none", "2020년부터 2024년까지"),
        ("date-quarter-en", "en", "none", "by Q3 2024"),
        ("date-quarter-vi", "vi", "none", "quý III/2024"),
        ("date-half-ko", "ko", "none", "2024년 하반기"),
        ("date-decade-en", "en", "none", "the 2020s"),
        ("date-early-vi", "vi", "none", "khoảng giữa năm 2025"),
        ("date-fiscal-ko", "ko", "none", "2023회계연도"),
        ("date-two-digit-year", "en", "none", "3Q24"),
        ("valid-time-quarters", "en", "none", "from Q1 to Q3 2024"),
        ("valid-time-quarters-ko", "ko", "none", "2024년 1분기부터 3분기까지"),
        ("boolean-vi", "vi", "none", "không"),
        ("boolean-ko", "ko", "none", "아니요"),
        ("boolean-en", "EN", "none", "Yes!"),
        ("name-vi", "", "none", "Đà Nẵng"),
        ("name-words", "en", "none", "Ho Chi Minh City"),
        ("name-sharp-s", "de", "none", "Straße"),
        ("name-hangul", "ko", "none", "다낭"),
        ("name-fullwidth", "en", "person_org", "ＦＰＴ"),
    ]
    for name, lang, hint, text in seeds:
        write("normalizer", name, bytes([LANG[lang] | HINT[hint] << 3]) +
              text.encode("utf-8"))
    write("normalizer", "invalid-utf8", bytes([LANG["en"]]) + b"\xff\xfe 53 \xc0")


# ---- key codec: keys of every layout (storage/key_codec.h) ----

def esc(s):
    if isinstance(s, str):
        s = s.encode("utf-8")
    return s.replace(b"\x00", b"\x00\xff") + b"\x00\x01"


def u32(v):
    return struct.pack(">I", v)


def sortable_decimal(d):
    """The key codec's order-preserving encoding of a canonical decimal."""
    negative = d.startswith("-")
    magnitude = d[1:] if negative else d
    digits = magnitude.replace(".", "")
    point = magnitude.index(".") if "." in magnitude else len(magnitude)
    first = len(digits) - len(digits.lstrip("0"))
    if first == len(digits):
        return b"\x02"
    significant = digits.strip("0")
    exponent = point - first
    body = struct.pack(">H", exponent + 0x8000) + significant.encode() + b"\x00"
    if negative:
        return b"\x01" + bytes(~b & 0xFF for b in body)
    return b"\x03" + body


FACT = "f_0123456789abcdef0123456789abcdef"


def key_codec_seeds():
    write("key_codec", "commit", struct.pack(">Q", 42))
    write("key_codec", "entity", esc("place:da-nang"))
    write("key_codec", "string-with-nul", esc(b"a\x00b/c:d"))
    write("key_codec", "name-full", b"\x01" + esc("danang") + esc("place:da-nang"))
    write("key_codec", "name-word-suffix",
          b"\x02" + esc("minhcity") + esc("place:ho-chi-minh-city"))
    write("key_codec", "subject-index",
          esc("place:da-nang") + esc("investment.cumulative_total") +
          u32(738734) + u32(739100) + esc(FACT))
    write("key_codec", "subject-index-no-valid-time",
          esc("place:da-nang") + esc("market.size") +
          u32(0xFFFFFFFF) + u32(0xFFFFFFFF) + esc(FACT))
    write("key_codec", "predicate-quantity",
          esc("market.size") + b"\x02" + esc("USD") +
          sortable_decimal("85900000000") + esc(FACT))
    write("key_codec", "predicate-negative-decimal",
          esc("growth.rate") + b"\x02" + esc("percent") +
          sortable_decimal("-0.05") + esc(FACT))
    write("key_codec", "predicate-zero",
          esc("org.member_count") + b"\x02" + esc("count") +
          sortable_decimal("0") + esc(FACT))
    write("key_codec", "predicate-entity",
          esc("event.location") + b"\x01" + esc("place:seoul") + esc(FACT))
    write("key_codec", "predicate-text", esc("note.text") + b"\x03" + esc(FACT))
    write("key_codec", "predicate-time",
          esc("event.date") + b"\x04" + u32(738734) + u32(738735) + esc(FACT))
    write("key_codec", "predicate-boolean",
          esc("org.is_member") + b"\x05\x01" + esc(FACT))
    write("key_codec", "reference-document",
          esc("doc:da-nang-ict") + b"\x03" + esc(FACT))
    write("key_codec", "valid-time-bounded",
          b"\x01" + u32(737790) + u32(739616) + esc(FACT))
    write("key_codec", "valid-time-open",
          b"\x02" + u32(0) + u32(739616) + esc(FACT))


# ---- page tokens, signed as query_service/page_token.cc signs them ----

SECRET = b"factstore-fuzz-page-token-secret"
FINGERPRINT = b"fuzz-fingerprint"
NOW_MICROS = 1735689600 * 1000000  # the target's fixed "now"


def varint(v):
    if v < 0:
        v += 1 << 64
    out = bytearray()
    while True:
        b = v & 0x7F
        v >>= 7
        if v:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def field_bytes(number, data):
    return varint(number << 3 | 2) + varint(len(data)) + data


def field_varint(number, value):
    return varint(number << 3) + varint(value)


def cursor(fingerprint, commit, phase, after_key, issue_micros):
    out = field_bytes(1, fingerprint) + field_varint(2, commit)
    if phase:
        out += field_varint(3, phase)
    if after_key:
        out += field_bytes(4, after_key)
    return out + field_varint(5, issue_micros)


def token(cursor_bytes, secret=SECRET, flip_mac=False):
    mac = bytearray(hmac.new(secret, cursor_bytes, hashlib.sha256).digest()[:16])
    if flip_mac:
        mac[0] ^= 1
    signed = field_bytes(1, cursor_bytes) + field_bytes(2, bytes(mac))
    return base64.urlsafe_b64encode(signed).rstrip(b"=")


def page_token_seeds():
    hour = 3600 * 1000000
    subject_key = (esc("place:da-nang") + esc("market.size") +
                   u32(0xFFFFFFFF) + u32(0xFFFFFFFF) + esc(FACT))
    write("page_token", "valid-list-facts",
          token(cursor(FINGERPRINT, 7, 0, subject_key, NOW_MICROS - hour)))
    write("page_token", "valid-search-phase-2",
          token(cursor(FINGERPRINT, 12, 2, b"\x02" + esc("city") +
                       esc("place:ho-chi-minh-city"), NOW_MICROS - 2 * hour)))
    write("page_token", "other-query",
          token(cursor(b"another-query-fp", 7, 0, subject_key, NOW_MICROS - hour)))
    write("page_token", "expired",
          token(cursor(FINGERPRINT, 7, 0, subject_key, NOW_MICROS - 25 * hour)))
    write("page_token", "other-secret",
          token(cursor(FINGERPRINT, 7, 0, subject_key, NOW_MICROS - hour),
                secret=b"another store's secret"))
    write("page_token", "altered-mac",
          token(cursor(FINGERPRINT, 7, 0, subject_key, NOW_MICROS - hour),
                flip_mac=True))
    write("page_token", "not-base64", "not a token!")
    write("page_token", "padded-base64", "CgA=")


# ---- ingest requests for the request-validation target's registry ----

REQUESTS = {
    "money-and-valid-time": r'''
        facts {
          subject: "place:da-nang" predicate: "q.money"
          value { raw: "US$85.9 billion" } valid_time { raw: "by 2028" }
          mentions { document_id: "doc:report" quote: "US$85.9 billion by 2028"
                     language: "en" quote_start: 10 quote_end: 33
                     attributed_to: "person:nguyen-van-khoa" confidence: 0.9 }
        }''',
    "names-to-resolve": r'''
        facts {
          subject_name: "Vietnam - Korea Digital Forum" predicate: "e.place"
          value { entity_name: "Seoul" } language: "en"
          valid_time { at { date: "2024-08-02" } }
        }
        facts {
          subject_name: "Da Nang" predicate: "e.agent"
          value { raw: "FPT" } rank: RANK_PREFERRED
        }''',
    "vietnamese-count": r'''
        facts {
          subject: "place:da-nang" predicate: "q.people" language: "vi"
          value { raw: "khoảng 53.000 người" }
          valid_time { raw: "từ 2020 đến 2024" }
          mentions { document_id: "doc:report" language: "vi" quote_start: -1 }
        }''',
    "every-value-type": r'''
        facts { subject: "org:fpt" predicate: "t.note"
                value { text { text: "A note\nwith two lines" } } }
        facts { subject: "event:forum" predicate: "d.date"
                value { time { date: "2024-08" precision: DATE_PRECISION_MONTH } } }
        facts { subject: "org:fpt" predicate: "b.flag" value { raw: "không" }
                language: "vi" }
        facts { subject: "org:fpt" predicate: "b.late" value { boolean: true } }
        facts { subject: "org:fpt" predicate: "q.ratio"
                value { quantity { comparator: COMPARATOR_RANGE lower_bound: "10"
                                   upper_bound: "15" unit: "percent" } } }
        facts { subject: "org:fpt" predicate: "q.duration"
                value { quantity { surface_text: "3 years" } } }''',
    "qualifiers": r'''
        facts {
          subject: "org:fpt" predicate: "q.count" value { raw: "37" }
          qualifiers { key: "location" value { entity_name: "Seoul" } }
          qualifiers { key: "since" value { time { raw: "2019" } } }
          qualifiers { key: "share" value { quantity { amount: "2.5" unit: "percent" } } }
          qualifiers { key: "raw_value" value { raw: "not allowed" } }
        }''',
    "create-missing": r'''
        missing_entities: MISSING_ENTITY_POLICY_CREATE
        facts {
          subject_name: "Nha Trang" predicate: "e.any"
          value { entity_name: "Khánh Hòa Province" }
          mentions { document_id: "doc:new-article" title: "A new article" }
        }''',
    "ambiguous-name": r'''
        facts { subject: "org:fpt" predicate: "e.any" value { entity_name: "Mercury" } }''',
    "malformed": r'''
        facts {
          subject: "" predicate: "Bad.Name" modality: 99
          value { raw: "" } language: "english!"
          valid_time { raw: "2024" at { date: "2024" } }
          mentions { document_id: "doc report" quote_start: -5 quote_end: -2
                     confidence: nan publication_date: "2024-13-01" }
        }''',
    "periods": r'''
        facts { subject: "event:forum" predicate: "d.date"
                value { time { date: "2020" precision: DATE_PRECISION_DECADE } } }
        facts { subject: "event:forum" predicate: "d.date"
                value { time { date: "2024-08" precision: DATE_PRECISION_QUARTER } } }
        facts {
          subject: "org:fpt" predicate: "q.count" value { raw: "37" }
          valid_time { raw: "from Q1 to Q3 2024" }
          qualifiers { key: "since" value { time { raw: "cuối năm 2024" } } }
          language: "vi"
        }''',
    "type-mismatch": r'''
        facts { subject: "org:fpt" predicate: "q.money" value { text { text: "lots" } } }
        facts { subject: "place:seoul" predicate: "e.place" value { time { date: "2024" } } }
        facts { subject: "org:fpt" predicate: "q.money" value { raw: "85.9 billion USDD" } }''',
}


def request_seeds():
    proto_dir = os.path.join(ROOT, "protos")
    for name, text in REQUESTS.items():
        encoded = subprocess.run(
            ["protoc", "--proto_path=" + proto_dir,
             "--encode=factstore.v1.IngestFactsRequest",
             "factstore/v1/ingest_service.proto"],
            input=text.encode("utf-8"), capture_output=True, check=False)
        if encoded.returncode != 0:
            sys.exit(f"protoc could not encode {name}: {encoded.stderr.decode()}")
        write("request_validation", name, encoded.stdout)


def main():
    normalizer_seeds()
    key_codec_seeds()
    page_token_seeds()
    request_seeds()


if __name__ == "__main__":
    main()
