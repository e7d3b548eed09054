"""Package discovery that pyproject.toml alone cannot express.

`remediate*` packages are found as usual; the top-level templates/ and playbooks/ folders are added as the
subpackages remediate.templates and remediate.playbooks, so the wheel ships them inside the package.
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["remediate", "remediate.*"]), "remediate.templates", "remediate.playbooks"],
    package_dir={"remediate.templates": "templates", "remediate.playbooks": "playbooks"},
)
