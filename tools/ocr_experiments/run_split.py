"""Run the engine with PlateReader / acceptance options on one half of a dataset and save every photo's candidates
with their score parts (for re-weighting offline): ``run_split.py DATASET SPLIT OUT.json [key=value ...]``."""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from apps.ocr.engine import OnnxPlateEngine  # noqa: E402
from apps.ocr.engine.bench import run_benchmark  # noqa: E402


def main():
    ds, split, out = sys.argv[1:4]
    opts = {}
    for kv in sys.argv[4:]:
        k, v = kv.split("=", 1)
        text_opts = ("redets", "extra_views", "fallback_dets", "det_pre", "degrade", "rec2", "retry_scales")
        opts[k] = v if k in text_opts else float(v)
    degrade = opts.pop("degrade", None)
    eng = OnnxPlateEngine(max_candidates=int(opts.pop("max_candidates", 12)), **{
        k: (int(v) if isinstance(v, float) and v.is_integer() and k not in ("accept_conf", "accept_posterior", "beta",
                                                                              "layout_w", "size_rule", "rare_chars")
            else v) for k, v in opts.items()})


    class Keep:
        """Wrap the engine so the saved items hold every candidate's detail too."""

        version = eng.version

        def read_plates(self, img):
            cands = eng.read_plates(img)
            for c in cands:
                c.source = json.dumps({"src": c.source, **c.detail, "accepted": c.accepted, "note": c.note})
            return cands


    res = run_benchmark(ds, Keep(), split=split, degrade=degrade, return_items=True)
    res["options"] = opts
    Path(out).write_text(json.dumps(res))
    res.pop("items")
    print(json.dumps(res))


if __name__ == "__main__":  # the benchmark spawns a child process for degraded photos
    main()
