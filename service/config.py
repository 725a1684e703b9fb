"""Service settings: one typed class read from `ATTUNE_*` variables; bad values fail at startup."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

MIB = 1024 * 1024
INLINE_BUDGET = 600  # work labelled on the event loop, in service.api.offload's units (~1 ms)
LogLevel = Literal["DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"]


class Settings(BaseSettings):
    """Everything `attune serve` can be told; limits are per request."""

    model_config = SettingsConfigDict(
        env_prefix="ATTUNE_", extra="ignore", frozen=True, populate_by_name=True
    )

    model_dir: Path | None = Field(
        default=None,
        validation_alias="ATTUNE_MODEL",
        description="Model directory; None picks the newest built default model.",
    )
    api_keys: Annotated[tuple[str, ...], NoDecode] = Field(
        default=(),
        repr=False,
        description="Accepted API keys (ATTUNE_API_KEYS, comma-separated); empty means no auth.",
    )
    max_messages: int = Field(default=1000, ge=1, le=100_000)
    max_chars: int = Field(default=5000, ge=1, le=1_000_000)
    max_body_bytes: int = Field(default=2 * MIB, ge=1024, le=1024 * MIB)
    max_upload_bytes: int = Field(default=50 * MIB, ge=1024, le=4096 * MIB)
    max_upload_messages: int = Field(default=100_000, ge=1, le=10_000_000,
                                     description="Most messages one uploaded chat may hold.")
    inline_budget: int = Field(
        default=INLINE_BUDGET, ge=0, le=100_000,
        description="Largest estimated work (character units, about 1 ms at 600) that is labelled on "
                    "the event loop instead of in a worker thread; 0 sends everything to the thread.",
    )
    log_level: LogLevel = "INFO"

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        """Accept `"k1,k2"` from the environment; blanks between commas are ignored."""
        if isinstance(value, str):
            value = [part.strip() for part in value.split(",")]
        if isinstance(value, list | tuple):
            return tuple(k.strip() if isinstance(k, str) else k for k in value if k != "")
        return value

    @field_validator("api_keys")
    @classmethod
    def _check_keys(cls, keys: tuple[str, ...]) -> tuple[str, ...]:
        """A key must fit in an HTTP header as typed: printable ASCII, no spaces."""
        for i, key in enumerate(keys, start=1):
            if not all("!" <= ch <= "~" for ch in key):
                raise ValueError(f"API key {i} must be printable ASCII without spaces or commas")
        return keys

    @field_validator("log_level", mode="before")
    @classmethod
    def _upper_level(cls, value: object) -> object:
        return value.upper() if isinstance(value, str) else value

    @field_validator("model_dir")
    @classmethod
    def _model_dir_exists(cls, value: Path | None) -> Path | None:
        if value is not None and not value.is_dir():
            raise ValueError(f"model directory {value} does not exist")
        return value


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()


def settings_error_line(error: Exception) -> str:
    """One line naming each bad setting, without echoing secret values."""
    if not isinstance(error, ValidationError):
        return str(error)
    parts = []
    for item in error.errors(include_input=False, include_url=False):
        name = ".".join(str(p) for p in item["loc"]) or "settings"
        if not name.startswith("ATTUNE_"):
            name = "ATTUNE_" + name.upper()
        parts.append(f"{name}: {item['msg']}")
    return "invalid settings: " + "; ".join(parts)
