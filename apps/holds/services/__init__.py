"""Writes of evidence holds (R-RET-3), one module per concept; callers import the module (no re-exports here).

One service per status edge (``HOLD_TRANSITIONS``): each locks the hold (select_for_update), checks the current
state and who acts, writes the new state, records a domain event with old and new values — one transaction; alerts
and jobs go out on commit. Refusals raise ApplicationError / PermissionDeniedError with the module constants
(tests assert them) and change nothing.
"""
