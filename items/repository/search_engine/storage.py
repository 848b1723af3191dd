"""The index directory: generations of the index, the one in use, and proof that it is whole.

``SEARCH_INDEX_DIR`` holds generations, each a complete Tantivy index in a folder of its own
(``v<VERSION>-<time>-<random>``), and ``CURRENT``, the name of the one to search, replaced
atomically (written beside, then renamed). A rebuild fills a new generation and names it in
``CURRENT`` only once committed, so nothing is ever served from a half-built index; the old
one is then deleted (a process still reading it keeps its open files until it moves on).

Before a generation is searched or followed, every file its last commit names is checked
against the checksum Tantivy wrote at its end (a footer: JSON holding a CRC-32 of the body,
its length and a magic number), once per file and process. A generation that fails is
``Damaged``: it is marked (a ``DAMAGED`` file, which the indexer sees and rebuilds), and
searches go to SQL meanwhile.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import struct
import time
import zlib
from pathlib import Path

import tantivy

from items.repository.search_engine.documents import VERSION, register, schema

CURRENT = "CURRENT"
DAMAGED = "DAMAGED"
_FOOTER_MAGIC = 1337
_PARTS = ("idx", "pos", "term", "store", "fast", "fieldnorm")


class Damaged(RuntimeError):
    """A generation whose files are missing, unreadable, or fail their checksum."""


class _Missing(Exception):
    """A file a commit names is not there (yet another commit may have replaced it)."""


def _committed_files(meta: str) -> list[str]:
    """The files a commit's ``meta.json`` names: each segment's parts and its deletions."""
    try:
        segments = json.loads(meta)["segments"]
    except (ValueError, KeyError, TypeError) as error:
        raise Damaged(f"meta.json unreadable ({error})") from error
    names = []
    for segment in segments:
        stem = segment["segment_id"].replace("-", "")
        names += [f"{stem}.{part}" for part in _PARTS]
        if segment.get("deletes"):
            names.append(f"{stem}.{segment['deletes']['opstamp']}.del")
    return names


def _check_footer(path: Path) -> None:
    """``Damaged`` unless the file ends with Tantivy's footer and its body matches its CRC."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise _Missing(path.name) from None
    if len(data) < 8:
        raise Damaged(f"{path.name} is cut short")
    length, magic = struct.unpack("<II", data[-8:])
    try:
        crc = int(json.loads(data[-8 - length : -8])["crc"])
    except (ValueError, KeyError, TypeError):
        raise Damaged(f"{path.name} has no readable footer") from None
    if magic != _FOOTER_MAGIC or zlib.crc32(data[: -8 - length]) != crc:
        raise Damaged(f"{path.name} fails its checksum")


class Storage:
    """The generations under one index directory."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._verified: set[tuple[str, int, int]] = set()

    def current(self) -> str | None:
        """The generation to search, when there is one of this version."""
        try:
            name = (self.root / CURRENT).read_text().strip()
        except OSError:
            return None
        if not name.startswith(f"v{VERSION}-") or not (self.root / name).is_dir():
            return None
        return name

    def path(self, name: str) -> Path:
        return self.root / name

    def open(self, name: str) -> tantivy.Index:
        """A generation's index, once the files of its last commit are proved whole."""
        self.verify(name)
        try:
            return register(tantivy.Index.open(str(self.path(name))))
        except (OSError, ValueError) as error:
            self.mark_damaged(name)
            raise Damaged(f"{name}: {error}") from error

    def verify(self, name: str) -> str:
        """Prove whole every file ``name``'s last commit names; its ``meta.json`` text.

        A file missing because the indexer committed (and dropped it) meanwhile is no damage:
        the newer commit is checked instead.
        """
        folder = self.path(name)
        if (folder / DAMAGED).exists():
            raise Damaged(f"{name} is marked damaged")
        for _ in range(5):
            meta = self.meta(name)
            try:
                self._verify(folder, meta)
                return meta
            except _Missing:
                if self.meta(name) == meta:
                    break
        self.mark_damaged(name)
        raise Damaged(f"{name}: a file its commit names is missing")

    def meta(self, name: str) -> str:
        try:
            return (self.path(name) / "meta.json").read_text()
        except OSError as error:
            self.mark_damaged(name)
            raise Damaged(f"{name}: meta.json unreadable ({error})") from error

    def _verify(self, folder: Path, meta: str) -> None:
        try:
            for name in _committed_files(meta):
                path = folder / name
                try:
                    stat = path.stat()
                except FileNotFoundError:
                    raise _Missing(name) from None
                key = (str(path), stat.st_size, stat.st_mtime_ns)
                if key not in self._verified:  # files are never rewritten: once is enough
                    _check_footer(path)
                    self._verified.add(key)
        except Damaged as error:
            self.mark_damaged(folder.name)
            raise Damaged(f"{folder.name}: {error}") from error

    def mark_damaged(self, name: str) -> None:
        with contextlib.suppress(OSError):  # deleted, or unwritable: not served either way
            (self.path(name) / DAMAGED).touch()

    def damaged(self, name: str) -> bool:
        return (self.path(name) / DAMAGED).exists()

    def create(self) -> tuple[str, tantivy.Index]:
        """A new, empty generation (not current until ``make_current``)."""
        self.root.mkdir(parents=True, exist_ok=True)
        name = f"v{VERSION}-{time.time_ns()}-{secrets.token_hex(4)}"
        folder = self.path(name)
        folder.mkdir()
        return name, register(tantivy.Index(schema(), str(folder), reuse=False))

    def make_current(self, name: str) -> None:
        """Name ``name`` in ``CURRENT``, atomically."""
        staged = self.root / f".{CURRENT}.{secrets.token_hex(4)}"
        staged.write_text(name)
        with open(staged, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(staged, self.root / CURRENT)

    def others(self, keep: set[str]) -> list[str]:
        """The generations (of any version) other than ``keep``."""
        try:
            entries = list(self.root.iterdir())
        except OSError:
            return []
        return sorted(p.name for p in entries if p.is_dir() and p.name not in keep)

    def remove(self, name: str) -> None:
        shutil.rmtree(self.path(name), ignore_errors=True)
