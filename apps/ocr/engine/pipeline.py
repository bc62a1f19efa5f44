"""License-plate reading pipeline on top of the PP-OCR detector/recognizer.

1. Detect text lines on the whole photo: luminance with CLAHE (finds dim plates),
   downscaled so its long side is ``det_side``.
2. Keep line-shaped boxes; add merged boxes for neighbouring boxes on one line (plates
   split at a sticker or dash).
3. Read every box (crop from the original, rectified by perspective warp); score each
   reading: plate-likeness prior of the text (plates.text_penalty: length, letter/digit
   mix, dates, phone numbers, state names, frame words) + box geometry + the recognizer's
   CTC log-likelihood of the text.
4. If nothing scores above ``fallback_below``, detect again with ``fallback_dets`` (full
   resolution, colour) and add those boxes: small or dark plates the first pass missed.
5. For the best ``refine_k`` regions: crop the original around the box with a margin,
   upscale small text, re-detect inside the crop and read the matching box (one view per
   ``redets`` setting); a line with a small mark between its character groups (registration
   sticker, coat of arms) is read with the mark painted over (``mask_marks``).  Every distinct
   text read in the region is then scored under all of the region's views (CTC likelihood,
   mixture over views) plus its prior.
6. Return distinct texts, best first.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from . import plates
from .ppocr import (
    Reading,
    TextBox,
    TextDetector,
    TextRecognizer,
    crop_quad,
    ctc_beam,
    ctc_log_likelihood,
    ctc_log_likelihoods,
    order_quad,
)


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
    layout: float = 0.0  # the layout prior's share of ``score``
    implausible: str | None = None  # why no plate can be this text (plates.implausible_reason), None if it can
    size_pen: float = 0.0  # the size rule's penalty of the region (kept by its re-read hypotheses, ``size_keep``)
    posterior: float = 0.0  # share of this text among all the photo's readings (softmax of the scores)
    origin: str = "read"  # read (a view's greedy text), beam, edge (a greedy text less an edge character), i1


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
        mask_marks: int = 1,
        fallback_below: float = -2.0,
        rare_chars: float = 0.6,
        fallback_dets: str = "grayclahe:1280,color:960",
        layout_w: float = 0.0,
        beam: int = 5,
        edge_variants: int = 1,
        state_prior: int = 1,
        rec2: TextRecognizer | None = None,
        keep_variant: float = 0.05,
        det_upscale: float = 1.0,
        max_text_frac: float = 0.25,
        size_keep: int = 1,
        length_w: float = 0.0,
        choose_variant: float = 0.0,
        dedup_views: int = 1,
    ):
        """Options (defaults are the measured configuration):

        det_side: long side of the photo given to the detector; det_pre: detector input
        ("grayclahe", "gray", "color"); max_boxes/first_max_rec: caps on boxes detected/read in
        the first pass; refine_k: how many best regions get re-detected and re-read;
        redets: "margin:text_height" pairs, one re-detection per pair (crop margin in text
        heights, upscale so text is that many pixels tall); extra_views: image variants of
        the region to read as well ("max", "gray", "clahe"); beta: weight of the recognizer
        log-likelihood against the plate-likeness prior; zero_for_o: read letter O as digit 0
        (US convention: O and 0 share a glyph on most plates, and ground truth uses 0);
        size_rule: penalty for a line clearly smaller than a plate-like line next to it;
        mask_marks: read region lines with stickers/logos between the character groups painted
        over (see :func:`mask_marks`); fallback_below / fallback_dets: when no first-pass reading
        scores above fallback_below, detect again with each "input:long_side" of fallback_dets;
        rare_chars: prior penalty per letter I (and the I→1 variant of each region hypothesis is
        scored too), since US serials mostly avoid I/O/Q.

        Plate model (1.2): layout_w: weight of the letter/digit layout prior (plates.LayoutPrior, per state when a
        state's name is read in the photo and ``state_prior``); beam: how many texts the CTC beam search proposes
        per view of a refined region (0: greedy texts only); edge_variants: also propose each read text without
        its first or last character (a frame edge or bolt read as 1/L, or a lost small leading digit).

        1.4: size_keep: the size rule's penalty of a refined region is kept by all its hypotheses (the re-read views
        have no neighbours to compare with, so before 1.4 a county name or sticker text under the plate number lost
        its penalty when it was refined); det_upscale: enlarge a photo smaller than ``det_side`` up to this factor
        for detection (off: it helps 640 px photos but reads tight plate crops worse); max_text_frac: text taller
        than this fraction of the photo is penalized in the geometry term (0.25 kept: 1.0 changed nothing net on the
        tune halves).  See the engine README, *1.4*.

        Tried for 1.5 and left off (they helped the tune sets and us-crops/eu's check halves, but stated more wrong
        plates on the us-dev check half and its degraded versions; engine README, *1.5 candidate*): length_w: weight
        of how rare a plate of the text's length is (``plates.length_log_prior``, learnt
        from the tune halves' labels: 6 and 7 characters usual, 8 and fewer than 5 rare), added to the final texts'
        scores (a frame edge or bolt read as an extra first character makes an 8-character text);
        choose_variant: a variant of the plate model (beam, edge) that holds at least this share of the photo's
        evidence is ranked like a text a view read (so ``AVP2403`` is stated where the views read ``YAVP2403``).  See
        the engine README, *1.5 candidate*.

        1.4.2: dedup_views: a re-read scale whose crop is the same pixels at the same scale as an earlier one's (on a
        tight plate crop, text taller than the re-read heights and both margins past the image's edges) is not read
        again: its re-detection and reading would be identical, and counted twice in the mixture over views it gave
        that reading two thirds of the region's vote against the first-pass view (us-crops tune half: 337/29/12 →
        339/28/11 photos right/wrong/abstained; no whole us-dev photo changed).
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
        self.mask_marks = mask_marks
        self.fallback_below = fallback_below
        self.rare_chars = rare_chars
        self.fallback_dets = [(p.split(":")[0], int(p.split(":")[1])) for p in fallback_dets.split(",") if p]
        self.layout_w = layout_w
        self.beam = beam
        self.edge_variants = edge_variants
        self.state_prior = state_prior
        self.rec2 = rec2
        self.keep_variant = keep_variant
        self.det_upscale = det_upscale
        self.max_text_frac = max_text_frac
        self.size_keep = size_keep
        self.length_w = length_w
        self.choose_variant = choose_variant
        self.dedup_views = dedup_views
        self._len_log = plates.length_log_prior() if length_w else {}
        self.layout = plates.LayoutPrior() if layout_w else None

    # ------------------------------------------------------------------ geometry
    def _geometry(self, box: TextBox, shape) -> float:
        H, W = shape[:2]
        x, y, w, h = box.rect
        g = 0.0
        hf = box.height / H
        if hf < 0.012 or hf > self.max_text_frac:
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
            return self._prior(text, rd.raw) + self._geometry(box, shape) + self.beta * ll
        return plates.plate_score(rd.text, rd.confidence, raw=rd.raw, geometry=self._geometry(box, shape))

    def _first_pass(self, img, pre: str | None = None, side: int | None = None, upscale: float | None = None):
        boxes = self.det.detect(_det_input(img, pre or self.det_pre), max_side=side or self.det_side,
                                upscale=self.det_upscale if upscale is None else upscale)
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
        crops_seen = set()
        for mult, th_t in self.redets:
            cx0, cy0 = int(max(0, x0 - mult * th)), int(max(0, y0 - mult * th))
            cx1, cy1 = int(min(W, x1 + mult * th)), int(min(H, y1 + mult * th))
            crop = img[cy0:cy1, cx0:cx1]
            if crop.size == 0:
                continue
            sc = min(4.0, max(1.0, th_t / th))
            if self.dedup_views:
                # the same pixels at the same scale give the same re-detection and the same reading: one piece of
                # evidence, not two (on a tight crop both margins reach the image's edges and no upscale is needed)
                key = (cx0, cy0, cx1, cy1, round(sc, 4))
                if key in crops_seen:
                    continue
                crops_seen.add(key)
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
            line = crop_quad(crop, best.quad)
            masked = mask_marks(line) if self.mask_marks else None
            if masked is not None:  # a sticker/logo between the characters: read the line without it
                jobs.append((f"redet{mult:g}-masked", masked, original_quad))
            else:
                jobs.append((f"redet{mult:g}", line, original_quad))
        if self.mask_marks:
            masked = mask_marks(crop_quad(img, q))
            if masked is not None:
                jobs.append(("det-masked", masked, q))
        if jobs:
            rds = self.rec.read([j[1] for j in jobs], fold_o=bool(self.zero_for_o))
            for (src, _, oq), rd in zip(jobs, rds, strict=False):
                tb = TextBox(oq, 1.0)
                out.append(Candidate(rd.text, self._score(rd, tb, img.shape), rd.confidence, oq, rd.raw, src,
                                     char_probs=rd.char_probs, cp=rd.cp, geometry=self._geometry(tb, img.shape)))
        if self.rec2 is not None:  # a second, different recognizer reads the same lines: more views to vote
            lines = [crop_quad(img, q)] + [j[1] for j in jobs]
            quads = [q] + [j[2] for j in jobs]
            for oq, rd in zip(quads, self.rec2.read(lines, fold_o=bool(self.zero_for_o)), strict=False):
                tb = TextBox(oq, 1.0)
                out.append(Candidate(rd.text, self._score(rd, tb, img.shape), rd.confidence, oq, rd.raw, "rec2",
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
                c.size_pen = -pen

    def _prior(self, text: str, raw: str) -> float:
        """Plate-likeness of a text: plates.text_penalty, minus ``rare_chars`` per letter I (most US states
        avoid I, O and Q in serials because they look like 1 and 0; where the views disagree between I and 1,
        1 is the better bet.  O is already read as 0, see ``zero_for_o``)."""
        pen = plates.text_penalty(text, raw)
        if self.rare_chars:
            pen -= self.rare_chars * text.count("I")
        return pen

    def _length_term(self, text: str) -> float:
        """How rare a plate of this length is (``plates.length_log_prior``, from the tune halves' labels), weighted
        by ``length_w``. Added to every text of the final list (refined hypotheses and unrefined lines alike), after the
        regions to refine are chosen: in the first-pass scores it changed which lines were refined and what the
        fallback detection saw (README, *1.5 candidate*; off by default)."""
        if not self.length_w:
            return 0.0
        return self.length_w * self._len_log.get(len(text), min(self._len_log.values()))

    def _layout_term(self, text: str, state: str | None) -> float:
        if self.layout is None:
            return 0.0
        return self.layout_w * self.layout.log_prior(text, state if self.state_prior else None)

    def _region_hypotheses(self, views: list[Candidate], state: str | None = None,
                           region_size_pen: float = 0.0) -> list[Candidate]:
        hyps: dict[str, Candidate] = {}
        origin: dict[str, str] = {}
        for v in views:
            if v.text and v.text not in hyps:
                hyps[v.text], origin[v.text] = v, "read"
        if len(views) > 1:
            greedy = list(hyps.items())
            if self.beam:  # the recognizer's own alternatives in each view
                for v in views:
                    if v.cp is not None:
                        for text, _ in ctc_beam(v.cp, beam=self.beam):
                            if text not in hyps:
                                hyps[text], origin[text] = v, "beam"
            if self.edge_variants:  # a frame edge read as a character, or a lost edge character
                for text, rep in greedy:
                    if len(text) >= 4:
                        for variant in (text[1:], text[:-1]):
                            if variant not in hyps:
                                hyps[variant], origin[variant] = rep, "edge"
            if self.rare_chars:  # letter I as digit 1: same glyph on many plates
                for text, rep in list(hyps.items()):
                    if "I" in text and text.replace("I", "1") not in hyps:
                        hyps[text.replace("I", "1")], origin[text.replace("I", "1")] = rep, "i1"
            if self.zero_for_o:
                hyps = {t: r for t, r in hyps.items() if "O" not in t}
        geo = max(v.geometry for v in views)
        if self.size_keep and len(views) > 1:
            # the size rule's penalty belongs to the region, not to one view of it: re-read views are scored without
            # neighbours, so without this a county name or sticker under the plate number lost its penalty on re-read
            geo = max(v.geometry - v.size_pen for v in views) + region_size_pen
        out = []
        texts = list(hyps)
        if len(views) > 1 and texts:
            lls = np.stack([np.maximum(-15.0, ctc_log_likelihoods(v.cp, texts)) for v in views])  # [views, hyps]
            mix = np.log(np.mean(np.exp(lls), axis=0))  # mixture over views
        for i, text in enumerate(texts):
            rep = hyps[text]
            layout = self._layout_term(text, state)
            if len(views) == 1:
                score = rep.score + layout + self._length_term(text)
            else:
                score = self._prior(text, rep.raw) + self._length_term(text) + geo + self.beta * float(mix[i]) + layout
            out.append(Candidate(text, score, rep.confidence, rep.quad, rep.raw, rep.source, len(views), views,
                                 layout=layout, origin=origin[text]))
        return out

    def _scored_first_pass(self, img, pre=None, side=None, upscale=None) -> list[Candidate]:
        cands = self._first_pass(img, pre, side, upscale)
        if self.zero_for_o:
            for c in cands:
                c.text = c.text.replace("O", "0")
        return cands

    def read(self, img: np.ndarray) -> list[Candidate]:
        cands = self._scored_first_pass(img)
        if self.fallback_dets and max((c.score for c in cands), default=-99.0) < self.fallback_below:
            # nothing plate-like: the plate may be too small or too dim for the detector at det_side
            for pre, side in self.fallback_dets:
                more = self._scored_first_pass(img, pre, side)
                cands.extend(c for c in more if not any(c.text == o.text and _iou(c.quad, o.quad) > 0.5
                                                        for o in cands))
        if self.size_rule:
            self._apply_size_rule(cands)
        # the state whose name is printed in the photo (on the plate, mostly): its layouts weigh in the prior
        named = [st for st in (plates.state_named(c.text) for c in cands) if st]
        state = max(set(named), key=named.count) if named else None
        for c in cands:
            c.layout = self._layout_term(c.text, state)
            c.score += c.layout
        cands.sort(key=lambda c: -c.score)
        out: list[Candidate] = []
        regions: list[Candidate] = []
        for c in cands:
            if (len(regions) < self.refine_k and c.score >= self.refine_min_score
                    and not any(_iou(c.quad, r.quad) > 0.5 for r in regions)):
                regions.append(c)
                views = self._views(img, c)
                if any(v.source == "det-masked" for v in views):  # the masked first-pass view replaces c
                    views = [v for v in views if v.source == "det-masked"] + [
                        v for v in views if v.source != "det-masked"]
                else:
                    views = [c] + views
                out.extend(self._region_hypotheses(views, state, c.size_pen))
            else:
                c.score += self._length_term(c.text)  # every text of the final list carries the length prior
                out.append(c)
        out.sort(key=lambda c: -c.score)
        seen, uniq = set(), []
        for c in out:
            if c.text not in seen:
                seen.add(c.text)
                uniq.append(c)
        if uniq:  # how much of the photo's evidence the text holds (softmax over all distinct readings)
            top = uniq[0].score
            z = sum(math.exp(max(-50.0, c.score - top)) for c in uniq)
            for c in uniq:
                c.posterior = math.exp(max(-50.0, c.score - top)) / z
        # the plate model's own variants (beam, edge, I→1) are evidence for the scores; returned only when they hold
        # a real share of it (else every photo's alternates, which searches match, would fill with near-copies)
        uniq = [c for i, c in enumerate(uniq) if i == 0 or c.origin == "read" or c.posterior >= self.keep_variant]
        for c in uniq:
            c.implausible = plates.implausible_reason(c.text, c.raw)
        # a text no plate can be (a time stamp, one character, a state name) is never ranked above one that can;
        # and the plate model's own variants only compete for the evidence (they lower the posterior of an
        # uncertain reading), they are not put first: choosing them did not help on the tune halves (README 1.2) —
        # unless one holds the majority of the evidence (``choose_variant``, off: tried for 1.5, README)
        cv = self.choose_variant
        uniq.sort(key=lambda c: (c.implausible is not None,
                                 c.origin not in ("read", "i1") and not (cv and c.posterior >= cv)))
        return uniq


def _iou(q1: np.ndarray, q2: np.ndarray) -> float:
    a0, a1 = q1.min(axis=0), q1.max(axis=0)
    b0, b1 = q2.min(axis=0), q2.max(axis=0)
    iw = max(0.0, min(a1[0], b1[0]) - max(a0[0], b0[0]))
    ih = max(0.0, min(a1[1], b1[1]) - max(a0[1], b0[1]))
    inter = iw * ih
    ua = (a1 - a0).prod() + (b1 - b0).prod() - inter
    return float(inter / ua) if ua > 0 else 0.0


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


def mask_marks(line: np.ndarray, debug: bool = False):
    """Paint small non-character marks that sit *between* the characters of a text line (a registration
    sticker between the character groups, a state-shape logo, a dash) with the plate background.

    Characters are the connected components of one polarity (dark-on-light or light-on-dark, whichever
    gives the longer row; adaptive threshold) that share a height and a baseline.  A mark is a cluster of
    pieces with at least two characters on each side, vertically centred in the character band, clearly
    shorter than the characters (25-75 % of their height) and not overlapping any character column
    (a character broken in two pieces is as tall as a character, so it is never a mark).  Returns the
    painted copy, or None when no mark was found.
    """
    H, W = line.shape[:2]
    if H < 8 or W < 3 * H // 2:
        return (None, "small") if debug else None
    s = 64.0 / H
    img = cv2.resize(line, (max(8, int(round(W * s))), 64), interpolation=cv2.INTER_CUBIC if s > 1 else cv2.INTER_AREA)
    g = cv2.cvtColor(img, cv2.COLOR_BGR2GRAY)
    best = None
    for kind in (cv2.THRESH_BINARY_INV, cv2.THRESH_BINARY):  # dark text on light, light text on dark
        pol = cv2.adaptiveThreshold(g, 255, cv2.ADAPTIVE_THRESH_MEAN_C, kind, 31, 5)
        n, lab, st, _ = cv2.connectedComponentsWithStats(pol, connectivity=8)
        comps = [tuple(st[i, :4]) for i in range(1, n) if st[i, 4] >= 12]
        row = _char_row(comps, img.shape[0])
        if row and (best is None or len(row[0]) > len(best[0])):
            best = (row[0], row[1], comps, pol)
    if best is None:
        return (None, "no-row") if debug else None
    chars, (ctop, cbot, ch), comps, pol = best
    chars = sorted(chars)
    cset = set(chars)
    # pieces that fit inside the character band and are clearly shorter than a character
    small = sorted(c for c in comps if c not in cset and c[1] >= ctop - 0.15 * ch
                   and c[1] + c[3] <= cbot + 0.15 * ch and c[3] <= 0.75 * ch)
    clusters: list[list[int]] = []  # x0, y0, x1, y1 of horizontally overlapping pieces
    for x, y, w, h in small:
        if clusters and x <= clusters[-1][2]:
            u = clusters[-1]
            u[1], u[2], u[3] = min(u[1], y), max(u[2], x + w), max(u[3], y + h)
        else:
            clusters.append([x, y, x + w, y + h])
    mid = (ctop + cbot) / 2
    marks = []
    for x0, y0, x1, y1 in clusters:
        h, w = y1 - y0, x1 - x0
        if not (0.25 * ch <= h <= 0.75 * ch and w <= 1.2 * ch and abs((y0 + y1) / 2 - mid) <= 0.2 * ch):
            continue
        if any(x0 < k[0] + k[2] - 1 and k[0] + 1 < x1 for k in chars):  # overlaps a character column
            continue
        if sum(k[0] + k[2] <= x0 + 1 for k in chars) < 2 or sum(k[0] >= x1 - 1 for k in chars) < 2:
            continue  # not between two groups of characters
        marks.append((x0, y0, w, h))
    if not marks:
        return (None, f"no-mark chars={len(chars)} ch={ch}") if debug else None
    out = img.copy()
    bg_mask = pol == 0
    for x, y, w, h in marks:  # flat fill with the median background colour next to the mark (inpainting read worse)
        x0, x1 = max(0, x - 2), min(out.shape[1], x + w + 2)
        y0, y1 = max(0, int(ctop) - 2), min(out.shape[0], int(cbot) + 2)
        region = out[y0:y1, x0:x1]
        bgm = bg_mask[y0:y1, x0:x1]
        color = np.median(region[bgm], axis=0) if bgm.any() else np.median(region.reshape(-1, 3), axis=0)
        out[max(0, y - 2): y + h + 2, x0:x1] = color.astype(np.uint8)
    # back to the line's size (painting at the 64 px analysis scale and resizing back read better, 103 vs 101
    # of 111, than painting the original pixels: within noise, kept as measured)
    out = cv2.resize(out, (W, H), interpolation=cv2.INTER_AREA if s > 1 else cv2.INTER_CUBIC)
    return (out, f"marks={marks} chars={len(chars)} ch={ch}") if debug else out


def _char_row(comps, H):
    """The longest set (>= 4) of components of similar height (>= 20 % of the line) on one baseline."""
    cand = [c for c in comps if 0.2 * H <= c[3] <= 0.98 * H and c[2] <= 1.3 * c[3]]
    best = None
    for ref in cand:
        hr, cy = ref[3], ref[1] + ref[3] / 2
        row = [c for c in cand if 0.8 * hr <= c[3] <= 1.25 * hr and abs(c[1] + c[3] / 2 - cy) <= 0.2 * hr]
        if len(row) >= 4 and (best is None or len(row) > len(best)):
            best = row
    if best is None:
        return None
    ch = float(np.median([c[3] for c in best]))
    top = float(np.median([c[1] for c in best]))
    return best, (top, top + ch, ch)
