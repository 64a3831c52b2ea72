"""Work handed to a warm worker pool between runs: fusion's context encoding, and thread caps."""

from __future__ import annotations

import numpy as np
import pytest

from kgbuild.errors import KGBuildError
from kgbuild.fusion.context import ContextEncoder
from kgbuild.pipeline.config import Pipeline
from kgbuild.pipeline.executors import ProcessPoolExecutor
from kgbuild.pipeline.stage_cache import StageCache
from kgbuild.stages.text_reader import TextReader


@pytest.fixture
def pool(tmp_path):
    pipeline = Pipeline("readers", [TextReader("text")])
    executor = ProcessPoolExecutor(pipeline, StageCache(tmp_path / "cache"), workers=2, threads=1)
    executor.start({"text"})
    yield executor
    executor.close()


def test_encoding_spread_over_workers_gives_the_vectors_encoded_here(pool):
    texts = [f"Sentence {i} about Ada Lovelace and the Analytical Engine in London, {i * 7} words." for i in range(37)]
    here = ContextEncoder(batch_size=8).encode(texts)
    spread = ContextEncoder(batch_size=8)
    parts = []
    spread.spread_over(lambda target, calls: parts.append(len(calls)) or pool.call_each(target, calls), pool.workers)
    vectors = spread.encode(texts)
    assert parts == [2]  # both workers, each with whole batches of 8
    assert vectors.shape == (37, 384)
    # the same batches; the last bits differ with the thread count (1 per worker, all cores here)
    np.testing.assert_allclose(vectors, here, rtol=0, atol=1e-6)
    assert spread._model is None  # nothing loaded in this process


def test_a_call_that_fails_in_a_worker_is_reported_and_the_pool_still_answers(pool):
    with pytest.raises(KGBuildError, match="ZeroDivisionError"):
        pool.call_each("operator:truediv", [(1, 0), (4, 2)])
    assert pool.call_each("operator:truediv", [(6, 3), (9, 3), (1, 4)]) == [2.0, 3.0, 0.25]


def test_the_encoder_falls_back_to_this_process_when_the_workers_fail():
    def broken(target, calls):
        raise KGBuildError("the worker died")

    encoder = ContextEncoder(batch_size=2)
    encoder.spread_over(broken, 2)
    texts = ["Grace Hopper worked at Harvard.", "Alan Turing lived in Manchester.", "Hedy Lamarr was an actress."]
    np.testing.assert_array_equal(encoder.encode(texts), ContextEncoder(batch_size=2).encode(texts))
    assert encoder._model is not None


def threads_a_default_onnx_session_starts() -> int:
    """In a worker: OS threads made by an ONNX Runtime session with no options (as
    Ultralytics and RapidOCR make theirs); its intra-op pool of n threads adds n - 1."""
    import os
    from pathlib import Path

    import onnxruntime as ort
    import rapidocr_onnxruntime

    model = sorted((Path(rapidocr_onnxruntime.__file__).parent / "models").glob("*det*.onnx"))[0]
    before = len(os.listdir("/proc/self/task"))
    session = ort.InferenceSession(str(model), providers=["CPUExecutionProvider"])
    made = len(os.listdir("/proc/self/task")) - before
    del session
    return made


def test_workers_run_onnx_runtime_sessions_on_their_share_of_the_cores(pool):
    # one thread each (threads=1): without the cap, ONNX Runtime starts one per physical core
    assert pool.call_each(f"{__name__}:threads_a_default_onnx_session_starts", [(), ()]) == [0, 0]
