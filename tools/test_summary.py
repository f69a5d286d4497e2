#!/usr/bin/env python3
"""Counts the tests of a `bazel test` run and prints "N passed, N failed".

Reads Bazel's build event stream (--build_event_json_file) for each test
target's result and its test.xml, and counts test cases: every GoogleTest
case, every Python unittest case, one per shell test. A target that was
expected (--labels, from `bazel query tests(//...)`) but did not build or run
counts as one failure. Checks run outside `bazel test` (--check NAME=CODE,
e.g. the thread-safety analysis build) count as one case each, passed when
CODE is 0. Exits non-zero when anything failed.
"""

import argparse
import json
import sys
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET


def count_cases(xml_path):
    """Returns (passed, failed) test cases in one test.xml."""
    try:
        root = ET.parse(xml_path).getroot()
    except (OSError, ET.ParseError):
        return None
    passed = failed = 0
    for case in root.iter("testcase"):
        if case.get("status") == "notrun" or case.find("skipped") is not None:
            continue
        if case.find("failure") is not None or case.find("error") is not None:
            failed += 1
        else:
            passed += 1
    return passed, failed


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--events", required=True)
    parser.add_argument("--labels", default="")
    parser.add_argument("--check", action="append", default=[],
                        help="NAME=EXIT_CODE of a check run outside bazel test")
    args = parser.parse_args()

    expected = [l.strip() for l in args.labels.split() if l.strip()]
    results = {}  # label -> (status, xml path); last attempt wins
    try:
        with open(args.events, encoding="utf-8") as events:
            for line in events:
                event = json.loads(line)
                result_id = event.get("id", {}).get("testResult")
                if not result_id or "testResult" not in event:
                    continue
                result = event["testResult"]
                xml = None
                for output in result.get("testActionOutput", []):
                    if output.get("name") == "test.xml":
                        xml = urllib.parse.unquote(
                            urllib.parse.urlparse(output["uri"]).path)
                results[result_id["label"]] = (result.get("status", "FAILED"), xml)
    except OSError:
        pass

    passed = failed = 0
    failing = []
    for label in sorted(set(expected) | set(results)):
        if label not in results:
            failed += 1
            failing.append(f"{label} (did not build or run)")
            continue
        status, xml = results[label]
        counts = count_cases(xml) if xml else None
        if counts is None:
            counts = (1, 0) if status == "PASSED" else (0, 1)
        p, f = counts
        if status != "PASSED" and f == 0:
            f = 1  # crashed or timed out before reporting a failing case
        passed += p
        failed += f
        if f:
            failing.append(f"{label} ({status}, {f} failing)")
    for check in args.check:
        name, _, code = check.partition("=")
        if code.strip() == "0":
            passed += 1
        else:
            failed += 1
            failing.append(f"{name} (exit code {code})")
    for entry in failing:
        print(f"FAILED: {entry}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
