# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Run the engine with pipeline options on a dataset; save per-photo top-3 texts (JSON) and print the summary.

    python tools/ocr_experiments/run_cfg.py DATASET OUT.json [key=value ...]     (values: int, float or str)
    python tools/ocr_experiments/run_cfg.py --diff A.json B.json                  (photos whose top answer changed)
"""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine import OnnxPlateEngine  # noqa: E402
from apps.ocr.engine.bench import run_benchmark  # noqa: E402


def _val(v):
    for t in (int, float):
        try:
            return t(v)
        except ValueError:
            pass
    return v


if sys.argv[1] == "--diff":
    a, b = (json.load(open(p)) for p in sys.argv[2:4])
    for name, (gt, ta) in a["items"].items():
        tb = b["items"][name][1]
        ra, rb = (ta[:1] == [gt]), (tb[:1] == [gt])
        if ta[:1] != tb[:1]:
            print(f"{'FIXED' if rb and not ra else 'BROKE' if ra and not rb else 'other'} {name} gt={gt} {ta[:2]} -> {tb[:2]}")
    sys.exit(0)
ds, out = sys.argv[1], sys.argv[2]
opts = dict(kv.split("=", 1) for kv in sys.argv[3:])
eng = OnnxPlateEngine(**{k: _val(v) for k, v in opts.items()})
res = run_benchmark(ds, eng, return_items=True)
items = res.pop("items")
res["opts"] = opts
print(json.dumps(res))
json.dump({"summary": res, "items": {it["file"]: (it["plate"], [c["text"] for c in it["candidates"][:3]])
                                     for it in items}}, open(out, "w"))
