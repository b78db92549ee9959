"""The summary PDF's structure tree, made for PDF/UA-1: WeasyPrint's tagger with four mends.

WeasyPrint (70) tags each page on its own and leaves margin-box text in marked content that no
structure element owns. For the summary that means: the running header and footer ("does not
diagnose", the patient's name, "Page 2 of 4") are neither content nor artifacts; a table or a
section that crosses a page becomes two; repeated table headers are read again on every page;
and decorative symbols (a check mark beside "Met") are read aloud. This tagger, used only while
the summary renders (`tagging()`; any other WeasyPrint call gets WeasyPrint's own), builds:

1. margin boxes (running header, footer, page numbers) as /Artifact /Pagination marked content;
2. one structure element per HTML element, continued across pages (a table that crosses a page
   is one Table; its header row repeated on the next page is an artifact);
3. anything with aria-hidden="true" as an artifact (the symbol beside a status word);
4. header cells with unique IDs, cells pointing to their headers on every page, and the IDTree.

Written against WeasyPrint 70.0 (pinned in requirements.lock); `tests/test_pdf_structure.py`
walks the result with pikepdf.
"""

from __future__ import annotations

import contextlib
import contextvars
import itertools
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

import pydyf
import weasyprint.pdf
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf.tags import _get_pdf_tag

_ORIGINAL = weasyprint.pdf.add_tags
_ACTIVE: contextvars.ContextVar[bool] = contextvars.ContextVar("summary_tags", default=False)


@contextlib.contextmanager
def tagging() -> Iterator[None]:
    """Tag the PDFs written inside this block with the summary's tagger (this thread only)."""
    token = _ACTIVE.set(True)
    try:
        yield
    finally:
        _ACTIVE.reset(token)


def _dispatch(pdf: Any, document: Any, pdf_version: Any, page_streams: Any) -> None:
    if _ACTIVE.get():
        _Tagger(pdf, document, pdf_version, page_streams).run()
    else:
        _ORIGINAL(pdf, document, pdf_version, page_streams)


def install() -> None:
    """Route WeasyPrint's tagging through `_dispatch` (idempotent; done when screening.pdf loads)."""
    weasyprint.pdf.add_tags = _dispatch


def _elem(pdf: Any, tag: str, parent: Any, page: Any) -> pydyf.Dictionary:
    element = pydyf.Dictionary(
        {"Type": "/StructElem", "S": f"/{tag}", "K": pydyf.Array([]), "Pg": page, "P": parent}
    )
    pdf.add_object(element)
    return element


