#!/bin/sh
# The pictures of the five quarterly tables in README.md: the demo season's workbooks, printed
# by LibreOffice (apt-get install libreoffice-calc-nogui poppler-utils; a CJK font such as
# fonts-wqy-microhei), the first page cut to the table's first rows.
# Run from the repository with DATABASE_URL naming a database `yinqi demo --firms 1000` filled.
set -eu
out=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
cd "$work"
yinqi report ledger --park yc-gxq --quarter 2026Q4 --out annex1.xlsx
yinqi report needs-summary --quarter 2026Q4 --region 绍兴 --out annex2.xlsx
yinqi report city-summary --quarter 2026Q4 --region 绍兴 --out annex3.xlsx
yinqi report monitoring --quarter 2026Q4 --region 绍兴 --out annex4.xlsx
yinqi report partner-banks --quarter 2026Q4 --region 绍兴 --out annex5.xlsx
for n in 1 2 3 4 5; do
  libreoffice --headless --convert-to pdf "annex$n.xlsx" >/dev/null 2>&1
  pdftoppm -png -r 200 -f 1 -l 1 "annex$n.pdf" "page$n"
done
python3 - "$out" <<'PY'
import sys
from PIL import Image, ImageOps

out = sys.argv[1]
for n in range(1, 6):
    page = Image.open(f"page{n}-1.png").convert("RGB")
    left, top, right, bottom = ImageOps.invert(page).getbbox()
    bottom = min(bottom, top + 400)  # the title, the header and the first rows
    table = page.crop((left - 8, top - 8, right + 8, bottom + 8))
    if table.width > 1600:
        table = table.resize((1600, round(table.height * 1600 / table.width)), Image.LANCZOS)
    table = table.convert("P", palette=Image.Palette.ADAPTIVE, colors=32)
    table.save(f"{out}/annex{n}.png", optimize=True)
PY
rm -rf "$work"
