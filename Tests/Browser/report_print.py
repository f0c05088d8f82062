"""Opens an evaluation report (`benefit report campaign --format html`) in headless Chromium.

Run by Tests/benefitTests/ReportBrowserTests.swift. Takes a screenshot on screen
(1280 wide, the whole page) and one as printed (print media emulated, A4 width),
and saves the printed PDF; exits 1, naming each problem, when the page asks for
anything beyond its own file, runs a script, or lacks what a report must show.

    python report_print.py --report FILE.html --out FOLDER
"""
import argparse
import os
import shutil
import sys

from playwright.sync_api import sync_playwright


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--report", required=True)
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    problems = []
    url = "file://" + os.path.abspath(arguments.report)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, java_script_enabled=False)
        page.on("request", lambda request: request.url != url and problems.append(f"the report asked for {request.url}"))
        page.goto(url)
        for heading in ["Coverage", "Money", "Runs", "Compared with"]:
            if page.locator("h2", has_text=heading).count() == 0:
                problems.append(f"no heading {heading!r}")
        if page.locator("svg rect").count() == 0:
            problems.append("no chart was drawn")
        page.screenshot(path=os.path.join(arguments.out, "report-screen.png"), full_page=True)
        page.emulate_media(media="print")
        page.set_viewport_size({"width": 794, "height": 1123})
        page.screenshot(path=os.path.join(arguments.out, "report-print.png"), full_page=True)
        page.pdf(path=os.path.join(arguments.out, "report.pdf"), format="A4")
        browser.close()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
