"""The masking rule (``core.privacy``) measured on the demo's free texts: personal items masked or missed by kind,
strings that must survive kept or over-masked, and how many other free texts the rule changed, with the time it
took (the ETL's column form, ``mask_text_column``).

    python benchmarks/measure_masking.py --demo data/demo                   # the demo the app built
    python benchmarks/measure_masking.py --cases 200000 --days 365 --out /tmp/onemap_demo   # generate one first

The planted texts and what they hold are recorded by the demo (``demo/personal.py``, ``personal_truth.json``).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from demo.generate import generate_demo  # noqa: E402
from demo.personal import TRUTH_FILE, measure  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--demo", type=Path, help="a demo folder with personal_truth.json (made by python -m demo)")
    parser.add_argument("--cases", type=int, default=200_000, help="cases of a demo generated into --out")
    parser.add_argument("--days", type=int, default=365)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=Path("/tmp/onemap_masking_demo"))
    parser.add_argument("--examples", type=int, default=5, help="missed and over-masked examples printed")
    args = parser.parse_args()
    folder = args.demo
    if folder is None:
        started = time.perf_counter()
        generate_demo(args.out, cases=args.cases, days=args.days, seed=args.seed)
        print(f"generated {args.cases:,} cases in {time.perf_counter() - started:.1f} s into {args.out}")
        folder = args.out
    if not (folder / TRUTH_FILE).exists():
        parser.error(f"{folder} has no {TRUTH_FILE}: generate the demo with this release (python -m demo)")
    started = time.perf_counter()
    result = measure(folder)
    elapsed = time.perf_counter() - started
    print(result.summary())
    print(f"measured in {elapsed:.1f} s ({result.texts:,} other texts read and masked)")
    for title, examples in (("missed", result.missed_examples), ("over-masked", result.over_masked_examples)):
        for example in examples[: args.examples]:
            print(f"  {title}: {example}")


if __name__ == "__main__":
    main()
