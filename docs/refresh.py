"""Refresh the documentation's stored reproduction: copy a reproduction's report.json and the
figures it names into docs/ (the study pages quote their claims, tables and figures).

    polislab reproduce --quick
    python docs/refresh.py reproduction
"""

import json
import shutil
import sys
from pathlib import Path

DOCS = Path(__file__).parent


def refresh(reproduction: Path) -> None:
    report = json.loads((reproduction / "report.json").read_text())
    if report["smoke"]:
        raise SystemExit("a --smoke report judges nothing: refresh from a --quick or full reproduction")
    figures = DOCS / "figures"
    shutil.rmtree(figures, ignore_errors=True)
    figures.mkdir()
    for study in report["studies"]:
        for entry in study["entries"]:
            for figure in entry["figures"]:
                shutil.copyfile(reproduction / figure["path"], figures / Path(figure["path"]).name)
    shutil.copyfile(reproduction / "report.json", DOCS / "data" / "report.json")


if __name__ == "__main__":
    refresh(Path(sys.argv[1] if len(sys.argv) > 1 else "reproduction"))
