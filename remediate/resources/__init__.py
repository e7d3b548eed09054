"""The explicit registry of resource kinds.

Explicit rather than discovered: what a playbook may contain is visible in one place, and two catalogs in one
process cannot leak kinds into each other (bundlewrap's `items_from_dir` docstring makes the same argument).
"""

from __future__ import annotations

from typing import Annotated, Any, Union

from pydantic import Field

from remediate.resources.base import FieldChange, Op, ResourceKind, WritePath
from remediate.resources.defender_exclusion import DefenderExclusion, DefenderExclusionSpec
from remediate.resources.event_log_probe import EventLogProbe, EventLogProbeSpec
from remediate.resources.exchange_receive_connector import ExchangeReceiveConnector, ExchangeReceiveConnectorSpec
from remediate.resources.exchange_remote_domain import ExchangeRemoteDomain, ExchangeRemoteDomainSpec
from remediate.resources.exchange_send_connector import ExchangeSendConnector, ExchangeSendConnectorSpec
from remediate.resources.firewall_rule import FirewallRule, FirewallRuleSpec
from remediate.resources.exchange2003_smtp_vs import Exchange2003SmtpVs, Exchange2003SmtpVsSpec
from remediate.resources.iis_metabase_property import IisMetabaseProperty, IisMetabasePropertySpec
from remediate.resources.mail_queue_probe import MailQueueProbe, MailQueueProbeSpec
from remediate.resources.ios_config_line import IosConfigLine, IosConfigLineSpec
from remediate.resources.metabase_health import MetabaseHealth, MetabaseHealthSpec
from remediate.resources.registry_value import RegistryValue, RegistryValueSpec
from remediate.resources.smtp_banner_probe import SmtpBannerProbe, SmtpBannerProbeSpec
from remediate.resources.windows_service import WindowsService, WindowsServiceSpec

KINDS: dict[str, ResourceKind[Any]] = {kind.kind: kind for kind in (
    RegistryValue(), IosConfigLine(), SmtpBannerProbe(),
    ExchangeReceiveConnector(), ExchangeRemoteDomain(), ExchangeSendConnector(),
    DefenderExclusion(), FirewallRule(), WindowsService(),
    IisMetabaseProperty(), Exchange2003SmtpVs(), MetabaseHealth(),
    EventLogProbe(), MailQueueProbe(),
)}

# The playbook's `resources:` entries: a union discriminated by `kind`.
ResourceSpec = Annotated[Union[
    RegistryValueSpec, IosConfigLineSpec, SmtpBannerProbeSpec,
    ExchangeReceiveConnectorSpec, ExchangeRemoteDomainSpec, ExchangeSendConnectorSpec,
    DefenderExclusionSpec, FirewallRuleSpec, WindowsServiceSpec,
    IisMetabasePropertySpec, Exchange2003SmtpVsSpec, MetabaseHealthSpec,
    EventLogProbeSpec, MailQueueProbeSpec,
], Field(discriminator="kind")]


def kind_of(name: str) -> ResourceKind[Any]:
    return KINDS[name]


__all__ = ["KINDS", "FieldChange", "Op", "ResourceKind", "ResourceSpec", "WritePath", "kind_of"]
