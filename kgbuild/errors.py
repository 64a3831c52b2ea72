"""Every error kgbuild raises, each with a stable code.

Codes are grouped by where the problem lives, so a user (or a log search) can tell
at a glance whether to fix a config file, install a model, or look at an input file:

* ``E1xx`` configuration and pipeline wiring (exit status 2, nothing has run yet)
* ``E2xx`` models and optional dependencies that cannot be found or loaded
* ``E3xx`` input files that cannot be read or decoded (recorded, the batch goes on)
* ``E4xx`` the store
* ``E5xx`` running a build: a worker process or an executor that failed outside any one input
"""

from __future__ import annotations


class KGBuildError(Exception):
    """Base class, never raised itself (its ``E000`` is a placeholder): raise the subclass
    that says where the problem lives. ``code`` is stable across releases; the message may improve."""

    code = "E000"

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.message = message
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        text = f"[{self.code}] {self.message}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text


# E1xx — configuration -------------------------------------------------------------


class ConfigError(KGBuildError):
    """A pipeline file or CLI option is invalid (bad YAML, unknown key, wrong type)."""

    code = "E101"


class UnknownStageError(ConfigError):
    code = "E102"


class WiringError(ConfigError):
    """A stage requires a field that no earlier stage produces."""

    code = "E103"


class FieldConflictError(WiringError):
    """Two stages of a pipeline fill the same single-valued item field for one modality."""

    code = "E104"


class StageContractError(ConfigError):
    """A stage class breaks the stage contract (e.g. ``requires`` names no item field)."""

    code = "E105"


# E2xx — models and optional dependencies -----------------------------------------


class ModelNotFoundError(KGBuildError):
    code = "E201"


class MissingDependencyError(KGBuildError):
    code = "E202"


class ModelLoadError(KGBuildError):
    code = "E203"


# E3xx — inputs --------------------------------------------------------------------


class InputError(KGBuildError):
    """An input file cannot be processed. ``position`` says where, when known:
    a byte offset for text, a time for audio, a frame for video."""

    code = "E301"

    def __init__(self, message: str, *, position: str | None = None, hint: str | None = None) -> None:
        self.position = position
        super().__init__(message, hint=hint)


class InputTimeout(InputError):
    """One file took longer than the per-file limit; its worker was stopped."""

    code = "E304"


class InputMemoryLimit(InputError):
    """One file made its worker use more memory than the limit; the worker was stopped."""

    code = "E305"


class EmptyInputError(InputError):
    code = "E302"


class DecodeError(InputError):
    """The bytes are not what the extension promises, or are truncated/corrupt."""

    code = "E303"


class DocumentEncrypted(InputError):
    """A document (PDF) is encrypted and no password, or a wrong one, was given."""

    code = "E320"


class DocumentCorrupt(DecodeError):
    """A document's structure cannot be read (a PDF whose cross-reference table and objects
    cannot be recovered, a .docx that is not a zip)."""

    code = "E321"


class DocumentTooLarge(InputError):
    """A document over the reader's limits (pages, pixels of one picture): a bomb is refused
    before it is decoded."""

    code = "E322"


class InputChanged(InputError):
    """The file changed while the build read it (twice in a row): its content is not known."""

    code = "E306"


class InputGone(InputError):
    """The file was deleted (or became unreadable) during the build."""

    code = "E307"


class TooManyMentions(InputError):
    """One file gave more mentions than the per-file cap (``--max-mentions``): a
    pathological input (a megabyte on one line, a list of a million names) is refused rather
    than written as a store of that size."""

    code = "E308"


class NoStreams(InputError):
    """A media container with no audio and no video stream: nothing in it can be read."""

    code = "E309"


