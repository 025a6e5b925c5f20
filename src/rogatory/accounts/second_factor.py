"""The TOTP second factor of a requester's account, at rest and when a code is checked.

The secret is sealed under the deployment's key-encryption key (``signing.envelope``, bound
to the organisation and the user's id, so a row copied onto another account does not open),
the way signing keys and webhook secrets are. A code is accepted once: the step it matched is
written by an update that succeeds only if it is later than the last step used, so the same
code sent twice at once is accepted once.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.orm import Session

from rogatory.accounts import totp
from rogatory.accounts.models import RequesterAccount
from rogatory.signing import envelope

ISSUER = "rogatory"


def _key_id(user_id: str) -> str:
    return f"totp:{user_id}"


def seal(account: RequesterAccount, secret: bytes, kek: envelope.Kek) -> None:
    sealed = envelope.seal(kek, secret, org=account.org_id, key_id=_key_id(account.user_id))
    account.totp_ciphertext = sealed.ciphertext
    account.totp_wrapped_dek = sealed.wrapped_dek
    account.totp_kek_id = sealed.kek_id
    account.totp_last_step = None


def secret_of(account: RequesterAccount, kek: envelope.Kek) -> bytes | None:
    if not (account.totp_ciphertext and account.totp_wrapped_dek and account.totp_kek_id):
        return None
    sealed = envelope.Sealed(account.totp_ciphertext, account.totp_wrapped_dek, account.totp_kek_id)
    return envelope.open_sealed(kek, sealed, org=account.org_id, key_id=_key_id(account.user_id))


def use_code(
    session: Session, account: RequesterAccount, code: str, now: datetime, kek: envelope.Kek
) -> bool:
    """Whether ``code`` is right now and not used before; if so its step is spent."""
    secret = secret_of(account, kek)
    if secret is None:
        return False
    step = totp.accepted(secret, code, now.timestamp(), account.totp_last_step)
    if step is None:
        return False
    spent = session.execute(
        update(RequesterAccount)
        .where(
            RequesterAccount.user_id == account.user_id,
            or_(
                RequesterAccount.totp_last_step.is_(None),
                RequesterAccount.totp_last_step < step,
            ),
        )
        .values(totp_last_step=step)
        .execution_options(synchronize_session=False)
    )
    session.expire(account)
    return getattr(spent, "rowcount", 0) == 1
