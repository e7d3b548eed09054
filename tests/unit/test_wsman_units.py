"""Unit tests of the lab WS-Management server's parts: NTLM acceptor, MS-WSMV encryption, SOAP, HTTP, model."""

from __future__ import annotations

import hashlib
import http.client
import io
import ipaddress
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import spnego
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from spnego.channel_bindings import GssChannelBindings

from remediate.lab.wsman import (
    CommandOutput,
    Counters,
    EndpointConfig,
    Faults,
    WSManLab,
    encryption,
    generate_tls,
)
from remediate.lab.wsman.auth import find_user
from remediate.lab.wsman.httpio import HttpError, build_response, read_request
from remediate.lab.wsman.ntlm import (
    NtlmAcceptor,
    NtlmError,
    message_type,
    peek_authenticate,
)
from remediate.lab.wsman.soap import (
    NS,
    WSManFault,
    fault_envelope,
    parse_duration,
    parse_request,
)
from remediate.lab.wsman.tls import end_point_hash, server_context

CBT = hashlib.sha256(b"certificate").digest()


def logon(acceptor: NtlmAcceptor, username: str, password: str, client_cbt: bytes | None = None):  # type: ignore[no-untyped-def]
    bindings = GssChannelBindings(application_data=b"tls-server-end-point:" + client_cbt) if client_cbt else None
    client = spnego.client(username, password, protocol="ntlm", channel_bindings=bindings,
                           options=spnego.NegotiateOptions.use_ntlm)
    negotiate = client.step()
    assert message_type(negotiate) == 1
    authenticate = client.step(acceptor.challenge(negotiate))
    return client, authenticate, peek_authenticate(authenticate)


# --- NTLM ---------------------------------------------------------------------------------------------------------
def test_ntlm_logon_peek_and_sealing_round_trip() -> None:
    acceptor = NtlmAcceptor(cbt_hash=None)
    client, token, info = logon(acceptor, "LAB\\ops", "pw")
    assert (info.domain, info.user, info.has_channel_binding) == ("LAB", "ops", False)
    acceptor.authenticate(token, info, "pw")
    assert acceptor.complete
    assert os.path.getsize(os.environ["NTLM_USER_FILE"]) == 0  # no password left on disk
    request = b"<s:Envelope>request</s:Envelope>"

    def client_seal(data: bytes) -> tuple[bytes, bytes]:
        wrapped = client.wrap(data).data
        return wrapped[:16], wrapped[16:]

    body = encryption.encrypt(request, client_seal)
    assert encryption.decrypt(body, acceptor.unseal) == request
    answer = encryption.encrypt(b"answer", acceptor.seal)
    sealed = answer.split(b"application/octet-stream\r\n", 1)[1][4:-len(b"--Encrypted Boundary--\r\n")]
    assert client.unwrap(sealed).data == b"answer"


def test_ntlm_rejects_wrong_password() -> None:
    acceptor = NtlmAcceptor(cbt_hash=None)
    _client, token, info = logon(acceptor, "admin", "wrong")
    with pytest.raises(NtlmError):
        acceptor.authenticate(token, info, "right")


def test_ntlm_channel_binding_checked_when_sent() -> None:
    good = NtlmAcceptor(cbt_hash=CBT)
    _c, token, info = logon(good, "admin", "pw", client_cbt=CBT)
    assert info.has_channel_binding
    good.authenticate(token, info, "pw")
    bad = NtlmAcceptor(cbt_hash=CBT)
    _c, token, info = logon(bad, "admin", "pw", client_cbt=hashlib.sha256(b"other certificate").digest())
    with pytest.raises(NtlmError):
        bad.authenticate(token, info, "pw")
    relaxed = NtlmAcceptor(cbt_hash=CBT)  # no binding from the client: accepted (CbtHardeningLevel=Relaxed)
    _c, token, info = logon(relaxed, "admin", "pw")
    relaxed.authenticate(token, info, "pw")


def test_peek_refuses_garbage() -> None:
    assert message_type(b"\x60\x82spnego") is None
    with pytest.raises(NtlmError):
        peek_authenticate(b"NTLMSSP\x00\x03\x00\x00\x00" + b"\xff" * 60)


def test_find_user_ranks_domains() -> None:
    users = {"admin": "bare", "LAB\\admin": "lab", "CORP\\svc": "svc"}
    assert find_user(users, "LAB", "ADMIN") == ("LAB\\admin", "lab")
    assert find_user(users, "OTHER", "admin") == ("admin", "bare")
    assert find_user(users, "", "admin") == ("admin", "bare")
    assert find_user(users, "", "svc") == ("CORP\\svc", "svc")
    assert find_user(users, "OTHER", "svc") is None


# --- encryption framing -------------------------------------------------------------------------------------------
def test_encryption_detects_tampering() -> None:
    identity = (lambda data: (b"S" * 16, data))
    body = encryption.encrypt(b"hello", identity)
    assert encryption.is_encrypted(encryption.CONTENT_TYPE)
    assert not encryption.is_encrypted("application/soap+xml;charset=UTF-8")
    assert encryption.decrypt(body, lambda sig, data: data) == b"hello"
    with pytest.raises(encryption.EncryptionError):
        encryption.decrypt(body.replace(b"Length=5", b"Length=9"), lambda sig, data: data)
    with pytest.raises(encryption.EncryptionError):
        encryption.decrypt(b"garbage", lambda sig, data: data)


