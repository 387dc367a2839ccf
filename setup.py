"""The package list, derived: every folder with an __init__.py under the folders that
pyproject.toml's [tool.setuptools.package-dir] maps into the clerkdesk namespace. (A
hand-kept list once left out clerkdesk.tui.commands, so an installed wheel could not run.)"""
import tomllib
from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).parent
MAPPING = tomllib.loads((HERE / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]


def packages() -> list[str]:
    out = []
    for name, folder in MAPPING.items():
        out.append(name)
        out += [f"{name}.{sub}" for sub in find_packages(str(HERE / folder))]
    return sorted(set(out))


setup(packages=packages())
