"""What the teacher's board and CSV show of a room: counts, fool rates, the class's results.

Pseudonyms, screens, votes, settings and scores: never a photo.
"""

from __future__ import annotations

import csv
import io
from collections import Counter

from core.room import experiment, stats
from core.room.room import Room, Rooms

CSV_COLUMNS = ("record", "number", "pseudonym", "photo", "sample", "crop", "method", "answer",
               "variant", "psnr", "grey_psnr", "steps", "seconds")


def round_summary(rooms: Rooms, room: Room, rnd: dict, rates: bool = True) -> dict:
    """A round: votes so far, voters, per-photo counts, fool rates per method (with
    bootstrap intervals over students), the photos that fooled the most. ``rates=False``:
    the counts only (the board during the votes refreshes twice a second; the bootstrap
    would cost it about 15 ms each time for figures it does not show yet)."""
    votes = rooms.votes(room, rnd["id"])
    photos = rnd["photos"]
    if not rates:
        return {"votes": len(votes), "voters": len({m for m, _ in votes}),
                "expected": len(photos)}
    per = stats.per_photo(photos, votes)
    fooled = sorted((p for p in per if p["method"] != "real" and p["votes"]),
                    key=lambda p: (-p["share_real"], p["id"]))
    return {"votes": len(votes), "voters": len({m for m, _ in votes}), "photos": per,
            "expected": len(photos), "rates": stats.fool_rates(photos, votes),
            "fooled_most": fooled[:3]}


def screens_count(members: list) -> Counter:
    """How many students (present, not left) are on each screen."""
    return Counter(m.screen or "?" for m in members if not m.left)


def experiment_summary(rooms: Rooms, room: Room, exp: dict) -> dict:
    """The class experiment: assigned, training, finished; the board per variant."""
    scores = rooms.scores(room, exp["id"])
    return {"assigned": Counter(rooms.assignments(room, exp["id"]).values()),
            "progress": rooms.progresses(room, exp["id"]), "scores": scores,
            "board": experiment.board(scores, exp["variants"])}


def csv_text(rooms: Rooms, room: Room) -> str:
    """Every result of the room, one row per vote and per finished training run."""
    names = {m.id: m.name for m in rooms.members(room)}
    out = io.StringIO()
    w = csv.DictWriter(out, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    w.writeheader()
    rounds = [*room.rounds, *([room.round] if room.round else [])]
    for rnd in rounds:
        photos = {p["id"]: p for p in rnd["photos"]}
        for (mid, pid), answer in sorted(rooms.votes(room, rnd["id"]).items(),
                                         key=lambda kv: (names.get(kv[0][0], ""), kv[0][1])):
            p = photos.get(pid, {})
            w.writerow({"record": "vote", "number": rnd["id"], "pseudonym": names.get(mid, mid),
                        "photo": pid, "sample": p.get("sample"), "crop": p.get("crop"),
                        "method": p.get("method"), "answer": answer})
    if room.experiment:
        exp_id = room.experiment["id"]
        for mid, s in sorted(rooms.scores(room, exp_id).items(),
                             key=lambda kv: names.get(kv[0], "")):
            w.writerow({"record": "training", "number": exp_id,
                        "pseudonym": names.get(mid, mid), "variant": s.get("variant"),
                        **{k: round(float(s[k]), 4) for k in ("psnr", "grey_psnr", "steps",
                                                               "seconds") if k in s}})
    return out.getvalue()
