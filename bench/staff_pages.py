"""How long the staff's heavier pages take on the demo data set, in process.

Loads the demo data set (`flask seed-demo`: 433 matches holding some 13,000 check-ins, 261 event
answers) into a throwaway SQLite file, logs the coordinator in, and requests each page several
times through the app, printing the median. The pages are those that read every match or every
check-in of a county: the reports page and its spreadsheet, the volunteer-hours report and its
spreadsheet, and the open matches. It asserts nothing.

    .venv/bin/python bench/staff_pages.py [--repeat 9]
"""
from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from mentormatch import create_app  # noqa: E402
from mentormatch.demo import DEMO_PASSWORD  # noqa: E402
from mentormatch.extensions import db  # noqa: E402

PAGES = ["/reports/", "/reports/matches.csv", "/events/hours/report", "/events/hours/report.csv", "/matches/"]
COORDINATOR = "coordinator@demo.example.org"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=9)
    args = parser.parse_args()

    folder = Path(tempfile.mkdtemp(prefix="mentormatch-staff-pages-"))
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{folder / 'demo.db'}",
                      "MAIL_SERVER": ""})
    with app.app_context():
        db.create_all()
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        if result.exit_code != 0:
            sys.exit(result.output)
        client = app.test_client()
        page = client.get("/account/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = client.post("/account/login", data={"csrf_token": token, "email": COORDINATOR,
                                                     "password": DEMO_PASSWORD})
        if answer.status_code != 302:
            sys.exit("the demo coordinator could not log in")
        print(f"demo data set, SQLite, median of {args.repeat} requests after one to warm up:")
        for path in PAGES:
            times = []
            for n in range(args.repeat + 1):
                started = time.perf_counter()
                response = client.get(path)
                size = len(response.get_data())
                if n:
                    times.append(time.perf_counter() - started)
                if response.status_code != 200:
                    sys.exit(f"{path} answered {response.status_code}")
            print(f"  {path:<28} {statistics.median(times) * 1000:8.1f} ms  ({size:,} bytes)")


if __name__ == "__main__":
    main()
