# ruff: noqa: E402, E501, S108, SIM115, SIM401, I001, F401
"""Prototype: find small non-character marks (registration stickers, logos, dashes) between the characters of a
text-line crop and paint them with the background colour."""
import glob
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
from apps.ocr.engine.pipeline import mask_marks  # noqa: E402

ims = []
for f in sorted(glob.glob(sys.argv[1])):
    im = cv2.imread(f)
    m, info = mask_marks(im, debug=True)
    print(os.path.basename(f), info)
    h = 60
    a = cv2.resize(im, (min(400, int(im.shape[1] * h / im.shape[0])), h))
    b = cv2.resize(m if m is not None else im * 0, (a.shape[1], h))
    ims.append(np.hstack([a, b]))
W = max(i.shape[1] for i in ims)
cv2.imwrite("/tmp/mask_grid.png", np.vstack([np.pad(i, ((0, 4), (0, W - i.shape[1]), (0, 0))) for i in ims]))
