#!/usr/bin/env python3
"""Python `tiktoken` baseline for benches/tokens.rs: single-threaded encode of the same
10 MiB text (corpus files in name order, decoded with errors="replace", concatenated,
repeated up to 10 MiB). Run from the crate root:

    pip install tiktoken==0.14.0
    python3 benches/tiktoken_baseline.py
"""

import os
import sys
import time
from pathlib import Path

CRATE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(CRATE / "tests/fixtures/tokens"))
import generate  # noqa: E402  (prepares an offline TIKTOKEN_CACHE_DIR from assets/)

os.environ["TIKTOKEN_CACHE_DIR"] = generate.prepare_cache()
import tiktoken  # noqa: E402

TARGET = 10 * 1024 * 1024
files = sorted((CRATE / "tests/fixtures/tokens/corpus").iterdir())
base = "".join(f.read_bytes().decode("utf-8", errors="replace") for f in files)
text = base
while len(text.encode()) < TARGET:
    text += base
size = len(text.encode())

for name in ["o200k_base", "cl100k_base"]:
    t0 = time.perf_counter()
    enc = tiktoken.get_encoding(name)
    enc.encode_ordinary("warm up")
    load = time.perf_counter() - t0
    for label, fn in [
        ("encode_ordinary", enc.encode_ordinary),
        ("encode(disallowed_special=())", lambda t: enc.encode(t, disallowed_special=())),
    ]:
        best = None
        for _ in range(3):
            t0 = time.perf_counter()
            n = len(fn(text))
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        print(f"{name}: {label}: {size} bytes -> {n} tokens, best of 3 {best:.3f} s = {size / best / 1e6:.1f} MB/s"
              f" (load {load * 1e3:.0f} ms)")
