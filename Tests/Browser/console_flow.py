"""Drives the operators' console in headless Chromium (Debian's), as an operator would.

Run by Tests/benefitTests/ConsoleBrowserTests.swift against a console, workers and a
run it started; exits 1, naming each problem, when a page throws a JavaScript error,
a request fails or answers 4xx/5xx, or what should happen on a page does not.

    CONSOLE_USER=NAME CONSOLE_PASSWORD=SECRET CONSOLE_VIEWER=NAME CONSOLE_VIEWER_PASSWORD=SECRET \
    python console_flow.py --url http://127.0.0.1:PORT --run RUN_ID --campaign NAME --member ID \
        --results RELIEF_RUN,CHECKUP_RUN --out FOLDER
"""
import argparse
import os
import shutil
import sys
import time

from playwright.sync_api import sync_playwright

VIEWPORTS = [(1280, 800), (390, 844)]


def watch_progress(page, run, ready_file, problems, timeout=90):
    """The run's progress bar advances on the overview while workers work, with no reload.

    The run waits for a worker when the page opens; `ready_file` tells the test the
    page shows it, and the test then starts the workers."""
    bar = page.locator(f'[data-run="{run}"] progress')
    bar.wait_for(timeout=timeout * 1000)
    first = float(bar.get_attribute("value") or 0)
    with open(ready_file, "w") as ready:
        ready.write("watching\n")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        now = float(bar.evaluate("element => element.value"))
        if now > first:
            return now
        page.wait_for_timeout(200)
    problems.append(f"run {run}: its progress bar stayed at {first}% for {timeout}s")
    return first


def sign_in(page, url, problems, user="CONSOLE_USER"):
    """Signs in through the login form; the overview follows."""
    page.goto(url + "/")
    if "/login" not in page.url:
        problems.append(f"a browser with no session was not sent to sign in (at {page.url})")
    page.fill('input[name="name"]', os.environ[user])
    page.fill('input[name="password"]', os.environ[user + "_PASSWORD" if user != "CONSOLE_USER" else "CONSOLE_PASSWORD"])
    page.click('button[type="submit"]')
    page.wait_for_url(url + "/")


def pause_and_audit(page, arguments, problems):
    """An operator pauses the campaign with a reason; the audit page shows who, what and why."""
    page.goto(f"{arguments.url}/campaigns/{arguments.campaign}")
    page.fill('form[action$="/pause"] input[name="reason"]', "预算复核 budget review")
    page.click('form[action$="/pause"] button')
    page.wait_for_selector(".badge.paused")
    page.goto(f"{arguments.url}/audit")
    row = page.locator("tr", has_text="campaign.pause").first
    text = row.inner_text() if row.count() else ""
    for expected in ["预算复核 budget review", os.environ["CONSOLE_USER"] + " (console)", arguments.campaign]:
        if expected not in text:
            problems.append(f"the audit page's pause row lacks {expected!r}: {text!r}")


def viewer_is_refused(browser, arguments, problems):
    """A viewer sees no action, and an action posted anyway is refused with 403."""
    context = browser.new_context(viewport={"width": 1280, "height": 800}, locale="zh-CN")
    page = context.new_page()
    sign_in(page, arguments.url, problems, user="CONSOLE_VIEWER")
    page.goto(f"{arguments.url}/campaigns/{arguments.campaign}")
    if page.locator("form.action").count() != 0:
        problems.append("a viewer was shown action forms")
    csrf = page.locator('input[name="csrf"]').first.get_attribute("value")
    answer = page.request.post(
        f"{arguments.url}/campaigns/{arguments.campaign}/resume", form={"csrf": csrf, "reason": "viewer"},
        headers={"Origin": arguments.url}, max_redirects=0)
    if answer.status != 403:
        problems.append(f"a viewer's resume answered {answer.status}, not 403")
    context.close()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--run", required=True, type=int)
    parser.add_argument("--campaign", required=True)
    parser.add_argument("--member", required=True)
    parser.add_argument("--results", required=True, help="a relief run and a checkup run, by id: RELIEF,CHECKUP")
    parser.add_argument("--out", required=True)
    arguments = parser.parse_args()
    problems = []
    closing = False

    def failed(request):
        # A live stream the page is leaving is cut by the browser, not a failure.
        if closing or ("/events/" in request.url and "ERR_ABORTED" in (request.failure or "")):
            return
        problems.append(f"request failed: {request.url}: {request.failure}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium", args=["--no-sandbox"])
        for index, (width, height) in enumerate(VIEWPORTS):
            context = browser.new_context(viewport={"width": width, "height": height}, locale="zh-CN")
            page = context.new_page()
            page.on("pageerror", lambda error: problems.append(f"javascript error: {error}"))
            page.on("console", lambda message: problems.append(f"console {message.type}: {message.text}")
                    if message.type == "error" else None)
            page.on("requestfailed", failed)
            page.on("response", lambda response: problems.append(f"{response.status} for {response.url}")
                    if response.status >= 400 else None)
            sign_in(page, arguments.url, problems)
            if page.locator("html").get_attribute("lang") != "zh-CN":
                problems.append("a browser asking for Chinese did not get the Chinese page")
            if index == 0:
                watch_progress(page, arguments.run, f"{arguments.out}/watching-run-{arguments.run}", problems)
                page.locator(".live.on").wait_for(timeout=10_000)
            page.screenshot(path=f"{arguments.out}/overview-{width}x{height}.png")
            if index == 0:
                pause_and_audit(page, arguments, problems)
            page.goto(f"{arguments.url}/runs/{arguments.run}")
            page.screenshot(path=f"{arguments.out}/run-{width}x{height}.png", full_page=True)
            relief, checkup = arguments.results.split(",")
            for name, run, figure in [("relief", relief, "figure.burndown"), ("checkup", checkup, "figure.heatmap")]:
                page.goto(f"{arguments.url}/runs/{run}")
                if page.locator(figure).count() != 1 or page.locator("figure.timeline").count() != 1:
                    problems.append(f"run {run}'s page does not draw its {figure} and its attempts")
                page.screenshot(path=f"{arguments.out}/{name}-{width}x{height}.png", full_page=True)
            page.goto(f"{arguments.url}/members/{arguments.member}")
            if page.locator("tr.entry-grant").count() == 0:
                problems.append(f"member {arguments.member}'s page shows no grant")
            page.screenshot(path=f"{arguments.out}/member-{width}x{height}.png", full_page=True)
            closing = True
            context.close()
            closing = False
        viewer_is_refused(browser, arguments, problems)
        browser.close()

    for problem in problems:
        print(problem)
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
