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




HTML_PAGE = """<!DOCTYPE html>
<html><head><title>Mission report</title><script>var tracking = "Acme Analytics";</script></head>
<body>
<nav><a href="/">Home</a> | <a href="/crew">Crew pages by Orbital Media Group</a></nav>
<main>
<h1>Columbia lands safely</h1>
<p>Eileen Collins commanded the Space Shuttle <b>Columbia</b> in 1999.</p>
<figure><img src="photos/commander.jpg" alt="An astronaut in an orange suit">
<figcaption>Commander Eileen Collins in the cockpit.</figcaption></figure>
<p>Hubble was launched from Kennedy Space Center in 1990.</p>
<img src="../outside.jpg" alt="A picture outside the page's folder">
</main>
<footer>Copyright Orbital Media Group</footer>
</body></html>
"""
HTML_CAPTION = "Commander Eileen Collins in the cockpit."


def write_html(folder: Path) -> Path:
    """A web page with navigation, a footer, a figure whose picture is a file beside it."""
    (folder / "photos").mkdir(exist_ok=True)
    (folder / "photos" / "commander.jpg").write_bytes(PHOTO.read_bytes())
    page = folder / "mission.html"
    page.write_text(HTML_PAGE)
    return page


DOCX_TEXT = ["Eileen Collins commanded the Space Shuttle Columbia in 1999.",
             "Figure 2: Commander Eileen Collins before the launch."]


def write_docx(path: Path) -> Path:
    """A Word file: a heading, a paragraph, the photo, its caption after it, and a table."""
    import docx
    from docx.shared import Inches

    doc = docx.Document()
    doc.add_heading("Mission report", level=1)
    doc.add_paragraph(DOCX_TEXT[0])
    doc.add_picture(str(PHOTO), width=Inches(3))
    doc.add_paragraph(DOCX_TEXT[1])
    table = doc.add_table(rows=2, cols=2)
    for (r, c), text in zip([(0, 0), (0, 1), (1, 0), (1, 1)], ["Mission", "STS-93", "Orbiter", "Columbia"]):
        table.cell(r, c).text = text
    doc.save(str(path))
    return path
