"""``Params``: the validated, frozen parameters of a model (DESIGN.md, the model contract).

Every field is typed, bounded and documented. ``build_params`` turns user input (a dict, a
preset, ``--set NAME=VALUE`` strings) into a ``Params`` or one ``UsageError`` line that names
the parameter, the value and what is allowed.
"""

from __future__ import annotations

import json
import math
import types
import typing
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationError

from polislab.core.errors import UsageError


class Params(BaseModel):
    """Base class of every model's parameters: frozen, no unknown fields, validated defaults, and
    every float finite (nan and inf refused, in lists and dicts too). A parameter for which
    infinity means something opts in with ``Field(..., allow_inf_nan=True)`` and says so in its
    description (its bounds still refuse nan: nan >= 0 is false)."""

    model_config = ConfigDict(frozen=True, extra="forbid", validate_default=True, allow_inf_nan=False)

    model_name: ClassVar[str] = ""

    def to_dict(self) -> dict[str, Any]:
        """The parameters as a JSON-safe dict (``inf`` stays a float; JSON writers spell it)."""
        return self.model_dump(mode="python")

    def memory_needed(self, replicates: int = 1):
        """The memory ``replicates`` runs held at once need (a ``core.machine.MemoryNeed``),
        estimated before anything is allocated; None: no estimate (the model is small at any
        size its bounds allow)."""
        return None


def describe_field(params_cls: type[Params], name: str) -> dict[str, Any]:
    """Type, bounds, default, choices and description of one parameter (for ``polislab models``)."""
    info = params_cls.model_fields[name]
    bounds = {}
    for meta in info.metadata:
        for key in ("ge", "gt", "le", "lt"):
            value = getattr(meta, key, None)
            if value is not None:
                bounds[key] = value
    annotation = info.annotation
    choices = _literal_choices(annotation)
    default = info.get_default(call_default_factory=True)
    return {
        "name": name,
        "type": _type_name(annotation),
        "default": default,
        "bounds": bounds,
        "choices": choices,
        "description": info.description or "",
    }


def _literal_choices(annotation: Any) -> list[Any] | None:
    if typing.get_origin(annotation) is typing.Literal:
        return list(typing.get_args(annotation))
    for arg in typing.get_args(annotation):
        choices = _literal_choices(arg)
        if choices:
            return choices
    return None


def _type_name(annotation: Any) -> str:
    if typing.get_origin(annotation) is typing.Literal:
        return "choice"
    if isinstance(annotation, type):
        return annotation.__name__
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return " | ".join("None" if arg is type(None) else _type_name(arg) for arg in typing.get_args(annotation))
    return str(annotation).replace("typing.", "")


def annotation_allows(annotation: Any, kind: type) -> bool:
    if annotation is kind:
        return True
    origin = typing.get_origin(annotation)
    if origin is kind:
        return True
    if origin in (typing.Union, types.UnionType):
        return any(annotation_allows(arg, kind) for arg in typing.get_args(annotation))
    return False


def coerce_text(params_cls: type[Params], name: str, text: str) -> Any:
    """Read a value typed on the command line the way a user means it.

    ``true/false/yes/no/on/off`` for booleans, ``1e5`` for an integer, ``inf``, ``none``,
    and lists as ``1,2,3`` or ``[1, 2, 3]``. Anything else is left to pydantic's validation.
    """
    if name not in params_cls.model_fields:
        return text  # reported as unknown by validation, with the allowed names
    annotation = params_cls.model_fields[name].annotation
    stripped = text.strip()
    numeric = annotation_allows(annotation, int) or annotation_allows(annotation, float)
    if numeric and not annotation_allows(annotation, str) and not stripped.isascii():
        model = params_cls.model_name or params_cls.__name__
        raise UsageError(f"parameter '{name}' of model {model} = {text!r} is not allowed: write numbers in ASCII "
                         "digits (0-9)")
    if stripped.lower() in ("none", "null") and annotation_allows(annotation, type(None)):
        return None
    if annotation_allows(annotation, list) or annotation_allows(annotation, tuple):
        if stripped.startswith("["):
            try:
                return json.loads(stripped)
            except json.JSONDecodeError:
                pass
        return [part.strip() for part in stripped.split(",") if part.strip()]
    if annotation_allows(annotation, int) and not annotation_allows(annotation, bool):
        try:
            as_float = float(stripped)
        except ValueError:
            return stripped
        if math.isfinite(as_float) and as_float == int(as_float) and not annotation_allows(annotation, float):
            return int(as_float)
    return stripped


def build_params(
    params_cls: type[Params],
    values: Mapping[str, Any] | None = None,
    *,
    presets: Mapping[str, Mapping[str, Any]] | None = None,
    preset: str | None = None,
) -> Params:
    """Defaults, then the preset, then ``values``; a ``UsageError`` line on any bad input."""
    model = params_cls.model_name or params_cls.__name__
    merged: dict[str, Any] = {}
    if preset is not None and not isinstance(preset, str):
        raise UsageError(f"preset {preset!r} of model {model} is not allowed: a preset is one name")
    if preset is not None:
        presets = presets or {}
        if preset not in presets:
            allowed = ", ".join(sorted(presets)) or "none"
            raise UsageError(f"unknown preset '{preset}' for model {model}; allowed: {allowed}")
        merged.update(presets[preset])
    merged.update(values or {})
    try:
        return params_cls(**merged)
    except ValidationError as error:
        raise UsageError(explain_validation_error(params_cls, error)) from None


def explain_validation_error(params_cls: type[Params], error: ValidationError) -> str:
    """One line naming the first bad parameter, its value and what is allowed."""
    model = params_cls.model_name or params_cls.__name__
    first = error.errors()[0]
    name = ".".join(str(part) for part in first["loc"]) or "(model)"
    if first["type"] == "extra_forbidden":
        allowed = ", ".join(params_cls.model_fields)
        return f"unknown parameter '{name}' for model {model}; allowed: {allowed}"
    value = first.get("input")
    message = first["msg"]
    if first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    return f"parameter '{name}' of model {model} = {value!r} is not allowed: {message}"
