"""System.Security.Cryptography: SHA256 (Create), SHA256Managed and SHA256CryptoServiceProvider (.NET 3.5).

Sources (learn.microsoft.com/dotnet/api/...): system.security.cryptography.sha256.create (on .NET Framework: SHA256Managed when FIPS mode
is not active, SHA256Cng when it is; "On the .NET Framework 4.6.1 and earlier versions only" the FIPS refusal is an
exception, which CryptoConfig's reflection wraps in TargetInvocationException), system.security.cryptography.sha256managed (not FIPS-validated:
its constructor throws InvalidOperationException "This implementation is not part of the Windows Platform FIPS
validated cryptographic algorithms." when the machine enforces the FIPS policy),
system.security.cryptography.sha256cryptoserviceprovider (System.Core, .NET Framework 3.5; FIPS-validated, CAPI),
system.security.cryptography.hashalgorithm (ComputeHash overloads, Hash, HashSize, Clear).

The FIPS policy is the machine's registry, as .NET Framework reads it: the DWORD
HKLM\\System\\CurrentControlSet\\Control\\Lsa\\FIPSAlgorithmPolicy on Windows XP/Server 2003, and
HKLM\\System\\CurrentControlSet\\Control\\Lsa\\FipsAlgorithmPolicy\\Enabled from Windows Vista/Server 2008 on
("System cryptography: Use FIPS compliant algorithms for encryption, hashing, and signing",
https://learn.microsoft.com/windows/security/threat-protection/security-policy-settings/system-cryptography-use-fips-compliant-algorithms-for-encryption-hashing-and-signing).
"""

from __future__ import annotations

import hashlib
from typing import Any, ClassVar

from remediate.lab.windows import clr
from remediate.lab.windows.dotnet_args import bytes_arg, byte_array, framework_at_least, int_arg, is_null, out_of_range
from remediate.lab.windows.dotnet_io import ObjectDisposedException
from remediate.lab.windows.psexceptions import PSArgumentException
from remediate.lab.windows.refusal import NotModeled

LSA = r"System\CurrentControlSet\Control\Lsa"
NOT_FIPS = "This implementation is not part of the Windows Platform FIPS validated cryptographic algorithms."


def fips_enforced(machine: Any) -> bool:
    """Whether the machine enforces the FIPS algorithm policy (the registry value for its Windows version)."""
    registry = getattr(machine, "registry", None)
    if registry is None:
        return False
    legacy = str(getattr(machine, "os_version", "10.0")).split(".")[0] in ("5",)
    key, name = (LSA, "FIPSAlgorithmPolicy") if legacy else (LSA + r"\FipsAlgorithmPolicy", "Enabled")
    value = registry.get("HKLM", key, name)
    return bool(value.get("exists")) and value.get("type") == "REG_DWORD" and int(value.get("data") or 0) != 0


ApplicationException = clr.TYPES.get("system.applicationexception") or clr.exception_type(
    "System.ApplicationException", clr.DotNetException, "Error in the application.")
TargetInvocationException = clr.TYPES.get("system.reflection.targetinvocationexception") or clr.exception_type(
    "System.Reflection.TargetInvocationException", ApplicationException,
    "Exception has been thrown by the target of an invocation.")
PlatformNotSupportedException = clr.TYPES.get("system.platformnotsupportedexception") or clr.exception_type(
    "System.PlatformNotSupportedException", clr.NotSupportedException, "Operation is not supported on this platform.")


@clr.register
class HashAlgorithm(clr.DotNetObject):
    """System.Security.Cryptography.HashAlgorithm: the members every hash shares."""

    TYPE_NAME = "System.Security.Cryptography.HashAlgorithm"
    ALGORITHM: ClassVar[str] = "sha256"

    def __init__(self) -> None:
        self._hash: bytes | None = None
        self._disposed = False

    def _check(self) -> None:
        if self._disposed:
            raise ObjectDisposedException(f"Cannot access a disposed object.\r\nObject name: '{type(self).__name__}'.")

    def ComputeHash(self, data: Any, offset: Any = None, count: Any = None) -> clr.TypedArray:  # noqa: N802
        """ComputeHash(byte[]), ComputeHash(byte[], offset, count), ComputeHash(Stream)."""
        self._check()
        if isinstance(data, clr.Stream):
            chunks = []
            while True:
                chunk = data.read_bytes(4096)
                if not chunk:
                    break
                chunks.append(chunk)
            raw = b"".join(chunks)
        else:
            raw = bytes_arg(data, "buffer")
            if offset is not None:
                start, size = int_arg(offset), int_arg(count)
                if start < 0 or size < 0:
                    raise out_of_range("Non-negative number required.", "offset" if start < 0 else "count")
                if start + size > len(raw):
                    raise clr.ArgumentException("Value was invalid.")
                raw = raw[start:start + size]
        self._hash = hashlib.new(self.ALGORITHM, raw).digest()
        return byte_array(self._hash)

    @property
    def Hash(self) -> clr.TypedArray:  # noqa: N802
        self._check()
        if self._hash is None:
            raise CryptographicUnexpectedOperationException(
                "Hash must be finalized before the hash value is retrieved.")
        return byte_array(self._hash)

    @property
    def HashSize(self) -> int:  # noqa: N802
        return hashlib.new(self.ALGORITHM).digest_size * 8

    def Initialize(self) -> Any:  # noqa: N802
        return clr.VOID

    def Clear(self) -> Any:  # noqa: N802
        self._disposed = True
        return clr.VOID

    def Dispose(self) -> Any:  # noqa: N802
        return self.Clear()


