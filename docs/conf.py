"""Sphinx configuration: the pydata theme (as NumPy, SciPy and scikit-learn), MyST Markdown pages,
tutorials executed at build time by MyST-NB, and the API reference from the docstrings (autodoc and
autosummary; NumPy-style sections through napoleon). Nitpicky: every cross-reference must resolve."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from _generate import write_cli_reference  # noqa: E402

import portable_dnn  # noqa: E402

project = "portable_dnn"
author = "The portable_dnn developers"
copyright = "2026, The portable_dnn developers"
release = version = portable_dnn.__version__

extensions = [
    "myst_nb",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.napoleon",
    "sphinx.ext.mathjax",
]
source_suffix = {".rst": "restructuredtext", ".md": "myst-nb"}  # autosummary writes its stubs in the first
exclude_patterns = ["_build", "jupyter_execute", "**.ipynb_checkpoints"]
myst_enable_extensions = ["colon_fence", "dollarmath"]
myst_heading_anchors = 3

# Tutorials run at build time, their outputs and figures in the pages; an error fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_timeout = 300
nb_execution_in_temp = True  # what a tutorial writes (a CSV, a model) stays out of the sources
nb_merge_streams = True

autosummary_generate = True
autodoc_typehints = "none"  # the docstrings say the shapes and kinds, with the course's names
autodoc_member_order = "bysource"
autodoc_default_options = {"members": True, "undoc-members": False, "inherited-members": True,
                           "exclude-members": "count, index"}
napoleon_numpy_docstring = True
napoleon_google_docstring = False
napoleon_use_param = False  # types as text: "int or None, default 200" is no cross-reference
nitpicky = True
nitpick_ignore_regex = [
    # Standard-library and third-party names the docstrings mention (no inventories are fetched).
    ("py:class", r"(numpy|cupy|torch|jax|dask|sklearn|array_api_strict)\..*"),
    ("py:.*", r"(Array|ModuleType|Any|Callable|Sequence|Mapping|Iterator|Path|PathLike)"),
    # "array": an array of any array API library (the docstrings' word for it), with its shape.
    ("py:class", r"array( \(.*\))?"),
]

html_theme = "pydata_sphinx_theme"
html_title = f"portable_dnn {version}"
html_static_path = ["_static"]
html_css_files = ["wrap.css"]
templates_path = ["_templates"]
html_theme_options = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
}
# The section navigation, but none on the top-level pages that have no section under them (it would
# be an empty sidebar there).
html_sidebars = {"**": ["sidebar-nav-bs"], "index": [], "getting-started": []}

write_cli_reference(Path(__file__).resolve().parent / "guide" / "cli-reference.md")
