"""SHA256 as .NET Framework documents it, FIPS policy included (issue 18 defect 7)."""

from __future__ import annotations

import hashlib

import pytest
from dotnet_helpers import raises, runtime

from remediate.lab.state.registry import SimRegistry
from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_crypto import (
    NOT_FIPS, SHA256, SHA256Cng, SHA256CryptoServiceProvider, SHA256Managed, TargetInvocationException,
)
from remediate.lab.windows.dotnet_io import MemoryStream

LSA = r"System\CurrentControlSet\Control\Lsa"


def machine(os_version: str, fips: bool) -> object:
    framework = "2.0" if os_version.startswith("5.") else "4.5.1"
    registry = SimRegistry()
    if os_version.startswith("5."):
        registry.set("HKLM", LSA, "FIPSAlgorithmPolicy", "REG_DWORD", int(fips))
    else:
        registry.set("HKLM", LSA + r"\FipsAlgorithmPolicy", "Enabled", "REG_DWORD", int(fips))
    return runtime(framework, registry=registry, os_version=os_version)


def data(raw: bytes) -> clr.TypedArray:
    return clr.TypedArray("System.Byte", [clr.Byte(b) for b in raw])


@pytest.mark.parametrize("os_version", ["5.2.3790", "10.0.17763"])
def test_create_is_sha256_managed_and_hashes(os_version: str) -> None:
    sha = SHA256.Create(machine(os_version, False))
    assert type(sha) is SHA256Managed and "System.Security.Cryptography.SHA256" in clr.type_names(sha)
    assert bytes(sha.ComputeHash(data(b"abc"))) == hashlib.sha256(b"abc").digest()
    assert bytes(sha.ComputeHash(MemoryStream.new(runtime(), data(b"abc")))) == hashlib.sha256(b"abc").digest()
    assert sha.HashSize == 256
    sha.Clear()
    with pytest.raises(clr.TYPES["system.objectdisposedexception"]):
        sha.ComputeHash(data(b"abc"))


@pytest.mark.parametrize("os_version", ["5.2.3790", "6.3.9600"])
def test_fips_policy_refuses_the_managed_class_up_to_net_4_6_1(os_version: str) -> None:
    rt = machine(os_version, True)
    with pytest.raises(TargetInvocationException) as caught:
        SHA256.Create(rt)
    assert caught.value.Message == "Exception has been thrown by the target of an invocation."
    assert isinstance(caught.value.InnerException, clr.InvalidOperationException)
    assert caught.value.InnerException.Message == NOT_FIPS
    raises(clr.InvalidOperationException, NOT_FIPS, lambda: SHA256Managed.new(rt))  # New-Object's own constructor
    if os_version.startswith("5."):  # .NET 2.0 only: no SHA256CryptoServiceProvider at all
        with pytest.raises(clr.ArgumentException):
            SHA256CryptoServiceProvider.new(rt)
        return
    assert bytes(SHA256CryptoServiceProvider.new(rt).ComputeHash(data(b""))) == hashlib.sha256(b"").digest()


def test_fips_host_with_net_4_6_2_gets_sha256_cng() -> None:
    registry = SimRegistry()
    registry.set("HKLM", LSA + r"\FipsAlgorithmPolicy", "Enabled", "REG_DWORD", 1)
    sha = SHA256.Create(runtime("4.7.2", registry=registry, os_version="10.0.17763"))
    assert type(sha) is SHA256Cng and bytes(sha.ComputeHash(data(b"x"))) == hashlib.sha256(b"x").digest()


def test_the_2003_value_is_not_read_on_later_windows() -> None:
    registry = SimRegistry()
    registry.set("HKLM", LSA, "FIPSAlgorithmPolicy", "REG_DWORD", 1)
    assert type(SHA256.Create(runtime("4.7.2", registry=registry, os_version="10.0.17763"))) is SHA256Managed


def test_crypto_service_provider_is_dotnet_3_5() -> None:
    assert not clr.available(SHA256CryptoServiceProvider, "2.0")
    assert clr.available(SHA256CryptoServiceProvider, "4.5.1") and clr.available(SHA256Managed, "2.0")
