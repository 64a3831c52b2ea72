"""Documents with known text, pictures and captions, generated with reportlab so tests can
assert exact pages and boxes; the photo is a real one (scikit-image's astronaut, in
data/sample), so the detector finds a person in the figure."""

from __future__ import annotations

from pathlib import Path

from helpers import SAMPLE, need_module

PAGE_W, PAGE_H = 595.2756, 841.8898  # A4 in points
TEXT_LINES = [  # (x, baseline from the top, text)
    (72, 72, "Eileen Collins commanded the Space Shuttle Columbia in 1999."),
    (72, 90, "She was the first woman to command a shuttle for NASA."),
]
PHOTO = SAMPLE / "astronaut_eileen_collins.jpg"
PHOTO_AT = (72, 120, 256, 280)  # x, y from the top, width, height in points
CAPTION = "Figure 1: Commander Eileen Collins in the cockpit."
CAPTION_AT = (72, 418)
AFTER = (72, 470, "Hubble was launched from Kennedy Space Center in April 1990.")  # text after the figure
SCANNED = ["The Hubble Space Telescope was launched", "from Kennedy Space Center in April 1990."]


def draw_report(path: Path, *, encrypt: str | None = None, pages: int = 1) -> Path:
    """A page of text, the photo and its caption below it, then a paragraph; ``pages`` > 1
    adds blank pages."""
    need_module("reportlab", how="pip install reportlab (in kgbuild[dev])")
    from reportlab.pdfgen import canvas

    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H), encrypt=encrypt)
    c.setFont("Helvetica", 12)
    for x, top, text in TEXT_LINES:
        c.drawString(x, PAGE_H - top, text)
    x, top, w, h = PHOTO_AT
    c.drawImage(str(PHOTO), x, PAGE_H - top - h, width=w, height=h)
    c.drawString(CAPTION_AT[0], PAGE_H - CAPTION_AT[1], CAPTION)
    c.drawString(AFTER[0], PAGE_H - AFTER[1], AFTER[2])
    for _ in range(pages):
        c.showPage()
    c.save()
    return path


def draw_scan(path: Path, work: Path) -> Path:
    """A scanned page: text typeset, rendered to a 150-dpi picture, and that picture alone
    (no text layer) as the page of a new PDF."""
    need_module("reportlab", how="pip install reportlab (in kgbuild[dev])")
    import pypdfium2
    from reportlab.pdfgen import canvas

    typeset = work / "typeset.pdf"
    c = canvas.Canvas(str(typeset), pagesize=(PAGE_W, PAGE_H))
    c.setFont("Times-Roman", 16)
    for i, line in enumerate(SCANNED):
        c.drawString(72, PAGE_H - 100 - 24 * i, line)
    c.showPage()
    c.save()
    pdf = pypdfium2.PdfDocument(str(typeset))
    picture = work / "scan.png"
    pdf[0].render(scale=150 / 72).to_pil().convert("L").save(picture)
    pdf.close()
    c = canvas.Canvas(str(path), pagesize=(PAGE_W, PAGE_H))
    c.drawImage(str(picture), 0, 0, width=PAGE_W, height=PAGE_H)
    c.showPage()
    c.save()
    return path


