"""module.xml, the IPM manifest: its structure, its paths, the loader it invokes (docs/install.md §2).

No IRIS and no IPM here: these tests check the manifest against what IPM's source reads (element names, where
a Resource's file lies, what FileCopy copies, the Invoke's class and method) and run the in-IRIS loader
against the offline ``iris`` on a copy laid out as FileCopy lays it out. ``zpm "install"`` itself is untested.
"""

import re
import shutil
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from delivery import components

ROOT = Path(__file__).resolve().parents[2]
MANIFEST = ROOT / "module.xml"
#: ${...} expressions IPM itself resolves (%IPM.Utils.Module:%EvaluateSystemExpression and
#: %IPM.Storage.Module:%Evaluate).
BUILT_IN = {"mgrdir", "libdir", "installdir", "datadir", "bindir", "cspdir", "namespace", "ns", "root",
            "version", "packagename", "verbose", "ipmdir"}
SEMVER = re.compile(r"\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?")


@pytest.fixture(scope="module")
def module():
    tree = ET.parse(MANIFEST)
    export = tree.getroot()
    assert export.tag == "Export"
    documents = export.findall("Document")
    assert len(documents) == 1
    mod = documents[0].find("Module")
    assert mod is not None
    assert documents[0].get("name") == mod.findtext("Name") + ".ZPM"
    return mod


def test_the_required_elements_are_there_once_with_usable_values(module):
    for tag in ("Name", "Version", "Packaging", "SourcesRoot", "Description"):
        assert len(module.findall(tag)) == 1, tag
        assert module.findtext(tag).strip(), tag
    assert module.findtext("Name") == "iris-lite-terminal"
    assert SEMVER.fullmatch(module.findtext("Version"))
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'version = "{module.findtext("Version")}"' in pyproject  # one version for both packagings
    assert module.findtext("Packaging") == "module"
    assert module.find("SystemRequirements").get("Interoperability") == "enabled"


def test_every_resource_names_a_class_file_under_sources_root_that_defines_it(module):
    sources = ROOT / module.findtext("SourcesRoot")
    resources = module.findall("Resource")
    assert resources
    for res in resources:
        name = res.get("Name")
        assert name.endswith(".CLS"), name
        cls = name[:-4]
        path = sources / "cls" / (cls.replace(".", "/") + ".cls")  # IPM's default Directory for classes: cls/
        assert path.is_file(), path
        assert re.search(rf"^Class {re.escape(cls)}\b", path.read_text(), re.M), path


def test_file_copy_copies_every_package_the_classes_and_the_loader_import(module):
    copies = module.findall("FileCopy")
    names = set()
    targets = set()
    for fc in copies:
        name, target = fc.get("Name"), fc.get("Target")
        assert (ROOT / name).is_dir() and name.endswith("/"), name
        assert target.startswith("${mgrdir}iris-lite-terminal/") and target.endswith(name), target
        names.add(name.rstrip("/"))
        targets.add(target)
    assert len(targets) == len(copies)
    needed = set(components.PACKAGES) | {m.split(".")[0] for m in components.MODULES} | {"delivery"}
    assert needed <= names


def test_the_invoke_calls_an_existing_class_method_with_resolvable_arguments(module):
    invokes = module.findall("Invoke")
    assert len(invokes) == 1
    inv = invokes[0]
    assert inv.get("Phase") == "Activate" and inv.get("When") == "After"  # after FileCopy (start of Activate)
    resources = {r.get("Name")[:-4] for r in module.findall("Resource")}
    assert inv.get("Class") in resources
    source = ROOT / module.findtext("SourcesRoot") / "cls" / (inv.get("Class").replace(".", "/") + ".cls")
    text = source.read_text()
    match = re.search(rf"^ClassMethod {inv.get('Method')}\((.*)\) As %Status$", text, re.M)
    assert match, "the method must exist and return a %Status (IPM checks it)"
    args = [a.text for a in inv.findall("Arg")]
    assert len(args) == len(match.group(1).split(","))
    defaults = {d.get("Name"): d.get("Value") for d in module.findall("Default")}
    for value in args + [module.findtext("AfterInstallMessage")]:
        for expr in re.findall(r"\$\{(\w+)\}", value):
            assert expr.lower() in BUILT_IN or expr in defaults, expr
    assert args[0] == "${mgrdir}iris-lite-terminal/"
    assert defaults[args[1][2:-1]] == components.DEFAULT_PRODUCTION  # the module declares the production


