"""License-plate reading pipeline on top of the PP-OCR detector/recognizer.

1. Detect text lines on the whole photo: luminance with CLAHE (finds dim plates),
   downscaled so its long side is ``det_side``.
2. Keep line-shaped boxes; add merged boxes for neighbouring boxes on one line (plates
   split at a sticker or dash).
3. Read every box (crop from the original, rectified by perspective warp); score each
   reading: plate-likeness prior of the text (plates.text_penalty: length, letter/digit
   mix, dates, phone numbers, state names, frame words) + box geometry + the recognizer's
   CTC log-likelihood of the text.
4. For the best ``refine_k`` regions: crop the original around the box with a margin,
   upscale small text, re-detect inside the crop and read the matching box (one view per
   ``redets`` setting).  Every distinct text read in the region is then scored under all
   of the region's views (CTC likelihood, mixture over views) plus its prior.
5. Return distinct texts, best first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import plates
from .ppocr import Reading, TextBox, TextDetector, TextRecognizer, crop_quad, ctc_log_likelihood, order_quad


@dataclass
class Candidate:
    text: str
    score: float
    confidence: float
    quad: np.ndarray
    raw: str
    source: str
    votes: float = 0.0
    members: list = field(default_factory=list)
    char_probs: list = field(default_factory=list)
    cp: object = None
    geometry: float = 0.0


class PlateReader:
    def __init__(
        self,
        det: TextDetector,
        rec: TextRecognizer,
        *,
        det_side: int = 960,
        det_pre: str = "grayclahe",
        max_boxes: int = 40,
        first_max_rec: int = 16,
        refine_k: int = 2,
        refine_min_score: float = -6.0,
        redets: str = "1.5:48,0.8:40",
        extra_views: str = "",
        beta: float = 0.7,
        zero_for_o: int = 1,
        size_rule: float = 1.0,
    ):
        """Options (defaults are the measured configuration):

        det_side: long side of the photo given to the detector; det_pre: detector input
        ("grayclahe", "gray", "color"); max_boxes/first_max_rec: caps on boxes detected/read in
        the first pass; refine_k: how many best regions get re-detected and re-read;
        redets: "margin:text_height" pairs, one re-detection per pair (crop margin in text
        heights, upscale so text is that many pixels tall); extra_views: image variants of
        the region to read as well ("max", "gray", "clahe"); beta: weight of the recognizer
        log-likelihood against the plate-likeness prior; zero_for_o: read letter O as digit 0
        (US convention: O and 0 share a glyph on most plates, and ground truth uses 0).
        """
        self.det, self.rec = det, rec
        self.det_side = det_side
        self.det_pre = det_pre
        self.max_boxes = max_boxes
        self.first_max_rec = first_max_rec
        self.refine_k = refine_k
        self.refine_min_score = refine_min_score
        self.redets = [tuple(float(x) for x in r.split(":")) for r in redets.split(",") if r]
        self.extra_views = [v for v in extra_views.split(",") if v]
        self.beta = beta
        self.zero_for_o = zero_for_o
        self.size_rule = size_rule

    # ------------------------------------------------------------------ geometry
    @staticmethod
    def _geometry(box: TextBox, shape) -> float:
        H, W = shape[:2]
        x, y, w, h = box.rect
        g = 0.0
        hf = box.height / H
        if hf < 0.012 or hf > 0.25:
            g -= 1.5
        ar = box.width / max(1.0, box.height)
        if ar < 1.2:
            g -= 1.5
        # camera date/time stamps sit in a corner band of the frame
        cy = y + h / 2
        if (cy < 0.08 * H or cy > 0.92 * H) and (x < 0.02 * W or x + w > 0.98 * W):
            g -= 1.0
        return g

    @staticmethod
    def _merge_line(boxes: list[TextBox]) -> list[TextBox]:
        """Boxes for neighbouring same-line pairs/triples (plates split at stickers or dashes)."""
        out = []
        n = len(boxes)
        info = []
        for b in boxes:
            x, y, w, h = b.rect
            info.append((x, y, w, h, b.height))
        order = sorted(range(n), key=lambda i: info[i][0])
        for a_i, a in enumerate(order):
            xa, ya, wa, ha, hta = info[a]
            chain = [a]
            last = a
            for b in order[a_i + 1 :]:
                xl, yl, wl, hl, htl = info[last]
                xb, yb, wb, hb, htb = info[b]
                if not (0.6 < htb / max(1e-6, htl) < 1.6):
                    continue
                ov = min(yl + hl, yb + hb) - max(yl, yb)
                if ov < 0.6 * min(hl, hb):
                    continue
                gap = xb - (xl + wl)
                if gap > 1.5 * max(htl, htb) or gap < -0.3 * min(wl, wb):
                    continue
                chain.append(b)
                last = b
                pts = np.concatenate([boxes[i].quad for i in chain])
                quad = order_quad(cv2.boxPoints(cv2.minAreaRect(pts)))
                out.append(TextBox(quad, float(np.mean([boxes[i].score for i in chain]))))
                if len(chain) >= 3:
                    break
        return out

    # ------------------------------------------------------------------ reading
    def _score(self, rd: Reading, box: TextBox, shape) -> float:
        if rd.cp is not None and rd.text:
            text = rd.text.replace("O", "0") if self.zero_for_o else rd.text
            ll = max(-15.0, ctc_log_likelihood(rd.cp, text))
            return plates.text_penalty(text, rd.raw) + self._geometry(box, shape) + self.beta * ll
        return plates.plate_score(rd.text, rd.confidence, raw=rd.raw, geometry=self._geometry(box, shape))

    def _first_pass(self, img):
        boxes = self.det.detect(_det_input(img, self.det_pre), max_side=self.det_side)
        H = img.shape[0]
        # plate text lines: wider than tall, not tiny
        boxes = [b for b in boxes if b.width >= 1.2 * b.height and b.height >= max(6.0, 0.008 * H)]
        boxes.sort(key=lambda b: -b.score * b.width * b.height)
        boxes = boxes[: self.max_boxes]
        merged = self._merge_line(boxes)
        merged_ids = {id(b) for b in merged}
        allb = boxes + merged
        if len(allb) > self.first_max_rec:
            # most plate-shaped first: aspect ratio of 3-7 characters
            allb.sort(key=lambda b: abs(math.log(max(1e-3, b.width / b.height) / 3.5)))
            allb = allb[: self.first_max_rec]
        readings = self.rec.read([crop_quad(img, b.quad) for b in allb], fold_o=bool(self.zero_for_o))
        cands = []
        for b, rd in zip(allb, readings, strict=False):
            if not rd.text:
                continue
            src = "det-merged" if id(b) in merged_ids else "det"
            cands.append(Candidate(rd.text, self._score(rd, b, img.shape), rd.confidence, b.quad, rd.raw, src,
                                   char_probs=rd.char_probs, cp=rd.cp, geometry=self._geometry(b, img.shape)))
        return cands

    def _views(self, img, cand: Candidate) -> list[Candidate]:
        """Extra readings of one region: crop the original around it with a margin, upscale so
        the text is ~th_target px tall, re-detect inside the crop and read the box that matches."""
        H, W = img.shape[:2]
        q = cand.quad
        th = max(4.0, TextBox(q, 1.0).height)
        x0, y0 = q.min(axis=0)
        x1, y1 = q.max(axis=0)
        out = []
        if self.extra_views:
            base = crop_quad(img, q)
            rds = self.rec.read([_enhance(base, v) for v in self.extra_views], fold_o=bool(self.zero_for_o))
            tb = TextBox(q, 1.0)
            for v, rd in zip(self.extra_views, rds, strict=False):
                out.append(Candidate(rd.text, self._score(rd, tb, img.shape), rd.confidence, q, rd.raw, f"view-{v}",
                                     char_probs=rd.char_probs, cp=rd.cp, geometry=self._geometry(tb, img.shape)))
        jobs = []
        for mult, th_t in self.redets:
            cx0, cy0 = int(max(0, x0 - mult * th)), int(max(0, y0 - mult * th))
            cx1, cy1 = int(min(W, x1 + mult * th)), int(min(H, y1 + mult * th))
            crop = img[cy0:cy1, cx0:cx1]
            if crop.size == 0:
                continue
            sc = min(4.0, max(1.0, th_t / th))
            if sc > 1.0:
                crop = cv2.resize(crop, None, fx=sc, fy=sc, interpolation=cv2.INTER_CUBIC)
            sub = self.det.detect(crop, max_side=max(crop.shape[:2]) + 31)
            lq = ((q - [cx0, cy0]) * sc).astype(np.float32)
            best, best_iou = None, 0.2
            for b in sub:
                v = _iou(b.quad, lq)
                if v > best_iou:
                    best, best_iou = b, v
            if best is None:
                continue
            original_quad = (best.quad / sc + [cx0, cy0]).astype(np.float32)
            jobs.append((f"redet{mult:g}", crop_quad(crop, best.quad), original_quad))
        if jobs:
            rds = self.rec.read([j[1] for j in jobs], fold_o=bool(self.zero_for_o))
            for (src, _, oq), rd in zip(jobs, rds, strict=False):
                tb = TextBox(oq, 1.0)
                out.append(Candidate(rd.text, self._score(rd, tb, img.shape), rd.confidence, oq, rd.raw, src,
                                     char_probs=rd.char_probs, cp=rd.cp, geometry=self._geometry(tb, img.shape)))
        return out

    def _apply_size_rule(self, cands: list[Candidate]) -> None:
        """The plate number is the largest text on a plate: a line clearly smaller than a
        plausible text line right next to it (registration sticker, county name, slogan,
        dealer frame) is penalized."""
        info = []
        for c in cands:
            tb = TextBox(c.quad, 1.0)
            x, y, w, h = tb.rect
            plate_like = len(c.text) >= 3 and plates.text_penalty(c.text, c.raw) > -2.5
            info.append((x + w / 2, y + h / 2, w, tb.height, plate_like))
        for i, c in enumerate(cands):
            cx, cy, w, h, _ = info[i]
            biggest = h
            for j, (cx2, cy2, w2, h2, ok2) in enumerate(info):
                if j == i or not ok2 or h2 <= biggest:
                    continue
                if abs(cy2 - cy) < 2.5 * h2 and abs(cx2 - cx) < 0.5 * (w + w2) + h2:
                    biggest = h2
            rel = h / biggest
            if rel < 0.72:
                pen = self.size_rule * (2.0 if rel < 0.5 else 1.0)
                c.score -= pen
                c.geometry -= pen

    def _region_hypotheses(self, views: list[Candidate]) -> list[Candidate]:
        hyps: dict[str, Candidate] = {}
        for v in views:
            if v.text and v.text not in hyps:
                hyps[v.text] = v
        geo = max(v.geometry for v in views)
        out = []
        for text, rep in hyps.items():
            if len(views) == 1:
                score = rep.score
            else:
                lls = np.array([max(-15.0, ctc_log_likelihood(v.cp, text)) for v in views])
                ll = float(np.log(np.mean(np.exp(lls))))  # mixture over views
                score = plates.text_penalty(text, rep.raw) + geo + self.beta * ll
            out.append(Candidate(text, score, rep.confidence, rep.quad, rep.raw, rep.source, len(views), views))
        return out

    def read(self, img: np.ndarray) -> list[Candidate]:
        cands = self._first_pass(img)
        if self.zero_for_o:
            for c in cands:
                c.text = c.text.replace("O", "0")
        if self.size_rule:
            self._apply_size_rule(cands)
        cands.sort(key=lambda c: -c.score)
        out: list[Candidate] = []
        regions: list[Candidate] = []
        for c in cands:
            if (len(regions) < self.refine_k and c.score >= self.refine_min_score
                    and not any(_iou(c.quad, r.quad) > 0.5 for r in regions)):
                regions.append(c)
                out.extend(self._region_hypotheses([c] + self._views(img, c)))
            else:
                out.append(c)
        out.sort(key=lambda c: -c.score)
        seen, uniq = set(), []
        for c in out:
            if c.text not in seen:
                seen.add(c.text)
                uniq.append(c)
        return uniq


def _iou(q1: np.ndarray, q2: np.ndarray) -> float:
    a0, a1 = q1.min(axis=0), q1.max(axis=0)
    b0, b1 = q2.min(axis=0), q2.max(axis=0)
    iw = max(0.0, min(a1[0], b1[0]) - max(a0[0], b0[0]))
    ih = max(0.0, min(a1[1], b1[1]) - max(a0[1], b0[1]))
    inter = iw * ih
    ua = (a1 - a0).prod() + (b1 - b0).prod() - inter
    return float(inter / ua) if ua > 0 else 0.0


def _pad_quad(q: np.ndarray, pad_x: float, pad_y: float) -> np.ndarray:
    """Grow a quad by fractions of its height along its own axes."""
    q = q.astype(np.float32)
    h = float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2])))
    ux = (q[1] - q[0]) / max(1e-6, float(np.linalg.norm(q[1] - q[0])))
    uy = (q[3] - q[0]) / max(1e-6, float(np.linalg.norm(q[3] - q[0])))
    px, py = pad_x * h, pad_y * h
    return q + np.array([-ux * px - uy * py, ux * px - uy * py, ux * px + uy * py, -ux * px + uy * py], np.float32)


def _stretch(gray: np.ndarray) -> np.ndarray:
    lo, hi = np.percentile(gray, (2, 98))
    if hi - lo < 8:
        return gray
    return np.clip((gray.astype(np.float32) - lo) * (255.0 / (hi - lo)), 0, 255).astype(np.uint8)


def _enhance(crop: np.ndarray, name: str) -> np.ndarray:
    """Image variants for re-reading: 'color' as is; 'max' = max over channels (coloured
    stickers and slogans fade into the light background, dark characters stay), contrast
    stretched; 'clahe' = local contrast for dark / hazy plates; 'gray' = stretched luminance."""
    if name == "color":
        return crop
    if name == "max":
        g = _stretch(crop.max(axis=2))
    elif name == "gray":
        g = _stretch(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
    elif name == "clahe":
        g = cv2.createCLAHE(clipLimit=3.0, tileGridSize=(4, 4)).apply(cv2.cvtColor(crop, cv2.COLOR_BGR2GRAY))
    else:
        raise ValueError(f"unknown image variant {name!r}")
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)


def _det_input(img: np.ndarray, pre: str) -> np.ndarray:
    """Image given to the text detector: 'grayclahe' (luminance with local contrast
    equalization; finds dim and low-contrast plates more often), 'gray' or 'color'."""
    if pre == "color":
        return img
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    if pre == "grayclahe":  # a CLAHE object per call: they are not thread-safe
        g = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8)).apply(g)
    return cv2.cvtColor(g, cv2.COLOR_GRAY2BGR)
