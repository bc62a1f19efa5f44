"""Re-score saved run_split.py outputs offline: layout weight, which hypothesis origins count, and the abstention
thresholds; prints exact / wrong / abstained per file.  ``rescore.py LAYOUT_W_RUN LAYOUT_W_NEW CONF POST FILE...``"""
import json
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from apps.ocr.engine import _calibrate  # noqa: E402
from apps.ocr.engine.plates import fold_confusable, implausible_reason  # noqa: E402


def decide(item, w_run, w_new, conf_min, post_min, origins=("read", "beam", "edge", "i1")):
    cands = []
    for c in item["candidates"]:
        d = json.loads(c["source"])
        layout = d.get("layout", 0.0)
        score = d["score"] - layout + (layout * w_new / w_run if w_run else 0.0)
        cands.append((score, c["text"], d["rec_confidence"], c.get("raw_text", ""), d.get("origin", "read")))
    if not cands:
        return "", None
    cands.sort(key=lambda x: -x[0])
    top = cands[0][0]
    z = sum(math.exp(max(-50, s - top)) for s, *_ in cands)
    choose = [c for c in cands if c[4] in origins] or cands
    ranked = sorted(choose, key=lambda x: implausible_reason(x[1], x[3]) is not None)
    s, text, rc, raw, _ = ranked[0]
    post = math.exp(max(-50, s - top)) / z
    conf = _calibrate(s, rc)
    ok = implausible_reason(text, raw) is None and conf >= conf_min and post >= post_min
    return (text if ok else ""), text


ORIGINS = tuple(os.environ.get("ORIGINS", "read,beam,edge,i1").split(","))


def main():
    w_run, w_new, conf_min, post_min = map(float, sys.argv[1:5])
    for f in sys.argv[5:]:
        d = json.load(open(f))
        n = len(d["items"])
        ex = wr = ab = tops = 0
        for it in d["items"]:
            stated, top = decide(it, w_run, w_new, conf_min, post_min, ORIGINS)
            gt = fold_confusable(it["plate"])
            tops += bool(top) and fold_confusable(top) == gt
            if not stated:
                ab += 1
            elif fold_confusable(stated) == gt:
                ex += 1
            else:
                wr += 1
        print(f"{Path(f).name:28s} n={n:4d} exact_folded={ex / n:.3f} wrong={wr / n:.3f} abstained={ab / n:.3f} "
              f"top_correct={tops / n:.3f}")


if __name__ == "__main__":
    main()
