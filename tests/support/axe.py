"""Run axe-core, from the vendored copy, on the page a Playwright test is looking at."""
from __future__ import annotations

from mentormatch import ROOT
from mentormatch.static_files import digest

# Loaded from the app's own static files: the Content-Security-Policy refuses an inlined copy.
# Under the link naming its content, as the app's own scripts are, so the browser keeps it.
AXE_FILE = "vendor/axe-core-4.11.0.min.js"
AXE_URL = f"/static/{AXE_FILE}?v={digest(str(ROOT / 'static'), AXE_FILE)}"


def axe_violations(page) -> list[str]:
    """Each violation as 'rule: help (selectors)'; empty when the page passes."""
    # A click that navigates returns before the next page is there; check the page that arrives.
    page.wait_for_load_state("load")
    page.add_script_tag(url=AXE_URL)
    # Every rule runs; only violations are gathered in full and sent back (axe's `resultTypes`),
    # not the thousands of passing nodes a page has.
    violations = page.evaluate("axe.run({resultTypes: ['violations']}).then(result => result.violations)")
    return [
        f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
        for v in violations
    ]
