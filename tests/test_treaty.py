"""The Convention's structure and the lookups lawyers use, checked against what the stored sources show."""

from __future__ import annotations

import pytest

from rogatory.errors import RogatoryError
from rogatory.law.bundle import Bundle
from rogatory.law.citation import Level
from rogatory.treaty import lookup


def test_68_articles_in_9_chapters(uncc: Bundle) -> None:
    assert [a.number for a in uncc.articles] == list(range(1, 69))
    assert [c.number for c in uncc.chapters] == [
        "I",
        "II",
        "III",
        "IV",
        "V",
        "VI",
        "VII",
        "VIII",
        "IX",
    ]
    for article in uncc.articles:
        chapter = uncc.chapter(article.chapter)
        assert chapter is not None and chapter.holds(article.number)


@pytest.mark.parametrize(
    ("number", "title", "chapter"),
    [
        (7, "Illegal access", "II"),
        (24, "Conditions and safeguards", "IV"),
        (22, "Jurisdiction", "III"),
        (
            42,
            "International cooperation for the purpose of expedited preservation of stored electronic data",
            "V",
        ),
        (65, "Entry into force", "IX"),
        (53, "Preventive measures", "VI"),
    ],
)
def test_article_numbering_follows_the_verified_sources(
    uncc: Bundle, number: int, title: str, chapter: str
) -> None:
    # The known-wrong sources put illegal access at Art 6 and preservation at Art 23.
    article = uncc.article(number)
    assert article is not None and article.title == title and article.chapter == chapter


def test_verification_status_follows_the_notes(uncc: Bundle) -> None:
    level = {a.number: a.cite.verification for a in uncc.articles}
    verified = {n for n, lv in level.items() if lv.verified}
    assert set(range(1, 16)) <= verified  # Arts 1-15 read in the Arabic text (S1)
    assert {64, 65} <= verified  # the depositary's page (S2)
    # Named by secondary sources only: a level of their own, never "verified".
    assert {16, 28, 29, 30, 31, 34, 53} <= {n for n, lv in level.items() if lv is Level.SECONDARY}
    assert not {16, 25, 26, 27, 28, 41, 42, 43, 44, 45, 46, 67} & verified
    # Preservation's content is the Budapest model's, not the Convention's text.
    art42 = uncc.article(42)
    assert art42 is not None and art42.summary_attestation.verification is Level.MODEL
    assert art42.summary_attestation.model == "ETS185 Art. 29"
    # A verified title never lends its level to a recollected summary.
    art28 = uncc.article(28)
    assert art28 is not None and art28.summary_attestation.verification is Level.RECOLLECTION
    art42 = uncc.article(42)
    assert art42 is not None and art42.cite.source == "recollection of A/AC.291/L.15"


def test_serious_crime_text_is_the_art_2h_wording(uncc: Bundle) -> None:
    article = uncc.article(2)
    assert article is not None
    para = article.find(["h"])
    assert para is not None and para.cite.verified
    assert (
        "maximum deprivation of liberty of at least four years or a more serious penalty"
        in para.text
    )


def test_only_reservation_in_arts_1_to_15_is_11_3(uncc: Bundle) -> None:
    article = uncc.article(11)
    assert article is not None
    para = article.find(["3"])
    assert para is not None and "reserve the right" in para.text


@pytest.mark.parametrize(
    ("text", "article", "paragraph"),
    [
        ("42", 42, None),
        ("40.22", 40, "22"),
        ("2(h)", 2, "h"),
        ("Art. 11(1)(a)", 11, "1.a"),
        ("11.1.a.ii", 11, "1.a.ii"),
        ("article 65(1)", 65, "1"),
    ],
)
def test_references(uncc: Bundle, text: str, article: int, paragraph: str | None) -> None:
    art, para, ref = lookup.resolve(uncc, text)
    assert art.number == article and ref.paragraph_id == paragraph
    assert (para is None) == (paragraph is None)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("99", "treaty.unknown_article"),
        ("42.7", "treaty.unknown_paragraph"),
        ("forty-two", "treaty.invalid_reference"),
        ("0", "treaty.unknown_article"),
    ],
)
def test_bad_references(uncc: Bundle, text: str, code: str) -> None:
    with pytest.raises(RogatoryError) as info:
        lookup.resolve(uncc, text)
    assert info.value.code == code


def test_search_finds_preservation_across_articles(uncc: Bundle) -> None:
    hits = lookup.search(uncc, "PRESERVATION")
    assert {25, 26, 41, 42} <= {h.article.number for h in hits}
    assert all("preservation" in h.excerpt.lower() for h in hits)


def test_search_in_paragraph_text(uncc: Bundle) -> None:
    hits = lookup.search(uncc, "imminent risk")
    assert (hits[0].article.number, hits[0].paragraph) == (2, "o")


def test_citations_carry_their_paragraph_status(uncc: Bundle) -> None:
    assert uncc.citation(65, "1").verified is True
    assert uncc.citation(65, "2").verified is False
    assert uncc.citation(40, "22").provision_id == "uncc:art-40:para-22"
    assert uncc.citation(40, "22").label == "UNCC Art. 40(22)"


def test_has_provision(uncc: Bundle) -> None:
    assert uncc.has_provision("uncc:art-40:para-21") and uncc.has_provision("uncc:art-42")
    assert not uncc.has_provision("uncc:art-42:para-7")  # paragraph numbers of Art 42 unknown
    assert not uncc.has_provision("untoc:art-38") and not uncc.has_provision("nonsense")
