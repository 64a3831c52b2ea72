"""Rebuild the fusion evaluation corpus `data/fusion-eval/` and its gold file `gold.json`.

    .venv/bin/python scripts/make_fusion_eval.py [--out data/fusion-eval] [--skimage-data DIR]
    .venv/bin/python scripts/make_fusion_eval.py --gold-only   # texts and gold.json from the markup;
                                                               # speech REFs kept from the existing gold

What it makes (the words and their inline gold marks live in scripts/fusion_eval_corpus.py):

    photos/*.jpg + *.txt      7 photos from scikit-image and ultralytics, each with a caption sidecar
    articles/<name>/          3 folders: article.txt + a resized copy of a photo (no sidecar)
    news/*.txt                14 short fictional news texts about one cast
    speech/*.flac             8 clips, 16 kHz mono FLAC, Festival's CMU US SLT HTS voice
    video/*.mp4               2 clips: a still photo (H.264, 5 fps) over a Festival sound track (AAC)
    gold.json                 entities with all their mentions, and grounding links (docs/fusion-eval.md)

Where things come from:
- Photos: the PNG/JPEG files inside the scikit-image 0.26.0 wheel (`skimage/data/`; found with
  the scikit-image importable by this Python, or `--skimage-data`) and ultralytics' bundled
  `ultralytics/assets/`. Re-encoded as JPEG (quality 88) with Pillow. scikit-image is not a
  kgbuild dependency: `python -m venv /tmp/sk && /tmp/sk/bin/pip install scikit-image==0.26.0`,
  then pass `--skimage-data /tmp/sk/lib/python3.11/site-packages/skimage/data`.
- Speech: `festival` with `festvox-us-slt-hts` (Debian: `apt-get install -y festival
  festvox-us-slt-hts sox`); SoX (`-D`, no dither) resamples to 16 kHz mono FLAC and adds PAD
  seconds of silence. Speech REF times are the word times of kgbuild's own whisper stage
  (tiny.en, as in pipelines/default.yaml) on the finished file, aligned to the reference words,
  so gold and kgbuild's speech mentions share a clock; Festival's own word times (the truth of
  the synthesis) are printed beside them as a check, and used where the ASR dropped the words.
- Gold: text offsets come from the markup (half-open, into the UTF-8 text); image/video boxes
  are kgbuild's YOLOv8n detections on these very files (default pipeline, conf 0.25), checked
  by eye against the photos and listed in BOXES below with the entity each box shows.
  Detections that are not real objects (the astronaut's helmet taken for a person, a hand and
  camera taken for a traffic light) are left out.

Festival HTS and SoX without dither are deterministic, so with the same package versions the
output is the same byte for byte; H.264/AAC encoding by PyAV's bundled FFmpeg is too.
"""

from __future__ import annotations

import argparse
import difflib
import importlib.util
import json
import re
import shutil
import subprocess
import sys
import tempfile
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fusion_eval_corpus as C  # noqa: E402

REPO = Path(__file__).resolve().parent.parent
MARK = re.compile(r"\[([^\[\]|]+)\|([a-z0-9-]+)\]")
VOICE = "(voice_cmu_us_slt_arctic_hts)"
VIDEO_FPS = 5
PAD = "0.6"  # seconds of silence after the last word: Whisper drops a last word said right at the end