CryptographicException = clr.TYPES.get("system.security.cryptography.cryptographicexception") or clr.exception_type(
    "System.Security.Cryptography.CryptographicException", clr.SystemException, "Error occurred during a "
    "cryptographic operation.")
CryptographicUnexpectedOperationException = clr.exception_type(
    "System.Security.Cryptography.CryptographicUnexpectedOperationException", CryptographicException)


@clr.register
class SHA256(HashAlgorithm):
    """System.Security.Cryptography.SHA256 (abstract): `Create()` gives the Framework's default, SHA256Managed."""

    TYPE_NAME = "System.Security.Cryptography.SHA256"

    @clr.static
    def Create(rt: Any, name: Any = None) -> HashAlgorithm:  # noqa: N802,N805
        """CryptoConfig builds the default implementation by reflection: SHA256Managed, whose constructor's refusal
        under FIPS arrives wrapped in TargetInvocationException (.NET Framework 4.6.1 and earlier); from 4.6.2 a
        FIPS host gets SHA256Cng instead."""
        if not is_null(name):
            raise NotModeled("SHA256.Create(algorithmName) (CryptoConfig names)")
        if fips_enforced(rt.machine):
            if framework_at_least(rt, "4.6.2"):
                return SHA256Cng()
            raise TargetInvocationException("Exception has been thrown by the target of an invocation.",
                                            clr.InvalidOperationException(NOT_FIPS))
        return SHA256Managed()


@clr.register
class SHA256Managed(SHA256):
    """The managed SHA-256: refused by .NET on a machine that enforces the FIPS policy."""

    TYPE_NAME = "System.Security.Cryptography.SHA256Managed"

    @classmethod
    def new(cls, rt: Any) -> SHA256Managed:
        if fips_enforced(rt.machine):
            raise clr.InvalidOperationException(NOT_FIPS)
        return cls()


@clr.register
class SHA256Cng(SHA256):
    """The CNG SHA-256 of System.Core (.NET Framework 3.5, Windows Vista and later): FIPS-validated."""

    TYPE_NAME = "System.Security.Cryptography.SHA256Cng"
    SINCE = "3.5"

    @classmethod
    def new(cls, rt: Any) -> SHA256Cng:
        if not framework_at_least(rt, cls.SINCE):
            raise PSArgumentException(f"Cannot find type [{cls.TYPE_NAME}]: make sure the assembly containing this "
                                      "type is loaded.", error_id="TypeNotFound")
        if str(getattr(rt.machine, "os_version", "10.0")).startswith("5."):
            raise PlatformNotSupportedException("The specified cryptographic algorithm is not supported on this "
                                                "platform.")
        return cls()


@clr.register
class SHA256CryptoServiceProvider(SHA256):
    """The CAPI SHA-256 of System.Core (.NET Framework 3.5): FIPS-validated, so the policy does not refuse it."""

    TYPE_NAME = "System.Security.Cryptography.SHA256CryptoServiceProvider"
    SINCE = "3.5"

    @classmethod
    def new(cls, rt: Any) -> SHA256CryptoServiceProvider:
        # The interpreter refuses types newer than the host's framework (clr.available); this guard keeps defect 7's
        # path honest even if a caller constructs the type directly: .NET 2.0 has no System.Core.
        if not framework_at_least(rt, cls.SINCE):
            raise PSArgumentException(f"Cannot find type [{cls.TYPE_NAME}]: make sure the assembly containing this "
                                      "type is loaded.", error_id="TypeNotFound")
        return cls()
