"""One student in Chromium (``--client browser``): a browser context per student, one
Chromium (Playwright). Its latency (upload -> result on screen) includes Chromium rendering
the page on the same cores as the server."""

from __future__ import annotations

import asyncio
import shutil
import time

from core.i18n import t

from .scenarios import new_stats

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu",
                 "--disable-background-networking"]
MAIN = '[data-testid="stMain"]'


async def script_state(pg) -> tuple:
    return tuple(await pg.evaluate(
        "(() => { const a = document.querySelector('[data-testid=stApp]');"
        " return a ? [a.getAttribute('data-test-script-state'),"
        " a.getAttribute('data-test-connection-state')] : [null, null]; })()"))


async def wait_idle(pg, timeout: float = 120, expect_run: float = 2.0) -> float:
    """Wait for the run to end (then 0.3 s of calm); returns when it ended (monotonic)."""
    start = time.monotonic()
    while time.monotonic() - start < expect_run and (await script_state(pg))[0] != "running":
        await asyncio.sleep(0.03)
    quiet = None
    while True:
        state, conn = await script_state(pg)
        now = time.monotonic()
        if state == "notRunning" and conn == "CONNECTED":
            quiet = quiet or now
            if now - quiet >= 0.3:
                return quiet
        else:
            quiet = None
        if now - start > timeout:
            raise TimeoutError(f"still {state}/{conn} after {timeout} s")
        await asyncio.sleep(0.05)


async def check_no_exception(pg, where: str) -> None:
    if await pg.locator('[data-testid="stException"]').count():
        raise RuntimeError(f"{where}: exception box on screen")


async def student(i: int, browser, url: str, photo: tuple[str, bytes], train: bool,
                  args, stats: dict) -> None:
    ctx = await browser.new_context(viewport={"width": 1280, "height": 800})
    pg = await ctx.new_page()
    pg.set_default_timeout(120_000)
    try:
        await pg.goto(f"{url}/colorize?lang=fr")
        await wait_idle(pg)
        await check_no_exception(pg, "open")
        await pg.locator(f'{MAIN} [data-testid="stRadio"] label').filter(
            has_text=t("colorize.source_upload", "fr")).first.click()
        await wait_idle(pg)
        name, data = photo
        t0 = time.monotonic()
        await pg.locator(f'{MAIN} [data-testid="stFileUploaderDropzoneInput"]').first \
            .set_input_files({"name": name, "mimeType": "image/jpeg", "buffer": data})
        stats["colorize"].append(await wait_idle(pg, expect_run=5) - t0)
        await check_no_exception(pg, "colorize")
        sliders = pg.locator(f'{MAIN} [data-testid="stSlider"] input[type="range"]')
        control = sliders.nth(1) if await sliders.count() > 1 else sliders.first
        for k in range(args.controls):
            await control.focus()
            t0 = time.monotonic()
            await control.press("ArrowLeft" if k % 2 else "ArrowRight")
            stats["control"].append(await wait_idle(pg, expect_run=3) - t0)
            await check_no_exception(pg, "control")
        if train:
            await pg.goto(f"{url}/train?lang=fr")
            await wait_idle(pg)
            await pg.locator(f"{MAIN} button").filter(
                has_text=t("train.start", "fr")).first.click()
            await asyncio.sleep(args.train_seconds)
            await check_no_exception(pg, "train")
            metric = pg.locator(f'{MAIN} [data-testid="stMetric"]').filter(
                has_text=t("train.m_steps", "fr")).first
            steps = int((await metric.locator('[data-testid="stMetricValue"]')
                         .inner_text()).strip())
            stats["train_steps"].append(steps)
            await pg.locator(f"{MAIN} button").filter(
                has_text=t("train.pause", "fr")).first.click()
            await wait_idle(pg, expect_run=3)
        stats["done"] += 1
    except Exception as e:  # counted, reported: the load test itself never crashes
        stats["errors"].append(f"student {i}: {type(e).__name__}: {str(e)[:160]}")
    finally:
        await ctx.close()


async def run_class_browser(url: str, args, photos: list[tuple[str, bytes]]) -> dict:
    """The eased class (at most ``args.concurrent`` students at once) in Chromium."""
    from playwright.async_api import async_playwright

    stats = new_stats()
    sem = asyncio.Semaphore(args.concurrent)
    exe = shutil.which("chromium") or shutil.which("chromium-browser")
    if not exe:
        raise SystemExit("chromium is missing (apt-get install chromium)")
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=exe, args=CHROMIUM_ARGS)

        async def one(i: int) -> None:
            async with sem:
                await student(i, browser, url, photos[i], i < args.trainers, args, stats)

        # Trainers first, so that they train at the same time as the others colorize.
        try:
            await asyncio.wait_for(asyncio.gather(*(one(i) for i in range(args.students))),
                                   timeout=args.max_seconds)
        except TimeoutError:
            stats["errors"].append(f"load test stopped after {args.max_seconds} s")
        await browser.close()
    return stats
