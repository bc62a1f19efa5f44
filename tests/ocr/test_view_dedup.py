"""Engine 1.4.2 (issue #16): a plate region's views are distinct evidence. On a tight plate crop (as ALPR cameras and
the ``us-crops`` set send them) the text is taller than both re-read heights and both re-read margins run past the
image's edges, so the two re-read scales cropped the same pixels at the same scale, re-detected the same box and read
the same line: one reading counted twice in the mixture over views, two thirds of the region's vote against the
first-pass view. Real OCR, no mock. R-HOT-5 (a misread is worse than no read)."""

from __future__ import annotations

import pytest

from apps.ocr.synthetic import plate_photo

np = pytest.importorskip("numpy")
cv2 = pytest.importorskip("cv2")


def _tight_crop(plate: str, seed: int):
    """A plate crop cut at the plate's edges: the number fills most of the height (text ≈ 60 px tall)."""
    rng = np.random.default_rng(seed)
    image = (np.full((110, 300, 3), 236, np.int16) - rng.integers(0, 18, (110, 300, 3))).astype(np.uint8)
    cv2.rectangle(image, (1, 1), (298, 108), (50, 50, 50), 2)
    cv2.putText(image, "IOWA", (120, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 40), 2, cv2.LINE_AA)
    cv2.putText(image, plate, (14, 88), cv2.FONT_HERSHEY_DUPLEX, 2.2, (25, 25, 25), 5, cv2.LINE_AA)
    return cv2.GaussianBlur(image, (3, 3), 0.8)


def _duplicate_views(views) -> list[tuple[str, str]]:
    return [(a.source, b.source) for i, a in enumerate(views) for b in views[i + 1:]
            if a.cp is not None and b.cp is not None and a.cp.shape == b.cp.shape and np.array_equal(a.cp, b.cp)]


@pytest.mark.parametrize("plate, seed", [("469BWW", 1), ("5812HJ", 2), ("042WYG", 3)])
def test_on_a_tight_plate_crop_no_reading_is_counted_twice(ocr_engine_loaded, plate, seed):
    """Engine 1.4.1 read such a crop as det, redet1.5, redet0.8 with the last two identical (same class
    probabilities); 1.4.2 reads the re-read crop once."""
    reader = ocr_engine_loaded._reader
    top = reader.read(_tight_crop(plate, seed))[0]
    assert top.text == plate
    assert len(top.members) >= 2  # the region was refined: first-pass view plus a re-read
    assert _duplicate_views(top.members) == [], [m.source for m in top.members]
    candidates = ocr_engine_loaded.read_plates(_tight_crop(plate, seed))
    assert candidates[0].text == plate and candidates[0].accepted


def test_on_a_whole_photo_both_re_read_scales_are_kept(ocr_engine_loaded):
    """Where the two re-read scales crop different pixels (a plate in a photo, small text enlarged to 48 and 40 px)
    both are read: only identical crops are skipped."""
    top = ocr_engine_loaded._reader.read(plate_photo("7ABC123", seed=1))[0]
    assert top.text == "7ABC123"
    sources = {m.source.replace("-masked", "") for m in top.members}
    assert {"redet1.5", "redet0.8"} <= sources, sources
    assert _duplicate_views(top.members) == []
