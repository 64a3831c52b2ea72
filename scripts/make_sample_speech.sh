#!/usr/bin/env bash
# make_sample_speech.sh - regenerate the synthetic speech clips in data/sample/.
#
# What it makes (from the sentences in SENTENCES below):
#   data/sample/whitfield_interview.wav  16 kHz, mono, 16-bit PCM WAV
#   data/sample/harper_statement.flac    16 kHz, mono, 16-bit FLAC
#   data/sample_transcripts.json         {file name: reference sentence}
#
# How: Debian's Festival (`text2wave`) with the CMU US SLT HTS voice
# (package festvox-us-slt-hts, 32 kHz output), then SoX resamples to 16 kHz
# mono. `sox -D` turns dithering off, so the output is byte-for-byte
# reproducible for the same festival/voice/sox versions (Festival HTS synthesis
# itself is deterministic).
#
# Requirements: festival, festvox-us-slt-hts, sox (with FLAC support, as in
# Debian's `sox` package) and python3 (for writing JSON). If text2wave, the
# voice or sox is missing, the script installs them with apt-get (needs root
# or sudo and access to Debian's package mirror).
#
# Usage:  bash scripts/make_sample_speech.sh        (from anywhere)
#
# The sentences are the reference transcripts; keep them in sync with
# data/README.md. Names were chosen so that faster-whisper tiny.en transcribes
# them correctly (e.g. "works for the Northwind Aerospace company" instead of
# "works for Northwind Aerospace", which tiny.en heard as "North Windero space").
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
OUT_DIR="$ROOT/data/sample"
VOICE='(voice_cmu_us_slt_arctic_hts)'

# file name -> sentence (order matters for the JSON; bash 4 associative arrays
# are unordered, so use two parallel arrays)
FILES=(
  "whitfield_interview.wav"
  "harper_statement.flac"
)
SENTENCES=(
  "Sarah Whitfield works for the Northwind Aerospace company in Denver, Colorado. In May 2023 she met the former NASA astronaut Eileen Collins in Houston, Texas."
  "Daniel Harper, the chief executive of Northwind Aerospace, said the company will move its test center from Denver to Tucson, Arizona, next year."
)

need_install=0
command -v text2wave >/dev/null 2>&1 || need_install=1
command -v sox >/dev/null 2>&1 || need_install=1
dpkg -s festvox-us-slt-hts >/dev/null 2>&1 || need_install=1
if [ "$need_install" -eq 1 ]; then
  echo "Installing festival, festvox-us-slt-hts and sox with apt-get..." >&2
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq festival festvox-us-slt-hts sox
fi

mkdir -p "$OUT_DIR"
TMP="$(mktemp -d)"
trap 'rm -rf "$TMP"' EXIT

for i in "${!FILES[@]}"; do
  name="${FILES[$i]}"
  printf '%s\n' "${SENTENCES[$i]}" > "$TMP/sentence.txt"
  text2wave -eval "$VOICE" -o "$TMP/raw.wav" "$TMP/sentence.txt"
  # -D: no dither (reproducible); -r 16000 -c 1 -b 16: 16 kHz mono 16-bit.
  # The output format (WAV or FLAC) follows the file extension.
  sox -D "$TMP/raw.wav" -r 16000 -c 1 -b 16 "$OUT_DIR/$name"
  printf '%s\t%.2f s\t%s bytes\n' "$name" "$(soxi -D "$OUT_DIR/$name")" "$(stat -c %s "$OUT_DIR/$name")" >&2
done

# Reference transcripts for tests.
python3 - "$ROOT/data/sample_transcripts.json" "${#FILES[@]}" "${FILES[@]}" "${SENTENCES[@]}" <<'PY'
import json, sys
out, n = sys.argv[1], int(sys.argv[2])
files, sentences = sys.argv[3:3 + n], sys.argv[3 + n:3 + 2 * n]
with open(out, "w", encoding="utf-8") as fh:
    json.dump(dict(zip(files, sentences)), fh, indent=2)
    fh.write("\n")
PY
echo "wrote $ROOT/data/sample_transcripts.json" >&2
