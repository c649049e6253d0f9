"""Open the built documentation in headless Chromium: a screenshot of every top-level page (each must
render: a title, the navigation and its body, nothing left of raw markup), and the search page must
find a function. Exits non-zero with what failed.

    python scripts/check_docs_in_browser.py docs/_build/html docs/_build/screenshots
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

PAGES = ["index", "getting-started", "tutorials/index", "guide/index", "tutorials/step-by-step", "tutorials/own-data",
         "tutorials/improving",
         "tutorials/regression", "tutorials/backends", "tutorials/dask", "guide/cli", "guide/cli-reference",
         "guide/estimators", "guide/performance", "guide/design", "api", "api/generated/portable_dnn.train"]
#: What the search for a function must list.
SEARCH = ("gradient_check_n", "portable_dnn.gradient_check_n")


def chromium() -> str:
    for name in ("chromium", "chromium-browser", "google-chrome"):
        if path := shutil.which(name):
            return path
    sys.exit("no Chromium found: apt-get install chromium (Debian's package)")


def run(browser: str, *arguments: str) -> str:
    command = [browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
               "--virtual-time-budget=10000", *arguments]
    result = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        sys.exit(f"chromium failed on {arguments[-1]}: {result.stderr[-500:]}")
    return result.stdout


def main() -> None:
    site, shots = Path(sys.argv[1]).resolve(), Path(sys.argv[2])
    shots.mkdir(parents=True, exist_ok=True)
    browser = chromium()
    problems = []
    for page in PAGES:
        url = (site / f"{page}.html").as_uri()
        dom = run(browser, "--dump-dom", url)
        if "bd-sidebar-primary" not in dom or "<h1" not in dom or "```" in dom or "{code-cell}" in dom:
            problems.append(f"{page}: did not render as a page of the site")
        shot = shots / f"{page.replace('/', '_')}.png"
        run(browser, f"--screenshot={shot}", "--window-size=1280,1600", url)
        print(f"{page}: {shot}")
    found = run(browser, "--dump-dom", (site / "search.html").as_uri() + f"?q={SEARCH[0]}")
    if SEARCH[1] not in found:
        problems.append(f"search: {SEARCH[0]!r} did not find {SEARCH[1]}")
    else:
        print(f"search: {SEARCH[0]!r} finds {SEARCH[1]}")
    run(browser, f"--screenshot={shots / 'search.png'}", "--window-size=1280,1000",
        (site / "search.html").as_uri() + f"?q={SEARCH[0]}")
    if problems:
        sys.exit("\n".join(problems))


if __name__ == "__main__":
    main()
