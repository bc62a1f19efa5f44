"""Charts have a text alternative (WCAG 1.1.1): the server-drawn SVG is one image to assistive technology, named by
its title and its figures, with the drawing hidden so that a screen reader reads the numbers once."""

from xml.etree import ElementTree  # our own SVG, not untrusted input

from apps.common.charts import bar_chart, hbar_chart

SVG = "{http://www.w3.org/2000/svg}"


def test_a_bar_chart_is_an_image_named_by_its_title_and_figures():
    svg = ElementTree.fromstring(bar_chart(title="Reads by month", labels=["Jan 2026", "Feb 2026"],  # noqa: S314
                                           values=[1204, {"suppressed": True}]))
    assert svg.get("role") == "img"
    assert svg.get("aria-label") == "Reads by month. Jan 2026: 1,204; Feb 2026: suppressed"
    assert svg.find(f"{SVG}title").text == "Reads by month"
    drawing = svg.find(f"{SVG}g")
    assert drawing.get("aria-hidden") == "true" and drawing.find(f"{SVG}rect") is not None


def test_a_horizontal_chart_names_rates_and_escapes_labels():
    svg = hbar_chart(title="Misread rate by camera", labels=["Harbor <NB>", "Beach & 5th"],
                     values=[{"rate": 0.125}, {"rate": 0.0}])
    label = ElementTree.fromstring(svg).get("aria-label")  # noqa: S314
    assert label == "Misread rate by camera. Harbor <NB>: 12.5 %; Beach & 5th: 0.0 %"
