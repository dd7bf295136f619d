"""Policy from app.yaml, validated into typed models at start-up."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from bot.expressions import FormulaError, parse

SUPPORTED_LOCALES = ("en", "zh_CN", "es", "vi", "tr", "de", "pt_BR", "hi")


class ConfigError(Exception):
    """app.yaml is missing, unreadable or invalid; the message names the key."""


class KeyedError(ValueError):
    """A problem found by a model-wide check, naming the key below the model where it is."""

    def __init__(self, key: tuple[str | int, ...], message: str) -> None:
        super().__init__(message)
        self.key = key


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BuyersConfig(_Strict):
    usergroup: str | None = Field(default=None, description="Narrow buyers to this user group id")


class SlackConfig(_Strict):
    user_cache_minutes: int = Field(default=1440, ge=1)
    request_workers: int = Field(
        default=4, ge=1, le=64, description="stored requests processed at once per worker process"
    )


class DeliveryConfig(_Strict):
    max_attempts: int = Field(default=8, ge=1, le=50)
    backoff_seconds: float = Field(default=2.0, gt=0)
    max_backoff_seconds: float = Field(default=900.0, gt=0)
    channel_interval_seconds: float = Field(default=1.0, ge=0)
    poll_seconds: float = Field(default=1.0, gt=0)
    http_timeout_seconds: float = Field(default=10.0, gt=0)
    senders: int = Field(default=8, ge=1, le=64, description="messages sent at once, to different channels")


class SchedulerConfig(_Strict):
    tick_seconds: int = Field(default=60, ge=1)
    event_retention_hours: int = Field(default=24, ge=1)
    audit_retention_days: int | None = Field(default=None, ge=1)


class OrdersConfig(_Strict):
    stages: list[str] = Field(
        default_factory=lambda: ["materials", "cutting", "sewing", "finishing", "packing", "shipped"],
        min_length=1,
    )
    shipped_stage: str = "shipped"
    holiday_working_days: int = Field(default=3, ge=0, le=15, description="working days before due checked")
    default_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")

    @field_validator("stages")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value) or any(not s or " " in s for s in value):
            raise ValueError("stages must be distinct single words")
        return value

    @model_validator(mode="after")
    def _shipped_is_a_stage(self) -> OrdersConfig:
        if self.shipped_stage not in self.stages:
            raise ValueError("shipped_stage must be one of the stages")
        return self


class InspectionConfig(_Strict):
    max_defect_percent: float = Field(default=2.5, ge=0, le=100, description="lot accepted at or below this")


class SlaTarget(_Strict):
    first_response_hours: float = Field(gt=0)
    resolution_hours: float = Field(gt=0)
    business_hours: bool = True


class BusinessHours(_Strict):
    start: int = Field(default=9, ge=0, le=23, description="hour the working day starts")
    end: int = Field(default=18, ge=1, le=24)
    weekdays: list[int] = Field(default_factory=lambda: [0, 1, 2, 3, 4], description="0 = Monday")
    timezone: str | None = Field(default=None, description="default: default_timezone")

    @model_validator(mode="after")
    def _sane(self) -> BusinessHours:
        if self.end <= self.start or not self.weekdays or any(not 0 <= d <= 6 for d in self.weekdays):
            raise ValueError("needs start < end and weekdays between 0 and 6")
        if self.timezone:
            try:
                ZoneInfo(self.timezone)
            except (ZoneInfoNotFoundError, ValueError) as exc:
                raise ValueError("timezone is not an IANA time zone") from exc
        return self


def _default_slas() -> dict[str, SlaTarget]:
    return {
        "low": SlaTarget(first_response_hours=24, resolution_hours=120),
        "medium": SlaTarget(first_response_hours=8, resolution_hours=72),
        "high": SlaTarget(first_response_hours=4, resolution_hours=24, business_hours=False),
        "critical": SlaTarget(first_response_hours=1, resolution_hours=8, business_hours=False),
    }


class TicketsConfig(_Strict):
    enabled: bool = Field(default=True, description="false: no ticket buttons, shortcut, reaction or SLA job")
    triage_channel: str | None = Field(default=None, description="buyers' channel for SLA breaches")
    default_severity: str = "medium"
    business_hours: BusinessHours = BusinessHours()
    sla: dict[str, SlaTarget] = Field(default_factory=_default_slas)

    @model_validator(mode="after")
    def _every_severity(self) -> TicketsConfig:
        missing = {"low", "medium", "high", "critical"} - set(self.sla)
        if missing:
            raise ValueError(f"sla needs targets for {', '.join(sorted(missing))}")
        if self.default_severity not in self.sla:
            raise ValueError("default_severity must be one of the sla severities")
        return self


LEVEL_ACTIONS = ("warn_new_orders", "block_new_orders", "notify")
BLACKLIST_LEVEL = "blacklist"


class Criterion(_Strict):
    """One scored criterion: a formula over `{variable}` names, clamped to 0..max_score, weighted."""

    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    formula: str = Field(min_length=1)
    max_score: float = Field(default=100, gt=0)
    weight: float = Field(gt=0, le=100)


class LevelBand(_Strict):
    name: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    min_score: float = Field(ge=0, le=100)
    actions: list[str] = Field(default_factory=list)

    @field_validator("actions")
    @classmethod
    def _known_actions(cls, value: list[str]) -> list[str]:
        unknown = [a for a in value if a not in LEVEL_ACTIONS]
        if unknown:
            raise ValueError(f"unknown action {unknown[0]!r}; known: {', '.join(LEVEL_ACTIONS)}")
        return value


# The scorecard variables a criterion may name (DESIGN "Contract: scorecards"), besides
# rating_<dimension> for each of scorecards.ratings.
SCORECARD_VARIABLES = (
    "orders_due", "qty_due", "qty_on_time", "on_time_rate", "otif_rate", "sampled", "defects", "defect_ppm",
    "lot_acceptance_rate", "confirmation_hours", "first_response_hours", "resolution_hours", "sla_breaches",
)  # fmt: skip
# Variables other domains provide once installed (the composition root registers their providers);
# a criterion naming one is left out while nothing provides it.
PARTNER_VARIABLES = ("capas_opened", "capa_on_time_rate", "cocreation_value")


def _default_criteria() -> list[Criterion]:
    return [
        Criterion(name="quality", formula="{lot_acceptance_rate}", weight=25),
        Criterion(name="on_time_delivery", formula="{on_time_rate}", weight=25),
        Criterion(name="price_competitiveness", formula="{rating_price}", weight=15),
        Criterion(
            name="after_sales_service",
            formula="100 - min({first_response_hours}, 48) / 48 * 60 - min({sla_breaches}, 4) * 10",
            weight=15,
        ),
        Criterion(name="compliance", formula="{rating_compliance}", weight=10),
        Criterion(name="collaboration", formula="100 - min({confirmation_hours}, 72) / 72 * 100", weight=10),
    ]


def _default_levels() -> list[LevelBand]:
    return [
        LevelBand(name="core_strategic", min_score=85),
        LevelBand(name="key", min_score=70),
        LevelBand(name="ordinary", min_score=50),
        LevelBand(name="reserve", min_score=0, actions=["warn_new_orders", "notify"]),
    ]


class ScorecardsConfig(_Strict):
    period: str = Field(
        default="month", pattern=r"^(month|quarter)$", description="boundaries in default_timezone"
    )
    criteria: list[Criterion] = Field(default_factory=_default_criteria, min_length=1)
    levels: list[LevelBand] = Field(default_factory=_default_levels, min_length=1)
    hysteresis: float = Field(
        default=3, ge=0, le=50, description="points past a band edge before a level moves"
    )
    ratings: list[str] = Field(
        default_factory=lambda: ["price", "compliance", "service"],
        description="dimensions reviewers rate 0-100; each feeds rating_<dimension>",
    )
    approvals_channel: str | None = Field(
        default=None, description="admins' channel for level change proposals"
    )
    channel: str | None = Field(default=None, description="buyers' channel for the portfolio")

    @field_validator("ratings")
    @classmethod
    def _rating_names(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value) or any(not re.fullmatch(r"[a-z][a-z0-9_]*", d) for d in value):
            raise ValueError("ratings must be distinct lowercase names (letters, digits, _)")
        return value

    def variable_names(self) -> frozenset[str]:
        """Every variable a criterion may name."""
        ratings = (f"rating_{dimension}" for dimension in self.ratings)
        return frozenset((*SCORECARD_VARIABLES, *PARTNER_VARIABLES, *ratings))

    @model_validator(mode="after")
    def _criteria_and_levels(self) -> ScorecardsConfig:
        known = self.variable_names()
        for index, criterion in enumerate(self.criteria):
            try:
                formula = parse(criterion.formula)
            except FormulaError as exc:
                raise KeyedError(("criteria", index, "formula"), str(exc)) from None
            unknown = sorted(formula.variables - known)
            if unknown:
                raise KeyedError(("criteria", index, "formula"), f"unknown variable {{{unknown[0]}}}")
        _distinct_names("criteria", [c.name for c in self.criteria], "criterion")
        _distinct_names("levels", [band.name for band in self.levels], "level")
        total = sum(c.weight for c in self.criteria)
        if abs(total - 100) > 1e-9:
            raise KeyedError(("criteria",), f"weights sum to {total:g}, not 100")
        edges = [band.min_score for band in self.levels]
        if len(set(edges)) != len(edges):
            raise KeyedError(("levels",), "two levels have the same min_score")
        if min(edges) != 0:
            raise KeyedError(("levels",), "the lowest level must have min_score 0")
        return self

    def bands(self) -> list[LevelBand]:
        """The levels from the lowest band to the highest."""
        return sorted(self.levels, key=lambda band: band.min_score)


class DigestsConfig(_Strict):
    """Daily digests: the local send time, working days only, the buyers' country for their holidays."""

    time: str = Field(default="09:00", description="HH:MM in each recipient's own zone")
    working_days_only: bool = True
    buyer_country: str | None = Field(default=None, description="ISO2: the buyers' weekend and holidays")

    @field_validator("time")
    @classmethod
    def _clock_time(cls, value: str) -> str:
        if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value):
            raise ValueError("must be a time of day HH:MM, e.g. 09:00")
        return value

    @field_validator("buyer_country")
    @classmethod
    def _country(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[A-Z]{2}", value):
            raise ValueError("must be an ISO 3166-1 alpha-2 code such as US")
        return value


def _distinct_names(key: str, names: list[str], what: str) -> None:
    seen: set[str] = set()
    for index, name in enumerate(names):
        if name in seen:
            raise KeyedError((key, index, "name"), f"duplicate {what} name {name!r}")
        seen.add(name)


RISK_KINDS = (
    "disaster", "sanctions", "fx", "holiday", "unconfirmed_order", "stale_order", "behind_schedule",
    "on_time_drop", "quality_drop", "sla_breaches", "level_down", "capa_overdue",
)  # fmt: skip


class RiskFeedsConfig(_Strict):
    """Where the outside world's signals come from (http, https or file URLs; null or empty: not used)."""

    gdacs_url: str | None = Field(default=None, description="GDACS RSS")
    sanctions_urls: list[str] = Field(default_factory=list, description="OFAC SDN CSV, EU consolidated CSV")
    fx_url: str | None = Field(default=None, description="ECB euro reference rates XML (daily or history)")
    timeout_seconds: float = Field(default=20, gt=0)
    retries: int = Field(default=2, ge=0, le=10)

    @field_validator("gdacs_url", "fx_url")
    @classmethod
    def _one_url(cls, value: str | None) -> str | None:
        return _feed_url(value) if value else None

    @field_validator("sanctions_urls")
    @classmethod
    def _urls(cls, value: list[str]) -> list[str]:
        return [_feed_url(url) for url in value]


def _feed_url(value: str) -> str:
    if not re.match(r"^(https?|file)://", value):
        raise ValueError(f"{value!r} is not an http, https or file URL")
    return value


class RiskThresholds(_Strict):
    """When the internal signals fire (see the README, "Risk early warning")."""

    unconfirmed_hours: float = Field(
        default=48, gt=0, description="orders not confirmed this long after issue"
    )
    stale_days: float = Field(default=7, gt=0, description="confirmed orders with no update for this long")
    behind_days: int = Field(default=5, ge=1, description="due within this many days ...")
    behind_progress_percent: int = Field(default=50, ge=1, le=100, description="... and progress below this")
    on_time_min: float = Field(default=80, ge=0, le=100, description="on-time rate (%) below this")
    on_time_drop_points: float = Field(default=15, gt=0, description="or this far below the trailing mean")
    lot_acceptance_min: float = Field(default=90, ge=0, le=100)
    lot_acceptance_drop_points: float = Field(default=15, gt=0)
    defect_ppm_max: float = Field(default=25000, gt=0, description="defect PPM above this is a spike")
    sla_breaches: int = Field(default=2, ge=1, description="breaches in the last period that raise an alert")
    sanctions_match_percent: float = Field(default=90, ge=50, le=100)
    fx_move_percent: float = Field(default=5, gt=0)
    holiday_days_ahead: int = Field(default=21, ge=1, description="due dates this close are checked")
    holiday_after_days: int = Field(default=3, ge=0, description="days after a holiday period still at risk")


class RiskConfig(_Strict):
    channel: str | None = Field(default=None, description="buyers' alert channel; null: DMs to the buyers")
    home_currency: str = Field(default="USD", pattern=r"^[A-Z]{3}$")
    interval_minutes: int = Field(default=60, ge=1, description="how often the scheduler runs the risk job")
    snooze_days: int = Field(default=7, ge=1)
    feeds: RiskFeedsConfig = RiskFeedsConfig()
    thresholds: RiskThresholds = RiskThresholds()


TIERS = ("strategic", "core", "transactional")
# The variables a loyalty formula may name (DESIGN "Contract: relationship").
LOYALTY_VARIABLES = ("relationship_months", "orders_12m", "score_mean", "capa_on_time_rate")


class TierPolicy(_Strict):
    """What a relationship tier changes: ticket SLA targets and how often the tier is reviewed."""

    sla_factor: float = Field(gt=0, le=10, description="multiplies every ticket SLA target of the supplier")
    review_months: int = Field(ge=1, le=120, description="the tier comes up for review this often")


def _default_tiers() -> dict[str, TierPolicy]:
    return {
        "strategic": TierPolicy(sla_factor=0.5, review_months=6),
        "core": TierPolicy(sla_factor=0.75, review_months=12),
        "transactional": TierPolicy(sla_factor=1.0, review_months=12),
    }


DEFAULT_LOYALTY_FORMULA = (
    "min({relationship_months}, 36) / 36 * 25 + min({orders_12m}, 12) / 12 * 25"
    " + {score_mean} * 0.35 + {capa_on_time_rate} * 0.15"
)


class RelationshipConfig(_Strict):
    tiers: dict[str, TierPolicy] = Field(default_factory=_default_tiers)
    loyalty_formula: str = Field(default=DEFAULT_LOYALTY_FORMULA, min_length=1)
    promote_at: float = Field(default=80, ge=0, le=100, description="loyalty that proposes a tier promotion")
    country_work_week: bool = Field(
        default=True, description="SLA business days follow the supplier country's weekend"
    )

    @field_validator("tiers")
    def _known_tiers(cls, value: dict[str, TierPolicy]) -> dict[str, TierPolicy]:
        unknown = sorted(set(value) - set(TIERS))
        if unknown:
            raise ValueError(f"unknown tier {unknown[0]!r}; tiers: {', '.join(TIERS)}")
        return _default_tiers() | value

    @field_validator("loyalty_formula")
    def _loyalty_formula(cls, value: str) -> str:
        try:
            formula = parse(value)
        except FormulaError as exc:
            raise ValueError(str(exc)) from None
        unknown = sorted(formula.variables - set(LOYALTY_VARIABLES))
        if unknown:
            raise ValueError(f"unknown variable {{{unknown[0]}}}; known: {', '.join(LOYALTY_VARIABLES)}")
        return value


class AppConfig(_Strict):
    """The whole of app.yaml."""

    default_locale: str = "en"
    default_timezone: str = "UTC"
    admins: list[str] = Field(default_factory=list)
    buyers: BuyersConfig = BuyersConfig()
    slack: SlackConfig = SlackConfig()
    delivery: DeliveryConfig = DeliveryConfig()
    scheduler: SchedulerConfig = SchedulerConfig()
    orders: OrdersConfig = OrdersConfig()
    inspection: InspectionConfig = InspectionConfig()
    tickets: TicketsConfig = TicketsConfig()
    scorecards: ScorecardsConfig = ScorecardsConfig()
    risk: RiskConfig = RiskConfig()
    digests: DigestsConfig = DigestsConfig()
    relationship: RelationshipConfig = RelationshipConfig()

    @field_validator("default_locale")
    @classmethod
    def _known_locale(cls, value: str) -> str:
        if value not in SUPPORTED_LOCALES:
            raise ValueError(f"must be one of {', '.join(SUPPORTED_LOCALES)}")
        return value

    @field_validator("default_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError("is not an IANA time zone") from exc
        return value


def load_config(path: str | Path, *, required: bool = False) -> AppConfig:
    """Read and validate app.yaml; a missing file gives the defaults unless it is `required`."""
    path = Path(path)
    if not path.exists():
        if required:
            raise ConfigError(f"SRM_CONFIG={path}: no such file")
        return AppConfig()
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {_yaml_problem(exc)}") from exc
    except OSError as exc:
        raise ConfigError(f"{path}: cannot be read: {exc.strerror}") from exc
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: the top level must be a mapping of keys")
    try:
        return AppConfig.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(_problem(err) for err in exc.errors())
        raise ConfigError(f"{path}: invalid configuration: {problems}") from exc


def _problem(err) -> str:
    """`key.path[index]: what is wrong`, the key including where a model-wide check found the problem."""
    loc, message = tuple(err["loc"]), err["msg"]
    cause = (err.get("ctx") or {}).get("error")
    if isinstance(cause, KeyedError):
        loc, message = loc + cause.key, str(cause)
    key = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in loc).lstrip(".")
    return f"{key or '(top level)'}: {message.removeprefix('Value error, ')}"


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """One line: what YAML found wrong and where (PyYAML's own message spans several)."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark else problem