class StageFailure(KGBuildError):
    """Wraps any exception raised while a stage processed one source, naming the
    stage, the source and the position so the failure can be found and reproduced."""

    code = "E310"

    def __init__(self, stage: str, source_uri: str, path: str, cause: BaseException | None,
                 *, cause_code: str | None = None, position: str | None = None, detail: str | None = None) -> None:
        self.stage = stage
        self.source_uri = source_uri
        self.path = path
        self.cause = cause
        self.position = position if cause is None else getattr(cause, "position", None)
        # A cause that is not ours (a library's ValueError, a bug) is recorded under this
        # class's own code; its Python class name stays in the detail. Only our errors carry a
        # code: other exceptions' ``code`` attributes (HTTPError's status, SystemExit's) are not ones.
        self.cause_code = cause_code if cause is None else (
            cause.code if isinstance(cause, KGBuildError)
            else InputGone.code if isinstance(cause, FileNotFoundError) else StageFailure.code)
        self.detail = detail if cause is None else cause_text(cause)
        super().__init__(self.reason)

    @property
    def reason(self) -> str:
        where = f" at {self.position}" if self.position else ""
        return f"stage '{self.stage}' failed on {self.path}{where}: {self.detail}"

    def __reduce__(self):
        # Crosses process boundaries (worker pools) without the cause, whose class may not
        # unpickle; everything a report needs is kept.
        return (_restore_failure, (self.stage, self.source_uri, self.path, self.cause_code, self.position, self.detail))


def _restore_failure(stage, source_uri, path, cause_code, position, detail) -> StageFailure:
    return StageFailure(stage, source_uri, path, None, cause_code=cause_code, position=position, detail=detail)


def cause_text(exc: BaseException) -> str:
    if isinstance(exc, KGBuildError):
        return f"[{exc.code}] {exc.message}"
    text = str(exc).strip() or type(exc).__name__
    return f"{type(exc).__name__}: {text}"


# E4xx — store ---------------------------------------------------------------------


class StoreError(KGBuildError):
    code = "E401"


class QueryError(StoreError):
    code = "E402"


class EntityNotFound(StoreError):
    """No entity with that IRI or label."""

    code = "E403"


class AmbiguousEntity(EntityNotFound):
    """A name that fits several entities equally well: the message lists them, and
    ``candidates`` holds them (IRI, label, type, mentions, score) for a program to show."""

    code = "E409"

    def __init__(self, message: str, *, hint: str | None = None, candidates: list[dict] | None = None) -> None:
        super().__init__(message, hint=hint)
        self.candidates = candidates or []


class SourceNotFound(StoreError):
    """No source with that sha256 in the store."""

    code = "E404"


class SourceFileMissing(StoreError):
    """The store knows the source, but its file is gone or changed since the build."""

    code = "E405"


class PushError(StoreError):
    """A push target (a Graph Store Protocol endpoint, FalkorDB) refused the data or could not
    be reached. What it had acknowledged is recorded, so running the push again resumes."""

    code = "E406"


class QueryRefused(QueryError):
    """The endpoint will not evaluate this query or update as asked: it would fetch a URL
    (SERVICE, LOAD) that the operator has not allowed."""

    code = "E407"


class QueryLimitExceeded(QueryError):
    """A query went over one of the endpoint's limits (time, memory, rows, result size) or
    found every query worker busy; the work was stopped."""

    code = "E408"


class DiskFull(StoreError):
    """The disk holding the store (or its state files) is full: the build stops; what was
    written before stays consistent, and the next build redoes only the rest."""

    code = "E410"


class ServerWriteFailed(StoreError):
    """A server store (Graph Store Protocol) did not acknowledge a source's graph, or a
    half-written one could not be deleted. Sources not acknowledged stay unfinished in the
    ingest state; the next build deletes what they left and redoes them."""

    code = "E412"


class ServerStoreUnavailable(StoreError):
    """A server store (``--store URL``) could not be reached, or refused a request outside the
    writing of sources' graphs (a query, an update, a graph read or delete): nothing is
    recorded as done that the server did not acknowledge."""

    code = "E413"


# E5xx — running a build -------------------------------------------------------------


class ExecutorError(KGBuildError):
    """A worker process or an executor failed outside any one input: it did not start, died
    while loading models, or a call spread over the workers failed."""

    code = "E501"
