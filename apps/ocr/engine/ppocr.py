"""Thin PaddleOCR (PP-OCR) text detector and recognizer.

Only numpy + OpenCV (headless) + a runtime from :mod:`.models` (ONNX Runtime by default, PaddlePaddle
optionally): each class takes a loaded model (``run(x)``, ``characters``) or an ONNX file's path.
The detector is DBNet (probability map →
binarize → contours → rotated rectangles → unclip), the recognizer an SVTR/CTC line reader.
The recognizer's output is *projected onto the plate alphabet*: per time step the
probabilities of all vocabulary entries are summed per class (blank, A-Z with lowercase
folded in, 0-9, and a "separator" class for spaces/dashes/dots), so CJK look-alikes and
other symbols can never steal a position, and the decoder returns per-character
probabilities that later stages use to combine several readings.
"""
from __future__ import annotations

import math
import string
from dataclasses import dataclass, field

import cv2
import numpy as np

from .models import OnnxModel

ALNUM = string.ascii_uppercase + string.digits
SEPARATORS = set(" -._·•:/,'\"|~—–")
N_CLASSES = 1 + len(ALNUM) + 1  # blank, A-Z0-9, separator
SEP_CLASS = N_CLASSES - 1
CLASS_O = 1 + ALNUM.index("O")
CLASS_0 = 1 + ALNUM.index("0")


@dataclass
class TextBox:
    quad: np.ndarray  # 4x2 float32, original-image pixels, clockwise from top-left
    score: float

    @property
    def rect(self) -> tuple[int, int, int, int]:
        x0, y0 = self.quad.min(axis=0)
        x1, y1 = self.quad.max(axis=0)
        return int(x0), int(y0), int(round(x1 - x0)), int(round(y1 - y0))

    @property
    def height(self) -> float:
        return float(np.linalg.norm(self.quad[3] - self.quad[0]) + np.linalg.norm(self.quad[2] - self.quad[1])) / 2

    @property
    def width(self) -> float:
        return float(np.linalg.norm(self.quad[1] - self.quad[0]) + np.linalg.norm(self.quad[2] - self.quad[3])) / 2


@dataclass
class Reading:
    text: str  # A-Z0-9 only
    char_probs: list[float]
    raw: str  # with separators shown as '-'
    confidence: float
    sep_positions: list[int] = field(default_factory=list)  # index in text before which a separator was read
    cp: np.ndarray | None = None  # [T, N_CLASSES] class probabilities (for re-scoring)


def _loaded(model, threads):
    """A loaded model (anything with ``run``), or an ONNX file's path loaded on ONNX Runtime."""
    return model if hasattr(model, "run") else OnnxModel(model, threads)


class TextDetector:
    def __init__(self, model, *, threads=None):
        self.model = _loaded(model, threads)
        self.mean = np.array([0.5, 0.5, 0.5], np.float32) * 255
        self.std = np.array([0.5, 0.5, 0.5], np.float32) * 255

    def prob_map(self, img_bgr: np.ndarray, max_side: int = 960, min_side: int = 0,
                 upscale: float = 1.0) -> tuple[np.ndarray, float, float]:
        h, w = img_bgr.shape[:2]
        ratio = 1.0
        if max(h, w) > max_side:
            ratio = max_side / max(h, w)
        elif upscale > 1.0:  # a small photo is enlarged towards max_side (at most ``upscale`` times)
            ratio = min(upscale, max_side / max(h, w))
        if min_side and min(h, w) * ratio < min_side:
            ratio = min_side / min(h, w)
        rh = max(32, int(round(h * ratio / 32)) * 32)
        rw = max(32, int(round(w * ratio / 32)) * 32)
        img = cv2.resize(img_bgr, (rw, rh), interpolation=cv2.INTER_AREA if ratio < 1 else cv2.INTER_LINEAR)
        x = ((img.astype(np.float32) - self.mean) / self.std).transpose(2, 0, 1)[None]
        pred = self.model.run(x)[0, 0]
        return pred, w / rw, h / rh

    def detect(
        self,
        img_bgr: np.ndarray,
        *,
        max_side: int = 960,
        min_side: int = 0,
        thresh: float = 0.3,
        box_thresh: float = 0.5,
        unclip_ratio: float = 1.6,
        min_size: float = 3,
        upscale: float = 1.0,
    ) -> list[TextBox]:
        pred, sx, sy = self.prob_map(img_bgr, max_side, min_side, upscale)
        bitmap = (pred > thresh).astype(np.uint8)
        bitmap = cv2.dilate(bitmap, np.ones((2, 2), np.uint8))
        contours, _ = cv2.findContours(bitmap, cv2.RETR_LIST, cv2.CHAIN_APPROX_SIMPLE)
        ph, pw = pred.shape
        H, W = img_bgr.shape[:2]
        boxes = []
        for cnt in contours[:1000]:
            rect = cv2.minAreaRect(cnt)
            (cx, cy), (rw, rh), ang = rect
            if min(rw, rh) < min_size:
                continue
            x, y, bw, bh = cv2.boundingRect(cnt)
            mask = np.zeros((bh, bw), np.uint8)
            cv2.fillPoly(mask, [(cnt.reshape(-1, 2) - [x, y]).astype(np.int32)], 1)
            score = float(cv2.mean(pred[y : y + bh, x : x + bw], mask)[0])
            if score < box_thresh:
                continue
            # unclip: for a rectangle the polygon offset is exact: grow each side by d
            d = rw * rh * unclip_ratio / (2 * (rw + rh))
            rect = ((cx, cy), (rw + 2 * d, rh + 2 * d), ang)
            if min(rw, rh) + 2 * d < min_size + 2:
                continue
            quad = order_quad(cv2.boxPoints(rect))
            quad[:, 0] = np.clip(quad[:, 0] * sx, 0, W - 1)
            quad[:, 1] = np.clip(quad[:, 1] * sy, 0, H - 1)
            boxes.append(TextBox(quad.astype(np.float32), score))
        return boxes