# path -> [(detector label, [x, y, w, h], entity id)]; video entries add (t0, t1).
# From `kgbuild build data/fusion-eval` (yolov8n_int8, conf 0.25), read back with SPARQL.
BOXES: dict[str, list[tuple]] = {
    "photos/astronaut.jpg": [("person", (7, 14, 353, 495), "eileen-collins")],
    "photos/bus.jpg": [
        ("bus", (34, 231, 766, 536), "madrid-bus"),
        ("person", (50, 398, 193, 506), "bus-man-coat"),
        ("person", (221, 408, 121, 449), "bus-man-glasses"),
        ("person", (672, 372, 138, 507), "bus-walker"),
        ("person", (0, 562, 56, 306), "bus-edge")],
    "photos/zidane.jpg": [
        ("person", (109, 197, 1004, 514), "zinedine-zidane"),
        ("person", (751, 45, 374, 663), "carlo-ancelotti"),
        ("tie", (434, 436, 90, 277), "zidane-tie")],
    "photos/camera.jpg": [("person", (1, 63, 299, 449), "camera-photo-man")],
    "photos/chelsea.jpg": [("cat", (0, 2, 426, 294), "chelsea-cat")],
    "photos/coffee.jpg": [
        ("cup", (170, 17, 253, 309), "coffee-photo-cup"),
        ("dining table", (0, 1, 587, 397), "coffee-photo-table")],
    "photos/motorcycle.jpg": [("motorcycle", (101, 70, 576, 377), "motorcycle-photo-motorcycle")],
    "articles/collins-portrait/portrait.jpg": [("person", (5, 11, 265, 371), "eileen-collins")],
    "articles/touchline/touchline.jpg": [
        ("person", (89, 147, 747, 385), "zinedine-zidane"),
        ("person", (98, 152, 404, 381), "zinedine-zidane"),  # a second, tighter box: see NOT_GROUNDED
        ("person", (562, 32, 286, 499), "carlo-ancelotti"),
        ("tie", (326, 327, 67, 208), "zidane-tie")],
    "articles/madrid-buses/street.jpg": [
        ("bus", (22, 154, 510, 352), "madrid-bus"),
        ("person", (34, 265, 128, 337), "bus-man-coat"),
        ("person", (148, 272, 81, 298), "bus-man-glasses"),
        ("person", (448, 254, 92, 333), "bus-walker"),
        ("person", (0, 369, 38, 209), "bus-edge")],
    # video tracks: the box at the first sampled frame, and the track's time range
    "video/bus_street.mp4": [
        ("bus", (36, 232, 763, 536), "madrid-bus", 0.0, 5.2),
        ("person", (50, 398, 194, 506), "bus-man-coat", 0.0, 5.2),
        ("person", (221, 409, 121, 447), "bus-man-glasses", 0.0, 5.2),
        ("person", (672, 373, 138, 505), "bus-walker", 0.0, 5.2),
        ("person", (0, 564, 55, 304), "bus-edge", 0.0, 5.2)],
    "video/touchline.mp4": [
        ("person", (119, 199, 992, 512), "zinedine-zidane", 0.0, 6.2),
        ("person", (750, 46, 382, 664), "carlo-ancelotti", 0.0, 6.2),
        ("tie", (433, 437, 91, 278), "zidane-tie", 0.0, 6.2)],
}


# Boxes that are gold mentions (the detector did see that person) but not grounding targets:
# a duplicate box on someone who already has one, so each word is linked to one box.
NOT_GROUNDED = {("articles/touchline/touchline.jpg", (98, 152, 404, 381))}


def strip_marks(marked: str) -> tuple[str, list[tuple[int, int, str]]]:
    """The plain text and its gold spans (start, end, entity) from ``[surface|id]`` markup."""
    out, spans, pos = [], [], 0
    length = 0
    for m in MARK.finditer(marked):
        before = marked[pos:m.start()]
        out.append(before)
        length += len(before)
        spans.append((length, length + len(m.group(1)), m.group(2)))
        out.append(m.group(1))
        length += len(m.group(1))
        pos = m.end()
    out.append(marked[pos:])
    text = "".join(out)
    if "[" in text or "|" in text:
        raise ValueError(f"unbalanced markup in: {marked[:60]}...")
    return text, spans


def source_file(spec: str, skimage_data: Path) -> Path:
    pkg, name = spec.split(":")
    if pkg == "skimage":
        return skimage_data / name
    spec_u = importlib.util.find_spec("ultralytics")
    return Path(spec_u.origin).parent / "assets" / name


