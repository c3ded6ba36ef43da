"""Statistics gathered while streaming, in compact arrays rather than kept examples.

Memory per example: 4 bytes of tokens + 4 of line + 8 of offset + 8 + 4 for the duplicate hash + 8
for the system prompt's hash (36 bytes: 1.8 MB for 50,000 examples), plus a fixed top-k of the
longest examples. Collectors of several byte ranges merge in file order (merge()).
"""
from __future__ import annotations

import heapq
from array import array
from collections import Counter

import numpy as np

TOP_K = 10


class StatsCollector:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.tokens = array("I")
        self.lines = array("I")
        self.offsets = array("Q")
        self.hashes = array("q")
        self.hash_lines = array("I")
        self.system_hashes = array("q")  # per counted example, quality.NO_SYSTEM when it has none
        self.messages_per_example: Counter[int] = Counter()
        self.roles: Counter[str] = Counter()
        self._longest: list[tuple[int, int]] = []  # min-heap of (tokens, -line)
        self.tokens_total = 0
        self.trained_total = 0
        self.billed_per_epoch = 0
        self.over_limit = 0

    def add_hash(self, digest: int, line: int) -> None:
        self.hashes.append(digest)
        self.hash_lines.append(line)

    def add(self, line: int, offset: int, roles: list[str], total: int, trained: int, system: int = 0) -> None:
        self.system_hashes.append(system)
        self.tokens.append(min(total, 0xFFFFFFFF))
        self.lines.append(line)
        self.offsets.append(offset)
        self.messages_per_example[len(roles)] += 1
        self.roles.update(roles)
        self.tokens_total += total
        self.trained_total += trained
        self.billed_per_epoch += min(self.limit, total)  # longer examples are truncated, not billed
        if total > self.limit:
            self.over_limit += 1
        item = (total, -line)  # ties: the earlier line wins
        if len(self._longest) < TOP_K:
            heapq.heappush(self._longest, item)
        elif item > self._longest[0]:
            heapq.heapreplace(self._longest, item)

    def merge(self, other: "StatsCollector") -> None:
        """Append the statistics of the next byte range (file order is kept)."""
        for name in ("tokens", "lines", "offsets", "hashes", "hash_lines", "system_hashes"):
            getattr(self, name).extend(getattr(other, name))
        self.messages_per_example.update(other.messages_per_example)
        self.roles.update(other.roles)
        self.tokens_total += other.tokens_total
        self.trained_total += other.trained_total
        self.billed_per_epoch += other.billed_per_epoch
        self.over_limit += other.over_limit
        for item in other._longest:
            if len(self._longest) < TOP_K:
                heapq.heappush(self._longest, item)
            elif item > self._longest[0]:
                heapq.heapreplace(self._longest, item)

    def longest(self) -> list[tuple[int, int]]:
        """(tokens, line), longest first."""
        return [(tokens, -neg) for tokens, neg in sorted(self._longest, reverse=True)]

    def duplicate_groups(self) -> list[list[int]]:
        """Lines whose examples are identical (same JSON after sorting keys), in file order; groups
        sorted by their first line."""
        if len(self.hashes) < 2:
            return []
        hashes = np.frombuffer(self.hashes, dtype=np.int64)
        lines = np.frombuffer(self.hash_lines, dtype=np.uint32)
        order = np.argsort(hashes, kind="stable")  # stable: equal hashes keep file order
        sorted_hashes = hashes[order]
        same_as_next = sorted_hashes[1:] == sorted_hashes[:-1]
        if not same_as_next.any():
            return []
        groups: list[list[int]] = []
        start = None
        for i, same in enumerate(same_as_next):
            if same and start is None:
                start = i
            elif not same and start is not None:
                groups.append([int(x) for x in lines[order[start:i + 1]]])
                start = None
        if start is not None:
            groups.append([int(x) for x in lines[order[start:]]])
        groups.sort(key=lambda group: group[0])
        return groups