def order_quad(pts: np.ndarray) -> np.ndarray:
    """Order 4 points clockwise starting top-left (for mostly horizontal text)."""
    pts = np.asarray(pts, np.float32)
    idx = np.argsort(pts[:, 0])
    left, right = pts[idx[:2]], pts[idx[2:]]
    tl, bl = left[np.argsort(left[:, 1])]
    tr, br = right[np.argsort(right[:, 1])]
    return np.array([tl, tr, br, bl], np.float32)


def crop_quad(img: np.ndarray, quad: np.ndarray, pad_x: float = 0.0, pad_y: float = 0.0) -> np.ndarray:
    """Perspective-crop a quad (optionally enlarged by a fraction of its height on each side)."""
    q = quad.astype(np.float32).copy()
    w = max(2.0, float(max(np.linalg.norm(q[0] - q[1]), np.linalg.norm(q[2] - q[3]))))
    h = max(2.0, float(max(np.linalg.norm(q[0] - q[3]), np.linalg.norm(q[1] - q[2]))))
    if pad_x or pad_y:
        ux = (q[1] - q[0]) / max(1e-6, np.linalg.norm(q[1] - q[0]))
        uy = (q[3] - q[0]) / max(1e-6, np.linalg.norm(q[3] - q[0]))
        px, py = pad_x * h, pad_y * h
        q = q + np.array([-ux * px - uy * py, ux * px - uy * py, ux * px + uy * py, -ux * px + uy * py], np.float32)
        w, h = w + 2 * px, h + 2 * py
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    M = cv2.getPerspectiveTransform(q, dst)
    out = cv2.warpPerspective(img, M, (int(round(w)), int(round(h))), flags=cv2.INTER_CUBIC,
                              borderMode=cv2.BORDER_REPLICATE)
    return out