def save_photo(src: Path, dest: Path, width: int | None = None) -> None:
    """A JPEG copy: the source's own bytes when it is a JPEG kept at its size, else re-encoded."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    if width is None and src.suffix.lower() in (".jpg", ".jpeg"):
        shutil.copyfile(src, dest)
        return
    img = Image.open(src).convert("RGB")
    if width:
        img = img.resize((width, round(img.height * width / img.width)), Image.Resampling.LANCZOS)
    dest.parent.mkdir(parents=True, exist_ok=True)
    img.save(dest, quality=88, optimize=True)


def write_text(path: Path, marked: str, rel: str, refs: list) -> None:
    text, spans = strip_marks(marked)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text + "\n", encoding="utf-8")
    for start, end, ent in spans:
        refs.append((ent, {"path": rel, "char": [start, end]}))


def festival_words(text: str, wav: Path) -> list[tuple[str, float, float]]:
    """Synthesise ``text`` to ``wav`` and return each whitespace token with its spoken time."""
    scm = f"""{VOICE}
(set! u (utt.synth (Utterance Text {json.dumps(text)})))
(utt.save.wave u {json.dumps(str(wav))} 'riff)
(define (dumpw ws) (if ws (begin (format t "\\t%f\\t%f" (item.feat (car ws) "word_start")
  (item.feat (car ws) "word_end")) (dumpw (cdr ws)))))
(define (dump tk) (if tk (begin (format t "TOK\\t%s" (item.name tk)) (dumpw (item.daughters tk))
  (format t "\\n") (dump (item.next tk)))))
(dump (utt.relation.first u 'Token))
"""
    with tempfile.NamedTemporaryFile("w", suffix=".scm", delete=False) as fh:
        fh.write(scm)
    res = subprocess.run(["festival", "-b", fh.name], capture_output=True, text=True, check=True)
    Path(fh.name).unlink()
    words = []
    for line in res.stdout.splitlines():
        if not line.startswith("TOK\t"):
            continue
        parts = line.split("\t")
        times = [float(x) for x in parts[2:]]
        ends = [e for s, e in zip(times[::2], times[1::2]) if e > 0]
        starts = [s for s, e in zip(times[::2], times[1::2]) if e > 0]
        words.append((parts[1], min(starts), max(ends)))
    return words


def speak(marked: str, wav: Path) -> tuple[str, list[tuple[int, int, str]], list, list]:
    """Synthesise a marked sentence: its text, gold spans, token char spans and Festival times."""
    text, spans = strip_marks(marked)
    tokens = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    words = festival_words(text, wav)
    if len(words) != len(tokens):
        raise RuntimeError(f"festival read {len(words)} tokens, the text has {len(tokens)}: {text}")
    return text, spans, tokens, words


_WHISPER = None


def asr_words(media: Path, modality: str) -> tuple[str, list]:
    """kgbuild's own transcript and word times for a file (the default pipeline's whisper stage)."""
    global _WHISPER
    from kgbuild.datamodel import Item, Source
    from kgbuild.ids import sha256_file
    from kgbuild.stages.whisper_transcriber import WhisperTranscriber

    if _WHISPER is None:
        _WHISPER = WhisperTranscriber(backend="faster-whisper", model="tiny.en", word_timestamps=True)
        _WHISPER.warm_up()
    kind = "video/mp4" if modality == "video" else "audio/flac"
    item = Item(Source(media.resolve(), media.name, sha256_file(media), media.stat().st_size, kind, modality))
    _WHISPER.process([item])
    return item.text, list(item.timeline.words)


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def timed_refs(rel: str, said: tuple, asr: tuple[str, list], refs: list, report: list) -> None:
    """Gold speech REFs: the time of the ASR words aligned to each gold span (difflib over
    normalised words; a misheard name is the 'replace' block facing it), Festival's time where
    the ASR dropped the words. Both times go into ``report`` so they can be compared."""
    text, spans, tokens, fest = said
    asr_text, asr_spans = asr
    ref_w = [_norm(text[a:b]) for a, b in tokens]
    hyp_w = [_norm(asr_text[w.start_char:w.end_char]) for w in asr_spans]
    to_hyp: dict[int, list[int]] = {}
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, ref_w, hyp_w, autojunk=False).get_opcodes():
        if op in ("equal", "replace"):
            for i in range(i1, i2):
                to_hyp[i] = list(range(j1, j2)) if op == "replace" else [j1 + i - i1]
    for start, end, ent in spans:
        idx = [i for i, (a, b) in enumerate(tokens) if a < end and start < b]
        f_t = [round(fest[idx[0]][1], 2), round(fest[idx[-1]][2], 2)]
        hyp = sorted({j for i in idx for j in to_hyp.get(i, [])})
        if hyp:
            t = [round(asr_spans[hyp[0]].start, 2), round(asr_spans[hyp[-1]].end, 2)]
            heard = asr_text[asr_spans[hyp[0]].start_char:asr_spans[hyp[-1]].end_char]
        else:
            t, heard = f_t, None
        refs.append((ent, {"path": rel, "t": t, "said": text[start:end]}))
        report.append((rel, text[start:end], heard, t, f_t))


def to_flac(wav: Path, dest: Path) -> None:
    """16 kHz mono 16-bit (FLAC or WAV by extension), no dither, with PAD seconds of silence at the end."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run(["sox", "-D", str(wav), "-r", "16000", "-c", "1", "-b", "16", str(dest), "pad", "0", PAD], check=True)


def _decode_wav(path: Path) -> np.ndarray:
    with av.open(str(path)) as f:
        chunks = [fr.to_ndarray().reshape(-1) for fr in f.decode(audio=0)]
    return np.concatenate(chunks)


def make_video(photo: Path, wav16: Path, dest: Path) -> None:
    """A still photo for the length of the sound track (H.264); the sound as AAC."""
    pcm = _decode_wav(wav16)
    if pcm.dtype != np.int16:
        pcm = (np.clip(pcm, -1, 1) * 32767).astype(np.int16)
    frame_rgb = np.asarray(Image.open(photo).convert("RGB"))
    h, w = frame_rgb.shape[0] // 2 * 2, frame_rgb.shape[1] // 2 * 2
    frame_rgb = np.ascontiguousarray(frame_rgb[:h, :w])
    n_frames = int(np.ceil(len(pcm) / 16000 * VIDEO_FPS))
    dest.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(dest), "w") as out:
        video = out.add_stream("libx264", rate=VIDEO_FPS)
        video.width, video.height, video.pix_fmt = w, h, "yuv420p"
        video.options = {"preset": "medium", "crf": "30"}
        sound = out.add_stream("aac", rate=16000, layout="mono")
        for i in range(n_frames):
            frame = av.VideoFrame.from_ndarray(frame_rgb, format="rgb24")
            frame.pts, frame.time_base = i, Fraction(1, VIDEO_FPS)
            out.mux(video.encode(frame))
        out.mux(video.encode(None))
        aframe = av.AudioFrame.from_ndarray(pcm[None, :], format="s16", layout="mono")
        aframe.sample_rate = 16000
        resampler = av.AudioResampler(format=sound.codec_context.format.name, layout="mono", rate=16000)
        for chunk in resampler.resample(aframe) + resampler.resample(None):
            out.mux(sound.encode(chunk))
        out.mux(sound.encode(None))


def scene(path: str) -> str:
    """What a REF is about: a photo and its caption, an article folder, one video."""
    parts = path.split("/")
    if parts[0] == "photos":
        return "photos/" + parts[1].rsplit(".", 1)[0]
    if parts[0] == "articles":
        return "/".join(parts[:2])
    return path


def build_gold(refs: list[tuple[str, dict]]) -> dict:
    for path, boxes in BOXES.items():
        for label, box, ent, *t in boxes:
            ref = {"path": path, "label": label, "box": list(box)}
            if t:
                ref["t"] = list(t)
            refs.append((ent, ref))
    unknown = sorted({e for e, _ in refs} - set(C.ENTITIES))
    if unknown:
        raise ValueError(f"entity ids used but not declared: {unknown}")
    entities = []
    for ent, (typ, note) in C.ENTITIES.items():
        mentions = [r for e, r in refs if e == ent]
        if not mentions:
            print(f"warning: entity {ent} has no mention", file=sys.stderr)
            continue
        entities.append({"id": ent, "type": typ, "note": note, "mentions": mentions})
    groundings = []
    for e in entities:
        texts = [r for r in e["mentions"] if "label" not in r]
        images = [r for r in e["mentions"] if "label" in r]
        for t in texts:
            for i in images:
                if scene(t["path"]) == scene(i["path"]) and (i["path"], tuple(i["box"])) not in NOT_GROUNDED:
                    groundings.append({"text": t, "image": i})
    return {"corpus": ".", "entities": entities, "groundings": groundings}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=REPO / "data" / "fusion-eval")
    ap.add_argument("--skimage-data", type=Path, default=None)
    ap.add_argument("--gold-only", action="store_true",
                    help="rewrite texts and gold.json only (no festival, no media)")
    args = ap.parse_args()
    sk = args.skimage_data
    if sk is None and not args.gold_only:
        spec = importlib.util.find_spec("skimage")
        if spec is None:
            sys.exit("scikit-image not importable: pass --skimage-data DIR (see the docstring)")
        sk = Path(spec.origin).parent / "data"
    out: Path = args.out
    refs: list[tuple[str, dict]] = []

    for name, (src, caption) in C.PHOTOS.items():
        if not args.gold_only:
            save_photo(source_file(src, sk), out / "photos" / name)
        stem = name.rsplit(".", 1)[0]
        write_text(out / "photos" / f"{stem}.txt", caption, f"photos/{stem}.txt", refs)
    for folder, (article, images) in C.ARTICLES.items():
        write_text(out / "articles" / folder / "article.txt", article, f"articles/{folder}/article.txt", refs)
        if not args.gold_only:
            for img, (src, width) in images.items():
                save_photo(source_file(src, sk), out / "articles" / folder / img, width)
    for name, marked in C.NEWS.items():
        write_text(out / "news" / name, marked, f"news/{name}", refs)

    if args.gold_only:
        old = json.loads((out / "gold.json").read_text(encoding="utf-8"))
        for e in old["entities"]:
            for r in e["mentions"]:
                if "said" in r:
                    refs.append((e["id"], r))
    else:
        for tool in ("festival", "sox"):
            if shutil.which(tool) is None:
                sys.exit(f"{tool} not found: apt-get install -y festival festvox-us-slt-hts sox")
        report: list = []
        with tempfile.TemporaryDirectory() as tmp:
            raw, wav16 = Path(tmp) / "raw.wav", Path(tmp) / "v16.wav"
            for name, marked in C.SPEECH.items():
                said = speak(marked, raw)
                to_flac(raw, out / "speech" / name)
                timed_refs(f"speech/{name}", said, asr_words(out / "speech" / name, "speech"), refs, report)
            for name, (src, marked) in C.VIDEOS.items():
                said = speak(marked, raw)
                to_flac(raw, wav16)
                make_video(source_file(src, sk), wav16, out / "video" / name)
                timed_refs(f"video/{name}", said, asr_words(out / "video" / name, "video"), refs, report)
        print("speech REFs: said | heard by tiny.en | gold t (ASR words) | Festival's t")
        for rel, text, heard, t, f_t in report:
            print(f"  {rel}: {text!r} | {heard!r} | {t} | {f_t}")

    gold = build_gold(refs)
    (out / "gold.json").write_text(json.dumps(gold, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    n = sum(len(e["mentions"]) for e in gold["entities"])
    print(f"wrote {out}: {len(gold['entities'])} entities, {n} mentions, {len(gold['groundings'])} groundings")


if __name__ == "__main__":
    main()
