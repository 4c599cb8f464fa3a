"""What an import did: samples added per label, records skipped per reason, records left over the limit."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class ImportReport:
    """What an import did.

    Attributes:
        added: {label: number of samples added}.
        skipped: (name, reason) for every file, line or image left out.
        sample_ids: ids of the samples added, in order.
        skip_kinds: {kind: count} of `skipped`, by the kinds of `model.collection.import_checks` ("bad label", ...).
        left_out: {label: records not imported because the label had reached `limit`}.
        limit: the per-label limit the import ran with (None: none).
        stopped: why the import stopped before the end (a full or read-only disk), else "".
        into: the name of the task imported into, for the summary ("" leaves it out).
    """

    added: dict[str, int] = field(default_factory=dict)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    sample_ids: list[str] = field(default_factory=list)
    skip_kinds: dict[str, int] = field(default_factory=dict)
    left_out: dict[str, int] = field(default_factory=dict)
    limit: int | None = None
    stopped: str = ""
    into: str = ""

    @property
    def total(self) -> int:
        return sum(self.added.values())

    def skip(self, name: str, kind: str, reason: str) -> None:
        """Records a skipped record: its name, its kind (for the counts) and the reason, in words."""
        self.skipped.append((name, reason))
        self.skip_kinds[kind] = self.skip_kinds.get(kind, 0) + 1

    def merge(self, other: ImportReport) -> None:
        """Adds another import's report to this one (several files imported at once)."""
        for mine, theirs in ((self.added, other.added), (self.skip_kinds, other.skip_kinds),
                             (self.left_out, other.left_out)):
            for key, count in theirs.items():
                mine[key] = mine.get(key, 0) + count
        self.skipped += other.skipped
        self.sample_ids += other.sample_ids
        self.limit = other.limit if other.limit is not None else self.limit
        self.stopped = self.stopped or other.stopped
        self.into = self.into or other.into

    def summary(self) -> str:
        """Returns a few sentences for the user: what was added, what was left over the limit and why, what was
        skipped (counts per reason, then the first names) and why the import stopped early, if it did."""
        text = f"Imported {describe_added(self.added)}{f' into {self.into}' if self.into else ''}."
        if self.left_out:
            found = ", ".join(f"{self.added.get(label, 0):,} of {self.added.get(label, 0) + count:,} {label}"
                              for label, count in self.left_out.items())
            text += (f" Imported only {found}: the limit is {self.limit:,} per label; raise the limit to import "
                     "the rest.")
        if self.skipped:
            kinds = ", ".join(f"{count:,} {kind}" for kind, count in self.skip_kinds.items())
            names = ", ".join(name for name, _ in self.skipped[:5])
            more = f" and {len(self.skipped) - 5:,} more" if len(self.skipped) > 5 else ""
            text += f" Skipped {len(self.skipped):,} ({kinds}): {names}{more}."
        if self.stopped:
            text += f" Stopped early: {self.stopped}"
        return text

    def details(self, most: int = 200) -> str:
        """Returns the full account: counts per reason, then each skipped record and its reason (the first `most`)."""
        lines = [f"{count:,} skipped: {kind}" for kind, count in self.skip_kinds.items()]
        lines += [f"{count:,} {label} left out over the limit of {self.limit:,}"
                  for label, count in self.left_out.items()]
        lines += [""] if lines else []
        lines += [f"{name}: {reason}" for name, reason in self.skipped[:most]]
        if len(self.skipped) > most:
            lines.append(f"... and {len(self.skipped) - most:,} more.")
        return "\n".join(lines).strip()


def describe_added(added: dict) -> str:
    """Says what an import added: "5 drawings of 'circle'", "1,200 drawings of 'circle', 300 of 'square'", "nothing"."""
    if not added:
        return "nothing"
    (label, count), *others = added.items()
    first = f"{count:,} drawing{'' if count == 1 else 's'} of '{label}'"
    return ", ".join([first] + [f"{count:,} of '{label}'" for label, count in others])
