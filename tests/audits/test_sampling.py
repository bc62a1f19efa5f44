"""The draw is reproducible from its seed (R-AUD-3) and sized by the auditor or by confidence and margin."""

import hashlib
from datetime import date

import pytest

from apps.accounts.roles import Role
from apps.audits.choices import Stratification
from apps.audits.sampling import PopulationEntry, allocate, draw, sample_size_for
from apps.audits.services import SAMPLE_BELOW_MINIMUM, audit_campaign_create
from apps.common.errors import ApplicationError
from tests.reports.support import days, log_query

TODAY = date(2026, 7, 15)


def test_sample_size_from_confidence_and_margin():
    # Cochran: 1.96² · 0.25 / 0.05² = 384.2; with the finite-population correction for 10 000 → 370.
    assert sample_size_for(population=10_000, confidence_level=95, margin_of_error=5, minimum=30) == 370
    # 2.5758² · 0.25 / 0.01² = 16 587 → 16 317 for a million.
    assert sample_size_for(population=1_000_000, confidence_level=99, margin_of_error=1, minimum=30) == 16_317
    assert sample_size_for(population=40, confidence_level=90, margin_of_error=25, minimum=30) == 30  # the minimum
    assert sample_size_for(population=12, confidence_level=95, margin_of_error=5, minimum=30) == 12  # all of them


def test_allocation_is_proportional_at_least_one_each_and_exact():
    allocation = allocate({"a": 900, "b": 90, "c": 10}, 50)
    assert sum(allocation.values()) == 50
    assert allocation == {"a": 45, "b": 4, "c": 1}  # quotas 45, 4.5, 0.5: c gets its one
    assert allocate({"a": 3, "b": 1}, 10) == {"a": 3, "b": 1}  # capped at what each stratum holds


def _population(n=500):
    return [PopulationEntry(access_log_id=1000 + seq, seq=seq, stratum=f"user{seq % 7}") for seq in range(1, n + 1)]


def test_the_same_seed_draws_the_same_sample_and_anyone_can_recompute_it():
    first = draw(population=_population(), seed="s33d", size=40, stratified=False)
    again = draw(population=list(reversed(_population())), seed="s33d", size=40, stratified=False)
    assert [e.access_log_id for e in first] == [e.access_log_id for e in again]

    # Independently: rank every seq by SHA-256("seed:seq") and take the 40 lowest.
    expected = sorted(range(1, 501), key=lambda seq: hashlib.sha256(f"s33d:{seq}".encode()).hexdigest())[:40]
    assert [e.seq for e in first] == expected
    assert [e.position for e in first] == list(range(1, 41))

    other = draw(population=_population(), seed="another", size=40, stratified=False)
    assert {e.seq for e in other} != {e.seq for e in first}


def test_a_stratified_sample_covers_every_stratum():
    drawn = draw(population=_population(), seed="x", size=10, stratified=True)
    assert {e.stratum for e in drawn} == {f"user{i}" for i in range(7)}
    assert len(drawn) == 10


@pytest.mark.django_db
def test_campaigns_with_the_same_seed_sample_the_same_queries(make_user, custodian):
    investigators = [make_user(Role.INVESTIGATOR) for _ in range(3)]
    for index, day in enumerate(days(date(2026, 1, 5), 60, step=2)):
        log_query(investigators[index % 3], day, case_number=f"C-{index}")

    kwargs = {"title": "H1 audit", "period_start": date(2026, 1, 1), "period_end": date(2026, 6, 30),
              "requested_size": 30, "seed": "reproducible-seed", "today": TODAY}
    first = audit_campaign_create(actor=custodian, **kwargs)
    second = audit_campaign_create(actor=custodian, **kwargs)

    def sampled(campaign):
        return list(campaign.samples.order_by("position").values_list("access_log__seq", flat=True))

    assert first.seed == "reproducible-seed" and first.population_size == 60 and first.sample_size == 30
    assert sampled(first) == sampled(second)
    expected = sorted(range(1, 61), key=lambda seq: hashlib.sha256(f"reproducible-seed:{seq}".encode()).hexdigest())
    assert sampled(first) == expected[:30]

    by_user = audit_campaign_create(actor=custodian, **{**kwargs, "stratification": Stratification.USER})
    assert set(by_user.samples.values_list("access_log__user", flat=True)) == {p.pk for p in investigators}


@pytest.mark.django_db
def test_a_sample_below_the_minimum_is_refused(make_user, custodian):
    investigator = make_user(Role.INVESTIGATOR)
    for day in days(date(2026, 2, 1), 40):
        log_query(investigator, day)
    with pytest.raises(ApplicationError) as error:
        audit_campaign_create(actor=custodian, title="Too small", period_start=date(2026, 1, 1),
                              period_end=date(2026, 6, 30), requested_size=5, today=TODAY)
    assert error.value.message == SAMPLE_BELOW_MINIMUM.format(minimum=30)
