"""Screenshots of the main pages for the docs, taken with Debian's chromium against a running demo.

    make demo            # in one terminal (or: DATA_DIR=... PORT=... python manage.py serve on demo data)
    python -m web.screenshots --base http://127.0.0.1:8000
    python -m web.screenshots --only challenge   # just the challenge page

Sign-ins come from DATA_DIR/demo-logins.json, which `make demo` writes. The PNGs land in
docs/screenshots/ at 1280x800 (one board at phone size), so rerunning refreshes the docs.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage", "--hide-scrollbars"]


def _sign_in(page, username: str, password: str) -> None:
    page.goto("/login")
    page.get_by_label("Your id (email)").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/")


def _shrink(path: Path) -> None:
    """A palette of 96 colours keeps text and badges crisp at a fraction of the bytes."""
    from PIL import Image

    with Image.open(path) as image:
        small = image.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
    small.save(path, optimize=True)


def write(page, text: str) -> None:
    """Replace the rule editor's whole text, as a person would: select all, then type (insert) the new one."""
    page.locator(".cm-content").click()
    page.keyboard.press("Control+A")
    page.keyboard.insert_text(text)


def challenge(page, shot) -> None:
    """A running challenge of the demo (it seeds one running and one ended): goal, progress, standings."""
    page.goto("/challenges")
    running = page.locator("#group-running ~ .cards a, section:has(#group-running) .cards h3 a").first
    running.click()
    shot(page, "challenge")


def take(base: str, logins: dict[str, str], out: Path, chromium: str, only: str | None = None) -> list[Path]:
    from playwright.sync_api import sync_playwright

    out.mkdir(parents=True, exist_ok=True)
    employee = [u for u in logins if u != "admin"][1 if len(logins) > 2 else 0]
    shots = []

    def shot(page, name: str, **options):
        path = out / f"{name}.png"
        page.wait_for_load_state("networkidle")
        page.screenshot(path=str(path), **options)
        _shrink(path)
        shots.append(path)

    with sync_playwright() as playwright, tempfile.TemporaryDirectory() as profile:
        context = playwright.chromium.launch_persistent_context(
            profile, executable_path=chromium, headless=True, args=CHROMIUM_ARGS, base_url=base,
            viewport={"width": 1280, "height": 800})
        page = context.pages[0] if context.pages else context.new_page()
        _sign_in(page, employee, logins[employee])
        if only == "challenge":
            challenge(page, shot)
            context.close()
            return shots
        shot(page, "home")
        page.goto("/boards/weekly")
        shot(page, "board")
        page.evaluate("document.querySelector('#histogram-h').scrollIntoView(); window.scrollBy(0, -16)")
        shot(page, "board-spread")
        page.goto("/me")
        shot(page, "profile")
        page.evaluate("document.querySelector('#wall-h').scrollIntoView()")
        shot(page, "badge-wall")
        page.evaluate("document.querySelector('#progress-h').scrollIntoView(); window.scrollBy(0, -16)")
        shot(page, "points-over-time")
        page.goto("/me/history")
        shot(page, "history")
        page.goto("/me/preferences")
        shot(page, "preferences")
        page.goto("/me")
        held = page.locator(".wall .badge.earned a").first
        if held.count():
            held.click()
            shot(page, "badge")
        # Two colleagues from the all-time board, typed into the give form by name.
        page.goto("/boards/all-time")
        me = page.evaluate("document.querySelector('.who')?.textContent || ''")
        names = [n for n in page.locator("table a[href^='/people/']").all_inner_texts() if n and n not in me][:2]
        page.goto("/")
        give = page.locator("section.give")
        if give.count():  # kudos are on in the demo's ruleset; the form is filled, not sent
            assert names, "the all-time board lists no colleague"
            give.locator("input[name=to]").fill(", ".join(names))
            page.get_by_label("What do you thank them for?").fill(
                "Thanks for pairing on the pandas workshop notebook, the groupby section finally makes sense")
            page.locator("section.give input[name=values]").first.check()
            page.evaluate("document.querySelector('section.give').scrollIntoView(); window.scrollBy(0, -16)")
            shot(page, "give-kudos")
            page.goto("/kudos")
            shot(page, "kudos-feed")
        challenge(page, shot)
        page.set_viewport_size({"width": 390, "height": 800})
        page.goto("/boards/weekly")
        shot(page, "board-phone")
        page.set_viewport_size({"width": 1280, "height": 800})
        page.get_by_role("button", name="Sign out").click()

        _sign_in(page, "admin", logins["admin"])
        page.goto("/admin-area/rules")
        text = page.locator(".editor textarea").input_value()
        # The text box is enhanced into the CodeMirror editor, which keeps the text box posting what is typed.
        write(page, text.replace("points: 10}", "points: ten}", 1))
        page.get_by_role("button", name="Check").click()
        page.locator(".cm-gutterElement.bad").first.scroll_into_view_if_needed()
        shot(page, "workbench-error")
        write(page, text.replace("points: 10}", "points: 15}", 1))
        page.keyboard.press("Control+End")
        page.keyboard.type("\npriv")
        page.locator(".cm-tooltip-autocomplete").wait_for()
        shot(page, "workbench-complete")
        page.keyboard.press("Escape")
        write(page, text.replace("points: 10}", "points: 15}", 1))
        page.get_by_role("button", name="Simulate").click()
        page.locator(".simulation").wait_for(timeout=120_000)
        page.evaluate("window.scrollTo(0, 0)")
        shot(page, "workbench-simulation")
        page.goto("/admin-area/keys")
        shot(page, "api-keys")
        page.goto(f"/admin-area/people/badges?person={employee}")
        shot(page, "manage-badges")
        page.goto("/admin-area/channels")
        shot(page, "channels")
        page.goto("/admin-area/templates/slack/badge_awarded")
        editor = page.get_by_label("Template")
        editor.fill(":trophy: *{{ person.name }}* earned {{ badge.name }}, keep it up!\n{{ person.nmae }}")
        page.get_by_role("button", name="Preview").click()
        shot(page, "template-error")
        page.goto("/admin-area/templates/email/weekly_digest")
        shot(page, "template-email-preview")
        page.goto("/admin-area/outbox")
        shot(page, "outbox")
        first = page.locator("table.outbox tbody a").first
        if first.count():
            first.click()
            shot(page, "notification")
        page.goto("/admin-area/insights")
        shot(page, "insights")
        page.goto("/admin-area/insights?group=channel&interval=week")
        page.locator("#figures-h").scroll_into_view_if_needed()
        shot(page, "insights-figures")
        page.goto("/insights/report?level=program&program=data-academy")
        shot(page, "insights-report")
        context.close()
    return shots


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=f"http://127.0.0.1:{os.environ.get('PORT', '8000')}")
    parser.add_argument("--logins", default=str(Path(os.environ.get("DATA_DIR") or ROOT / "var") / "demo-logins.json"))
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--chromium", default=shutil.which("chromium") or "/usr/bin/chromium")
    parser.add_argument("--only", choices=["challenge"], help="take this picture only")
    args = parser.parse_args()
    logins = json.loads(Path(args.logins).read_text())
    for path in take(args.base, logins, Path(args.out), args.chromium, only=args.only):
        print(f"{path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}  {path.stat().st_size // 1024} KB")


if __name__ == "__main__":
    main()
