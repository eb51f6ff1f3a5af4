"""How one-shot commands log: warnings and errors on stderr as `ndrbot: LEVEL: message`.

`logging` (with `traceback`, ~5 ms) is loaded only when a command may log: a command that has
nothing to log on its usual path (explaining without DNS) defers setting it up until a rarer path
is about to log (a knowledge file that breaks while a batch runs), and logs the same then.
"""

from __future__ import annotations

FORMAT = "ndrbot: %(levelname)s: %(message)s"
_deferred = False


def setup(*, defer: bool = False) -> None:
    """Set logging up for a command now, or with `defer` when something is about to log."""
    global _deferred
    _deferred = defer
    if not defer:
        import logging

        logging.basicConfig(level=logging.WARNING, format=FORMAT)


def before_logging() -> None:
    """Called before logging where a deferred command may log: sets logging up then."""
    if _deferred:
        setup()
