"""分类建档: a roster firm's class follows what is known of its credit and its need."""

from __future__ import annotations

from matching.roster import RosterClass, RosterFacts, has_credit, roster_class


def test_credit_on_the_roster_counts_even_without_any_registration() -> None:
    assert roster_class(RosterFacts(existing_credit_yuan=1)) is RosterClass.CREDIT


def test_credit_granted_here_outranks_a_need_being_served() -> None:
    facts = RosterFacts(registered=True, served=True, credited=True)
    assert roster_class(facts) is RosterClass.CREDIT and has_credit(facts)


def test_a_need_a_bank_accepted_is_served_and_not_yet_credit() -> None:
    facts = RosterFacts(registered=True, served=True)
    assert roster_class(facts) is RosterClass.NEED_SERVED and not has_credit(facts)


def test_a_registered_need_no_bank_accepted_is_waiting() -> None:
    assert roster_class(RosterFacts(registered=True)) is RosterClass.NEED_WAITING


def test_a_need_the_park_found_but_never_registered_is_waiting_too() -> None:
    assert roster_class(RosterFacts(surveyed_need=True)) is RosterClass.NEED_WAITING


def test_a_registration_outranks_a_survey_that_found_no_need() -> None:
    facts = RosterFacts(surveyed_need=False, registered=True)
    assert roster_class(facts) is RosterClass.NEED_WAITING


def test_the_survey_finding_no_need_is_no_need() -> None:
    assert roster_class(RosterFacts(surveyed_need=False)) is RosterClass.NO_NEED


def test_a_firm_neither_registered_nor_surveyed_is_unreached() -> None:
    assert roster_class(RosterFacts()) is RosterClass.UNREACHED
