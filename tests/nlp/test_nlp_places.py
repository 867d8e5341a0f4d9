"""Shipping places: ISO codes, names in seven languages, flags, routes, cue phrases."""

from __future__ import annotations

import pytest

from nlp.normalize import places as pl


@pytest.mark.parametrize(("text", "code"), [
    ("Netherlands", "NL"), ("NL", "NL"), ("NLD", "NL"), ("The Netherlands", "NL"), ("Holland", "NL"),
    ("Nederland", "NL"), ("Niederlande", "NL"), ("Pays-Bas", "NL"), ("Países Bajos", "NL"),
    ("Holandia", "NL"), ("Нидерланды", "NL"),
    ("Germany", "DE"), ("Deutschland", "DE"), ("Allemagne", "DE"), ("Alemania", "DE"), ("Duitsland", "DE"),
    ("Niemcy", "DE"), ("Германия", "DE"), ("🇩🇪", "DE"),
    ("United Kingdom", "GB"), ("UK", "GB"), ("England", "GB"), ("Scotland", "GB"), ("🇬🇧", "GB"),
    ("Royaume-Uni", "GB"), ("Vereinigtes Königreich", "GB"),
    ("United States", "US"), ("USA", "US"), ("US", "US"), ("U.S.A.", "US"), ("Estados Unidos", "US"),
    ("España", "ES"), ("Espana", "ES"), ("Spanien", "ES"), ("Polska", "PL"), ("Россия", "RU"),
    ("Russian Federation", "RU"), ("Czech Republic", "CZ"), ("Österreich", "AT"), ("Belgique", "BE"),
    ("Schweiz", "CH"), ("Norway", "NO"), ("Norwegen", "NO"), ("Noorwegen", "NO"),
    ("Canada", "CA"), ("China", "CN"), ("Hong Kong", "HK"), ("India", "IN"),
    ("Москва", "RU"), ("Amsterdam", "NL"),
    ("Europe", "EU"), ("EU", "EU"), ("European Union", "EU"), ("Europa", "EU"), ("🇪🇺", "EU"),
    ("Worldwide", "WW"), ("WW", "WW"), ("World wide", "WW"), ("weltweit", "WW"), ("Everywhere", "WW"),
    ("Torland", "XX"), ("Undeclared", "XX"), ("Unknown", "XX"), ("Hidden", "XX"),
    ("Somewhere in Europe? will not say", "XX"),
])
def test_origin_field(gazette, text: str, code: str) -> None:
    place = pl.parse_origin_field(text, gazette)
    assert place is not None and place.code == code, text


@pytest.mark.parametrize(("text", "origin", "dests"), [
    ("NL -> WW", "NL", ["WW"]), ("NL->WW", "NL", ["WW"]), ("EU to EU", "EU", ["EU"]),
    ("🇩🇪 → 🇪🇺", "DE", ["EU"]), ("UK => EU", "GB", ["EU"]), ("DE - AT", "DE", ["AT"]),
])
def test_routes(gazette, text: str, origin: str, dests: list[str]) -> None:
    route = pl.split_route(text, gazette)
    assert route is not None
    assert [p.code for p in route[0]] == [origin]
    assert pl.codes(route[1]) == dests
    assert pl.parse_origin_field(text, gazette).code == origin  # type: ignore[union-attr]
    assert pl.codes(pl.parse_destinations_field(text, gazette)) == dests


@pytest.mark.parametrize(("text", "dests"), [
    ("Worldwide", ["WW"]), ("Worldwide except USA/AUS", ["WW"]), ("WW except AU/US", ["WW"]),
    ("EU, UK, USA", ["EU", "GB", "US"]), ("Germany, Austria, Switzerland", ["DE", "AT", "CH"]),
    ("Deutschland, Österreich", ["DE", "AT"]), ("France, Belgique, Suisse", ["FR", "BE", "CH"]),
    ("USA/CAN", ["US", "CA"]), ("Россия, Беларусь, Казахстан", ["RU", "BY", "KZ"]),
    ("Europe only", ["EU"]), ("United Kingdom, Europe", ["GB", "EU"]), ("España, Portugal", ["ES", "PT"]),
    ("Nederland, België, Duitsland", ["NL", "BE", "DE"]), ("", []), ("Torland", []),
])
def test_destinations_field(gazette, text: str, dests: list[str]) -> None:
    assert pl.codes(pl.parse_destinations_field(text, gazette)) == dests


