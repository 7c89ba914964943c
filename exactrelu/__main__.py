"""``python -m exactrelu`` is the ``exactrelu`` command."""

from .cli import command

command()