class TextRecognizer:
    def __init__(self, model, *, threads=None, img_h: int = 48, characters: list[str] | None = None):
        self.model = _loaded(model, threads)
        self.img_h = img_h
        chars = characters or self.model.characters
        if not chars:
            raise ValueError("the recognizer model carries no vocabulary: pass characters=")
        vocab = ["blank"] + list(chars) + [" "]
        # projection: vocab index -> class index (-1 = dropped)
        proj = np.full(len(vocab), -1, np.int64)
        proj[0] = 0
        for i, ch in enumerate(vocab[1:], start=1):
            c = ch.upper() if len(ch) == 1 else ch
            if len(c) == 1 and c in ALNUM:
                proj[i] = 1 + ALNUM.index(c)
            elif ch in SEPARATORS:
                proj[i] = SEP_CLASS
        self.vocab_size = len(vocab)
        self.keep = np.nonzero(proj >= 0)[0]
        self.proj_m = np.zeros((len(self.keep), N_CLASSES), np.float32)
        self.proj_m[np.arange(len(self.keep)), proj[self.keep]] = 1.0
        self.vocab = vocab

    def _prep(self, img: np.ndarray, width: int) -> np.ndarray:
        h, w = img.shape[:2]
        rw = min(width, max(8, int(math.ceil(self.img_h * w / max(1, h)))))
        r = cv2.resize(img, (rw, self.img_h), interpolation=cv2.INTER_AREA if h > self.img_h else cv2.INTER_CUBIC)
        out = np.zeros((3, self.img_h, width), np.float32)
        out[:, :, :rw] = (r.astype(np.float32).transpose(2, 0, 1) / 127.5) - 1.0
        return out

    def class_probs(self, imgs: list[np.ndarray], max_ratio: float = 25.0) -> list[np.ndarray]:
        """Return per-image [T, N_CLASSES] probabilities (renormalized over kept vocab)."""
        if not imgs:
            return []
        ratios = [min(max_ratio, im.shape[1] / max(1, im.shape[0])) for im in imgs]
        order = np.argsort(ratios)
        results: list[np.ndarray | None] = [None] * len(imgs)
        batch = 8
        for s in range(0, len(imgs), batch):
            idx = order[s : s + batch]
            width = int(math.ceil(self.img_h * max(max(ratios[i] for i in idx), 320 / self.img_h / 2)))
            width = max(32, int(math.ceil(width / 8) * 8))
            x = np.stack([self._prep(imgs[i], width) for i in idx])
            out = self.model.run(x)  # [B, T, V]
            if out.shape[-1] != self.vocab_size:
                raise ValueError(f"recognizer outputs {out.shape[-1]} classes, its vocabulary has {self.vocab_size}")
            for j, i in enumerate(idx):
                p = out[j]
                cp = p[:, self.keep] @ self.proj_m
                cp /= np.maximum(cp.sum(axis=1, keepdims=True), 1e-8)
                results[i] = cp
        return results  # type: ignore[return-value]

    def read(self, imgs: list[np.ndarray], *, fold_o: bool = False) -> list[Reading]:
        out = []
        for cp in self.class_probs(imgs):
            if fold_o:  # letter O and digit 0 as one class
                cp[:, CLASS_0] += cp[:, CLASS_O]
                cp[:, CLASS_O] = 0.0
            rd = ctc_decode(cp)
            rd.cp = cp
            out.append(rd)
        return out


def ctc_decode(cp: np.ndarray) -> Reading:
    best = cp.argmax(axis=1)
    text, probs, raw, seps = [], [], [], []
    prev = -1
    for t, c in enumerate(best):
        if c != prev and c != 0:
            if c == SEP_CLASS:
                raw.append("-")
                seps.append(len(text))
            else:
                ch = ALNUM[c - 1]
                text.append(ch)
                raw.append(ch)
                probs.append(float(cp[t, c]))
        elif c == prev and c not in (0, SEP_CLASS) and probs:
            probs[-1] = max(probs[-1], float(cp[t, c]))
        prev = c
    conf = float(np.mean(probs)) if probs else 0.0
    return Reading("".join(text), probs, "".join(raw), conf, seps)


def ctc_log_likelihood(cp: np.ndarray, text: str) -> float:
    """log P(text | image) under CTC, summing over all alignments (separators count as blank)."""
    labels = [1 + ALNUM.index(ch) for ch in text]
    T = cp.shape[0]
    if not labels:
        return float(np.sum(np.log(np.maximum(cp[:, 0] + cp[:, SEP_CLASS], 1e-12))))
    probs = cp.copy()
    probs[:, 0] += probs[:, SEP_CLASS]
    S = 2 * len(labels) + 1
    ext = np.zeros(S, np.int64)
    ext[1::2] = labels
    skip = np.zeros(S, np.float64)
    for s_ in range(3, S, 2):
        if ext[s_] != ext[s_ - 2]:
            skip[s_] = 1.0
    if len(labels) > T:
        return -1e9
    em = probs[:, ext].astype(np.float64)  # [T, S]
    alpha = np.zeros(S)
    alpha[0] = em[0, 0]
    alpha[1] = em[0, 1]
    logscale = 0.0
    for t in range(1, T):
        a = alpha.copy()
        a[1:] += alpha[:-1]
        a[2:] += alpha[:-2] * skip[2:]
        alpha = a * em[t]
        c = alpha.sum()
        if c <= 0:
            return -1e9
        alpha /= c
        logscale += math.log(c)
    tail = alpha[-1] + alpha[-2]
    return math.log(tail) + logscale if tail > 0 else -1e9


