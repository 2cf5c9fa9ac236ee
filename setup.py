"""Package data that lives outside the package in a checkout.

``models/`` and ``resources/`` stay at the top of the repository (training writes new models to
``models/``), yet the wheel must carry them: they are mapped to the data packages
``featherface_app.models`` and ``featherface_app.resources``, where ``featherface_app.core.paths``
finds them with importlib.resources. Everything else is in pyproject.toml. The training package
is not part of the app's wheel.
"""

from pathlib import Path

from setuptools import find_packages, setup

ROOT = Path(__file__).resolve().parent
DATA_PACKAGES = {"featherface_app.models": "models", "featherface_app.resources": "resources"}
# resources/ and each folder below it (icons/, desktop/, ...) is a data package of its own.
RESOURCE_PACKAGES = ["featherface_app.resources"] + sorted(
    "featherface_app.resources." + ".".join(d.relative_to(ROOT / "resources").parts)
    for d in (ROOT / "resources").rglob("*")
    if d.is_dir() and d.name != "__pycache__"
)

setup(
    packages=find_packages(include=["featherface_app", "featherface_app.*"]) + ["featherface_app.models"] + RESOURCE_PACKAGES,
    package_dir=DATA_PACKAGES,
    package_data={"featherface_app.models": ["*.onnx", "*.md"], **{name: ["*"] for name in RESOURCE_PACKAGES}},
)
