"""Reasoned replies to the requesting authority: every kind rendered for every case of the
demo in every language, each stating what its decision holds (grounds, missing items,
periods); bound to the screening and decision it was drafted from; four eyes for refusals,
postponements and partial approvals; an organisation's own templates, and a clear error for
a broken one. The flows run on SQLite and on PostgreSQL."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from rogatory.audit import service as audit
from rogatory.casefile import issue, verify
from rogatory.casefile.render import Format
from rogatory.db import engine as dbe
from rogatory.db import state as rows
from rogatory.errors import RogatoryError
from rogatory.parties import service as parties
from rogatory.replies import facts, service
from rogatory.replies.kinds import FOUR_EYES, Delivery, Kind, ReplyStatus
from rogatory.replies.models import ReplyRow
from rogatory.replies.templates import Templates, language_of
from rogatory.requests import custody, flows
from rogatory.requests.models import Case, Transition
from rogatory.requests.transitions import Ground, Lifecycle, Postponement, Role, Status
from rogatory.safeguards import engine as screening
from rogatory.treaty import catalogue
from tests.conftest import Demo, ratifications

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "requests"
LIFE = Lifecycle(catalogue.get().has_provision)
INTAKE = flows.Actor("ivan@a.example", "org-a", frozenset({Role.INTAKE}))
REVIEWER = flows.Actor("rita@a.example", "org-a", frozenset({Role.REVIEWER}))
APPROVER_1 = flows.Actor("alma@a.example", "org-a", frozenset({Role.APPROVER}))
APPROVER_2 = flows.Actor("bo@a.example", "org-a", frozenset({Role.APPROVER}))
GROUNDS = [
    Ground("Execution would prejudice our ordre public.", "uncc:art-40:para-21"),
    Ground("The request aims at punishing a person for political opinions.", "uncc:art-40:para-22"),
]
SHIPPED = Templates()


# ---- every kind, every language, every case of the demo ------------------------------------


def test_every_template_renders_for_every_case_of_the_demo_and_states_its_decision(
    demo: Demo,
) -> None:
    seen: dict[Kind, int] = {}
    with demo.sessions() as s:
        for case in s.execute(select(Case).order_by(Case.received_at)).scalars():
            for kind, drafting in facts.available(s, case).items():
                seen[kind] = seen.get(kind, 0) + 1
                languages = SHIPPED.languages(kind.value)
                assert languages == ["en", "fr"], kind
                for language in languages:
                    ctx = service.context(s, case, drafting, language, "Rita Reviewer")
                    text, name = service.render(SHIPPED, kind, language, ctx)
                    assert name == f"{language}/{kind.value}.txt"
                    _states_its_decision(s, case, kind, drafting, text, language)
    assert set(seen) == set(Kind), f"the demo lacks a case for {set(Kind) - set(seen)}"


def _states_its_decision(
    s: Any, case: Case, kind: Kind, drafting: facts.Drafting, text: str, language: str
) -> None:
    """The letter says what the decision it answers holds, and nothing is left unrendered."""
    assert "{{" not in text and "{%" not in text and "Undefined" not in text
    assert case.org_id and (case.reference or "") in text
    f = drafting.facts
    if kind is Kind.REFUSAL:
        refusal = (
            s.execute(
                select(Transition)
                .where(Transition.case_id == case.id, Transition.to_status == "refused")
                .order_by(Transition.id.desc())
            )
            .scalars()
            .first()
        )
        assert drafting.basis == f"transition:{refusal.id}"
        assert [(g["reason"], g["provision"]) for g in f["grounds"]] == [
            (g["reason"], g["provision"]) for g in refusal.grounds
        ]
        for g in refusal.grounds:
            assert g["reason"] in text
            _, article, paragraph = g["provision"].split(":")[0], *g["provision"].split(":")[1:]
            number = article.removeprefix("art-")
            para = paragraph.removeprefix("para-")
            cited = (
                f"Article {number}({para})"
                if language == "en"
                else f"article {number}, paragraphe {para}"
            )
            assert cited in text, (cited, text)
    elif kind is Kind.INFO_REQUEST:
        assert f["missing"] or f["defects"] or f["decided"]["note"]
        for m in f["missing"]:
            assert (m["asks"] if language == "en" else f"« {m['field']} »") in text
    elif kind is Kind.POSTPONEMENT:
        assert f["reason"] in text and f["review_on"]
        review = date.fromisoformat(f["review_on"])
        assert str(review.year) in text and str(review.day) in text
    elif kind is Kind.PARTIAL_APPROVAL:
        assert f["granted"] in text
    elif kind is Kind.CONFIDENTIALITY_NOTICE:
        assert f["reason"] in text
    elif kind is Kind.PRESERVATION_ACK:
        for h in f["holds"]:
            assert ", ".join(h["identifiers"]) in text and str(h["days"]) in text


def test_the_demo_holds_drafted_and_sent_replies_that_still_answer_their_cases(
    demo: Demo,
) -> None:
    with demo.sessions() as s:
        replies = list(s.execute(select(ReplyRow)).scalars())
        statuses = {r.status for r in replies}
        assert {ReplyStatus.DRAFT.value, ReplyStatus.SENT.value} <= statuses
        assert {r.kind for r in replies} == {k.value for k in Kind}
        for r in replies:
            if r.status == ReplyStatus.SENT.value:
                assert r.sha256 == service.sha256(r.text) and r.delivery in {
                    d.value for d in Delivery
                }
                if Kind(r.kind) in FOUR_EYES:
                    assert r.approved_by and r.approved_by != r.drafted_by
        assert any(r.language == "fr" for r in replies)  # France writes in French
        assert audit.verify(s).ok


def test_language_of_reads_what_a_request_document_says() -> None:
    assert [
        language_of(v)
        for v in ("fr", "FR-ca", "French", "fra", "en", "english", "de", "", None, "??")
    ] == [
        "fr",
        "fr",
        "fr",
        "fr",
        "en",
        "en",
        "de",
        None,
        None,
        None,
    ]


# ---- the flows, on SQLite and PostgreSQL -----------------------------------------------------


@pytest.fixture(scope="module")
def screener() -> screening.Screener:
    register = parties.build(
        catalogue.get(), extra=ratifications(40, date(2026, 1, 5)), ignore_shipped=True
    )
    return screening.Screener(screening.build_law(register=register))


def _doc(name: str = "preservation-fraud.json", **changes: object) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((EXAMPLES / name).read_text())
    doc.update(requesting_state="XAA", requested_state="XAB", submitted_on="2026-09-01")
    doc.update(changes)
    return doc


def _in_review(engine: Engine, screener: screening.Screener, doc: dict[str, Any]) -> str:
    with dbe.sessions(engine).begin() as s:
        flows.ensure_organisation(s, "org-a", "Org A")
        case_id = flows.intake(s, INTAKE, doc, screener)[0].id
    with dbe.sessions(engine).begin() as s:
        flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE)
        for rule in flows.state_of(s, s.get(Case, case_id)).review_findings:
            flows.acknowledge(s, REVIEWER, case_id, rule, "checked")
    return case_id


def _run(engine: Engine, fn: Any) -> Any:
    with dbe.sessions(engine).begin() as s:
        return fn(s)


def _fails(engine: Engine, code: str, fn: Any) -> RogatoryError:
    with pytest.raises(RogatoryError) as caught, dbe.sessions(engine).begin() as s:
        fn(s)
    assert caught.value.code == code, caught.value.message
    return caught.value


def test_a_refusal_is_drafted_with_its_grounds_approved_by_a_second_person_and_sent(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc())
    _run(
        engine,
        lambda s: flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=GROUNDS),
    )
    drafter = flows.Actor("alma@a.example", "org-a", frozenset({Role.APPROVER, Role.REVIEWER}))
    reply_id = _run(engine, lambda s: service.draft(s, drafter, case_id, "refusal", SHIPPED).id)
    row = _run(engine, lambda s: s.get(ReplyRow, reply_id))
    for g in GROUNDS:
        assert g.reason in row.text
    assert "Article 40(21)" in row.text and "Article 40(22)" in row.text
    assert row.checks and all("UNVERIFIED" in c for c in row.checks)  # cited by number only
    assert "The provision reads" not in row.text  # no unverified text is quoted

    # four eyes: not sent before a second person approved; never by its drafter or editor
    _fails(engine, "reply.approval_needed", lambda s: service.send(s, drafter, case_id, reply_id))
    _fails(engine, "reply.own_draft", lambda s: service.approve(s, drafter, case_id, reply_id))
    edited = row.text.replace("Yours faithfully", "Yours sincerely")
    _run(engine, lambda s: service.edit(s, REVIEWER, case_id, reply_id, edited))
    reviewer_approver = flows.Actor(REVIEWER.user, "org-a", frozenset({Role.APPROVER}))
    _fails(
        engine,
        "reply.own_draft",
        lambda s: service.approve(s, reviewer_approver, case_id, reply_id),
    )
    _fails(engine, "case.forbidden", lambda s: service.approve(s, REVIEWER, case_id, reply_id))
    _run(engine, lambda s: service.approve(s, APPROVER_2, case_id, reply_id))
    # a change after approval returns it to draft: the approval was of the text as it was
    _run(engine, lambda s: service.edit(s, drafter, case_id, reply_id, edited + "\nP.S."))
    assert _run(engine, lambda s: s.get(ReplyRow, reply_id).status) == "draft"
    _fails(engine, "reply.approval_needed", lambda s: service.send(s, drafter, case_id, reply_id))
    _run(engine, lambda s: service.approve(s, APPROVER_2, case_id, reply_id))
    sent = _run(engine, lambda s: service.send(s, drafter, case_id, reply_id))
    assert sent.sha256 == service.sha256(edited + "\nP.S.\n") and sent.delivery == "pending"
    _fails(engine, "reply.wrong_status", lambda s: service.edit(s, drafter, case_id, reply_id, "x"))
    _fails(engine, "reply.wrong_status", lambda s: service.send(s, drafter, case_id, reply_id))
    pending = _run(engine, lambda s: [r.id for r in service.pending_delivery(s, REVIEWER)])
    assert pending == [reply_id]
    _fails(
        engine,
        "reply.invalid_channel",
        lambda s: service.mark_delivered(s, drafter, case_id, reply_id, "pigeon"),
    )
    _run(engine, lambda s: service.mark_delivered(s, drafter, case_id, reply_id, "download"))
    assert _run(engine, lambda s: service.pending_delivery(s, REVIEWER)) == []

    with dbe.sessions(engine)() as s:
        assert audit.verify(s).ok
        checked = rows.verify(s)
        assert checked.ok, checked.describe()
        events = [e.payload for e in audit.stream(s) if e.payload["action"].startswith("reply.")]
    assert [e["action"] for e in events] == [
        "reply.drafted",
        "reply.edited",
        "reply.approved",
        "reply.edited",
        "reply.approved",
        "reply.sent",
        "reply.delivered",
    ]
    assert events[5]["summary"]["sha256"] == sent.sha256
    assert events[5]["summary"]["approved_by"] == APPROVER_2.user

    # the case file holds the reply as sent, and verifies against the chain on this database
    sessions = dbe.sessions(engine)
    auditor = flows.Actor("aud@a.example", "org-a", frozenset({Role.AUDITOR}))
    issued = issue.issue(dbe.read_only(sessions), sessions, auditor, case_id, Format.JSON, SHIPPED)
    doc = json.loads(issued.content)
    assert [(r["sha256"], r["status"]) for r in doc["replies"]] == [(sent.sha256, "sent")]
    with sessions() as s:
        checked_file = verify.verify(s, issued.content)
    assert checked_file.ok, checked_file.checks


def test_a_reply_cannot_be_sent_once_the_case_was_screened_again(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc())
    _run(engine, lambda s: flows.approve(s, APPROVER_1, case_id, LIFE))
    _run(
        engine,
        lambda s: custody.place_hold(
            s, REVIEWER, case_id, ["acct-1"], date.today(), 90, minimum_days=60
        ),
    )
    reply_id = _run(
        engine, lambda s: service.draft(s, REVIEWER, case_id, "preservation_ack", SHIPPED).id
    )
    assert "90 days" in _run(engine, lambda s: s.get(ReplyRow, reply_id).text)
    _run(engine, lambda s: flows.rescreen(s, REVIEWER, case_id, screener))
    err = _fails(engine, "reply.stale", lambda s: service.send(s, REVIEWER, case_id, reply_id))
    assert "screened again" in err.message and "screening 2" in err.message
    # drafted again from the case as it stands, it goes out
    again = _run(
        engine, lambda s: service.draft(s, REVIEWER, case_id, "preservation_ack", SHIPPED).id
    )
    assert _run(engine, lambda s: service.send(s, REVIEWER, case_id, again).status) == "sent"


def test_a_reply_cannot_be_sent_for_a_decision_it_was_not_drafted_from(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc())
    postponement = Postponement("our investigation 12/2026", date.today() + timedelta(days=30))

    def postpone(reason: str) -> Any:
        return lambda s: flows.transition(
            s, REVIEWER, case_id, Status.POSTPONED, LIFE, note=reason, postponement=postponement
        )

    _run(engine, postpone("Executing now would alert the suspects."))
    reply_id = _run(
        engine, lambda s: service.draft(s, REVIEWER, case_id, "postponement", SHIPPED).id
    )
    text = _run(engine, lambda s: s.get(ReplyRow, reply_id).text)
    assert "Executing now would alert the suspects." in text
    assert "our investigation 12/2026" not in text  # the domestic proceedings stay at home
    # resumed, then postponed again for another reason: the draft answers the old decision
    _run(
        engine,
        lambda s: flows.transition(s, REVIEWER, case_id, Status.IN_REVIEW, LIFE, note="resumed"),
    )
    _fails(engine, "reply.stale", lambda s: service.approve(s, APPROVER_1, case_id, reply_id))
    _run(engine, postpone("A witness is to be heard first."))
    err = _fails(engine, "reply.stale", lambda s: service.approve(s, APPROVER_1, case_id, reply_id))
    assert "changed since it was drafted" in err.message
    with dbe.sessions(engine)() as s:
        offered = [o.kind for o in service.offers(s, s.get(Case, case_id), SHIPPED)]
    assert offered == [Kind.POSTPONEMENT]


def test_a_request_for_information_lists_each_missing_item_and_is_moot_once_supplied(
    engine: Engine, screener: screening.Screener
) -> None:
    doc = _doc()
    doc.pop("facts")
    doc.pop("necessity")
    case_id = _in_review(engine, screener, doc)
    _run(
        engine,
        lambda s: flows.transition(
            s, REVIEWER, case_id, Status.INFO_REQUESTED, LIFE, note="Please also give the dates."
        ),
    )
    _fails(
        engine,
        "reply.not_available",
        lambda s: service.draft(s, REVIEWER, case_id, "refusal", SHIPPED),
    )
    _fails(
        engine,
        "reply.invalid_language",
        lambda s: service.draft(s, REVIEWER, case_id, "info_request", SHIPPED, language="de"),
    )
    reply_id = _run(
        engine,
        lambda s: service.draft(s, REVIEWER, case_id, "info_request", SHIPPED, language="fr").id,
    )
    text = _run(engine, lambda s: s.get(ReplyRow, reply_id).text)
    assert "« facts »" in text and "« necessity »" in text and "article 42" in text
    assert "Please also give the dates." in text
    _run(engine, lambda s: flows.amend(s, INTAKE, case_id, _doc(), screener, LIFE))
    err = _fails(engine, "reply.stale", lambda s: service.send(s, REVIEWER, case_id, reply_id))
    assert "no longer has the decision" in err.message or "screened again" in err.message


def test_the_request_documents_language_decides_the_default(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc(language="French"))
    _run(
        engine,
        lambda s: flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=GROUNDS[:1]),
    )
    row = _run(engine, lambda s: service.draft(s, REVIEWER, case_id, "refusal", SHIPPED))
    assert row.language == "fr" and "Refus d'entraide" in row.text
    assert (
        "article 40, paragraphe 21, de la Convention des Nations Unies contre la cybercriminalité"
        in row.text
    )
    english = _run(
        engine, lambda s: service.draft(s, REVIEWER, case_id, "refusal", SHIPPED, language="en")
    )
    assert english.language == "en" and "Refusal of assistance" in english.text


def test_an_organisation_edits_its_templates_and_a_broken_one_is_a_clear_error(
    engine: Engine, screener: screening.Screener, tmp_path: Path
) -> None:
    case_id = _in_review(engine, screener, _doc())
    _run(
        engine,
        lambda s: flows.transition(s, REVIEWER, case_id, Status.REFUSED, LIFE, grounds=GROUNDS[:1]),
    )
    own = tmp_path / "templates"
    (own / "replies" / "en").mkdir(parents=True)
    (own / "replies" / "es").mkdir(parents=True)
    (own / "replies" / "en" / "refusal.txt").write_text(
        '{% import "en/_words.txt" as w %}Dear colleagues at {{ authority.name }},\n'
        "{% for g in facts.grounds %}- {{ w.cite(g.cite) }}: {{ g.reason }}\n{% endfor %}"
    )
    (own / "replies" / "es" / "refusal.txt").write_text(
        "Denegación: {{ facts.grounds|length }} motivo\n"
    )
    templates = Templates(own)
    assert templates.languages("refusal") == ["en", "es", "fr"]
    row = _run(engine, lambda s: service.draft(s, REVIEWER, case_id, "refusal", templates))
    assert row.text.startswith("Dear colleagues at") and "Article 40(21)" in row.text
    assert (
        _run(
            engine,
            lambda s: service.draft(s, REVIEWER, case_id, "refusal", templates, language="es"),
        ).text
        == "Denegación: 1 motivo\n"
    )
    with dbe.sessions(engine)() as s:
        drafted = [
            e.payload["summary"] for e in audit.stream(s) if e.payload["action"] == "reply.drafted"
        ]
    assert "organisation's templates" in drafted[0]["template"]

    (own / "replies" / "en" / "refusal.txt").write_text(
        "Line one\n{% for g in facts.grounds %}\n{{ g.reason }\n"
    )
    err = _fails(
        engine,
        "template.invalid",
        lambda s: service.draft(s, REVIEWER, case_id, "refusal", Templates(own)),
    )
    assert (
        "en/refusal.txt" in err.message
        and "organisation's templates" in err.message
        and "line 3" in err.message
    )
    (own / "replies" / "en" / "refusal.txt").write_text(
        "One\nTwo {{ facts.no_such_thing.deeper }}\n"
    )
    err = _fails(
        engine,
        "template.invalid",
        lambda s: service.draft(s, REVIEWER, case_id, "refusal", Templates(own)),
    )
    assert (
        "refusal.txt" in err.message and "line 2" in err.message and "no_such_thing" in err.message
    )
    with dbe.sessions(engine)() as s:  # nothing was stored by the refused drafts
        assert len(service.of_case(s, s.get(Case, case_id))) == 2


def test_edited_text_is_checked_and_kept_as_typed(
    engine: Engine, screener: screening.Screener
) -> None:
    case_id = _in_review(engine, screener, _doc(confidentiality_requested=True))
    _run(
        engine,
        lambda s: custody.answer_confidentiality(
            s,
            REVIEWER,
            case_id,
            "cannot",
            "Our law requires notice to the user.",
            date.today(),
            today=date.today(),
        ),
    )
    reply_id = _run(
        engine, lambda s: service.draft(s, REVIEWER, case_id, "confidentiality_notice", SHIPPED).id
    )
    assert "Our law requires notice to the user." in _run(
        engine, lambda s: s.get(ReplyRow, reply_id).text
    )
    _fails(
        engine, "reply.invalid_text", lambda s: service.edit(s, REVIEWER, case_id, reply_id, "  \n")
    )
    _fails(
        engine,
        "reply.invalid_text",
        lambda s: service.edit(s, REVIEWER, case_id, reply_id, "a\x00b"),
    )
    _fails(
        engine,
        "reply.invalid_text",
        lambda s: service.edit(s, REVIEWER, case_id, reply_id, "x" * 20_001),
    )
    hostile = "<script>alert('x')</script> & « ok »\r\nsecond line"
    row = _run(engine, lambda s: service.edit(s, REVIEWER, case_id, reply_id, hostile))
    assert row.text == "<script>alert('x')</script> & « ok »\nsecond line\n"
    sent = _run(engine, lambda s: service.send(s, REVIEWER, case_id, reply_id))  # no four eyes
    assert sent.status == "sent" and sent.sha256 == service.sha256(row.text)
    other = flows.Actor("eve@b.example", "org-b", frozenset({Role.REVIEWER}))
    _fails(engine, "case.not_found", lambda s: service.get(s, other, case_id, reply_id))
    _fails(engine, "reply.not_found", lambda s: service.get(s, REVIEWER, case_id, reply_id + 1000))
    intake_only = flows.Actor(INTAKE.user, "org-a", frozenset({Role.INTAKE}))
    _fails(
        engine,
        "case.forbidden",
        lambda s: service.draft(s, intake_only, case_id, "confidentiality_notice", SHIPPED),
    )
