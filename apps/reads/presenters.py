"""How reads already returned by the logged search are shown: map points, results grouped by plate, a plate's story.

Pure functions of reads the purpose-gated selectors returned (they query nothing and log nothing themselves): every
map, group and timeline here is part of the page whose search wrote its access-log row (R-READ-3), so the map data
is not a side door (issue #17).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

STORY_SORTS = {
    "time": "Time (first sighting first)",
    "-time": "Time (latest first)",
    "camera": "Camera",
    "confidence": "Confidence (highest first)",
}


def read_position(read) -> tuple[float, float] | None:
    """Where a read happened: its GPS, else its fixed camera's position, else nowhere (not on the map)."""
    if read.latitude is not None and read.longitude is not None:
        return read.latitude, read.longitude
    camera = read.camera
    if camera.latitude is not None and camera.longitude is not None:
        return camera.latitude, camera.longitude
    return None


def read_map_points(reads, *, carry: str = "") -> list[dict]:
    """One point per read with a position: plate, camera, capture time (ISO, for the time colours; and as the
    agency's 24-hour local time for people), the read number and the link to the read carrying purpose and case."""
    points = []
    for read in reads:
        position = read_position(read)
        if position is None:
            continue
        url = reverse("reads:detail", args=[read.pk]) + (f"?{carry}" if carry else "")
        points.append({
            "id": read.pk, "lat": round(position[0], 6), "lon": round(position[1], 6), "plate": read.plate_current,
            "camera": read.camera.name, "at": read.captured_at.isoformat(),
            "label": timezone.localtime(read.captured_at).strftime("%Y-%m-%d %H:%M:%S"), "url": url,
            "link_text": f"Read #{read.pk}",
        })
    return points


def camera_map_points(cameras) -> list[dict]:
    """Cameras with a fixed position (mobile units and uploads have none)."""
    return [{"id": camera.pk, "lat": camera.latitude, "lon": camera.longitude, "camera": camera.name,
             "url": reverse("reads:camera", args=[camera.pk]), "link_text": "Camera status"}
            for camera in cameras if camera.latitude is not None and camera.longitude is not None]


def duration_text(delta: timedelta) -> str:
    """A gap as people say it: "3 d 4 h", "2 h 15 min", "12 min", "40 s"."""
    seconds = max(0, int(delta.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days} d {hours} h" if hours else f"{days} d"
    if hours:
        return f"{hours} h {minutes} min" if minutes else f"{hours} h"
    if minutes:
        return f"{minutes} min"
    return f"{seconds} s"


@dataclass
class PlateGroup:
    """One plate of a result: how often, first and last seen, and its cameras in the order it passed them."""

    plate: str
    reads: list = field(default_factory=list)

    @property
    def count(self) -> int:
        return len(self.reads)

    @property
    def first_seen(self) -> datetime:
        return min(read.captured_at for read in self.reads)

    @property
    def last_seen(self) -> datetime:
        return max(read.captured_at for read in self.reads)

    @property
    def cameras(self) -> list[str]:
        names: list[str] = []
        for read in sorted(self.reads, key=lambda r: (r.captured_at, r.pk)):
            if read.camera.name not in names:
                names.append(read.camera.name)
        return names


def plate_groups(reads) -> list[PlateGroup]:
    """The result grouped by plate: most sightings first, then the most recently seen."""
    groups: dict[str, PlateGroup] = {}
    for read in reads:
        groups.setdefault(read.plate_current, PlateGroup(plate=read.plate_current)).reads.append(read)
    return sorted(groups.values(), key=lambda g: (-g.count, -g.last_seen.timestamp(), g.plate))


@dataclass
class Visit:
    """Consecutive sightings at one camera; ``gap_before`` is the time since the previous visit ended."""

    camera: str
    first: datetime
    last: datetime
    reads: list = field(default_factory=list)
    gap_before: timedelta | None = None

    @property
    def count(self) -> int:
        return len(self.reads)

    @property
    def gap_text(self) -> str:
        return duration_text(self.gap_before) if self.gap_before is not None else ""


@dataclass
class PlateStory:
    """A plate's sightings in time order: first/last seen, the cameras it passed in order, and the gaps between."""

    plate: str
    reads: list
    visits: list[Visit]

    @property
    def first_seen(self) -> datetime | None:
        return self.reads[0].captured_at if self.reads else None

    @property
    def last_seen(self) -> datetime | None:
        return self.reads[-1].captured_at if self.reads else None

    @property
    def span_text(self) -> str:
        return duration_text(self.last_seen - self.first_seen) if self.reads else ""

    @property
    def longest_gap(self) -> Visit | None:
        gaps = [visit for visit in self.visits if visit.gap_before is not None]
        return max(gaps, key=lambda visit: visit.gap_before) if gaps else None


def plate_story(*, plate: str, reads) -> PlateStory:
    ordered = sorted(reads, key=lambda r: (r.captured_at, r.pk))
    visits: list[Visit] = []
    for read in ordered:
        if visits and visits[-1].camera == read.camera.name:
            visits[-1].last = read.captured_at
            visits[-1].reads.append(read)
            continue
        gap = read.captured_at - visits[-1].last if visits else None
        visits.append(Visit(camera=read.camera.name, first=read.captured_at, last=read.captured_at, reads=[read],
                            gap_before=gap))
    return PlateStory(plate=plate, reads=ordered, visits=visits)


def reads_sorted(reads, *, sort: str) -> list:
    """The story's table in the order asked for (STORY_SORTS); unknown orders fall back to time."""
    if sort == "-time":
        return sorted(reads, key=lambda r: (r.captured_at, r.pk), reverse=True)
    if sort == "camera":
        return sorted(reads, key=lambda r: (r.camera.name, r.captured_at, r.pk))
    if sort == "confidence":
        return sorted(reads, key=lambda r: (-(r.confidence if r.confidence is not None else -1), r.captured_at))
    return sorted(reads, key=lambda r: (r.captured_at, r.pk))
