"""Representative saved pages for parser tests (``tests/pages/<site>/<name>.html``).

Regenerate with ``python -m demosites samples``; a test fails when they fall behind the code.
"""

from __future__ import annotations

from pathlib import Path

from demosites.world import DemoWorld

SAMPLE_SEED = 7
SAMPLE_WEEK = 12
SAMPLES_DIR = Path(__file__).resolve().parent.parent / "tests" / "pages"


def sample_paths(world: DemoWorld) -> dict[str, dict[str, str]]:
    """{site: {sample name: path}} chosen from the sample week's truth, deterministically."""
    truth = world.truth(SAMPLE_WEEK)
    rendered = world.render(SAMPLE_WEEK)
    out: dict[str, dict[str, str]] = {}
    for market, index in (("tortuga", "/cat?c=stimulants"), ("nightjar", "/c/stimulants"),
                          ("velvet-alley", "/market?category=104")):
        # a second index page: the first paginated category page, else the home page
        cat = next((p for p in rendered[market] if "page=2" in p or "/page/2" in p), "/")
        mine = [x for x in truth["listings"] if x["source"] == market]
        tiers = [x for x in mine if x.get("price_tiers") and len(x["price_tiers"]) > 1]
        plain = (tiers or mine)[0]
        vendor = next(v for v in truth["vendors"] if v["source"] == market and v["listing_ids"])
        picks = {"index": index, "index_2": cat, "listing": plain["path"],
                 "vendor": vendor["path"]}
        broken = [x for x in mine if x["malformed"]]
        if broken:
            picks["listing_malformed"] = broken[0]["path"]
        novel = [x for x in mine if x["novel"]]
        if novel:
            picks["listing_novel"] = novel[0]["path"]
        foreign = [x for x in mine if x["lang"] != "en"]
        if foreign:
            picks["listing_foreign"] = foreign[0]["path"]
        out[market] = picks
    hostile = next(x for x in truth["listings"] if "<script>" in x["title"])
    out["tortuga"]["listing_hostile"] = hostile["path"]
    hive = next(t for t in truth["threads"] if t["source"] == "the-hive" and len(t["posts"]) > 5)
    out["the-hive"] = {"index": "/index.php", "board": f"/viewforum.php?f={hive['board']}",
                       "thread": hive["path"], "thread_2": f"{hive['path']}&start=5"}
    dread = max((t for t in truth["threads"] if t["source"] == "dreadnought"),
                key=lambda t: sum(1 for p in t["posts"] if p["parent"]))
    out["dreadnought"] = {"index": "/", "board": f"/d/{dread['board']}", "thread": dread["path"]}
    return out


def sample_pages(world: DemoWorld) -> dict[str, bytes]:
    """{"<site>/<name>.html": body} for every sample."""
    rendered = world.render(SAMPLE_WEEK)
    return {f"{site}/{name}.html": rendered[site][path][2]
            for site, picks in sample_paths(world).items() for name, path in picks.items()}


def save_samples(out: Path = SAMPLES_DIR) -> list[Path]:
    """Write the sample pages plus an index of which URL path each one is."""
    world = DemoWorld.build(SAMPLE_SEED)
    written = []
    for rel, body in sample_pages(world).items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(body)
        written.append(target)
    lines = ["site\tname\tpath"] + [f"{site}\t{name}\t{path}"
                                    for site, picks in sample_paths(world).items()
                                    for name, path in picks.items()]
    (out / "INDEX.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return written
