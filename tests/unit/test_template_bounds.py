"""Jinja in playbooks is bounded in size per field and in work (issue 12, finding 9), and the secret-name
heuristic covers the usual abbreviations. Through `remediate validate` (renders every field for every host)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from remediate.cli.main import main
from remediate.credentials import looks_like_secret_name
from remediate.errors import InputError
from remediate.playbook import RuleSource, evaluate_when
from remediate.templating import MAX_FIELD_CHARS, WORK_BUDGET
from remediate.yamlsrc import LineMap

INVENTORY = """\
connection:
  scheme: https
  user: admin
  password: {env: REMEDIATE_TEST_PW}
vars:
  long: VALUE
hosts:
  ex1:
    connection: {address: 127.0.0.1}
"""


def playbook(data: str) -> str:
    rule = {"id": "costly", "title": "t", "cause": "c", "source": "KB 1",
            "resources": [{"kind": "registry_value", "hive": "HKLM", "key": "K", "name": "v", "type": "REG_SZ",
                           "data": data}]}
    return json.dumps({"rules": [rule]}, indent=1)


@pytest.fixture
def run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]):  # type: ignore[no-untyped-def]
    monkeypatch.setenv("REMEDIATE_TEST_PW", "unused")

    def _run(data: str, long: str = "x") -> tuple[int, str]:
        (tmp_path / "inventory.yaml").write_text(INVENTORY.replace("VALUE", json.dumps(long)))
        (tmp_path / "book.yaml").write_text(playbook(data))
        capsys.readouterr()
        code = main(["validate", "-i", str(tmp_path / "inventory.yaml"), "-p", str(tmp_path / "book.yaml")])
        out, err = capsys.readouterr()
        assert "Traceback" not in err and "internal error" not in err, err
        return code, out + err

    return _run


BOMBS = [
    ("the issue's multiplication", "{{ 'a' * 300000000 }}", "'*' would hold 300,000,000 characters"),
    ("a list multiplied", "{{ [1, 2] * 100000000 }}", "'*' would hold 200,000,000"),
    ("nested range loops", "{% for a in range(100000) %}{% for b in range(100000) %}x{% endfor %}{% endfor %}",
     "more work than the bound"),
    ("silent nested loops", "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}",
     "more work than the bound"),
    ("doubling", "{% set ns = namespace(x='a') %}{% for i in range(60) %}{% set ns.x = ns.x ~ ns.x %}{% endfor %}"
                 "{{ ns.x }}", "'~' would hold 1,048,576"),
    ("recursive macro", "{% macro f(n) %}{% if n %}{{ f(n - 1) }}{{ f(n - 1) }}{% endif %}{% endmacro %}{{ f(30) }}",
     "more work than the bound"),
    ("a huge power", "{{ 2 ** 100000000 }}", "'**' would give a number of more than"),
    ("printf width", "{{ '%0999999999d' % 1 }}", "'%' formatting would hold"),
    ("format filter width", "{{ '%0999999999d' | format(1) }}", "filter 'format' would hold"),
    ("str.format width", "{{ '{:>999999999}'.format('a') }}", "'format' would hold"),
    ("center filter", "{{ 'a' | center(1000000000) }}", "filter 'center' is given 1,000,000,000"),
    ("ljust method", "{{ 'a'.ljust(1000000000) }}", "ljust() is given 1,000,000,000"),
    ("replace growth", "{{ ('a' * 1000) | replace('a', 'b' * 10000) }}", "filter 'replace' would hold"),
    ("a long variable repeated", "{{ long ~ long ~ long }}", "'~' would hold 1,200,000"),
    ("output of a template", "{% for i in range(30) %}{{ long }}{% endfor %}", "the template's output would hold"),
]


@pytest.mark.parametrize("case, data, expected", BOMBS, ids=[b[0] for b in BOMBS])
def test_a_costly_template_is_a_clear_error_naming_the_rule(run, case: str, data: str,  # type: ignore[no-untyped-def]
                                                            expected: str) -> None:
    code, output = run(data, long="y" * 400_000)
    assert code == 1, output
    assert "book.yaml:" in output and "rules[0].resources[0].data: rule costly: template refused for host ex1: " \
        in output, output
    assert expected in output, output


@pytest.mark.parametrize("data, long", [
    ("{{ long }}", "z" * 40_000),  # the hostile corpus's longest string, through a variable
    ("{{ long ~ long }}", "z" * 400_000),
    ("{% for i in range(1000) %}{{ i }},{% endfor %}", "x"),
    ("{{ range(200) | map('string') | join(';') }}", "x"),
    ("{{ 'x' * 1000 }}", "x"),
    ("{{ '%-20s|' | format(long) }}", "x" * 30_000),
    ("{{ (10 ** 10) ** 9 }}", "x"),
])
def test_ordinary_templates_are_not_refused(run, data: str, long: str) -> None:  # type: ignore[no-untyped-def]
    code, output = run(data, long=long)
    assert code == 0, output


def test_when_is_bounded_too() -> None:
    lines = LineMap("book.yaml", {("rules", 0): 3, ("rules", 0, "when"): 7})
    src = RuleSource("book.yaml", 0, 3, {"id": "costly"}, lines)
    with pytest.raises(InputError, match=r"book.yaml:7: rules\[0\].when: rule costly: when: refused: '\*' would"):
        evaluate_when("facts.x * 100000000", {"x": "ab"}, {}, src)
    assert evaluate_when("facts.x * 3 == 'ababab'", {"x": "ab"}, {}, src) is True


def test_the_bounds_are_what_the_docs_say() -> None:
    assert MAX_FIELD_CHARS == 1_000_000 and WORK_BUDGET == 5_000_000


SECRET_NAMES = ["svc_pwd", "api_token", "sa_pass", "apiKey", "api_key", "private_key", "ssh_key", "db_password",
                "dbpassword", "SvcPwd", "smtp_creds", "credential", "client_secret", "wifi_psk", "pw", "PASSWORD"]
PLAIN_NAMES = ["tnef_store_driver_key", "sav_internet_mail_key", "key", "include_passed", "bypass_list", "smart_host",
               "passive_mode", "monkey", "lab_smtp", "compass"]


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_named_variables_are_refused(run, tmp_path: Path, name: str) -> None:  # type: ignore[no-untyped-def]
    assert looks_like_secret_name(name)
    (tmp_path / "inventory.yaml").write_text(INVENTORY)
    code, output = run("x")
    assert code == 0, output
    text = INVENTORY.replace("  long: VALUE", f"  {name}: hunter2-Value")
    (tmp_path / "inventory.yaml").write_text(text)
    (tmp_path / "book.yaml").write_text(playbook("x"))
    code = main(["validate", "-i", str(tmp_path / "inventory.yaml"), "-p", str(tmp_path / "book.yaml")])
    assert code == 1


@pytest.mark.parametrize("name", PLAIN_NAMES)
def test_names_that_only_look_close_are_not_secrets(name: str) -> None:
    assert not looks_like_secret_name(name)
