"""Writes to disclosure requests, one module per concept; callers import the module (no re-exports here).

One service per status edge (``DISCLOSURE_TRANSITIONS``): each locks the request (select_for_update), checks the
state, writes, records a review row and a domain event in one transaction; tasks and notifications go out on
commit. Messages are module constants (tests assert them).
"""
