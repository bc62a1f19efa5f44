"""The agreement tests share the disclosure tests' people and agencies."""

from tests.disclosures.conftest import (  # noqa: F401 - fixtures
    agreement,
    custodian,
    deploying_agency,
    partner,
    partner_agency,
    submit,
    sysadmin,
)
