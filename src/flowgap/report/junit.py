"""junit.xml: one test case per threshold (a failure carries actual versus limit); with no
thresholds, one passing case "analysis completed". No timestamps, so reruns are identical."""

from __future__ import annotations

import xml.etree.ElementTree as ET

SUITE = "flowgap analyze"


def render(report: dict) -> str:
    results = report["thresholds"]["results"]
    failures = sum(not r["held"] for r in results)
    cases = max(len(results), 1)
    root = ET.Element(
        "testsuites", name="flowgap", tests=str(cases), failures=str(failures), errors="0"
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        name=SUITE,
        tests=str(cases),
        failures=str(failures),
        errors="0",
        skipped="0",
    )
    props = ET.SubElement(suite, "properties")
    for key in ("as_of", "flowgap_version", "pm4py_version", "engine"):
        ET.SubElement(props, "property", name=key, value=str(report.get(key)))
    if not results:
        ET.SubElement(suite, "testcase", classname="flowgap", name="analysis completed")
    for r in results:
        case = ET.SubElement(
            suite, "testcase", classname="flowgap.thresholds", name=r["expression"]
        )
        if not r["held"]:
            failure = ET.SubElement(case, "failure", type="threshold", message=r["message"])
            failure.text = f"{r['expression']}\nactual: {r['actual']}\nlimit: {r['limit']}" + (
                f"\nbaseline: {r['baseline']}" if r["relative"] else ""
            )
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, "unicode") + "\n"
