"""The value-class bases that stand in for @dataclass answer as @dataclass does."""

from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass

import pytest

from bot.engine.parsed import Failure
from bot.engine.smtpcodes import Codes
from bot.record import Frozen, Record, once, set_field


class Point(Frozen):
    x: int
    y: tuple[str, ...]

    __slots__ = ("x", "y")

    def __init__(self, x: int, y: tuple[str, ...] = ()) -> None:
        set_field(self, "x", x)
        set_field(self, "y", y)


@dataclass(frozen=True)
class DataPoint:
    x: int
    y: tuple[str, ...] = ()


def test_equality_hash_and_repr_are_a_frozen_dataclass_s() -> None:
    assert Point(1, ("a",)) == Point(1, ("a",))
    assert Point(1) != Point(2)
    assert Point(1) != DataPoint(1)  # another class, even with the same fields
    assert hash(Point(1, ("a",))) == hash(Point(1, ("a",)))
    assert len({Point(1), Point(1), Point(2)}) == 2
    assert repr(Point(1, ("a",))) == repr(DataPoint(1, ("a",))).replace("DataPoint", "Point")


def test_a_frozen_record_cannot_be_changed() -> None:
    point = Point(1)
    with pytest.raises(AttributeError):
        point.x = 2  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del point.x  # type: ignore[misc]
    with pytest.raises(AttributeError):
        point.z = 3  # type: ignore[attr-defined]
    assert point.x == 1


def test_a_mutable_record_compares_by_fields_and_does_not_hash() -> None:
    failure = Failure("bob@example.org", "550 no such user")
    same = Failure("bob@example.org", "550 no such user")
    assert failure == same
    same.status = "5.1.1"
    assert failure != same
    with pytest.raises(TypeError):
        hash(failure)
    assert repr(failure).startswith("Failure(recipient='bob@example.org', diagnostic='550 ")


def test_records_pickle_and_copy_through_their_init() -> None:
    for value in (Point(1, ("a",)), Codes("550", "5.1.1"), Failure("a@b.example", "x", "5.0.0")):
        for protocol in range(2, pickle.HIGHEST_PROTOCOL + 1):
            assert pickle.loads(pickle.dumps(value, protocol)) == value
        assert copy.copy(value) == value
        assert copy.deepcopy(value) == value


def test_slots_must_name_the_init_parameters() -> None:
    with pytest.raises(TypeError, match="__slots__"):

        class Missing(Record):
            __slots__ = ("a",)

            def __init__(self, a: int, b: int) -> None:
                self.a = a

    with pytest.raises(TypeError, match="__slots__"):

        class KeywordOnly(Record):
            __slots__ = ("a",)

            def __init__(self, *, a: int) -> None:
                self.a = a


def test_replace_makes_a_changed_copy_and_refuses_unknown_fields() -> None:
    point = Point(1, ("a",))
    assert point.replace(x=2) == Point(2, ("a",))
    assert point == Point(1, ("a",))  # unchanged
    assert Point.field_names() == ("x", "y")
    with pytest.raises(TypeError, match="'z'"):
        point.replace(z=3)


def test_fields_left_out_of_repr_and_of_comparison() -> None:
    from bot.config import Settings
    from bot.model import Reply

    settings = Settings(slack_bot_token="xoxb-0123456789", secrets=("xoxb-0123456789",))
    assert "secrets=" not in repr(settings)
    assert repr(settings).count("xoxb-0123456789") == 1  # its own field, masked elsewhere
    assert "secrets" in Settings.field_names()
    assert Reply("t", data={"a": 1}) == Reply("t", data={"b": 2})  # data is not compared
    assert Reply("t", data={"a": 1}) != Reply("u", data={"a": 1})
    assert hash(Reply("t", data={"a": 1})) == hash(Reply("t"))  # a dict, yet hashable


class Counted:
    def __init__(self) -> None:
        self.calls = 0

    @once
    def value(self) -> int:
        """Worked out once."""
        self.calls += 1
        return 42


def test_once_works_a_value_out_on_first_access_only() -> None:
    counted = Counted()
    assert counted.value == 42 and counted.value == 42
    assert counted.calls == 1
    assert counted.__dict__["value"] == 42  # kept where later accesses find it first
    assert isinstance(Counted.value, once)  # asked of the class: the descriptor
    assert Counted.value.__doc__ == "Worked out once."
