"""The pydantic model of a Job's keyword arguments (importable as `workbench.kwargs.KeywordArguments`)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, field_validator

from .kwargs import argument_problems, argv_tail, stdin_payload


class KeywordArguments(BaseModel):
    """The keyword arguments of one Job: names to string values."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    values: dict[str, str] = {}
    """Argument names to values, in the order the author gave them."""

    @field_validator("values", mode="before")
    @classmethod
    def _check(cls, values: object) -> object:
        if isinstance(values, dict):
            problems = argument_problems(values)
            if problems:
                raise ValueError("; ".join(problems))
        return values

    def stdin_payload(self) -> bytes:
        """The bytes written to the App's stdin in `stdin` mode."""
        return stdin_payload(self.values)

    def argv_tail(self) -> list[str]:
        """The words appended after `main.py` in `argv` mode."""
        return argv_tail(self.values)
