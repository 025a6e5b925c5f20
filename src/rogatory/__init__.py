"""rogatory: the UN Convention against Cybercrime (A/RES/79/243) as working software.

The package is layered (see DESIGN.md): ``law`` is a generic engine for dated, cited legal
facts; ``treaty`` and ``parties`` model the Convention and the states bound by it; adapters such
as ``cli`` sit on top and are never imported by the layers below.
"""

__version__ = "0.1.0"
