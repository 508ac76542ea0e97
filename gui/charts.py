"""Pie charts (QtCharts) of counts with a legend that names each slice and its count, in the palette's colours
so they read in light and dark themes."""

from __future__ import annotations

from PySide6.QtCharts import QChart, QChartView, QPieSeries, QPieSlice
from PySide6.QtCore import QEvent, QMargins, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QCursor, QFont, QPainter, QPalette, QPen
from PySide6.QtWidgets import QToolTip, QWidget

from gui.theme import is_dark

# Distinct, colour-blind-friendly hues (Okabe–Ito, then Tableau) that read on light and dark backgrounds.
SLICE_COLOURS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#8C8C8C",
                 "#4E79A7", "#F28E2B", "#59A14F", "#B07AA1")
OTHER_COLOUR = "#9AA0A6"


def legend_text(label: str, count: int) -> str:
    """Count first, so a long model name cut short by the legend still shows how many."""
    return f"{count} × {label}"


class PieChart(QChartView):
    """``set_counts([(label, count), …])``; the legend shows ``count × label`` and hovering a slice shows its
    share. ``slice_clicked`` carries the label of a clicked slice."""

    slice_clicked = Signal(str)

    def __init__(self, title: str = "", parent: QWidget | None = None) -> None:
        chart = QChart()
        super().__init__(chart, parent)
        self.chart_ = chart
        self.series = QPieSeries()
        self.series.setPieSize(0.78)
        chart.addSeries(self.series)
        chart.setTitle(title)
        chart.setAnimationOptions(QChart.AnimationOption.NoAnimation)
        chart.setMargins(QMargins(4, 4, 4, 4))
        chart.setBackgroundRoundness(0)
        legend = chart.legend()
        legend.setAlignment(Qt.AlignmentFlag.AlignBottom)  # the full width for "3 × Intel(R) Xeon(R) …" lines
        legend.setShowToolTips(True)
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMinimumSize(self.fontMetrics().averageCharWidth() * 40, self.fontMetrics().height() * 14)
        self.other_label = "Other"
        self._counts: list[tuple[str, int]] = []
        self.empty_text = ""
        self.apply_palette()

    # -- data -----------------------------------------------------------------------------------------------

    def set_title(self, title: str) -> None:
        self.chart_.setTitle(title)

    def title(self) -> str:
        return self.chart_.title()

    def set_counts(self, counts: list[tuple[str, int]]) -> None:
        self._counts = [(label, int(n)) for label, n in counts if n > 0]
        self.series.clear()
        total = sum(n for _, n in self._counts)
        for i, (label, count) in enumerate(self._counts):
            piece = QPieSlice(legend_text(label, count), count)
            piece.setProperty("azaionLabel", label)
            colour = OTHER_COLOUR if label == self.other_label else SLICE_COLOURS[i % len(SLICE_COLOURS)]
            piece.setBrush(QColor(colour))
            piece.setLabelVisible(False)
            share = 100.0 * count / total if total else 0.0
            piece.hovered.connect(lambda on, s=piece, sh=share: self._hover(s, on, sh))
            piece.clicked.connect(lambda s=piece: self.slice_clicked.emit(str(s.property("azaionLabel"))))
            self.series.append(piece)
        self._style_slices()
        self.viewport().update()

    def counts(self) -> list[tuple[str, int]]:
        """What the chart shows: (label, count) per slice, in order."""
        return [(str(s.property("azaionLabel")), int(round(s.value()))) for s in self.series.slices()]

    def legend_texts(self) -> list[str]:
        return [marker.label() for marker in self.chart_.legend().markers(self.series)]

    def hover_text(self, piece: QPieSlice, share: float) -> str:
        return f"{legend_text(str(piece.property('azaionLabel')), int(piece.value()))} ({share:.0f}%)"

    def _hover(self, piece: QPieSlice, on: bool, share: float) -> None:
        """The slice's name, count and share in a tooltip at the pointer: a slice label is drawn inside the plot
        area and was cut to "3 × A…" near its edge."""
        piece.setExploded(on)
        if on:
            QToolTip.showText(QCursor.pos(), self.hover_text(piece, share), self)
        else:
            QToolTip.hideText()

    # -- colours --------------------------------------------------------------------------------------------

    def apply_palette(self) -> None:
        palette = self.palette()
        dark = is_dark(palette)
        chart = self.chart_
        chart.setTheme(QChart.ChartTheme.ChartThemeDark if dark else QChart.ChartTheme.ChartThemeLight)
        chart.setBackgroundBrush(QBrush(palette.color(QPalette.ColorRole.Base)))
        chart.setBackgroundPen(QPen(Qt.PenStyle.NoPen))
        text = palette.color(QPalette.ColorRole.Text)
        chart.setTitleBrush(QBrush(text))
        font = QFont(self.font())
        font.setBold(True)
        chart.setTitleFont(font)
        chart.legend().setLabelColor(text)
        chart.legend().setFont(self.font())
        self._style_slices()

    def _style_slices(self) -> None:
        base = self.palette().color(QPalette.ColorRole.Base)
        text = self.palette().color(QPalette.ColorRole.Text)
        for i, piece in enumerate(self.series.slices()):
            label = str(piece.property("azaionLabel"))
            colour = OTHER_COLOUR if label == self.other_label else SLICE_COLOURS[i % len(SLICE_COLOURS)]
            piece.setBrush(QColor(colour))
            piece.setBorderColor(base)
            piece.setBorderWidth(1)
            piece.setLabelColor(text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() in (QEvent.Type.PaletteChange, QEvent.Type.ApplicationPaletteChange, QEvent.Type.StyleChange):
            self.apply_palette()
