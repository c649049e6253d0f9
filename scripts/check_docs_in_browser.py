"""Open the built documentation in headless Chromium: a screenshot of every top-level page at 1,280
and 800 pixels wide (each must render: a title, the navigation and its body, nothing left of raw
markup, no sidebar without links), and the search page must find a function. Exits non-zero with what failed.

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
         "guide/estimators", "guide/performance", "guide/design", "api", "api/generated/portable_dnn.train",
         "api/generated/portable_dnn.DeepNeuralNetworkRegressor"]
#: What the search for a function must list.
SEARCH = ("gradient_check_n", "portable_dnn.gradient_check_n")


#: The window widths of the screenshots: a laptop's, and a narrow window's.
WIDTHS = (1280, 800)


def _has_section_links(dom: str) -> bool:
    """Whether the primary sidebar's section navigation lists any page."""
    navigation = dom.split('aria-label="Section Navigation"', 1)[1].split("</nav>", 1)[0]
    return "<a " in navigation


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
        if "bd-header" not in dom or "<h1" not in dom or "```" in dom or "{code-cell}" in dom:
            problems.append(f"{page}: did not render as a page of the site")
        if 'aria-label="Section Navigation"' in dom and "bd-links__title" in dom and not _has_section_links(dom):
            problems.append(f"{page}: an empty 'Section Navigation' sidebar")
        for width in WIDTHS:
            shot = shots / f"{page.replace('/', '_')}-{width}.png"
            run(browser, f"--screenshot={shot}", f"--window-size={width},1600", url)
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
