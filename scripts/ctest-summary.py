#!/usr/bin/env python3
"""Reads ctest's JUnit file (ctest --output-junit FILE) and prints one suite's figures:

    scripts/ctest-summary.py LABEL FILE [SUMMARY]

prints "LABEL: P passed, F failed, S skipped (of N)" and then every skipped test with the
reason it gave (gtest's "Skipped" message, taken from the test's output), so that a run that
passes by skipping shows what it did not check, and every failed test with the first lines of
what went wrong (gtest's failure messages, a sanitizer's report, ctest's timeout), so that a
red run read from its summary alone says why. With SUMMARY, the first line is also appended
to that file (scripts/test.sh prints the file with its stage table). Exits 1 when the file
holds no test at all: a discovery that found nothing is a failure, not an empty success.
"""
import re
import sys
import xml.etree.ElementTree as ET


def reason_of(case):
    """The reason a skipped gtest gave: the lines after 'Skipped' in its output."""
    texts = []
    for tag in ("skipped", "system-out"):
        for node in case.iter(tag):
            texts.append(node.get("message") or "")
            texts.append(node.text or "")
    out = "\n".join(t for t in texts if t)
    m = re.search(r":\d+: Skipped\n(.*?)(?:\n\[  SKIPPED \]|\Z)", out, re.S)
    if m:
        return " ".join(m.group(1).split())
    m = re.search(r"Skipped\s*(.*)", out)
    return " ".join(m.group(1).split())[:300] if m else "(no reason printed)"


FAILURE_LINES = 8


def failure_of(case):
    """What a failed test printed about its failure: gtest's `file:line: Failure` blocks, a
    sanitizer's ERROR and SUMMARY lines, or ctest's own word (a timeout, a crash)."""
    texts = []
    for tag in ("failure", "error", "system-out"):
        for node in case.iter(tag):
            texts.append(node.get("message") or "")
            texts.append(node.text or "")
    out = "\n".join(t for t in texts if t).splitlines()
    keep = []
    for i, line in enumerate(out):
        if re.search(r":\d+: Failure$", line):
            for follow in out[i : i + 4]:
                if follow.startswith("[  "):
                    break
                keep.append(follow)
        elif re.search(r"(ERROR|SUMMARY): (Address|Undefined|Leak|Memory|Thread)Sanitizer", line):
            keep.append(line)
        elif re.search(r"runtime error:|Timeout|Segmentation fault|Child aborted", line):
            keep.append(line)
    keep = [" ".join(k.split()) for k in keep if k.strip()]
    if not keep:
        keep = [" ".join(l.split()) for l in out if l.strip()][-3:] or ["(no output kept)"]
    return keep[:FAILURE_LINES]


def main():
    if len(sys.argv) not in (3, 4):
        print(__doc__, file=sys.stderr)
        return 2
    label, path = sys.argv[1], sys.argv[2]
    cases = list(ET.parse(path).getroot().iter("testcase"))
    passed, failed, skipped = 0, [], []
    for case in cases:
        status = case.get("status", "")
        if status == "fail" or case.find("failure") is not None or case.find("error") is not None:
            failed.append((case.get("name"), failure_of(case)))
        elif status in ("notrun", "disabled") or case.find("skipped") is not None:
            skipped.append((case.get("name"), reason_of(case)))
        else:
            passed += 1
    line = f"{label}: {passed} passed, {len(failed)} failed, {len(skipped)} skipped (of {len(cases)})"
    print(line)
    for name, why in failed:
        print(f"  FAILED  {name}")
        for text in why:
            print(f"          {text}")
    for name, why in skipped:
        print(f"  SKIPPED {name}: {why}")
    if len(sys.argv) == 4:
        with open(sys.argv[3], "a") as f:
            f.write(line + "\n")
            for name, why in failed:
                f.write(f"    failed {name}\n")
                for text in why:
                    f.write(f"        {text}\n")
            for name, why in skipped:
                f.write(f"    skipped {name}: {why}\n")
    if not cases:
        print(f"{label}: no tests found in {path}: test discovery failed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
