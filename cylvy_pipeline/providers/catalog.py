"""Every vendor the product can call, and the sample and local stand-ins: the one list of
:class:`~cylvy_pipeline.providers.vendor.Vendor` declarations that the project model, the launch-time
secret check, the loader's checks, the Dagster resources and ``estimate`` read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, create_model

from cylvy_pipeline.providers.real import dataforseo, homepage, llm_analyzer, peopledatalabs, rendering, web, youtube
from cylvy_pipeline.providers.vendor import (
    PROVIDER_KINDS,
    CallEstimate,
    ConfigProblem,
    Vendor,
    free_in_batches,
    free_per_item,
)

#: The simulated market: every kind but content analysis, free, its calls recorded like real ones.
SAMPLE = Vendor(
    name="sample",
    prices={
        "keyword_data": free_in_batches(1000),
        "serp": free_per_item(),
        "video_data": free_in_batches(50),
        "company_data": free_per_item(),
        "web": free_per_item(),
    },
    usage_names={"keyword_data": "sample keyword metrics", "serp": "sample SERP", "video_data": "sample YouTube",
                 "company_data": "sample company data", "web": "sample web"},
)
#: The local, deterministic content analyzer.
LOCAL = Vendor(
    name="local",
    prices={"content_analyzer": lambda _providers, _demand: CallEstimate(0, 0.0, "analysed locally: no provider")},
    usage_names="local analyzer",
    local=True,
)


class VendorCatalog:
    """Vendor declarations by kind. The first vendor of each kind is a project's default for it."""

    def __init__(self, vendors: Iterable[Vendor]):
        self.vendors = tuple(vendors)
        self._by_kind: dict[str, dict[str, Vendor]] = {kind: {} for kind in PROVIDER_KINDS}
        settings: dict[str, Vendor] = {}
        for vendor in self.vendors:
            for kind in vendor.kinds:
                if vendor.name in self._by_kind[kind]:
                    raise ValueError(f"two {kind} vendors are named {vendor.name!r}")
                self._by_kind[kind][vendor.name] = vendor
            if vendor.settings_key is not None:
                if vendor.settings_key in settings or vendor.settings_key in (*PROVIDER_KINDS, "concurrency"):
                    raise ValueError(f"vendor {vendor.name!r}: providers.{vendor.settings_key} is taken")
                settings[vendor.settings_key] = vendor
        if empty := [kind for kind, named in self._by_kind.items() if not named]:
            raise ValueError(f"no vendor serves {empty[0]}")

    def names(self, kind: str) -> tuple[str, ...]:
        return tuple(self._by_kind[kind])

    def chosen(self, providers: Any, kind: str) -> Vendor:
        """The vendor a project's ``providers.<kind>`` names."""
        return self._by_kind[kind][getattr(providers, kind)]

    def with_vendor(self, vendor: Vendor) -> VendorCatalog:
        return VendorCatalog((*self.vendors, vendor))

    def providers_model(self, base: type[BaseModel], **fields: Any) -> type[BaseModel]:
        """``base`` with, for each kind, the choice of vendor (default: the kind's first), then ``fields``
        (pydantic field definitions), then each vendor's settings under its ``settings_key``."""
        choices: dict[str, Any] = {
            kind: (Literal[self.names(kind)], Field(self.names(kind)[0], description=f"Which vendor serves {kind}"))
            for kind in PROVIDER_KINDS
        }
        settings: dict[str, Any] = {
            vendor.settings_key: (vendor.settings_model, Field(default_factory=vendor.settings_model))
            for vendor in self.vendors if vendor.settings_key is not None
        }
        model = create_model("Providers", __base__=base, __doc__=base.__doc__, __module__=base.__module__,
                             **choices, **fields, **settings)
        model.catalog = self
        return model

    def missing_secrets(self, providers: Any, environ: Mapping[str, str] = os.environ) -> list[str]:
        """``"providers.<kind> is <name>, and <VAR> is not set"`` for every secret a chosen vendor lacks."""
        needed: dict[str, tuple[str, ...]] = {}
        for kind in PROVIDER_KINDS:
            vendor = self.chosen(providers, kind)
            needed[f"providers.{kind} is {vendor.name}"] = tuple(vendor.secrets.values())
            if vendor.secrets_when is not None:
                needed |= vendor.secrets_when(providers)
        return [f"{why}, and {variable} is not set" for why, variables in needed.items()
                for variable in variables if not environ.get(variable)]

    def config_problems(self, providers: Any, markets: Mapping[str, str]) -> list[ConfigProblem]:
        """What the loader refuses in the vendors' settings: a base URL that is not http(s), and what each
        vendor's own check finds."""
        problems = []
        for vendor in self.vendors:
            if vendor.settings_key is None:
                continue
            settings = getattr(providers, vendor.settings_key)
            if "base_url" in vendor.settings_model.model_fields and not _is_http_url(settings.base_url):
                example = vendor.settings_model.model_fields["base_url"].default
                problems.append(ConfigProblem(f"providers.{vendor.settings_key}.base_url",
                                              f"'{settings.base_url}' is not an http(s) URL",
                                              f"write the API's address, e.g. {example}"))
            if vendor.check is not None and (problem := vendor.check(providers, markets)) is not None:
                problems.append(problem)
        return problems


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)


VENDORS = VendorCatalog([
    SAMPLE,
    LOCAL,
    dataforseo.VENDOR,
    youtube.VENDOR,
    homepage.VENDOR,
    peopledatalabs.VENDOR,
    web.VENDOR,
    rendering.VENDOR,
    llm_analyzer.VENDOR,
])
