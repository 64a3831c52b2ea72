"""Reads text files into the item's "text" view, refusing bytes that are not text."""

from __future__ import annotations

from ..datamodel import Item, TextView
from ..errors import DecodeError, EmptyInputError
from .base import Stage, StageParams
from .registry import register_stage


class TextReaderParams(StageParams):
    batch_size: int = 64
    encoding: str = "utf-8"
    max_bytes: int = 50_000_000  # larger files are refused rather than loaded whole


@register_stage("text_reader")
class TextReader(Stage):
    produces = frozenset({"text"})
    modalities = frozenset({"text"})
    Params = TextReaderParams
    params: TextReaderParams

    def process(self, items: list[Item]) -> None:
        for item, text in self.each(items, self._read):
            item.add_view(TextView(item.primary_view, text, "text"))

    def _read(self, item: Item) -> str:
        size = item.source.size
        if size == 0:
            raise EmptyInputError("file is empty")
        if size > self.params.max_bytes:
            raise DecodeError(f"file is {size:,} bytes, over the {self.params.max_bytes:,}-byte limit",
                              hint="raise max_bytes in the text_reader stage params")
        data = item.source.path.read_bytes()
        nul = data.find(b"\x00", 0, 8192)
        if nul >= 0:
            raise DecodeError("file contains NUL bytes: binary data, not text", position=f"byte {nul}")
        try:
            text = data.decode(self.params.encoding)
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise DecodeError(
                f"not valid {self.params.encoding}: {exc.reason}",
                position=f"byte {exc.start} (line {line})",
                hint="convert the file to UTF-8 or set `encoding` in the text_reader stage params",
            ) from None
        return text.lstrip("\ufeff")
