"""The gLabels 3 peer of the labels rows: the same 1,000 asset labels made by `glabels-3-batch`.

Issue 13 asks our labels to be faster than gLabels 3 at 1,000 labels. `prepare` writes a
gLabels 3 document with the sheet our labels use (3 × 8 of 63.5 × 33.9 mm, as
benchmarks/labels_baseline.py): a Code 128 of the tag (GNU barcode backend) and three lines
of text, merged from a CSV of the tags. The parent times `glabels-3-batch` as a whole process,
like `digibank labels`. gLabels is a Debian package (`apt-get install glabels`); without it the
row says so and has no ratio.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from xml.sax.saxutils import quoteattr

GLABELS = "glabels-3-batch"

# The affine attributes must be given: gLabels 3 reads a missing one as 0 (an invisible object).
_IDENTITY = 'a0="1" a1="0" a2="0" a3="1" a4="0" a5="0"'
_DOCUMENT = """<?xml version="1.0"?>
<Glabels-document xmlns="http://glabels.org/xmlns/3.0/">
  <Template brand="Digibank" part="asset-3x8" size="A4" description="Asset labels 63.5 x 33.9 mm">
    <Meta category="label"/>
    <Label-rectangle id="0" width="63.5mm" height="33.9mm" round="0mm" x_waste="0mm" y_waste="0mm">
      <Markup-margin size="1.5mm"/>
      <Layout nx="3" ny="8" x0="7.2mm" y0="12.9mm" dx="63.5mm" dy="33.9mm"/>
    </Label-rectangle>
  </Template>
  <Objects id="0" rotate="False">
    <Object-barcode {a} x="5mm" y="3mm" w="53.5mm" h="10mm" style="Code128" text="False"
      checksum="True" backend="gnu-barcode" color="0x000000ff" field="tag"/>
    <Object-text {a} x="2mm" y="14.5mm" w="59.5mm" h="5mm" justify="Center" valign="Top" auto_shrink="False">
      <Span font_family="Sans" font_size="9" font_weight="Bold" font_italic="False" color="0x000000ff"
        line_spacing="1"><Field name="tag"/></Span>
    </Object-text>
    <Object-text {a} x="2mm" y="20mm" w="59.5mm" h="4mm" justify="Center" valign="Top" auto_shrink="False">
      <Span font_family="Sans" font_size="6.5" font_weight="Regular" font_italic="False" color="0x000000ff"
        line_spacing="1"><Field name="model"/></Span>
    </Object-text>
    <Object-text {a} x="2mm" y="24.5mm" w="59.5mm" h="4mm" justify="Center" valign="Top" auto_shrink="False">
      <Span font_family="Sans" font_size="6.5" font_weight="Regular" font_italic="False" color="0x000000ff"
        line_spacing="1">Eigendom van Digibank Kortrijk</Span>
    </Object-text>
  </Objects>
  <Merge type="Text/Comma/Line1Keys" src={src}/>
</Glabels-document>
"""


def available() -> bool:
    return shutil.which(GLABELS) is not None


def prepare(folder: Path, tags: list[str], out: Path) -> list[str]:
    """Write the document and its CSV into `folder`; return the command that makes `out`."""
    csv = folder / "tags.csv"
    csv.write_text("tag,model\n" + "".join(f"{t},Lenovo ThinkPad T480\n" for t in tags), encoding="utf-8")
    document = folder / "labels.glabels"
    document.write_text(_DOCUMENT.format(a=_IDENTITY, src=quoteattr(str(csv))), encoding="utf-8")
    return [GLABELS, "-o", str(out), str(document)]
