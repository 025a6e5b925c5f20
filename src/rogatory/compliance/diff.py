"""What changed between two assessments: a State's status or date, an obligation that now
applies (or no longer does), gaps opened, closed or of another severity.

Works on the JSON form of an assessment (``rogatory assess --format json``, or one stored
in the web app), so any two assessments compare, whoever made them and whenever.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from rogatory.compliance.assessment import SCHEMA
from rogatory.errors import RogatoryError


def load(path: Path) -> dict[str, Any]:
    """An assessment written by ``rogatory assess --format json``."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise RogatoryError("assessment.invalid", f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise RogatoryError(
            "assessment.invalid", f"{path}: not an assessment (JSON): {exc}"
        ) from None
    if not isinstance(data, dict) or data.get("schema") != SCHEMA:
        raise RogatoryError(
            "assessment.invalid",
            f"{path}: field schema: not {SCHEMA!r}; write it with rogatory assess --format json",
        )
    return data


def _countries(j: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["state"]: c for c in j.get("countries", [])}


def compare(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """Every difference that matters to a compliance team, per State."""
    before, after = _countries(old), _countries(new)
    states: list[dict[str, Any]] = []
    for code in sorted(set(before) | set(after)):
        a, b = before.get(code), after.get(code)
        if a is None or b is None:
            states.append({"state": code, "change": "added" if a is None else "removed"})
            continue
        entry: dict[str, Any] = {"state": code, "change": "changed"}
        for key in ("status", "bound_from", "projected_bound_from"):
            if a.get(key) != b.get(key):
                entry[key] = {"old": a.get(key), "new": b.get(key)}
        obs_a = {o["id"]: o for o in a.get("obligations", [])}
        obs_b = {o["id"]: o for o in b.get("obligations", [])}
        moved = [
            {
                "id": oid,
                "old": obs_a[oid]["applies"] if oid in obs_a else None,
                "new": obs_b[oid]["applies"] if oid in obs_b else None,
                "implementation": {
                    "old": obs_a.get(oid, {}).get("implementation"),
                    "new": obs_b.get(oid, {}).get("implementation"),
                },
                "reason": obs_b.get(oid, obs_a.get(oid, {})).get("reason"),
            }
            for oid in sorted(set(obs_a) | set(obs_b))
            if obs_a.get(oid, {}).get("applies") != obs_b.get(oid, {}).get("applies")
            or obs_a.get(oid, {}).get("implementation") != obs_b.get(oid, {}).get("implementation")
        ]
        if moved:
            entry["obligations"] = moved
        laws_a = {r["record"] for r in a.get("register", {}).get("in_force", [])}
        laws_b = {r["record"] for r in b.get("register", {}).get("in_force", [])}
        if laws_a != laws_b:
            entry["laws_in_force"] = {
                "added": sorted(laws_b - laws_a),
                "removed": sorted(laws_a - laws_b),
            }
        if len(entry) > 2:
            states.append(entry)
    gaps_a = {g["key"]: g for g in old.get("gaps", [])}
    gaps_b = {g["key"]: g for g in new.get("gaps", [])}
    return {
        "old": {"as_of": old.get("as_of"), "bundle_revision": old.get("bundle_revision")},
        "new": {"as_of": new.get("as_of"), "bundle_revision": new.get("bundle_revision")},
        "states": states,
        "gaps": {
            "opened": [gaps_b[k] for k in sorted(set(gaps_b) - set(gaps_a))],
            "closed": [gaps_a[k] for k in sorted(set(gaps_a) - set(gaps_b))],
            "severity": [
                {"key": k, "old": gaps_a[k]["severity"], "new": gaps_b[k]["severity"]}
                for k in sorted(set(gaps_a) & set(gaps_b))
                if gaps_a[k]["severity"] != gaps_b[k]["severity"]
            ],
        },
    }


def _word(value: Any) -> str:
    return {True: "applies", False: "does not apply", None: "absent"}.get(value, str(value))


def lines(changed: dict[str, Any]) -> list[str]:
    """The comparison in plain lines."""
    out = [f"from {changed['old']['as_of']} to {changed['new']['as_of']}"]
    for s in changed["states"]:
        if s["change"] != "changed":
            out.append(f"{s['state']}: {s['change']}")
            continue
        for key in ("status", "bound_from", "projected_bound_from"):
            if key in s:
                out.append(
                    f"{s['state']}: {key.replace('_', ' ')} {s[key]['old']} -> {s[key]['new']}"
                )
        for lw in s.get("laws_in_force", {}).get("added", []):
            out.append(f"{s['state']}: law now in force: {lw}")
        for lw in s.get("laws_in_force", {}).get("removed", []):
            out.append(f"{s['state']}: law no longer in force: {lw}")
        for o in s.get("obligations", []):
            out.append(
                f"{s['state']}: {o['id']}: {_word(o['old'])} -> {_word(o['new'])} ({o['reason']})"
            )
    gaps = changed["gaps"]
    out += [f"gap opened  {g['severity']:<6} {g['key']}: {g['finding']}" for g in gaps["opened"]]
    out += [f"gap closed  {g['severity']:<6} {g['key']}" for g in gaps["closed"]]
    out += [f"gap severity {g['key']}: {g['old']} -> {g['new']}" for g in gaps["severity"]]
    if len(out) == 1:
        out.append("no change")
    return out
