"""Fetch the GX Data Docs' web libraries at their pinned versions (make vendor).

python -m orchestration.cli.vendor_web
"""

import sys

from orchestration.quality.web_vendor import pins, vendor_all, vendor_root


def main() -> int:
    fetched = vendor_all()
    print(f"vendor: {len(fetched)} fetched, {len(pins()['packages']) - len(fetched)} already in {vendor_root()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
