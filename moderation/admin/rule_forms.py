"""The rule forms of the admin: one form field per parameter of the chosen kind, drawn
from the kind's declarations (moderation.rules.params), and the raw JSON for experts.

Which of the two is saved is a switch ("Save the JSON instead of the fields"), never a
guess: with it ticked the JSON is saved as written and the fields are ignored; without
it the fields are saved and the JSON is ignored. Both are filled from the same
parameters, so either round-trips a rule unchanged.
"""

import json
from functools import singledispatch
from typing import Any

from django import forms

from forum.core.errors import ValidationFailed
from forum.core.text import whole_number
from forum.threads.models import Category
from moderation import services
from moderation.backtest import DEFAULT_TRYOUT_POSTS, MAX_TRYOUT_POSTS
from moderation.models import Rule
from moderation.rules import RULE_KINDS, InvalidRuleParams, RuleKind
from moderation.rules.params import (
    REQUIRED,
    Boolean,
    Choice,
    Integer,
    LevelLimits,
    Lines,
    Number,
    Param,
    Text,
)

__all__ = ("RuleForm", "RuleTryoutForm", "param_field_name", "rule_form_for", "tryout_form_for")

PARAM_FIELD_PREFIX = "param_"


def param_field_name(param: Param) -> str:
    return PARAM_FIELD_PREFIX + param.name


# --- one form field per declared parameter ---------------------------------------------
# Each type gives its field, the field's value for a parameter value (`to_form`), and the
# parameter value for what the field cleaned (`from_form`). Bounds and other checks stay
# with the declaration, so the messages are the same here, in the API and in the shell.


@singledispatch
def form_field(param: Param) -> forms.Field:
    raise TypeError(f"no form field for {type(param).__name__}")


@singledispatch
def to_form(param: Param, value: Any) -> Any:
    return value


@singledispatch
def from_form(param: Param, value: Any) -> Any:
    return value


def _bounds(minimum, maximum, **attrs) -> dict[str, Any]:
    bounds = {"min": minimum, "max": maximum, **attrs}
    return {name: value for name, value in bounds.items() if value is not None}


@form_field.register
def _(param: Integer) -> forms.Field:
    return forms.IntegerField(
        label=param.label,
        help_text=param.help,
        required=not param.allow_none,
        widget=forms.NumberInput(attrs=_bounds(param.minimum, param.maximum)),
    )


@form_field.register
def _(param: Number) -> forms.Field:
    return forms.FloatField(
        label=param.label,
        help_text=param.help,
        widget=forms.NumberInput(attrs=_bounds(param.minimum, param.maximum, step="any")),
    )


@form_field.register
def _(param: Boolean) -> forms.Field:
    return forms.BooleanField(label=param.label, help_text=param.help, required=False)


@form_field.register
def _(param: Text) -> forms.Field:
    return forms.CharField(
        label=param.label,
        help_text=param.help,
        required=param.default is REQUIRED,
        max_length=param.max_length,
    )


@form_field.register
def _(param: Choice) -> forms.Field:
    return forms.ChoiceField(
        label=param.label,
        help_text=param.help,
        choices=lambda: [(choice, choice) for choice in param.choices()],
    )


def _lines_field(param: Param, *, rows: int, cols: int) -> forms.Field:
    return forms.CharField(
        label=param.label,
        help_text=param.help,
        required=False,
        widget=forms.Textarea(attrs={"rows": rows, "cols": cols}),
    )


@form_field.register
def _(param: Lines) -> forms.Field:
    return _lines_field(param, rows=5, cols=60)


@to_form.register
def _(param: Lines, value: Any) -> Any:
    return "\n".join(value) if isinstance(value, list | tuple) else value


@from_form.register
def _(param: Lines, value: str) -> list[str]:
    return [line for line in (value or "").splitlines() if line.strip()]


@form_field.register
def _(param: LevelLimits) -> forms.Field:
    return _lines_field(param, rows=3, cols=20)


_NO_LIMIT = ("none", "no limit", "unlimited")


