#!/bin/sh
# Rebuilds the bundled CJK fonts from Debian's fonts-noto-cjk with fonttools'
# pyftsubset (apt-get install fonts-noto-cjk fonttools). Regular covers GBK
# (GB2312 alone misses name characters such as 喆 堃 赟 玥); Bold covers
# GB2312. Only the kern and palt features are kept: the default locl feature
# drags in Japanese, Korean and Traditional forms.
set -eu
cd "$(dirname "$0")"
src=/usr/share/fonts/opentype/noto
sc=2 # face index of Simplified Chinese in the .ttc collections
/usr/bin/python3 - <<'PY' > gbk.txt
import sys
cps = set(range(0x20, 0x7f)) | set(range(0xa0, 0x100)) | set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xff00, 0xfff0))
for lead in range(0x81, 0xff):
    for trail in range(0x40, 0xff):
        if trail == 0x7f: continue
        try: cps.update(ord(c) for c in bytes([lead, trail]).decode('gbk'))
        except UnicodeDecodeError: pass
print(','.join('U+%04X' % c for c in sorted(cps)))
PY
/usr/bin/python3 - <<'PY' > gb2312.txt
cps = set(range(0x20, 0x7f)) | set(range(0xa0, 0x100)) | set(range(0x2000, 0x2070)) | set(range(0x3000, 0x3040)) | set(range(0xff00, 0xfff0))
for lead in range(0xa1, 0xf8):
    for trail in range(0xa1, 0xff):
        try: cps.update(ord(c) for c in bytes([lead, trail]).decode('gb2312'))
        except UnicodeDecodeError: pass
print(','.join('U+%04X' % c for c in sorted(cps)))
PY
common="--layout-features=kern,palt --name-IDs=* --name-languages=* --notdef-outline --no-hinting --desubroutinize"
pyftsubset "$src/NotoSansCJK-Regular.ttc" --font-number=$sc --unicodes-file=gbk.txt $common --output-file=NotoSansCJKsc-Regular-GBK.otf
pyftsubset "$src/NotoSansCJK-Bold.ttc" --font-number=$sc --unicodes-file=gb2312.txt $common --output-file=NotoSansCJKsc-Bold-GB2312.otf
rm gbk.txt gb2312.txt
# PDFs (go-pdf/fpdf) embed TrueType outlines only.
/usr/bin/python3 otf2ttf.py NotoSansCJKsc-Regular-GBK.otf NotoSansCJKsc-Regular-GBK.ttf
cp /usr/share/doc/fonts-noto-cjk/copyright LICENSE-fonts-noto-cjk.txt 2>/dev/null || true
ls -l *.otf *.ttf