# --- SOAP ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("text", "seconds"), [("PT20S", 20.0), ("PT1M30.5S", 90.5), ("P1DT1H", 90000.0),
                                               ("PT", None), ("20", None)])
def test_parse_duration(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


def test_parse_request_reads_header_and_refuses_dtds() -> None:
    envelope = (f'<s:Envelope xmlns:s="{NS["s"]}" xmlns:a="{NS["a"]}" xmlns:w="{NS["w"]}"><s:Header>'
                "<a:Action>urn:act</a:Action><a:MessageID>uuid:1</a:MessageID><w:MaxEnvelopeSize>512"
                '</w:MaxEnvelopeSize><w:OperationTimeout>PT5S</w:OperationTimeout><w:SelectorSet>'
                '<w:Selector Name="ShellId">S1</w:Selector></w:SelectorSet></s:Header><s:Body/></s:Envelope>')
    request = parse_request(envelope.encode())
    assert (request.action, request.message_id, request.max_envelope_size, request.operation_timeout,
            request.selectors) == ("urn:act", "uuid:1", 512, 5.0, {"ShellId": "S1"})
    for bad in (b'<!DOCTYPE x [<!ENTITY a "b">]><x/>', b"<! entity >", b"<x>", b"<x/>"):
        with pytest.raises(WSManFault) as fault:
            parse_request(bad)
        assert fault.value.code == 2150858817


def test_fault_envelope_shape() -> None:
    text = fault_envelope(WSManFault(5, "w:AccessDenied", "Access <denied>"), "uuid:9", "host&1")
    root = ET.fromstring(text)
    assert root.findtext(".//s:Fault/s:Code/s:Subcode/s:Value", namespaces=NS) == "w:AccessDenied"
    assert root.find(".//s:Detail/f:WSManFault", NS).get("Code") == "5"  # type: ignore[union-attr]
    assert root.findtext(".//a:RelatesTo", namespaces=NS) == "uuid:9"


# --- HTTP ---------------------------------------------------------------------------------------------------------
def test_read_request_content_length_chunked_and_eof() -> None:
    stream = io.BytesIO(b"POST /wsman HTTP/1.1\r\nContent-Length: 3\r\nConnection: close\r\n\r\nabc"
                        b"POST /wsman HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n1\r\nz\r\n0\r\n\r\n")
    first = read_request(stream)
    assert first is not None and (first.body, first.keep_alive, first.header("content-length")) == (b"abc", False,
                                                                                                     "3")
    second = read_request(stream)
    assert second is not None and second.body == b"xyz" and second.wire_size > 3
    assert read_request(stream) is None
    with pytest.raises(HttpError):
        read_request(io.BytesIO(b"POST /wsman HTTP/1.1\r\nContent-Length: 10\r\n\r\nshort"))
    assert build_response(200, [], b"ok", True).endswith(b"Content-Length: 2\r\nConnection: Keep-Alive\r\n\r\nok")


# --- model --------------------------------------------------------------------------------------------------------
def test_faults_fire_once_counted_from_when_set() -> None:
    faults = Faults()
    assert not faults.take_request_drop()
    faults.drop_at_request = 2
    assert [faults.take_request_drop() for _ in range(4)] == [False, True, False, False]
    assert faults.drop_at_request is None
    faults.drop_on_action = "Receive"
    assert not faults.take_action_drop("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Send")
    assert faults.take_action_drop("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive")
    assert not faults.take_action_drop("http://schemas.microsoft.com/wbem/wsman/1/windows/shell/Receive")


def test_counters_snapshot_and_reset() -> None:
    counters = Counters()
    counters.add(requests=2, bytes_in=10)
    snap = counters.snapshot()
    counters.add(requests=1)
    assert (snap.requests, snap.bytes_in, counters.requests) == (2, 10, 3)
    counters.reset()
    assert counters.snapshot() == Counters()


def test_endpoint_config_refuses_colons() -> None:
    with pytest.raises(ValueError):
        EndpointConfig(users={"admin": "pa:ss"})


# --- TLS and lab lifecycle ----------------------------------------------------------------------------------------
def test_generate_tls(tmp_path: Path) -> None:
    material = generate_tls(tmp_path, ["127.0.0.1", "lab.example"])
    cert = x509.load_pem_x509_certificate(material.cert_path.read_bytes())
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.IPAddress) == [ipaddress.ip_address("127.0.0.1")]
    assert san.get_values_for_type(x509.DNSName) == ["lab.example"]
    assert end_point_hash(material.cert_path) == hashlib.sha256(cert.public_bytes(serialization.Encoding.DER)).digest()
    assert material.key_path.stat().st_mode & 0o077 == 0
    server_context(material)


def test_many_hosts_added_before_start() -> None:
    # Regression: each add_host wakes the accept loop; before start() nobody drains the wake-up pipe.
    lab = WSManLab()
    hosts = [lab.add_host(f"h{i}", lambda c, a, s: CommandOutput(b"", b"", 0), EndpointConfig(users={"a": "b"}))
             for i in range(400)]
    with lab:
        conn = http.client.HTTPConnection(hosts[-1].address, hosts[-1].port, timeout=10)
        conn.request("POST", "/wsman", body=b"")
        assert conn.getresponse().status == 401
        conn.close()
    assert len({h.port for h in hosts}) == 400
