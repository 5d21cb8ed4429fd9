"""The pseudonymiser: what it finds, the fakes it makes, and that they are consistent."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from harness.audit.pseudonym import Pseudonymiser, find, iban_ok, luhn_ok


def kinds(text: str) -> list[str]:
    return [kind for _, _, kind in find(text)]


def test_checksums_decide_what_is_a_card_or_an_iban() -> None:
    assert luhn_ok("4539148803436467") and not luhn_ok("4539148803436468")
    assert iban_ok("GB82 WEST 1234 5698 7654 32") and not iban_ok("GB83 WEST 1234 5698 7654 32")
    assert kinds("card 4539 1488 0343 6467") == ["card_number"]
    assert kinds("order 4539 1488 0343 6468") != ["card_number"]  # fails Luhn
    assert kinds("IBAN GB82 WEST 1234 5698 7654 32") == ["iban"]


def test_context_decides_account_numbers_postcodes_and_dates_of_birth() -> None:
    assert kinds("my account number is 53453179") == ["account_number"]
    assert kinds("it costs 53453179 pounds") == []
    assert kinds("I was born on 10 March 2004") == ["date_of_birth"]
    assert kinds("the charge was on 10 March 2024") == []
    assert kinds("postcode SW1A 1AA") == ["postcode"]
    assert kinds("my zip code is 90210") == ["postcode"]


def test_names_are_found_when_introduced_or_known() -> None:
    assert kinds("my name is Ricky Thompson") == ["name"]
    assert kinds("a new payee called Holly Stephens appeared") == ["name"]
    assert kinds("Thanks, Paula Weaver") == ["name"]
    assert kinds("The Bank Holiday is on Monday") == []


def test_the_same_value_of_one_customer_has_one_fake_of_its_shape() -> None:
    p = Pseudonymiser(b"salt")
    one = p.text("call 020 7946 0958 or mail jo@example.org", "c1")
    two = p.text("jo@example.org again, 02079460958", "c1")
    assert one.split()[-1] == two.split()[0]
    assert re.fullmatch(r"call 0\d\d \d{4} \d{4} or mail person-[0-9a-f]{8}@example\.com", one)
    assert one.split()[1:4] != ["020", "7946", "0958"]
    assert p.text("jo@example.org", "c2") != p.text("jo@example.org", "c1")  # per customer
    assert Pseudonymiser(b"other").text("jo@example.org", "c1") != two.split()[0]


def test_a_value_seen_once_is_replaced_when_it_comes_back_unlabelled() -> None:
    p = Pseudonymiser(b"salt")
    p.text("my account number is 31926819", "c1")
    assert "31926819" not in p.text("I told you: 31926819.", "c1")


@given(st.lists(st.integers(0, 9), min_size=15, max_size=15))
def test_a_fake_card_number_is_a_card_number_too(digits: list[int]) -> None:
    body = "4" + "".join(map(str, digits))
    card = next(body[:-1] + c for c in "0123456789" if luhn_ok(body[:-1] + c))
    fake = Pseudonymiser(b"salt").text(f"card {card} ok", "c")
    found = re.search(r"\d{16}", fake)
    assert found is not None and found[0] != card and luhn_ok(found[0])


@given(st.from_regex(r"[a-z]{1,10}(\.[a-z]{1,8})?@[a-z]{2,10}\.(com|org|co\.uk)", fullmatch=True))
def test_every_email_address_is_replaced(address: str) -> None:
    assert address not in Pseudonymiser(b"salt").text(f"write to {address} please", "c")
