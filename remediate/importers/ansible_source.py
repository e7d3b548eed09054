"""Reading an Ansible inventory with ansible-core itself (the `ansible` extra), and Ansible's values as plain ones.

Every host's variables are combined as Ansible combines them; only the `yaml` and `ini` inventory plugins run (see
`_file_formats_only`). Nothing here maps a variable: remediate/importers/ansible.py does.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from remediate.errors import InputError, Location, RemediateError

INSTALL_HINT = "pip install 'remediate[ansible]' (ansible-core)"


class AnsibleImportError(RemediateError):
    """ansible-core is missing, or Ansible could not parse the inventory."""


_plugins_ready = False


def _ansible() -> tuple[Any, Any, Any, Any]:
    try:
        from ansible.inventory.helpers import get_group_vars
        from ansible.inventory.manager import InventoryManager
        from ansible.parsing.dataloader import DataLoader
        from ansible.plugins import loader as plugin_loader
        from ansible.vars.plugins import get_vars_from_inventory_sources
    except ImportError:
        raise AnsibleImportError(f"reading Ansible inventories needs ansible-core, which is not installed; "
                                 f"{INSTALL_HINT}") from None
    global _plugins_ready
    if not _plugins_ready and hasattr(plugin_loader, "init_plugin_loader"):
        plugin_loader.init_plugin_loader()  # ansible-core 2.15+: plugins need it outside Ansible's CLI, once
        _plugins_ready = True
    return InventoryManager, DataLoader, get_group_vars, get_vars_from_inventory_sources


def read_ansible(path: Path) -> tuple[dict[str, dict[str, Any]], dict[str, list[str]]]:
    """Each host's variables (Ansible's precedence applied) and each group's hosts (descendants included)."""
    inventory_manager, data_loader, get_group_vars, vars_from_sources = _ansible()
    from ansible.errors import AnsibleError
    from ansible.inventory.helpers import sort_groups
    from ansible.utils.vars import combine_vars

    if not path.is_file():
        raise InputError(Location(str(path)), "no such inventory file")
    loader = data_loader()
    loader.set_basedir(str(path.parent))
    try:
        with _file_formats_only():
            manager = inventory_manager(loader=loader, sources=[str(path)])
    except AnsibleError as exc:
        raise InputError(Location(str(path)), f"Ansible cannot read this inventory: {_first_line(exc)}") from None
    sources = [str(path)]
    hosts: dict[str, dict[str, Any]] = {}
    for host in manager.get_hosts():
        groups = sort_groups(host.get_groups())  # all, then parents before children, as Ansible combines them
        # Ansible's precedence: the file's group vars < group_vars/ < the file's host vars < host_vars/.
        # ("task": the stage at which Ansible's VariableManager asks vars plugins, e.g. host_group_vars.)
        variables = get_group_vars(groups)
        variables = combine_vars(variables, vars_from_sources(loader, sources, groups, "task"))
        variables = combine_vars(variables, host.vars)
        variables = combine_vars(variables, vars_from_sources(loader, sources, [host], "task"))
        hosts[exact_text(host.name)] = {k: v for k, v in variables.items()
                                        if k not in ("inventory_file", "inventory_dir")}
    members = {exact_text(name): sorted(exact_text(h.name) for h in group.get_hosts())
               for name, group in manager.groups.items() if name not in ("all", "ungrouped")}
    return hosts, members


@contextlib.contextmanager
def _file_formats_only() -> Iterator[None]:
    """Ansible's configuration for this parse only: the yaml and ini plugins (`script` would run an executable
    inventory, `auto` loads plugin configurations that query clouds), and a file none of them can read is an
    error rather than Ansible's warning and an empty inventory. Set on ansible.constants, which Ansible read from
    its environment and ansible.cfg when first imported, and restored afterwards."""
    from ansible import constants

    wanted = {"INVENTORY_ENABLED": ["yaml", "ini"], "INVENTORY_UNPARSED_IS_FAILED": True,
              "INVENTORY_ANY_UNPARSED_IS_FAILED": True}
    before = {name: getattr(constants, name, None) for name in wanted}
    for name, value in wanted.items():
        setattr(constants, name, value)
    try:
        yield
    finally:
        for name, value in before.items():
            setattr(constants, name, value)


def plain_value(value: Any) -> Any:
    """Ansible's values (tagged str/int subclasses since ansible-core 2.19) as plain YAML-able Python values."""
    if isinstance(value, dict):
        return {exact_text(k): plain_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [plain_value(v) for v in value]
    if value is None:
        return None
    if isinstance(value, bool):
        return bool(value)
    if isinstance(value, int):
        return int(value)
    if isinstance(value, float):
        return float(value)
    return exact_text(value)


def exact_text(value: Any) -> str:
    """An exact `str` (str() of Ansible's tagged strings keeps their subclass, which YAML cannot represent)."""
    text = value if isinstance(value, str) else str(value)
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "surrogatepass")


def is_vaulted(value: Any) -> bool:
    """A `!vault` value (AnsibleVaultEncryptedUnicode, or EncryptedString from ansible-core 2.19): reading it
    as text would need the vault password."""
    return getattr(value, "_ciphertext", None) is not None


def _first_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text[:400] or type(exc).__name__
