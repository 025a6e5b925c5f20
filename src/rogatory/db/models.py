"""Every feature's ORM models, imported in one place so the metadata is complete.

Alembic's environment and the schema tests import this module; a new feature adds its models
here, or the migration check fails.
"""

from rogatory.accounts import models as accounts
from rogatory.assessments import models as assessments
from rogatory.audit import models as audit
from rogatory.authorities import models as authorities
from rogatory.evidence import models as evidence
from rogatory.notifications import models as notifications
from rogatory.orm import Base
from rogatory.replies import models as replies
from rogatory.reports import models as reports
from rogatory.requests import models as requests
from rogatory.signing import models as signing

FEATURES = (
    accounts,
    assessments,
    audit,
    authorities,
    evidence,
    notifications,
    replies,
    reports,
    requests,
    signing,
)
metadata = Base.metadata
