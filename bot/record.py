"""Bases for the value classes on the explain path, in place of `@dataclass`.

`@dataclass` writes and compiles each class's methods when its module is imported (~0.7 ms a
class), and loads `dataclasses` with `inspect` (~8 ms): ~30 ms of every `ndrbot explain`'s
start-up for its 33 classes. A class on these bases declares its fields as `__slots__` and as the
parameters of its `__init__`, which sets them; equality, hashing, `repr`, `replace` and pickling
come from here and answer as `@dataclass`'s do: equal when of the same class with equal fields,
shown as `Name(field=value, ...)` in `__init__`'s order. Slots named with a leading underscore
hold state beside the fields (a cache).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar, Generic, Self, TypeVar

T = TypeVar("T")

set_field = object.__setattr__
"""How a `Frozen` class's `__init__` sets its fields."""


class Record:
    """A mutable value: compared by its fields, so not hashable (as `@dataclass` makes it)."""

    __slots__ = ()
    _fields: ClassVar[tuple[str, ...]] = ()
    """The fields in `__init__`'s order (found when the class is made)."""
    _private: ClassVar[tuple[str, ...]] = ()
    """Slots named with a leading underscore: state beside the fields (a cache), neither compared
    nor shown, kept by pickling."""
    _unshown: ClassVar[tuple[str, ...]] = ()
    """Fields `repr` leaves out (secrets, indexes), as `field(repr=False)` does."""
    _uncompared: ClassVar[tuple[str, ...]] = ()
    """Fields equality and hashing leave out, as `field(compare=False)` does."""
    _compared: ClassVar[tuple[str, ...]] = ()

    def __init_subclass__(cls, **options: Any) -> None:
        super().__init_subclass__(**options)
        if "__init__" not in cls.__dict__:
            return  # a base (Frozen), or a subclass that keeps its parent's fields
        code = cls.__init__.__code__
        cls._fields = code.co_varnames[1 : code.co_argcount]
        slots = cls.__dict__.get("__slots__", ())
        cls._private = tuple(name for name in slots if name.startswith("_"))
        public = [name for name in slots if not name.startswith("_")]
        if code.co_kwonlyargcount or sorted(cls._fields) != sorted(public):
            raise TypeError(f"{cls.__name__}: __slots__ must name __init__'s positional parameters")
        cls._compared = tuple(name for name in cls._fields if name not in cls._uncompared)

    @classmethod
    def field_names(cls) -> tuple[str, ...]:
        """The fields, in `__init__`'s order (as `dataclasses.fields` lists them)."""
        return cls._fields

    def replace(self, **changes: Any) -> Self:
        """A copy with the given fields changed (as `dataclasses.replace` makes it)."""
        values = [changes.pop(name, getattr(self, name)) for name in self._fields]
        if changes:
            raise TypeError(f"{self.__class__.__name__} has no field {next(iter(changes))!r}")
        return self.__class__(*values)

    def _values(self) -> tuple[Any, ...]:
        return tuple([getattr(self, name) for name in self._compared])

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __repr__(self) -> str:
        shown = (name for name in self._fields if name not in self._unshown)
        fields = ", ".join(f"{name}={getattr(self, name)!r}" for name in shown)
        return f"{self.__class__.__qualname__}({fields})"

    def __reduce__(self) -> tuple[Any, ...]:
        private = {name: getattr(self, name) for name in self._private if hasattr(self, name)}
        values = tuple(getattr(self, name) for name in self._fields)
        return (self.__class__, values, private or None)  # unpickled through __init__

    def __setstate__(self, private: dict[str, Any]) -> None:
        for name, value in private.items():
            set_field(self, name, value)


class Frozen(Record):
    """An immutable value: fields cannot be set after `__init__`, and it hashes by them."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._values())

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError(f"cannot assign to field {name!r} of a frozen {type(self).__name__}")

    def __delattr__(self, name: str) -> None:
        raise AttributeError(f"cannot delete field {name!r} of a frozen {type(self).__name__}")


class once(Generic[T]):
    """`functools.cached_property` without its lock: the value, worked out on first access, is
    kept in the instance's `__dict__`, where later accesses find it without calling this. (Python
    3.11's takes a lock at every first access: a cost a single-threaded pipeline pays for nothing,
    thousands of times a batch.)"""

    def __init__(self, func: Callable[[Any], T]) -> None:
        self.func = func
        self.name = func.__name__
        self.__doc__ = func.__doc__

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, instance: object, owner: type | None = None) -> T:
        if instance is None:  # asked of the class (help(), documentation tools)
            return self  # type: ignore[return-value]
        value = instance.__dict__[self.name] = self.func(instance)
        return value
