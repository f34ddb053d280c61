"""The README's two commands are exactly what CI runs."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_ci_runs_the_readme_commands():
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```bash\n(.*?)```", readme.split("## A tour")[0], flags=re.S)
    commands = [line for block in blocks for line in block.strip().splitlines()]
    assert len(commands) == 2, commands
    ci = [line for line in (ROOT / ".ci" / "run").read_text().splitlines()
          if line and not line.startswith("#") and not line.startswith(("set ", "cd "))]
    assert ci == commands


def test_code_cites_sections_of_the_semantics_doc_that_exist():
    """The code cites the project's own docs/semantics.md by section (there is no SPEC file in the repository),
    and every section it cites is a heading there."""
    headings = set(re.findall(r"^## (\d+)\. ", (ROOT / "docs" / "semantics.md").read_text(), flags=re.M))
    cited, spec = [], []
    for folder in ("graphmax", "benchmarks", "tests", "examples"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            text = path.read_text(encoding="utf-8")
            rel = path.relative_to(ROOT)
            spec += [f"{rel}: {m}" for m in re.findall(r"SPEC (?:section|§) ?\d+", text)]
            cited += [(rel, n) for m in re.findall(r"semantics\.md (§\d+(?:-§\d+)?)", text)
                      for n in re.findall(r"\d+", m)]
    assert spec == [], "cite docs/semantics.md §N, not SPEC"
    assert cited, "no citation found: the pattern is stale"
    assert [(str(rel), n) for rel, n in cited if n not in headings] == []
