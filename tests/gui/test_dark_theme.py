"""Dark mode: input borders and check boxes must be visible (they were drawn at about 1.1:1 against the window)."""

from __future__ import annotations

from PySide6.QtGui import QColor
from PySide6.QtWidgets import QCheckBox, QLineEdit, QStyle, QStyleOptionButton, QVBoxLayout, QWidget


def _luminance(c: QColor) -> float:
    def channel(v: int) -> float:
        v = v / 255
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(c.red()) + 0.7152 * channel(c.green()) + 0.0722 * channel(c.blue())


def _contrast(a: QColor, b: QColor) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_dark_theme_input_borders_and_check_box_are_visible(qtbot, qapp):
    from gui.theme import apply_theme

    apply_theme(qapp, "dark")
    try:
        page = QWidget()
        layout = QVBoxLayout(page)
        edit = QLineEdit("text")
        box = QCheckBox("Remember me on this computer")
        other = QLineEdit()
        for w in (edit, box, other):
            layout.addWidget(w)
        qtbot.addWidget(page)
        page.resize(300, 120)
        page.show()
        other.setFocus()  # the measured field is not focused (the focus frame is drawn in the highlight colour)
        qtbot.waitExposed(page)
        window = page.palette().color(page.backgroundRole())
        image = edit.grab().toImage()
        y = image.height() // 2
        border = max(_contrast(image.pixelColor(x, y), window) for x in range(3))
        assert border >= 3.0, f"line edit border contrast {border:.2f}:1"
        option = QStyleOptionButton()
        option.initFrom(box)
        rect = box.style().subElementRect(QStyle.SubElement.SE_CheckBoxIndicator, option, box)
        image = box.grab().toImage()
        edge = max(_contrast(image.pixelColor(x, rect.center().y()), window)
                   for x in range(rect.left(), rect.left() + 3))
        assert edge >= 3.0, f"check box border contrast {edge:.2f}:1"
        box.setChecked(True)
        checked = box.grab().toImage()
        inside = {checked.pixelColor(x, y).name() for x in range(rect.left() + 3, rect.right() - 2)
                  for y in range(rect.top() + 3, rect.bottom() - 2)}
        assert len(inside) > 2, "the checked box shows no check mark"
    finally:
        apply_theme(qapp, "light")
