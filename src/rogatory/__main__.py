"""``python -m rogatory`` runs the same CLI as the ``rogatory`` console script."""

from rogatory.cli import main

main()
