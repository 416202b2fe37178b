"""Run axe-core, from the vendored copy, on the page a Playwright test is looking at."""
from __future__ import annotations

# Loaded from the app's own static files: the Content-Security-Policy refuses an inlined copy.
AXE_URL = "/static/vendor/axe-core-4.11.0.min.js"


def axe_violations(page) -> list[str]:
    """Each violation as 'rule: help (selectors)'; empty when the page passes."""
    # A click that navigates returns before the next page is there; check the page that arrives.
    page.wait_for_load_state("load")
    page.add_script_tag(url=AXE_URL)
    result = page.evaluate("axe.run()")
    return [
        f"{v['id']}: {v['help']} ({', '.join(str(n['target']) for n in v['nodes'][:3])})"
        for v in result["violations"]
    ]
