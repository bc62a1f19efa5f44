"""``{% portal_map %}``: one map (static/js/maps.js) with the vendored Leaflet, the basemap and the tile settings.

The points come from a ``json_script`` block the view rendered after its logged, purpose-gated query; the map
never fetches read data itself (issue #17). The first map of a page also emits the script and style links.
"""

from __future__ import annotations

from django import template
from django.conf import settings

register = template.Library()

MAP_MODES = ("reads", "story", "area", "picker", "cameras", "single")


@register.inclusion_tag("reads/_map.html", takes_context=True)
def portal_map(context, *, map_id: str, mode: str = "reads", points_id: str = "", label: str = "Map",
               size: str = "", legend: bool = False, lat_input: str = "", lon_input: str = ""):
    if mode not in MAP_MODES:
        raise template.TemplateSyntaxError(f"portal_map: unknown mode {mode!r}")
    request = context.get("request")
    first = request is None or not getattr(request, "_portal_map_assets", False)
    if request is not None:
        request._portal_map_assets = True
    return {"map_id": map_id, "mode": mode, "points_id": points_id, "label": label, "size": size,
            "legend": legend, "lat_input": lat_input, "lon_input": lon_input, "assets": first,
            "tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION}


@register.simple_tag
def camera_points_script(cameras, element_id: str):
    """The fixed cameras among ``cameras`` as a json_script block for a ``cameras`` map (the admin's list)."""
    from django.utils.html import json_script

    from apps.reads.presenters import camera_map_points

    return json_script(camera_map_points(cameras), element_id)


@register.simple_tag
def read_points_script(read, element_id: str):
    """One read's position as a json_script block, for a page that already logged showing that read (a hit's page,
    R-AUD-1a); "" when the read has no position. No link: the page itself is the read's view."""
    from django.utils.html import json_script

    from apps.reads.presenters import read_map_points

    points = read_map_points([read]) if read is not None else []
    for point in points:
        point.pop("url"), point.pop("link_text")
    return json_script(points, element_id) if points else ""
