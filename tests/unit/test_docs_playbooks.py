"""docs/playbooks.md lists every shipped rule exactly as the playbooks say; regenerate it when they change."""

from __future__ import annotations

from pathlib import Path

from remediate.docs import generate

DOC = Path(__file__).resolve().parents[2] / "docs" / "playbooks.md"


def test_playbooks_doc_is_in_step_with_the_playbooks():
    assert DOC.read_text(encoding="utf-8") == generate(), (
        "docs/playbooks.md is out of step with playbooks/: run  python -m remediate.docs > docs/playbooks.md")


def test_every_rule_names_its_source():
    from remediate.assets import asset_dir
    from remediate.playbook import load_catalog

    catalog = load_catalog([asset_dir("playbooks") / "event-4006.yaml"])
    for rule in catalog.rules:
        assert str(rule.data.get("source", "")).strip(), f"{rule.file}: rule {rule.id} has no source"


def test_schemas_are_valid_json_schema_and_accept_the_shipped_files(tmp_path):
    import json

    import jsonschema
    from ruamel.yaml import YAML

    from remediate.assets import asset_dir
    from remediate.schema import inventory_schema, playbook_schema

    book_schema = playbook_schema()
    jsonschema.Draft202012Validator.check_schema(book_schema)
    jsonschema.Draft202012Validator.check_schema(inventory_schema())
    yaml = YAML(typ="safe")
    for path in sorted(asset_dir("playbooks").glob("*.yaml")):
        jsonschema.validate(yaml.load(path.read_text(encoding="utf-8")), book_schema)
    example = Path(__file__).resolve().parents[2] / "inventory.example.yaml"
    jsonschema.validate(yaml.load(example.read_text(encoding="utf-8")), inventory_schema())
    assert json.dumps(book_schema)
