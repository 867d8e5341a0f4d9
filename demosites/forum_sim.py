"""Generate forum threads and posts over the 26 weeks, mentioning real (fictional) vendors.

Mentions of the two planted substances start at their first market week and become more
frequent; a seizure thread appears when velvet-alley goes down.
"""

from __future__ import annotations

import random
from datetime import timedelta

from demosites import forum_lexicon as lx
from demosites.model import ForumPost, ForumThread, Persona
from demosites.weeks import (
    BROMAZOLAM_WEEK,
    N_WEEKS,
    NOVEL_NAME,
    NOVEL_WEEK,
    SEIZURE_WEEK,
    observed_at,
)

BOARDS: dict[str, tuple[tuple[str, str], ...]] = {
    # (board id as used in URLs, board title)
    "the-hive": (("1", "General Discussion"), ("2", "Vendor Reviews"),
                 ("3", "Harm Reduction & Trip Reports"), ("4", "Research Chemicals")),
    "dreadnought": (("DarkNetMarkets", "DarkNetMarkets"), ("Benzodiazepines", "Benzodiazepines"),
                    ("RCs", "Research chemicals"), ("DrugReviews", "Drug reviews")),
}
_KIND_BOARD = {"review": 1, "question": 0, "trip": 2, "harm": 2, "chat": 0, "nps": 3,
               "novel": 3, "seizure": 0}