@pytest.mark.parametrize(("text", "code"), [
    ("Versand aus Deutschland, schnell und diskret", "DE"),
    ("envío desde España a toda Europa", "ES"),
    ("Colis expédié de France sous 24h", "FR"),
    ("verzending vanuit Nederland", "NL"),
    ("wysyłka z Polski, szybko", "PL"),
    ("Wysyłka z Niemiec", "DE"),
    ("доставка из России почтой", "RU"),
    ("Доставка из Германии", "DE"),
    ("We ship from the UK every day", "GB"),
    ("Origin: Netherlands", "NL"),
    ("Ships from: Canada", "CA"),
])
def test_origin_from_text(gazette, text: str, code: str) -> None:
    place = pl.origin_from_text(text, gazette)
    assert place is not None and place.code == code
    assert text[place.start:place.end] == place.text


@pytest.mark.parametrize("text", [
    "from the best lab in town", "Fast dispatch, escrow accepted", "Tested in a lab, it is strong",
    "we are in business since 2014", "contact us on the forum",
])
def test_no_origin_in_plain_text(gazette, text: str) -> None:
    assert pl.origin_from_text(text, gazette) is None


@pytest.mark.parametrize(("text", "code"), [
    ("Shipped to me in 4 days, depuis la Suisse", "CH"),  # the bare "from" of the market languages
    ("Llegó rápido desde Portugal.", "PT"),
    ("Alles netjes verstuurd vanuit België", "BE"),
    ("Kam diesmal aus Österreich", "AT"),
    ("Посылка из Эстонии пришла за неделю", "EE"),
    ("Купил мефедрон у ХимЛаб в Казани, всё на месте", "RU"),  # a purchase reported in a city
    ("Забрал клад в Новосибирске, вес ровный", "RU"),
    ("Брал 3.5г у ХимЛаб в Самаре. Всё ровно", "RU"),
    ("Kupiłem 2g, paczka przyszła w Polsce po dniu", "PL"),
    ("Arrived fine, UK NDD like always.", "GB"),  # a place beside a domestic cue (next-day delivery)
    ("Pressed bars, domestic US only, first class mail", "US"),
    ("Got it in 2 days, Canada domestic", "CA"),
    ("Shrooms 🇳🇱 NDD, vacuum sealed", "NL"),
])
def test_origin_from_bare_cues_and_reported_places(gazette, text: str, code: str) -> None:
    place = pl.origin_from_text(text, gazette)
    assert place is not None and place.code == code, text
    assert text[place.start:place.end] == place.text


@pytest.mark.parametrize("text", [
    "Где купить мефедрон в Казани?",  # a question, no purchase reported
    "Доставка в Москву и область",  # a destination cue
    "Живу в Москве, ищу надёжный магазин",  # where the writer lives
    "depuis 2 ans sur ce forum", "desde hace meses", "vanuit huis bestellen",  # no place after the cue
    "NDD as promised, top vendor", "domestic shipping is faster",  # a domestic cue without a place
    "they said domestic, it came from abroad",
])
def test_no_origin_from_weak_cues(gazette, text: str) -> None:
    assert pl.origin_from_text(text, gazette) is None


def test_lowercase_two_letter_words_are_not_codes(gazette) -> None:
    assert pl.find_places("it is in the bag and we do it", gazette) == []


def test_destination_cue_in_text(gazette) -> None:
    assert pl.codes(pl.destinations_from_text("We ship to Germany, Austria and Switzerland.", gazette)) == [
        "DE", "AT", "CH"]


def test_table_falls_back_to_pycountry(tmp_path) -> None:
    (tmp_path / "aliases.yaml").write_text("special: {WW: [worldwide]}\n", encoding="utf-8")
    gz = pl.load_gazette(tmp_path)
    assert pl.parse_origin_field("Frankreich", gz).code == "FR"  # type: ignore[union-attr]


def test_alias_keys_that_yaml_reads_as_booleans_are_refused(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """An unquoted ``NO:`` is the boolean False in YAML 1.1: the loader says so instead of mapping
    Norway's names to False."""
    (tmp_path / "countries.tsv").write_text("NO\ten\tNorway\n", encoding="utf-8")
    (tmp_path / "aliases.yaml").write_text("names:\n  NO: [norwegen]\n", encoding="utf-8")
    with pytest.raises(ValueError, match="not strings"):
        pl.load_gazette(tmp_path)


def test_context_word_lists_refuse_yaml_booleans(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """The same trap in the context word lists: an unquoted ``on`` was read as True, then "true"."""
    from nlp.components.substances import load_strings

    path = tmp_path / "words.yaml"
    path.write_text('fillers: [the, on]\nquoted: [the, "on"]\n', encoding="utf-8")
    assert load_strings(str(path), "quoted") == ["the", "on"]
    with pytest.raises(ValueError, match="not strings"):
        load_strings(str(path), "fillers")
