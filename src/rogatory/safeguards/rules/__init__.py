"""The screening rules, registered in evaluation order by importing their modules.

Order matters only for reading: the outcome comes from the declared precedence, never from
which rule ran first.
"""

from importlib import import_module

MODULES = (
    "relation",
    "completeness",
    "refusal",
    "protection",
    "reservations",
    "channel",
    "requester",
    "execution",
)

for _name in MODULES:
    import_module(f"{__name__}.{_name}")
