from collections.abc import Sequence
from typing import Any

def read_tokens(
    memo: dict[int, tuple[int, int, int]], columns: Any
) -> tuple[list[int], list[int], tuple[tuple[int, ...], tuple[int, ...], tuple[int, ...]] | None, int]: ...
def positions(flags: Sequence[int], bit: int) -> list[int]: ...
