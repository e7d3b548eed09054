"""Certificates for the lab's HTTPS listeners: a private CA and a server certificate it signs.

Clients validate the lab the way they validate production, against a CA file (``ca_cert_path``), never with
validation turned off. Keys are ECDSA P-256: generating them is instant, so every test can make its own.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from remediate.securefiles import private_dir, write_private


@dataclass(frozen=True)
class TlsMaterial:
    """PEM files for one HTTPS listener: the CA clients trust, the server certificate and its key."""

    ca_cert_path: Path
    cert_path: Path
    key_path: Path


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.ORGANIZATION_NAME, "remediate lab"),
                      x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _san(hostnames: list[str]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for host in hostnames:
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            entries.append(x509.DNSName(host))
    return x509.SubjectAlternativeName(entries)


def generate_tls(directory: Path, hostnames: list[str]) -> TlsMaterial:
    """Write ``ca.pem``, ``server.pem`` and ``server-key.pem`` into ``directory`` and return their paths.

    The server certificate names every entry of ``hostnames`` as a subject alternative name (an IP address entry
    for addresses, a DNS entry otherwise), so hostname checking passes for each. Valid from a day ago for a year.
    The key file is written unencrypted with mode 0600.
    """
    if not hostnames:
        raise ValueError("generate_tls needs at least one hostname")
    directory = private_dir(Path(directory), what="lab TLS folder")
    now = datetime.datetime.now(datetime.timezone.utc)
    not_before, not_after = now - datetime.timedelta(days=1), now + datetime.timedelta(days=365)

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(_name("remediate lab CA"))
        .issuer_name(_name("remediate lab CA"))
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                     crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name(hostnames[0]))
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before)
        .not_valid_after(not_after)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                     data_encipherment=False, key_agreement=True, key_cert_sign=False,
                                     crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(_san(hostnames), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
        .sign(ca_key, hashes.SHA256())
    )

    material = TlsMaterial(directory / "ca.pem", directory / "server.pem", directory / "server-key.pem")
    write_private(material.ca_cert_path, ca_cert.public_bytes(serialization.Encoding.PEM), what="lab CA certificate")
    write_private(material.cert_path, cert.public_bytes(serialization.Encoding.PEM), what="lab server certificate")
    write_private(material.key_path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                       serialization.NoEncryption()), what="lab server key")
    return material


def server_context(material: TlsMaterial) -> ssl.SSLContext:
    """A server-side TLS context for ``material`` (TLS 1.2 or newer)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.load_cert_chain(str(material.cert_path), str(material.key_path))
    return context


def end_point_hash(cert_path: Path) -> bytes:
    """The RFC 5929 ``tls-server-end-point`` hash of a PEM certificate, as NTLM channel binding uses it.

    The hash is the certificate's own signature hash, except that MD5 and SHA-1 are replaced by SHA-256.
    """
    cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    algorithm = cert.signature_hash_algorithm
    name = algorithm.name if algorithm is not None and algorithm.name not in ("md5", "sha1") else "sha256"
    return hashlib.new(name, cert.public_bytes(serialization.Encoding.DER)).digest()