class ForumSim:
    """Threads of one forum; ``vendors_at(week)`` supplies names people can mention."""

    def __init__(self, seed: int, forum: str, personas: list[Persona]) -> None:
        self.forum = forum
        self.rng = random.Random(f"{seed}:forum:{forum}")
        self.personas = personas
        self.threads: list[ForumThread] = []
        self.users = sorted({self.rng.choice(lx.USER_A) + self.rng.choice(lx.USER_B)
                             for _ in range(40)})
        self._next_post = self.rng.randint(1000, 5000)

    def vendors_at(self, week: int) -> list[tuple[str, str]]:
        """(account name, market) pairs live in ``week``."""
        out = []
        for persona in self.personas:
            for market, acc in persona.accounts.items():
                if acc.join_week <= week and not (market == "velvet-alley"
                                                  and week >= SEIZURE_WEEK):
                    out.append((acc.name, market))
        return out

    def _post_id(self) -> str:
        self._next_post += self.rng.randint(1, 9)
        if self.forum == "the-hive":
            return str(self._next_post)
        return f"{self._next_post * 2654435761 % 16**7:07x}"

    def _thread_id(self) -> str:
        if self.forum == "the-hive":
            return str(100 + len(self.threads) * 3 + self.rng.randint(0, 2))
        return f"{self.rng.getrandbits(32):08x}"

    def _substance(self, week: int) -> tuple[str, str, bool]:
        """(canonical id or novel name, surface form, is_novel), NPS growing over time."""
        rng = self.rng
        if week >= NOVEL_WEEK and rng.random() < min(0.2, 0.03 * (week - NOVEL_WEEK + 1)):
            return NOVEL_NAME, rng.choice(lx.NOVEL_FORMS), True
        if week >= BROMAZOLAM_WEEK and rng.random() < min(0.3, 0.03 * (week - BROMAZOLAM_WEEK
                                                                        + 1)):
            return "bromazolam", rng.choice(lx.BROMAZOLAM_SLANG), False
        sub = rng.choice(lx.COMMON) if rng.random() < 0.7 else rng.choice(sorted(lx.SLANG))
        return sub, rng.choice(lx.SLANG[sub]), False

    def _fill(self, template: str, week: int, forced: tuple[str, str, bool] | None = None
              ) -> tuple[str, list[str], list[str], list[str]]:
        """Fill a template; returns (text, substances, novel, vendors)."""
        rng = self.rng
        subs: list[str] = []
        novel: list[str] = []
        vendors: list[str] = []
        values: dict[str, str] = {}
        for slot in ("s", "s2"):
            if "{" + slot + "}" in template:
                pick = forced if (forced and slot == "s") else self._substance(week)
                while slot == "s2" and (pick[0] in subs or pick[0] in novel):
                    pick = self._substance(week)
                (novel if pick[2] else subs).append(pick[0])
                values[slot] = pick[1]
        market = "tortuga"
        if "{vm}" in template or "{v}" in template:
            name, market = rng.choice(self.vendors_at(week))
            vendors.append(name)
            values["vm"] = rng.choice(lx.MENTION).format(v=name)
            values["v"] = name
        values["market"] = "tortuga" if market == "velvet-alley" else market
        values.update(qty=rng.choice(lx.QTY), dose=rng.choice(lx.DOSE), adj=rng.choice(lx.ADJ),
                      verdict=rng.choice(lx.VERDICT), days=str(rng.randint(2, 12)))
        return template.format(**values), subs, novel, vendors

    def _post(self, week: int, when: str, kind: str, first: bool,
              forced: tuple[str, str, bool] | None) -> ForumPost:
        rng = self.rng
        lang = "en"
        pool: tuple[str, ...]
        if kind == "novel":
            pool = lx.NOVEL_POSTS
        elif kind == "nps":
            pool = lx.NPS
        elif kind == "seizure":
            pool = lx.SEIZURE if first or rng.random() < 0.6 else lx.CHAT
        elif not first and rng.random() < 0.35:
            pool = lx.CHAT
        elif rng.random() < 0.12:
            lang = rng.choice(sorted(lx.LOCAL))
            pool = lx.LOCAL[lang]
        else:
            pool = {"review": lx.REVIEW, "question": lx.QUESTION, "trip": lx.TRIP,
                    "harm": lx.HARM}.get(kind, lx.QUESTION if first else lx.CHAT)
        body, subs, novel, vendors = self._fill(rng.choice(pool), week, forced)
        return ForumPost(self._post_id(), rng.choice(self.users), week, when, body,
                         tuple(sorted(set(subs))), tuple(novel), tuple(vendors), lang)

    def new_thread(self, week: int, kind: str) -> None:
        """Create a thread in ``week`` whose replies trickle in over the next weeks."""
        rng = self.rng
        forced: tuple[str, str, bool] | None = None
        if kind == "nps":
            forced = ("bromazolam", rng.choice(lx.BROMAZOLAM_SLANG), False)
        elif kind == "novel":
            forced = (NOVEL_NAME, NOVEL_NAME, True)
        elif kind in ("review", "question", "trip", "harm"):
            forced = self._substance(week)
        boards = BOARDS[self.forum]
        board = boards[_KIND_BOARD[kind]][0]
        total = rng.randint(3, 12)
        weeks = sorted([week] * min(total, rng.randint(1, 4)) + [
            min(N_WEEKS - 1, week + rng.randint(0, 4)) for _ in range(total)])[:total]
        times = sorted((w, self._time(w)) for w in weeks)
        posts = [self._post(w, when, kind, i == 0, forced if i == 0 else None)
                 for i, (w, when) in enumerate(times)]
        # the title names what the opening post is about (its vendor when it names one)
        name = posts[0].vendors[0] if posts[0].vendors else rng.choice(self.vendors_at(week))[0]
        template = rng.choice(lx.TITLES[kind])
        title = template.format(s=forced[1] if forced else "", v=name)
        thread = ForumThread(self.forum, self._thread_id(), board, title, week)
        if forced and "{s}" in template:
            (thread.title_novel if forced[2] else thread.title_substances).append(forced[0])
        if "{v}" in template:
            thread.title_vendors.append(name)
        self._nest(posts)
        thread.posts = posts
        self.threads.append(thread)

    def _time(self, week: int) -> str:
        when = observed_at(week) - timedelta(minutes=self.rng.randint(60, 7 * 24 * 60 - 60))
        return when.isoformat()

    def _nest(self, posts: list[ForumPost]) -> None:
        """Dread comments reply to the post or to an earlier comment."""
        if self.forum != "dreadnought":
            return
        for i, post in enumerate(posts[1:], start=1):
            earlier = posts[1:i]
            if earlier and self.rng.random() < 0.5:
                post.parent = self.rng.choice(earlier).post_id

    def simulate(self) -> None:
        """Two or so new threads a week, plus the planted ones."""
        kinds = ("review", "question", "trip", "harm", "chat")
        for week in range(N_WEEKS):
            for _ in range(5 if week == 0 else self.rng.choice((1, 2, 2))):
                self.new_thread(week, self.rng.choice(kinds))
            if week >= BROMAZOLAM_WEEK + 1 and (week - BROMAZOLAM_WEEK) % 3 == 1:
                self.new_thread(week, "nps")
            if week >= NOVEL_WEEK + 1 and (week - NOVEL_WEEK) % 4 == 1:
                self.new_thread(week, "novel")
            if week == SEIZURE_WEEK:
                self.new_thread(week, "seizure")

    def visible(self, week: int, limit: int = 12) -> list[ForumThread]:
        """The threads shown in ``week``: the most recently active ones."""
        live = [t for t in self.threads if t.created <= week]
        live.sort(key=lambda t: (t.last_activity(week), t.thread_id), reverse=True)
        return live[:limit]


def simulate_forums(seed: int, personas: list[Persona]) -> dict[str, ForumSim]:
    """Both forums, fully simulated."""
    sims = {}
    for forum in BOARDS:
        sim = ForumSim(seed, forum, personas)
        sim.simulate()
        sims[forum] = sim
    return sims