def ctc_beam(cp: np.ndarray, beam: int = 6, min_p: float = 0.02) -> list[tuple[str, float]]:
    """The ``beam`` most likely texts of a line under CTC (prefix beam search), with their log probabilities.

    Where greedy decoding gives one string, this gives the recognizer's own alternatives (``K40W3L`` and
    ``FK4W3L``, 7/Z, B/8 at one position, a faint leading character) for the plate model to choose from. Classes
    below ``min_p`` at a time step are skipped (they cannot make a top-``beam`` text); separators count as blank.
    """
    probs = cp.astype(np.float64)
    blank = probs[:, 0] + probs[:, SEP_CLASS]
    # prefix -> (P ending in blank, P ending in a character)
    beams: dict[tuple, tuple[float, float]] = {(): (1.0, 0.0)}
    for t in range(probs.shape[0]):
        row = probs[t]
        cands = [int(c) for c in np.nonzero(row > min_p)[0] if c not in (0, SEP_CLASS)]
        nxt: dict[tuple, list[float]] = {}
        for prefix, (pb, pnb) in beams.items():
            total = pb + pnb
            e = nxt.setdefault(prefix, [0.0, 0.0])
            e[0] += total * blank[t]
            if prefix:
                e[1] += pnb * row[prefix[-1]]  # the same character continues
            for c in cands:
                p = row[c]
                ext = prefix + (c,)
                e2 = nxt.setdefault(ext, [0.0, 0.0])
                if prefix and prefix[-1] == c:
                    e2[1] += pb * p  # a repeat needs a blank in between
                else:
                    e2[1] += total * p
        ranked = sorted(nxt.items(), key=lambda kv: -(kv[1][0] + kv[1][1]))[:beam]
        scale = sum(v[0] + v[1] for _, v in ranked) or 1.0
        beams = {k: (v[0] / scale, v[1] / scale) for k, v in ranked}
        if t == 0:
            logscale = math.log(scale)
        else:
            logscale += math.log(scale)
    out = []
    for prefix, (pb, pnb) in sorted(beams.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
        text = "".join(ALNUM[c - 1] for c in prefix)
        if text:
            out.append((text, math.log(max(pb + pnb, 1e-300)) + logscale))
    return out


def ctc_log_likelihoods(cp: np.ndarray, texts: list[str]) -> np.ndarray:
    """:func:`ctc_log_likelihood` of several texts under one line's probabilities at once (one pass over time for
    all of them: the plate model scores every hypothesis of a region under every view)."""
    H = len(texts)
    if H == 0:
        return np.zeros(0)
    T = cp.shape[0]
    probs = cp.astype(np.float64)
    probs[:, 0] += probs[:, SEP_CLASS]
    L = max(1, max(len(t) for t in texts))
    S = 2 * L + 1
    ext = np.zeros((H, S), np.int64)  # padded with blanks: a shorter text ends earlier, read off at its own end
    skip = np.zeros((H, S))
    ends = np.zeros(H, np.int64)
    for h, text in enumerate(texts):
        labels = [1 + ALNUM.index(ch) for ch in text]
        ext[h, 1 : 2 * len(labels) : 2] = labels
        for s_ in range(3, 2 * len(labels), 2):
            if ext[h, s_] != ext[h, s_ - 2]:
                skip[h, s_] = 1.0
        ends[h] = 2 * len(labels)
    # a padded blank after the end must not be reachable: mask states beyond each text's last blank
    valid = (np.arange(S)[None, :] <= ends[:, None]).astype(np.float64)
    em = probs[:, ext] * valid[None]  # [T, H, S]
    alpha = np.zeros((H, S))
    alpha[:, 0] = em[0, :, 0]
    alpha[:, 1] = em[0, :, 1] * (ends > 0)
    logscale = np.zeros(H)
    for t in range(1, T):
        a = alpha.copy()
        a[:, 1:] += alpha[:, :-1]
        a[:, 2:] += alpha[:, :-2] * skip[:, 2:]
        alpha = a * em[t]
        c = alpha.sum(axis=1)
        c = np.where(c > 0, c, 1e-300)
        alpha /= c[:, None]
        logscale += np.log(c)
    rows = np.arange(H)
    tail = alpha[rows, ends] + np.where(ends > 0, alpha[rows, np.maximum(ends - 1, 0)], 0.0)
    out = np.where(tail > 0, np.log(np.maximum(tail, 1e-300)) + logscale, -1e9)
    too_long = np.array([len(t) > T for t in texts])
    out[too_long] = -1e9
    return out