class _Tagger:
    def __init__(self, pdf: Any, document: Any, pdf_version: Any, page_streams: Any) -> None:
        self.pdf, self.document, self.streams = pdf, document, page_streams
        self.version = pdf_version
        # One structure element per (HTML element, pseudo-element), whatever the page.
        self.seen: dict[tuple[int, str], pydyf.Dictionary] = {}
        # Column headers of each table, by column, kept for the table's later pages.
        self.columns: dict[int, defaultdict[int, list[pydyf.String]]] = {}
        self.ids: list[tuple[pydyf.String, Any]] = []
        self.counter = itertools.count(1)
        self.annotations: list[tuple[Any, Any]] = []

    # --- the document ---------------------------------------------------------------------

    def run(self) -> None:
        pdf = self.pdf
        content_mapping = pydyf.Dictionary({})
        pdf.add_object(content_mapping)
        root = pydyf.Dictionary(
            {"Type": "/StructTreeRoot", "ParentTree": content_mapping.reference}
        )
        pdf.add_object(root)
        document = pydyf.Dictionary(
            {"Type": "/StructElem", "S": "/Document", "K": pydyf.Array(), "P": root.reference}
        )
        pdf.add_object(document)
        root["K"] = pydyf.Array([document.reference])
        pdf.catalog["StructTreeRoot"] = root.reference
        if str(self.version) >= "2.0":
            namespace = pydyf.Dictionary(
                {"Type": "/Namespace", "NS": pydyf.String("http://iso.org/pdf2/ssn")}
            )
            pdf.add_object(namespace)
            root["Namespaces"] = pydyf.Array([namespace.reference])
            document["NS"] = namespace.reference

        content_mapping["Nums"] = pydyf.Array()
        for number, (page, stream) in enumerate(
            zip(self.document.pages, self.streams, strict=True)
        ):
            self.page_number, self.stream, self.tags = number, stream, stream._tags
            self.page_ref = pdf.page_references[number]
            self.nums: dict[int, Any] = {}
            self._mcid_index = {
                item["MCID"]: i
                for i, item in enumerate(stream.stream)
                if isinstance(item, pydyf.Dictionary) and "MCID" in item
            }
            for element in self._build(page._page_box, document):
                document["K"].append(element.reference)
            # Every marked run is in the tree or was made an artifact.
            if self.tags:
                raise RuntimeError("marked content left out of the structure tree")
            # The page's ParentTree array is indexed by MCID; artifacts leave a null.
            size = max(self._mcid_index, default=-1) + 1
            content_mapping["Nums"].append(number)
            content_mapping["Nums"].append(
                pydyf.Array([self.nums.get(i, b"null") for i in range(size)])
            )

        for i, (reference, annotation) in enumerate(self.annotations, start=len(self.streams)):
            content_mapping["Nums"].append(i)
            content_mapping["Nums"].append(reference)
            annotation["StructParent"] = i

        if self.ids:
            names = pydyf.Array()
            for key, element in sorted(self.ids, key=lambda pair: str(pair[0].string)):
                names.append(key)
                names.append(element.reference)
            root["IDTree"] = pydyf.Dictionary({"Names": names})

        pdf.catalog["ViewerPreferences"] = pydyf.Dictionary({"DisplayDocTitle": "true"})
        pdf.catalog["MarkInfo"] = pydyf.Dictionary({"Marked": "true"})
        if "Lang" not in pdf.catalog:
            pdf.catalog["Lang"] = pydyf.String()

    # --- artifacts ----------------------------------------------------------------------------

    def _artifact(self, box: Any, kind: str) -> None:
        """Make every marked run under `box` an artifact of `kind` (Pagination or Layout)."""
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        for mark in self._marked(box):
            kid = self.tags.pop(mark)
            i = self._mcid_index[kid["mcid"]]
            self.stream.stream[i - 1] = "/Artifact"
            self.stream.stream[i] = pydyf.Dictionary({"Type": f"/{kind}"})

    def _marked(self, box: Any) -> Iterator[Any]:
        if box in self.tags:
            yield box
        for child in getattr(box, "children", ()):
            if isinstance(child, AbsolutePlaceholder):
                child = child._box
            yield from self._marked(child)

    # --- the tree -----------------------------------------------------------------------------

    def _build(self, box: Any, parent: pydyf.Dictionary) -> Iterator[pydyf.Dictionary]:
        """The structure elements of `box` that are new children of `parent`."""
        if isinstance(box, AbsolutePlaceholder):
            box = box._box
        element_tag = None if box.element is None else box.element_tag
        tag = _get_pdf_tag(element_tag)

        if isinstance(box, boxes.MarginBox):
            self._artifact(box, "Pagination")
            return
        if element_tag in ("html", "body") or isinstance(box, boxes.PageBox):
            if isinstance(box, boxes.ParentBox) and not isinstance(box, boxes.LineBox):
                for child in box.children:
                    yield from self._build(child, parent)
            return
        if box.element is not None and box.element.get("aria-hidden") == "true":
            self._artifact(box, "Layout")
            return

        key = (id(box.element), box.element_tag) if box.element is not None else None
        reused = key is not None and key in self.seen and tag != "NonStruct"
        if reused and tag == "LI" and self.seen[key] is parent:
            reused = False  # a list item's anonymous body: its LBody (WeasyPrint's rule)
        if reused and element_tag in ("thead", "tfoot"):
            # A table's header (or footer) rows repeated on a later page: read once.
            self._artifact(box, "Pagination")
            return

        if not reused:
            if tag in ("TD", "TH") and parent["S"] in ("/TD", "/TH"):
                tag = "NonStruct"  # an anonymous block inside a cell
            elif tag == "LI":
                tag = self._list_tag(box, parent)
                if tag == "wrap":
                    # A dt, dd or bullet-less li: wrapped in an LI, itself then its LBody.
                    item = _elem(self.pdf, "LI", parent.reference, self.page_ref)
                    for child in self._build(box, item):
                        item["K"].append(child.reference)
                    yield item
                    return

        if reused:
            element = self.seen[key]
        else:
            element = _elem(self.pdf, tag, parent.reference, self.page_ref)
            if key is not None:
                self.seen[key] = element

        if tag == "Figure" and not reused:
            self._figure(box, element)
        elif tag == "Table" and box.is_table_wrapper:
            wrapper, table = box, box.get_wrapped_table()
            if table:
                box = table.copy_with_children([])
                for child in wrapper.children:
                    box.children.extend(child.children if child is table else [child])
        if tag in ("TH", "TD"):
            if not reused:
                element["A"] = pydyf.Dictionary({"O": "/Table"})
                if box.colspan != 1:
                    element["A"]["ColSpan"] = box.colspan
                if box.rowspan != 1:
                    element["A"]["RowSpan"] = box.rowspan
            box.mark = element

        self._annotations(box, element)
        self._children(box, element, parent, tag)

        if isinstance(box, boxes.ReplacedBox):
            kid = self.tags.pop(box)
            element["K"].append(kid["mcid"])
            self.nums[kid["mcid"]] = element.reference

        if tag == "Table":
            self._headers(box, element)

        if not reused:
            yield element

    @staticmethod
    def _list_tag(box: Any, parent: pydyf.Dictionary) -> str:
        """WeasyPrint's list rules: an item's anonymous body is its LBody (its body's own
        anonymous blocks NonStruct); a dt, dd or bullet-less li is to be wrapped ("wrap")."""
        if parent["S"] == "/LI":
            return "LBody"
        if parent["S"] == "/LBody":
            return "NonStruct"
        no_bullet = box.element_tag == "li" and (
            "list-item" not in box.style["display"] or box.style["list_style_type"] == "none"
        )
        return "wrap" if box.element_tag in ("dt", "dd") or no_bullet else "LI"

    def _figure(self, box: Any, element: pydyf.Dictionary) -> None:
        x1, y1 = box.content_box_x(), box.content_box_y()
        element["A"] = pydyf.Dictionary(
            {"O": "/Layout", "BBox": pydyf.Array((x1, y1, x1 + box.width, y1 + box.height))}
        )
        if box.element.tag == "{http://www.w3.org/2000/svg}svg":
            title = box.element.find("{http://www.w3.org/2000/svg}title")
            if title is not None and title.text:
                element["Alt"] = pydyf.String(title.text)
        elif alt := box.element.attrib.get("alt"):
            element["Alt"] = pydyf.String(alt)

    def _annotations(self, box: Any, element: pydyf.Dictionary) -> None:
        for annotation, form in ((box.link_annotation, False), (box.widget_annotation, True)):
            if not annotation:
                continue
            objr = pydyf.Dictionary(
                {"Type": "/OBJR", "Obj": annotation.reference, "Pg": self.page_ref}
            )
            self.pdf.add_object(objr)
            if form:
                holder = _elem(self.pdf, "Form", element.reference, self.page_ref)
                holder["K"].append(objr.reference)
                element["K"].append(holder.reference)
                self.annotations.append((holder.reference, annotation))
            else:
                element["K"].append(objr.reference)
                self.annotations.append((element.reference, annotation))

    def _children(
        self, box: Any, element: pydyf.Dictionary, parent: pydyf.Dictionary, tag: str
    ) -> None:
        for child in getattr(box, "children", ()):
            children = child.children if isinstance(child, boxes.LineBox) else [child]
            for child in children:
                if isinstance(child, boxes.TextBox):
                    if child.element is not None and child.element.get("aria-hidden") == "true":
                        self._artifact(child, "Layout")
                        continue
                    kid = self.tags.pop(child)
                    if tag == "Link":
                        element["K"].append(kid["mcid"])
                        self.nums[kid["mcid"]] = element.reference
                    else:
                        run = _elem(self.pdf, kid["tag"], element.reference, self.page_ref)
                        run["K"].append(kid["mcid"])
                        element["K"].append(run.reference)
                        self.nums[kid["mcid"]] = run.reference
                    continue
                nested = child.element_tag in ("ul", "ol") and element["S"] == "/LI"
                holder = parent if nested else element
                index = len(holder["K"])
                holder["K"][index:index] = [e.reference for e in self._build(child, holder)]

    def _headers(self, box: Any, element: pydyf.Dictionary) -> None:
        """Give header cells unique IDs and every data cell the IDs of its headers."""

        def rows(table_box: Any) -> Iterator[Any]:
            for child in table_box.children:
                yield from [child] if child.element_tag == "tr" else rows(child)

        table_rows = tuple(rows(box))
        columns = self.columns.setdefault(id(element), defaultdict(list))
        row_headers: defaultdict[int, list[pydyf.String]] = defaultdict(list)
        for i, row in enumerate(table_rows):
            for j, cell in enumerate(row.children):
                mark = getattr(cell, "mark", None)
                if mark is None or cell.element is None or cell.element_tag != "th":
                    continue
                if "ID" not in mark:
                    mark["ID"] = pydyf.String(f"th{next(self.counter)}")
                    self.ids.append((mark["ID"], mark))
                    if cell.element.attrib.get("scope") != "row":
                        columns[j].append(mark["ID"])
                if cell.element.attrib.get("scope") == "row":
                    row_headers[i].append(mark["ID"])
        for i, row in enumerate(table_rows):
            for j, cell in enumerate(row.children):
                mark = getattr(cell, "mark", None)
                if mark is None or cell.element is None or cell.element_tag != "td":
                    continue
                mark["A"]["Headers"] = pydyf.Array([*row_headers[i], *columns[j]])
