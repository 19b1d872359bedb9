# Converts a CFF-outline OpenType font to TrueType outlines (quadratic), for
# PDF writers that embed only TrueType (go-pdf/fpdf). Usage: otf2ttf.py IN.otf OUT.ttf
import sys
from fontTools.ttLib import TTFont, newTable
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
src, dst = sys.argv[1], sys.argv[2]
font = TTFont(src)
order = font.getGlyphOrder()
gs = font.getGlyphSet()
glyf = newTable("glyf"); glyf.glyphOrder = order; glyf.glyphs = {}
for name in order:
    pen = TTGlyphPen(gs)
    gs[name].draw(Cu2QuPen(pen, max_err=1.0, reverse_direction=True))
    glyf[name] = pen.glyph()
font["glyf"] = glyf
font["loca"] = newTable("loca")
font["head"].glyphDataFormat = 0
maxp = newTable("maxp"); maxp.tableVersion = 0x00010000
for a in ("maxZones","maxTwilightPoints","maxStorage","maxFunctionDefs","maxInstructionDefs","maxStackElements","maxSizeOfInstructions","maxComponentElements","maxPoints","maxContours","maxCompositePoints","maxCompositeContours","maxComponentDepth"):
    setattr(maxp, a, 0)
maxp.maxZones = 1
maxp.numGlyphs = len(order)
font["maxp"] = maxp
post = font["post"]; post.formatType = 2.0; post.extraNames = []; post.mapping = {}; post.glyphOrder = order
del font["CFF "]
if "VORG" in font: del font["VORG"]
font.sfntVersion = "\x00\x01\x00\x00"
font.save(dst)
