# PyInstaller runtime hook: runs before the app's first import. onnxruntime writes a device id and
# an event store under ~/.cache/Microsoft on import unless this is set first.
import os

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")

# packaging/build.py --measure: which modules a real run imported (to prove exclusions safe).
_report = os.environ.get("FEATHERFACE_MODULES_REPORT")
if _report:
    import atexit
    import sys

    def _write_modules() -> None:
        with open(f"{_report}.{os.getpid()}", "w", encoding="utf-8") as handle:
            handle.write("\n".join(sorted(sys.modules)))

    atexit.register(_write_modules)
