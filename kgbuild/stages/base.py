"""The contract every pipeline stage follows.

A stage is one class in its own module:

* ``__init__`` is cheap: it validates JSON-able parameters (a pydantic ``Params`` model)
  and loads nothing, so a pipeline can be built, validated and serialised in milliseconds;
* ``warm_up()`` loads models (idempotent);
* ``__call__(items)`` processes a batch of :class:`~kgbuild.datamodel.Item` in place;
  ``pipe(stream)`` batches a stream;
* ``to_config()`` / ``from_config()`` round-trip through YAML.

``requires`` and ``produces`` name the item fields a stage reads and fills (:data:`FIELDS`,
or ``view:<name>`` for a text view besides the item's own text), so a pipeline whose wiring
cannot work is rejected before any data flows; a name that is not a field fails when the
class is defined. Single-valued fields (:data:`SINGLE_VALUED`: the item's text and its
alignment, each named view) may be filled by one stage per modality only.

A stage that runs a model sets ``has_model = True``: its output is snapshotted (a changed
later stage resumes from there) and it starts a new segment on Ray.

``fingerprint()`` (and so ``model_info()``) must be the same before and after ``warm_up()``:
it keys the ingest state and the snapshots, and is taken before any model loads. Name the
model from what is on disk (a package version, a file hash), never from the loaded object.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from ..datamodel import Activity, Item
from ..errors import StageContractError, StageFailure
from ..ids import sha256_text

# The item fields stages exchange. "source" is always there; "text" is the item's own text
# view, "timeline"/"layout" its alignment; "view:<name>" is another text view (a caption).
FIELDS = frozenset({"source", "text", "timeline", "layout", "mentions", "entities", "relations", "events"})
SINGLE_VALUED = frozenset({"text", "timeline", "layout"})  # and every "view:<name>"
_VIEW_FIELD = re.compile(r"view:[a-z][a-z0-9_]*")


def is_field(name: str) -> bool:
    return name in FIELDS or bool(_VIEW_FIELD.fullmatch(name))


def single_valued(name: str) -> bool:
    return name in SINGLE_VALUED or name.startswith("view:")


class StageParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    batch_size: int = 8


class Stage:
    type_name: ClassVar[str] = ""
    requires: ClassVar[frozenset[str]] = frozenset({"source"})
    produces: ClassVar[frozenset[str]] = frozenset()
    modalities: ClassVar[frozenset[str]] = frozenset()  # empty: every modality
    has_model: ClassVar[bool] = False  # runs a model: snapshot its output, a Ray segment starts here
    # Bump when a change to the code makes the stage write something else for the same input,
    # parameters and model: stores built before then re-run it (0 adds nothing to the fingerprint).
    revision: ClassVar[int] = 0
    Params: ClassVar[type[StageParams]] = StageParams

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for attr in ("requires", "produces"):
            unknown = sorted(name for name in getattr(cls, attr) if not is_field(name))
            if unknown:
                raise StageContractError(
                    f"{cls.__module__}.{cls.__qualname__}.{attr} names {', '.join(map(repr, unknown))}, "
                    f"which {'is' if len(unknown) == 1 else 'are'} not item fields",
                    hint=f"item fields: {', '.join(sorted(FIELDS))}, or view:<name> for a text view")

    def __init__(self, name: str | None = None, **params: Any) -> None:
        self.name = name or self.type_name
        self.params = self.Params(**params)
        self._warm = False

    # lifecycle -------------------------------------------------------------------------

    def warm_up(self) -> None:
        """Load models. Subclasses override :meth:`_load` and keep this idempotent."""
        if not self._warm:
            self._load()
            self._warm = True

    def _load(self) -> None:
        pass

    # processing ---------------------------------------------------------------------

    def applies_to(self, item: Item) -> bool:
        return item.ok and (not self.modalities or item.source.modality in self.modalities)

    def __call__(self, items: list[Item]) -> list[Item]:
        todo = [it for it in items if self.applies_to(it)]
        if todo:
            self.warm_up()  # only now: a corpus without audio never loads Whisper
            self.process(todo)
            for it in todo:
                if it.ok:
                    it.activities.append(self.activity())
        return items

    def process(self, items: list[Item]) -> None:
        """Fill in ``items`` (all of which this stage applies to). Override this."""
        raise NotImplementedError

    def pipe(self, stream: Iterable[Item], batch_size: int | None = None) -> Iterator[Item]:
        size = batch_size or self.params.batch_size
        batch: list[Item] = []
        for item in stream:
            batch.append(item)
            if len(batch) >= size:
                yield from self(batch)
                batch = []
        if batch:
            yield from self(batch)

    def each(self, items: list[Item], fn: Callable[[Item], Any], concurrency: int = 1) -> list[tuple[Item, Any]]:
        """Run ``fn`` per item, recording a failure on the item instead of raising,
        so one bad file never takes its batch down. Returns (item, result) for successes, in
        order. ``concurrency`` > 1 runs that many items at once in threads (for models that
        release the GIL and scale better over files than over threads within one)."""
        def attempt(item: Item) -> tuple[bool, Any]:
            try:
                return True, fn(item)
            except Exception as exc:  # noqa: BLE001 - every failure is recorded with its cause
                return False, exc

        if concurrency > 1 and len(items) > 1:
            with ThreadPoolExecutor(min(concurrency, len(items)), thread_name_prefix=self.name) as pool:
                outcomes = list(pool.map(attempt, items))
        else:
            outcomes = [attempt(item) for item in items]
        done = []
        for item, (ok, value) in zip(items, outcomes):
            if ok:
                done.append((item, value))
            else:
                self.fail(item, value)
        return done

    def fail(self, item: Item, exc: BaseException) -> None:
        item.failure = StageFailure(self.name, item.source.iri, item.source.relpath, exc)

    # provenance and config ------------------------------------------------------------

    def model_info(self) -> tuple[str | None, str | None]:
        """(model name or path, version) for provenance; stages with models override. Must
        not depend on whether the model is loaded (see the module docstring)."""
        return None, None

    def activity(self) -> Activity:
        model, version = self.model_info()
        return Activity(self.name, self.type_name, model, version, self.fingerprint())

    def fingerprint(self) -> str:
        model, version = self.model_info()
        parts = [self.to_config(), model, version] + ([f"revision {self.revision}"] if self.revision else [])
        payload = json.dumps(parts, sort_keys=True, default=str)
        return sha256_text(payload)[:16]

    def fills(self) -> frozenset[str]:
        """The single-valued fields this stage fills (two stages for one modality may not)."""
        return frozenset(name for name in self.produces if single_valued(name))

    def to_config(self) -> dict[str, Any]:
        return {"name": self.name, "type": self.type_name, "params": self.params.model_dump(mode="json")}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Stage:
        return cls(name=config.get("name"), **(config.get("params") or {}))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, params={self.params.model_dump()})"
