"""Which models run: the one owner of the model choice (Qt-free).

:class:`ModelSelection` holds the ready models in a stable order — shipped models first in a fixed
order (V1, then V2, then any other shipped file by name), then the user's models in the order they
were first listed (remembered across restarts) — so the keys 1..9 keep their meaning whatever
loads first, whatever ``--model`` adds and whatever was chosen last. It also holds model A, model
B, compare on/off and its layout, the files wanted but not yet loaded, and the fallback after a
model fails. The window's widgets and the :class:`~featherface_app.core.pipeline.FrameProcessor`
subscribe; each change hands every subscriber one frozen :class:`SelectionSnapshot`.

One thread (the GUI's) calls it; subscribers run synchronously inside the call that changed it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

log = logging.getLogger(__name__)

#: shipped model files in the order of their keys (1, 2, …); other shipped files follow by name.
SHIPPED_ORDER = ("featherface_v1_cbam.onnx", "featherface_v2_eca.onnx")
#: user models rank after every shipped one.
USER_RANK = 1000


@dataclass(frozen=True)
class SelectionSnapshot:
    """The choice at one moment: ``names`` in key order, ``active`` (A), ``second`` (B, also
    kept while compare is off), ``compare``, ``layout``, and how many files are still loading."""

    names: tuple[str, ...]
    active: str | None
    second: str | None
    compare: bool
    layout: str
    loading: int

    @property
    def running_second(self) -> str | None:
        """Model B when compare is on and B is another ready model, else None."""
        return self.second if self.compare and self.second in self.names and self.second != self.active else None


@dataclass
class _Entry:
    path: Path
    rank: tuple[int, str]
    name: str | None = None
    variant: str = ""
    remembered: bool = False


def _key(path: Path) -> str:
    try:
        return str(path.resolve())
    except OSError:
        return str(path.absolute())


@dataclass
class ModelSelection:
    """The model choice; see the module docstring. ``wanted_a`` / ``wanted_b``: a resolved path,
    or a model name / variant / file name, to make A / B once it has loaded."""

    shipped_dir: Path | None = None
    wanted_a: str | None = None
    wanted_b: str | None = None
    compare: bool = False
    layout: str = "side-by-side"
    _entries: dict[str, _Entry] = field(default_factory=dict)
    _active: str | None = None
    _second: str | None = None
    _subscribers: list[Callable[[SelectionSnapshot], None]] = field(default_factory=list)
    _user_count: int = 0

    # -- subscribers ------------------------------------------------------------------------
    def subscribe(self, callback: Callable[[SelectionSnapshot], None]) -> None:
        """Call ``callback(snapshot)`` now and after every change."""
        self._subscribers.append(callback)
        callback(self.snapshot())

    def _changed(self) -> None:
        snapshot = self.snapshot()
        for callback in list(self._subscribers):
            callback(snapshot)

    # -- the list ---------------------------------------------------------------------------
    def _rank(self, path: Path) -> tuple[int, str]:
        shipped = self.shipped_dir is not None and _key(path.parent) == _key(self.shipped_dir)
        if shipped:
            order = SHIPPED_ORDER.index(path.name) if path.name in SHIPPED_ORDER else len(SHIPPED_ORDER)
            return order, path.name.lower()
        self._user_count += 1
        return USER_RANK + self._user_count, ""

    def expect(self, path: Path | str, remember: bool = False) -> bool:
        """List ``path`` (loading); False when it was listed already. ``remember``: list it again
        on the next start (a model the user opened)."""
        path = Path(path)
        entry = self._entries.get(_key(path))
        if entry is not None:
            entry.remembered |= remember
            return False
        self._entries[_key(path)] = _Entry(path, self._rank(path), remembered=remember)
        self._changed()
        return True

    def loaded(self, path: Path | str, name: str, variant: str = "") -> None:
        """``path`` is ready under the display ``name``; it becomes A or B if it was wanted."""
        entry = self._entries.get(_key(Path(path)))
        if entry is None:  # forgotten while it loaded
            return
        entry.name, entry.variant = name, variant
        if self._matches(entry, self.wanted_a):
            self._active, self.wanted_a = name, None
        elif self._matches(entry, self.wanted_b):
            self._second, self.wanted_b = name, None
        self._changed()

    def load_failed(self, path: Path | str) -> None:
        """``path`` cannot be used: drop it from the list and from the remembered files."""
        if self._entries.pop(_key(Path(path)), None) is not None:
            self._changed()

    @staticmethod
    def _matches(entry: _Entry, wanted: str | None) -> bool:
        if not wanted:
            return False
        if _key(entry.path) == wanted:
            return True
        return wanted in (entry.name, entry.variant, entry.path.stem, entry.path.name)

    def _ready(self) -> list[_Entry]:
        return sorted((e for e in self._entries.values() if e.name is not None), key=lambda e: e.rank)

    def names(self) -> list[str]:
        """Ready models in key order (key 1 is the first)."""
        return [e.name for e in self._ready() if e.name is not None]

    def path_of(self, name: str | None) -> Path | None:
        return next((e.path for e in self._entries.values() if name is not None and e.name == name), None)

    @property
    def loading(self) -> int:
        return sum(1 for e in self._entries.values() if e.name is None)

    # -- the choice -------------------------------------------------------------------------
    def snapshot(self) -> SelectionSnapshot:
        names = self.names()
        active = self._active if self._active in names else (names[0] if names else None)
        others = [n for n in names if n != active]
        second = self._second if self._second in others else (others[0] if others else None)
        return SelectionSnapshot(tuple(names), active, second, self.compare, self.layout, self.loading)

    def _settle(self) -> None:
        """Keep the fallbacks the snapshot shows, so later arrivals do not move A or B."""
        snapshot = self.snapshot()
        self._active, self._second = snapshot.active, snapshot.second

    def choose_a(self, name: str) -> bool:
        """Make ``name`` model A (B takes the old A if ``name`` was B); False if it is not ready."""
        if name not in self.names():
            return False
        self._settle()
        if name == self._second:
            self._second = self._active
        self._active = name
        self.wanted_a = None
        self._changed()
        return True

    def choose_b(self, name: str) -> bool:
        """Make ``name`` model B (A and B swap if ``name`` was A); False if it is not ready."""
        if name not in self.names():
            return False
        self._settle()
        if name == self._active:
            self._active, self._second = self._second, name
        else:
            self._second = name
        self.wanted_b = None
        self._changed()
        return True

    def choose_slot(self, slot: int) -> str | None:
        """Key ``slot + 1``: make that model A; its name, or None when there is no such model."""
        names = self.names()
        if not 0 <= slot < len(names):
            return None
        self.choose_a(names[slot])
        return names[slot]

    def can_compare(self) -> bool:
        return len(self.names()) >= 2 or self.loading > 0

    def set_compare(self, on: bool, layout: str | None = None) -> None:
        self.compare = on
        self.layout = layout or self.layout
        self._changed()

    def model_failed(self, name: str, fallback: str | None) -> None:
        """A model failed while running: B failing turns compare off; A failing hands A to
        ``fallback`` (the last model that worked), as the processor already did."""
        snapshot = self.snapshot()
        if name == snapshot.running_second:
            self.compare = False
        elif name == snapshot.active and fallback is not None and fallback in snapshot.names:
            self._settle()
            if fallback == self._second:
                self._second = name
            self._active = fallback
        self._changed()

    # -- what is remembered -----------------------------------------------------------------
    def remembered_files(self) -> list[str]:
        """Files the user opened that are listed (in key order): what to load on the next start."""
        return [str(e.path) for e in sorted(self._entries.values(), key=lambda e: e.rank) if e.remembered]

    def chosen_files(self) -> tuple[str, str]:
        """The files of A and B ('' when none), to make them A and B again on the next start."""
        snapshot = self.snapshot()
        a, b = self.path_of(snapshot.active), self.path_of(snapshot.second)
        return (str(a) if a else "", str(b) if b else "")