def test_requirements_txt_is_what_pyproject_depends_on():
    """IPM pip-installs requirements.txt from the module root into mgr/python (%IPM.Lifecycle.Base)."""
    reqs = [ln.strip() for ln in (ROOT / "requirements.txt").read_text().splitlines()
            if ln.strip() and not ln.startswith("#")]
    pyproject = (ROOT / "pyproject.toml").read_text()
    deps = pyproject.split("dependencies = [", 1)[1].split("]", 1)[0]
    declared = [d.split("#")[0].strip().strip(",").strip('"') for d in deps.splitlines()]
    assert reqs == [d for d in declared if d]
    assert tuple(re.split(r"[=<>!~]", r, maxsplit=1)[0] for r in reqs) == components.DISTRIBUTIONS


LOADER = """
import sys
copy, root = sys.argv[1], sys.argv[2]
sys.path.insert(0, copy)
sys.path.append(root)                       # only for the offline iris; the packages come from the copy
from offline_iris.iris_module import install
ns = install()
from delivery import iris_load
assert iris_load.__file__.startswith(copy), iris_load.__file__
problem = iris_load.load(copy, sys.argv[3])
print("RESULT:" + problem)
import adapters
print("ADAPTERS:" + adapters.__file__)
for name, text in ns.loaded_texts:
    for line in text.splitlines():
        if "_add_to_sys_path" in line:
            print("PATH:" + line.split('"_add_to_sys_path","', 1)[1].rsplit('"', 1)[0])
"""


def copy_as_file_copy_does(module, dest, skip=()):
    for fc in module.findall("FileCopy"):
        name = fc.get("Name").rstrip("/")
        if name not in skip:
            shutil.copytree(ROOT / name, dest / name, ignore=shutil.ignore_patterns("__pycache__"))


def run_loader(copy, production=components.DEFAULT_PRODUCTION):
    proc = subprocess.run([sys.executable, "-c", textwrap.dedent(LOADER), str(copy), str(ROOT), production],
                          cwd=copy, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return proc.stdout


def test_the_invoked_loader_loads_every_class_from_the_copied_folder(module, tmp_path):
    copy = tmp_path / "mgr" / "iris-lite-terminal"
    copy_as_file_copy_does(module, copy)
    out = run_loader(copy)
    assert "RESULT:\n" in out
    assert f"ADAPTERS:{copy}" in out
    paths = {ln[5:] for ln in out.splitlines() if ln.startswith("PATH:")}
    assert paths == {str(copy)}  # the classes add the installed folder to sys.path, nothing else


def test_the_loader_names_what_is_missing_instead_of_loading_half(module, tmp_path):
    copy = tmp_path / "iris-lite-terminal"
    copy_as_file_copy_does(module, copy, skip=("messages",))
    out = run_loader(copy)
    assert f"RESULT:{copy / 'messages'} is missing" in out


def test_the_loader_reports_a_production_that_did_not_compile(module, tmp_path):
    copy = tmp_path / "iris-lite-terminal"
    copy_as_file_copy_does(module, copy)
    out = run_loader(copy, production="LiteTerminal.NoSuchProduction")
    assert "RESULT:not compiled: LiteTerminal.NoSuchProduction" in out


def test_no_folder_at_the_root_is_named_like_a_module_python_imports_from_iris():
    """A folder ``iris/`` at the root would be imported as a namespace package in place of IRIS's ``iris``."""
    assert not (ROOT / "iris").exists()
    assert not (ROOT / module_sources_root()).joinpath("__init__.py").exists()


def module_sources_root():
    return ET.parse(MANIFEST).getroot().find("Document/Module").findtext("SourcesRoot")
