"""A whole class room in Chromium: one teacher on a projector, three students on phones.

Join by the QR link and by typing the code, the teacher pushes everyone to a screen with a
setting, a "real or colorized?" round (votes on the phones, the fool rates on the board),
the class experiment (each phone trains its variant; scores on the board). Against SQLite
with one app process, and against Redis with two replicas behind the shipped nginx config
(the teacher and the students then reach different replicas: the room is in Redis).

A phone sent to a new screen by a push used to stay blank under load: a timed rerun of the
sidebar's poll, sent by the browser before it learnt of the new page, ran under the old
page and the browser cleared its page (ui/room.py's docstring). The test runs whole, with
every push checked on every phone, and no phone may log "Bad delta path".
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import free_port, start_streamlit, stop, wait_healthy

pytest_plugins = ("room_fixtures",)

PROJECTOR = {"width": 1920, "height": 1080}
PHONE = {"width": 390, "height": 844}
LONG = 300_000  # ms: a loaded 2-core machine (model load, training)


@pytest.fixture(params=["sqlite", "redis"])
def room_app(request, tmp_path) -> Iterator[tuple[str, str]]:
    """The app with a store of its own: SQLite and one process, or Redis and two replicas
    behind deploy/nginx.conf. Yields (url, backend)."""
    if request.param == "sqlite":
        port = free_port()
        log = Path(tempfile.gettempdir()) / f"colorisation_room_{port}.log"
        proc = start_streamlit(port, log, {"COLORISATION_STORE": str(tmp_path / "rooms.sqlite3")})
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc, log)
            yield url, "sqlite"
        finally:
            stop(proc)
    else:
        from benchmarks.load.server import Deployment

        redis_url = request.getfixturevalue("redis_url")
        with Deployment(replicas=2, env={"COLORISATION_STORE": redis_url}) as d:
            yield d.url, "redis"


def wait_text(pg, text: str, timeout: int = LONG) -> None:
    pg.get_by_text(text, exact=False).first.wait_for(timeout=timeout)


def settled(pg, timeout: int = LONG) -> None:
    """Wait until the page shows no stale element (Streamlit draws a run's elements one by
    one: a button of the previous photo may still be on screen under the new title)."""
    pg.wait_for_function(
        "() => !document.querySelector('[data-stale=\"true\"]')", timeout=timeout)


def wait_metric(pg, label: str, value: str, timeout: int = LONG) -> None:
    pg.wait_for_function(
        """([label, value]) => [...document.querySelectorAll('[data-testid="stMetric"]')]
             .some(m => m.innerText.includes(label) &&
                   m.querySelector('[data-testid="stMetricValue"]').innerText.trim() === value)""",
        arg=[label, value], timeout=timeout)


def test_a_class_in_one_room(chromium, room_app, screenshot_dir):
    url, backend = room_app
    teacher_ctx = chromium.new_context(viewport=PROJECTOR)
    phones = [chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
              for _ in range(3)]
    try:
        t = teacher_ctx.new_page()
        t.set_default_timeout(LONG)
        t.goto(f"{url}/classe?lang=fr&projector=1")
        t.get_by_role("button", name="Ouvrir une salle").click()
        code = t.locator(".room-code").inner_text().strip()
        assert re.fullmatch(r"[A-Z0-9]{5}", code), code
        teacher_url = t.url
        assert "room=" in teacher_url

        # -- three students: two by the QR link, one types the code --------------------------
        students = [p.new_page() for p in phones]
        console: list[str] = []
        for k, s in enumerate(students):
            s.set_default_timeout(LONG)
            s.on("console", lambda m, k=k: console.append(f"student {k}: {m.type} {m.text}"))
        students[0].goto(f"{url}/classe?code={code}&lang=fr")
        students[1].goto(f"{url}/classe?code={code.lower()}&lang=fr")
        s3 = students[2]
        s3.goto(f"{url}/classe?lang=fr")
        s3.get_by_label("Code de la salle").fill(code[:2] + " " + code[2:])
        s3.get_by_role("button", name="Rejoindre").click()
        for s in students:
            wait_text(s, "Vous êtes dans la salle")
            assert "room=" in s.url
            # the teacher's token never reaches a student's page
            assert teacher_url.split("room=")[1].split("&")[0] not in s.content()
        wait_metric(t, "Élèves dans la salle", "3")

        # -- everyone to the sigmoid screen at x = 3 -----------------------------------------
        t.get_by_label("Écran où emmener tout le monde").click()
        t.get_by_role("option", name="Sigmoïde ajustée").click()
        t.get_by_role("textbox", name="Réglages de l'écran (facultatif)").fill("x=3")
        t.get_by_role("button", name="Envoyer tout le monde").click()
        for s in students:
            s.wait_for_url(re.compile(r"/sigmoid\?.*x=3"), timeout=LONG)
            wait_text(s, "La sigmoïde ajustée")
            wait_metric(s, "f(x)", "0,9051")  # f(3) = 2σ(3) − 1 = tanh(1.5): the pushed x

        # -- a "real or colorized?" round of 6 photos ------------------------------------------
        t.get_by_role("tab", name="Vrai ou colorisé ?").click()
        t.get_by_role("radio", name="6", exact=True).click()
        t.get_by_role("button", name="Lancer une manche").click()
        wait_text(t, "Vrai ou colorisé ? Manche 1")  # the photos are made, the models loaded
        answers = ["Vraie photo", "Colorisée", "Colorisée"]
        for i in range(1, 7):
            for s, answer in zip(students, answers, strict=True):
                wait_text(s, f"Photo {i} sur 6")
                settled(s)
                s.get_by_role("button", name=answer).click()
        for s in students:
            wait_text(s, "Vous avez voté pour les 6 photos")
        wait_metric(t, "Élèves qui ont voté", "3")
        t.get_by_role("button", name="Arrêter les votes et montrer les résultats").click()
        wait_text(t, "Zhang et al. 2016")
        board = t.locator('[data-testid="stTable"]').first.inner_text()
        # one student of three said "real" to everything: a third of each method's votes
        assert board.count("33\u202f%") >= 3, board
        for s in students:
            wait_text(s, "Manche terminée")
        t.wait_for_timeout(1500)
        t.screenshot(path=str(screenshot_dir / f"room_teacher_projector_{backend}.png"),
                     full_page=False)
        students[1].screenshot(path=str(screenshot_dir / f"room_student_phone_{backend}.png"))

        # -- the class experiment: each phone trains its variant ------------------------------
        t.get_by_role("tab", name="Expérience de la classe").click()
        t.get_by_role("radio", name="20 pas", exact=True).click()
        t.get_by_role("button", name="Lancer l'expérience").click()
        for s in students:
            wait_text(s, "Votre variante")
            s.get_by_role("button", name="Lancer mon entraînement").click()
        for s in students:
            wait_text(s, "Terminé : PSNR", timeout=2 * LONG)
        wait_text(t, "3 terminés")
        t.wait_for_timeout(1500)
        t.screenshot(path=str(screenshot_dir / f"room_teacher_experiment_{backend}.png"))
        students[0].screenshot(
            path=str(screenshot_dir / f"room_student_experiment_{backend}.png"))

        # -- the teacher ends the room; the students are told ---------------------------------
        t.get_by_role("tab", name="Fin de séance").click()
        t.get_by_role("button", name="Fermer la salle").click()
        wait_text(t, f"La salle {code} est fermée")
        for s in students:
            wait_text(s, f"La salle {code} est fermée")
        assert not [c for c in console if "Bad delta path" in c], console
    except Exception:
        for k, pg in enumerate([pg for c in (teacher_ctx, *phones) for pg in c.pages]):
            pg.screenshot(path=str(screenshot_dir / f"room_failed_{backend}_{k}.png"))
            main = pg.locator('[data-testid="stMain"]')
            status = pg.locator('[data-testid="stStatusWidget"]')
            print(f"page {k}: {pg.url}\nmain: {main.inner_text()[:300] if main.count() else '-'}"
                  f"\nstatus: {status.inner_text() if status.count() else '-'}")
        raise
    finally:
        teacher_ctx.close()
        for p in phones:
            p.close()
