"""The pydantic model of a Job's keyword arguments (importable as `workbench.kwargs.KeywordArguments`)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, BeforeValidator, ConfigDict

from .kwargs import argument_problems, argv_tail, stdin_payload


def _check_arguments(values: object) -> object:
    if isinstance(values, dict):
        problems = argument_problems(values)
        if problems:
            raise ValueError("; ".join(problems))
    return values


CheckedArguments = Annotated[dict[str, str], BeforeValidator(_check_arguments)]
"""A field type for keyword arguments, checked by the platform's rules (`workbench.kwargs`)."""


class KeywordArguments(BaseModel):
    """The keyword arguments of one Job: names to string values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: CheckedArguments = {}
    """Argument names to values, in the order the author gave them."""

    def stdin_payload(self) -> bytes:
        """The bytes written to the App's stdin in `stdin` mode."""
        return stdin_payload(self.values)

    def argv_tail(self) -> list[str]:
        """The words appended after `main.py` in `argv` mode."""
        return argv_tail(self.values)