@to_form.register
def _(param: LevelLimits, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    return "\n".join(
        f"{level}: {'none' if limit is None else limit}" for level, limit in value.items()
    )


@from_form.register
def _(param: LevelLimits, value: str) -> dict[str, Any]:
    limits: dict[str, Any] = {}
    for line in (value or "").splitlines():
        if not line.strip():
            continue
        level, colon, limit = line.partition(":")
        if not colon:
            raise forms.ValidationError(
                f"Write one “level: count” per line, like “0: 2”; “{line.strip()}” is not."
            )
        limit = limit.strip()
        if limit.lower() in _NO_LIMIT:
            limits[level.strip()] = None
        else:
            # Anything else goes to the declaration's check, which says what is wrong.
            number = whole_number(limit)
            limits[level.strip()] = limit if number is None else number
    return limits


# --- the forms -----------------------------------------------------------------------------


class PrettyJSONField(forms.JSONField):
    """Shown indented, one key a line, so an expert can edit it comfortably."""

    def prepare_value(self, value):
        if isinstance(value, forms.fields.InvalidJSONInput):
            return value
        return json.dumps(value, indent=2, ensure_ascii=False)


def _kind_choices() -> list[tuple[str, str]]:
    return [(name, kind.label) for name, kind in sorted(RULE_KINDS.items())]


class RuleParamsForm(forms.Form):
    """The fields every rule form shares: the kind (chosen before the form is drawn),
    its parameters and the JSON. Subclasses for one kind come from `_for_kind`.

    After `clean`, `cleaned_data["params"]` holds the parameters as the kind normalised
    them; a refusal is shown next to the parameter's field (or the JSON, when that is
    what was sent).
    """

    rule_kind: RuleKind

    kind = forms.ChoiceField(choices=_kind_choices, widget=forms.HiddenInput)
    params_from_json = forms.BooleanField(
        label="Save the JSON instead of the fields",
        required=False,
        help_text="When ticked, the JSON below is saved as written and the fields above are "
        "ignored; otherwise the fields are saved and the JSON is ignored.",
    )
    params_json = PrettyJSONField(
        label="Parameters as JSON",
        required=False,
        widget=forms.Textarea(attrs={"rows": 8, "cols": 70}),
    )

    def _fill_params(self, params: dict | None) -> None:
        """Show `params` (the kind's defaults where absent) in the fields and the JSON."""
        params = params or {}
        # The kind the form is built for, which a `?kind=` switch may have changed from
        # the rule's stored one.
        self.initial["kind"] = self.rule_kind.name
        self.initial.setdefault("params_json", params)
        for param in self.rule_kind.parameters:
            value = params.get(param.name, param.default)
            if value is not REQUIRED:
                self.initial.setdefault(param_field_name(param), to_form(param, value))

    def _clean_params(self, cleaned: dict) -> None:
        from_json = cleaned.get("params_from_json")
        if from_json:
            params = cleaned.get("params_json")
            if "params_json" in self.errors:
                return
            params = {} if params is None else params
        else:
            if any(param_field_name(p) in self.errors for p in self.rule_kind.parameters):
                return
            params = {}
            for param in self.rule_kind.parameters:
                name = param_field_name(param)
                try:
                    params[param.name] = from_form(param, cleaned.get(name))
                except forms.ValidationError as exc:
                    self.add_error(name, exc)
            if self.errors:
                return
        try:
            cleaned["params"] = self.rule_kind.validate_params(params)
        except InvalidRuleParams as exc:
            for key, message in exc.errors.items():
                self.add_error(self._field_for(key, from_json=from_json), message)

    def _field_for(self, key: str | None, *, from_json: bool) -> str | None:
        if from_json:
            return "params_json"
        name = PARAM_FIELD_PREFIX + key if key else None
        return name if name in self.fields else None

    def add_service_errors(self, exc: ValidationFailed) -> None:
        """Show a service's refusal next to the fields it names."""
        if not exc.fields:
            self.add_error(None, exc.message)
        for field, messages in exc.fields.items():
            name = field.replace("params.", PARAM_FIELD_PREFIX, 1)
            for message in messages:
                self.add_error(name if name in self.fields else None, message)

    @classmethod
    def _for_kind(cls, kind: RuleKind, **attrs):
        fields = {param_field_name(param): form_field(param) for param in kind.parameters}
        return type(
            f"{kind.name.title()}{cls.__name__}", (cls,), {"rule_kind": kind, **fields, **attrs}
        )


def categories_field() -> forms.Field:
    """The categories a rule is limited to. Declared rather than drawn from the model:
    the admin draws no field for a many-to-many relation with a model of its own
    (moderation.models.RuleCategory)."""
    return forms.ModelMultipleChoiceField(
        queryset=Category.objects.all(),
        required=False,
        help_text="None selected means every category.",
    )


class RuleForm(RuleParamsForm, forms.ModelForm):
    """The rule change form. Saving asks the rule service's try-out policy first, so a
    refusal to enable an untried rule is shown next to "Enabled"."""

    # The person saving: set by `rule_form_for`.
    actor = None

    override_reason = forms.CharField(
        label="Enable untried, because",
        required=False,
        max_length=500,
        help_text="Emergencies only: enables these parameters without a try-out. The "
        "reason goes to the moderation log.",
    )
    categories = categories_field()

    class Meta:
        model = Rule
        fields = ("name", "kind", "action", "enabled", "categories")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        stored = self.instance.pk is not None and self.instance.kind == self.rule_kind.name
        self._fill_params(self.instance.params if stored else None)

    def clean(self):
        cleaned = super().clean()
        self._clean_params(cleaned)
        if self.errors:
            return cleaned
        try:
            services.rule_tryout_check(
                actor=self.actor,
                current=self.instance if self.instance.pk is not None else None,
                kind=self.rule_kind.name,
                params=cleaned["params"],
                enabled=bool(cleaned.get("enabled")),
                override_reason=cleaned.get("override_reason", ""),
            )
        except ValidationFailed as exc:
            self.add_service_errors(exc)
        return cleaned


class RuleTryoutForm(RuleParamsForm):
    """A draft of a rule (new, or an edit of a stored one) to try on recent posts."""

    name = forms.CharField(max_length=100)
    action = forms.ChoiceField(choices=Rule.Action.choices, initial=Rule.Action.FLAG)
    categories = categories_field()
    posts = forms.IntegerField(
        label="Try it on the most recent",
        min_value=1,
        max_value=MAX_TRYOUT_POSTS,
        required=False,
        initial=DEFAULT_TRYOUT_POSTS,
        help_text=f"posts (at most {MAX_TRYOUT_POSTS}; {DEFAULT_TRYOUT_POSTS} when empty).",
    )
    # Filled by the try-out view once these parameters have been tried.
    tryout_token = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, params: dict | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(
            ["name", "action", *map(param_field_name, self.rule_kind.parameters), "categories"]
        )
        self._fill_params(params)

    def clean(self):
        cleaned = super().clean()
        self._clean_params(cleaned)
        cleaned["posts"] = cleaned.get("posts") or DEFAULT_TRYOUT_POSTS
        return cleaned


def rule_form_for(kind: RuleKind, *, actor) -> type[RuleForm]:
    """The rule change form for rules of `kind`, saved by `actor`."""
    return RuleForm._for_kind(kind, actor=actor)


def tryout_form_for(kind: RuleKind) -> type[RuleTryoutForm]:
    return RuleTryoutForm._for_kind(kind)
