"""Install-time vendoring of the web libraries the GX Data Docs load (`make vendor`).

The versions, the sha512 of each package tarball and the files taken from it are pinned in
web_vendor.json beside this file. For each package, `npm pack name@version` fetches the tarball
through npm's own client (as configured on the machine), its sha512 must equal the pinned
integrity, and the listed files are extracted into vendor/web/<dir>@<version>/ (gitignored). A
package already extracted with the same integrity is left alone, so the step is cheap to repeat.
Nothing here runs when the pipeline runs: gx_docs_offline only copies from vendor/web/.

Standard library only (it runs before anything is imported from the venv).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

PINS_FILE = Path(__file__).with_name("web_vendor.json")
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
MARKER = ".vendored"  # in each package dir: the integrity it was extracted from


def pins() -> dict:
    return json.loads(PINS_FILE.read_text(encoding="utf-8"))


def vendor_root() -> Path:
    """Where the vendored packages live: GX_DOCS_VENDOR_DIR, default <repo>/vendor/web."""
    raw = os.environ.get("GX_DOCS_VENDOR_DIR", "").strip()
    p = Path(raw).expanduser() if raw else REPO_ROOT / "vendor" / "web"
    return p if p.is_absolute() else (REPO_ROOT / p).resolve()


def package_dir(name: str, spec: dict, root: Path | None = None) -> Path:
    return (root or vendor_root()) / f"{spec['dir']}@{spec['version']}"


def integrity_of(path: Path) -> str:
    return "sha512-" + base64.b64encode(hashlib.sha512(path.read_bytes()).digest()).decode()


def is_vendored(name: str, spec: dict, root: Path | None = None) -> bool:
    """Extracted from the pinned tarball, with every listed file (or non-empty folder) there."""
    pkg = package_dir(name, spec, root)
    marker = pkg / MARKER
    if not (marker.is_file() and marker.read_text(encoding="utf-8").strip() == spec["integrity"]):
        return False
    return all(
        any((pkg / f).iterdir()) if f.endswith("/") and (pkg / f).is_dir() else (pkg / f).is_file()
        for f in spec["files"]
    )


def _wanted(member: str, files: list[str]) -> str | None:
    """The path inside the package of a tarball member listed in `files` (a file, or a
    directory ending in '/'), else None."""
    if not member.startswith("package/"):
        return None
    rel = member[len("package/") :]
    return rel if any(rel == f or (f.endswith("/") and rel.startswith(f)) for f in files) else None


def vendor_package(name: str, spec: dict, root: Path | None = None, npm: str = "npm") -> Path:
    dest = package_dir(name, spec, root)
    with tempfile.TemporaryDirectory(prefix="vendor-") as tmp:
        proc = subprocess.run(
            [npm, "pack", f"{name}@{spec['version']}", "--pack-destination", tmp, "--silent"],
            capture_output=True,
            text=True,
        )
        tarballs = list(Path(tmp).glob("*.tgz"))
        if proc.returncode != 0 or len(tarballs) != 1:
            raise SystemExit(
                f"vendor: `npm pack {name}@{spec['version']}` failed "
                f"(exit {proc.returncode}): {proc.stderr.strip()[-1500:]}"
            )
        got = integrity_of(tarballs[0])
        if got != spec["integrity"]:
            raise SystemExit(
                f"vendor: {name}@{spec['version']} tarball has integrity {got}, "
                f"{PINS_FILE.name} pins {spec['integrity']}: refusing it"
            )
        staging = Path(tempfile.mkdtemp(prefix=dest.name + ".", dir=dest.parent))
        try:
            found = set()
            with tarfile.open(tarballs[0]) as tar:
                for member in tar.getmembers():
                    rel = _wanted(member.name, spec["files"])
                    if rel is None or not member.isfile():
                        continue
                    target = staging / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with tar.extractfile(member) as src, open(target, "wb") as out:
                        shutil.copyfileobj(src, out)
                    found.add(rel)
            missing = [
                f
                for f in spec["files"]
                if not (f in found or (f.endswith("/") and any(r.startswith(f) for r in found)))
            ]
            if missing:
                raise SystemExit(
                    f"vendor: {name}@{spec['version']} has no {missing} (files listed in {PINS_FILE.name})"
                )
            (staging / MARKER).write_text(spec["integrity"] + "\n", encoding="utf-8")
            shutil.rmtree(dest, ignore_errors=True)
            staging.rename(dest)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    return dest


def vendor_all(root: Path | None = None) -> list[str]:
    """Vendor every pinned package not already vendored; returns the ones fetched."""
    root = root or vendor_root()
    root.mkdir(parents=True, exist_ok=True)
    npm = shutil.which("npm")
    todo = {n: s for n, s in pins()["packages"].items() if not is_vendored(n, s, root)}
    if todo and npm is None:
        raise SystemExit(
            "vendor: npm is not on the PATH; it is needed once to fetch the GX Data Docs' "
            f"web libraries ({', '.join(todo)}) pinned in {PINS_FILE}"
        )
    for name, spec in todo.items():
        print(f"vendor: {name}@{spec['version']} -> {vendor_package(name, spec, root, npm)}")
    return list(todo)
