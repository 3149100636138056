"""Scanned judgments whose text is known: two-page rulings in English and Chinese drawn as pictures
with Pillow and wrapped in an image-only PDF (no text layer, as a scanner makes it), and a page of
blurred print no reader can make out. Used by tests/test_ocr.py and benchmarks/ocr.py.

The fonts come from Debian (fonts-dejavu-core, fonts-wqy-microhei), which ``make ocr`` installs.
"""

from __future__ import annotations

import random
import re
import unicodedata
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

LATIN_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
DPI = 150
PAGE = (1240, 1754)  # A4 at 150 dpi
MARGIN, FONT_PX = 110, 30

ENGLISH_JUDGMENT = [
    """UNITED STATES DISTRICT COURT FOR THE DISTRICT OF OREGON

Case No. 3:24-cv-01234-JR

HARBOUR LIGHTS LLC, Plaintiff,

v.

NORTHWIND PRESS INC., Defendant.

OPINION AND ORDER

The plaintiff, a photography studio in Portland, made a series of pictures of the Columbia River lighthouse with the help of an image generator. It wrote the prompts, rejected several hundred outputs and corrected the chosen image by hand.

The defendant printed one of the pictures on the cover of a travel guide without a licence. The plaintiff claims US$50,000 in damages for the unlicensed cover.""",
    """The question is whether the cover picture is protected by copyright although an image generator produced its first draft. The defendant argues that no human author stands behind it.

The Court finds that the selection, arrangement and manual correction of the picture reflect the studio's own creative choices. The picture is protected to the extent of that human contribution.

The defendant copied the protected picture without permission. The Court awards the plaintiff US$12,500 in statutory damages and enjoins further sales of the guide.

IT IS SO ORDERED.

Dated: November 27, 2023""",
]

CHINESE_JUDGMENT = [
    """北京互联网法院

民事判决书

（2024）京0491民初2345号

原告：王晓明，男，1990年出生，住北京市海淀区。

被告：星河科技有限公司，住所地北京市朝阳区。

原告王晓明与被告星河科技有限公司著作权权属、侵权纠纷一案，本院于2024年3月1日立案后，依法适用普通程序，公开开庭进行了审理。

原告向本院提出诉讼请求：1.判令被告赔偿原告经济损失20000元；2.判令被告公开赔礼道歉。事实和理由：原告使用人工智能软件生成涉案图片，并对提示词和参数进行了多次调整。被告未经许可在其公众号文章中使用了该图片。""",
    """本院认为，原告在生成涉案图片的过程中进行了独创性的智力投入，涉案图片构成美术作品，原告享有著作权。被告未经许可使用该图片，侵害了原告的信息网络传播权。

综上，依照《中华人民共和国著作权法》第三条、第五十四条之规定，判决如下：

一、被告星河科技有限公司于本判决生效之日起七日内赔偿原告王晓明经济损失3000元；

二、驳回原告王晓明的其他诉讼请求。

审判长张明

二〇二四年六月十八日

书记员李华""",
]


def _wrapped(text: str, font: ImageFont.FreeTypeFont, width: int) -> list[str]:
    """The text's lines as they fit ``width`` pixels: at spaces for Latin, between characters for
    Chinese but never inside a number; a blank line between paragraphs."""
    lines: list[str] = []
    for paragraph in text.split("\n\n"):
        line = ""
        for piece in paragraph.split(" ") if " " in paragraph else re.findall(r"[\x21-\x7e]+|.", paragraph):
            joined = f"{line} {piece}" if line and " " in paragraph else line + piece
            if line and font.getlength(joined) > width:
                lines.append(line)
                line = piece
            else:
                line = joined
        lines += [line, ""]
    return lines[:-1]


def full_page(paragraphs: list[str], font_path: Path) -> str:
    """As many of ``paragraphs`` (taken in turn, again from the first when they run out) as fill one
    page: the dense page a real judgment has, for measuring speed."""
    font = ImageFont.truetype(str(font_path), FONT_PX)
    taken: list[str] = []
    while True:
        candidate = [*taken, paragraphs[len(taken) % len(paragraphs)]]
        lines = _wrapped("\n\n".join(candidate), font, PAGE[0] - 2 * MARGIN)
        height = sum(int(FONT_PX * (1.6 if line else 0.8)) for line in lines)
        if height > PAGE[1] - 2 * MARGIN:
            return "\n\n".join(taken)
        taken = candidate


def page_image(text: str, font_path: Path) -> Image.Image:
    """One page of print: black text on white, as a clean 150 dpi scan would show it."""
    font = ImageFont.truetype(str(font_path), FONT_PX)
    image = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(image)
    y = MARGIN
    for line in _wrapped(text, font, PAGE[0] - 2 * MARGIN):
        draw.text((MARGIN, y), line, font=font, fill=0)
        y += int(FONT_PX * (1.6 if line else 0.8))
    return image


def image_pdf(path: Path, pages: list[Image.Image]) -> Path:
    """A PDF of pictures only: what a scanner gives, with no text layer for pypdf to find."""
    pages[0].save(path, "PDF", resolution=DPI, save_all=True, append_images=pages[1:])
    return path


def scanned_judgment(path: Path, pages: list[str], font_path: Path) -> Path:
    return image_pdf(path, [page_image(text, font_path) for text in pages])


def blurred_page(path: Path) -> Path:
    """A page of print blurred past reading: OCR finds words in it, but is sure of none of them."""
    rng = random.Random(7)
    font = ImageFont.truetype(str(LATIN_FONT), FONT_PX)
    image = Image.new("L", (PAGE[0], 600), 255)
    draw = ImageDraw.Draw(image)
    for row in range(5):
        words = ("".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9))) for _ in range(7))
        draw.text((MARGIN, 100 + 60 * row), " ".join(words), font=font, fill=0)
    return image_pdf(path, [image.filter(ImageFilter.GaussianBlur(4))])


def character_accuracy(expected: str, read: str) -> float:
    """1 - (edit distance / length of the expected text), on the texts with their whitespace removed
    (line breaks and spaces between Chinese characters are layout, not characters) and in NFKC form
    (a full-width "：" read as ":" is the same character)."""
    a, b = ("".join(unicodedata.normalize("NFKC", text).split()) for text in (expected, read))
    previous = list(range(len(b) + 1))
    for i, char in enumerate(a, 1):
        current = [i]
        for j, other in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char != other)))
        previous = current
    return max(0.0, 1 - previous[-1] / max(1, len(a)))
