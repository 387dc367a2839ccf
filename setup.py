"""The package list, derived: every folder with an __init__.py under the folders that
pyproject.toml's [tool.setuptools.package-dir] maps into the clerkdesk namespace. (A
hand-kept list once left out clerkdesk.tui.commands, so an installed wheel could not run.)

And each build starts from an empty build/lib/clerkdesk: setuptools copies the modules
into build/lib and the wheel takes whatever is there, so after `git pull` a module that
was renamed or removed would otherwise still be installed by the next `pip install .`."""
import shutil
import tomllib
from pathlib import Path

from setuptools import find_packages, setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).parent
MAPPING = tomllib.loads((HERE / "pyproject.toml").read_text())["tool"]["setuptools"]["package-dir"]


def packages() -> list[str]:
    out = []
    for name, folder in MAPPING.items():
        out.append(name)
        out += [f"{name}.{sub}" for sub in find_packages(str(HERE / folder))]
    return sorted(set(out))


class FreshBuildPy(build_py):
    """build_py that first empties what an earlier build left in build/lib/clerkdesk."""

    def run(self):
        shutil.rmtree(Path(self.build_lib) / "clerkdesk", ignore_errors=True)
        super().run()


setup(packages=packages(), cmdclass={"build_py": FreshBuildPy})
