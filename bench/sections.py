"""Each benchmark leg owns one section of bench/RESULTS.md.

A section lies between `<!-- bench:NAME -->` and `<!-- /bench:NAME -->`; a leg
replaces its own section and leaves the others as they are. A section not in
the file yet is appended at its end.
"""

from pathlib import Path


def put_section(path: Path, name: str, text: str) -> None:
    begin, end = f"<!-- bench:{name} -->", f"<!-- /bench:{name} -->"
    block = f"{begin}\n{text.strip()}\n{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(begin)
    stop = old.find(end, start + len(begin)) if start >= 0 else -1
    if start >= 0 and stop >= 0:
        new = old[:start] + block + old[stop + len(end):].lstrip("\n")
    else:
        new = (old.rstrip("\n") + "\n\n" if old.strip() else "") + block
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(new, encoding="utf-8")
