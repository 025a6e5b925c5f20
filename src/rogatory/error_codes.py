"""Every error code rogatory answers with: its HTTP status and what it means, in one catalogue.

An error is raised with a stable code (``case.not_open``); the API answers it with the status
given here (problem+json, its ``type`` the code's page at ``/api/v1/problems/{code}``), the web
pages with the same status, the CLI with ``error[code]``. A code that is not listed here is a
mistake a test catches (every code the source raises must be listed, and every listed code
must be raised somewhere), so a new error cannot fall to a default status by accident.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ErrorCode:
    status: int
    meaning: str


def _c(status: int, meaning: str) -> ErrorCode:
    return ErrorCode(status, meaning)


CATALOGUE: Mapping[str, ErrorCode] = {
    # the API token, the session, the person's access
    "auth.missing_token": _c(401, "no API token was sent (Authorization: Bearer ...)"),
    "auth.invalid_token": _c(401, "the API token is unknown, revoked or expired"),
    "auth.invalid_credentials": _c(401, "the email or password is wrong"),
    "auth.no_session": _c(401, "not signed in, or the session has ended"),
    "auth.csrf": _c(403, "the form's CSRF token is missing or not the session's"),
    "auth.forbidden": _c(403, "the token's scopes or the person's roles do not allow this"),
    "auth.throttled": _c(429, "too many failed sign-ins: wait for Retry-After"),
    "auth.code_required": _c(401, "the account signs in with its password and a TOTP code"),
    "auth.invalid_code": _c(401, "the TOTP code is wrong, outside its window, or already used"),
    "auth.not_approved": _c(403, "the requester's account is not approved by the provider yet"),
    # single-use tickets of sign-up and sign-in (verification link, enrolment, code step)
    "account.token_unknown": _c(422, "the link or step is not one this site issued"),
    "account.token_used": _c(409, "the link or step was already used once"),
    "account.token_expired": _c(410, "the link or step has expired"),
    # requesting authorities' own accounts
    "requester.invalid_email": _c(422, "not an email address"),
    "requester.invalid_name": _c(422, "the requester's name is missing"),
    "requester.domain_not_registered": _c(
        422, "the email's domain belongs to no authority in the registry on the day"
    ),
    "requester.invalid_code": _c(422, "the TOTP code does not confirm the secret shown"),
    "requester.not_ready": _c(409, "the account is not at the step this needs"),
    "requester.not_found": _c(404, "no such requester account in the organisation"),
    "requester.invalid_status": _c(422, "not a status of a requester account"),
    "requester.wrong_state": _c(
        422, "the request's requesting State is not the State of the requester's authority"
    ),
    # the workflow of a case
    "case.not_found": _c(404, "no such case in the caller's organisation"),
    "case.forbidden": _c(403, "the person's roles do not allow this action on a case"),
    "case.forbidden_transition": _c(403, "the person's roles do not allow this move"),
    "case.invalid_transition": _c(409, "the case cannot move there from where it stands"),
    "case.guard_failed": _c(422, "a condition of the move is not met (notes, grounds, approvals)"),
    "case.ground_not_allowed": _c(
        422, "a refusal cites a ground, or a provision, outside the measure's closed list"
    ),
    "case.idempotency_conflict": _c(
        409, "the Idempotency-Key was used for another request document or treaty"
    ),
    "case.treaty_unavailable": _c(422, "the service does not screen under that treaty"),
    "case.not_open": _c(409, "the case is closed (disclosed, refused, withdrawn)"),
    "case.not_waiting": _c(409, "the case is not waiting for information"),
    "case.not_approved": _c(409, "the case is not approved: nothing may be handed over"),
    "case.not_preservation": _c(409, "only a preservation case has this step"),
    "case.notification_not_due": _c(409, "the non-disclosure order has not ended"),
    "case.follow_up_recorded": _c(409, "the follow-up request is already recorded"),
    "case.follow_up_missing": _c(409, "no follow-up request is recorded yet"),
    "case.follow_up_decided": _c(409, "the follow-up request is already decided"),
    "case.confidentiality_not_requested": _c(409, "the request did not ask for confidentiality"),
    "case.step_decided": _c(409, "the step is already decided"),
    "case.amend_mismatch": _c(422, "an amendment cannot change the measure or the States"),
    "case.note_required": _c(422, "a note is required"),
    "case.no_such_finding": _c(422, "the screening has no such review finding"),
    "case.invalid_assignee": _c(422, "the assignee is no active worker of the organisation"),
    "case.invalid_confidentiality": _c(422, "the confidentiality answer is incomplete"),
    "case.invalid_consultation": _c(422, "the consultation is incomplete"),
    "case.invalid_postponement": _c(422, "the postponement is incomplete"),
    "case.invalid_date": _c(422, "a date field is not a date"),
    "case.invalid_follow_up": _c(422, "the follow-up request is incomplete"),
    "case.invalid_order": _c(422, "the non-disclosure order is incomplete"),
    "case.invalid_override": _c(422, "the override needs a legal basis, a citation and a reason"),
    "case.invalid_screening_date": _c(422, "the law data holds no value on that screening date"),
    "case.invalid_traffic_disclosure": _c(422, "the traffic-data disclosure is incomplete"),
    # replies to the requesting authority, and the case file
    "reply.not_found": _c(404, "no such reply on the case"),
    "reply.not_available": _c(409, "the case has no decision or step that kind of reply answers"),
    "reply.invalid_language": _c(422, "no template of that kind of reply in that language"),
    "reply.invalid_text": _c(422, "the reply's text is empty, too long or not storable"),
    "reply.invalid_channel": _c(422, "not a way of delivering a reply"),
    "reply.wrong_status": _c(409, "the reply's status does not allow this (sent, discarded)"),
    "reply.own_draft": _c(422, "the person who drafted or edited a reply cannot approve it"),
    "reply.approval_needed": _c(409, "the reply needs a second person's approval first"),
    "reply.stale": _c(409, "the case was screened again or its decision changed since drafting"),
    "template.invalid": _c(500, "a template (shipped or the organisation's) cannot be rendered"),
    "casefile.invalid_format": _c(422, "not a case-file format (html, pdf, json)"),
    "pdf.unavailable": _c(500, "PDF cannot be made here: its system libraries are missing"),
    # preservation holds
    "hold.no_identifiers": _c(422, "a hold names at least one identifier"),
    "hold.too_short": _c(422, "shorter than the minimum period of preservation"),
    "hold.out_of_range": _c(422, "the hold's dates are out of range"),
    "hold.invalid_days": _c(422, "the number of days is not a whole number"),
    "hold.not_active": _c(409, "the hold is not active"),
    "hold.not_later": _c(409, "an extension must end later than the hold does"),
    # evidence
    "evidence.too_large": _c(413, "the file exceeds the evidence size limit"),
    "evidence.empty": _c(422, "the file is empty"),
    "evidence.invalid_name": _c(422, "the file name has characters outside the safe set"),
    "evidence.not_found": _c(422, "no such evidence file on the case"),
    "evidence.no_recipient": _c(422, "a disclosure names its recipient"),
    "evidence.tampered": _c(409, "a stored file no longer matches its hash: not handed over"),
    # the HTTP request, its body and the request document
    "request.too_large": _c(413, "the body exceeds the limit (ROGATORY_MAX_BODY_BYTES)"),
    "request.body_timeout": _c(408, "the client stopped sending the body"),
    "request.invalid": _c(422, "fields are invalid: each is listed in errors"),
    "request.invalid_text": _c(422, "text no database can keep (NUL, a lone surrogate)"),
    "request.invalid_number": _c(422, "NaN or Infinity, which JSON cannot hold"),
    "request.invalid_json": _c(422, "the body is not JSON"),
    "request.invalid_date": _c(422, "not a date (YYYY-MM-DD) or a date-time with its offset"),
    "request.invalid_type": _c(422, "a value of the wrong type"),
    "request.invalid_value": _c(422, "a value outside what the field allows"),
    "request.invalid_period": _c(422, "the period ends before it begins"),
    "request.invalid_cursor": _c(422, "not a cursor returned by this API"),
    "http.not_found": _c(404, "no such route"),
    "http.method_not_allowed": _c(405, "the route does not take this method (see Allow)"),
    "http.error": _c(400, "the HTTP request could not be read"),
    "internal": _c(500, "an unexpected failure of the server, logged under a request id"),
    # the database
    "db.busy": _c(503, "the database is busy: try again after Retry-After"),
    "db.unavailable": _c(503, "the database cannot be reached or opened"),
    "db.read_only": _c(503, "the database is read-only"),
    "db.not_migrated": _c(500, "the schema is not up to date (rogatory db upgrade)"),
    "settings.database_url": _c(500, "ROGATORY_DATABASE_URL is not a database URL"),
    "settings.key_file": _c(500, "the key-encryption key file cannot be used"),
    "settings.placeholder_secret": _c(500, "a placeholder secret outside development"),
    "settings.invalid": _c(500, "a ROGATORY_ setting has a value it cannot take"),
    "policy.invalid": _c(422, "the fraud policy (file or settings) is invalid: each key listed"),
    "policy.invalid_value": _c(422, "a fraud threshold is not a value it can take"),
    "policy.unknown_key": _c(422, "a key of the fraud policy file is not a threshold"),
    # signing keys, receipts, checkpoints, the audit chain
    "keys.wrong_kek": _c(500, "the key-encryption key does not open the stored signing keys"),
    "keys.tampered": _c(500, "a stored signing key was altered"),
    "keys.exists": _c(409, "the organisation already has a signing key"),
    "keys.unknown_organisation": _c(404, "no such organisation"),
    "receipt.invalid": _c(422, "the receipt does not verify"),
    "report.invalid": _c(422, "not a published report document"),
    "report.invalid_period": _c(422, "the report period is not a half-year or a range of days"),
    "report.invalid_k": _c(422, "the suppression threshold k is not a whole number from 3"),
    "report.invalid_format": _c(422, "the report format is not text, json, csv or html"),
    "report.unknown_organisation": _c(404, "no such organisation to report on"),
    "report.not_found": _c(404, "no such published report"),
    "receipt.invalid_key": _c(422, "not a public key of this service"),
    "checkpoint.invalid": _c(422, "the checkpoint is not one this service signed"),
    "checkpoint.other_chain": _c(422, "the checkpoint is of another chain"),
    "audit.empty_chain": _c(409, "the chain has no events to checkpoint"),
    # people and tokens
    "user.exists": _c(422, "a user with this email exists"),
    "user.not_found": _c(404, "no such user in the organisation"),
    "notification.invalid_kind": _c(422, "not a kind of notice"),
    "notification.invalid_channel": _c(422, "not a channel a person chooses (email)"),
    "notification.invalid_value": _c(422, "a preference is not true, false or null"),
    "notification.invalid_url": _c(422, "a webhook's URL is not an http(s) URL"),
    "notification.weak_secret": _c(422, "a webhook's shared secret is too short"),
    "notification.not_found": _c(404, "no such webhook"),
    "user.forbidden": _c(403, "managing people and tokens needs the admin role"),
    "user.invalid_role": _c(422, "not a role"),
    "user.weak_password": _c(422, "the password is too short"),
    "user.last_admin": _c(409, "the organisation would be left without an active admin"),
    "token.not_found": _c(404, "no such API token in the organisation"),
    "token.invalid_scope": _c(422, "not a token scope"),
    "organisation.not_found": _c(404, "no such organisation"),
    # the authority registry, signed requests, call-backs
    "authority.invalid": _c(422, "the authority record is invalid: each problem is listed"),
    "authority.not_found": _c(404, "no such authority in the organisation's registry"),
    "authority.exists": _c(409, "an authority with this id is already registered"),
    "authority.key_exists": _c(409, "a key with this id is already registered"),
    "authority.key_not_found": _c(404, "no such key in the organisation's registry"),
    "authority.key_revoked": _c(409, "the key is already revoked"),
    "authority.forbidden": _c(403, "managing the authority registry needs the admin role"),
    "signature.unusable": _c(422, "not a signed request document that can be checked"),
    "signature.invalid_kid": _c(422, "not a key id (1-64 letters, digits or . _ : -)"),
    "request.replayed": _c(409, "a signed request already received, or issued outside the window"),
    "callback.invalid": _c(
        422, "the call-back is incomplete, or its number is not in the registry"
    ),
    "callback.forbidden": _c(403, "recording a call-back needs the reviewer or approver role"),
    # the law data and the treaty browser
    "treaty.not_found": _c(404, "no such article or treaty page"),
    "treaty.unknown_article": _c(404, "the treaty has no such article"),
    "treaty.unknown_chapter": _c(404, "the treaty has no such chapter"),
    "treaty.unknown_paragraph": _c(404, "the article has no such paragraph"),
    "treaty.invalid_reference": _c(422, "not an article reference (42, 42(1), art-42)"),
    "treaty.empty_query": _c(422, "the search is empty"),
    "treaty.no_crosswalk": _c(404, "no crosswalk between these treaties"),
    "crosswalk.invalid": _c(500, "the crosswalk data is invalid"),
    "law.no_value": _c(422, "the law data gives no value on that date"),
    "law.unknown_constant": _c(500, "a rule names a constant the bundle lacks"),
    "party.unknown_state": _c(422, "not a State code"),
    "input.unknown_state": _c(422, "not a State code"),
    "input.same_state": _c(422, "the two States are the same"),
    "input.invalid": _c(422, "an input file is invalid: each problem is listed"),
    "input.invalid_date": _c(422, "not a date (YYYY-MM-DD)"),
    "input.conflicting_options": _c(422, "options that cannot be used together"),
    "input.empty_folder": _c(422, "the folder holds no request"),
    "input.file_missing": _c(422, "no such file"),
    "input.file_unreadable": _c(422, "the file cannot be read"),
    "input.not_a_folder": _c(422, "not a folder"),
    "demo.not_empty": _c(409, "the database already holds data"),
    # compliance: footprints, the national implementation register, assessments
    "footprint.invalid": _c(422, "the company footprint is invalid: each problem is listed"),
    "laws.invalid": _c(422, "national implementation records are invalid: each problem is listed"),
    "assessment.invalid": _c(422, "not an assessment written by rogatory assess --format json"),
    "compliance.no_catalogue": _c(500, "the treaty bundle has no obligations catalogue"),
    "compliance.forbidden": _c(403, "the person's roles do not allow this compliance action"),
    "compliance.not_found": _c(404, "no such assessment or requirement in the organisation"),
    "compliance.invalid_status": _c(422, "not a requirement status"),
    "compliance.invalid_date": _c(422, "a date field is not a date"),
    "compliance.note_required": _c(422, "a note is required"),
    "compliance.invalid_value": _c(422, "a value outside what the field allows"),
    # the shipped law data (found when it is loaded: a fault of the installation)
    "rules.invalid_bundle": _c(500, "a treaty bundle is invalid"),
    "rules.not_a_bundle": _c(422, "the folder is not a treaty bundle"),
    "rules.unknown_bundle": _c(404, "no such treaty bundle"),
    "rules.invalid_scenarios": _c(500, "scenario files are invalid"),
    "rules.measures_table": _c(500, "the measures table does not cover the measures"),
    "rules.screening_rules": _c(500, "the treaty's screening rules name unknown rules"),
    "rules.duplicate_rule": _c(500, "two rules share an id"),
    "rules.unknown_rule": _c(500, "no such rule"),
    "rules.unknown_override": _c(500, "a rule overrides an unknown rule"),
    "rules.override_not_refusal": _c(500, "only a ground for refusal overrides a duty"),
    "rules.statement_missing": _c(500, "a rule has no statement"),
    "rules.unknown_provision": _c(500, "a citation names a provision the bundle lacks"),
    "rules.unknown_group": _c(500, "a final clause names an unknown group of States"),
    "text.no_articles": _c(500, "an authentic text has no articles"),
    "text.unreadable": _c(500, "an authentic text cannot be read"),
}


def status_of(code: str) -> int:
    """The HTTP status of ``code``; an unlisted code (a mistake the catalogue test catches) is
    answered as a failure of the server rather than blamed on the client."""
    entry = CATALOGUE.get(code)
    return entry.status if entry is not None else 500


def meaning_of(code: str) -> str | None:
    entry = CATALOGUE.get(code)
    return entry.meaning if entry is not None else None
