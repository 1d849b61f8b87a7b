"""The SVG charts: round axes, escaped labels, gaps where a day has no figure."""

from reports import charts


def test_axis_tops_are_four_round_steps():
    assert charts.axis_top(0) == 4
    assert charts.axis_top(31) == 40
    assert charts.axis_top(41) == 80
    assert charts.axis_top(130, charts.MINUTE_STEPS) == 240  # 4 × 1 h


def test_labels_are_escaped_and_the_chart_is_labelled():
    svg = charts.stacked_bars("c", "Volume <b>", ["Mon"], {"<script>x</script>": [3]})
    assert "<script>" not in svg and "&lt;script&gt;x&lt;/script&gt;" in svg
    assert 'role="img" aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Volume &lt;b&gt;</title>' in svg
    assert svg.count('<rect class="chart-bar"') == 1


def test_a_day_without_a_figure_breaks_the_line():
    svg = charts.lines(
        "l",
        "Median",
        ["a", "b", "c", "d"],
        {"Median": [1, 2, None, 3]},
        fmt=str,
        target=2.5,
        target_label="SLA",
    )
    assert svg.count('<polyline class="line"') == 2
    assert svg.count("<circle") == 3
    assert svg.count('<line class="target"') == 1


def test_heatmap_has_a_cell_per_hour_and_day():
    grid = [[d * h for h in range(24)] for d in range(7)]
    svg = charts.heatmap(
        "h", "Busiest", [str(d) for d in range(7)], [f"{h:02d}" for h in range(24)], grid
    )
    assert svg.count('<rect class="cell"') == 7 * 24
