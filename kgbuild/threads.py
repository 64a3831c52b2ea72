"""One process's share of the cores, applied to every model library it loads.

A worker process (the pool's, or a Ray actor's) is given ``n`` cores' worth of threads. The
BLAS/OpenMP libraries and torch read that from their variables and ``set_num_threads``;
the whisper stage reads :func:`cpu_budget` (that many files at once, one CTranslate2
thread each). ONNX Runtime reads neither: a
session made without explicit options starts one thread per physical core, and
Ultralytics and RapidOCR make theirs that way. Two workers on two cores then run four
busy ONNX threads, much slower than one thread each (figures: docs/ingest.md, "Executors";
bench/ingest.py). So sessions created after :func:`limit_cpu_threads`
that leave the thread count at its default get ``n`` threads; a count a stage sets itself
(the ``ocr`` stage's ``threads``) is kept. ONNX Runtime's default threads also pin
themselves to cores, so ``taskset`` alone does not hold them: a build pinned to one core
ran OCR on two.
"""

from __future__ import annotations

import functools
import os
import sys

THREAD_VARS = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS")


def available_cores() -> int:
    """The cores this process may run on (taskset, cgroup cpusets), not the machine's."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


_budget: int | None = None


def cpu_budget() -> int:
    """The threads this process may keep busy: what :func:`limit_cpu_threads` set, else its cores."""
    return _budget or available_cores()


def limit_cpu_threads(n: int) -> None:
    """Call before the process loads any model: libraries size their pools on first use."""
    global _budget
    _budget = n
    for var in THREAD_VARS:
        os.environ[var] = str(n)
    torch = sys.modules.get("torch")  # not imported here: a no-op build must not pay for it;
    if torch is not None:             # torch sizes its pool from OMP_NUM_THREADS when it loads
        torch.set_num_threads(n)
    _cap_onnxruntime(n)


def _cap_onnxruntime(n: int) -> None:
    try:
        import onnxruntime as ort
    except ImportError:
        return
    session_class = ort.InferenceSession
    if getattr(session_class, "_kgbuild_threads", None) is not None:
        session_class._kgbuild_threads = n
        return
    original_init = session_class.__init__

    def init(self, path_or_bytes, sess_options=None, *args, **kwargs):
        options = sess_options if sess_options is not None else ort.SessionOptions()
        if options.intra_op_num_threads == 0:  # 0: "one per core", ONNX Runtime's default
            options.intra_op_num_threads = session_class._kgbuild_threads
        if options.inter_op_num_threads == 0:
            options.inter_op_num_threads = 1  # sequential graphs: the inter-op pool would only spin
        original_init(self, path_or_bytes, options, *args, **kwargs)

    session_class._kgbuild_threads = n
    session_class.__init__ = init


@functools.cache
def native_bf16() -> bool:
    """Whether this CPU has bfloat16 arithmetic (AVX512-BF16 or AMX on x86 Linux). There bf16
    matrix products run several times faster than fp32; elsewhere PyTorch emulates them, slower."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as fh:
            for line in fh:
                if line.startswith("flags"):
                    return bool(set(line.split(":", 1)[1].split()) & {"avx512_bf16", "amx_bf16"})
    except OSError:
        pass
    return False


def use_bf16(precision: str) -> bool:
    """A model's ``precision`` setting (fp32, bf16, or auto: bf16 where :func:`native_bf16`)."""
    if precision not in ("auto", "fp32", "bf16"):
        raise ValueError(f"precision {precision!r}: expected auto, fp32 or bf16")
    return precision == "bf16" or (precision == "auto" and native_bf16())
