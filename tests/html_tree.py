"""A tiny DOM for tests that read our HTML back (the check report, the published report) with the
standard library's `html.parser`, never with the module under test.

    root, doctype = parse_tree(text)               # end tags close as a browser would
    root, doctype = parse_tree(text, strict=True)  # every end tag must close the element it names
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict[str, str | None] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(c if isinstance(c, str) else c.text for c in self.children)

    @property
    def elements(self) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node)]

    def iter(self, tag: str | None = None) -> list[Node]:
        """This node and every node below it (of `tag`), in document order."""
        out = [self] if tag is None or self.tag == tag else []
        for child in self.elements:
            out.extend(child.iter(tag))
        return out

    def find(self, tag: str | None = None, **attrs: str) -> Node | None:
        return next(self.find_all(tag, **attrs), None)

    def find_all(self, tag: str | None = None, **attrs: str) -> Iterator[Node]:
        """Nodes of `tag` whose attributes are `attrs` (`class_` → class, `data_key` → data-key)."""
        for n in self.iter(tag):
            if all(n.attrs.get(k.rstrip("_").replace("_", "-")) == v for k, v in attrs.items()):
                yield n

    def has_class(self, name: str) -> bool:
        return name in (self.attrs.get("class") or "").split()


class TreeBuilder(HTMLParser):
    def __init__(self, strict: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.strict = strict
        self.root = Node("#document")
        self.stack = [self.root]
        self.decl: list[str] = []

    def handle_decl(self, decl: str) -> None:
        self.decl.append(decl)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.stack[-1].children.append(Node(tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        if self.strict:
            assert tag not in VOID, f"</{tag}>"
            assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
            self.stack.pop()
            return
        for i in range(len(self.stack) - 1, 0, -1):
            if self.stack[i].tag == tag:
                del self.stack[i:]
                return

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse_tree(text: str, strict: bool = False) -> tuple[Node, str]:
    """The page as a tree and its declarations (`DOCTYPE html`); strict: also fails on an element
    left open."""
    builder = TreeBuilder(strict)
    builder.feed(text)
    builder.close()
    if strict:
        assert builder.stack == [builder.root], [n.tag for n in builder.stack]
    return builder.root, " ".join(builder.decl)
